"""Who may ask for, approve and end a membership.

A membership is how anyone comes to hold a role, and a care role or a privacy lead's opens
people's records, so it takes two people: one asks for it (a system administrator, or an
organisation administrator for their own organisation's teams) and another decides. The decider
is a system administrator, or an organisation administrator or privacy lead of the team's
organisation, and is never the member nor whoever asked.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from alongside.accounts.models import User
from alongside.core.access import is_system_admin
from alongside.organisations.models import Membership, Role
from alongside.organisations.permissions import Permission, has_permission

#: Roles that may ask for memberships in the teams of their own organisation.
ASKING_ROLES = (Role.ORG_ADMIN,)
#: Roles that may approve or refuse memberships in the teams of their own organisation.
DECIDING_ROLES = (Role.ORG_ADMIN, Role.PRIVACY_LEAD)


def _organisations(user: User, roles: tuple[str, ...]) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(user=user, role__in=roles)
        .values("team__organisation_id")
    )


def may_ask_for_memberships(user: Any, organisation_id: int) -> bool:
    """Whether ``user`` may ask for a membership in a team of the organisation."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        is_system_admin(user)
        or _organisations(user, ASKING_ROLES).filter(team__organisation_id=organisation_id).exists()
    )


def decides_memberships(user: Any) -> bool:
    """Whether ``user`` approves memberships anywhere (who sees the page of those waiting)."""
    return has_permission(user, Permission.DECIDE_MEMBERSHIPS)


def memberships_to_decide(user: User) -> QuerySet[Membership]:
    """The memberships waiting for approval that ``user`` may see on the approvals page: all of
    them for a system administrator, those in their organisations' teams for an organisation
    administrator or privacy lead. Their own, and those they asked for, are among them; the page
    says someone else must decide those."""
    waiting = Membership.objects.pending()
    if not is_system_admin(user):
        waiting = waiting.filter(team__organisation_id__in=_organisations(user, DECIDING_ROLES))
    return waiting


def may_decide(user: User, membership: Membership) -> bool:
    """Whether ``user`` may approve or refuse this membership: a decider for its organisation who
    is neither its member nor whoever asked for it."""
    if user.pk in {membership.user_id, membership.created_by_id}:
        return False
    if not decides_memberships(user):
        return False
    return memberships_to_decide(user).filter(pk=membership.pk).exists()


def may_end(user: User, membership: Membership) -> bool:
    """Whether ``user`` may end a membership: whoever may ask for one in its team."""
    return may_ask_for_memberships(user, membership.team.organisation_id)
