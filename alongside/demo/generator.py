"""The synthetic place generator behind ``alongside demo``.

``generate(seed, people)`` builds the county of Wyvern (see ``data``) in one transaction: its
localities and postcodes, the organisations and teams of its integrated community mental health
system, their staff with the fixed demo sign-ins, the people who need support, the service
directory (``directory``), and 18 months of referrals with what became of them — triage, warm
handovers and follow-ups, episodes of care and their first contacts, and the fortnightly locality
meetings (``referrals``); then the key working in each episode (``care``) and the outcome
measures people completed in it (``outcomes``). Rows are written in bulk. The same seed and size
give exactly the same rows: every random choice comes from a private ``random.Random`` seeded per
stage, and every date is counted back from the day the place is made as of (``as_of``: today
unless given), so the place always looks like a service at work on that day.

This module is the synthetic-data writer, so it writes models directly rather than through each
app's services; the rows it writes are the rows those services would accept (a test runs
``full_clean`` over a sample). Later stages of the pathway (care plans, outcomes, the full
contact history...) are added here as further ``PlaceBuilder`` steps, and to ``flush`` in
dependency order.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import re
import zoneinfo
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Protocol, TypeVar

import pgtrigger
from django.contrib.auth.hashers import get_hasher, make_password
from django.db import connection, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.crypto import RANDOM_STRING_CHARS
from django.utils.text import slugify

from alongside.accounts.models import User
from alongside.care.models import (
    Allocation,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    IntensityChange,
    PlanNote,
)
from alongside.core.dates import add_months
from alongside.core.validators import nhs_check_digit
from alongside.demo import data
from alongside.demo.care import build_key_working, flush_key_working
from alongside.demo.coproduction import build_coproduction, flush_coproduction
from alongside.demo.directory import build_directory, flush_directory
from alongside.demo.models import DemoPlace
from alongside.demo.outcomes import build_outcomes, flush_outcomes
from alongside.demo.referrals import build_referrals, flush_referrals
from alongside.demo.sign_ins import DEMO_PASSWORD, DEMO_SIGN_INS
from alongside.demo.supervision import MODELS as SUPERVISION_MODELS
from alongside.demo.supervision import build_supervision, flush_supervision
from alongside.demo.workforce import build_workforce, flush_workforce
from alongside.meetings.models import AgendaItem, Attendee, LocalityMeeting
from alongside.organisations.models import (
    Alliance,
    Locality,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
    Team,
    TeamType,
)
from alongside.outcomes.models import MeasureSchedule, Response, ResponseGoal, Score
from alongside.people.models import ETHNIC_GROUPS, GenderIdentity, Person, StatedGender
from alongside.places.models import Postcode, ResidentDimension, Residents
from alongside.referrals.models import Handover, Referral, Transition
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    BreakGlass,
    Consent,
    ConsentMethod,
    Part,
    ReviewOutcome,
)
from alongside.supervision.models import SupervisionSession

K = TypeVar("K", bound=Hashable)
_LONDON = zoneinfo.ZoneInfo("Europe/London")

DEFAULT_SEED = 2026
SCALES: dict[str, int] = {"demo": 2_000, "county": 25_000}
BATCH_SIZE = 2_000

# Staff grow with the number of people, up to three times the demo's teams.
_PEOPLE_PER_STAFF_STEP = 2_000
_MAX_STAFF_FACTOR = 3.0
# From this many people the trust also runs its specialist community teams.
_COUNTY_TEAMS_FROM = 10_000

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # the letters Royal Mail uses in the inward code
_AREA_WEIGHTS = (0.45, 0.30, 0.25)  # each locality's main town, then its smaller areas
_ROLE_ORDER = (
    Role.TEAM_LEAD,
    Role.COORDINATOR,
    Role.SUPERVISOR,
    Role.PRACTITIONER,
    Role.ANALYST,
    Role.ORG_ADMIN,
    Role.PRIVACY_LEAD,
)
_SCALED_ROLES = {Role.COORDINATOR, Role.SUPERVISOR, Role.PRACTITIONER}
# In clinical teams a senior practitioner who supervises often carries a small caseload too, and
# a team lead often supervises: some hold a second role in the same team.
_ALSO_HOLDS = {Role.SUPERVISOR: Role.PRACTITIONER, Role.TEAM_LEAD: Role.SUPERVISOR}
_MEMBERSHIP_HISTORY_TRIGGERS = (
    "organisations.Membership:insert_insert",
    "organisations.Membership:update_update",
)
_HISTORY_TRIGGERS = (
    "people.Person:insert_insert",
    "people.Person:update_update",
    "sharing.Consent:insert_insert",
    "sharing.Consent:update_update",
    "sharing.BreakGlass:insert_insert",
    "sharing.BreakGlass:update_update",
    "directory.Service:insert_insert",
    "directory.Service:update_update",
    "referrals.Referral:insert_insert",
    "referrals.Referral:update_update",
    "care.Episode:insert_insert",
    "care.Episode:update_update",
)
# Shares of people who agreed to share their record: with the trust, and with one VCSE partner.
_CONSENT_TO_TRUST = 0.85
_CONSENT_TO_VCSE = 0.30
_CONSENT_WITHDRAWN = 0.03
# The portal person's age on the place's date.
_PORTAL_AGE = 38
# The reason triage records when it registers a new person (``referrals.services``).
_REGISTERED = "Registered as a new person"
# The fixed sign-ins started on the first of the month this many months before the place's date.
_SIGN_INS_IN_POST_MONTHS = 31
_FEMALE_RELATIONSHIPS = {"Mother", "Wife", "Daughter", "Sister", "Grandmother"}
_MALE_RELATIONSHIPS = {"Father", "Husband", "Son", "Brother"}


class Progress(Protocol):
    """Where the generator reports what it is doing; the command shows it as a progress bar."""

    def start(self, label: str, total: int) -> None: ...

    def advance(self, amount: int) -> None: ...


class _Silent:
    def start(self, label: str, total: int) -> None:
        pass

    def advance(self, amount: int) -> None:
        pass


def generate(
    seed: int = DEFAULT_SEED,
    people: int = SCALES["demo"],
    *,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
) -> dict[str, int]:
    """Build the synthetic place as of ``as_of`` (today unless given) in one transaction; return
    how many rows of each kind it wrote. The same seed, size and date give the same rows."""
    if people < 1:
        raise ValueError("The place needs at least one person.")
    with transaction.atomic():
        builder = PlaceBuilder(seed=seed, people=people, as_of=as_of, progress=progress)
        counts = builder.build()
        DemoPlace.objects.all().delete()
        DemoPlace.objects.create(seed=seed, people=people, as_of=builder.as_of)
        return counts


def demo_place_loaded() -> bool:
    """Whether the generator's rows (or any of its fixed sign-ins) are in the database."""
    return (
        Locality.objects.filter(code__startswith=data.LOCALITY_CODE_PREFIX).exists()
        or User.objects.filter(username__in=[s.username for s in DEMO_SIGN_INS]).exists()
    )


def loaded_place() -> DemoPlace | None:
    """What the loaded demo place was made with, or None when no demo place is loaded.

    A place loaded before the generator recorded it has no ``DemoPlace`` row; for it, an
    unsaved one is worked out from its rows: the day after the latest thing recorded in it (a
    referral received, a step taken, a contact or session written up; a day or two early when
    it was made as of a Monday), its number of people and the default seed (``pk`` is None, so
    the caller can say it was worked out).
    """
    if not demo_place_loaded():
        return None
    recorded = DemoPlace.objects.order_by("-loaded_at").first()
    if recorded is not None:
        return recorded
    people = _place_people()
    latest = [
        moment
        for moment in (
            Referral.objects.filter(person__in=people).aggregate(m=Max("received_at"))["m"],
            Transition.objects.filter(referral__person__in=people).aggregate(m=Max("at"))["m"],
            Contact.objects.filter(episode__person__in=people).aggregate(m=Max("recorded_at"))["m"],
            SupervisionSession.objects.aggregate(m=Max("recorded_at"))["m"],
        )
        if moment is not None
    ]
    as_of = (
        timezone.localdate(max(latest)) + dt.timedelta(days=1) if latest else timezone.localdate()
    )
    return DemoPlace(
        seed=DEFAULT_SEED, people=max(1, people.count()), as_of=min(as_of, timezone.localdate())
    )


def made_since(place: DemoPlace) -> dict[str, int]:
    """Records of the place's kinds made on or after the day it was made as of: by people using
    it, since the generator writes nothing at or after its 'now' (booked appointments and
    meetings are dated ahead but were recorded before). A flush would delete them."""
    now = dt.datetime.combine(place.as_of, dt.time(0), tzinfo=_LONDON)
    since = {
        "people": Person.objects.filter(created_at__gt=place.loaded_at) if place.pk else None,
        "referrals": Referral.objects.filter(received_at__gte=now),
        "referral steps": Transition.objects.filter(at__gte=now),
        "contacts": Contact.objects.filter(recorded_at__gte=now),
        "care plan versions": CarePlanVersion.objects.filter(created_at__gte=now),
        "goal ratings": GoalRating.objects.filter(rated_at__gte=now),
        "plan notes": PlanNote.objects.filter(written_at__gte=now),
        "questionnaire responses": Response.objects.filter(started_at__gte=now),
        "supervision sessions": SupervisionSession.objects.filter(recorded_at__gte=now),
        "consents": Consent.objects.filter(recorded_at__gte=now),
        "locality meetings": LocalityMeeting.objects.filter(created_at__gte=now),
    }
    counts = {name: rows.count() for name, rows in since.items() if rows is not None}
    return {name: n for name, n in counts.items() if n}


def _place_people() -> QuerySet[Person]:
    organisations = Organisation.objects.filter(website__endswith=f"{data.DOMAIN_SUFFIX}/")
    return Person.objects.filter(
        Q(postcode__regex=rf"^{data.POSTCODE_AREA}[0-9]")
        | Q(registered_gp_practice__in=organisations)
    )


def flush() -> dict[str, int]:
    """Delete everything the generator made, found by its markers, in dependency order.

    The markers: locality codes starting ``wyvern-``, postcodes in the ``WY`` area, and web and
    email domains under the reserved ``.example`` top-level domain.
    """
    postcode_pattern = rf"^{data.POSTCODE_AREA}[0-9]"
    organisations = Organisation.objects.filter(website__endswith=f"{data.DOMAIN_SUFFIX}/")
    users = User.objects.filter(
        Q(email__iendswith=data.DOMAIN_SUFFIX) | Q(username__in=[s.username for s in DEMO_SIGN_INS])
    )
    deleted: dict[str, int] = {}
    people = _place_people()
    episodes = Episode.objects.filter(
        Q(person__in=people) | Q(lead_team__organisation__in=organisations)
    )
    with transaction.atomic():
        # Outcome measures first (responses point at episodes, goals and their ratings), then
        # key working (plans, goals, care teams, intensity changes hang off episodes), then
        # referrals, episodes and meetings: they point at people, teams, staff and services.
        # Supervision before all of them: it points at episodes, intensity changes and staff.
        # Co-production first: its reviews, experts and preferences point at teams,
        # organisations, staff and people.
        deleted.update(
            flush_coproduction(episodes=episodes, organisations=organisations, users=users)
        )
        deleted.update(flush_workforce(episodes=episodes, organisations=organisations, users=users))
        deleted.update(flush_supervision(users=users, episodes=episodes))
        deleted.update(flush_outcomes(episodes=episodes, organisations=organisations))
        deleted.update(flush_key_working(episodes))
        deleted.update(flush_referrals(people=people, organisations=organisations))
        # The directory next: its organisations point at the place's organisations.
        deleted.update(flush_directory())
        # Sharing records next: they protect the people they are about. (Audit rows are
        # append-only and are never deleted; they outlive the synthetic people they name.)
        deleted["break_glass"] = BreakGlass.objects.filter(person__in=people).delete()[0]
        deleted["consents"] = Consent.objects.filter(person__in=people).delete()[0]
        deleted["people"] = people.delete()[0]
        deleted["memberships"] = Membership.objects.filter(
            Q(team__organisation__in=organisations) | Q(user__in=users)
        ).delete()[0]
        deleted["teams"] = _count(
            Team.objects.filter(organisation__in=organisations).delete(), Team
        )
        deleted["alliances"] = _count(
            Alliance.objects.filter(
                Q(name=data.ALLIANCE_NAME) | Q(lead_organisation__in=organisations)
            ).delete(),
            Alliance,
        )
        # Practices first: a primary care network cannot go while its practices point at it.
        deleted["organisations"] = _count(
            organisations.filter(parent__isnull=False).delete(), Organisation
        ) + _count(organisations.delete(), Organisation)
        deleted["users"] = _count(users.delete(), User)
        deleted["postcodes"] = Postcode.objects.filter(postcode__regex=postcode_pattern).delete()[0]
        deleted["localities"] = _count(
            Locality.objects.filter(code__startswith=data.LOCALITY_CODE_PREFIX).delete(), Locality
        )
        DemoPlace.objects.all().delete()  # what it was made with: not a row of the place
    return deleted


def tidy_up() -> None:
    """Reclaim the space of flushed rows and refresh the planner's statistics after a load.

    Without it, rows deleted by ``flush`` linger as dead index entries that slow the next load's
    unique checks (the embedded server stops between commands, before autovacuum gets to them),
    and the first pages after a load are planned on stale statistics. VACUUM cannot run inside a
    transaction, so this does nothing there (in tests, for instance).
    """
    if connection.in_atomic_block:
        return
    tables = [
        model._meta.db_table
        for model in (
            *SUPERVISION_MODELS,
            ResponseGoal,
            Score,
            Response,
            MeasureSchedule,
            LocalityMeeting,
            Attendee,
            AgendaItem,
            CarePlanVersion,
            CarePlan,
            GoalRating,
            Goal,
            PlanNote,
            CareTeamMember,
            IntensityChange,
            Contact,
            Allocation,
            Episode.partner_teams.through,
            Episode,
            Handover,
            Transition,
            Referral.needs.through,
            Referral,
            Consent,
            BreakGlass,
            Person,
            Postcode,
            User,
            Membership,
            Team,
            Organisation,
            Locality,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {', '.join(map(connection.ops.quote_name, tables))}")


def _count(result: tuple[int, dict[str, int]], model: type) -> int:
    return result[1].get(model._meta.label, 0)


def quota(shares: Mapping[K, float], n: int, rng: random.Random) -> list[K]:
    """``n`` values in the given shares (largest remainder), in random order."""
    total = sum(shares.values())
    exact = {key: share * n / total for key, share in shares.items()}
    counts = {key: math.floor(value) for key, value in exact.items()}
    short = n - sum(counts.values())
    by_remainder = sorted(shares, key=lambda key: exact[key] - counts[key], reverse=True)
    for key in by_remainder[:short]:
        counts[key] += 1
    values = [key for key in shares for _ in range(counts[key])]
    rng.shuffle(values)
    return values


def _handle(*parts: str) -> str:
    """A name as it appears in a username or email address: ``jess.whitmore``."""
    return ".".join(re.sub(r"[^a-z0-9-]", "", part.lower()) for part in parts)


def _website(domain: str) -> str:
    return f"https://{domain}{data.DOMAIN_SUFFIX}/"


def _pick(rng: random.Random, shares: dict[str, float]) -> str:
    return rng.choices(list(shares), weights=list(shares.values()))[0]


@dataclass
class _SmallArea:
    """A lower layer super output area (LSOA): the unit deprivation deciles are given for."""

    area_index: int
    code: str
    decile: int
    centre: tuple[float, float]


@dataclass
class _AreaPlace:
    locality_index: int
    area: data.Area
    centre: tuple[float, float]
    postcodes: list[tuple[str, int]] = field(default_factory=list)  # (postcode, IMD decile)
    cumulative_weights: list[float] = field(default_factory=list)
    practices: list[Organisation] = field(default_factory=list)


@dataclass
class _TeamPlan:
    team: Team
    template: data.TeamTemplate
    domain: str
    locality_indexes: Sequence[int]


class PlaceBuilder:
    """Builds the place step by step; each step keeps what later steps need."""

    def __init__(
        self,
        *,
        seed: int,
        people: int,
        as_of: dt.date | None = None,
        progress: Progress | None = None,
    ) -> None:
        self.seed = seed
        self.people = people
        # The day the place is made as of, and the generator's 'now': midnight at its start, UK
        # time. Nothing happens at or after now but booked appointments and meetings; every
        # other date counts back from it. The referral window opens ``REFERRAL_MONTHS`` before.
        self.as_of = as_of or timezone.localdate()
        self.now = dt.datetime.combine(self.as_of, dt.time(0), tzinfo=_LONDON)
        self.start = self.now - dt.timedelta(days=round(data.REFERRAL_MONTHS * 365.25 / 12))
        self.progress = progress or _Silent()
        self.staff_factor = min(_MAX_STAFF_FACTOR, max(1.0, people / _PEOPLE_PER_STAFF_STEP))
        self.county_teams = people >= _COUNTY_TEAMS_FROM
        self.counts: dict[str, int] = {}
        self.localities: list[Locality] = []
        self.areas: list[_AreaPlace] = []
        self.organisations: dict[str, Organisation] = {}
        self.team_plans: list[_TeamPlan] = []
        self.sign_in_users: dict[str, User] = {}
        self.memberships: list[Membership] = []
        self.people_rows: list[Person] = []

    def build(self) -> dict[str, int]:
        self.build_places()
        self.build_organisations()
        self.build_staff()
        # The synthetic load is not a change anyone made to a record: it writes no record
        # history (the database triggers that keep it are skipped for this load only). A real
        # bulk import keeps them.
        with pgtrigger.ignore(*_HISTORY_TRIGGERS):
            self.build_people()
            self.build_sharing()
            build_directory(self)
            build_referrals(self)
            self.build_registrations()
            key_working = build_key_working(self)
            self.counts["contacts"] += key_working.pop("contacts")
            self.counts.update(key_working)
            self.counts.update(build_outcomes(self))
            self.counts.update(build_supervision(self))
            self.counts.update(build_workforce(self))
            self.counts.update(build_coproduction(self))
        return self.counts

    def rng(self, stage: str) -> random.Random:
        """A private generator per stage, so one stage's draws never shift another's."""
        return random.Random(f"alongside-demo:{self.seed}:{stage}")

    # --- localities and postcodes ----------------------------------------------------------

    def build_places(self) -> None:
        rng = self.rng("places")
        total = min(9_000, max(400, self.people // 3))
        self.progress.start("Localities and postcodes", total)
        self.localities = Locality.objects.bulk_create(
            [Locality(name=t.name, code=t.code) for t in data.LOCALITIES]
        )

        shares: dict[int, float] = {}
        for li, template in enumerate(data.LOCALITIES):
            lat = data.COUNTY_CENTRE[0] + template.offset[0]
            lon = data.COUNTY_CENTRE[1] + template.offset[1]
            for area, weight in zip(template.areas, _AREA_WEIGHTS, strict=True):
                centre = (lat + area.offset[0], lon + area.offset[1])
                shares[len(self.areas)] = template.population_share * weight
                self.areas.append(_AreaPlace(li, area, centre))
        per_area = Counter(quota(shares, total, rng))

        # Small areas (LSOAs) of about a dozen postcodes, each with its deprivation decile.
        lsoas: list[_SmallArea] = []
        for index, place in enumerate(self.areas):
            deprivation = data.LOCALITIES[place.locality_index].deprivation
            for _ in range(max(3, math.ceil(per_area[index] / 12))):
                lsoas.append(
                    _SmallArea(
                        area_index=index,
                        code=f"E01{990_000 + len(lsoas):06d}",  # real codes stop near E01040000
                        decile=rng.choices(range(1, 11), weights=deprivation)[0],
                        centre=(
                            place.centre[0] + rng.uniform(-0.02, 0.02),
                            place.centre[1] + rng.uniform(-0.03, 0.03),
                        ),
                    )
                )
        self._every_decile(lsoas)

        rows: list[Postcode] = []
        for index, place in enumerate(self.areas):
            own = [lsoa for lsoa in lsoas if lsoa.area_index == index]
            taken: set[str] = set()
            for n in range(per_area[index]):
                lsoa_number = n % len(own)
                lsoa = own[lsoa_number]
                sector = lsoa_number % 10  # neighbouring postcodes share a sector
                while True:
                    inward = f"{sector}{rng.choice(_INWARD_LETTERS)}{rng.choice(_INWARD_LETTERS)}"
                    code = f"{data.POSTCODE_AREA}{place.area.district} {inward}"
                    if code not in taken:
                        taken.add(code)
                        break
                rows.append(
                    Postcode(
                        postcode=code,
                        latitude=round(lsoa.centre[0] + rng.gauss(0, 0.004), 6),
                        longitude=round(lsoa.centre[1] + rng.gauss(0, 0.006), 6),
                        lsoa_code=lsoa.code,
                        imd_decile=lsoa.decile,
                        locality=self.localities[place.locality_index],
                    )
                )
                place.postcodes.append((code, lsoa.decile))
            # People who need support live more often in deprived areas.
            place.cumulative_weights = list(
                accumulate(1 + (10 - decile) * 0.12 for _, decile in place.postcodes)
            )
        Postcode.objects.bulk_create(rows, batch_size=BATCH_SIZE)
        self.progress.advance(len(rows))
        self.counts["localities"] = len(self.localities)
        self.counts["postcodes"] = len(rows)
        self.counts["residents"] = len(Residents.objects.bulk_create(self._residents()))

    def _residents(self) -> list[Residents]:
        """Each locality's adult residents by age band, sex, ethnic group and IMD quintile."""
        rows: list[Residents] = []
        minority = {code for code in data.ETHNICITY_SHARES if code not in ("A", "B", "C", "Z")}
        for locality, template in zip(self.localities, data.LOCALITIES, strict=True):
            adults = round(data.RESIDENT_ADULTS * template.population_share)
            ethnic: Counter[str] = Counter()
            for code, share in data.ETHNICITY_SHARES.items():
                if code != "Z":
                    weight = share * (template.diversity if code in minority else 1.0)
                    ethnic[ETHNIC_GROUPS[code]] += weight
            quintiles: Counter[str] = Counter()
            for decile, share in enumerate(template.deprivation, start=1):
                quintiles[str((decile + 1) // 2)] += share
            for dimension, shares in (
                (ResidentDimension.AGE_BAND, data.RESIDENT_AGE_SHARES),
                (ResidentDimension.SEX, data.RESIDENT_SEX_SHARES),
                (ResidentDimension.ETHNIC_GROUP, dict(ethnic)),
                (ResidentDimension.IMD_QUINTILE, dict(quintiles)),
            ):
                total = sum(shares.values())
                rows += [
                    Residents(
                        locality=locality,
                        dimension=dimension,
                        group_name=group,
                        residents=round(adults * share / total),
                        source=data.RESIDENTS_SOURCE,
                    )
                    for group, share in shares.items()
                ]
        return rows

    def _every_decile(self, lsoas: list[_SmallArea]) -> None:
        """Make sure every decile 1–10 has a small area somewhere in the county.

        A missing decile goes to a small area of the locality most likely to have it, one that
        has the county's commonest decile, so the shape of deprivation barely changes.
        """
        for decile in range(1, 11):
            deciles = Counter(lsoa.decile for lsoa in lsoas)
            if decile in deciles:
                continue
            li = max(
                range(len(data.LOCALITIES)),
                key=lambda i: data.LOCALITIES[i].deprivation[decile - 1],
            )
            commonest = deciles.most_common(1)[0][0]
            candidates = [
                lsoa
                for lsoa in lsoas
                if self.areas[lsoa.area_index].locality_index == li and lsoa.decile == commonest
            ]
            (candidates or lsoas)[0].decile = decile

    # --- organisations and teams ------------------------------------------------------------

    def build_organisations(self) -> None:
        rng = self.rng("organisations")
        self.progress.start("Organisations and teams", 1)
        templates = [data.TRUST, data.COUNCIL, data.PUBLIC_HEALTH, *data.VCSE_ORGANISATIONS]
        top = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=t.name, kind=t.kind, ods_code=t.ods_code, website=_website(t.domain)
                )
                for t in templates
            ]
        )
        self.organisations = {org.name: org for org in top}

        pcns = Organisation.objects.bulk_create(
            [
                Organisation(
                    name=f"{place.area.name} Primary Care Network",
                    kind=OrganisationKind.PCN,
                    ods_code=f"{data.PCN_ODS_PREFIX}{n:03d}",
                    website=_website(f"{slugify(place.area.name)}-pcn"),
                )
                for n, place in enumerate(self.areas, start=1)
            ]
        )
        practices: list[Organisation] = []
        for pcn, place in zip(pcns, self.areas, strict=True):
            stems = rng.sample(data.GP_PRACTICE_NAMES, rng.randint(3, 5))
            for stem in stems:
                name = f"{stem} {rng.choice(data.GP_PRACTICE_KINDS)}, {place.area.name}"
                practice = Organisation(
                    name=name,
                    kind=OrganisationKind.GP_PRACTICE,
                    ods_code=f"{data.GP_PRACTICE_ODS_PREFIX}{len(practices) + 1:03d}",
                    parent=pcn,
                    website=_website(slugify(name)),
                )
                practices.append(practice)
                place.practices.append(practice)
        Organisation.objects.bulk_create(practices)

        alliance = Alliance.objects.create(
            name=data.ALLIANCE_NAME,
            lead_organisation=self.organisations[data.VCSE_ORGANISATIONS[0].name],
        )
        Alliance.organisations.through.objects.bulk_create(
            [
                Alliance.organisations.through(
                    alliance=alliance, organisation=self.organisations[t.name]
                )
                for t in data.VCSE_ORGANISATIONS
            ]
        )

        trust = self.organisations[data.TRUST.name]
        cmht = data.TeamTemplate(
            "", TeamType.COMMUNITY_MENTAL_HEALTH, data.CMHT_STAFF, data.CMHT_TITLES
        )
        plans: list[_TeamPlan] = []
        for li, locality in enumerate(data.LOCALITIES):
            team = Team(organisation=trust, name=data.cmht_name(locality), team_type=cmht.team_type)
            plans.append(_TeamPlan(team, cmht, data.TRUST.domain, [li]))
        all_localities = range(len(data.LOCALITIES))
        for template in templates:
            for team_template in template.teams:
                if team_template.county_scale_only and not self.county_teams:
                    continue
                team = Team(
                    organisation=self.organisations[template.name],
                    name=team_template.name,
                    team_type=team_template.team_type,
                )
                served = team_template.localities
                plans.append(
                    _TeamPlan(team, team_template, template.domain, served or all_localities)
                )
        pcn_team = data.TeamTemplate(
            "", TeamType.PRIMARY_CARE_MENTAL_HEALTH, data.PCN_STAFF, data.PCN_TITLES
        )
        for pcn, place in zip(pcns, self.areas, strict=True):
            team = Team(
                organisation=pcn,
                name=f"{place.area.name} PCN Mental Health Team",
                team_type=pcn_team.team_type,
            )
            domain = f"{slugify(place.area.name)}-pcn"
            plans.append(_TeamPlan(team, pcn_team, domain, [place.locality_index]))
        for number, plan in enumerate(plans):
            # Each team's own line, in Ofcom's range for drama (01632 960000-960999), and mailbox.
            plan.team.phone = f"01632 960{(800 + number) % 1000:03d}"
            plan.team.email = f"{slugify(plan.team.name)}@{plan.domain}{data.DOMAIN_SUFFIX}"
        Team.objects.bulk_create([plan.team for plan in plans])
        Team.localities.through.objects.bulk_create(
            [
                Team.localities.through(team=plan.team, locality=self.localities[li])
                for plan in plans
                for li in plan.locality_indexes
            ]
        )
        self.team_plans = plans
        self.progress.advance(1)
        self.counts["organisations"] = len(top) + len(pcns) + len(practices)
        self.counts["alliances"] = 1
        self.counts["teams"] = len(plans)

    # --- staff ------------------------------------------------------------------------------

    def build_staff(self) -> None:
        rng = self.rng("staff")
        self.progress.start("Staff and sign-ins", len(self.team_plans))
        # Every account, generated or fixed, shares the published demo password, hashed once.
        password = _password_hash(self.seed, get_hasher().algorithm)
        taken: set[str] = {_handle(s.first_name, s.last_name) for s in DEMO_SIGN_INS}
        users: list[User] = []
        memberships: list[Membership] = []

        # The fixed sign-ins first; each takes one of its team's places in the loop below.
        domains = {t.name: t.domain for t in (data.TRUST, *data.VCSE_ORGANISATIONS)}
        fixed: dict[tuple[str | None, str | None], list[Membership]] = {}
        for sign_in in DEMO_SIGN_INS:
            started = add_months(self.as_of.replace(day=1), -_SIGN_INS_IN_POST_MONTHS)
            user = self._user(
                username=sign_in.username,
                first_name=sign_in.first_name,
                last_name=sign_in.last_name,
                email=_handle(sign_in.first_name, sign_in.last_name),
                domain=domains.get(sign_in.organisation or "", "alongside"),
                password=password,
                started=started,
            )
            user.is_superuser = user.is_staff = sign_in.is_superuser
            users.append(user)
            self.sign_in_users[sign_in.username] = user
            if sign_in.role is not None:
                membership = Membership(
                    user=user,
                    role=sign_in.role,
                    job_title=sign_in.job_title,
                    started_on=started,
                    status=MembershipStatus.APPROVED,
                )
                memberships.append(membership)
                fixed.setdefault((sign_in.team, sign_in.role), []).append(membership)

        for plan in self.team_plans:
            staff = plan.template.staff
            clinical = plan.template.team_type not in {TeamType.OTHER, TeamType.PUBLIC_HEALTH}
            for role in _ROLE_ORDER:
                low, high = getattr(staff, role)
                number = rng.randint(low, high)
                if staff.scales and role in _SCALED_ROLES:
                    number = round(number * self.staff_factor)
                for membership in fixed.get((plan.team.name, role), []):
                    membership.team = plan.team
                    number -= 1
                for _ in range(max(0, number)):
                    first, last = self._staff_name(rng)
                    handle = _handle(first, last)
                    unique, n = handle, 1
                    while unique in taken:
                        n += 1
                        unique = f"{handle}{n}"
                    taken.add(unique)
                    started = self.as_of - dt.timedelta(days=rng.randint(30, 12 * 365))
                    user = self._user(
                        username=unique,
                        first_name=first,
                        last_name=last,
                        email=unique,
                        domain=plan.domain,
                        password=password,
                        started=started,
                    )
                    users.append(user)
                    memberships.append(
                        Membership(
                            user=user,
                            team=plan.team,
                            role=role,
                            job_title=self._job_title(rng, plan.template, role),
                            started_on=started,
                            status=MembershipStatus.APPROVED,
                        )
                    )
                    if clinical and role in _ALSO_HOLDS and rng.random() < 0.4:
                        memberships.append(
                            Membership(
                                user=user,
                                team=plan.team,
                                role=_ALSO_HOLDS[role],
                                job_title=memberships[-1].job_title,
                                started_on=started,
                                status=MembershipStatus.APPROVED,
                            )
                        )
            self.progress.advance(1)

        User.objects.bulk_create(users, batch_size=BATCH_SIZE)
        # The synthetic staff are in post already: approved, with no maker or approver, and (as
        # for the records below) no history rows for the load.
        with pgtrigger.ignore(*_MEMBERSHIP_HISTORY_TRIGGERS):
            Membership.objects.bulk_create(memberships, batch_size=BATCH_SIZE)
        self.memberships = memberships
        self.counts["users"] = len(users)
        self.counts["memberships"] = len(memberships)

    @staticmethod
    def _user(
        *,
        username: str,
        first_name: str,
        last_name: str,
        email: str,
        domain: str,
        password: str,
        started: dt.date,
    ) -> User:
        return User(
            username=username,
            first_name=first_name,
            last_name=last_name,
            email=f"{email}@{domain}{data.DOMAIN_SUFFIX}",
            password=password,
            date_joined=dt.datetime.combine(started, dt.time(9, 0), tzinfo=dt.UTC),
        )

    @staticmethod
    def _job_title(rng: random.Random, template: data.TeamTemplate, role: str) -> str:
        if role == Role.PRACTITIONER:
            return rng.choice(template.practitioner_titles)
        return rng.choice(data.JOB_TITLES[role])

    def _staff_name(self, rng: random.Random) -> tuple[str, str]:
        heritage = _pick(rng, data.STAFF_HERITAGE)
        female = rng.random() < 0.75  # the mental health workforce is mostly women
        age = rng.randint(23, 64)
        pool = self._pool(rng, heritage, self.as_of.year - age)
        first = rng.choice(pool.female if female else pool.male)
        return first, pool.family_name_for(rng.choice(pool.family), female=female)

    @staticmethod
    def _pool(rng: random.Random, heritage: str, birth_year: int) -> data.NamePool:
        if heritage == "british":
            generation = (
                "older" if birth_year < 1965 else "middle" if birth_year < 1990 else "younger"
            )
            return data.BRITISH_BY_GENERATION[generation]
        return rng.choice(data.NAME_POOLS[heritage])

    # --- people -----------------------------------------------------------------------------

    def build_people(self) -> None:
        rng = self.rng("people")
        self.progress.start("People", self.people)
        ethnicities = quota(data.ETHNICITY_SHARES, self.people, rng)
        genders = quota(data.GENDER_SHARES, self.people, rng)
        # Heritage for names when ethnicity is not stated: as in the population.
        stated = {k: v for k, v in data.ETHNICITY_SHARES.items() if k in data.ETHNICITY_HERITAGE}
        locality_weights = {
            minority: list(
                accumulate(
                    t.population_share * (t.diversity if minority else 1.0) for t in data.LOCALITIES
                )
            )
            for minority in (False, True)
        }
        nhs_numbers: set[str] = set()
        batch: list[Person] = []
        written = 0
        for ethnicity, gender in zip(ethnicities, genders, strict=True):
            batch.append(
                self._person(rng, ethnicity, gender, stated, locality_weights, nhs_numbers)
            )
            if len(batch) == BATCH_SIZE or written + len(batch) == self.people:
                # bulk_create rather than COPY: it goes through Django's execute wrappers, which
                # other apps use (record history's context, pgtrigger.ignore).
                self.people_rows.extend(Person.objects.bulk_create(batch))
                written += len(batch)
                self.progress.advance(len(batch))
                batch = []
        self.counts["people"] = written

    def build_registrations(self) -> None:
        """When each person's record was made: when triage registered them as a new person from
        their first referral, or, for people on the books before the referral window (and
        those still waiting to be identified), some time in the five years before it. Without
        it every record would read as made at the moment of the load."""
        rng = self.rng("registrations")
        registered = dict(
            Transition.objects.filter(
                name="identify",
                reason=_REGISTERED,
                referral__person_id__in=[p.pk for p in self.people_rows],
            )
            .order_by("-at")  # the earliest last, so it is the one kept
            .values_list("referral__person_id", "at")
        )
        ids, moments = [], []
        for person in self.people_rows:
            at = registered.get(person.pk)
            if at is None:
                at = self.start - dt.timedelta(minutes=rng.randint(60, 5 * 365 * 24 * 60))
            ids.append(person.pk)
            moments.append(at)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Person._meta.db_table} AS p "  # noqa: S608 - the model's own table
                "SET created_at = v.at, updated_at = v.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE p.id = v.id",
                [ids, moments],
            )

    # --- sharing: consent, the portal person, break-glass ------------------------------------

    def build_sharing(self) -> None:
        """Consents as a place would have them, one person with a portal sign-in, and a few
        break-glass accesses waiting for the trust's privacy lead."""
        rng = self.rng("sharing")
        self.progress.start("Consent and sharing", len(self.people_rows))
        trust = self.organisations[data.TRUST.name]
        vcse = [self.organisations[o.name] for o in data.VCSE_ORGANISATIONS]
        recorder = self.sign_in_users["coordinator"]
        care_partners = self.organisations[data.VCSE_ORGANISATIONS[0].name]
        portal = next(s for s in DEMO_SIGN_INS if s.is_portal_person)
        portal_person = next(p for p in self.people_rows if p.nhs_number)
        consents: list[Consent] = []
        without_trust: list[Person] = []
        vcse_parts = [p.value for p in SHAREABLE_PARTS if p != Part.CLINICAL_NOTES]
        for person in self.people_rows:
            is_portal = person.pk == portal_person.pk
            given = self.as_of - dt.timedelta(days=rng.randint(1, 540))
            recorded_at = _at(given, rng)
            if is_portal or rng.random() < _CONSENT_TO_TRUST:
                consents.append(
                    self._consent(
                        rng,
                        person,
                        trust,
                        [p.value for p in SHAREABLE_PARTS],
                        recorder,
                        given,
                        recorded_at,
                    )
                )
            else:
                without_trust.append(person)
            if is_portal or rng.random() < _CONSENT_TO_VCSE:
                partner = care_partners if is_portal else rng.choice(vcse)
                consents.append(
                    self._consent(rng, person, partner, vcse_parts, recorder, given, recorded_at)
                )
        for consent in consents:
            if consent.person_id != portal_person.pk and rng.random() < _CONSENT_WITHDRAWN:
                consent.withdrawn_at = consent.recorded_at + dt.timedelta(days=rng.randint(1, 120))
                consent.withdrawn_by = recorder
                consent.withdrawal_method = ConsentMethod.SPOKEN
        Consent.objects.bulk_create(consents, batch_size=BATCH_SIZE)
        self.progress.advance(len(self.people_rows))
        self.counts["consents"] = len(consents)

        # The person who signs in to the portal: their record carries the sign-in's name, and
        # they are of an age at which their plan's story (work, family) holds together.
        portal_person.date_of_birth = add_months(self.as_of, -12 * _PORTAL_AGE) - dt.timedelta(
            days=rng.randint(30, 300)
        )
        Person.objects.filter(pk=portal_person.pk).update(
            given_name=portal.first_name,
            family_name=portal.last_name,
            date_of_birth=portal_person.date_of_birth,
            user=self.sign_in_users[portal.username],
        )

        # Break-glass by trust key workers on people who had not agreed to share with the trust.
        practitioners = list(
            Membership.objects.filter(team__organisation=trust, role=Role.PRACTITIONER)
            .select_related("user")
            .order_by("user__username")
        )
        grants = []
        for n, person in enumerate(without_trust[:3]):
            opened = _at(self.as_of - dt.timedelta(days=2 + 5 * n), rng)
            grant = BreakGlass(
                user=rng.choice(practitioners).user,
                person=person,
                organisation=trust,
                reason=rng.choice(data.BREAK_GLASS_REASONS),
                opened_at=opened,
                expires_at=opened + dt.timedelta(hours=4),
            )
            if n == 2:  # the oldest has been reviewed already
                grant.reviewed_at = opened + dt.timedelta(days=3)
                grant.reviewed_by = self.sign_in_users["privacylead"]
                grant.review_outcome = ReviewOutcome.APPROPRIATE
                grant.review_note = "Discussed with the key worker: the person was in crisis."
            grants.append(grant)
        BreakGlass.objects.bulk_create(grants)
        self.counts["break_glass"] = len(grants)

    @staticmethod
    def _consent(
        rng: random.Random,
        person: Person,
        organisation: Organisation,
        parts: list[str],
        recorder: User,
        given: dt.date,
        recorded_at: dt.datetime,
    ) -> Consent:
        return Consent(
            person=person,
            organisation=organisation,
            parts=parts,
            starts_on=given,
            method=rng.choice([ConsentMethod.SPOKEN, ConsentMethod.WRITTEN]),
            recorded_by=recorder,
            recorded_at=recorded_at,
        )

    def _person(
        self,
        rng: random.Random,
        ethnicity: str,
        gender: str,
        stated: dict[str, float],
        locality_weights: dict[bool, list[float]],
        nhs_numbers: set[str],
    ) -> Person:
        # Where they live: people from minority ethnic groups live more often in the towns.
        minority = ethnicity not in {"A", "B", "Z"}
        li = rng.choices(range(len(data.LOCALITIES)), cum_weights=locality_weights[minority])[0]
        places = [place for place in self.areas if place.locality_index == li]
        place = rng.choices(places, weights=_AREA_WEIGHTS)[0]
        no_fixed_abode = rng.random() < data.NO_FIXED_ABODE_SHARE
        if no_fixed_abode:
            postcode, decile, address = "", None, "No fixed abode"
        else:
            postcode, decile = rng.choices(place.postcodes, cum_weights=place.cumulative_weights)[0]
            street = f"{rng.choice(data.STREET_NAMES)} {rng.choice(data.STREET_KINDS)}"
            address = f"{rng.randint(1, 180)} {street}, {place.area.name}"

        # Age on the place's date, then a birthday within that year of life.
        low, high, _ = rng.choices(data.AGE_BANDS, weights=[b[2] for b in data.AGE_BANDS])[0]
        age = low + int((high - low + 1) * rng.random() ** 1.4)
        latest = add_months(self.as_of, -12 * age)
        earliest = add_months(self.as_of, -12 * (age + 1)) + dt.timedelta(days=1)
        born = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))

        # Names from the heritage the ethnicity suggests; Mixed draws from two.
        female = gender == StatedGender.FEMALE or (
            gender not in {StatedGender.MALE, StatedGender.FEMALE} and rng.random() < 0.5
        )
        heritages = (
            data.ETHNICITY_HERITAGE.get(ethnicity) or data.ETHNICITY_HERITAGE[_pick(rng, stated)]
        )
        given_pool = self._pool(rng, rng.choice(heritages), born.year)
        family_pool = (
            self._pool(rng, rng.choice(heritages), born.year) if len(heritages) > 1 else given_pool
        )
        given = rng.choice(given_pool.female if female else given_pool.male)
        family = family_pool.family_name_for(rng.choice(family_pool.family), female=female)
        preferred = ""
        if given in data.PREFERRED_NAMES and rng.random() < 0.35:
            preferred = data.PREFERRED_NAMES[given]

        language, interpreter, communication = "English", False, ""
        if len(heritages) == 1:
            draw = rng.random()
            for candidate, share in given_pool.languages:
                if draw < share:
                    language = candidate
                    break
                draw -= share
        if language == "British Sign Language":
            interpreter, communication = True, "British Sign Language interpreter"
        elif language != "English":
            interpreter = rng.random() < data.INTERPRETER_SHARE
        if not communication and rng.random() < data.COMMUNICATION_NEEDS_SHARE:
            communication = rng.choice(data.COMMUNICATION_NEEDS)
        access = rng.choice(data.ACCESS_NEEDS) if rng.random() < data.ACCESS_NEEDS_SHARE else ""

        carer_name = carer_relationship = carer_phone = ""
        if rng.random() < data.CARER_SHARE:
            carer_relationship = rng.choice(data.CARER_RELATIONSHIPS)
            carer_female = carer_relationship in _FEMALE_RELATIONSHIPS or (
                carer_relationship not in _MALE_RELATIONSHIPS and rng.random() < 0.5
            )
            carer_pool = self._pool(rng, rng.choice(heritages), born.year)
            carer_family = (
                family
                if carer_relationship not in {"Friend", "Neighbour"} and rng.random() < 0.7
                else carer_pool.family_name_for(rng.choice(carer_pool.family), female=carer_female)
            )
            carer_given = rng.choice(carer_pool.female if carer_female else carer_pool.male)
            carer_name = f"{carer_given} {carer_family}"
            carer_phone = _drama_phone(rng)

        nhs_number = None
        if rng.random() < (0.4 if no_fixed_abode else data.NHS_NUMBER_SHARE):
            nhs_number = _synthetic_nhs_number(rng, nhs_numbers)
        # Someone with no fixed abode can register at a practice using its address.
        practice = None
        if no_fixed_abode or rng.random() < data.GP_REGISTERED_SHARE:
            if rng.random() < 0.85:
                practice = rng.choice(place.practices)
            else:
                practice = rng.choice([p for a in places for p in a.practices])

        phone = _drama_phone(rng) if rng.random() < data.PHONE_SHARE else ""
        email = ""
        if rng.random() < data.EMAIL_SHARE:
            suffix = str(rng.randint(1, 99)) if rng.random() < 0.5 else ""
            email = f"{_handle(given, family)}{suffix}@{rng.choice(data.EMAIL_DOMAINS)}"

        return Person(
            given_name=given,
            family_name=family,
            preferred_name=preferred,
            date_of_birth=born,
            nhs_number=nhs_number,
            stated_gender=gender,
            gender_identity=_gender_identity(rng, gender),
            ethnicity=ethnicity,
            address=address,
            postcode=postcode,
            phone=phone,
            email=email,
            preferred_language=language,
            interpreter_needed=interpreter,
            communication_needs=communication,
            access_needs=access,
            carer_name=carer_name,
            carer_relationship=carer_relationship,
            carer_phone=carer_phone,
            registered_gp_practice=practice,
            imd_decile=decile,
        )


@functools.cache
def _password_hash(seed: int, algorithm: str) -> str:
    """The demo password, hashed once per process: hashing is slow on purpose.

    The salt is fixed by the seed so that reruns write identical rows; the password is published.
    """
    # As long as a random salt (Django rehashes a password whose salt is shorter at sign-in).
    salt = "".join(random.Random(f"alongside-demo:{seed}:salt").choices(RANDOM_STRING_CHARS, k=24))
    return make_password(DEMO_PASSWORD, salt=salt, hasher=algorithm)


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in working hours on ``day``, in UK time."""
    moment = dt.datetime.combine(day, dt.time(rng.randint(9, 16), rng.choice([0, 15, 30, 45])))
    return moment.replace(tzinfo=_LONDON)


def _drama_phone(rng: random.Random) -> str:
    """A mobile number from Ofcom's range for drama (07700 900000 to 900999): never a real one."""
    return f"07700 900{rng.randrange(1000):03d}"


def _synthetic_nhs_number(rng: random.Random, taken: set[str]) -> str:
    """A valid NHS number in the range kept for test and synthetic patients (999 000 0000 up)."""
    while True:
        nine = f"999{rng.randrange(1_000_000):06d}"
        check = nhs_check_digit(nine)
        number = f"{nine}{check}"
        if check != 10 and number not in taken:
            taken.add(number)
            return number


def _gender_identity(rng: random.Random, gender: str) -> str:
    if gender in {StatedGender.MALE, StatedGender.FEMALE}:
        draw = rng.random()
        if draw < 0.86:
            return gender  # GenderIdentity uses the same codes for male and female
        return GenderIdentity.NOT_STATED if draw < 0.99 else GenderIdentity.NON_BINARY
    return rng.choices(
        [
            GenderIdentity.NON_BINARY,
            GenderIdentity.OTHER,
            GenderIdentity.NOT_STATED,
            GenderIdentity.NOT_KNOWN,
        ],
        weights=[50, 15, 25, 10],
    )[0]
