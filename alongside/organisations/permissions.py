"""Who may do what: every permission, and which role holds it, declared once.

A *permission* is what a role may do anywhere in the app (open a caseload, see the dashboards,
review privacy). It is checked for every view before the view runs, by
``core.middleware.PermissionMiddleware``, from the view's declaration (``core.access.requires``,
``public``, or the sharing module's ``person_data`` / ``own_record`` / ``person_list``, which
imply one). A view that declares nothing is refused. What a permission does *not* decide is which
team, meeting or person: the view's own scope does that (the teams a user leads; the people the
sharing policy's bases reach).

The table below is the rule. Its rows are the roles of ``Role`` (a user holds the union of the
rows of their current memberships), the person who needs support (a user linked to a person's
record: the portal and their own account, nothing else) and the system administrator (who
administers the place and sees no person's record).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from alongside.organisations.models import Membership, Role


class Permission(StrEnum):
    USE_ACCOUNT = "use_account", "Use their own account: password, two-factor, sign out"
    USE_PORTAL = "use_portal", "See and shape their own care in the portal"
    WORK_WITH_PEOPLE = "work_with_people", "Open people's records on a basis the policy grants"
    TRIAGE = "triage", "Match referrals to records and make triage decisions"
    REGISTER_PEOPLE = "register_people", "Register a new person"
    TAKE_PART_IN_MEETINGS = "take_part_in_meetings", "Take part in locality meetings"
    SCHEDULE_MEETINGS = "schedule_meetings", "Schedule locality meetings"
    LEAD_TEAM = "lead_team", "See a team's caseloads and set its outcome measures"
    SET_DUTY_ROTA = "set_duty_rota", "Set who is the team's duty worker"
    USE_SUPERVISION = "use_supervision", "Supervision agreements, sessions and actions"
    OVERSEE_SUPERVISION = "oversee_supervision", "See the supervision tree"
    SEE_SUPERVISION_COVERAGE = "see_supervision_coverage", "See supervision coverage"
    SEE_DASHBOARDS = "see_dashboards", "See the insights dashboards (aggregates only)"
    SEE_TEAM_WORKFORCE = "see_team_workforce", "See a team's workforce"
    SEE_PLACE_WORKFORCE = "see_place_workforce", "See the place's workforce"
    TAKE_PART_IN_COPRODUCTION = "take_part_in_coproduction", "Co-production reviews and register"
    MANAGE_DIRECTORY = "manage_directory", "Manage the service directory"
    REVIEW_PRIVACY = "review_privacy", "Review access, break-glass and subject access requests"
    ADMINISTER_ORGANISATIONS = "administer_organisations", "Add and change organisations"
    DECIDE_MEMBERSHIPS = "decide_memberships", "Approve or refuse memberships others asked for"

    def __new__(cls, value: str, label: str = "") -> Permission:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member


P = Permission

#: Who is not a role in a team but holds permissions all the same.
PERSON = "person"
SYSTEM_ADMIN = "system_admin"

_EVERY_STAFF_ROLE = frozenset({P.USE_ACCOUNT, P.USE_SUPERVISION, P.TAKE_PART_IN_COPRODUCTION})
_CARE = _EVERY_STAFF_ROLE | {P.WORK_WITH_PEOPLE, P.TAKE_PART_IN_MEETINGS}

#: The rule: what each holder may do.
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.PRACTITIONER: _CARE,
    Role.COORDINATOR: _CARE | {P.TRIAGE, P.REGISTER_PEOPLE, P.SCHEDULE_MEETINGS},
    Role.SUPERVISOR: _CARE | {P.LEAD_TEAM, P.OVERSEE_SUPERVISION},
    Role.TEAM_LEAD: _CARE
    | {
        P.TRIAGE,
        P.REGISTER_PEOPLE,
        P.SCHEDULE_MEETINGS,
        P.LEAD_TEAM,
        P.OVERSEE_SUPERVISION,
        P.SEE_SUPERVISION_COVERAGE,
        P.SEE_DASHBOARDS,
        P.SEE_TEAM_WORKFORCE,
        P.SET_DUTY_ROTA,
    },
    Role.ANALYST: _EVERY_STAFF_ROLE
    | {
        P.SEE_DASHBOARDS,
        P.SEE_SUPERVISION_COVERAGE,
        P.SEE_TEAM_WORKFORCE,
        P.SEE_PLACE_WORKFORCE,
    },
    Role.ORG_ADMIN: _EVERY_STAFF_ROLE
    | {
        P.SEE_DASHBOARDS,
        P.OVERSEE_SUPERVISION,
        P.SEE_SUPERVISION_COVERAGE,
        P.SEE_TEAM_WORKFORCE,
        P.SEE_PLACE_WORKFORCE,
        P.MANAGE_DIRECTORY,
        P.DECIDE_MEMBERSHIPS,
    },
    Role.PRIVACY_LEAD: _EVERY_STAFF_ROLE
    | {P.SEE_DASHBOARDS, P.REVIEW_PRIVACY, P.DECIDE_MEMBERSHIPS},
    PERSON: frozenset({P.USE_ACCOUNT, P.USE_PORTAL}),
    SYSTEM_ADMIN: _EVERY_STAFF_ROLE
    | {
        P.OVERSEE_SUPERVISION,
        P.SEE_SUPERVISION_COVERAGE,
        P.SEE_TEAM_WORKFORCE,
        P.SEE_PLACE_WORKFORCE,
        P.MANAGE_DIRECTORY,
        P.ADMINISTER_ORGANISATIONS,
        P.DECIDE_MEMBERSHIPS,
    },
}


def holders(user: Any) -> frozenset[str]:
    """The rows of the table that apply to ``user`` now: their current roles, ``person`` if an
    account is linked to a person's record, ``system_admin`` for a system administrator."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    found: set[str] = set(
        Membership.objects.active().filter(user=user).values_list("role", flat=True)
    )
    if user.is_superuser:
        found.add(SYSTEM_ADMIN)
    from alongside.people.models import Person  # people sits beside organisations, not below

    if Person.objects.filter(user=user).exists():
        found.add(PERSON)
    return frozenset(found)


def permissions_for(holding: frozenset[str]) -> frozenset[Permission]:
    """What the given rows of the table grant together; every signed-in user may use their own
    account, whatever else they hold."""
    return frozenset({P.USE_ACCOUNT}).union(*(ROLE_PERMISSIONS.get(h, ()) for h in holding))


def permissions_of(user: Any) -> frozenset[Permission]:
    """Everything ``user`` may do now (never cached: a membership ended a moment ago no longer
    counts)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    return permissions_for(holders(user))


def has_permission(user: Any, *wanted: Permission) -> bool:
    """Whether ``user`` holds any of ``wanted``."""
    mine = permissions_of(user)
    return any(permission in mine for permission in wanted)


def is_portal_only(user: Any) -> bool:
    """A person who needs support, with no role in a team and not a system administrator: staff
    pages answer them as if they did not exist."""
    return holders(user) == {PERSON}
