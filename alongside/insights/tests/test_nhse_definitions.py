"""The metrics that claim NHS England's definition, on worked cases written from reading NHS
England's code (``NHSDigital/mental-health-monthly-statistics``; ``cmh_prep.py`` is
``menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py``), and our own waiting-time spells
built from in-scope referrals only. Run on DuckDB over a tiny extract, as ``test_metrics.py``."""

import pytest

from alongside.insights.metrics import BY_KEY, Period, compute, in_scope_team_types
from alongside.insights.tests.builder import EIP_TEAM, VCSE_TEAM, Place, _team

OCTOBER = Period.month(2026, 10)
PCN_TEAM, SOCIAL_TEAM = 4, 5


def headline(engine, key, period=OCTOBER):
    rows = compute(engine, BY_KEY[key], period)
    assert len(rows) <= 1
    return rows[0] if rows else {"denominator": 0, "numerator": 0, "median": None, "p90": None}


@pytest.fixture
def place():
    place = Place()
    place.rows["teams"] += [
        _team(PCN_TEAM, "Mental health practitioners", "A05", 30, "Northside PCN", "Primary care"),
        _team(SOCIAL_TEAM, "Adult social care", "", 40, "Wyvern Council", "Local authority"),
    ]
    return place


def test_a_primary_care_mental_health_team_run_by_a_pcn_counts(place, tmp_path):
    """A05 is an in-scope team type whoever runs it (``cmh_prep.py`` line 200): NHS England
    counts the referral and its contacts, which the export submits as A05."""
    person = place.person()
    care = place.episode(place.referral(person, "2026-05-04", team=PCN_TEAM), "2026-05-05")
    place.contact(care, "2026-05-12", team=PCN_TEAM)
    place.contact(care, "2026-06-02", team=PCN_TEAM, mode="phone")
    engine = place.engine(tmp_path)
    assert headline(engine, "access_nhs")["denominator"] == 1
    waits = headline(engine, "second_contact_wait_nhse", Period.month(2026, 7))
    assert (waits["denominator"], waits["median"]) == (1, 29.0)  # 4 May to 2 June


def test_early_intervention_and_ips_count_from_april_2023_only(place, tmp_path):
    """``cmh_prep.py`` lines 199-200: A14 and D05 join the in-scope team types for reporting
    months after 1476 (March 2023)."""
    assert "A14" not in in_scope_team_types(Period.month(2023, 3))
    assert {"A14", "D05"} <= set(in_scope_team_types(Period.month(2023, 4)))
    person = place.person()
    care = place.episode(place.referral(person, "2022-11-01", team=EIP_TEAM), "2022-11-02")
    place.contact(care, "2022-11-10", team=EIP_TEAM)
    place.contact(care, "2022-12-01", team=EIP_TEAM)
    engine = place.engine(tmp_path)
    assert headline(engine, "access_nhs", Period.month(2023, 3))["denominator"] == 0
    assert headline(engine, "access_nhs", Period.month(2023, 4))["denominator"] == 1


def test_a_contact_after_the_referral_ended_is_not_in_the_submission(place, tmp_path):
    """The export carries contacts on referrals open in their month and marks one dated after
    the referral's discharge as a record NHS England rejects: neither counts."""
    person = place.person()
    referral = place.referral(person, "2026-03-02", ended="2026-04-10")
    care = place.episode(referral, "2026-03-03")
    place.contact(care, "2026-04-01")
    place.contact(care, "2026-04-20")  # after the referral was closed
    place.contact(care, "2026-06-01")  # in a month the referral is not submitted in
    no_source = place.referral(place.person(), "2026-03-02", source_code="")
    other = place.episode(no_source, "2026-03-03")
    place.contact(other, "2026-04-01")
    place.contact(other, "2026-04-02")
    engine = place.engine(tmp_path)
    assert headline(engine, "access_nhs")["denominator"] == 0
    assert headline(engine, "access_with_vcse")["denominator"] == 2  # ours counts them all


def test_the_second_contact_wait_is_per_referral_over_the_rolling_quarter(place, tmp_path):
    """MHS124-126 (``cmh_prep.py`` lines 303-367): per referral, the second attended direct
    contact in the order date, time, id, dated in the three months ending with the period;
    days from the day received; median and 90th percentile interpolated."""
    one = place.person()
    # Two referrals of one person: each is its own unit.
    first = place.episode(place.referral(one, "2026-07-01"), "2026-07-01")
    place.contact(first, "2026-07-10")
    place.contact(first, "2026-08-01", mode="text")  # not direct
    place.contact(first, "2026-08-05", outcome="did_not_attend")
    place.contact(first, "2026-08-10", hour=15)
    place.contact(first, "2026-08-10", hour=9)  # earlier the same day: the second, 40 days
    place.contact(first, "2026-08-11")
    second = place.episode(place.referral(one, "2026-09-01"), "2026-09-01")
    place.contact(second, "2026-09-02")
    place.contact(second, "2026-09-11", team=VCSE_TEAM)  # any team's: 10 days
    # Second contact in June: outside the quarter (August to October).
    june = place.episode(place.referral(place.person(), "2026-05-01"), "2026-05-01")
    place.contact(june, "2026-05-20")
    place.contact(june, "2026-06-30")
    # Received before April 2019: left out (line 365).
    old = place.episode(place.referral(place.person(), "2019-03-29"), "2019-03-30")
    place.contact(old, "2019-04-02")
    place.contact(old, "2026-09-20")
    # A referral held by a VCSE team is not in scope.
    vcse = place.episode(
        place.referral(place.person(), "2026-08-01", team=VCSE_TEAM), "2026-08-01", team=VCSE_TEAM
    )
    place.contact(vcse, "2026-08-02", team=VCSE_TEAM)
    place.contact(vcse, "2026-08-03", team=VCSE_TEAM)
    # A third unit: 100 days.
    third = place.episode(place.referral(place.person(), "2026-06-01"), "2026-06-02")
    place.contact(third, "2026-06-03")
    place.contact(third, "2026-09-09")
    engine = place.engine(tmp_path)
    waits = headline(engine, "second_contact_wait_nhse")
    # Days 10, 40, 100: median 40; 90th percentile 40 + 0.8 × 60 = 88.
    assert (waits["denominator"], waits["median"], waits["p90"]) == (3, 40.0, 88.0)
    assert waits["numerator"] == 1  # within 4 weeks
    assert headline(engine, "second_contact_wait_nhse", Period.month(2026, 7))["denominator"] == 1


def test_a_declined_cmht_referral_does_not_borrow_the_onward_vcse_contacts(place, tmp_path):
    """NHS England builds waiting spells from in-scope referrals only and counts only their
    contacts: a CMHT that declined someone and never saw them has no wait met by the VCSE
    service the person was passed to (nor does social care's)."""
    person = place.person()
    declined = place.referral(
        person,
        "2026-09-01",
        ended="2026-09-04",
        state="declined",
        accepted=False,
        accepted_at=None,
        rejection_reason="02",
    )
    for team in (VCSE_TEAM, SOCIAL_TEAM):
        onward = place.referral(person, "2026-09-04", team=team, onward_from_key=declined)
        care = place.episode(onward, "2026-09-05", team=team)
        place.contact(care, "2026-09-20", team=team)
        place.contact(care, "2026-10-15", team=team)
    engine = place.engine(tmp_path)
    for key in ("waiting_second_contact", "waiting_clock_stop", "second_contact_wait_nhse"):
        assert headline(engine, key)["denominator"] == 0, key
    assert headline(engine, "still_waiting")["denominator"] == 0  # declined: the spell ended


def test_a_decline_withdrawn_keeps_the_person_still_waiting(place, tmp_path):
    """Declined, back to triage, then accepted: the referral carries no rejection (the service
    clears it), so the spell is open and the person is still waiting."""
    person = place.person()
    place.referral(person, "2026-08-03", state="accepted")  # no ended_at: the decline withdrawn
    engine = place.engine(tmp_path)
    waiting = headline(engine, "still_waiting")
    assert (waiting["denominator"], waiting["median"]) == (1, 89.0)  # 3 August to 31 October
