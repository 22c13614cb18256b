"""The synthetic place: reproducible, realistic, valid, and safe to flush."""

import datetime as dt
import random
import re
from collections import Counter

import nhs_number
import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from alongside.accounts.models import User
from alongside.core.validators import nhs_check_digit, normalise_nhs_number, normalise_postcode
from alongside.demo import data
from alongside.demo.generator import (
    DEFAULT_SEED,
    SCALES,
    PlaceBuilder,
    flush,
    generate,
    quota,
)
from alongside.demo.sign_ins import DEMO_PASSWORD, DEMO_SIGN_INS
from alongside.demo.tests.pinned import AS_OF
from alongside.organisations.models import (
    Alliance,
    Locality,
    Membership,
    Organisation,
    Role,
    Team,
    TeamType,
)
from alongside.people.models import ETHNIC_GROUPS, Person
from alongside.places.models import Postcode

SMALL = 300  # people: enough for every check that does not measure shares

PERSON_FIELDS = [
    f.attname
    for f in Person._meta.concrete_fields
    if f.name not in {"id", "created_at", "updated_at", "registered_gp_practice", "user"}
]


def snapshot() -> dict[str, list]:
    """Every generated row as values, without database ids or timestamps."""

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "localities": rows(Locality.objects, "code", "name"),
        "postcodes": rows(
            Postcode.objects,
            "postcode",
            "latitude",
            "longitude",
            "lsoa_code",
            "imd_decile",
            "locality__code",
        ),
        "organisations": rows(
            Organisation.objects, "name", "kind", "ods_code", "parent__name", "website"
        ),
        "alliances": rows(
            Alliance.objects, "name", "lead_organisation__name", "organisations__name"
        ),
        "teams": rows(Team.objects, "organisation__name", "name", "team_type", "localities__code"),
        "users": rows(
            User.objects,
            "username",
            "first_name",
            "last_name",
            "email",
            "password",
            "is_staff",
            "is_superuser",
            "is_active",
            "date_joined",
        ),
        "memberships": rows(
            Membership.objects,
            "user__username",
            "team__organisation__name",
            "team__name",
            "role",
            "job_title",
            "started_on",
            "ended_on",
        ),
        "people": rows(Person.objects, *PERSON_FIELDS, "registered_gp_practice__ods_code"),
    }


@pytest.mark.django_db
def test_the_same_seed_makes_exactly_the_same_rows():
    generate(7, SMALL, as_of=AS_OF)
    first = snapshot()
    flush()
    generate(7, SMALL, as_of=AS_OF)
    assert snapshot() == first
    assert len(first["people"]) == SMALL


@pytest.mark.django_db
def test_a_different_seed_makes_different_people():
    generate(7, SMALL, as_of=AS_OF)
    first = snapshot()["people"]
    flush()
    generate(8, SMALL, as_of=AS_OF)
    second = snapshot()["people"]
    assert len(second) == SMALL
    assert len(set(first) & set(second)) < SMALL // 10


@pytest.mark.django_db
def test_flush_removes_everything_the_generator_made_and_nothing_else():
    other = Organisation.objects.create(name="Somewhere Else NHS Trust", kind="nhs_trust")
    generate(7, SMALL, as_of=AS_OF)
    flush()
    assert list(Organisation.objects.all()) == [other]
    for model in (Locality, Postcode, Alliance, Team, Membership, User, Person):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_the_population_looks_like_a_west_midlands_caseload():
    generate(DEFAULT_SEED, SCALES["demo"], as_of=AS_OF)
    people = list(Person.objects.all())
    n = len(people)
    assert n == 2_000

    def share(predicate) -> float:
        return 100 * sum(1 for p in people if predicate(p)) / n

    # Ethnicity, against the 2021 Census shares in data.ETHNICITY_SHARES (percentage points).
    assert share(lambda p: p.ethnicity == "A") == pytest.approx(70.0, abs=3)
    assert share(lambda p: p.ethnicity in {"B", "C"}) == pytest.approx(5.5, abs=1.5)
    assert share(lambda p: p.ethnicity in {"H", "J", "K", "L", "R"}) == pytest.approx(13.0, abs=2)
    assert share(lambda p: p.ethnicity in {"M", "N", "P"}) == pytest.approx(4.5, abs=1.5)
    assert share(lambda p: p.ethnic_group == "Mixed") == pytest.approx(3.0, abs=1.5)
    assert share(lambda p: p.ethnicity == "S") == pytest.approx(1.5, abs=1)
    assert 0 < share(lambda p: p.ethnicity == "Z") < 5
    assert {p.ethnic_group for p in people} >= set(ETHNIC_GROUPS.values()) - {"Not known"}

    # Stated gender: about 55% female, 44% male, a few others.
    assert share(lambda p: p.stated_gender == "2") == pytest.approx(55, abs=3)
    assert share(lambda p: p.stated_gender == "1") == pytest.approx(44, abs=3)
    assert 0 < share(lambda p: p.stated_gender in {"9", "X"}) < 3

    # Adults only, skewed to working age; the same ages whichever day the tests run.
    ages = [p.age_on(AS_OF) for p in people]
    assert min(ages) >= 18
    assert max(ages) <= 90
    assert min(p.age_on(timezone.localdate()) for p in people) >= 18
    assert 50 < share(lambda p: 25 <= p.age_on(AS_OF) < 55) < 70

    # Deprivation: every decile present, more people in the most deprived fifth than the least.
    deciles = Counter(p.imd_decile for p in people if p.imd_decile)
    assert set(deciles) == set(range(1, 11))
    assert deciles[1] + deciles[2] > deciles[9] + deciles[10]

    assert share(lambda p: p.nhs_number is not None) == pytest.approx(70, abs=3)
    assert share(lambda p: p.registered_gp_practice_id is not None) > 85
    assert 0 < share(lambda p: p.interpreter_needed) < 10
    assert 0 < share(lambda p: p.preferred_language != "English") < 15
    assert 0 < share(lambda p: bool(p.communication_needs)) < 15
    assert 10 < share(lambda p: bool(p.carer_name)) < 30


@pytest.mark.django_db
def test_the_place_has_the_organisations_of_an_integrated_cmhf_system():
    generate(7, SMALL, as_of=AS_OF)
    assert Locality.objects.count() == 4
    trust = Organisation.objects.get(kind="nhs_trust")
    assert trust.ods_code == data.TRUST_ODS_CODE
    for locality in Locality.objects.all():
        cmht = Team.objects.get(
            organisation=trust,
            team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
            localities=locality,
        )
        roles = Counter(cmht.memberships.values_list("role", flat=True))
        assert roles[Role.TEAM_LEAD] >= 1
        assert roles[Role.COORDINATOR] >= 1
        assert roles[Role.SUPERVISOR] >= 1
        assert roles[Role.PRACTITIONER] >= 8
    assert Team.objects.filter(organisation=trust, team_type=TeamType.EARLY_INTERVENTION).exists()

    alliance = Alliance.objects.get()
    vcse = list(alliance.organisations.all())
    assert len(vcse) == 8
    assert {o.kind for o in vcse} == {"vcse"}
    assert alliance.lead_organisation in vcse
    for organisation in vcse:
        team = organisation.teams.get()
        assert team.team_type == TeamType.VCSE_SERVICE
        assert team.localities.exists()
        assert team.memberships.filter(role=Role.PRACTITIONER).count() >= 3

    pcns = Organisation.objects.filter(kind="pcn")
    assert pcns.count() >= 8
    for pcn in pcns:
        assert pcn.teams.get().team_type == TeamType.PRIMARY_CARE_MENTAL_HEALTH
        assert 2 <= pcn.teams.get().memberships.filter(role=Role.PRACTITIONER).count() <= 4
        assert pcn.children.filter(kind="gp_practice").count() >= 3
    practices = Organisation.objects.filter(kind="gp_practice")
    codes = list(practices.values_list("ods_code", flat=True))
    assert all(re.fullmatch(r"[A-Z]\d{5}", code) for code in codes)
    assert len(set(codes)) == len(codes)
    assert not practices.filter(parent__isnull=True).exists()
    assert Team.objects.filter(organisation__kind="local_authority", team_type="social_care")
    assert Team.objects.filter(organisation__kind="public_health", team_type="public_health")


@pytest.mark.django_db
def test_the_county_scale_has_more_teams_and_staff():
    def staff_only(people: int) -> dict[str, int]:
        # Everything but the people themselves, which are not needed here.
        builder = PlaceBuilder(seed=7, people=people, progress=None, as_of=AS_OF)
        builder.build_places()
        builder.build_organisations()
        builder.build_staff()
        return builder.counts

    small = staff_only(SMALL)
    assert not Team.objects.filter(team_type=TeamType.ASSERTIVE_OUTREACH).exists()
    flush()
    county = staff_only(SCALES["county"])
    assert county["teams"] > small["teams"]
    assert county["users"] > 2 * small["users"]
    assert Team.objects.filter(team_type=TeamType.ASSERTIVE_OUTREACH).exists()


@pytest.mark.django_db
def test_nhs_numbers_are_valid_unique_and_in_the_synthetic_range():
    generate(7, 1_000, as_of=AS_OF)
    numbers = list(Person.objects.exclude(nhs_number=None).values_list("nhs_number", flat=True))
    assert len(numbers) > 600
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert 9_990_000_000 <= int(number) <= 9_999_999_999
        assert normalise_nhs_number(number) == number
        assert nhs_number.is_valid(number, for_region=nhs_number.REGION_SYNTHETIC)


def test_the_check_digit_is_modulus_11():
    assert nhs_check_digit("943476591") == 9
    for _ in range(200):
        nine = f"999{random.randrange(1_000_000):06d}"
        check = nhs_check_digit(nine)
        assert check == nhs_number.calculate_checksum(nine)


def test_quota_gives_exact_shares_in_random_order():
    values = quota({"a": 70, "b": 20, "c": 10}, 1_000, random.Random(1))
    assert Counter(values) == {"a": 700, "b": 200, "c": 100}
    assert values != sorted(values)


@pytest.mark.django_db
def test_rows_are_what_the_models_would_accept():
    generate(7, SMALL, as_of=AS_OF)
    rng = random.Random(1)
    samples = [
        *rng.sample(list(Person.objects.all()), 60),
        *Person.objects.filter(postcode=""),
        *Organisation.objects.all(),
        *Alliance.objects.all(),
        *Team.objects.all(),
        *Locality.objects.all(),
        *rng.sample(list(User.objects.all()), 30),
        *rng.sample(list(Membership.objects.all()), 30),
        *rng.sample(list(Postcode.objects.all()), 30),
    ]
    for row in samples:
        row.full_clean()
    for postcode in Postcode.objects.values_list("postcode", flat=True):
        assert normalise_postcode(postcode) == postcode
        assert postcode.startswith(data.POSTCODE_AREA)


@pytest.mark.django_db
def test_each_person_has_their_postcodes_deprivation_decile():
    generate(7, SMALL, as_of=AS_OF)
    deciles = dict(Postcode.objects.values_list("postcode", "imd_decile"))
    for postcode, decile in Person.objects.values_list("postcode", "imd_decile"):
        assert decile == deciles.get(postcode)


@pytest.mark.django_db
def test_contact_details_are_never_real():
    generate(7, SMALL, as_of=AS_OF)
    for phone in Person.objects.exclude(phone="").values_list("phone", flat=True):
        assert re.fullmatch(r"07700 900\d{3}", phone)
    for email in Person.objects.exclude(email="").values_list("email", flat=True):
        assert email.rsplit("@", 1)[1] in {"example.com", "example.org"}
    for email in User.objects.values_list("email", flat=True):
        assert email.endswith(".example")


@pytest.mark.django_db
def test_every_demo_sign_in_exists_with_its_role_and_password():
    generate(7, SMALL, as_of=AS_OF)
    assert [s.username for s in DEMO_SIGN_INS] == [
        "practitioner",
        "carepartner",
        "coordinator",
        "supervisor",
        "teamlead",
        "analyst",
        "orgadmin",
        "privacylead",
        "person",
        "sysadmin",
    ]
    # Password hashing is slow on purpose: authenticate one for real; the others hold the same
    # encoded password, so they authenticate the same way.
    encoded = authenticate(username="practitioner", password=DEMO_PASSWORD).password
    for sign_in in DEMO_SIGN_INS:
        assert sign_in.password == DEMO_PASSWORD == "alongside-demo"
        user = User.objects.get(username=sign_in.username)
        assert user.is_active
        assert user.password == encoded
        memberships = list(Membership.objects.active().filter(user=user))
        if sign_in.is_portal_person:
            assert not user.is_superuser and memberships == []
            person = Person.objects.get(user=user)
            assert (person.given_name, person.family_name) == (
                sign_in.first_name,
                sign_in.last_name,
            )
        elif sign_in.role is None:
            assert user.is_superuser and user.is_staff
            assert memberships == []
        else:
            assert not user.is_superuser
            [membership] = memberships
            assert membership.role == sign_in.role
            assert membership.team.name == sign_in.team
            assert membership.team.organisation.name == sign_in.organisation
    assert authenticate(username="sysadmin", password="wrong-password") is None
    first_cmht = Team.objects.get(name=data.cmht_name(data.LOCALITIES[0]))
    assert first_cmht.localities.get().code == data.LOCALITIES[0].code
    assert User.objects.get(username="carepartner").memberships.get().team.organisation == (
        Alliance.objects.get().lead_organisation
    )


@pytest.mark.django_db
def test_staff_dates_come_from_the_reference_date_not_today():
    generate(7, SMALL, as_of=AS_OF)
    latest = Membership.objects.order_by("-started_on").first().started_on
    assert latest <= AS_OF
    assert (
        User.objects.filter(
            date_joined__gt=dt.datetime.combine(AS_OF, dt.time(0), tzinfo=dt.UTC)
        ).count()
        == 0
    )


@pytest.mark.django_db
def test_consents_and_break_glass_are_realistic_and_the_portal_person_is_shared():
    from alongside.sharing import policy
    from alongside.sharing.models import BreakGlass, Consent, Part

    generate(7, SMALL, as_of=AS_OF)
    trust = Organisation.objects.get(name=data.TRUST.name)
    to_trust = Consent.objects.filter(organisation=trust).count()
    assert 0.75 * SMALL <= to_trust <= 0.95 * SMALL
    assert Consent.objects.filter(withdrawn_at__isnull=False).exists()
    portal = Person.objects.get(user__username="person")
    practitioner = User.objects.get(username="practitioner")
    carepartner = User.objects.get(username="carepartner")
    assert policy.decide(practitioner, portal, Part.PLAN).allowed
    assert policy.decide(carepartner, portal, Part.PLAN).allowed
    assert not policy.decide(carepartner, portal, Part.CLINICAL_NOTES).allowed
    grants = BreakGlass.objects.all()
    assert grants.count() == 3
    assert grants.filter(reviewed_at__isnull=True).count() == 2
    for grant in grants:  # break-glass is for people with no other basis
        assert not Consent.objects.filter(person=grant.person, organisation=trust).exists()
        grant.full_clean()
    for consent in Consent.objects.order_by("?")[:20]:
        consent.full_clean()
