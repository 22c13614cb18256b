"""Supervision coverage and meta-supervision coverage on hand-built cases whose answers are
worked out here (on DuckDB over a tiny extract; ``test_engines`` shows PostgreSQL and Spark
agree). October 2026 ends on Saturday 31 October: every interval is counted back from then."""

import re

import pytest

from alongside.insights.metrics import BY_KEY, Filters, Period, compute
from alongside.insights.schema import PROVIDER_TYPES
from alongside.insights.tests.builder import NHS_TEAM, VCSE_TEAM, Place
from alongside.sharing.policy import CARE_ROLES

OCTOBER = Period.month(2026, 10)
SUPERVISOR, OTHER_SUPERVISOR, META_SUPERVISOR = 801, 802, 901


def headline(engine, key, period=OCTOBER, **kwargs):
    rows = compute(engine, BY_KEY[key], period, **kwargs)
    assert len(rows) <= 1
    return rows[0] if rows else {"denominator": 0, "numerator": 0, "median": None}


def figures(engine, key, **kwargs):
    row = headline(engine, key, **kwargs)
    return row["denominator"], row["numerator"], row["median"]


@pytest.fixture
def place():
    return Place()


def test_a_session_within_the_interval_covers_and_a_later_one_is_overdue_by_the_days_past_it(
    place, tmp_path
):
    monthly = {"individual": 4}
    for supervisee, last in ((701, "2026-10-03"), (702, "2026-10-02"), (703, "2026-09-01")):
        place.agreement(supervisee, SUPERVISOR, "2026-01-01", terms=monthly)
        place.supervision(SUPERVISOR, "individual", last, supervisee)
    # 701: 28 days before the 31st, on the last day of the interval: covered.
    # 702: 29 days, a day overdue. 703: 60 days, 32 overdue.
    # 704: never supervised since the agreement began on 1 June: 152 days, 124 overdue.
    place.agreement(704, SUPERVISOR, "2026-06-01", terms=monthly)
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (4, 1, 32.0)


def test_an_agreement_starting_mid_period_is_covered_until_its_first_session_is_due(
    place, tmp_path
):
    # Started on 15 October: 16 days is less than either interval, so nothing is due yet.
    place.agreement(705, SUPERVISOR, "2026-10-15", terms={"individual": 4, "group": 13})
    # Started on 1 October with fortnightly sessions and none held: 30 days, 16 overdue.
    place.agreement(706, SUPERVISOR, "2026-10-01", terms={"individual": 2})
    # A session under an earlier agreement with the same supervisor does not carry into a new
    # one: counted from 1 September, 60 days, 32 overdue.
    place.agreement(707, SUPERVISOR, "2026-01-01", ends="2026-06-30", terms={"individual": 4})
    place.supervision(SUPERVISOR, "individual", "2026-06-20", 707)
    place.agreement(707, SUPERVISOR, "2026-09-01", terms={"individual": 4})
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (3, 1, 24.0)
    # On 30 September only 707's new agreement was current; on 31 August none was.
    assert headline(engine, "supervision_coverage", Period.month(2026, 9))["denominator"] == 1
    assert headline(engine, "supervision_coverage", Period.month(2026, 8))["denominator"] == 0


def test_ended_and_future_agreements_are_not_counted(place, tmp_path):
    monthly = {"individual": 4}
    place.agreement(708, SUPERVISOR, "2026-01-01", ends="2026-10-30", terms=monthly)  # ended
    place.agreement(709, SUPERVISOR, "2026-01-01", ends="2026-10-31", terms=monthly)  # last day
    place.supervision(SUPERVISOR, "individual", "2026-10-20", 709)
    place.agreement(710, SUPERVISOR, "2026-11-01", terms=monthly)  # not started
    # An old agreement that lapsed unmet, then a new supervisor who is seeing them: covered.
    place.agreement(711, SUPERVISOR, "2026-01-01", ends="2026-09-30", terms=monthly)
    place.agreement(711, OTHER_SUPERVISOR, "2026-10-01", terms=monthly)
    place.supervision(OTHER_SUPERVISOR, "individual", "2026-10-20", 711)
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (2, 2, None)


def test_group_sessions_count_for_every_attendee(place, tmp_path):
    quarterly = {"group": 13}
    for supervisee in (712, 713, 714):
        place.agreement(supervisee, SUPERVISOR, "2026-01-01", terms=quarterly)
    place.supervision(SUPERVISOR, "group", "2026-05-01", 712, 713, 714)
    place.supervision(SUPERVISOR, "group", "2026-09-15", 712, 713)
    # 712 and 713: 46 days. 714 missed September's group: 183 days since May, 92 overdue.
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (3, 2, 92.0)


def test_a_session_of_another_kind_with_another_supervisor_or_after_the_period_does_not_count(
    place, tmp_path
):
    monthly = {"individual": 4}
    # 715: the last individual session was on 10 September (51 days, 23 overdue); a case
    # review and a group session since are not individual supervision.
    place.agreement(715, SUPERVISOR, "2026-01-01", terms=monthly)
    place.supervision(SUPERVISOR, "individual", "2026-09-10", 715)
    place.supervision(SUPERVISOR, "case_review", "2026-10-20", 715)
    place.supervision(SUPERVISOR, "group", "2026-10-25", 715)
    # 716: seen by someone else on 20 October, and by their supervisor only on 1 November:
    # counted from the agreement's start on 1 August, 91 days, 63 overdue.
    place.agreement(716, SUPERVISOR, "2026-08-01", terms=monthly)
    place.supervision(OTHER_SUPERVISOR, "individual", "2026-10-20", 716)
    place.supervision(SUPERVISOR, "individual", "2026-11-01", 716)
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (2, 0, 43.0)


def test_every_term_of_every_current_agreement_must_be_met_and_the_worst_is_the_value(
    place, tmp_path
):
    # Clinical supervision from the trust, kept up; line supervision every 8 weeks, none since
    # 1 July: 122 days, 66 overdue. One practitioner, counted once, not covered.
    place.agreement(717, SUPERVISOR, "2026-01-01", terms={"individual": 4})
    place.supervision(SUPERVISOR, "individual", "2026-10-20", 717)
    place.agreement(717, OTHER_SUPERVISOR, "2026-07-01", terms={"individual": 8, "group": 26})
    engine = place.engine(tmp_path)
    assert figures(engine, "supervision_coverage") == (1, 0, 66.0)


def test_meta_supervision_coverage_counts_supervisors_meta_terms_only(place, tmp_path):
    meta = {"meta": 8}
    supervisors = (801, 802, 803)
    for supervisor in supervisors:
        place.agreement(supervisor, META_SUPERVISOR, "2026-01-01", terms=meta, is_supervisor=True)
    place.supervision(META_SUPERVISOR, "meta", "2026-09-20", 801)  # 41 days: covered
    place.supervision(META_SUPERVISOR, "meta", "2026-08-01", 802)  # 91 days: 35 overdue
    place.supervision(META_SUPERVISOR, "group", "2026-10-01", 803)  # not meta: 247 overdue
    # A supervisor whose agreement has no meta-supervision term, and a practitioner (not a
    # supervisor) whose agreement has one by mistake: neither is counted for meta-supervision.
    place.agreement(804, META_SUPERVISOR, "2026-01-01", terms={"individual": 4}, is_supervisor=True)
    place.agreement(718, SUPERVISOR, "2026-01-01", terms={"individual": 4, "meta": 8})
    place.supervision(SUPERVISOR, "individual", "2026-10-30", 718)
    engine = place.engine(tmp_path)
    assert figures(engine, "meta_supervision_coverage") == (3, 1, 141.0)
    # Everyone's terms count in the practitioners' measure, meta-supervision included: 801 is
    # covered; 802 35, 803 247, 804 275 and 718 (meta never held) 247 days overdue.
    assert figures(engine, "supervision_coverage") == (5, 1, 247.0)


def test_coverage_breaks_down_by_provider_type_and_filters_to_a_team(place, tmp_path):
    monthly = {"individual": 4}
    place.agreement(721, SUPERVISOR, "2026-01-01", terms=monthly, team=NHS_TEAM)
    place.supervision(SUPERVISOR, "individual", "2026-10-20", 721)
    # A VCSE Care Partner supervised by the trust's clinician, and one who is overdue.
    place.agreement(722, SUPERVISOR, "2026-01-01", terms=monthly, team=VCSE_TEAM)
    place.supervision(SUPERVISOR, "individual", "2026-10-20", 722)
    place.agreement(723, SUPERVISOR, "2026-01-01", terms=monthly, team=VCSE_TEAM)
    # Someone with no active care membership.
    place.agreement(724, SUPERVISOR, "2026-01-01", terms=monthly, team=None)
    engine = place.engine(tmp_path)
    rows = compute(engine, BY_KEY["supervision_coverage"], OCTOBER, by="provider_type")
    assert {r["group"]: (r["denominator"], r["numerator"]) for r in rows} == {
        "NHS": (1, 1),
        "VCSE": (2, 1),
        "Not known": (1, 0),
    }
    vcse_team = headline(engine, "supervision_coverage", filters=Filters(team_key=VCSE_TEAM))
    assert (vcse_team["denominator"], vcse_team["numerator"]) == (2, 1)
    vcse = headline(engine, "supervision_coverage", filters=Filters(provider_type="VCSE"))
    assert vcse["denominator"] == 2
    with pytest.raises(ValueError, match="cannot be broken down by ethnic_group"):
        compute(engine, BY_KEY["supervision_coverage"], OCTOBER, by="ethnic_group")


def test_no_agreements_means_nothing_to_count(place, tmp_path):
    place.supervision(SUPERVISOR, "individual", "2026-10-20", 725)
    engine = place.engine(tmp_path)
    assert headline(engine, "supervision_coverage")["denominator"] == 0
    assert headline(engine, "meta_supervision_coverage")["denominator"] == 0


def test_the_views_codes_agree_with_the_python_constants():
    migration = __import__(
        "alongside.insights.migrations.0003_supervision_tables", fromlist=["VIEWS"]
    )
    roles = ", ".join(f"'{r}'" for r in sorted(str(r) for r in CARE_ROLES))
    assert f"({roles})" == migration.CARE_ROLES
    written = migration.provider_type("o.kind")
    clauses = re.findall(r"WHEN (.*?) THEN '([^']*)'", written)
    labels = {kind: label for test, label in clauses for kind in re.findall(r"'(\w+)'", test)}
    for kind, label in PROVIDER_TYPES.items():
        assert labels.get(kind, written.rsplit("ELSE ", 1)[1].split("'")[1]) == label, kind
    assert "IS NULL THEN 'Not known'" in written
