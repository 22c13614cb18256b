"""What the person's own pages read: their episode of care, plan, goals, contacts, care team and
notes. Every function takes the ``Person`` the sharing module opened (basis: the person
themself), so nothing here can reach anyone else's record.

Contact notes are the one place where the person's view is narrower than the record: only a note
the practitioner shared with the person ever leaves the database here. The note column is not
selected at all; ``shared_note`` is computed in SQL and is empty for every other sharing level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, CharField, F, Prefetch, QuerySet, Value, When
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.bases import CareTeamBasis
from alongside.care.models import (
    Allocation,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    NoteSharing,
    Outcome,
    PlanNote,
)
from alongside.organisations.models import Membership
from alongside.outcomes.models import MeasureSchedule, Response, ResponseGoal, Score
from alongside.outcomes.models import Mode as ResponseMode
from alongside.outcomes.models import Status as ResponseStatus
from alongside.people.models import Person
from alongside.portal.models import PortalInvitation
from alongside.sharing.models import Action, Part

PAST_CONTACTS_SHOWN = 50
NOTES_SHOWN = 50


def current_episode(person: Person) -> Episode | None:
    """The person's open episode of care (the newest, if more than one is open)."""
    return (
        Episode.objects.open()
        .filter(person=person)
        .select_related("lead_team__organisation")
        .order_by("-started_at", "-id")
        .first()
    )


def key_worker(episode: Episode) -> User | None:
    allocation = (
        Allocation.objects.filter(episode=episode, ended_at__isnull=True)
        .select_related("key_worker")
        .first()
    )
    return allocation.key_worker if allocation else None


@dataclass(frozen=True)
class TeamPlace:
    """Where a member of staff works: their job title, team and organisation."""

    job_title: str
    team: str
    organisation: str


def team_place(user: User, preferred_team_id: int | None) -> TeamPlace | None:
    """The user's active membership, in ``preferred_team_id`` if they have one there."""
    memberships = Membership.objects.active().filter(user=user).select_related("team__organisation")
    chosen = None
    for membership in memberships:
        if chosen is None or membership.team_id == preferred_team_id:
            chosen = membership
    if chosen is None:
        return None
    return TeamPlace(chosen.job_title, chosen.team.name, chosen.team.organisation.name)


def care_team_members(episode: Episode) -> QuerySet[CareTeamMember]:
    return (
        CareTeamMember.objects.filter(episode=episode, ended_at__isnull=True)
        .select_related("user", "team__organisation")
        .order_by("started_at", "id")
    )


def plan_version(episode: Episode) -> CarePlanVersion | None:
    """The current version of the episode's care and support plan, if one was written."""
    return (
        CarePlanVersion.objects.filter(plan__episode=episode, number=F("plan__current_version"))
        .select_related("created_by")
        .first()
    )


def goals(episode: Episode) -> QuerySet[Goal]:
    """The episode's goals, each with its ratings newest first (``ratings_newest_first``)."""
    return (
        Goal.objects.filter(episode=episode)
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=GoalRating.objects.order_by("-rated_at", "-id"),
                to_attr="ratings_newest_first",
            )
        )
        .order_by("created_at", "id")
    )


def open_goal(person: Person, goal_id: Any) -> Goal | None:
    """One of the person's own goals still being worked on, by id; ``None`` for anything else
    (someone else's goal, an ended goal, a closed episode, or not a number)."""
    try:
        goal_id = int(goal_id)
    except (TypeError, ValueError):
        return None
    return (
        Goal.objects.filter(
            pk=goal_id,
            episode__person=person,
            episode__ended_at__isnull=True,
            ended_at__isnull=True,
        )
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=GoalRating.objects.order_by("-rated_at", "-id"),
                to_attr="ratings_newest_first",
            )
        )
        .first()
    )


def _contacts(person: Person) -> QuerySet[Contact]:
    """The person's contacts without the note column; ``shared_note`` holds the note only when
    it was shared with the person."""
    return (
        Contact.objects.filter(episode__person=person)
        .defer("note")
        .annotate(
            shared_note=Case(
                When(note_sharing=NoteSharing.PERSON, then=F("note")),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .select_related("practitioner", "team__organisation")
    )


def upcoming_contacts(person: Person, limit: int | None = None) -> list[Contact]:
    """Planned contacts (appointments) from now on, soonest first."""
    rows = _contacts(person).filter(outcome=Outcome.PLANNED, starts_at__gte=timezone.now())
    rows = rows.order_by("starts_at", "id")
    return list(rows[:limit] if limit else rows)


def past_contacts(person: Person) -> list[Contact]:
    """Contacts that have happened (or were due), newest first."""
    rows = _contacts(person).exclude(outcome=Outcome.PLANNED, starts_at__gte=timezone.now())
    return list(rows.order_by("-starts_at", "-id")[:PAST_CONTACTS_SHOWN])


def all_contacts(person: Person) -> list[Contact]:
    """Every contact the appointments page can list, oldest first, with the shared note only
    (for the person's own copy of what their portal shows)."""
    return list(_contacts(person).order_by("starts_at", "id"))


def plan_notes(person: Person, limit: int | None = NOTES_SHOWN) -> list[PlanNote]:
    """The person's own notes for their next conversation, newest first (all when ``limit`` is
    ``None``)."""
    rows = (
        PlanNote.objects.filter(episode__person=person)
        .select_related("read_by")
        .order_by("-written_at", "-id")
    )
    return list(rows[:limit] if limit else rows)


def unread_notes(episode: Episode) -> int:
    return PlanNote.objects.filter(episode=episode, read_at__isnull=True).count()


# --- For the care team's invitation page --------------------------------------------------------


def may_invite(user: User, person: Person) -> bool:
    """Whether ``user`` is in the person's care team now (key worker, care team member, or care
    staff of the lead team), which is who may invite them to the portal. Not audited: the page
    asking has been opened through the sharing module already."""
    rights = CareTeamBasis().rights(user, person)
    return rights is not None and rights.allows(Part.SHARING, Action.CHANGE)


def invitations(person: Person) -> QuerySet[PortalInvitation]:
    return PortalInvitation.objects.filter(person=person).select_related(
        "created_by", "withdrawn_by"
    )


# --- Questionnaires (outcome measures) ----------------------------------------------------------

RESULTS_SHOWN = 100


def scheduled_measures(episode: Episode) -> dict[str, int]:
    """The measures the episode's lead team asks for, each with the days of grace after it falls
    due (before it is overdue)."""
    return dict(
        MeasureSchedule.objects.filter(team_id=episode.lead_team_id).values_list(
            "measure", "grace_days"
        )
    )


def _own_responses(person: Person) -> QuerySet[Response]:
    return Response.objects.filter(person=person, mode=ResponseMode.SELF).select_related(
        "questionnaire", "episode"
    )


def own_response(person: Person, response_id: int) -> Response | None:
    """One of the questionnaires the person answers in their portal (mode SELF), with the goals
    a Goal Based Outcomes response rates; ``None`` for anyone else's, or one a worker filled in."""
    return (
        _own_responses(person)
        .filter(pk=response_id)
        .prefetch_related(
            Prefetch("goal_links", queryset=ResponseGoal.objects.select_related("goal"))
        )
        .first()
    )


def responses_in_progress(episode: Episode) -> list[Response]:
    """The questionnaires the person started in their portal in this episode and has not sent,
    oldest first."""
    return list(
        _own_responses(episode.person)
        .filter(episode=episode, status=ResponseStatus.IN_PROGRESS)
        .prefetch_related(
            Prefetch("goal_links", queryset=ResponseGoal.objects.select_related("goal"))
        )
        .order_by("started_at", "id")
    )


def in_progress_to(episode: Episode, questionnaire_name: str) -> Response | None:
    """The person's own unfinished response to a measure in this episode, if there is one."""
    return (
        _own_responses(episode.person)
        .filter(
            episode=episode,
            status=ResponseStatus.IN_PROGRESS,
            questionnaire__name=questionnaire_name,
        )
        .order_by("started_at", "id")
        .first()
    )


def goals_to_rate(episode: Episode, limit: int = 3) -> list[Goal]:
    """The goals of the plan still being worked on, oldest first (Goal Based Outcomes rates up to
    three)."""
    return list(
        Goal.objects.filter(episode=episode, ended_at__isnull=True).order_by("created_at", "id")[
            :limit
        ]
    )


def completed_responses(person: Person, limit: int | None = RESULTS_SHOWN) -> list[Response]:
    """The person's completed questionnaires, newest first, whether they filled them in or did
    them with their worker; one that was later corrected gives way to its correction. Each has
    its current scores (``scores``) and the goals it rated (``goal_links``). All of them when
    ``limit`` is ``None``."""
    rows = (
        Response.objects.filter(person=person, status=ResponseStatus.COMPLETED)
        .exclude(corrections__status=ResponseStatus.COMPLETED)
        .select_related("questionnaire", "completed_by")
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.filter(current=True).order_by("id")),
            Prefetch("goal_links", queryset=ResponseGoal.objects.select_related("goal")),
        )
        .order_by("-completed_at", "-id")
    )
    return list(rows[:limit] if limit else rows)
