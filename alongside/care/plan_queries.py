"""Reads for the care and support plan and goals pages: the person's open episode, its plan's
versions, its goals with their ratings, and the notes the person left for the next conversation.

Every read starts from an episode the caller reached through ``sharing`` (the person on the
access), so a page can only ever show the plan of the person whose record it opened.
"""

from __future__ import annotations

from django.db.models import F, Prefetch, QuerySet

from alongside.accounts.models import User
from alongside.care.models import CarePlanVersion, Episode, Goal, GoalRating, PlanNote
from alongside.directory.models import Service
from alongside.people.models import Person
from alongside.referrals.forms import services_for


def open_episode(person: Person) -> Episode | None:
    """The person's open episode of care (plans and goals exist only within one)."""
    return (
        person.episodes.open()
        .select_related("lead_team__organisation", "referral")
        .order_by("-started_at", "-id")
        .first()
    )


def key_worker(episode: Episode) -> User | None:
    allocation = (
        episode.allocations.filter(ended_at__isnull=True).select_related("key_worker").first()
    )
    return allocation.key_worker if allocation else None


def _versions(episode: Episode) -> QuerySet[CarePlanVersion]:
    return CarePlanVersion.objects.filter(plan__episode=episode).select_related(
        "plan", "created_by", "agreement_recorded_by"
    )


def current_version(episode: Episode) -> CarePlanVersion | None:
    return _versions(episode).filter(number=F("plan__current_version")).first()


def version_numbered(episode: Episode, number: int) -> CarePlanVersion | None:
    return _versions(episode).filter(number=number).first()


def versions(episode: Episode) -> list[CarePlanVersion]:
    """Every version of the episode's plan, oldest first."""
    return list(_versions(episode).order_by("number"))


def _with_ratings(goals: QuerySet[Goal]) -> QuerySet[Goal]:
    return goals.prefetch_related(
        Prefetch("ratings", queryset=GoalRating.objects.order_by("rated_at", "id"))
    ).order_by("created_at", "id")


def goals(episode: Episode) -> list[Goal]:
    """All the episode's goals (open and ended), oldest first, each with its ratings."""
    return list(_with_ratings(episode.goals.all()))


def open_goals(episode: Episode) -> QuerySet[Goal]:
    return episode.goals.filter(ended_at__isnull=True).order_by("created_at", "id")


def unread_notes(episode: Episode) -> QuerySet[PlanNote]:
    """The notes the person left that no one has read yet, oldest first."""
    return episode.person_notes.filter(read_at__isnull=True).order_by("written_at", "id")


def notes(episode: Episode) -> list[PlanNote]:
    """Every note the person left, newest first."""
    return list(episode.person_notes.select_related("read_by").order_by("-written_at", "-id"))


def action_services(episode: Episode) -> QuerySet[Service]:
    """Active directory services an action of the plan may name: those serving the episode's
    locality (or everywhere)."""
    return services_for(episode.referral.locality_id)
