"""What a signed-in user's home page needs, read in a fixed number of queries.

The number of queries depends on which roles the user holds, never on how many teams, colleagues
or people there are: memberships come with their teams, organisations, localities and colleagues
prefetched, and everything about people is counted in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import queries as care_queries
from alongside.care.models import Contact, Episode, RiskFlag
from alongside.core import jobs
from alongside.core.jobs import JobStatus
from alongside.organisations import queries as organisation_queries
from alongside.organisations.models import Membership, Role, Team
from alongside.outcomes import schedule
from alongside.people import queries as people_queries
from alongside.people.models import Person
from alongside.referrals import queries as referral_queries
from alongside.referrals.models import Handover, Referral, Urgency
from alongside.sharing import policy
from alongside.sharing import queries as sharing_queries
from alongside.supervision import coverage
from alongside.supervision import queries as supervision_queries
from alongside.supervision.models import SupervisionAction

# Roles whose home page shows their teams' referral worklists.
TRIAGE_ROLES = (Role.COORDINATOR, Role.TEAM_LEAD)
#: Roles that may hold a caseload, and so have a key worker's day on their home page.
CASELOAD_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.TEAM_LEAD)
#: How many items of each of the day's lists a home page shows (the full list is a link away).
SHOWN = 10
#: How far ahead a supervisor is told of a session coming due.
SESSIONS_DUE_WITHIN_DAYS = 7


@dataclass
class KeyWorkerDay:
    """A key worker's day, from their caseload: each episode carries the caseload page's
    columns (``care.queries.with_caseload_columns``), so the signals are the caseload's own."""

    caseload: list[Episode]
    appointments: list[Contact]
    #: Per episode, the measures whose answers raised a flag nobody has yet recorded seeing.
    answers_to_review: dict[int, list[str]]


@dataclass
class TriageDay:
    """Referrals in the user's triage teams that are urgent or due by the end of today (most
    urgent first), and the follow-ups of handovers that have come due."""

    due_referrals: list[Referral]
    follow_ups: list[Handover]


@dataclass
class TeamLeadDay:
    """For the teams the user leads: episodes waiting for a key worker (longest first) and
    supervision coverage per team (supervisees on time, supervisees)."""

    unallocated: list[Episode]
    coverage: dict[int, tuple[int, int]]


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
    #: Scheduled-work runners alive now, and each scheduled job's last runs.
    runners: int = 0
    scheduled_jobs: list[JobStatus] = field(default_factory=list)


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
    key_worker_day: KeyWorkerDay | None = None
    triage_day: TriageDay | None = None
    team_lead_day: TeamLeadDay | None = None
    #: Supervisor: the sessions they owe, overdue or due within the week.
    sessions_due: list[coverage.Overdue] | None = None
    #: Of the people the user's open supervision actions are about, those they may see.
    action_people: set[int] = field(default_factory=set)

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
    if roles & set(CASELOAD_ROLES):
        data.key_worker_day = key_worker_day(user, today=today)
    if triaging:
        data.triage_day = triage_day(triaging, today=today)
    led = [m.team_id for m in data.memberships if m.role == Role.TEAM_LEAD]
    if led:
        data.team_lead_day = team_lead_day(user, led, today=today)
    if Role.SUPERVISOR in roles:
        data.sessions_due = coverage.sessions_due(
            user, within_days=SESSIONS_DUE_WITHIN_DAYS, today=today
        )
    if data.memberships:
        data.supervision_actions = list(supervision_queries.open_actions(user))
        about = {a.discussion.episode.person_id for a in data.supervision_actions if a.discussion}
        if about:
            data.action_people = set(
                policy.visible_people(user).filter(pk__in=about).values_list("pk", flat=True)
            )
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
            runners=jobs.runners(),
            scheduled_jobs=jobs.status(),
        )
    if not data.has_role:
        data.administrators = list(organisation_queries.system_administrators())
    return data


def _day_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


def key_worker_day(user: User, *, today: dt.date) -> KeyWorkerDay:
    """The caseload with its signals, today's appointments with the people on it (or that the
    user holds, with someone a basis lets them reach), and the answers to review. Four queries,
    whatever the size of the caseload."""
    start, end = _day_bounds(today)
    caseload = list(care_queries.caseload(user, now=timezone.now()))
    appointments = list(
        Contact.objects.filter(starts_at__gte=start, starts_at__lt=end)
        .filter(Q(episode_id__in=[e.pk for e in caseload]) | Q(practitioner=user))
        .filter(episode__person__in=policy.visible_people(user).values("pk"))
        .select_related("episode__person")
        .order_by("starts_at", "id")
    )
    answers = schedule.unseen_flags(e.pk for e in caseload) if caseload else {}
    return KeyWorkerDay(caseload=caseload, appointments=appointments, answers_to_review=answers)


def triage_day(team_ids: list[int], *, today: dt.date) -> TriageDay:
    """The triage worklist's urgent referrals and those due by the end of today, and the
    follow-ups due, for ``team_ids``: the worklists' own queries, the first ``SHOWN`` of each."""
    _start, end = _day_bounds(today)
    filters = referral_queries.WorklistFilter(team_ids=tuple(team_ids))
    due = referral_queries.waiting_triage(filters).filter(
        Q(urgency__in=[Urgency.URGENT, Urgency.EMERGENCY]) | Q(due_at__lt=end)
    )
    return TriageDay(
        due_referrals=list(due[:SHOWN]),
        follow_ups=list(referral_queries.follow_ups_due(filters, on=today)[:SHOWN]),
    )


def team_lead_day(user: User, team_ids: list[int], *, today: dt.date) -> TeamLeadDay:
    """Who waits for a key worker in the teams the user leads (as the team's caseloads page
    lists them), and each team's supervision coverage as the coverage page counts it."""
    episodes = Episode.objects.open().filter(
        lead_team_id__in=team_ids, person__in=policy.visible_people(user).values("pk")
    )
    unallocated = list(care_queries.waiting_allocation(episodes)[:SHOWN])
    per_team: dict[int, tuple[int, int]] = dict.fromkeys(team_ids, (0, 0))
    for standing in coverage.standings(team_ids, today):
        if standing.team_id in per_team:
            on_time, everyone = per_team[standing.team_id]
            per_team[standing.team_id] = (on_time + standing.covered, everyone + 1)
    return TeamLeadDay(unallocated=unallocated, coverage=per_team)


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
