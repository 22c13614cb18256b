"""Reads about training and the workforce, shared by the pages, the allocation check and the
demo's tests.

**Competencies.** An episode needs the courses of every ``EpisodeRequirement`` matching its
intensity and its lead team's type; a person holds a course on a day when a completion of it is
on or before that day and has not expired (a course without validity never expires). A team's
members need the courses their roles require; who lacks one, or whose completion expired or
expires within 60 days, is a *training gap*.

**Workforce.** People in post are the current memberships (a person with two roles in a team
is one person and two posts); each post's whole-time equivalent (WTE) on a day is the latest of
its ``WteChange`` rows in force that day (none before the first: not recorded). A team's
*caseload* is the open episodes whose current key worker is a practitioner in that team, the
team leading the episode or making a joint offer (the lead team first, when both). Each
episode counts its intensity's weight (``ALONGSIDE_INTENSITY_WEIGHTS``), and caseload per WTE
divides the weighted caseload of the key workers whose WTE is recorded by their WTE: key
workers without one are left out of both, and the page says how many. The trend works the same
out at the end of each of the last 12 months from the allocation and intensity history, with
the WTE in force and the memberships current on the month's last day.

**Kept warnings.** A key worker allocated without a competency the episode needs has an
``AllocationWarning``; it stays *open* while the allocation is current, the episode open and the
key worker still without an unexpired completion of the course.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Allocation, Episode, Intensity, IntensityChange
from alongside.organisations.models import Membership, OrganisationKind, Role, Team
from alongside.workforce.models import (
    AllocationWarning,
    Course,
    EpisodeRequirement,
    Post,
    RoleRequirement,
    TrainingRecord,
    Vacancy,
    WteChange,
)

EXPIRING_DAYS = 60
TREND_MONTHS = 12
DEFAULT_WEIGHTS = {Intensity.LOW: 1, Intensity.MEDIUM: 2, Intensity.HIGH: 3}


def intensity_weights() -> dict[str, Decimal]:
    """Each intensity's weight in the caseload (settings ``ALONGSIDE_INTENSITY_WEIGHTS``)."""
    given = getattr(settings, "ALONGSIDE_INTENSITY_WEIGHTS", None) or {}
    weights = {**DEFAULT_WEIGHTS, **given}
    return {str(k): Decimal(str(v)) for k, v in weights.items()}


# --- Competencies --------------------------------------------------------------------------------


def needed_courses(episode: Episode) -> dict[int, tuple[Course, EpisodeRequirement]]:
    """The courses the episode's key worker needs now, each with the first rule asking for it."""
    rules = (
        EpisodeRequirement.objects.filter(
            Q(intensity="") | Q(intensity=episode.intensity),
            Q(team_type="") | Q(team_type=episode.lead_team.team_type),
        )
        .select_related("course")
        .order_by("course__title", "id")
    )
    needed: dict[int, tuple[Course, EpisodeRequirement]] = {}
    for rule in rules:
        needed.setdefault(rule.course_id, (rule.course, rule))
    return needed


def held_until(
    user_ids: Iterable[int], course_ids: Iterable[int], *, on: dt.date
) -> dict[tuple[int, int], dt.date | None]:
    """For each (user, course) with a completion on or before ``on``: when the best of them
    expires (``None``: never). A missing key means no completion at all."""
    best: dict[tuple[int, int], dt.date | None] = {}
    rows = TrainingRecord.objects.filter(
        user_id__in=list(user_ids), course_id__in=list(course_ids), completed_on__lte=on
    ).values_list("user_id", "course_id", "expires_on")
    for user_id, course_id, expires_on in rows:
        key = (user_id, course_id)
        later = key in best and best[key] is not None
        if key not in best or (later and (expires_on is None or expires_on > best[key])):
            best[key] = expires_on
    return best


@dataclass(frozen=True)
class CompetencyGap:
    course: Course
    #: "episodes at high intensity"
    needed_for: str
    #: When the latest completion expired; ``None`` when there is none.
    expired_on: dt.date | None


def competency_gaps(
    episode: Episode, key_worker: User, *, on: dt.date | None = None
) -> list[CompetencyGap]:
    """The courses the episode needs that ``key_worker`` does not hold on the day."""
    on = on or timezone.localdate()
    needed = needed_courses(episode)
    if not needed:
        return []
    held = held_until([key_worker.pk], needed, on=on)
    gaps = []
    for course_id, (course, rule) in needed.items():
        key = (key_worker.pk, course_id)
        if key not in held:
            gaps.append(CompetencyGap(course, rule.describe(), None))
        elif held[key] is not None and held[key] < on:
            gaps.append(CompetencyGap(course, rule.describe(), held[key]))
    return gaps


@dataclass(frozen=True)
class OpenWarning:
    """A kept allocation warning that still stands: the key worker still lacks the course."""

    warning: AllocationWarning
    #: When the key worker's latest completion expired; ``None`` when there is none.
    expired_on: dt.date | None

    @property
    def allocation(self) -> Allocation:
        return self.warning.allocation


def open_allocation_warnings(team: Team, *, on: dt.date | None = None) -> list[OpenWarning]:
    """The kept competency warnings that still stand on the day, for the episodes the team
    leads and the key workers in it now: the allocation is current, its episode open, and the
    key worker holds no unexpired completion of the course. Oldest first."""
    on = on or timezone.localdate()
    members = Membership.objects.active().filter(team=team).values("user_id")
    warnings = list(
        AllocationWarning.objects.filter(
            allocation__ended_at__isnull=True, allocation__episode__ended_at__isnull=True
        )
        .filter(Q(allocation__episode__lead_team=team) | Q(allocation__key_worker_id__in=members))
        .select_related("course", "allocation__key_worker", "allocation__episode__referral")
        .order_by("created_at", "id")
    )
    held = held_until(
        {w.allocation.key_worker_id for w in warnings}, {w.course_id for w in warnings}, on=on
    )
    still = []
    for warning in warnings:
        key = (warning.allocation.key_worker_id, warning.course_id)
        if key not in held:
            still.append(OpenWarning(warning, None))
        elif held[key] is not None and held[key] < on:
            still.append(OpenWarning(warning, held[key]))
    return still


class GapStatus(StrEnum):
    MISSING = "missing"
    EXPIRED = "expired"
    EXPIRING = "expiring"

    @property
    def label(self) -> str:
        return {"missing": "No record", "expired": "Expired", "expiring": "Expiring soon"}[
            self.value
        ]


@dataclass(frozen=True)
class TrainingGap:
    team: Team
    user: User
    course: Course
    status: GapStatus
    #: The expiry, for an expired or expiring completion.
    expires_on: dt.date | None


def training_gaps(
    teams: Iterable[Team], *, on: dt.date | None = None, within_days: int = EXPIRING_DAYS
) -> list[TrainingGap]:
    """Each current member of the teams, for each course their roles there require: no
    completion, an expired one, or one expiring within ``within_days``. By team, name, course."""
    on = on or timezone.localdate()
    soon = on + dt.timedelta(days=within_days)
    teams = list(teams)
    requirements: dict[str, list[Course]] = defaultdict(list)
    for rule in RoleRequirement.objects.select_related("course"):
        requirements[rule.role].append(rule.course)
    members = (
        Membership.objects.active()
        .filter(team__in=teams)
        .select_related("user", "team")
        .order_by("team__name", "user__last_name", "user__first_name", "id")
    )
    wanted: dict[tuple[int, int], dict[int, Course]] = defaultdict(dict)
    people: dict[tuple[int, int], tuple[Team, User]] = {}
    for m in members:
        people[(m.team_id, m.user_id)] = (m.team, m.user)
        for course in requirements.get(m.role, []):
            wanted[(m.team_id, m.user_id)][course.pk] = course
    course_ids = {c.pk for courses in requirements.values() for c in courses}
    held = held_until({u for _, u in people}, course_ids, on=on)
    gaps = []
    for key, (team, user) in people.items():
        for course in sorted(wanted[key].values(), key=lambda c: c.title):
            until = held.get((user.pk, course.pk), "none")
            if until == "none":
                gaps.append(TrainingGap(team, user, course, GapStatus.MISSING, None))
            elif until is not None and until < on:
                gaps.append(TrainingGap(team, user, course, GapStatus.EXPIRED, until))
            elif until is not None and until <= soon:
                gaps.append(TrainingGap(team, user, course, GapStatus.EXPIRING, until))
    return gaps


# --- Workforce -----------------------------------------------------------------------------------


class Sector(StrEnum):
    NHS = "nhs"
    VCSE = "vcse"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {"nhs": "NHS", "vcse": "VCSE", "other": "Local authority and other"}[self.value]


def sector_of(team: Team) -> Sector:
    organisation = team.organisation
    if organisation.is_nhs:
        return Sector.NHS
    if organisation.kind == OrganisationKind.VCSE:
        return Sector.VCSE
    return Sector.OTHER


@dataclass
class Figures:
    """A group's workforce figures (a team, an organisation, a role, a locality, a sector)."""

    people: set[int] = field(default_factory=set)
    posts: int = 0
    wte: Decimal = Decimal(0)
    no_wte: int = 0
    vacancies: int = 0
    vacant_wte: Decimal = Decimal(0)
    #: Open episodes held by the group's key workers, and their weighted sum.
    caseload: int = 0
    weighted: Decimal = Decimal(0)
    #: Key workers with a recorded WTE: their WTE, and the weighted caseload they hold.
    key_worker_wte: Decimal = Decimal(0)
    key_worker_weighted: Decimal = Decimal(0)
    key_workers_without_wte: int = 0

    @property
    def headcount(self) -> int:
        return len(self.people)

    @property
    def per_wte(self) -> Decimal | None:
        if not self.key_worker_wte:
            return None
        return (self.key_worker_weighted / self.key_worker_wte).quantize(Decimal("0.1"))

    @property
    def vacancy_rate(self) -> Decimal | None:
        """Vacant WTE as a per cent of the WTE in post and vacant."""
        total = self.wte + self.vacant_wte
        if not total:
            return None
        return (100 * self.vacant_wte / total).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class _Member:
    membership: Membership
    #: The WTE in force today (``None``: not recorded).
    wte: Decimal | None
    #: The post's changes, oldest first: the days they took effect, and the WTEs.
    starts: tuple[dt.date, ...] = ()
    values: tuple[Decimal, ...] = ()

    def active_on(self, day: dt.date) -> bool:
        m = self.membership
        return m.started_on <= day and (m.ended_on is None or m.ended_on >= day)

    def wte_on(self, day: dt.date) -> Decimal | None:
        """The WTE in force on the day: the latest change from that day or before."""
        return _in_force(self.starts, self.values, day)


def _in_force(starts: Sequence[dt.date], values: Sequence[Decimal], day: dt.date) -> Decimal | None:
    index = bisect.bisect_right(starts, day) - 1
    return values[index] if index >= 0 else None


def _members(memberships: Iterable[Membership], today: dt.date) -> list[_Member]:
    """The memberships with their WTE history (read in one query). A post written without any
    change (not through ``services.set_wte``) counts at its WTE since the membership began."""
    memberships = list(memberships)
    history: dict[int, tuple[list[dt.date], list[Decimal]]] = defaultdict(lambda: ([], []))
    for membership_id, effective_from, wte in (
        WteChange.objects.filter(post__membership__in=[m.pk for m in memberships])
        .order_by("post__membership_id", "effective_from", "id")
        .values_list("post__membership_id", "effective_from", "wte")
    ):
        starts, values = history[membership_id]
        if starts and starts[-1] == effective_from:  # the later recorded counts
            values[-1] = wte
        else:
            starts.append(effective_from)
            values.append(wte)
    out = []
    for m in memberships:
        starts, values = history.get(m.pk, ([], []))
        if not starts:
            post: Post | None = getattr(m, "post", None)
            if post is not None:
                starts, values = [m.started_on], [post.wte]
        out.append(_Member(m, _in_force(starts, values, today), tuple(starts), tuple(values)))
    return out


def counted_on(moment: dt.datetime) -> dt.date:
    """The day a moment counts figures on: the month's last day for the end of a month (the
    first moment of the next), else the moment's own day."""
    return timezone.localtime(moment - dt.timedelta(microseconds=1)).date()


@dataclass(frozen=True)
class _Allocation:
    key_worker_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    episode_id: int
    episode_started_at: dt.datetime
    episode_ended_at: dt.datetime | None
    lead_team_id: int
    intensity: str

    def holds_at(self, moment: dt.datetime) -> bool:
        return (
            self.started_at <= moment
            and (self.ended_at is None or self.ended_at > moment)
            and self.episode_started_at <= moment
            and (self.episode_ended_at is None or self.episode_ended_at > moment)
        )


def month_ends(now: dt.datetime, months: int = TREND_MONTHS) -> list[tuple[dt.date, dt.datetime]]:
    """(first day of the month, the moment it is counted at) for the last ``months`` months,
    oldest first: the end of each month, and now for the current one."""
    today = timezone.localtime(now).date()
    out = []
    for back in range(months - 1, -1, -1):
        index = today.year * 12 + today.month - 1 - back
        first = dt.date(index // 12, index % 12 + 1, 1)
        following = dt.date((index + 1) // 12, (index + 1) % 12 + 1, 1)
        moment = timezone.make_aware(dt.datetime.combine(following, dt.time(0)))
        out.append((first, min(moment, now)))
    return out


class Workforce:
    """The workforce of some teams, read in a fixed number of queries whatever their size."""

    def __init__(
        self, teams: QuerySet[Team], *, now: dt.datetime | None = None, months: int = TREND_MONTHS
    ) -> None:
        self.now = now or timezone.now()
        self.today = timezone.localtime(self.now).date()
        self.weights = intensity_weights()
        self.months = month_ends(self.now, months)
        window_start = self.months[0][1] - dt.timedelta(days=31)
        self.teams = {
            t.pk: t for t in teams.select_related("organisation").prefetch_related("localities")
        }
        ids = list(self.teams)
        memberships = (
            Membership.objects.approved()
            .filter(team_id__in=ids, started_on__lte=self.today)
            .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=window_start.date()))
            .select_related("user", "post")
            .order_by("user__last_name", "user__first_name", "id")
        )
        self.members = _members(memberships, self.today)
        self.practitioners: dict[int, list[_Member]] = defaultdict(list)  # by user
        for member in self.members:
            if member.membership.role == Role.PRACTITIONER:
                self.practitioners[member.membership.user_id].append(member)
        self.vacancies = list(
            Vacancy.objects.filter(team_id__in=ids, since__lte=self.today).filter(
                Q(filled_on__isnull=True) | Q(filled_on__gt=self.today)
            )
        )
        partner = Episode.partner_teams.through.objects.filter(team_id__in=ids)
        allocations = (
            Allocation.objects.filter(
                Q(episode__lead_team_id__in=ids) | Q(episode_id__in=partner.values("episode_id")),
                key_worker_id__in=list(self.practitioners),
                started_at__lte=self.now,
            )
            .filter(Q(ended_at__isnull=True) | Q(ended_at__gt=window_start))
            .filter(Q(episode__ended_at__isnull=True) | Q(episode__ended_at__gt=window_start))
        )
        self.allocations = [
            _Allocation(*row)
            for row in allocations.values_list(
                "key_worker_id",
                "started_at",
                "ended_at",
                "episode_id",
                "episode__started_at",
                "episode__ended_at",
                "episode__lead_team_id",
                "episode__intensity",
            )
        ]
        episode_ids = allocations.values("episode_id")
        self.partners: dict[int, list[int]] = defaultdict(list)
        for episode_id, team_id in (
            partner.filter(episode_id__in=episode_ids)
            .order_by("team_id")
            .values_list("episode_id", "team_id")
        ):
            self.partners[episode_id].append(team_id)
        self.changes: dict[int, tuple[list[dt.datetime], list[str]]] = defaultdict(lambda: ([], []))
        for episode_id, changed_at, intensity in (
            IntensityChange.objects.filter(episode_id__in=episode_ids)
            .order_by("episode_id", "changed_at", "id")
            .values_list("episode_id", "changed_at", "intensity")
        ):
            times, values = self.changes[episode_id]
            times.append(changed_at)
            values.append(intensity)

    # --- the pieces ----------------------------------------------------------------------------

    def intensity_at(self, allocation: _Allocation, moment: dt.datetime) -> str:
        if allocation.episode_id not in self.changes:
            return allocation.intensity
        times, values = self.changes[allocation.episode_id]
        index = bisect.bisect_right(times, moment) - 1
        return values[max(index, 0)]

    def _holding_member(self, allocation: _Allocation, day: dt.date) -> _Member | None:
        """The key worker's practitioner membership the episode counts in on the day."""
        eligible = [allocation.lead_team_id, *self.partners.get(allocation.episode_id, [])]
        current = {
            m.membership.team_id: m
            for m in self.practitioners.get(allocation.key_worker_id, [])
            if m.active_on(day)
        }
        for team_id in eligible:
            if team_id in current:
                return current[team_id]
        return None

    def caseloads_at(self, moment: dt.datetime) -> dict[int, tuple[int, Decimal]]:
        """Per practitioner membership: (episodes held, weighted) at the moment."""
        day = counted_on(moment)
        held: dict[int, tuple[int, Decimal]] = {}
        for allocation in self.allocations:
            if not allocation.holds_at(moment):
                continue
            member = self._holding_member(allocation, day)
            if member is None:
                continue
            weight = self.weights.get(self.intensity_at(allocation, moment), Decimal(0))
            count, weighted = held.get(member.membership.pk, (0, Decimal(0)))
            held[member.membership.pk] = (count + 1, weighted + weight)
        return held

    def current_members(self) -> list[_Member]:
        return [m for m in self.members if m.membership.ended_on is None]

    # --- figures by group ------------------------------------------------------------------------

    def figures(
        self, groups: Callable[[Membership, Team], Iterable[object]]
    ) -> dict[object, Figures]:
        """Figures now for each group a membership (and its team) falls in; a vacancy falls
        in the groups of its role and team."""
        out: dict[object, Figures] = defaultdict(Figures)
        caseloads = self.caseloads_at(self.now)
        for member in self.current_members():
            m = member.membership
            for group in groups(m, self.teams[m.team_id]):
                f = out[group]
                f.people.add(m.user_id)
                f.posts += 1
                if member.wte is None:
                    f.no_wte += 1
                else:
                    f.wte += member.wte
                if m.role != Role.PRACTITIONER:
                    continue
                count, weighted = caseloads.get(m.pk, (0, Decimal(0)))
                f.caseload += count
                f.weighted += weighted
                if member.wte is None:
                    f.key_workers_without_wte += 1
                else:
                    f.key_worker_wte += member.wte
                    f.key_worker_weighted += weighted
        for vacancy in self.vacancies:
            team = self.teams[vacancy.team_id]
            for group in groups(_as_membership(vacancy), team):
                out[group].vacancies += 1
                out[group].vacant_wte += vacancy.wte
        return dict(out)

    def trend(
        self, groups: Callable[[Team], Iterable[object]]
    ) -> list[tuple[dt.date, dict[object, Decimal | None]]]:
        """Caseload per WTE at the end of each month (now, for this one), by team group: each
        key worker at the WTE in force on the month's last day (today, for this one)."""
        out = []
        for first, moment in self.months:
            day = counted_on(moment)
            caseloads = self.caseloads_at(moment)
            wte: dict[object, Decimal] = defaultdict(Decimal)
            weighted: dict[object, Decimal] = defaultdict(Decimal)
            for members in self.practitioners.values():
                for member in members:
                    in_force = member.wte_on(day)
                    if in_force is None or not member.active_on(day):
                        continue
                    for group in groups(self.teams[member.membership.team_id]):
                        wte[group] += in_force
                        weighted[group] += caseloads.get(member.membership.pk, (0, 0))[1]
            out.append(
                (
                    first,
                    {
                        g: (weighted[g] / wte[g]).quantize(Decimal("0.1")) if wte[g] else None
                        for g in wte
                    },
                )
            )
        return out


def _as_membership(vacancy: Vacancy) -> Membership:
    """A stand-in membership for grouping a vacancy by role and team."""
    return Membership(team_id=vacancy.team_id, role=vacancy.role)


# Groupings for ``Workforce.figures`` and ``Workforce.trend``.


def by_team(m: Membership, team: Team) -> Sequence[int]:
    return [team.pk]


def by_organisation(m: Membership, team: Team) -> Sequence[int]:
    return [team.organisation_id]


def by_role(m: Membership, team: Team) -> Sequence[str]:
    return [m.role]


def by_locality(m: Membership, team: Team) -> Sequence[int]:
    """A team serving several localities counts in each (so localities do not add up)."""
    return [locality.pk for locality in team.localities.all()]


def by_sector(m: Membership, team: Team) -> Sequence[Sector]:
    return [sector_of(team)]


def everyone(m: Membership, team: Team) -> Sequence[str]:
    return ["all"]


def team_key(grouping: Callable[[Membership, Team], Sequence[object]]) -> Callable:
    """A membership grouping as a team grouping (for the trend)."""
    return lambda team: grouping(Membership(role=Role.PRACTITIONER), team)
