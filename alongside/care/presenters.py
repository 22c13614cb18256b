"""What key-working pages show: the episode's summary and histories, contact rows (with a note
only for those its sharing level allows), caseload rows with their flags, and the discharge
summary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.hooks import ExtraCell
from alongside.care.models import (
    Allocation,
    CareTeamMember,
    Contact,
    ContactPreferences,
    Episode,
    Intensity,
    Mode,
    NoteSharing,
    Outcome,
    TimeOfDay,
    time_of_day,
)
from alongside.care.queries import (
    NOT_SEEN_WEEKS,
    IntensityStep,
    NoteReader,
    WorkerCaseload,
    allocation_history,
)
from alongside.core import formats
from alongside.referrals.models import ClosureReason

INTENSITY_COLOURS = {
    Intensity.LOW: "nhsuk-tag--aqua-green",
    Intensity.MEDIUM: "nhsuk-tag--yellow",
    Intensity.HIGH: "nhsuk-tag--orange",
}
OUTCOME_COLOURS = {
    Outcome.PLANNED: "nhsuk-tag--blue",
    Outcome.ATTENDED: "nhsuk-tag--green",
    Outcome.DID_NOT_ATTEND: "nhsuk-tag--red",
    Outcome.CANCELLED_BY_PERSON: "nhsuk-tag--grey",
    Outcome.CANCELLED_BY_SERVICE: "nhsuk-tag--grey",
}
NOTE_SHARING_SHORT = {
    NoteSharing.CARE_TEAM: "Care team",
    NoteSharing.ORGANISATION: "Own organisation only",
    NoteSharing.PERSON: "Care team and the person",
}


def intensity_tag(intensity: str) -> dict[str, str]:
    if not intensity:
        return {"text": "Not recorded", "classes": "nhsuk-tag--grey"}
    return {"text": Intensity(intensity).label, "classes": INTENSITY_COLOURS[intensity]}


def outcome_tag(contact: Contact) -> dict[str, str]:
    return {"text": contact.get_outcome_display(), "classes": OUTCOME_COLOURS[contact.outcome]}


def _rows(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


def _team(team: Any) -> str:
    return f"{team.name} ({team.organisation.name})"


def person_hrefs(route: str) -> Callable[[int], str]:
    """A function giving the route's address for a person id: reversed once, for lists where
    ``reverse`` per row would cost more than the rest of the row."""
    marker = 2_147_483_647
    return reverse(route, kwargs={"person_id": marker}).replace(str(marker), "{}").format


def record_href(route: str, person_id: int, episode: Episode | None = None, **query: Any) -> str:
    href = reverse(route, kwargs={"person_id": person_id})
    if episode is not None:
        query = {"episode": episode.pk, **query}
    if query:
        href += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return href


# --- The episode -------------------------------------------------------------------------------


class EpisodePresenter:
    def __init__(self, episode: Episode, *, key_worker: User | None) -> None:
        self.episode = episode
        self.key_worker = key_worker

    @property
    def is_open(self) -> bool:
        return self.episode.ended_at is None

    @property
    def title(self) -> str:
        start = formats.date(self.episode.started_at)
        if self.is_open:
            return f"Episode of care with {self.episode.lead_team.name}, since {start}"
        return (
            f"Episode of care with {self.episode.lead_team.name}, {start} to "
            f"{formats.date(self.episode.ended_at)}"
        )

    @property
    def intensity(self) -> dict[str, str]:
        return intensity_tag(self.episode.intensity)

    @property
    def key_worker_name(self) -> str:
        if self.key_worker is not None:
            return self.key_worker.display_name
        return "Waiting for allocation" if self.is_open else "None"

    def summary_rows(self, *, partner_teams: list[Any]) -> list[dict[str, Any]]:
        e = self.episode
        referral = e.referral
        rows = [
            ("Lead team", _team(e.lead_team)),
            ("Key worker", self.key_worker_name),
            ("Started", formats.date(e.started_at)),
            (
                "From referral",
                f"{referral.reference}, received {formats.date(referral.received_at)}",
            ),
            (
                "First contact",
                _waited(referral.first_contact_at, referral.received_at, "Not yet"),
            ),
            (
                "Second contact",
                _waited(referral.second_contact_at, referral.received_at, "Not yet"),
            ),
        ]
        if partner_teams:
            rows.insert(1, ("Partner teams", ", ".join(_team(t) for t in partner_teams)))
        if not self.is_open:
            rows.append(("Ended", formats.date(e.ended_at)))
            rows.append(("Why it ended", ClosureReason(e.discharge_reason).label))
        return _rows(rows)


def _waited(moment: dt.datetime | None, since: dt.datetime, empty: str) -> str:
    if moment is None:
        return empty
    days = (timezone.localtime(moment).date() - timezone.localtime(since).date()).days
    return f"{formats.date(moment)} ({days} day{'s' if days != 1 else ''} after the referral)"


@dataclass
class AllocationRow:
    allocation: Allocation

    @property
    def key_worker(self) -> str:
        return self.allocation.key_worker.display_name

    @property
    def period(self) -> str:
        a = self.allocation
        start = formats.date(a.started_at)
        return f"{start} to {formats.date(a.ended_at)}" if a.ended_at else f"Since {start}"

    @property
    def current(self) -> bool:
        return self.allocation.ended_at is None

    @property
    def reason(self) -> str:
        return self.allocation.reason or "None given"

    @property
    def by(self) -> str:
        return self.allocation.allocated_by.display_name


@dataclass
class IntensityRow:
    step: IntensityStep

    @property
    def when(self) -> str:
        return formats.date(self.step.changed_at)

    @property
    def tag(self) -> dict[str, str]:
        return intensity_tag(self.step.intensity)

    @property
    def change(self) -> str:
        s = self.step
        if s.previous is None:
            return "Started at"
        verb = "Stepped up" if s.direction == "up" else "Stepped down"
        return f"{verb} from {Intensity(s.previous).label.lower()} to"

    @property
    def reason(self) -> str:
        return self.step.reason

    @property
    def by(self) -> str:
        return self.step.by


@dataclass
class CareTeamRow:
    member: CareTeamMember

    @property
    def name(self) -> str:
        return self.member.user.display_name

    @property
    def role(self) -> str:
        return self.member.role

    @property
    def team(self) -> str:
        return _team(self.member.team)

    @property
    def period(self) -> str:
        m = self.member
        start = formats.date(m.started_at)
        return f"{start} to {formats.date(m.ended_at)}" if m.ended_at else f"Since {start}"

    @property
    def current(self) -> bool:
        return self.member.ended_at is None


# --- Contacts ----------------------------------------------------------------------------------


@dataclass
class ContactRow:
    contact: Contact
    reader: NoteReader
    person_id: int
    milestones: dict[int, str]

    @property
    def when(self) -> str:
        return formats.datetime(self.contact.starts_at)

    @property
    def kind(self) -> str:
        return self.contact.get_kind_display()

    @property
    def mode(self) -> str:
        return self.contact.get_mode_display()

    @property
    def with_whom(self) -> str:
        c = self.contact
        return f"{c.practitioner.display_name}, {c.team.name}"

    @property
    def outcome(self) -> dict[str, str]:
        return outcome_tag(self.contact)

    @property
    def milestone(self) -> str:
        """'First contact' or 'Second contact': the ones the waiting-time measures count."""
        return self.milestones.get(self.contact.pk, "")

    @property
    def duration(self) -> str:
        minutes = self.contact.duration_minutes
        return f"{minutes} minutes" if minutes else ""

    @property
    def others(self) -> str:
        return "Family, a carer or a friend joined" if self.contact.others_present else ""

    @property
    def note(self) -> str:
        return self.contact.note if self.reader.may_read(self.contact) else ""

    @property
    def note_hidden(self) -> str:
        """What is said in place of a note the reader may not read."""
        if not self.contact.note or self.reader.may_read(self.contact):
            return ""
        if self.reader.is_the_person:
            return ""
        return f"A note only {self.contact.team.organisation.name} staff can read"

    @property
    def sharing(self) -> str:
        if not self.contact.note:
            return ""
        return NOTE_SHARING_SHORT[self.contact.note_sharing]

    @property
    def overdue(self) -> bool:
        return self.contact.is_planned and self.contact.starts_at < timezone.now()

    @property
    def outcome_href(self) -> str:
        return record_href("care:contact-outcome", self.person_id, contact=self.contact.pk)

    @property
    def status(self) -> dict[str, str]:
        if self.overdue:
            return {"text": "Outcome to record", "classes": "nhsuk-tag--orange"}
        return {"text": "Booked", "classes": "nhsuk-tag--blue"}


def milestones(episodes: list[Episode], contacts: list[Contact]) -> dict[int, str]:
    """Which of these contacts are the first and second attended direct contacts that the
    waiting-time clock kept on each episode's referral."""
    moments: dict[tuple[int, dt.datetime], str] = {}
    for e in episodes:
        if e.referral.first_contact_at:
            moments[(e.pk, e.referral.first_contact_at)] = "First contact"
        if e.referral.second_contact_at:
            moments[(e.pk, e.referral.second_contact_at)] = "Second contact"
    found: dict[int, str] = {}
    for c in sorted(contacts, key=lambda c: (c.starts_at, c.pk)):
        label = moments.get((c.episode_id, c.starts_at))
        if label and c.is_direct_attended and label not in found.values():
            found[c.pk] = label
    return found


# --- Caseloads ---------------------------------------------------------------------------------


def risk_tag(said: str, at: dt.datetime | None) -> dict[str, str]:
    """A red tag with what was said and when: "Risk: PHQ-9 question 9 … – 7 December 2026 at
    09:14"."""
    short = said if len(said) <= 300 else said[:297].rstrip() + "…"
    return {"text": f"Risk: {short} – {formats.datetime(at)}", "classes": "nhsuk-tag--red"}


@dataclass
class CaseloadRow:
    """One person on a key worker's caseload (an episode annotated by
    ``queries.with_caseload_columns``)."""

    episode: Episode
    now: dt.datetime
    weeks: int = NOT_SEEN_WEEKS
    hrefs: Callable[[int], str] | None = None
    #: The cells of the columns other apps add (``hooks.CaseloadExtras``).
    extras: list[ExtraCell] = field(default_factory=list)

    @property
    def today(self) -> dt.date:
        return timezone.localtime(self.now).date()

    @property
    def name(self) -> str:
        return self.episode.person.full_name

    @property
    def href(self) -> str:
        hrefs = self.hrefs or person_hrefs("care:episode")
        return hrefs(self.episode.person_id)

    @property
    def intensity(self) -> dict[str, str]:
        return intensity_tag(self.episode.intensity)

    @property
    def last_seen(self) -> str:
        return formats.date(self.episode.last_seen, empty="Not seen yet")

    @property
    def next_contact(self) -> str:
        return formats.datetime(self.episode.next_contact, empty="None booked")

    @property
    def review_due(self) -> str:
        if not self.episode.has_plan:
            return "Not set"
        return formats.date(self.episode.review_on, empty="Not set")

    @property
    def not_seen(self) -> bool:
        """No attended contact in the last ``weeks`` weeks, in an episode open longer than that
        (the rule ``queries.not_seen_since`` counts for team leads)."""
        cutoff = self.now - dt.timedelta(weeks=self.weeks)
        if self.episode.started_at >= cutoff:
            return False
        return self.episode.last_seen is None or self.episode.last_seen < cutoff

    @property
    def review_overdue(self) -> bool:
        return (
            self.episode.has_plan
            and self.episode.review_on is not None
            and self.episode.review_on < self.today
        )

    @property
    def flags(self) -> list[dict[str, str]]:
        e = self.episode
        flags = []
        said = getattr(e, "open_risk_said", None)
        if said:
            flags.append(risk_tag(said, e.open_risk_at))
        if self.not_seen:
            flags.append({"text": f"Not seen in {self.weeks} weeks", "classes": "nhsuk-tag--red"})
        if e.last_seen is None and not self.not_seen:
            flags.append({"text": "Waiting for a first contact", "classes": "nhsuk-tag--blue"})
        if e.overdue_appointments:
            flags.append({"text": "Appointment outcome to record", "classes": "nhsuk-tag--orange"})
        if not e.has_plan:
            flags.append({"text": "No plan yet", "classes": "nhsuk-tag--yellow"})
        elif self.review_overdue:
            flags.append({"text": "Plan review overdue", "classes": "nhsuk-tag--orange"})
        if e.unread_notes:
            flags.append({"text": "Unread note from the person", "classes": "nhsuk-tag--purple"})
        return flags


def reallocate_href(base: str, episode: Episode) -> str:
    """The team page's reallocation form, with this person's episode chosen."""
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}reallocate={episode.pk}#reallocate"


@dataclass
class NotSeenRow(CaseloadRow):
    reallocate_base: str = ""

    @property
    def reallocate_href(self) -> str:
        return reallocate_href(self.reallocate_base, self.episode)

    @property
    def key_worker(self) -> str:
        allocations = getattr(self.episode, "current_allocations", [])
        return allocations[0].key_worker.display_name if allocations else "Not allocated"


@dataclass
class WaitingRow:
    episode: Episode
    today: dt.date
    reallocate_base: str = ""
    extras: list[ExtraCell] = field(default_factory=list)

    @property
    def reallocate_href(self) -> str:
        return reallocate_href(self.reallocate_base, self.episode)

    @property
    def name(self) -> str:
        return self.episode.person.full_name

    @property
    def href(self) -> str:
        return reverse("care:episode", kwargs={"person_id": self.episode.person_id})

    @property
    def since(self) -> str:
        return formats.date(self.episode.started_at)

    @property
    def days(self) -> int:
        return (self.today - timezone.localtime(self.episode.started_at).date()).days

    @property
    def intensity(self) -> dict[str, str]:
        return intensity_tag(self.episode.intensity)

    @property
    def referral(self) -> str:
        return self.episode.referral.reference


@dataclass
class WorkerRow:
    caseload: WorkerCaseload

    @property
    def name(self) -> str:
        name = self.caseload.worker.display_name
        return name if self.caseload.in_team else f"{name} (another team)"

    def __getattr__(self, name: str) -> Any:
        return getattr(self.caseload, name)


# --- Discharge ---------------------------------------------------------------------------------


class DischargeSummary:
    """The printable summary for the person and their GP."""

    def __init__(
        self, episode: Episode, *, key_worker: User | None, attended: int, gp_practice: str
    ) -> None:
        self.episode = episode
        self.key_worker = key_worker
        self.attended = attended
        self.gp_practice = gp_practice

    @property
    def title(self) -> str:
        return f"Discharge summary: {self.episode.person.full_name}"

    def person_rows(self) -> list[dict[str, Any]]:
        p = self.episode.person
        return _rows(
            [
                ("Name", p.full_name),
                ("Date of birth", formats.date(p.date_of_birth)),
                ("NHS number", formats.nhs_number(p.nhs_number, empty="Not given")),
                ("GP practice", self.gp_practice),
            ]
        )

    def episode_rows(self) -> list[dict[str, Any]]:
        e = self.episode
        return _rows(
            [
                ("Support from", _team(e.lead_team)),
                ("Key worker", self.key_worker.display_name if self.key_worker else "None"),
                ("Started", formats.date(e.started_at)),
                ("Ended", formats.date(e.ended_at)),
                ("Why it ended", ClosureReason(e.discharge_reason).label),
                ("Contacts attended", str(self.attended)),
                ("Summary written by", e.discharged_by.display_name if e.discharged_by else ""),
            ]
        )


# --- How the person wants to be in touch -------------------------------------------------------

#: Ways of being in touch and times of day, as they read in a sentence.
MODE_WORDS = {
    Mode.FACE_TO_FACE: "face to face",
    Mode.PHONE: "by telephone",
    Mode.VIDEO: "by video",
    Mode.TEXT: "by text or other written message",
}
TIME_WORD = {
    TimeOfDay.MORNING: "in the morning",
    TimeOfDay.AFTERNOON: "in the afternoon",
    TimeOfDay.EVENING: "in the evening",
}


class PreferencesPresenter:
    """How the person said they want to be in touch, for the care team (``person_name``) or for
    the person themself (``person_name=None``: "you")."""

    def __init__(self, preferences: ContactPreferences | None, *, person_name: str | None) -> None:
        self.preferences = preferences
        self.person_name = person_name

    @property
    def recorded(self) -> bool:
        return self.preferences is not None

    @property
    def stated(self) -> bool:
        p = self.preferences
        return p is not None and (p.stated or bool(p.who_may_be_involved))

    @property
    def modes(self) -> str:
        p = self.preferences
        if p is None or not p.modes:
            return "Any way"
        return ", ".join(Mode(m).label for m in p.modes)

    @property
    def times(self) -> str:
        p = self.preferences
        if p is None or not p.times:
            return "Any time"
        return ", ".join(TimeOfDay(t).label for t in p.times)

    @property
    def others_may_join(self) -> str:
        p = self.preferences
        value = None if p is None else p.others_may_join
        if self.person_name is None:
            return {True: "Yes, if I choose to bring someone", False: "No, just me"}.get(
                value, "Not said"
            )
        return {
            True: "Yes, if they choose to bring someone",
            False: f"No, {self.person_name} would rather it was just them",
        }.get(value, "Not said")

    @property
    def who_may_be_involved(self) -> str:
        p = self.preferences
        return p.who_may_be_involved if p is not None and p.who_may_be_involved else "Not said"

    @property
    def said(self) -> str:
        """Who said so, and when."""
        p = self.preferences
        if p is None:
            return ""
        when = formats.datetime(p.updated_at)
        if p.stated_in_portal:
            if self.person_name is None:
                return f"Said by you in your portal on {when}"
            return f"Said by {self.person_name} in their portal on {when}"
        if self.person_name is None:
            return f"Recorded by {p.updated_by.display_name} from your care team on {when}"
        return f"Recorded by {p.updated_by.display_name} on {when}"

    def rows(self) -> list[dict[str, Any]]:
        """The summary list's rows."""
        return _rows(
            [
                ("Ways of being in touch", self.modes),
                ("Times of day", self.times),
                ("Family, a carer or a friend joining", self.others_may_join),
                ("Who may be involved", self.who_may_be_involved),
            ]
        )


def preference_gaps(preferences: ContactPreferences, contact: Contact) -> list[str]:
    """How a contact did not keep to the preferences stated: a short phrase for each ("by
    video", "in the afternoon", "with someone else there")."""
    gaps = []
    if preferences.modes and contact.mode not in preferences.modes:
        gaps.append(MODE_WORDS[contact.mode])
    when = time_of_day(timezone.localtime(contact.starts_at).hour)
    if preferences.times and when not in preferences.times:
        gaps.append(TIME_WORD[when])
    if preferences.others_may_join is False and contact.others_present:
        gaps.append("with someone else there")
    return gaps


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def preference_warning(
    preferences: ContactPreferences | None, contact: Contact, *, person_name: str
) -> str | None:
    """A gentle word when a contact just recorded or booked did not keep to how the person said
    they want to be in touch (``ContactPreferences.honoured_by``); ``None`` when it did, or when
    they have said nothing. A contact cancelled before it happened is not judged."""
    if preferences is None or not preferences.stated:
        return None
    if contact.outcome in (Outcome.CANCELLED_BY_PERSON, Outcome.CANCELLED_BY_SERVICE):
        return None
    if preferences.honoured_by(contact):
        return None
    what, was = ("This appointment is", "is") if contact.is_planned else ("This contact was", "was")
    return (
        f"{what} not what {person_name} said suits them: it {was} "
        f"{_and(preference_gaps(preferences, contact))}. If that was not their choice, talk "
        "with them about what would suit them next time."
    )


def discharge_summary(episode: Episode) -> DischargeSummary:
    """The discharge summary of an ended episode, as staff print it and the person reads it."""
    history = list(allocation_history(episode))
    person = episode.person
    referral = episode.referral
    if person.registered_gp_practice_id:
        practice = person.registered_gp_practice.name
    elif referral.gp_practice_id:
        practice = referral.gp_practice.name
    else:
        practice = referral.gp_practice_name or "Not known"
    return DischargeSummary(
        episode,
        key_worker=history[-1].key_worker if history else None,
        attended=episode.contacts.filter(outcome=Outcome.ATTENDED).count(),
        gp_practice=practice,
    )


# --- Risk flags ----------------------------------------------------------------------------------


class RiskFlagPresenter:
    """A risk flag as its page and the home pages show it."""

    def __init__(self, flag: Any) -> None:
        self.flag = flag

    @property
    def href(self) -> str:
        return reverse(
            "care:risk-flag", kwargs={"person_id": self.flag.person_id, "flag_id": self.flag.pk}
        )

    @property
    def raised(self) -> str:
        return formats.datetime(self.flag.raised_at)

    @property
    def source(self) -> str:
        who = self.flag.raised_by.display_name if self.flag.raised_by_id else ""
        return f"{self.flag.get_source_display()}{f' ({who})' if who else ''}"

    @property
    def tag(self) -> dict[str, str]:
        if not self.flag.is_open:
            return {"text": "Acted on", "classes": "nhsuk-tag--green"}
        if self.flag.escalated_at:
            return {"text": "Escalated: not acted on in time", "classes": "nhsuk-tag--red"}
        return {"text": "To act on", "classes": "nhsuk-tag--red"}

    def rows(self) -> list[dict[str, Any]]:
        f = self.flag
        pairs = [
            ("What was said", f.said),
            ("When", self.raised),
            ("Where from", self.source),
        ]
        if f.escalated_at:
            pairs.append(("Escalated", formats.datetime(f.escalated_at)))
        if not f.is_open:
            pairs.append(("What was done", f.action))
            pairs.append(
                ("Recorded by", f"{f.acted_by.display_name}, {formats.datetime(f.acted_at)}")
            )
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]
