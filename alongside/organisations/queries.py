"""Reads about organisations, teams and who works where."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from alongside.accounts.models import User
from alongside.organisations import access
from alongside.organisations.models import (
    DutyShift,
    Membership,
    MembershipStatus,
    Organisation,
    Team,
)


def active_memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("team", "team__organisation")
        .order_by("team__name", "role")
    )


def active_memberships_with_teams(user: User) -> QuerySet[Membership]:
    """A user's active memberships with everything a home page shows about each team.

    Three queries whatever the size of the teams: the memberships (with team and organisation),
    the localities each team serves, and each team's active members (as
    ``membership.team.current_members``, sorted by name).
    """
    return active_memberships(user).prefetch_related(
        "team__localities",
        Prefetch(
            "team__memberships",
            queryset=Membership.objects.active()
            .select_related("user")
            .order_by("user__last_name", "user__first_name", "role"),
            to_attr="current_members",
        ),
    )


def has_active_role(user: Any, roles: Iterable[str]) -> bool:
    """Whether a signed-in user holds any of ``roles`` in any team today."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Membership.objects.active().filter(user=user, role__in=list(roles)).exists()


def organisations_with_team_counts() -> QuerySet[Organisation]:
    return Organisation.objects.annotate(team_count=Count("teams")).order_by("name")


def teams_with_member_counts(organisation_ids: Iterable[int]) -> QuerySet[Team]:
    """The teams of some organisations, each with ``member_count`` (people with an active role)."""
    return (
        Team.objects.filter(organisation_id__in=list(organisation_ids))
        .annotate(
            member_count=Count(
                "memberships__user",
                filter=Q(memberships__status=MembershipStatus.APPROVED)
                & Q(memberships__ended_on__isnull=True),
                distinct=True,
            )
        )
        .order_by("organisation__name", "name")
    )


def organisation_counts_by_kind() -> dict[str, int]:
    rows = Organisation.objects.order_by().values("kind").annotate(n=Count("id"))
    return {row["kind"]: row["n"] for row in rows}


def system_counts() -> dict[str, int]:
    """How many teams and active user accounts the system holds."""
    return {
        "teams": Team.objects.count(),
        "users": User.objects.filter(is_active=True).count(),
    }


def system_administrators() -> QuerySet[User]:
    """Whom to ask for access: the active system administrators."""
    return User.objects.filter(is_active=True, is_superuser=True).order_by(
        "last_name", "first_name", "username"
    )


def waiting_memberships(user: User) -> QuerySet[Membership]:
    """The memberships waiting for approval that ``user`` sees on the approvals page, oldest
    request first, with who they are for and who asked."""
    return (
        access.memberships_to_decide(user)
        .select_related("user", "team__organisation", "created_by")
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class MembershipChange:
    """One row of a membership's history: when, by whom (if known), and what changed."""

    at: Any
    by: User | None
    what: str
    changes: dict[str, list[Any]]


def membership_history(membership: Membership) -> list[MembershipChange]:
    """Every insert and update of the membership as the database's history triggers stored it,
    oldest first: made, approved or refused, changed, ended."""
    import pghistory.models

    events = pghistory.models.MiddlewareEvents.objects.tracks(membership).order_by(
        "pgh_created_at", "pgh_id"
    )
    rows = []
    for event in events:
        diff = event.pgh_diff or {}
        rows.append(
            MembershipChange(
                at=event.pgh_created_at,
                by=event.user,
                what=_history_label(event.pgh_label, event.pgh_data, diff),
                changes=diff,
            )
        )
    return rows


def _history_label(label: str, data: dict[str, Any], diff: dict[str, list[Any]]) -> str:
    if label == "insert":
        return "Asked for" if data.get("status") == "pending" else "Made"
    if "status" in diff:
        return {"approved": "Approved", "refused": "Refused"}.get(diff["status"][1], "Changed")
    if "ended_on" in diff and diff["ended_on"][1] is not None:
        return "Ended"
    return "Changed"


# --- Duty ------------------------------------------------------------------------------------


def on_duty(day: dt.date) -> QuerySet:
    return DutyShift.objects.filter(starts_on__lte=day, ends_on__gte=day)


def duty_teams(user: User, day: dt.date) -> QuerySet:
    """The teams ``user`` is duty worker for on ``day`` (as ids, for filtering)."""
    return on_duty(day).filter(user=user).values("team_id")


def duty_workers(team: Team, day: dt.date) -> QuerySet[User]:
    return User.objects.filter(pk__in=on_duty(day).filter(team=team).values("user_id"))


def duty_rota(team: Team, *, from_day: dt.date) -> QuerySet:
    """The team's shifts ending on or after ``from_day``, soonest first."""
    return (
        DutyShift.objects.filter(team=team, ends_on__gte=from_day)
        .select_related("user", "set_by")
        .order_by("starts_on", "id")
    )
