"""Caseload review: each current supervisee's caseload with the signals that call for a
discussion in supervision, so a supervisor prepares without opening each case in turn.

The signals, for an open episode on the caseload (key worker or care team):

* ``no_contact`` — no attended contact for ``NO_CONTACT_WEEKS`` weeks (or none since it began);
* ``plan_review_overdue`` — the current plan version's review date has passed;
* ``goals_not_rated`` — open goals with no rating in ``GOALS_UNRATED_DAYS`` days;
* ``deterioration`` — a reliable deterioration on an outcome measure (first to latest score);
* ``intensity_unchanged`` — a reliable change on a measure with no step up or down since the
  first score;
* ``dna_run`` — the last ``DNA_IN_A_ROW`` contacts that went ahead or were missed were all missed;
* ``follow_up_overdue`` — a warm handover's follow-up for the person is past its date.

The review reads a fixed number of statements whatever the caseloads' size.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import F, Min, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import (
    Allocation,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    IntensityChange,
    Outcome,
)
from alongside.outcomes.engine import Change
from alongside.outcomes.pairs import pairs
from alongside.referrals.models import Handover
from alongside.supervision.models import SupervisionAgreement

NO_CONTACT_WEEKS = 4
GOALS_UNRATED_DAYS = 90
DNA_IN_A_ROW = 2

SIGNALS: dict[str, str] = {
    "no_contact": "No recent contact",
    "plan_review_overdue": "Plan review overdue",
    "goals_not_rated": "Goals not rated",
    "deterioration": "Reliable deterioration",
    "intensity_unchanged": "Scores changed, intensity did not",
    "dna_run": "Missed appointments in a row",
    "follow_up_overdue": "Follow-up overdue",
}


@dataclass(frozen=True)
class Signal:
    key: str
    text: str


@dataclass
class CaseSignals:
    episode: Episode
    key_worker: User | None
    signals: list[Signal] = field(default_factory=list)


@dataclass
class SuperviseeReview:
    supervisee: User
    cases: list[CaseSignals] = field(default_factory=list)

    @property
    def flagged(self) -> int:
        return sum(1 for case in self.cases if case.signals)


def _weeks(days: int) -> str:
    weeks = days // 7
    return f"{weeks} week{'s' if weeks != 1 else ''}"


def caseload_review(supervisor: User, *, today: dt.date | None = None) -> list[SuperviseeReview]:
    """For each current supervisee (by name), their caseload's open episodes, flagged ones
    first, each with its signals."""
    day = today or timezone.localdate()
    now = timezone.now()
    supervisees = list(
        User.objects.filter(
            pk__in=SupervisionAgreement.objects.current(day)
            .filter(supervisor=supervisor)
            .values("supervisee_id")
        ).order_by("last_name", "first_name", "pk")
    )
    if not supervisees:
        return []
    episodes: dict[int, Episode] = {}
    holders: dict[int, set[int]] = defaultdict(set)
    ids_of = [u.pk for u in supervisees]
    for episode_id, user_id in (
        Allocation.objects.filter(
            key_worker_id__in=ids_of, ended_at__isnull=True, episode__ended_at__isnull=True
        ).values_list("episode_id", "key_worker_id")
    ).union(
        CareTeamMember.objects.filter(
            user_id__in=ids_of, ended_at__isnull=True, episode__ended_at__isnull=True
        ).values_list("episode_id", "user_id")
    ):
        holders[episode_id].add(user_id)
    # Only what the review reads, each a subquery of the one statement (the caseload page's
    # other columns are not needed here).
    key_worker = Allocation.objects.filter(episode=OuterRef("pk"), ended_at__isnull=True)
    attended = Contact.objects.filter(episode=OuterRef("pk"), outcome=Outcome.ATTENDED)
    current_version = CarePlanVersion.objects.filter(
        plan__episode=OuterRef("pk"), number=F("plan__current_version")
    )
    rated = GoalRating.objects.filter(goal__episode=OuterRef("pk")).order_by("-rated_at")
    for episode in (
        Episode.objects.filter(pk__in=list(holders))
        .select_related("person")
        .annotate(
            key_worker_id=Subquery(key_worker.values("key_worker_id")[:1]),
            last_seen=Subquery(attended.order_by("-starts_at").values("starts_at")[:1]),
            review_on=Subquery(current_version.values("review_on")[:1]),
            last_rated=Subquery(rated.values("rated_at")[:1]),
        )
    ):
        episodes[episode.pk] = episode
    ids = list(episodes)
    workers = User.objects.in_bulk({e.key_worker_id for e in episodes.values() if e.key_worker_id})
    signals: dict[int, list[Signal]] = defaultdict(list)

    for episode in episodes.values():
        since = episode.last_seen or episode.started_at
        quiet = (now - since).days
        if quiet >= NO_CONTACT_WEEKS * 7:
            text = (
                f"No contact for {_weeks(quiet)}"
                if episode.last_seen
                else f"No contact since it began, {_weeks(quiet)} ago"
            )
            signals[episode.pk].append(Signal("no_contact", text))
        if episode.review_on and episode.review_on < day:
            late = (day - episode.review_on).days
            signals[episode.pk].append(
                Signal("plan_review_overdue", f"Plan review {late} days overdue")
            )

    for episode_id, first_set in (
        Goal.objects.filter(episode_id__in=ids, ended_at__isnull=True)
        .values("episode_id")
        .annotate(first_set=Min("created_at"))
        .values_list("episode_id", "first_set")
    ):
        latest = episodes[episode_id].last_rated or first_set
        if (now - latest).days >= GOALS_UNRATED_DAYS:
            signals[episode_id].append(
                Signal("goals_not_rated", f"Goals not rated for {_weeks((now - latest).days)}")
            )

    steps = defaultdict(list)
    for episode_id, changed_at in IntensityChange.objects.filter(episode_id__in=ids).values_list(
        "episode_id", "changed_at"
    ):
        steps[episode_id].append(changed_at)
    for pair in pairs(episode_ids=ids):
        if pair.reliable == Change.DETERIORATED:
            signals[pair.episode_id].append(
                Signal("deterioration", f"{pair.measure.upper()} reliably worse")
            )
        if pair.reliable in (Change.IMPROVED, Change.DETERIORATED):
            stepped = [at for at in steps[pair.episode_id] if at > pair.first_at]
            if not stepped and not any(
                s.key == "intensity_unchanged" for s in signals[pair.episode_id]
            ):
                signals[pair.episode_id].append(
                    Signal(
                        "intensity_unchanged",
                        f"{pair.measure.upper()} changed reliably; intensity not reviewed",
                    )
                )

    # Each episode's last appointments that went ahead or were missed, ranked in SQL.
    recent = defaultdict(list)
    for episode_id, outcome in (
        Contact.objects.filter(
            episode_id__in=ids, outcome__in=[Outcome.ATTENDED, Outcome.DID_NOT_ATTEND]
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("episode_id")],
                order_by=[F("starts_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=DNA_IN_A_ROW)
        .values_list("episode_id", "outcome")
    ):
        recent[episode_id].append(outcome)
    for episode_id, outcomes in recent.items():
        if len(outcomes) == DNA_IN_A_ROW and all(o == Outcome.DID_NOT_ATTEND for o in outcomes):
            signals[episode_id].append(
                Signal("dna_run", f"Missed the last {DNA_IN_A_ROW} appointments")
            )

    people = {e.person_id: e.pk for e in episodes.values()}
    for person_id, follow_up_on in Handover.objects.filter(
        referral__person_id__in=list(people), outcome="", follow_up_on__lt=day
    ).values_list("referral__person_id", "follow_up_on"):
        episode_id = people[person_id]
        if not any(s.key == "follow_up_overdue" for s in signals[episode_id]):
            late = (day - follow_up_on).days
            signals[episode_id].append(
                Signal("follow_up_overdue", f"Follow-up {late} days past its date")
            )

    reviews = []
    for supervisee in supervisees:
        cases = [
            CaseSignals(episodes[i], workers.get(episodes[i].key_worker_id), signals.get(i, []))
            for i in holders
            if supervisee.pk in holders[i] and i in episodes
        ]
        cases.sort(
            key=lambda c: (
                not c.signals,
                -len(c.signals),
                c.episode.person.family_name,
                c.episode.pk,
            )
        )
        reviews.append(SuperviseeReview(supervisee, cases))
    return reviews
