"""The person's voice in their own care: six signals read from what the platform already records,
for each episode open on a day and pooled for each team (the episode's lead team).

Each signal counts things that could show the person's voice (its denominator) and those that do
(its numerator). Something not recorded is left out of both, never counted against the team:

* ``plan_agreed`` — an episode open 28 days or more; counted when its plan's latest version (by
  the day) was agreed by the person;
* ``sections_with_person`` — each section of that latest version whose author was recorded;
  counted when the person wrote it or it was written together;
* ``goals_own_words`` — each goal open on the day whose wording was recorded; counted when it is
  in the person's own words;
* ``present_at_decisions`` — each plan version made by the day and each locality meeting decision
  about the episode by the day, where whether the person took part was recorded; counted when
  they did;
* ``preferences_honoured`` — each attended contact since the person last stated their contact
  preferences (mode, time of day, whether others may join), up to the day; counted when the
  contact kept to every preference stated;
* ``collaborate_top`` — each completed CollaboRATE response by the day (current scores only);
  counted when it got the top score (every answer 9). The mean total (0–27) is given beside it.

A team's share for a signal pools its episodes (numerators over denominators); the care component
of the co-production index is the mean of the shares of the signals with anything to count.
Seven queries, whatever the number of episodes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from alongside.care.models import (
    WITH_THE_PERSON,
    Authorship,
    CarePlanVersion,
    Contact,
    ContactPreferences,
    Episode,
    Goal,
)
from alongside.care.models import Outcome as ContactOutcome
from alongside.meetings.models import AgendaItem
from alongside.outcomes.models import Score, Status
from alongside.people.models import Person

#: An episode is expected to have an agreed plan once it has been open this long.
PLAN_DUE_DAYS = 28
COLLABORATE = "collaborate"


@dataclass(frozen=True)
class SignalDefinition:
    key: str
    title: str
    counts: str


SIGNALS: tuple[SignalDefinition, ...] = (
    SignalDefinition("plan_agreed", "Plan agreed by the person", "episodes open 28 days or more"),
    SignalDefinition(
        "sections_with_person",
        "Plan sections written by or with the person",
        "plan sections with their author recorded",
    ),
    SignalDefinition(
        "goals_own_words",
        "Goals in the person's own words",
        "open goals with their wording recorded",
    ),
    SignalDefinition(
        "present_at_decisions",
        "Person present when decisions were made",
        "plan versions and meeting decisions with presence recorded",
    ),
    SignalDefinition(
        "preferences_honoured",
        "Contacts that kept to the person's stated preferences",
        "attended contacts since the preferences were stated",
    ),
    SignalDefinition(
        "collaborate_top",
        "CollaboRATE top score (shared decision-making)",
        "completed CollaboRATE responses",
    ),
)
KEYS = tuple(s.key for s in SIGNALS)


@dataclass
class Count:
    """Of ``counted`` things that could show the person's voice, ``shown`` do."""

    shown: int = 0
    counted: int = 0

    def add(self, shown: bool) -> None:
        self.counted += 1
        self.shown += int(shown)

    def __iadd__(self, other: Count) -> Count:
        self.shown += other.shown
        self.counted += other.counted
        return self

    @property
    def share(self) -> float | None:
        return self.shown / self.counted if self.counted else None


@dataclass
class Signals:
    """The six counts for an episode or a team, and CollaboRATE's totals."""

    counts: dict[str, Count] = field(default_factory=lambda: {key: Count() for key in KEYS})
    collaborate_totals: list[Decimal] = field(default_factory=list)

    def __iadd__(self, other: Signals) -> Signals:
        for key in KEYS:
            self.counts[key] += other.counts[key]
        self.collaborate_totals += other.collaborate_totals
        return self

    @property
    def collaborate_mean(self) -> float | None:
        totals = self.collaborate_totals
        return float(sum(totals) / len(totals)) if totals else None

    @property
    def care_component(self) -> float | None:
        """The mean of the shares of the signals with anything to count (0–1), or ``None``."""
        shares = [c.share for c in self.counts.values() if c.share is not None]
        return sum(shares) / len(shares) if shares else None


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def open_episodes(team_ids: Collection[int] | None, day: dt.date) -> Q:
    """Episodes open at some point of the day, in these lead teams (every team when ``None``)."""
    start, end = _end_of(day - dt.timedelta(days=1)), _end_of(day)
    where = Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gte=start))
    if team_ids is not None:
        where &= Q(lead_team_id__in=list(team_ids))
    return where


def episode_signals(
    team_ids: Collection[int] | None = None, day: dt.date | None = None
) -> dict[int, tuple[Episode, Signals]]:
    """Each episode open on the day (today) in these lead teams: the episode and its signals."""
    day = day or timezone.localdate()
    episodes = {
        e.pk: e
        for e in Episode.objects.filter(open_episodes(team_ids, day)).select_related("person")
    }
    return signals_of(episodes, day)


def person_signals(person: Person, day: dt.date | None = None) -> list[tuple[Episode, Signals]]:
    """Each of the person's episodes, newest first, with its signals: as on the day (today) for
    an open one, as on its last day for one that has ended."""
    day = day or timezone.localdate()
    found = []
    for episode in (
        Episode.objects.filter(person=person, started_at__lt=_end_of(day))
        .select_related("lead_team__organisation")
        .order_by("-started_at", "-pk")
    ):
        last = min(day, timezone.localdate(episode.ended_at)) if episode.ended_at else day
        found.append(signals_of({episode.pk: episode}, last)[episode.pk])
    return found


def signals_of(episodes: Mapping[int, Episode], day: dt.date) -> dict[int, tuple[Episode, Signals]]:
    """These episodes' signals as on the day."""
    end = _end_of(day)
    found = {pk: Signals() for pk in episodes}
    ids = list(episodes)

    latest: dict[int, CarePlanVersion] = {}
    for version in (
        CarePlanVersion.objects.filter(plan__episode_id__in=ids, created_at__lt=end)
        .select_related("plan")
        .only("plan__episode_id", "number", "authorship", "person_present", "agreed_on")
        .order_by("plan_id", "number")
    ):
        episode_id = version.plan.episode_id
        latest[episode_id] = version
        if version.person_present is not None:
            found[episode_id].counts["present_at_decisions"].add(version.person_present)
    for episode_id, episode in episodes.items():
        signals = found[episode_id].counts
        if (day - timezone.localdate(episode.started_at)).days >= PLAN_DUE_DAYS:
            version = latest.get(episode_id)
            signals["plan_agreed"].add(
                version is not None and version.agreed_on is not None and version.agreed_on <= day
            )
        version = latest.get(episode_id)
        for author in (version.authorship if version else {}).values():
            signals["sections_with_person"].add(author in WITH_THE_PERSON)

    for episode_id, present in (
        AgendaItem.objects.filter(
            episode_id__in=ids, meeting__starts_at__lt=end, person_present__isnull=False
        )
        .exclude(decision="")
        .values_list("episode_id", "person_present")
    ):
        found[episode_id].counts["present_at_decisions"].add(present)

    for episode_id, worded_by in (
        Goal.objects.filter(episode_id__in=ids, created_at__lt=end)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end))
        .exclude(worded_by="")
        .values_list("episode_id", "worded_by")
    ):
        found[episode_id].counts["goals_own_words"].add(worded_by == Authorship.PERSON)

    _preferences(episodes, found, end)
    _collaborate(ids, found, end)
    return {pk: (episodes[pk], found[pk]) for pk in episodes}


def _preferences(
    episodes: Mapping[int, Episode], found: dict[int, Signals], end: dt.datetime
) -> None:
    preferences = {
        p.person_id: p
        for p in ContactPreferences.objects.filter(
            person_id__in={e.person_id for e in episodes.values()}, updated_at__lt=end
        )
        if p.stated
    }
    if not preferences:
        return
    # Only contacts since the preferences were stated, and only what the check reads.
    contacts = Contact.objects.filter(
        episode_id__in=[pk for pk, e in episodes.items() if e.person_id in preferences],
        outcome=ContactOutcome.ATTENDED,
        starts_at__lt=end,
        starts_at__gte=F("episode__person__contact_preferences__updated_at"),
    ).only("episode_id", "starts_at", "mode", "others_present")
    for contact in contacts:
        stated = preferences[episodes[contact.episode_id].person_id]
        found[contact.episode_id].counts["preferences_honoured"].add(stated.honoured_by(contact))


def _collaborate(ids: Iterable[int], found: dict[int, Signals], end: dt.datetime) -> None:
    for episode_id, key, value in Score.objects.filter(
        episode_id__in=list(ids),
        measure=COLLABORATE,
        key__in=("top", "total"),
        current=True,
        response__status=Status.COMPLETED,
        response__completed_at__lt=end,
    ).values_list("episode_id", "key", "value"):
        if key == "top":
            found[episode_id].counts["collaborate_top"].add(value == 1)
        else:
            found[episode_id].collaborate_totals.append(value)


def team_signals(
    team_ids: Collection[int] | None = None, day: dt.date | None = None
) -> dict[int, Signals]:
    """Each lead team's signals, pooled over its episodes open on the day."""
    teams: dict[int, Signals] = defaultdict(Signals)
    for episode, signals in episode_signals(team_ids, day).values():
        teams[episode.lead_team_id] += signals
    return dict(teams)
