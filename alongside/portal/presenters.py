"""What the person's own pages show, in plain English: appointments, the plan's sections, goals
and their ratings, the care team, notes and invitations. Templates get these, never models."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from markupsafe import Markup, escape

from alongside.accounts.models import User
from alongside.care.models import (
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Mode,
    Outcome,
    PlanNote,
    RatedBy,
)
from alongside.core import formats
from alongside.directory.models import Service
from alongside.portal import queries
from alongside.portal.models import InvitationStatus, PortalInvitation

MODES = {
    Mode.FACE_TO_FACE: "In person",
    Mode.PHONE: "Phone call",
    Mode.VIDEO: "Video call",
    Mode.TEXT: "Text or written message",
}
OUTCOMES = {
    Outcome.ATTENDED: "Took place",
    Outcome.DID_NOT_ATTEND: "Missed",
    Outcome.CANCELLED_BY_PERSON: "You cancelled",
    Outcome.CANCELLED_BY_SERVICE: "Cancelled by the team",
    Outcome.PLANNED: "Not recorded yet",
}


def day(value: dt.datetime | dt.date) -> str:
    """'Tuesday 10 March 2026'."""
    local = timezone.localtime(value) if isinstance(value, dt.datetime) else value
    return f"{local:%A} {formats.date(local)}"


def time(value: dt.datetime) -> str:
    """'2:30pm', '10am'."""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


# UK phone numbers as people write them, and the three-digit emergency and helpline numbers.
PHONE_NUMBER = re.compile(
    r"(?<![\w+])("
    r"(?:\+44\s?|0)\d{2,4}[\s\d]{5,10}\d"  # 0300 123 4567, 01632 960000, +44 7700 900123
    r"|116\s?\d{3}"  # 116 123 (Samaritans), 116 117
    r"|111|999"
    r")(?![\w])"
)


def with_phone_links(text: str) -> Markup:
    """The text, escaped, with each phone number in it made a ``tel:`` link."""
    parts: list[str] = []
    last = 0
    for match in PHONE_NUMBER.finditer(text):
        parts.append(escape(text[last : match.start()]))
        number = match.group(0)
        digits = re.sub(r"[^\d+]", "", number)
        parts.append(Markup('<a href="tel:{}">{}</a>').format(digits, number))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def paragraphs(text: str, *, phone_links: bool = False) -> list[Markup]:
    """Text split into paragraphs at blank lines or line breaks, each escaped."""
    chunks = [c.strip() for c in re.split(r"\n+", text or "") if c.strip()]
    return [with_phone_links(c) if phone_links else escape(c) for c in chunks]


# --- The episode: key worker and care team -----------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: str
    team: str
    organisation: str


def key_worker_member(episode: Episode, worker: User | None) -> TeamMember | None:
    if worker is None:
        return None
    place = queries.team_place(worker, episode.lead_team_id)
    return TeamMember(
        name=worker.display_name,
        role="Your key worker" + (f" ({place.job_title})" if place and place.job_title else ""),
        team=place.team if place else episode.lead_team.name,
        organisation=place.organisation if place else episode.lead_team.organisation.name,
    )


def care_team(episode: Episode, worker: User | None, members: Iterable[CareTeamMember]) -> list:
    people = []
    main = key_worker_member(episode, worker)
    if main:
        people.append(main)
    for member in members:
        if worker is not None and member.user_id == worker.pk:
            continue
        people.append(
            TeamMember(
                name=member.user.display_name,
                role=member.role,
                team=member.team.name,
                organisation=member.team.organisation.name,
            )
        )
    return people


# --- Contacts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    day: str
    time: str
    how: str
    kind: str
    with_whom: str
    team: str
    outcome: str
    note: list[Markup] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.day} at {self.time}"


def appointment(contact: Contact) -> Appointment:
    """A contact as the person sees it. The note is the shared one only (see ``queries``)."""
    return Appointment(
        day=day(contact.starts_at),
        time=time(contact.starts_at),
        how=MODES.get(contact.mode, contact.get_mode_display()),
        kind=contact.get_kind_display(),
        with_whom=contact.practitioner.display_name,
        team=f"{contact.team.name}, {contact.team.organisation.name}",
        outcome=OUTCOMES.get(contact.outcome, contact.get_outcome_display()),
        note=paragraphs(getattr(contact, "shared_note", "")),
    )


# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[Markup]


@dataclass(frozen=True)
class PlanAction:
    who: str
    what: str
    service_name: str = ""
    service_href: str = ""


@dataclass(frozen=True)
class Plan:
    version: int
    written: str
    agreed: str
    review: str
    about: list[Section]
    goals: list[str]
    actions: list[PlanAction]
    safety: list[Section]
    has_safety_plan: bool


ABOUT_SECTIONS = (
    ("about_me", "About me and what matters to me"),
    ("shared_understanding", "Our shared understanding"),
    ("strengths", "My strengths and what helps"),
)
SAFETY_SECTIONS = (
    ("warning_signs", "My warning signs"),
    ("what_i_can_do", "What I can do"),
    ("who_i_can_contact", "Who I can contact"),
    ("safer_surroundings", "Making my surroundings safer"),
    ("crisis_numbers", "Crisis numbers"),
)


def _who(who: str, worker: User | None) -> str:
    label = (who or "").strip()
    if label.lower() in {"me", "i", "the person", "person"}:
        return "You"
    if label.lower() in {"key worker", "keyworker", "my key worker", "care partner"}:
        return f"Your key worker, {worker.display_name}" if worker else "Your key worker"
    return label or "Not decided yet"


def _services(actions: list[dict]) -> dict[str, Service]:
    ids = []
    for action in actions:
        try:
            ids.append(uuid.UUID(str(action.get("service_id"))))
        except (TypeError, ValueError, AttributeError):
            continue
    return {str(s.pk): s for s in Service.objects.filter(pk__in=ids)} if ids else {}


def plan(version: CarePlanVersion, worker: User | None) -> Plan:
    actions = [a for a in (version.actions or []) if isinstance(a, dict)]
    services = _services(actions)
    rows = []
    for action in actions:
        service = services.get(str(action.get("service_id")))
        rows.append(
            PlanAction(
                who=_who(str(action.get("who", "")), worker),
                what=str(action.get("what", "")),
                service_name=service.name if service else "",
                service_href=reverse("directory:service", kwargs={"service_id": service.pk})
                if service
                else "",
            )
        )
    safety = [
        Section(heading, paragraphs(getattr(version, name), phone_links=True))
        for name, heading in SAFETY_SECTIONS
    ]
    if version.agreed_on:
        agreed = f"You agreed this plan on {formats.date(version.agreed_on)}"
    else:
        agreed = "Not agreed yet"
    return Plan(
        version=version.number,
        written=f"{formats.date(version.created_at)} by {version.created_by.display_name}",
        agreed=agreed,
        review=formats.date(version.review_on, empty="No review date set yet"),
        about=[Section(h, paragraphs(getattr(version, n))) for n, h in ABOUT_SECTIONS],
        goals=[str(g.get("text", "")) for g in (version.goals or []) if isinstance(g, dict)],
        actions=rows,
        safety=safety,
        has_safety_plan=any(s.paragraphs for s in safety),
    )


# --- Goals -------------------------------------------------------------------------------------

RATED_BY = {RatedBy.PERSON: "You, online", RatedBy.WITH_WORKER: "You, with your key worker"}


@dataclass(frozen=True)
class Rating:
    score: int
    when: str
    by: str


@dataclass(frozen=True)
class GoalView:
    id: int
    text: str
    latest: Rating | None
    history: list[Rating]
    ended: str
    rate_href: str


def rating(row: GoalRating) -> Rating:
    return Rating(row.score, formats.date(row.rated_at), RATED_BY.get(row.rated_by, ""))


def goal(row: Goal, *, may_rate: bool = True) -> GoalView:
    history = [rating(r) for r in getattr(row, "ratings_newest_first", [])]
    ended = ""
    if row.ended_at:
        ended = f"Finished on {formats.date(row.ended_at)}" + (
            f": {row.ended_because}" if row.ended_because else ""
        )
    return GoalView(
        id=row.pk,
        text=row.text,
        latest=history[0] if history else None,
        history=history,
        ended=ended,
        rate_href=f"{reverse('portal:rate-goal')}?goal={row.pk}"
        if may_rate and not row.ended_at
        else "",
    )


# --- Notes for the next conversation -----------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    written: str
    text: list[Markup]
    read: str
    is_read: bool


def note(row: PlanNote) -> NoteView:
    if row.read_at:
        who = row.read_by.display_name if row.read_by else "your team"
        read = f"Read by {who} on {formats.date(row.read_at)}"
    else:
        read = "Not read yet"
    return NoteView(
        written=formats.datetime(row.written_at),
        text=paragraphs(row.text),
        read=read,
        is_read=row.read_at is not None,
    )


# --- Invitations (the care team's page) --------------------------------------------------------

STATUS_COLOURS = {
    InvitationStatus.OUTSTANDING: "blue",
    InvitationStatus.USED: "green",
    InvitationStatus.EXPIRED: "grey",
    InvitationStatus.WITHDRAWN: "grey",
}


@dataclass(frozen=True)
class InvitationRow:
    id: int
    made: str
    expires: str
    status: str
    status_colour: str
    detail: str
    may_withdraw: bool


def invitation_row(row: PortalInvitation) -> InvitationRow:
    status = row.status
    detail = ""
    if status == InvitationStatus.USED:
        detail = f"Account made {formats.datetime(row.used_at)}"
    elif status == InvitationStatus.WITHDRAWN:
        by = f" by {row.withdrawn_by.display_name}" if row.withdrawn_by else ""
        detail = f"{row.withdrawn_because}{by}, {formats.datetime(row.withdrawn_at)}"
    if row.emailed_at:
        detail = (detail + ". " if detail else "") + "Emailed to the person"
    return InvitationRow(
        id=row.pk,
        made=f"{formats.datetime(row.created_at)} by {row.created_by.display_name}",
        expires=formats.datetime(row.expires_at),
        status=status.label,
        status_colour=STATUS_COLOURS[status],
        detail=detail,
        may_withdraw=status == InvitationStatus.OUTSTANDING,
    )
