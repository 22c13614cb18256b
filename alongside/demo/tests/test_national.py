"""``alongside demo --scale national``: a research extract written straight to Parquet.

One small extract (3,000 people) is made once for the module and read by most tests. None of
these tests may touch the database: they have no ``django_db`` mark, so pytest-django fails any
that tries.
"""

import filecmp
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alongside.demo.management.commands.demo import scale
from alongside.demo.national import ExtractNotEmpty, write_national_extract
from alongside.demo.tests.pinned import AS_OF
from alongside.insights import metrics
from alongside.insights.engines import DuckDBEngine, check_extract, table_path
from alongside.insights.schema import SCHEMA_VERSION, TABLES

PEOPLE = 3_000
SEED = 11
OCTOBER = metrics.Period.month(2026, 10)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    directory = tmp_path_factory.mktemp("national") / "extract"
    seen: list[tuple[int, int]] = []
    rows = write_national_extract(
        directory,
        people=PEOPLE,
        seed=SEED,
        as_of=AS_OF,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert seen[-1] == (PEOPLE, PEOPLE)
    return directory, rows


@pytest.fixture(scope="module")
def figures(extract: tuple[Path, dict[str, int]]) -> dict[tuple[str, str | None], dict]:
    directory, _ = extract
    engine = DuckDBEngine(directory)
    rows = [r for m in metrics.METRICS for r in metrics.compute(engine, m, OCTOBER)]
    return {(r["metric"], r["split"]): r for r in rows}


def _files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*.parquet"))


def test_the_extract_passes_the_check_and_its_manifest_says_what_it_is(extract):
    directory, rows = extract
    paths = check_extract(directory)
    assert set(paths) == set(TABLES)
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["reference_date"] == AS_OF.isoformat()
    assert manifest["rows"] == rows
    assert manifest["generator"]["seed"] == SEED
    assert manifest["generator"]["people"] == PEOPLE
    assert {"written_at", "site"} <= set(manifest)


def test_it_holds_no_column_outside_the_schema_and_the_counts_are_real(extract):
    directory, rows = extract
    for name, table in TABLES.items():
        path = table_path(directory, name)
        parts = [path] if path.is_file() else sorted(path.glob("*.parquet"))
        assert parts, name
        total = 0
        for part in parts:
            found = pq.read_schema(part)
            assert found.names == list(table.column_names), name
            total += pq.read_metadata(part).num_rows
        assert total == rows[name], name
    others = [p.name for p in directory.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    assert sorted(others) == ["data_dictionary.csv", "manifest.json"]


def test_the_shapes_are_those_of_a_nation(extract):
    directory, rows = extract
    assert rows["people"] > 0.98 * PEOPLE  # a few have only a referral not yet matched
    assert 1.3 < rows["referrals"] / rows["people"] < 1.7
    assert 15 < rows["contacts"] / rows["people"] < 28
    assert rows["measure_rules"] == 5
    teams = pq.read_table(directory / "teams.parquet").to_pylist()
    assert {t["provider_type"] for t in teams} >= {"NHS", "VCSE", "Primary care"}
    assert {"A06", "A05", "A14", ""} <= {t["team_type_code"] for t in teams}
    assert any(t["team_name"] == "Wyvern Central Community Mental Health Team" for t in teams)
    residents = pq.read_table(directory / "residents.parquet").to_pylist()
    assert {r["dimension"] for r in residents} == {
        "age_band",
        "sex",
        "ethnic_group",
        "imd_quintile",
    }
    assert "Under 18" not in {r["group_name"] for r in residents}
    keys = pq.read_table(directory / "referrals", columns=["referral_key"]).column(0)
    assert keys.to_numpy().min() >= 0
    assert len(set(keys.to_pylist())) == rows["referrals"]


def test_the_measure_rules_are_the_platforms(extract):
    directory, _ = extract
    rules = pq.read_table(directory / "measure_rules.parquet").to_pylist()
    assert sorted(
        (r["measure"], r["score_key"], r["better"], r["reliable_change"]) for r in rules
    ) == [
        ("dialog", "quality-of-life", "higher", 1.0),
        ("gad7", "total", "lower", 4.0),
        ("gbo", "mean", "higher", 3.0),
        ("phq9", "total", "lower", 6.0),
        ("reqol10", "total", "higher", 5.0),
    ]


def test_every_metric_has_figures_on_duckdb(figures):
    assert figures[("access_nhs", None)]["denominator"] > 100
    assert (
        figures[("access_with_vcse", None)]["denominator"]
        > figures[("access_nhs", None)]["denominator"]
    )
    stops = figures[("waiting_clock_stop", None)]
    assert stops["denominator"] > 20
    assert 7 < stops["median"] < 70
    assert figures[("still_waiting", None)]["denominator"] > 0
    assert (
        0
        < figures[("did_not_attend", None)]["numerator"]
        < figures[("did_not_attend", None)]["denominator"]
    )
    for key in ("warm_handovers", "self_referrals", "plan_within_four_weeks",
                "plans_reviewed_on_time", "open_episodes", "paired_outcomes"):  # fmt: skip
        assert 0 < figures[(key, None)]["numerator"] < figures[(key, None)]["denominator"], key
    for measure, better in (("phq9", -1), ("gad7", -1), ("dialog", 1), ("gbo", 1)):
        change = figures[("outcome_change", measure)]
        assert change["denominator"] > 5, measure
        assert change["mean"] * better > 0, measure


def test_supervision_is_a_workforces_with_gaps(extract, figures):
    directory, _ = extract
    terms = pq.read_table(directory / "supervision_terms.parquet").to_pylist()
    sessions = pq.read_table(directory / "supervision_attendance.parquet").to_pylist()
    assert {(t["kind"], t["every_weeks"]) for t in terms} == {
        ("individual", 4),
        ("group", 13),
        ("meta", 8),
    }
    assert all(t["supervisee_is_supervisor"] == (t["kind"] == "meta") for t in terms)
    assert {t["provider_type"] for t in terms} >= {"NHS", "VCSE"}
    assert {s["supervisee_key"] for s in sessions} <= {t["supervisee_key"] for t in terms}
    assert max(s["held_on"] for s in sessions) < AS_OF
    per_session: dict[int, int] = {}
    for s in sessions:
        per_session[s["session_key"]] = per_session.get(s["session_key"], 0) + 1
    assert max(per_session.values()) >= 2  # group sessions: one row per attendee
    assert any(t["ends_on"] is not None for t in terms)  # some changed supervisor
    for key in ("supervision_coverage", "meta_supervision_coverage"):
        row = figures[(key, None)]
        assert 0.6 < row["numerator"] / row["denominator"] < 0.97, key
        assert row["median"] > 0, key


def test_coproduction_differs_by_team_and_the_index_has_figures(extract, figures):
    directory, rows = extract
    for name in ("goals", "meeting_decisions", "preference_checks", "collaborate",
                 "review_ratings", "involvements", "team_localities"):  # fmt: skip
        assert rows[name] > 0, name
    plans = pq.read_table(directory / "plan_versions").to_pylist()
    assert all(0 <= p["sections_with_person"] <= p["sections_recorded"] <= 10 for p in plans)
    assert {p["person_present"] for p in plans} == {True, False, None}
    goals = pq.read_table(directory / "goals", columns=["worded_by"]).column(0).to_pylist()
    assert set(goals) == {"", "person", "together", "practitioner"}
    ratings = pq.read_table(directory / "review_ratings.parquet").to_pylist()
    assert {r["score"] for r in ratings} <= {1, 2, 3, 4, 5}
    mean = {
        raters: sum(r["score"] for r in ratings if r["raters"] == raters)
        / sum(1 for r in ratings if r["raters"] == raters)
        for raters in ("staff", "experts")
    }
    assert mean["staff"] > mean["experts"]  # staff see more co-production than experts do
    assert max(r["held_on"] for r in ratings) < AS_OF
    involvements = pq.read_table(directory / "involvements.parquet").to_pylist()
    assert all(
        (i["changed_on"] is not None) == i["changed"]
        and (i["changed_on"] or i["involved_on"]) >= i["involved_on"]
        for i in involvements
    )
    served = pq.read_table(directory / "team_localities.parquet").to_pylist()
    teams = {t["team_key"] for t in pq.read_table(directory / "teams.parquet").to_pylist()}
    assert {s["team_key"] for s in served} <= teams
    index = figures[("coproduction_index", None)]
    assert index["denominator"] > 100
    assert index["numerator"] < index["denominator"]
    assert 20 < index["mean"] < 80
    assert 0 < index["involvement"] < 100
    assert index["care_teams"] > 50 and index["review_teams"] > 50


def test_the_same_seed_writes_the_same_files(extract, tmp_path, monkeypatch):
    directory, rows = extract
    again = tmp_path / "again"
    assert write_national_extract(again, people=PEOPLE, seed=SEED, as_of=AS_OF) == rows
    ours, theirs = _files(directory), _files(again)
    assert [p.relative_to(directory) for p in ours] == [p.relative_to(again) for p in theirs]
    for a, b in zip(ours, theirs, strict=True):
        assert filecmp.cmp(a, b, shallow=False), a.name
    other = write_national_extract(tmp_path / "other", people=PEOPLE, seed=SEED + 1, as_of=AS_OF)
    assert other != rows


def test_a_folder_that_is_not_empty_is_left_alone(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ExtractNotEmpty):
        write_national_extract(tmp_path, people=10)
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]


def _demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_the_command_writes_an_extract_without_the_database(tmp_path):
    output = _demo("--scale", "national", "--extract", str(tmp_path / "x"), "--people", "500")
    assert "500 people" in output
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["generator"]["people"] == 500
    check_extract(tmp_path / "x")


def test_national_is_a_scale():
    assert scale("national") == "national"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--scale", "national"), "--extract DIR"),
        (("--scale", "national", "--people", "0", "--extract", "x"), "at least 1"),
        (("--scale", "national", "--flush", "--extract", "x"), "research extract"),
        (("--scale", "demo", "--extract", "x"), "--scale national"),
        (("--people", "50"), "--scale national"),
    ],
)
def test_the_command_refuses_what_does_not_fit(args, message):
    with pytest.raises(CommandError, match=message):
        _demo(*args)


def test_the_command_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        _demo("--scale", "national", "--extract", str(tmp_path), "--people", "10")
