"""What a signed-in user's home page needs, read in a fixed number of queries.

The number of queries depends on which roles the user holds, never on how many teams, colleagues
or people there are: memberships come with their teams, organisations, localities and colleagues
prefetched, and everything about people is counted in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import queries as care_queries
from alongside.care.models import RiskFlag
from alongside.organisations import queries as organisation_queries
from alongside.organisations.models import Membership, Role, Team
from alongside.people import queries as people_queries
from alongside.people.models import Person
from alongside.referrals import queries as referral_queries
from alongside.referrals.models import Referral
from alongside.sharing import queries as sharing_queries
from alongside.supervision import queries as supervision_queries
from alongside.supervision.models import SupervisionAction

# Roles whose home page shows their teams' referral worklists.
TRIAGE_ROLES = (Role.COORDINATOR, Role.TEAM_LEAD)


@dataclass
class PeopleAggregates:
    """Counts of people only: nothing here identifies anyone."""

    total: int
    by_ethnic_group: dict[str, int]
    by_imd_decile: dict[int | None, int]
    by_age_band: dict[str, int]
    by_stated_gender: dict[str, int]


@dataclass
class SystemOverview:
    organisations_by_kind: dict[str, int]
    teams: int
    users: int
    people: int


@dataclass
class HomeData:
    user: User
    today: dt.date
    memberships: list[Membership]
    registrations: dict[str, int] | None = None
    break_glass_to_review: int | None = None
    aggregates: PeopleAggregates | None = None
    organisation_teams: list[Team] = field(default_factory=list)
    system: SystemOverview | None = None
    administrators: list[User] = field(default_factory=list)
    worklists: dict[int, dict[str, int]] = field(default_factory=dict)
    supervision_actions: list[SupervisionAction] = field(default_factory=list)
    #: Risk flags on the user's caseload nobody has acted on; and, for a team lead or the
    #: team's duty worker, flags and referrals escalated because nobody acted in time.
    my_risk_flags: list[RiskFlag] = field(default_factory=list)
    escalated_risk_flags: list[RiskFlag] = field(default_factory=list)
    escalated_referrals: list[Referral] = field(default_factory=list)

    @property
    def roles(self) -> set[str]:
        return {membership.role for membership in self.memberships}

    @property
    def has_role(self) -> bool:
        return bool(self.memberships) or self.user.is_superuser


def home_data(user: User, *, today: dt.date | None = None) -> HomeData:
    today = today or timezone.localdate()
    data = HomeData(
        user=user,
        today=today,
        memberships=list(organisation_queries.active_memberships_with_teams(user)),
    )
    roles = data.roles
    if Role.COORDINATOR in roles:
        data.registrations = people_queries.registration_counts(today=today)
    triaging = [m.team_id for m in data.memberships if m.role in TRIAGE_ROLES]
    if triaging:
        data.worklists = referral_queries.worklist_counts(triaging, on=today)
    if Role.PRIVACY_LEAD in roles:
        organisation_ids = [
            m.team.organisation_id for m in data.memberships if m.role == Role.PRIVACY_LEAD
        ]
        data.break_glass_to_review = sharing_queries.break_glass_to_review(organisation_ids).count()
    if Role.ANALYST in roles:
        data.aggregates = people_aggregates(today=today)
    if Role.ORG_ADMIN in roles:
        organisation_ids = {
            m.team.organisation_id for m in data.memberships if m.role == Role.ORG_ADMIN
        }
        data.organisation_teams = list(
            organisation_queries.teams_with_member_counts(organisation_ids)
        )
    if data.memberships:
        data.supervision_actions = list(supervision_queries.open_actions(user))
        data.my_risk_flags = list(care_queries.risk_flags_for_key_worker(user))
        data.escalated_risk_flags = list(care_queries.escalated_risk_flags_for(user))
        data.escalated_referrals = list(referral_queries.escalated_for(user))
    if user.is_superuser:
        counts = organisation_queries.system_counts()
        data.system = SystemOverview(
            organisations_by_kind=organisation_queries.organisation_counts_by_kind(),
            teams=counts["teams"],
            users=counts["users"],
            people=people_queries.registration_counts(today=today)["total"],
        )
    if not data.has_role:
        data.administrators = list(organisation_queries.system_administrators())
    return data


def people_aggregates(*, today: dt.date) -> PeopleAggregates:
    by_gender = people_queries.counts_by_stated_gender()
    return PeopleAggregates(
        total=sum(by_gender.values()),
        by_ethnic_group=people_queries.counts_by_ethnic_group(),
        by_imd_decile=people_queries.counts_by_imd_decile(),
        by_age_band=people_queries.counts_by_age_band(today=today),
        by_stated_gender=by_gender,
    )


def is_portal_user(user: User) -> bool:
    """Whether the account belongs to a person who needs support (their portal sign-in)."""
    return Person.objects.filter(user=user).exists()
