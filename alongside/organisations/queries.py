"""Reads about organisations, teams and who works where."""

from __future__ import annotations

from django.db.models import QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Team


def active_memberships(user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(user=user)
        .select_related("team", "team__organisation")
        .order_by("team__name", "role")
    )


def team_members(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(team=team)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )
