"""Who may do what on the supervision pages: staff, oversight (the tree and coverage), whose
agreements a team lead, supervisor or organisation administrator manages, and which teams and
organisations each may look across."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Organisation, Role, Team
from alongside.organisations.permissions import Permission, has_permission

#: Roles that may make and end agreements for the members of their team.
TEAM_MANAGERS = (Role.TEAM_LEAD, Role.SUPERVISOR)
#: Roles that may see the supervision tree.
OVERSIGHT = (Role.TEAM_LEAD, Role.SUPERVISOR, Role.ORG_ADMIN)
#: Roles of the people offered as supervisors.
SUPERVISING = (Role.SUPERVISOR, Role.TEAM_LEAD)
#: Roles that see supervision coverage across the place (commissioners and alliance leads).
PLACE_WIDE = (Role.ANALYST,)


def has_oversight(user: Any) -> bool:
    return has_permission(user, Permission.OVERSEE_SUPERVISION)


def managed_members(user: User) -> QuerySet[Membership]:
    """Active memberships of the people whose agreements ``user`` may make and end: members of
    teams they lead or supervise, and of organisations they administer (never their own)."""
    members = Membership.objects.active().exclude(user=user)
    if not user.is_superuser:
        mine = Membership.objects.active().filter(user=user)
        members = members.filter(
            Q(team_id__in=mine.filter(role__in=TEAM_MANAGERS).values("team_id"))
            | Q(
                team__organisation_id__in=mine.filter(role=Role.ORG_ADMIN).values(
                    "team__organisation_id"
                )
            )
        )
    return members.select_related("user", "team__organisation")


def agreement_makers(user: User) -> QuerySet[Membership]:
    """Active memberships of the people who may make ``user``'s own agreements: team leads and
    supervisors of the user's teams, and administrators of their organisations (the reverse of
    ``managed_members``; never the user themself)."""
    mine = Membership.objects.active().filter(user=user)
    return (
        Membership.objects.active()
        .exclude(user=user)
        .filter(
            Q(team_id__in=mine.values("team_id"), role__in=TEAM_MANAGERS)
            | Q(team__organisation_id__in=mine.values("team__organisation_id"), role=Role.ORG_ADMIN)
        )
        .select_related("user", "team")
        .order_by("user__first_name", "user__last_name", "user_id", "role", "id")
    )


def may_manage(user: User, supervisee_id: int) -> bool:
    return managed_members(user).filter(user_id=supervisee_id).exists()


def tree_scopes(user: User) -> tuple[list[Team], list[Organisation]]:
    """The teams and organisations whose tree the user may see."""
    if user.is_superuser:
        teams = Team.objects.all()
        organisations = Organisation.objects.all()
    else:
        mine = Membership.objects.active().filter(user=user, role__in=OVERSIGHT)
        teams = Team.objects.filter(
            Q(pk__in=mine.filter(role__in=TEAM_MANAGERS).values("team_id"))
            | Q(organisation_id__in=mine.filter(role=Role.ORG_ADMIN).values("team__organisation"))
        )
        organisations = Organisation.objects.filter(pk__in=mine.values("team__organisation_id"))
    return (
        list(teams.select_related("organisation").order_by("name", "pk")),
        list(organisations.order_by("name", "pk")),
    )


@dataclass(frozen=True)
class Scope:
    """A part of the place whose supervision coverage someone may see: its choice value, its
    name, and the teams in it (``None``: the whole place)."""

    value: str
    name: str
    team_ids: frozenset[int] | None


def coverage_scopes(user: User) -> list[Scope]:
    """The place (analysts and system administrators), the organisations a user administers
    (every organisation for the place-wide) and the teams they lead or whose organisation they
    administer (every team for the place-wide), in that order."""
    mine = Membership.objects.active().filter(user=user)
    place_wide = user.is_superuser or mine.filter(role__in=PLACE_WIDE).exists()
    teams = Team.objects.select_related("organisation")
    organisations = Organisation.objects.all()
    if not place_wide:
        administered = mine.filter(role=Role.ORG_ADMIN).values("team__organisation_id")
        organisations = organisations.filter(pk__in=administered)
        teams = teams.filter(
            Q(pk__in=mine.filter(role=Role.TEAM_LEAD).values("team_id"))
            | Q(organisation_id__in=administered)
        )
    teams_list = list(teams.order_by("name", "pk"))
    scopes = [Scope("place", "The whole place", None)] if place_wide else []
    organisation_list = list(organisations.order_by("name", "pk"))
    inside: dict[int, set[int]] = {o.pk: set() for o in organisation_list}
    for team_id, organisation_id in Team.objects.filter(
        organisation__in=organisation_list
    ).values_list("pk", "organisation_id"):
        inside[organisation_id].add(team_id)
    scopes += [
        Scope(f"organisation-{o.pk}", o.name, frozenset(inside[o.pk])) for o in organisation_list
    ]
    scopes += [
        Scope(f"team-{t.pk}", f"{t.name} ({t.organisation.name})", frozenset({t.pk}))
        for t in teams_list
    ]
    return scopes
