"""The same metric definitions give identical figures live on PostgreSQL and over the research
extract on DuckDB and on Spark; the extract carries no direct identifier; the views match the
schema; a broken extract is refused with every problem named."""

import datetime as dt
import json
import re
import shutil
from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Q
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import (
    ASSESSMENT_KINDS,
    DIRECT_MODES,
    INTERVENTION_KINDS,
    Authorship,
    CarePlanVersion,
    ContactPreferences,
    Episode,
    Goal,
    Mode,
    TimeOfDay,
)
from alongside.coproduction.models import (
    Characteristic,
    Expert,
    Involvement,
    Raters,
    Rating,
    Review,
    Reward,
    RoleKind,
)
from alongside.demo.generator import flush, generate
from alongside.insights import metrics
from alongside.insights.engines import (
    DuckDBEngine,
    ExtractError,
    PostgresEngine,
    SparkEngine,
    check_extract,
    spark_session,
)
from alongside.insights.extract import ExtractExists, pseudonym, write_extract
from alongside.insights.schema import PROVIDER_TYPES, TABLES
from alongside.organisations.models import (
    MHSDS_TEAM_TYPE_CODES,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Team,
)
from alongside.outcomes import registry
from alongside.outcomes.tests.factories import answered
from alongside.people.models import Person
from alongside.referrals.models import MHSDS_SOURCE_CODES, Referral
from alongside.supervision import services
from alongside.supervision.models import Kind, SupervisionAgreement

#: Every test here, even one that reads only the extract, asks for the test database: run alone,
#: a test without the mark would leave the module's place to be written to (and flushed from)
#: the database the settings name.
pytestmark = pytest.mark.django_db

SALT = b"a test salt"
OCTOBER = metrics.Period.month(2026, 10)


def _supervision_unless_generated() -> None:
    """Agreements and sessions for the engines to agree on, if the demo generator wrote none:
    NHS and VCSE practitioners with monthly individual and quarterly group supervision (some
    kept up, some overdue, one group session for several), and their supervisor's
    meta-supervision."""
    if SupervisionAgreement.objects.exists():
        return
    active = Membership.objects.active()
    practitioners = [
        m.user
        for kind in (OrganisationKind.NHS_TRUST, OrganisationKind.VCSE)
        for m in active.filter(role=Role.PRACTITIONER, team__organisation__kind=kind)
        .select_related("user")
        .order_by("user_id")[:6]
    ]
    seniors = (
        active.filter(role__in=[Role.SUPERVISOR, Role.TEAM_LEAD])
        .exclude(user__in=practitioners)
        .order_by("user_id")
        .values_list("user", flat=True)
    )
    supervisor, meta = (User.objects.get(pk=pk) for pk in list(dict.fromkeys(seniors))[:2])
    starts = dt.date(2026, 1, 1)
    for practitioner in practitioners:
        services.make_agreement(
            supervisee=practitioner, supervisor=supervisor, starts_on=starts, by=supervisor,
            terms={Kind.INDIVIDUAL: 4, Kind.GROUP: 13},
        )  # fmt: skip
    services.make_agreement(
        supervisee=supervisor, supervisor=meta, starts_on=starts, by=meta, terms={Kind.META: 8}
    )

    def held(by, kind, day, *who):
        services.record_session(
            supervisor=by, kind=kind, held_on=day, duration_minutes=60, attendees=who, by=by
        )

    for number, practitioner in enumerate(practitioners):
        held(supervisor, Kind.INDIVIDUAL, dt.date(2026, 10, 28) - dt.timedelta(days=9 * number),
             practitioner)  # fmt: skip
    held(supervisor, Kind.GROUP, dt.date(2026, 9, 15), *practitioners[::2])
    held(meta, Kind.META, dt.date(2026, 8, 1), supervisor)


def _coproduction_unless_generated() -> None:
    """The person's voice in care, team reviews and experts' involvements for the engines to
    agree on, if the demo generator wrote none: who wrote plan sections, presence, goals'
    wording, contact preferences and CollaboRATE in open episodes; reviews (rated by experts
    by experience for most teams) and involvements, some with what changed, in the three
    months to October 2026."""
    day = dt.date(2026, 10, 31)
    open_ = list(
        Episode.objects.filter(
            Q(ended_at__isnull=True) | Q(ended_at__date__gte=day), started_at__date__lte=day
        ).order_by("pk")
    )
    teams = sorted({e.lead_team for e in open_}, key=lambda t: t.pk)
    author = User.objects.order_by("pk").first()
    if not CarePlanVersion.objects.exclude(authorship={}).exists():
        whose = (Authorship.PERSON, Authorship.TOGETHER, Authorship.PRACTITIONER)
        for n, version in enumerate(
            CarePlanVersion.objects.filter(plan__episode__in=open_).order_by("pk")
        ):
            version.authorship = {"about_me": whose[n % 3], "strengths": whose[(n + 1) % 3]}
            version.person_present = (True, False, None)[n % 3]
            version.save(update_fields=["authorship", "person_present"])
        for n, goal in enumerate(Goal.objects.filter(episode__in=open_).order_by("pk")):
            goal.worded_by = ("", *whose)[n % 4]
            goal.save(update_fields=["worded_by"])
        for n, episode in enumerate(open_[::3]):
            ContactPreferences.objects.get_or_create(
                person=episode.person,
                defaults={
                    "modes": [Mode.FACE_TO_FACE, Mode.VIDEO][: 1 + n % 2],
                    "times": [TimeOfDay.MORNING] if n % 2 else [],
                    "others_may_join": (None, False)[n % 2],
                    "updated_at": episode.started_at + dt.timedelta(days=7),
                    "updated_by": author,
                },
            )
        registry.load_wording(
            {
                "wordingFor": "collaborate",
                "version": "1",
                "licence": "Synthetic wording for tests",
                "items": {str(n): {"text": f"Question {n}"} for n in (1, 2, 3)},
            }
        )
        for n, episode in enumerate(open_[:12]):
            answers = ["9", "9", "9"] if n % 3 else ["9", "7", "8"]
            answered(episode, "collaborate", answers, by=author,
                     at=timezone.make_aware(dt.datetime(2026, 10, 1 + n, 11)))  # fmt: skip
    if not Review.objects.filter(team__isnull=False).exists():
        for n, team in enumerate(teams):
            review = Review.objects.create(
                team=team, held_on=dt.date(2026, 9, 1 + n), staff_raters=3, created_by=author
            )
            raters = (Raters.STAFF, Raters.EXPERTS) if n % 4 else (Raters.STAFF,)
            for rater in raters:
                for k, characteristic in enumerate(Characteristic):
                    Rating.objects.create(
                        review=review, raters=rater, characteristic=characteristic,
                        score=1 + (n + k + (rater == Raters.STAFF)) % 5, evidence="Examples",
                        recorded_by=author,
                    )  # fmt: skip
    if not Involvement.objects.exists():
        expert = Expert.objects.create(
            given_name="Sam", family_name="Okafor", organisation=teams[0].organisation,
            consent_on=dt.date(2025, 1, 1), created_by=author,
        )  # fmt: skip
        for n, team in enumerate(teams[::2]):
            for k in range(1 + n % 3):
                Involvement.objects.create(
                    expert=expert, kind=RoleKind.SERVICE_DESIGN,
                    on=dt.date(2026, 8, 5 + 7 * k + n), hours=Decimal("2"), team=team,
                    organisation=team.organisation, what="Service design",
                    changed="The letter changed" if (n + k) % 2 else "",
                    changed_on=dt.date(2026, 10, 1) if (n + k) % 2 else None,
                    reward=Reward.NONE, recorded_by=author,
                )  # fmt: skip


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        generate(11, 400, as_of=dt.date(2026, 11, 1))  # OCTOBER is its last whole month
        _supervision_unless_generated()
        _coproduction_unless_generated()
        directory = tmp_path_factory.mktemp("extract") / "wyvern"
        result = write_extract(directory, salt=SALT)
        try:
            yield result
        finally:
            flush()


def _key(row):
    return (row["metric"], str(row["split"]), str(row["dimension"]), str(row["group"]))


def _same_figures(left: dict, right: dict) -> bool:
    """Counts equal exactly; means, medians and percentiles (floats rounded to 2 places) within
    one unit of that last place, because engines add floats in different orders and a value such
    as 0.875 may round up on one and down on another."""
    if left.keys() != right.keys():
        return False
    for key, row in left.items():
        other = right[key]
        if row.keys() != other.keys():
            return False
        for name, value in row.items():
            theirs = other[name]
            if isinstance(value, float) and isinstance(theirs, float):
                if abs(value - theirs) > 0.0100001:
                    return False
            elif value != theirs:
                return False
    return True


@pytest.fixture(scope="module")
def live_pack(place, django_db_blocker):
    with django_db_blocker.unblock():
        return metrics.pack(PostgresEngine(), OCTOBER)


def test_postgres_and_duckdb_and_spark_give_identical_figures(place, live_pack):
    duck = metrics.pack(DuckDBEngine(place.directory), OCTOBER)
    assert len(live_pack) > 300
    live = {_key(r): r for r in live_pack}
    assert _same_figures(live, {_key(r): r for r in duck})
    # Spark plans each query for seconds: every metric, overall and by two dimensions (the
    # co-production index by team).
    on_spark = ("ethnic_group", "wait_band", "team")
    spark: list = []
    with spark_session() as session:
        engine = SparkEngine(place.directory, session)
        for metric in metrics.METRICS:
            wanted = [None, *[d for d in on_spark if d in metric.breakdowns]]
            spark += metrics.compute_many(engine, metric, OCTOBER, wanted)
    assert _same_figures(
        {_key(r): r for r in spark}, {k: v for k, v in live.items() if k[2] in ("None", *on_spark)}
    )
    index = metrics.BY_KEY["coproduction_index"]
    # and the figures are not trivially empty
    headline = {r["metric"]: r for r in live_pack if r["dimension"] is None}
    assert headline["access_nhs"]["denominator"] > 0
    assert headline["waiting_clock_stop"]["denominator"] > 0
    assert headline["did_not_attend"]["numerator"] > 0
    assert headline["supervision_coverage"]["denominator"] > 0
    assert headline["meta_supervision_coverage"]["denominator"] > 0
    coproduction = headline["coproduction_index"]
    assert coproduction["numerator"] > 0 and coproduction["denominator"] > coproduction["numerator"]
    assert coproduction["care_teams"] > 0 and coproduction["review_teams"] > 0
    assert 0 < coproduction["involvement"] < 100
    by_team = [r for r in live_pack if r["metric"] == index.key and r["dimension"] == "team"]
    assert len(by_team) == coproduction["denominator"]


@pytest.mark.django_db
def test_every_view_has_the_schemas_columns_in_order(place):
    with connection.cursor() as cursor:
        for table in TABLES.values():
            cursor.execute(f"SELECT * FROM {table.view} LIMIT 0")
            assert [d.name for d in cursor.description] == list(table.column_names), table.name


def test_the_views_codes_agree_with_the_python_constants():
    migration = __import__("alongside.insights.migrations.0001_analysis_views", fromlist=["VIEWS"])
    for team_type, code in MHSDS_TEAM_TYPE_CODES.items():
        assert f"WHEN '{team_type}' THEN '{code}'" in migration.team_type_code("t")
    for kind, label in PROVIDER_TYPES.items():
        written = f"WHEN '{kind}' THEN '{label}'" if kind != "other" else f"ELSE '{label}'"
        assert written in migration.provider_type("o")
    for source, code in MHSDS_SOURCE_CODES.items():
        assert f"WHEN '{source}' THEN '{code}'" in migration.REFERRALS
    assert "(c.kind = 'assessment')" in migration.CONTACTS and ASSESSMENT_KINDS == ("assessment",)
    interventions = ", ".join(f"'{k}'" for k in INTERVENTION_KINDS)
    assert f"(c.kind IN ({interventions}))" in migration.CONTACTS
    modes = ", ".join(f"'{m}'" for m in DIRECT_MODES)
    assert f"(c.mode IN ({modes}))" in migration.CONTACTS


# --- the extract ----------------------------------------------------------------------------------


def _all_values(directory):
    for path in directory.glob("*.parquet"):
        table = pq.read_table(path)
        for column in table.column_names:
            for value in table.column(column).to_pylist():
                yield path.stem, column, value


@pytest.mark.django_db
def test_the_extract_holds_no_direct_identifier(place):
    people = list(Person.objects.all())
    referrals = list(Referral.objects.all())
    full_names = {f"{p.given_name} {p.family_name}" for p in people}
    given = {p.given_name for p in people} | {r.given_name for r in referrals}
    identifiers = {p.nhs_number for p in people if p.nhs_number}
    identifiers |= {p.postcode for p in people if p.postcode} | {r.postcode for r in referrals}
    identifiers |= {p.email for p in people if p.email} | {p.phone for p in people if p.phone}
    identifiers |= {r.reference for r in referrals}
    identifiers.discard("")
    births = {p.date_of_birth for p in people} | {r.date_of_birth for r in referrals}
    texts = 0
    for table, column, value in _all_values(place.directory):
        if isinstance(value, str):
            texts += 1
            assert value not in identifiers, (table, column)
            assert value not in given, (table, column)
            assert not any(name in value for name in full_names), (table, column)
            assert not re.search(r"\b\d{10}\b", value), (table, column)
            assert not re.search(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}", value), (table, column)
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            assert value not in births or table in ("plan_versions", "episodes", "referrals"), (
                table,
                column,
            )
    assert texts > 1000


def test_the_extract_holds_exactly_the_data_dictionarys_columns(place):
    dictionary = (place.directory / "data_dictionary.csv").read_text().splitlines()
    listed = {tuple(line.split(",")[:2]) for line in dictionary[1:]}
    for path in place.directory.glob("*.parquet"):
        for column in pq.read_schema(path).names:
            assert (path.stem, column) in listed
    manifest = json.loads((place.directory / "manifest.json").read_text())
    assert manifest["rows"] == place.rows
    assert "salt" not in json.dumps(manifest).replace("a salt kept at the site", "")


@pytest.mark.django_db
def test_keys_are_salted_hashes_that_still_join(place):
    first = Person.objects.filter(referrals__isnull=False).order_by("pk").first()
    people = pq.read_table(place.directory / "people.parquet").to_pylist()
    keys = {row["person_key"] for row in people}
    assert first.pk not in keys
    assert pseudonym(SALT, "person", first.pk) in keys
    assert pseudonym(b"another salt", "person", first.pk) not in keys
    referrals = pq.read_table(place.directory / "referrals.parquet").to_pylist()
    assert {r["person_key"] for r in referrals if r["person_key"] is not None} <= keys
    teams = {t["team_key"] for t in pq.read_table(place.directory / "teams.parquet").to_pylist()}
    assert teams == set(Team.objects.values_list("pk", flat=True))
    assert all(k >= 0 for k in keys)


def test_an_extract_is_not_written_over_another_without_force(place, tmp_path):
    (tmp_path / "something").write_text("here")
    with pytest.raises(ExtractExists, match="not empty"):
        write_extract(tmp_path, salt=SALT)
    assert (tmp_path / "something").exists()


def _copy(place, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(place.directory, target)
    return target


def test_a_missing_table_or_column_is_named(place, tmp_path):
    broken = _copy(place, tmp_path)
    (broken / "scores.parquet").unlink()
    contacts = pq.read_table(broken / "contacts.parquet").drop(["attended"])
    pq.write_table(contacts, broken / "contacts.parquet")
    with pytest.raises(ExtractError) as error:
        check_extract(broken)
    assert "the scores table is missing (scores.parquet)" in error.value.problems
    assert "contacts: column attended is missing" in error.value.problems


def test_a_wrong_type_or_an_extra_column_is_named(place, tmp_path):
    broken = _copy(place, tmp_path)
    people = pq.read_table(broken / "people.parquet")
    people = people.set_column(
        people.column_names.index("imd_decile"),
        "imd_decile",
        people.column("imd_decile").cast("string"),
    )
    people = people.append_column("postcode", people.column("lsoa_code"))
    pq.write_table(people, broken / "people.parquet")
    (broken / "referrals.parquet").write_text("not parquet")
    with pytest.raises(ExtractError) as error:
        check_extract(broken)
    problems = error.value.problems
    assert "people: column imd_decile is string, expected int64" in problems
    assert "people: columns not in the data dictionary: postcode" in problems
    assert "referrals.parquet is not a readable Parquet file" in problems


def test_the_metrics_command_reads_an_extract(place, capsys):
    call_command(
        "metrics", "--engine", "duckdb", "--extract", str(place.directory),
        "--month", "2026-10", "--metric", "bounces", "--format", "json", "--exact",
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert out["rows"][0]["metric"] == "bounces"
    assert out["rows"][0]["denominator"] > 0


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--engine", "duckdb"], "--engine duckdb needs --extract DIR"),
        (["--metric", "nothing"], "There is no metric 'nothing'"),
        (["--month", "2026-13"], "is not a month"),
        (["--month", "2019-01"], "is outside it"),
        (["--by", "shoe_size"], "--by must be one of"),
        (["--team", "999999"], "There is nothing in the data for team 999999"),
        (["--locality", "Atlantis"], "There is nothing in the data for the locality 'Atlantis'"),
        (["--provider", "Martian"], "the provider type 'Martian'"),
    ],
)
@pytest.mark.django_db
def test_the_metrics_command_explains_bad_input(place, arguments, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command("metrics", *arguments)


@pytest.mark.django_db
def test_the_metrics_command_filters_to_a_provider(place, capsys):
    call_command("metrics", "--month", "2026-10", "--metric", "did_not_attend", "--exact",
                 "--format", "json")  # fmt: skip
    everyone = json.loads(capsys.readouterr().out)["rows"][0]["denominator"]
    call_command("metrics", "--month", "2026-10", "--metric", "did_not_attend", "--exact",
                 "--format", "json", "--provider", "VCSE")  # fmt: skip
    vcse = json.loads(capsys.readouterr().out)["rows"][0]["denominator"]
    assert 0 < vcse < everyone


def test_the_metrics_command_names_what_is_wrong_with_an_extract(tmp_path, capsys):
    with pytest.raises(CommandError, match="cannot be used"):
        call_command("metrics", "--engine", "duckdb", "--extract", str(tmp_path))
    assert "manifest.json is missing" in capsys.readouterr().err


@pytest.mark.django_db
def test_the_research_export_command_writes_an_extract(place, tmp_path, settings):
    settings.ALONGSIDE_RESEARCH_SALT = "command salt"
    call_command("export", "research", str(tmp_path / "out"))
    check_extract(tmp_path / "out")
    assert Organisation.objects.exists()
