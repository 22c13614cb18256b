"""The demo's referrals and what became of them, over the 18 months before the place's date.

Called from ``PlaceBuilder.build`` once the people and the directory exist. Each referral's life
is played out in time, step by step through the named transitions of ``referrals.services``
(``TRANSITIONS``), from when it was received until the generator's 'now' (midnight at the start of
the day the place is made as of, ``PlaceBuilder.as_of``). A step that would come after now does
not happen: the referral stays where it got to, so the last few weeks' referrals still wait for
triage or the locality meeting, recent follow-ups wait for their outcome and recent episodes of
care wait for their first contacts.

What a referral becomes, in the shares of ``data``: accepted by a team (an episode of care opens
with a key worker, an assessment and one to three further contacts; long-ago ones are discharged),
signposted with a warm handover to a directory service and followed up, discussed at the
fortnightly locality meeting and decided there, declined with a named alternative (a service, or
a team that receives an onward referral) and followed up, or — rarely — closed by the person
before any decision. A follow-up that finds the person did not connect brings the referral back
to triage for another next step, as ``record_follow_up`` does.

The rows are what the services would write, but not written through them: a place's worth of
referrals through one transaction per action would take minutes. Rows are plain dicts keyed by
field attribute names, their ids taken ahead from each table's own sequence so that rows can
point at each other at once (foreign keys are checked at commit), and written with COPY. Tests
replay every referral's transitions against the state machine and ``full_clean`` a sample.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import heapq
import math
import operator
import random
import uuid
import zoneinfo
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import DO_NOTHING, Field, Model, Q, QuerySet

from alongside.accounts.models import User
from alongside.care.models import DIRECT_MODES, Allocation, Contact, Episode, Kind, Mode, Outcome
from alongside.demo import data
from alongside.demo.directory import TAXONOMY_URI
from alongside.demo.sign_ins import DEMO_SIGN_INS
from alongside.directory.models import Service, ServiceTerm, TaxonomyTerm
from alongside.meetings.models import AgendaItem, Attendee, Decision, LocalityMeeting
from alongside.organisations.models import Membership, Role, Team, TeamType
from alongside.people.models import Person
from alongside.referrals.models import (
    ContactMethod,
    FollowUpOutcome,
    Handover,
    HandoverKind,
    Referral,
    Source,
    State,
    Transition,
    Urgency,
    response_time,
)
from alongside.referrals.services import _REFERENCE_ALPHABET, FOLLOW_UP_CLOSURES, TRANSITIONS

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

K = TypeVar("K", bound=Hashable)
Row = dict[str, Any]
_LONDON = zoneinfo.ZoneInfo("Europe/London")
BATCH_SIZE = 2_000

_MINUTE = dt.timedelta(minutes=1)
# When professionals and people themselves send referrals (hour of the day: weight).
_PROFESSIONAL_HOURS = {8: 2, 9: 8, 10: 10, 11: 10, 12: 6, 13: 6, 14: 9, 15: 9, 16: 7, 17: 3, 18: 1}
_SELF_HOURS = dict(
    enumerate([2, 1, 1, 1, 0.5, 0.5, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 5, 5, 6, 7, 8, 8, 6, 4])
)
_HOURS = {
    is_self: (list(hours), list(accumulate(hours.values())))
    for is_self, hours in ((True, _SELF_HOURS), (False, _PROFESSIONAL_HOURS))
}
_APPOINTMENTS = tuple(
    dt.time(hour, minute)
    for hour in (9, 10, 11, 13, 14, 15, 16)
    for minute in (0, 30)
    if (hour, minute) not in {(9, 0), (13, 0), (16, 30)}
)
_CLOSED_DAYS = {(12, 25), (12, 26), (1, 1)}
# The main need of a referral; urgent ones more often about a crisis, self-harm or psychosis.
_URGENT_NEEDS = {"crisis": 6, "self-harm": 3, "psychosis": 3}
_NEEDS = {
    urgent: (
        list(data.REFERRAL_NEED_WEIGHTS),
        list(
            accumulate(
                weight * (_URGENT_NEEDS.get(need, 1) if urgent else 1)
                for need, weight in data.REFERRAL_NEED_WEIGHTS.items()
            )
        ),
    )
    for urgent in (False, True)
}
# Directory services that are somewhere to be accepted, not signposted, to.
_NOT_FOR_SIGNPOSTING = (
    "Community Mental Health Team",
    "Crisis Resolution and Home Treatment",
    "Early Intervention in Psychosis",
    "Older Adults Memory Service",
    "Community Eating Disorders Service",
    "Perinatal Mental Health Team",
    "Primary Care Mental Health Practitioner",
    "Adult Social Care Mental Health",
)
_SPECIALIST_TYPES = (
    TeamType.EARLY_INTERVENTION,
    TeamType.ASSERTIVE_OUTREACH,
    TeamType.COMMUNITY_REHABILITATION,
    TeamType.PERSONALITY_DISORDER,
    TeamType.INDIVIDUAL_PLACEMENT_SUPPORT,
)
# How long an episode of care lasts, in days, by the lead team's type: (shortest, longest, mode).
_EPISODE_DAYS: dict[str, tuple[int, int, int]] = {
    TeamType.PRIMARY_CARE_MENTAL_HEALTH: (42, 126, 70),
    TeamType.VCSE_SERVICE: (56, 180, 90),
    TeamType.COMMUNITY_MENTAL_HEALTH: (70, 540, 150),
    TeamType.SOCIAL_CARE: (60, 200, 100),
    TeamType.EARLY_INTERVENTION: (365, 1_095, 730),
}
_SPECIALIST_DAYS = (180, 720, 365)
# Sign-ins that should find a caseload: picked as key worker more often than their colleagues.
_FEATURED = {"practitioner": 1.5, "carepartner": 3.0}
# How many hours after the follow-up date's morning the outcome is recorded (weights).
_FOLLOW_UP_HOURS = (0, 2, 4, 24, 48, 96, 168, 264, 336)
_FOLLOW_UP_WEIGHTS = (20, 12, 8, 18, 12, 10, 9, 6, 5)
_TRIAGE_ROLES = (Role.COORDINATOR, Role.TEAM_LEAD, Role.SUPERVISOR, Role.PRACTITIONER)
_LEAD_ROLES = (Role.TEAM_LEAD, Role.SUPERVISOR, Role.COORDINATOR)
# What an onward referral copies from the referral whose warm handover made it.
_ONWARD_COPIES = (
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "nhs_number",
    "postcode",
    "address",
    "phone",
    "email",
    "contact_methods",
    "may_leave_message",
    "contact_safety",
    "consent_to_contact",
    "gp_practice_id",
    "preferred_language",
    "interpreter_needed",
    "communication_needs",
    "access_needs",
    "urgency",
    "locality_id",
    "what_would_help",
)


class _Later(Exception):
    """The next step of a referral's life would come after now: its story stops there."""


class _Deck(Generic[K]):
    """Draws in the given shares, exactly over every ``size`` draws: a shuffled deck of cards,
    shuffled again when it runs out. Small places keep the shares as well as large ones."""

    def __init__(self, shares: Mapping[K, float], rng: random.Random, size: int = 100) -> None:
        total = sum(shares.values())
        exact = {key: share * size / total for key, share in shares.items()}
        counts = {key: math.floor(value) for key, value in exact.items()}
        by_remainder = sorted(shares, key=lambda key: exact[key] - counts[key], reverse=True)
        for key in by_remainder[: size - sum(counts.values())]:
            counts[key] += 1
        self.cards = [key for key in shares for _ in range(counts[key])]
        self.rng = rng
        self.hand: list[K] = []

    def draw(self) -> K:
        if not self.hand:
            self.hand = list(self.cards)
            self.rng.shuffle(self.hand)
        return self.hand.pop()


@dataclass(frozen=True)
class _Member:
    user: User
    job_title: str
    started_on: dt.date
    weight: float


class _Staff:
    """Who holds which role in which team, from when: each step is taken by someone in post.

    The demo's own sign-ins carry a little more than their share of episodes at demo scale, and
    about their share in the larger teams of a county."""

    def __init__(self, memberships: Sequence[Membership], staff_factor: float) -> None:
        self.members: dict[tuple[int, str], list[_Member]] = defaultdict(list)
        for m in memberships:
            featured = m.role == Role.PRACTITIONER and m.user.username in _FEATURED
            extra = _FEATURED[m.user.username] - 1 if featured else 0.0
            weight = 1.0 + extra / staff_factor
            self.members[(m.team.pk, m.role)].append(
                _Member(m.user, m.job_title, m.started_on, weight)
            )
        for members in self.members.values():
            members.sort(key=lambda m: m.started_on)
        self._in_post: dict[tuple[int, str, int], tuple[list[_Member], list[float]]] = {}

    def pick(
        self, rng: random.Random, team: Team, roles: Sequence[str], on: dt.date
    ) -> _Member | None:
        """Someone holding the first of ``roles`` that anyone in the team holds (in post on the
        day, or anyone in that role if nobody had started yet)."""
        for role in roles:
            members = self.members.get((team.pk, role))
            if not members:
                continue
            started = bisect.bisect_right(members, on, key=lambda m: m.started_on) or len(members)
            key = (team.pk, role, started)
            if key not in self._in_post:
                in_post = members[:started]
                self._in_post[key] = (in_post, list(accumulate(m.weight for m in in_post)))
            in_post, cumulative = self._in_post[key]
            return rng.choices(in_post, cum_weights=cumulative)[0]
        return None

    def has(self, team: Team, role: str) -> bool:
        return bool(self.members.get((team.pk, role)))

    def is_in(self, user: User, team: Team, role: str) -> bool:
        return any(m.user.pk == user.pk for m in self.members.get((team.pk, role), []))


@dataclass(frozen=True)
class _Who:
    """The person a referral is about, with where they live."""

    person: Person
    given_name: str
    family_name: str
    area: int
    locality: int

    def age_on(self, day: dt.date) -> int:
        return self.person.age_on(day)


@dataclass(frozen=True)
class _Service:
    pk: uuid.UUID  # directory ids are UUIDs (Open Referral)
    name: str
    vcse: bool
    localities: frozenset[int]
    needs: frozenset[str]
    minimum_age: int | None
    maximum_age: int | None

    def serves(self, age: int) -> bool:
        return (self.minimum_age is None or age >= self.minimum_age) and (
            self.maximum_age is None or age <= self.maximum_age
        )


@dataclass
class _Pool:
    """Services to choose from, VCSE ones four times as likely."""

    services: list[_Service] = field(default_factory=list)
    cumulative: list[float] = field(default_factory=list)

    def add(self, service: _Service) -> None:
        self.services.append(service)
        weight = 4.0 if service.vcse else 1.0
        self.cumulative.append((self.cumulative[-1] if self.cumulative else 0.0) + weight)

    def choose(self, rng: random.Random) -> _Service:
        return rng.choices(self.services, cum_weights=self.cumulative)[0]


@dataclass
class _Life:
    """One referral as it unfolds: its row, its transitions so far, and what it opened."""

    referral: Row
    who: _Who
    needs: list[str]
    holding: Team  # the team that triages it
    last: dt.datetime
    now: dt.datetime  # the generator's 'now': no step happens at or after it
    transitions: list[Row] = field(default_factory=list)
    contacts: list[Row] = field(default_factory=list)
    onward: list[_Life] = field(default_factory=list)
    last_service: uuid.UUID | None = None  # the service last signposted to, not to offer again

    def move(
        self, name: str, at: dt.datetime, by: User | None, *, reason: str = "", code: str = ""
    ) -> dt.datetime:
        """Make the named transition at ``at`` (or just after the last step) unless that is
        now or later. Returns when it happened."""
        at = max(at, self.last + _MINUTE)
        if at >= self.now:
            raise _Later
        edge = TRANSITIONS[name]
        referral = self.referral
        if referral["state"] not in edge.sources:
            raise RuntimeError(f"The demo tried '{name}' on a {referral['state']} referral.")
        self.transitions.append(
            {
                "referral_id": referral["id"],
                "name": name,
                "from_state": referral["state"],
                "to_state": edge.target,
                "by_id": by.pk if by else None,
                "at": at,
                "reason": reason,
                "code": code,
            }
        )
        if referral["state"] == State.DECLINED and edge.target != State.CLOSED:
            # As ``services._move``: leaving a decline for another decision withdraws it.
            referral.update(rejected_at=None, rejection_reason="")
        referral["state"] = edge.target
        self.last = at
        return at

    def identify(self, at: dt.datetime, by: User, reason: str) -> None:
        at = max(at, self.last + _MINUTE)
        if at >= self.now:
            raise _Later
        state = self.referral["state"]
        self.transitions.append(
            {
                "referral_id": self.referral["id"],
                "name": "identify",
                "from_state": state,
                "to_state": state,
                "by_id": by.pk,
                "at": at,
                "reason": reason,
            }
        )
        self.referral["person_id"] = self.who.person.pk
        self.last = at

    def ended_at(self) -> dt.datetime | None:
        """When this referral and every onward one had closed; None while any is open."""
        ends = [self.referral.get("closed_at"), *(life.ended_at() for life in self.onward)]
        if any(end is None for end in ends):
            return None
        return max(end for end in ends if end is not None)


@dataclass
class _Meeting:
    row: Row
    locality: int
    chair: User | None
    created_by: User

    @property
    def starts_at(self) -> dt.datetime:
        return self.row["starts_at"]


@dataclass
class _EpisodeRecord:
    """What the locality meetings need to know about an episode to discuss it."""

    row: Row
    lead_team: Team
    key_worker: User | None = None
    partners: set[int] = field(default_factory=set)


@dataclass
class _Table:
    """Rows waiting to be written to one table: dicts keyed by field attribute name
    (``team_id``), a field left out taking its default."""

    model: type[Model]
    with_ids: bool
    now: dt.datetime  # what a timestamp the row leaves out is set to
    rows: list[Row] = field(default_factory=list)
    written: int = 0

    def __post_init__(self) -> None:
        now = self.now
        self.fields = [
            f for f in self.model._meta.concrete_fields if self.with_ids or not f.primary_key
        ]
        self.defaults = [_default(f, now) for f in self.fields]

    def write(self, cursor: CursorWrapper) -> None:
        """COPY the rows in. Inside the generator's ``pgtrigger.ignore``, the statement before
        sets the transaction's switch that tells the record-history triggers to skip these rows
        (the switch is transaction-local, and COPY does not go through Django's wrappers)."""
        if not self.rows:
            return
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in self.fields)
        names = [f.attname for f in self.fields]
        defaults = dict(zip(names, self.defaults, strict=True))
        values = operator.itemgetter(*names)
        cursor.execute("SELECT 1")
        # Choices (str enums) are written as their value: psycopg adapts them as str.
        with cursor.copy(f"COPY {quote(self.model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in self.rows:
                copy.write_row(values({**defaults, **row}))
        self.written += len(self.rows)
        self.rows = []


def _default(field: Field, now: dt.datetime) -> object:
    """What Django would write for a field the row leaves out."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    return None if field.primary_key else field.get_default()


def build_referrals(builder: PlaceBuilder) -> None:
    with connection.cursor() as cursor:
        _Flows(builder, cursor).build()


class _Flows:
    def __init__(self, builder: PlaceBuilder, cursor: CursorWrapper) -> None:
        self.builder = builder
        self.cursor = cursor
        self.now, self.start = builder.now, builder.start
        self.rng = builder.rng("referrals")
        self.contact_rng = builder.rng("contacts")
        self.meeting_rng = builder.rng("meetings")
        self.staff = _Staff(builder.memberships, builder.staff_factor)
        self.decisions = _Deck(data.TRIAGE_DECISION_SHARES, self.rng)
        self.team_kinds = _Deck(data.ACCEPTED_TEAM_SHARES, self.rng)
        self.follow_ups = _Deck(data.FOLLOW_UP_SHARES, self.rng, size=20)
        self.meeting_decisions = _Deck(data.MEETING_DECISION_SHARES, self.rng, size=20)
        self.discharges = _Deck(data.DISCHARGE_SHARES, self.rng)
        self.person_closures = _Deck(data.PERSON_LED_CLOSURE_SHARES, self.rng, size=20)
        self.attendance = _Deck(data.CONTACT_OUTCOME_SHARES, self.contact_rng)
        self.modes = _Deck(data.CONTACT_MODE_SHARES, self.contact_rng)
        self.references = set(Referral.objects.values_list("reference", flat=True))
        self.free_ids: dict[type[Model], list[int]] = defaultdict(list)
        self.known: set[int] = set()  # people referred before: triage matches them
        self.portal = next(s for s in DEMO_SIGN_INS if s.is_portal_person)
        self.portal_pk: int | None = None
        self._teams()
        self._places()
        self._services()
        self.terms = dict(
            TaxonomyTerm.objects.filter(taxonomy__uri=TAXONOMY_URI).values_list("code", "pk")
        )
        self.schedule: list[list[_Meeting]] = []
        self.agenda: list[tuple[_Meeting, dt.datetime, Row, list[Team]]] = []
        self.episode_records: dict[int, list[_EpisodeRecord]] = defaultdict(list)
        tables = {
            "referrals": (Referral, True),
            "needs": (Referral.needs.through, False),
            "referral_transitions": (Transition, False),
            "handovers": (Handover, False),
            "episodes": (Episode, True),
            "episode_partners": (Episode.partner_teams.through, False),
            "allocations": (Allocation, False),
            "contacts": (Contact, False),
            "locality_meetings": (LocalityMeeting, True),
            "meeting_attendees": (Attendee, False),
            "agenda_items": (AgendaItem, True),
            "agenda_partners": (AgendaItem.partner_teams.through, False),
        }
        self.tables = {name: _Table(model, ids, self.now) for name, (model, ids) in tables.items()}

    def add(self, table: str, row: Row) -> Row:
        self.tables[table].rows.append(row)
        return row

    def new_id(self, model: type[Model]) -> int:
        """An id from the table's own sequence, taken a block at a time."""
        free = self.free_ids[model]
        if not free:
            self.cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, 500],
            )
            free.extend(sorted((row[0] for row in self.cursor.fetchall()), reverse=True))
        return free.pop()

    # --- what the place holds ---------------------------------------------------------------

    def _teams(self) -> None:
        builder = self.builder
        by_type: dict[str, list[Team]] = defaultdict(list)
        self.cmht: dict[int, Team] = {}
        self.vcse: list[tuple[Team, frozenset[int]]] = []
        care_partners = data.VCSE_ORGANISATIONS[0].teams[0].name
        for plan in builder.team_plans:
            team = plan.team
            by_type[team.team_type].append(team)
            if team.team_type == TeamType.COMMUNITY_MENTAL_HEALTH:
                self.cmht[plan.locality_indexes[0]] = team
            elif team.team_type == TeamType.VCSE_SERVICE:
                if team.name == care_partners:
                    self.care_partners = team
                elif self.staff.has(team, Role.PRACTITIONER):
                    self.vcse.append((team, frozenset(plan.locality_indexes)))
        pcns = {team.name: team for team in by_type[TeamType.PRIMARY_CARE_MENTAL_HEALTH]}
        self.pcn = {
            index: pcns[f"{place.area.name} PCN Mental Health Team"]
            for index, place in enumerate(builder.areas)
        }
        self.social_care = by_type[TeamType.SOCIAL_CARE][0]
        self.specialists = {t.team_type: t for kind in _SPECIALIST_TYPES for t in by_type[kind]}
        self.trust = builder.organisations[data.TRUST.name]
        self.council = builder.organisations[data.COUNCIL.name]
        self.trust_teams = [
            t
            for t in (*self.cmht.values(), *self.specialists.values())
            if self.staff.has(t, Role.PRACTITIONER)
        ]

    def _places(self) -> None:
        self.postcode_area: dict[str, int] = {}
        self.practice_area: dict[int, int] = {}
        for index, place in enumerate(self.builder.areas):
            for code, _ in place.postcodes:
                self.postcode_area[code] = index
            for practice in place.practices:
                self.practice_area[practice.pk] = index

    def _services(self) -> None:
        """The directory's services to signpost to, by locality and by need."""
        services = Service.objects.filter(
            organization__website__endswith=f"{data.DOMAIN_SUFFIX}/"
        ).exclude(
            functools.reduce(operator.or_, (Q(name__startswith=n) for n in _NOT_FOR_SIGNPOSTING))
        )
        localities: dict[int, set[int]] = defaultdict(set)
        for service_id, locality_id in Service.localities.through.objects.filter(
            service__in=services
        ).values_list("service_id", "locality_id"):
            localities[service_id].add(locality_id)
        needs: dict[int, set[str]] = defaultdict(set)
        for service_id, code in ServiceTerm.objects.filter(service__in=services).values_list(
            "service_id", "taxonomy_term__code"
        ):
            needs[service_id].add(code)
        self.all_services = _Pool()
        self.local_services: dict[int, _Pool] = defaultdict(_Pool)
        self.needed_services: dict[tuple[int, str], _Pool] = defaultdict(_Pool)
        # In a stable order (bulk-inserted ids need not follow the order rows were made in).
        rows = services.order_by("name", "url").values_list(
            "pk", "name", "organization__organisation__kind", "minimum_age", "maximum_age"
        )
        for pk, name, kind, low, high in rows:
            service = _Service(
                pk, name, kind == "vcse", frozenset(localities[pk]), frozenset(needs[pk]), low, high
            )
            self.all_services.add(service)
            for locality_id in sorted(service.localities):
                self.local_services[locality_id].add(service)
                for code in sorted(service.needs):
                    self.needed_services[(locality_id, code)].add(service)

    # --- the whole load ---------------------------------------------------------------------

    def build(self) -> None:
        builder = self.builder
        rng = self.rng
        total = max(1, round(builder.people * data.REFERRALS_PER_PERSON))
        builder.progress.start("Referrals and first contacts", total)
        self._plan_meetings()
        sources = _Deck(data.REFERRAL_SOURCE_SHARES, rng)
        urgencies = _Deck({True: data.URGENT_SHARE, False: 1 - data.URGENT_SHARE}, rng)
        days = self._day_weights()
        slots = []
        for n in range(total):
            source = sources.draw()
            slots.append((self._received_at(source, days), n, source, urgencies.draw()))
        slots.sort()

        people = builder.people_rows
        portal = _portal_person(people)
        fresh = [i for i in range(len(people)) if people[i].pk != portal.pk]
        rng.shuffle(fresh)
        waiting: list[tuple[dt.datetime, int]] = []  # (free to be referred again from, index)
        ready: list[int] = []

        self._portal_story(portal)
        for done, (received_at, _, source, urgent) in enumerate(slots, start=1):
            while waiting and waiting[0][0] <= received_at:
                ready.append(heapq.heappop(waiting)[1])
            if ready and (not fresh or rng.random() < data.RE_REFERRAL_SHARE):
                pick = rng.randrange(len(ready))
                ready[pick], ready[-1] = ready[-1], ready[pick]
                index = ready.pop()
            elif fresh:
                index = fresh.pop()
            else:  # a tiny place: anyone, even someone already referred
                index = rng.randrange(len(people))
            life = self._fresh(received_at, source, urgent, self._who(people[index]))
            ended = life.ended_at()
            if ended is not None:  # referred again, if at all, a while after it closed
                heapq.heappush(waiting, (ended + dt.timedelta(days=rng.randint(14, 120)), index))
            if len(self.tables["referrals"].rows) >= BATCH_SIZE:
                self._write("referrals", "needs", "referral_transitions", "handovers")
                self._write("episodes", "allocations", "contacts")
            if done % 500 == 0 or done == total:
                builder.progress.advance(500 if done % 500 == 0 else done % 500)
        self._write("referrals", "needs", "referral_transitions", "handovers")
        self._write("episodes", "allocations", "contacts")
        self._meetings()
        for name, table in self.tables.items():
            if name not in {"needs", "episode_partners", "agenda_partners"}:
                builder.counts[name] = table.written

    def _write(self, *tables: str) -> None:
        for name in tables:
            self.tables[name].write(self.cursor)

    def _day_weights(self) -> dict[bool, list[float]]:
        """Cumulative weights of the window's days, for people referring themselves (True) and
        for professionals: demand growing, quieter at Christmas and in August, professionals
        referring on working days only."""
        span = (self.now.date() - self.start.date()).days
        weights: dict[bool, list[float]] = {True: [], False: []}
        for d in range(span):
            day = self.start.date() + dt.timedelta(days=d)
            trend = 1 + data.REFERRAL_GROWTH * d / span
            christmas = (day.month, day.day) >= (12, 24) or (day.month, day.day) == (1, 1)
            season = 0.4 if christmas else 0.85 if day.month == 8 else 1.0
            working = day.weekday() < 5 and (day.month, day.day) not in _CLOSED_DAYS
            weights[False].append(trend * season * (1.0 if working else 0.0))
            weights[True].append(trend * season * (1.0 if day.weekday() < 5 else 0.65))
        return {key: list(accumulate(values)) for key, values in weights.items()}

    def _received_at(self, source: str, days: dict[bool, list[float]]) -> dt.datetime:
        rng = self.rng
        is_self = source == Source.SELF
        d = rng.choices(range(len(days[is_self])), cum_weights=days[is_self])[0]
        hours, cumulative = _HOURS[is_self]
        hour = rng.choices(hours, cum_weights=cumulative)[0]
        day = self.start.date() + dt.timedelta(days=d)
        return dt.datetime.combine(day, dt.time(hour, rng.randrange(60)), tzinfo=_LONDON)

    def _who(self, person: Person) -> _Who:
        if person.postcode in self.postcode_area:
            area = self.postcode_area[person.postcode]
        else:  # no fixed abode: registered at a practice, which is somewhere
            area = self.practice_area.get(person.registered_gp_practice_id, 0)
        given, family = person.given_name, person.family_name
        if person.pk == self.portal_pk:  # build_sharing gives their record the sign-in's name
            given, family = self.portal.first_name, self.portal.last_name
        locality = self.builder.areas[area].locality_index
        return _Who(person, given, family, area, locality)

    # --- one referral -----------------------------------------------------------------------

    def _referral(
        self,
        received_at: dt.datetime,
        source: str,
        urgent: bool,
        who: _Who,
        needs: list[str] | None = None,
    ) -> _Life:
        """A new referral as its referrer gave it, held by the locality's front door (its
        community mental health team, as ``front_door_team`` chooses)."""
        rng = self.rng
        person = who.person
        holding = self.cmht[who.locality]
        needs = needs or self._needs(who, urgent)
        practice_id = person.registered_gp_practice_id
        referrer: User | None = None
        organisation_id: int | None = None
        received_reason = ""
        if source == Source.GP:
            if practice_id is None:
                practice_id = rng.choice(self.builder.areas[who.area].practices).pk
            organisation_id = practice_id  # made by the practice's mental health practitioner
            referrer = self._someone(self.pcn[who.area], [Role.PRACTITIONER], received_at)
        elif source == Source.VCSE:
            local = [team for team, served in self.vcse if who.locality in served]
            team = rng.choice([self.care_partners, *local])
            referrer = self._someone(team, [Role.PRACTITIONER], received_at)
            organisation_id = team.organisation_id
        elif source == Source.SOCIAL_CARE:
            referrer = self._someone(self.social_care, [Role.PRACTITIONER], received_at)
            organisation_id = self.council.pk
        elif source == Source.SECONDARY_CARE:
            team = rng.choice([t for t in self.trust_teams if t.pk != holding.pk])
            referrer = self._someone(team, [Role.PRACTITIONER], received_at)
            organisation_id = self.trust.pk
        elif source == Source.OTHER:  # taken by phone and entered by the front door
            referrer = self._someone(holding, _TRIAGE_ROLES, received_at)
            received_reason = f"Phone referral from {rng.choice(data.OTHER_REFERRERS)}."

        is_self = source == Source.SELF
        given_nhs = person.nhs_number and rng.random() < (0.35 if is_self else 0.9)
        methods: list[str] = []
        if person.phone:
            methods.append(ContactMethod.PHONE.value)
            if rng.random() < 0.4:
                methods.append(ContactMethod.TEXT.value)
        if person.email and (not methods or rng.random() < 0.5):
            methods.append(ContactMethod.EMAIL.value)
        if not methods:
            methods.append(ContactMethod.LETTER.value)
        gives_practice = practice_id is not None and (not is_self or rng.random() < 0.75)
        referral = {
            "id": self.new_id(Referral),
            "reference": self._reference(),
            "source": source,
            "referring_organisation_id": organisation_id,
            "referred_by_id": referrer.pk if referrer else None,
            "received_at": received_at,
            "urgency": Urgency.URGENT if urgent else Urgency.ROUTINE,
            "urgency_reason": "Risk described by the referrer" if urgent else "",
            "due_at": received_at + response_time(Urgency.URGENT if urgent else Urgency.ROUTINE),
            "reason_for_referral": data.REASON_FOR_NEED[needs[0]],
            # Staff who look the person up link the referral at once; otherwise triage does.
            "person_id": person.pk if given_nhs and not is_self and rng.random() < 0.6 else None,
            "given_name": who.given_name,
            "family_name": who.family_name,
            "preferred_name": person.preferred_name,
            "date_of_birth": person.date_of_birth,
            "nhs_number": person.nhs_number if given_nhs else "",
            "postcode": person.postcode,
            "address": person.address,
            "phone": person.phone,
            "email": person.email,
            "contact_methods": methods,
            "may_leave_message": rng.random() < 0.6,
            "contact_safety": rng.choice(data.CONTACT_SAFETY) if rng.random() < 0.08 else "",
            "consent_to_contact": is_self or rng.random() < 0.97,
            "gp_practice_id": practice_id if gives_practice else None,
            "preferred_language": person.preferred_language,
            "interpreter_needed": person.interpreter_needed,
            "communication_needs": person.communication_needs,
            "access_needs": person.access_needs,
            "concerns": rng.choice(data.REFERRAL_CONCERNS[needs[0]]),
            "what_would_help": rng.choice(data.WHAT_WOULD_HELP),
            "person_knows": "" if is_self else rng.choice(data.PERSON_KNOWS),
            "person_agreed": is_self or rng.random() < 0.95,
            "locality_id": self.builder.localities[who.locality].pk,
            "team_id": holding.pk,
            "state": State.RECEIVED,
            # Most people referring themselves use the online form, which keys each submission.
            "submission_key": uuid.UUID(int=rng.getrandbits(128), version=4)
            if is_self and rng.random() < 0.8
            else None,
        }
        life = _Life(referral, who, needs, holding, received_at, self.now)
        life.transitions.append(
            {
                "referral_id": referral["id"],
                "name": "received",
                "from_state": State.RECEIVED,
                "to_state": State.RECEIVED,
                "by_id": referral["referred_by_id"],
                "at": received_at,
                "reason": received_reason,
            }
        )
        return life

    def _needs(self, who: _Who, urgent: bool) -> list[str]:
        rng = self.rng
        needs, cumulative = _NEEDS[urgent]
        female = who.person.stated_gender == "2"
        age = who.age_on(self.now.date())
        while True:
            main = rng.choices(needs, cum_weights=cumulative)[0]
            if (main != "perinatal" or (female and age < 46)) and (main != "memory" or age >= 60):
                break
        needs = [main]
        if rng.random() < 0.5:
            needs.append(rng.choice(data.SOCIAL_NEEDS))
        if rng.random() < 0.2:
            needs.append(rng.choice(list(data.REFERRAL_NEED_WEIGHTS)))
        return list(dict.fromkeys(needs))

    def _reference(self) -> str:
        """A reference like ``new_reference`` makes, from the stage's generator."""
        while True:
            chars = "".join(self.rng.choices(_REFERENCE_ALPHABET, k=8))
            reference = f"{chars[:4]}-{chars[4:]}"
            if reference not in self.references:
                self.references.add(reference)
                return reference

    def _someone(self, team: Team, roles: Sequence[str], at: dt.datetime) -> User:
        member = self.staff.pick(self.rng, team, roles, at.date()) or self.staff.pick(
            self.rng, team, _TRIAGE_ROLES, at.date()
        )
        if member is None:
            raise RuntimeError(f"The demo team {team.name} has nobody to act for it.")
        return member.user

    def _fresh(self, received_at: dt.datetime, source: str, urgent: bool, who: _Who) -> _Life:
        """A referral from outside, triaged by the locality's community mental health team."""
        life = self._referral(received_at, source, urgent, who)
        decision = self.decisions.draw()
        try:
            coordinator = self._someone(life.holding, _TRIAGE_ROLES, received_at)
            if decision == "close" and self.rng.random() < 0.35:
                self._person_closes(life, coordinator)
            else:
                start = self._triage_starts(life.referral)
                life.move("start_triage", start, coordinator)
                if life.referral["person_id"] is None:
                    self._identify(life, start, coordinator)
                if decision == "close":
                    self._person_closes(life, coordinator)
                else:
                    self._decide(life, decision, self._decided_at(life.referral), coordinator)
        except _Later:
            pass
        self._finish(life)
        return life

    def _identify(self, life: _Life, at: dt.datetime, by: User) -> None:
        known = life.who.person.pk in self.known
        reason = "Matched to a known person" if known else "Registered as a new person"
        life.identify(at + dt.timedelta(minutes=self.rng.randint(5, 40)), by, reason)

    def _triage_starts(self, referral: Row) -> dt.datetime:
        rng = self.rng
        if referral["urgency"] == Urgency.URGENT:
            lag = dt.timedelta(hours=rng.uniform(0.2, 3))
        else:
            lag = dt.timedelta(hours=rng.choices([1, 20, 44, 68], weights=[35, 40, 15, 10])[0])
            lag += dt.timedelta(minutes=rng.randint(0, 240))
        return _working(referral["received_at"] + lag, rng)

    def _decided_at(self, referral: Row) -> dt.datetime:
        """Routine referrals are decided in about five days (median), urgent ones in a day."""
        rng = self.rng
        if referral["urgency"] == Urgency.URGENT:
            days = rng.lognormvariate(math.log(0.7), 0.6)
        else:
            days = rng.lognormvariate(math.log(4.2), 1.0)
        return _working(referral["received_at"] + dt.timedelta(days=days), rng)

    def _decide(
        self, life: _Life, decision: str, at: dt.datetime, by: User, *, depth: int = 0
    ) -> None:
        if decision == "accept":
            self._accept(life, at, by)
        elif decision == "signpost":
            self._signpost(life, at, by, depth=depth)
        elif decision == "mark_for_meeting":
            self._to_meeting(life, at, by, depth=depth)
        elif decision == "decline":
            self._decline(life, at, by, depth=depth)
        else:
            raise ValueError(decision)

    def _person_closes(self, life: _Life, by: User) -> None:
        """The person ends the referral before a decision: the only closure allowed then."""
        rng = self.rng
        code = self.person_closures.draw()
        at = _working(life.last + dt.timedelta(days=rng.uniform(1, 12)), rng)
        note = rng.choice(data.PERSON_LED_CLOSURE_NOTES[code])
        at = life.move("close", at, by, reason=note, code=code)
        life.referral.update(closed_at=at, closure_reason=code)

    # --- acceptance, the episode of care and its first contacts ------------------------------

    def _accepted_team(self, life: _Life) -> Team:
        rng = self.rng
        kind = self.team_kinds.draw()
        main = life.needs[0]
        age = life.who.age_on(life.referral["received_at"].date())
        early = self.specialists.get(TeamType.EARLY_INTERVENTION)
        if main == "psychosis" and age < 40 and early is not None and rng.random() < 0.7:
            return early
        if kind == "specialist":
            wanted = {
                "psychosis": TeamType.EARLY_INTERVENTION,
                "employment": TeamType.INDIVIDUAL_PLACEMENT_SUPPORT,
                "trauma": TeamType.PERSONALITY_DISORDER,
                "self-harm": TeamType.PERSONALITY_DISORDER,
            }.get(main)
            options = [
                self.specialists[t]
                for t in (wanted, TeamType.ASSERTIVE_OUTREACH, TeamType.COMMUNITY_REHABILITATION)
                if t in self.specialists
            ]
            return options[0] if options else self.cmht[life.who.locality]
        if kind == "cmht" or life.referral["urgency"] == Urgency.URGENT:
            return self.cmht[life.who.locality]
        if kind == "pcn":
            return self.pcn[life.who.area]
        if kind == "vcse":
            local = [team for team, served in self.vcse if life.who.locality in served]
            if local and rng.random() < 0.2:
                return rng.choice(local)
            return self.care_partners
        return self.social_care

    def _accept(
        self,
        life: _Life,
        at: dt.datetime,
        by: User,
        *,
        team: Team | None = None,
        key_worker: User | None = None,
        partners: Sequence[Team] = (),
        reason: str = "",
        allocation_note: str = "Allocated on acceptance",
        stay_open: bool = False,
    ) -> None:
        """Accept to a team: the episode of care opens, a key worker is allocated (at once or at
        the team's allocation meeting), the first contacts happen, and in time it ends."""
        rng = self.rng
        team = team or self._accepted_team(life)
        at = life.move("accept", at, by, reason=reason or f"Accepted by {team.name}.")
        referral = life.referral
        referral.update(accepted_team_id=team.pk, team_id=team.pk)
        episode = self.add(
            "episodes",
            {
                "id": self.new_id(Episode),
                "person_id": life.who.person.pk,
                "referral_id": referral["id"],
                "lead_team_id": team.pk,
                "started_at": at,
            },
        )
        record = _EpisodeRecord(episode, team)
        self.episode_records[life.who.locality].append(record)
        for partner in partners:
            if partner.pk != team.pk:
                self._add_partner(record, partner)

        if key_worker is not None or rng.random() < 0.7:
            allocated_at, allocated_by, note = at, by, allocation_note
        else:
            allocated_at = _working(at + dt.timedelta(days=rng.uniform(1, 8)), rng)
            lead = self.staff.pick(rng, team, _LEAD_ROLES, allocated_at.date())
            allocated_by = lead.user if lead else by
            note = "Allocated at the team's allocation meeting"
        if allocated_at >= self.now:
            raise _Later  # waiting for a key worker
        key_worker = key_worker or self._someone(team, [Role.PRACTITIONER], allocated_at)
        allocation = self.add(
            "allocations",
            {
                "episode_id": episode["id"],
                "key_worker_id": key_worker.pk,
                "started_at": allocated_at,
                "allocated_by_id": allocated_by.pk,
                "reason": note,
            },
        )
        record.key_worker = key_worker

        code, last = self._first_contacts(life, episode, team, key_worker, allocated_at)
        if stay_open:
            raise _Later
        if code is None:
            low, high, mode = _EPISODE_DAYS.get(team.team_type, _SPECIALIST_DAYS)
            ends = max(
                at + dt.timedelta(days=rng.triangular(low, high, mode)),
                last + dt.timedelta(days=rng.uniform(7, 30)),
            )
            code = self.discharges.draw()
        else:
            ends = last + dt.timedelta(days=rng.uniform(10, 21))
        # As discharge_episode: the key worker discharges with a summary for the person and
        # their GP, the allocation ends, and the referral closes with the same reason.
        ends = life.move(
            "close", _working(ends, rng), key_worker, reason="Episode of care ended", code=code
        )
        referral.update(closed_at=ends, closure_reason=code)
        episode.update(
            ended_at=ends,
            discharge_reason=code,
            discharge_summary=data.DISCHARGE_NOTES[code],
            discharged_by_id=key_worker.pk,
        )
        allocation["ended_at"] = ends

    def _add_partner(self, record: _EpisodeRecord, team: Team) -> None:
        record.partners.add(team.pk)
        self.add("episode_partners", {"episode_id": record.row["id"], "team_id": team.pk})

    def _first_contacts(
        self,
        life: _Life,
        episode: Row,
        team: Team,
        key_worker: User,
        allocated_at: dt.datetime,
    ) -> tuple[str | None, dt.datetime]:
        """An assessment (booked again after a missed or cancelled one), then one to three
        further contacts. Returns '05' and when if the person missed the assessment twice, or
        None and when the last of the first contacts was."""
        rng = self.contact_rng
        referral = life.referral
        if referral["urgency"] == Urgency.URGENT:
            due = allocated_at + dt.timedelta(days=rng.uniform(1, 4))
        else:
            due = max(
                referral["received_at"] + dt.timedelta(days=rng.uniform(7, 28)),
                allocated_at + dt.timedelta(days=2),
            )
        starts = _appointment(due, rng)
        booked = allocated_at
        further = rng.randint(1, 3)
        assessed = False
        missed = done = 0
        vcse = team.team_type == TeamType.VCSE_SERVICE
        while True:
            kind = self._contact_kind(assessed, vcse)
            if starts >= self.now:
                # The next appointment is booked; it has not happened yet.
                mode = Mode.FACE_TO_FACE if kind == Kind.ASSESSMENT else Mode.PHONE
                self._contact(life, episode, key_worker, starts, mode, kind, "", booked)
                raise _Later
            if not assessed:
                mode = rng.choices(
                    [Mode.FACE_TO_FACE, Mode.VIDEO, Mode.PHONE], weights=[70, 15, 15]
                )[0]
            else:
                mode = self.modes.draw()
                if mode == Mode.TEXT:
                    kind = Kind.OTHER
            # A text exchange happens or it does not; appointments are sometimes missed.
            outcome = Outcome.ATTENDED if mode == Mode.TEXT else self.attendance.draw()
            recorded = min(self.now - _MINUTE, starts + dt.timedelta(hours=rng.uniform(1, 30)))
            self._contact(life, episode, key_worker, starts, mode, kind, outcome, recorded)
            if not assessed:
                if outcome == Outcome.ATTENDED:
                    assessed = True
                    gap = rng.uniform(7, 21)
                else:
                    missed = missed + 1 if outcome == Outcome.DID_NOT_ATTEND else 0
                    if missed == 2:
                        return "05", starts
                    gap = rng.uniform(4, 12)
            else:
                done += 1
                if done >= further:
                    return None, starts
                gap = rng.uniform(7, 21)
            booked = recorded
            starts = _appointment(starts + dt.timedelta(days=gap), rng)

    def _contact_kind(self, assessed: bool, vcse: bool) -> str:
        rng = self.contact_rng
        if not assessed:
            return Kind.ASSESSMENT
        if vcse:
            options = (Kind.COACHING, Kind.PEER_SUPPORT, Kind.GROUP, Kind.REVIEW)
            weights = (50, 25, 15, 10)
        else:
            options = (Kind.REVIEW, Kind.COACHING, Kind.OTHER, Kind.PEER_SUPPORT, Kind.GROUP)
            weights = (45, 20, 20, 10, 5)
        return rng.choices(options, weights=weights)[0]

    def _contact(
        self,
        life: _Life,
        episode: Row,
        practitioner: User,
        starts: dt.datetime,
        mode: str,
        kind: str,
        outcome: str,
        recorded_at: dt.datetime,
    ) -> None:
        rng = self.contact_rng
        if outcome != Outcome.ATTENDED:
            duration = None
        elif mode == Mode.TEXT:
            duration = rng.randint(5, 10)
        elif kind == Kind.ASSESSMENT:
            duration = rng.choice([60, 75, 90])
        else:
            duration = rng.choice([30, 45, 50, 60])
        contact = self.add(
            "contacts",
            {
                "episode_id": episode["id"],
                "practitioner_id": practitioner.pk,
                "team_id": episode["lead_team_id"],
                "starts_at": starts,
                "mode": mode,
                "kind": kind,
                "outcome": outcome,
                "duration_minutes": duration,
                "recorded_by_id": practitioner.pk,
                "recorded_at": recorded_at,
            },
        )
        life.contacts.append(contact)

    # --- signposting, declining and the follow-ups -------------------------------------------

    def _service_for(self, life: _Life, exclude: uuid.UUID | None = None) -> _Service:
        """A directory service for the person: most often one serving their locality and
        meeting one of their needs; VCSE services first."""
        rng = self.rng
        locality = life.referral["locality_id"]
        age = life.who.age_on(life.referral["received_at"].date())
        pools = [
            self.needed_services[(locality, need)]
            for need in life.needs
            if (locality, need) in self.needed_services
        ]
        for _ in range(12):
            draw = rng.random()
            if pools and draw < 0.7:
                pool = rng.choice(pools)
            elif draw < 0.9 and locality in self.local_services:
                pool = self.local_services[locality]
            else:
                pool = self.all_services
            service = pool.choose(rng)
            if service.pk != exclude and service.serves(age):
                return service
        return self.all_services.choose(rng)

    def _handover(
        self,
        life: _Life,
        kind: str,
        at: dt.datetime,
        by: User,
        passed_on: str,
        told_person: str,
        *,
        service: _Service | None = None,
        team: Team | None = None,
    ) -> Row:
        return self.add(
            "handovers",
            {
                "referral_id": life.referral["id"],
                "kind": kind,
                "service_id": service.pk if service else None,
                "team_id": team.pk if team else None,
                "passed_on": passed_on,
                "told_person": told_person,
                "follow_up_on": (at + dt.timedelta(days=self.rng.randint(10, 28))).date(),
                "created_by_id": by.pk,
                "created_at": at,
            },
        )

    def _signpost(self, life: _Life, at: dt.datetime, by: User, *, depth: int) -> None:
        rng = self.rng
        service = self._service_for(life, exclude=life.last_service)
        passed_on = rng.choice(data.SIGNPOST_PASSED_ON).format(service=service.name)
        told = rng.choice(data.SIGNPOST_TOLD_PERSON).format(service=service.name)
        at = life.move("signpost", at, by, reason=passed_on)
        handover = self._handover(
            life, HandoverKind.SIGNPOST, at, by, passed_on, told, service=service
        )
        life.last_service = service.pk
        self._follow_up(life, handover, depth=depth)

    def _decline(self, life: _Life, at: dt.datetime, by: User, *, depth: int) -> None:
        """Decline, always with a named alternative: a directory service, or now and then a
        team (the Care Partners or social care), which gets an onward referral."""
        rng = self.rng
        code = "02" if rng.random() < 0.85 else "03"
        team = service = None
        if rng.random() < 0.25:
            team = self.care_partners if rng.random() < 0.6 else self.social_care
            where = team.name
        else:
            service = self._service_for(life)
            where = service.name
            life.last_service = service.pk
        told = rng.choice(data.DECLINE_TOLD_PERSON).format(service=where)
        passed_on = rng.choice(data.SIGNPOST_PASSED_ON).format(service=where)
        at = life.move("decline", at, by, reason=rng.choice(data.DECLINE_REASONS[code]), code=code)
        life.referral.update(rejected_at=at, rejection_reason=code)
        handover = self._handover(
            life, HandoverKind.ALTERNATIVE, at, by, passed_on, told, service=service, team=team
        )
        onward = None
        if team is not None:
            onward = self._onward(life, team, at, by, passed_on, told)
            handover["onward_referral_id"] = onward.referral["id"]
        self._follow_up(life, handover, depth=depth, onward=onward)

    def _onward(
        self, parent: _Life, team: Team, at: dt.datetime, by: User, passed_on: str, told: str
    ) -> _Life:
        """The referral a warm handover to a team makes: held and triaged by that team."""
        rng = self.rng
        source = parent.referral
        referral = {
            **{name: source[name] for name in _ONWARD_COPIES},
            "id": self.new_id(Referral),
            "reference": self._reference(),
            "source": Source.SECONDARY_CARE,  # what source_for gives the trust's staff
            "referred_by_id": by.pk,
            "received_at": at,
            "person_id": parent.who.person.pk,
            "onward_from_id": source["id"],
            "team_id": team.pk,
            "concerns": passed_on,
            "person_knows": told,
            "person_agreed": True,
            "state": State.RECEIVED,
        }
        life = _Life(referral, parent.who, parent.needs, team, at, self.now)
        life.transitions.append(
            {
                "referral_id": referral["id"],
                "name": "received",
                "from_state": State.RECEIVED,
                "to_state": State.RECEIVED,
                "by_id": by.pk,
                "at": at,
                "reason": f"Warm handover from referral {source['reference']}",
            }
        )
        parent.onward.append(life)
        try:
            coordinator = self._someone(team, _TRIAGE_ROLES, at)
            life.move("start_triage", self._triage_starts(referral), coordinator)
            decided = self._decided_at(referral)
            if rng.random() < 0.85:
                self._accept(life, decided, coordinator, team=team)
            else:
                self._signpost(life, decided, coordinator, depth=1)
        except _Later:
            pass
        self._finish(life)
        return life

    def _follow_up(
        self, life: _Life, handover: Row, *, depth: int, onward: _Life | None = None
    ) -> None:
        """Check that the person connected, on or a few days after the follow-up date: close
        the referral, or bring it back to triage for another next step."""
        rng = self.rng
        outcome = self.follow_ups.draw()
        if onward is not None and onward.referral.get("accepted_team_id"):
            outcome = FollowUpOutcome.CONNECTED
        if depth >= 1 and outcome == FollowUpOutcome.NOT_CONNECTED:
            outcome = FollowUpOutcome.CONNECTED  # the second try mostly works
        # Recorded on the day or within the week mostly, the person and the service being hard
        # to reach at times; 'no reply' only after trying for a week or more. Until then the
        # follow-up waits on the coordinator's list.
        late = rng.choices(_FOLLOW_UP_HOURS, weights=_FOLLOW_UP_WEIGHTS)[0]
        if outcome == FollowUpOutcome.NO_REPLY:
            late += rng.randint(7, 12) * 24
        due = dt.datetime.combine(handover["follow_up_on"], dt.time(9), tzinfo=_LONDON)
        at = _working(due + dt.timedelta(hours=late), rng)
        if at >= self.now:
            raise _Later
        by = self._someone(life.holding, _TRIAGE_ROLES, at)
        if outcome == FollowUpOutcome.NOT_CONNECTED:
            note = rng.choice(data.NOT_CONNECTED_NOTES)
            at = life.move("return_to_triage", at, by, reason=f"Follow-up: {note}")
            _record(handover, outcome, note, by, at)
            again = _working(at + dt.timedelta(days=rng.uniform(1, 7)), rng)
            if rng.random() < 0.6:
                self._signpost(life, again, by, depth=depth + 1)
            else:
                self._accept(life, again, by)
            return
        note = rng.choice(data.FOLLOW_UP_NOTES[outcome])
        code = FOLLOW_UP_CLOSURES[FollowUpOutcome(outcome)]
        label = FollowUpOutcome(outcome).label
        at = life.move("close", at, by, reason=f"Follow-up: {label}. {note}", code=code)
        _record(handover, outcome, note, by, at)
        life.referral.update(closed_at=at, closure_reason=code)

    # --- locality meetings ------------------------------------------------------------------

    def _plan_meetings(self) -> None:
        """Every locality meets every other week on its own day and time, up to its first
        meeting a day or more after now (so a referral marked for a meeting always has one)."""
        rng = self.meeting_rng
        for index, locality in enumerate(self.builder.localities):
            weekday, time = data.MEETING_SLOTS[index % len(data.MEETING_SLOTS)]
            day = self.start.date() + dt.timedelta(days=(weekday - self.start.weekday()) % 7)
            town = data.LOCALITIES[index].areas[0].name
            cmht = self.cmht[index]
            meetings: list[_Meeting] = []
            while True:
                starts = dt.datetime.combine(day, time, tzinfo=_LONDON)
                chair = self.staff.pick(rng, cmht, _LEAD_ROLES, day)
                organiser = self.staff.pick(rng, cmht, _TRIAGE_ROLES, day) or chair
                assert organiser is not None  # every CMHT has a coordinator
                row = {
                    "id": self.new_id(LocalityMeeting),
                    "locality_id": locality.pk,
                    "starts_at": starts,
                    "place": data.MEETING_PLACE.format(town=town),
                    "chair_id": chair.user.pk if chair else None,
                    "created_by_id": organiser.user.pk,
                    "created_at": min(self.now, starts) - dt.timedelta(days=14),
                }
                meetings.append(_Meeting(row, index, chair.user if chair else None, organiser.user))
                if starts >= self.now + dt.timedelta(days=1):
                    break
                day += dt.timedelta(days=data.MEETING_INTERVAL_DAYS)
            self.schedule.append(meetings)

    def _next_meeting(self, locality: int, after: dt.datetime) -> _Meeting | None:
        meetings = self.schedule[locality]
        index = bisect.bisect_left(meetings, after, key=lambda m: m.starts_at)
        return meetings[index] if index < len(meetings) else None

    def _to_meeting(self, life: _Life, at: dt.datetime, by: User, *, depth: int) -> None:
        """Mark for the locality's next meeting (at least a day ahead), which decides: a lead
        team and key worker, a joint offer, a warm handover, or more information first."""
        rng = self.rng
        why = rng.choice(data.MEETING_WHY)
        at = life.move("mark_for_meeting", at, by, reason=why)
        locality = life.who.locality
        meeting = self._next_meeting(locality, at + dt.timedelta(days=1))
        if meeting is None:
            raise _Later
        item = {
            "id": self.new_id(AgendaItem),
            "meeting_id": meeting.row["id"],
            "referral_id": life.referral["id"],
            "why": why,
            "added_by_id": by.pk,
        }
        partners: list[Team] = []
        self.agenda.append((meeting, at, item, partners))
        if meeting.starts_at >= self.now:
            raise _Later
        decision = self.meeting_decisions.draw()
        decided_at = meeting.starts_at + dt.timedelta(minutes=rng.randint(5, 100))
        chair = meeting.chair or by
        note = rng.choice(data.MEETING_DECISION_NOTES[decision])
        item.update(
            decision=decision, decision_note=note, decided_by_id=chair.pk, decided_at=decided_at
        )
        if decision in (Decision.ALLOCATE, Decision.JOINT_OFFER):
            if decision == Decision.JOINT_OFFER:
                team = self.cmht[locality] if rng.random() < 0.7 else self.pcn[life.who.area]
                options = [self.care_partners, self.social_care] + [
                    t for t, served in self.vcse if locality in served
                ]
                partners.extend(rng.sample(options, rng.randint(1, 2)))
            else:
                team = self._accepted_team(life)
            key_worker = self._someone(team, [Role.PRACTITIONER], decided_at)
            item.update(lead_team_id=team.pk, key_worker_id=key_worker.pk)
            self._accept(
                life,
                decided_at,
                chair,
                team=team,
                key_worker=key_worker,
                partners=partners,
                reason=f"Locality meeting: {note}",
                allocation_note="Allocated at the locality meeting",
            )
        elif decision == Decision.SIGNPOST:
            self._signpost(life, decided_at, chair, depth=depth)
        else:
            reason = f"Locality meeting: {note}"
            at = life.move("return_to_triage", decided_at, chair, reason=reason)
            again = _working(at + dt.timedelta(days=rng.uniform(2, 10)), rng)
            coordinator = self._someone(life.holding, _TRIAGE_ROLES, again)
            if rng.random() < 0.6:
                self._accept(life, again, coordinator)
            else:
                self._signpost(life, again, coordinator, depth=depth)

    def _meetings(self) -> None:
        """Write the meetings with who came and what they discussed: the referrals marked for
        them and, now and then, someone's open episode of care."""
        builder = self.builder
        meetings = [m for schedule in self.schedule for m in schedule]
        builder.progress.start("Locality meetings", len(meetings))
        items: dict[int, list[tuple[dt.datetime, Row, list[Team]]]] = defaultdict(list)
        for meeting, at, item, partners in self.agenda:
            items[meeting.row["id"]].append((at, item, partners))
        rng = self.meeting_rng
        for locality, schedule in enumerate(self.schedule):
            records = sorted(self.episode_records[locality], key=lambda r: r.row["started_at"])
            for meeting in schedule:
                self.add("locality_meetings", meeting.row)
                if meeting.starts_at >= self.now:
                    continue
                self._attendees(meeting)
                for _ in range(rng.choices([0, 1, 2], weights=[55, 35, 10])[0]):
                    found = self._episode_item(meeting, records, items[meeting.row["id"]])
                    if found is not None:
                        items[meeting.row["id"]].append(found)
        for meeting_items in items.values():
            meeting_items.sort(key=lambda entry: entry[0])
            for position, (_, item, partners) in enumerate(meeting_items, start=1):
                item["position"] = position
                self.add("agenda_items", item)
                for team in partners:
                    self.add("agenda_partners", {"agendaitem_id": item["id"], "team_id": team.pk})
        self._write(*self.tables)
        builder.progress.advance(len(meetings))

    def _episode_item(
        self,
        meeting: _Meeting,
        records: list[_EpisodeRecord],
        items: list[tuple[dt.datetime, Row, list[Team]]],
    ) -> tuple[dt.datetime, Row, list[Team]] | None:
        """An open episode someone brings to the meeting: a joint offer with a partner team,
        or more to find out first."""
        rng = self.meeting_rng
        cutoff = meeting.starts_at - dt.timedelta(days=28)
        earlier = bisect.bisect_right(records, cutoff, key=lambda r: r.row["started_at"])
        if not earlier:
            return None
        on_agenda = {item.get("episode_id") for _, item, _ in items}
        for _ in range(10):
            record = records[rng.randrange(earlier)]
            ended = record.row.get("ended_at")
            still_open = ended is None or ended > meeting.starts_at
            if still_open and record.key_worker and record.row["id"] not in on_agenda:
                break
        else:
            return None
        decided_at = meeting.starts_at + dt.timedelta(minutes=rng.randint(60, 110))
        decider = meeting.chair or meeting.created_by
        item = {
            "id": self.new_id(AgendaItem),
            "meeting_id": meeting.row["id"],
            "episode_id": record.row["id"],
            "why": rng.choice(data.EPISODE_AGENDA_WHY),
            "added_by_id": record.key_worker.pk,
            "decided_by_id": decider.pk,
            "decided_at": decided_at,
            "decision": Decision.MORE_INFORMATION,
            "decision_note": "Key worker to talk it through with the person and bring back.",
        }
        partners: list[Team] = []
        lead = record.lead_team
        options = [
            t
            for t in (self.care_partners, self.social_care)
            if t.pk != lead.pk and t.pk not in record.partners
        ]
        if options and rng.random() < 0.6:
            partner = rng.choice(options)
            partners.append(partner)
            self._add_partner(record, partner)
            item.update(
                decision=Decision.JOINT_OFFER,
                lead_team_id=lead.pk,
                decision_note=f"Joint offer: {partner.name} to work alongside {lead.name}.",
            )
        return decided_at, item, partners

    def _attendees(self, meeting: _Meeting) -> None:
        """Five to nine staff from at least three organisations: the CMHT's chair, coordinator
        and practitioners, PCN mental health practitioners, the VCSE alliance and social care;
        now and then a guest without an account."""
        rng = self.meeting_rng
        locality = meeting.locality
        day = meeting.starts_at.date()
        cmht = self.cmht[locality]
        pcns = [
            self.pcn[i] for i, p in enumerate(self.builder.areas) if p.locality_index == locality
        ]
        vcse = [t for t, served in self.vcse if locality in served]
        wanted: list[tuple[Team, Sequence[str]]] = [
            (cmht, [Role.COORDINATOR]),
            *[(cmht, [Role.PRACTITIONER])] * rng.randint(1, 2),
            *[(rng.choice(pcns), [Role.PRACTITIONER])] * rng.randint(1, 2),
            (self.care_partners, [Role.PRACTITIONER, Role.COORDINATOR]),
        ]
        if vcse and rng.random() < 0.6:
            wanted.append((rng.choice(vcse), [Role.PRACTITIONER]))
        if rng.random() < 0.7:
            wanted.append((self.social_care, [Role.PRACTITIONER]))
        seen: set[int] = set()
        rows = 0
        if meeting.chair is not None:
            seen.add(meeting.chair.pk)
            title = next(
                (
                    m.job_title
                    for role in _LEAD_ROLES
                    for m in self.staff.members.get((cmht.pk, role), [])
                    if m.user.pk == meeting.chair.pk
                ),
                "",
            )
            self._attendee(meeting, meeting.chair, cmht, f"Chair: {title}" if title else "Chair")
            rows += 1
        for team, roles in wanted:
            for _ in range(3):
                member = self.staff.pick(rng, team, roles, day)
                if member is not None and member.user.pk not in seen:
                    seen.add(member.user.pk)
                    self._attendee(meeting, member.user, team, member.job_title)
                    rows += 1
                    break
        if rows < 9 and rng.random() < 0.1:
            first, last = self.builder._staff_name(rng)
            self.add(
                "meeting_attendees",
                {
                    "meeting_id": meeting.row["id"],
                    "name": f"{first} {last}",
                    "organisation_id": self.council.pk,
                    "role": rng.choice(data.MEETING_GUEST_ROLES),
                },
            )

    def _attendee(self, meeting: _Meeting, user: User, team: Team, role: str) -> None:
        self.add(
            "meeting_attendees",
            {
                "meeting_id": meeting.row["id"],
                "user_id": user.pk,
                "name": f"{user.first_name} {user.last_name}",
                "organisation_id": team.organisation_id,
                "role": role,
            },
        )

    # --- the person who uses the portal -------------------------------------------------------

    def _portal_story(self, person: Person) -> None:
        """The portal's person: referred by their GP ten weeks ago, accepted by their
        locality's team (the demo key worker's, if it is theirs) with the Care Partners
        alongside, seen a few times, with the next appointment booked."""
        rng = self.rng
        self.portal_pk = person.pk
        who = self._who(person)
        received = _working(self.now - dt.timedelta(days=70), rng)
        life = self._referral(received, Source.GP, False, who, needs=["low-mood", "loneliness"])
        life.referral["person_id"] = person.pk
        team = self.cmht[who.locality]
        featured = self.builder.sign_in_users.get("practitioner")
        on_team = featured is not None and self.staff.is_in(featured, team, Role.PRACTITIONER)
        try:
            coordinator = self._someone(team, _TRIAGE_ROLES, received)
            started = _working(received + dt.timedelta(hours=20), rng)
            life.move("start_triage", started, coordinator)
            self._accept(
                life,
                _working(received + dt.timedelta(days=6), rng),
                coordinator,
                team=team,
                key_worker=featured if on_team else None,
                partners=[self.care_partners],
                reason="Accepted with a Care Partner alongside for day-to-day support.",
                stay_open=True,
            )
        except _Later:
            pass
        self._finish(life)

    # --- finishing ---------------------------------------------------------------------------

    def _finish(self, life: _Life) -> None:
        """The referral's last details: its version, when it last changed, and the first and
        second attended direct contacts (as ``care.services.refresh_waiting_clock`` sets them)."""
        referral = life.referral
        referral["version"] = len(life.transitions)
        referral["updated_at"] = life.last
        attended = [
            c["starts_at"]
            for c in life.contacts
            if c["outcome"] == Outcome.ATTENDED and c["mode"] in DIRECT_MODES
        ]
        referral["first_contact_at"] = attended[0] if attended else None
        referral["second_contact_at"] = attended[1] if len(attended) > 1 else None
        self.add("referrals", referral)
        for code in life.needs:
            if code in self.terms:
                self.add(
                    "needs", {"referral_id": referral["id"], "taxonomyterm_id": self.terms[code]}
                )
        self.tables["referral_transitions"].rows.extend(life.transitions)
        self.known.add(life.who.person.pk)


def _record(handover: Row, outcome: str, note: str, by: User, at: dt.datetime) -> None:
    handover.update(outcome=outcome, outcome_note=note, outcome_by_id=by.pk, outcome_at=at)


def _portal_person(people: Sequence[Person]) -> Person:
    """The person the portal sign-in is linked to (``build_sharing`` picks the same one)."""
    return next(p for p in people if p.nhs_number)


def _working(at: dt.datetime, rng: random.Random) -> dt.datetime:
    """``at`` (to the minute) if it is in working hours (9:00 to 17:00, Monday to Friday),
    otherwise a moment early on the next working day."""
    local = at.astimezone(_LONDON).replace(second=0, microsecond=0)
    if (
        local.weekday() < 5
        and 9 <= local.hour < 17
        and (local.month, local.day) not in _CLOSED_DAYS
    ):
        return local
    day = local.date() if local.hour < 9 else local.date() + dt.timedelta(days=1)
    while day.weekday() >= 5 or (day.month, day.day) in _CLOSED_DAYS:
        day += dt.timedelta(days=1)
    moment = dt.datetime.combine(day, dt.time(9), tzinfo=_LONDON)
    return moment + dt.timedelta(minutes=rng.randint(0, 150))


def _appointment(due: dt.datetime, rng: random.Random) -> dt.datetime:
    """An appointment slot on the first working day on or after ``due``."""
    day = due.astimezone(_LONDON).date()
    while day.weekday() >= 5 or (day.month, day.day) in _CLOSED_DAYS:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, rng.choice(_APPOINTMENTS), tzinfo=_LONDON)


def flush_referrals(*, people: QuerySet, organisations: QuerySet) -> dict[str, int]:
    """Delete the referrals about the place's people or held by its teams, with their episodes,
    contacts, handovers and the place's locality meetings, in dependency order.

    The big tables nothing points at go first, one statement each; then the episodes and
    referrals, also in one statement each unless something else still points at them."""
    referrals = Referral.objects.filter(
        Q(team__organisation__in=organisations)
        | Q(person__in=people)
        | Q(locality__code__startswith=data.LOCALITY_CODE_PREFIX)
    )
    meetings = LocalityMeeting.objects.filter(locality__code__startswith=data.LOCALITY_CODE_PREFIX)
    episodes = Episode.objects.filter(Q(referral__in=referrals) | Q(person__in=people))
    AgendaItem.objects.filter(
        Q(meeting__in=meetings) | Q(referral__in=referrals) | Q(episode__in=episodes)
    ).delete()
    deleted = {"locality_meetings": _count(meetings.delete(), LocalityMeeting)}
    deleted["contacts"] = _count(Contact.objects.filter(episode__in=episodes).delete(), Contact)
    Allocation.objects.filter(episode__in=episodes).delete()
    Episode.partner_teams.through.objects.filter(episode__in=episodes).delete()
    deleted["episodes"] = _delete(episodes)
    Handover.objects.filter(Q(referral__in=referrals) | Q(onward_referral__in=referrals)).delete()
    Transition.objects.filter(referral__in=referrals).delete()
    Referral.needs.through.objects.filter(referral__in=referrals).delete()
    # A referral a warm handover made protects the one it came from: it goes first.
    deleted["referrals"] = 0
    while True:
        leaves = referrals.exclude(
            pk__in=Referral.objects.filter(onward_from__isnull=False).values("onward_from")
        )
        removed = _delete(leaves)
        deleted["referrals"] += removed
        if not removed:
            return deleted


def _delete(queryset: QuerySet) -> int:
    """Delete the rows in one statement when no row of any other table points at them, as is
    usual once the tables above are emptied. Otherwise (say someone has added a care plan to a
    demo episode) Django's collector deletes them, cascading or protecting as each relation says:
    it fetches every row and asks each related table about all of them at once, which takes
    seconds for a county's worth of referrals."""
    model = queryset.model
    for relation in model._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.on_delete is DO_NOTHING:
            continue
        pointing = relation.related_model._base_manager.filter(
            **{f"{relation.field.name}__in": queryset.values("pk")}
        )
        if pointing.exists():
            return _count(queryset.delete(), model)
    return queryset._raw_delete(queryset.db)


def _count(result: tuple[int, dict[str, int]], model: type[Model]) -> int:
    return result[1].get(model._meta.label, 0)
