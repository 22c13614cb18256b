"""Each metric on hand-built cases whose answer is worked out here (run on DuckDB over a tiny
extract; tests of the engines show PostgreSQL and Spark give the same answers)."""

import datetime as dt

import pytest

from alongside.insights import metrics
from alongside.insights.metrics import BY_KEY, Period, compute
from alongside.insights.tests.builder import EIP_TEAM, VCSE_TEAM, Place

OCTOBER = Period.month(2026, 10)


def headline(engine, key, period=OCTOBER, **kwargs):
    rows = compute(engine, BY_KEY[key], period, **kwargs)
    assert len(rows) <= 1
    return rows[0] if rows else {"denominator": 0, "numerator": 0}


@pytest.fixture
def place():
    return Place()


# --- periods -----------------------------------------------------------------------------------


def test_a_month_is_every_day_of_it():
    assert Period.parse_month("2026-02") == Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert Period.parse_month("2024-02").end == dt.date(2024, 2, 29)


@pytest.mark.parametrize("text", ["2026-13", "October", "2026/10", ""])
def test_a_month_that_is_not_one_is_refused_in_words(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        Period.parse_month(text)


def test_the_access_window_is_the_twelve_months_ending_with_the_period():
    assert OCTOBER.twelve_months_to_end() == Period(dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert Period.month(2026, 1).twelve_months_to_end().start == dt.date(2025, 2, 1)
    # MHS124-126's rolling quarter: the three months ending with the period.
    assert Period.month(2026, 2).quarter_to_end() == Period(
        dt.date(2025, 12, 1), dt.date(2026, 2, 28)
    )


def test_a_period_outside_the_data_is_refused_with_what_the_data_covers(place, tmp_path):
    person = place.person()
    place.referral(person, "2026-03-04")
    engine = place.engine(tmp_path)
    with pytest.raises(metrics.PeriodError, match="covers 4 March 2026 to 1 November 2026"):
        metrics.check_period(engine, Period.month(2025, 1))
    assert metrics.check_period(engine, OCTOBER) == OCTOBER


# --- access ---------------------------------------------------------------------------------------


def test_two_contacts_on_one_referral_count_once_per_person(place, tmp_path):
    # A: two attended face-to-face contacts on one referral: counted.
    a = place.person()
    ea = place.episode(place.referral(a, "2026-01-05"), "2026-01-06")
    place.contact(ea, "2026-02-01")
    place.contact(ea, "2026-09-30", mode="video")
    # B: one contact on each of two referrals: contacts on different referrals do not add up.
    b = place.person()
    place.contact(place.episode(place.referral(b, "2026-01-05"), "2026-01-06"), "2026-03-01")
    place.contact(place.episode(place.referral(b, "2026-06-05"), "2026-06-06"), "2026-07-01")
    # C: a text message and a did-not-attend do not count.
    c = place.person()
    ec = place.episode(place.referral(c, "2026-01-05"), "2026-01-06")
    place.contact(ec, "2026-02-01")
    place.contact(ec, "2026-02-08", mode="text")
    place.contact(ec, "2026-02-15", outcome="did_not_attend")
    place.contact(ec, "2026-02-22", outcome="cancelled_by_person")
    # D: the first contact is on the window's first day (counted), E: the day before (not).
    d = place.person()
    ed = place.episode(place.referral(d, "2025-10-01"), "2025-10-02")
    place.contact(ed, "2025-11-01")
    place.contact(ed, "2026-10-31")
    e = place.person()
    ee = place.episode(place.referral(e, "2025-10-01"), "2025-10-02")
    place.contact(ee, "2025-10-31")
    place.contact(ee, "2026-10-01")
    # F: two referrals each with two contacts: still one person.
    f = place.person()
    for received in ("2026-01-05", "2026-05-05"):
        ef = place.episode(place.referral(f, received), received)
        place.contact(ef, received)
        place.contact(ef, received[:-2] + "20")
    # G: under 18 at referral; H: early intervention, in scope since April 2023.
    g = place.person()
    eg = place.episode(place.referral(g, "2026-01-05", adult=False), "2026-01-06")
    place.contact(eg, "2026-02-01")
    place.contact(eg, "2026-02-02")
    h = place.person()
    eh = place.episode(place.referral(h, "2026-01-05", team=EIP_TEAM), "2026-01-06")
    place.contact(eh, "2026-02-01", team=EIP_TEAM)
    place.contact(eh, "2026-02-02", team=EIP_TEAM)
    engine = place.engine(tmp_path)
    assert headline(engine, "access_nhs")["denominator"] == 4  # A, D, F, H


def test_vcse_contacts_on_an_in_scope_referral_count_as_nhs_england_counts_them(place, tmp_path):
    """NHS England counts every attended direct contact on an in-scope referral in the
    submission, whichever team made it (``cmh_prep.py`` lines 217-235, 240-257); a referral held
    by a VCSE service is not in scope, and counts in our own measure only."""
    # Two contacts by the VCSE Care Partner on an NHS referral.
    a = place.person()
    ea = place.episode(place.referral(a, "2026-01-05"), "2026-01-06")
    place.contact(ea, "2026-02-01", team=VCSE_TEAM)
    place.contact(ea, "2026-02-08", team=VCSE_TEAM)
    # One NHS and one VCSE contact.
    b = place.person()
    eb = place.episode(place.referral(b, "2026-01-05"), "2026-01-06")
    place.contact(eb, "2026-02-01")
    place.contact(eb, "2026-02-08", team=VCSE_TEAM)
    # A referral held by the VCSE service itself, with VCSE contacts only.
    c = place.person()
    ec = place.episode(
        place.referral(c, "2026-01-05", team=VCSE_TEAM), "2026-01-06", team=VCSE_TEAM
    )
    place.contact(ec, "2026-02-01", team=VCSE_TEAM)
    place.contact(ec, "2026-02-08", team=VCSE_TEAM, mode="phone")
    engine = place.engine(tmp_path)
    assert headline(engine, "access_nhs")["denominator"] == 2  # A and B
    assert headline(engine, "access_with_vcse")["denominator"] == 3


# --- waiting times --------------------------------------------------------------------------------


def test_the_clock_stops_when_the_last_of_the_four_conditions_is_met(place, tmp_path):
    person = place.person()
    referral = place.referral(person, "2026-09-01")
    episode = place.episode(referral, "2026-09-03", plan_agreed="2026-10-05")
    place.contact(episode, "2026-09-10", kind="assessment")  # assessment, first contact
    place.contact(episode, "2026-09-17", kind="review")  # second contact (no intervention)
    place.score(episode, "2026-09-10", 14)  # baseline
    # The plan, agreed 5 October, is the last condition met: 34 days after referral.
    engine = place.engine(tmp_path)
    figures = headline(engine, "waiting_clock_stop")
    assert (figures["denominator"], figures["median"], figures["numerator"]) == (1, 34.0, 0)
    interim = headline(engine, "waiting_second_contact", Period.month(2026, 9))
    assert (interim["denominator"], interim["median"], interim["numerator"]) == (1, 16.0, 1)


def test_an_intervention_stands_in_for_the_plan_whichever_comes_first(place, tmp_path):
    person = place.person()
    episode = place.episode(place.referral(person, "2026-10-01"), "2026-10-01")
    place.contact(episode, "2026-10-02", kind="assessment")
    place.score(episode, "2026-10-02", 14)
    place.contact(episode, "2026-10-20", kind="coaching")  # second contact and intervention
    engine = place.engine(tmp_path)
    figures = headline(engine, "waiting_clock_stop")
    assert (figures["median"], figures["numerator"]) == (19.0, 1)


def test_a_missing_condition_means_the_clock_has_not_stopped(place, tmp_path):
    person = place.person()
    episode = place.episode(place.referral(person, "2026-09-01"), "2026-09-01")
    place.contact(episode, "2026-09-02", kind="assessment")
    place.contact(episode, "2026-09-09")
    # No outcome measure was ever completed.
    engine = place.engine(tmp_path)
    assert headline(engine, "waiting_clock_stop")["denominator"] == 0
    waiting = headline(engine, "still_waiting")
    assert (waiting["denominator"], waiting["median"], waiting["numerator"]) == (1, 60.0, 1)


def test_a_re_referral_within_five_days_keeps_the_first_clock(place, tmp_path):
    person = place.person()
    place.referral(person, "2026-08-01", ended="2026-08-20", accepted=False, state="closed")
    # Opened 5 days after the first closed: the same spell, so the clock started on 1 August.
    second = place.referral(person, "2026-08-25")
    episode = place.episode(second, "2026-08-26", plan_agreed="2026-10-01")
    place.contact(episode, "2026-09-01", kind="assessment")
    place.contact(episode, "2026-09-08", kind="review")
    place.score(episode, "2026-09-01", 12)
    # Six days after closing would be a new spell (see the next test).
    engine = place.engine(tmp_path)
    assert headline(engine, "waiting_clock_stop")["median"] == 61.0  # 1 Aug to 1 Oct


def test_a_re_referral_after_six_days_starts_a_new_clock(place, tmp_path):
    person = place.person()
    place.referral(person, "2026-08-01", ended="2026-08-20", accepted=False, state="closed")
    second = place.referral(person, "2026-08-27")
    episode = place.episode(second, "2026-08-27", plan_agreed="2026-10-01")
    place.contact(episode, "2026-09-01", kind="assessment")
    place.contact(episode, "2026-09-08", kind="review")
    place.score(episode, "2026-09-01", 12)
    engine = place.engine(tmp_path)
    assert headline(engine, "waiting_clock_stop")["median"] == 35.0  # 27 Aug to 1 Oct
    # The first spell ended without a clock stop: not waiting.
    assert headline(engine, "still_waiting")["denominator"] == 0


def test_still_waiting_counts_to_the_last_day_and_bands_the_wait(place, tmp_path):
    for received in ("2026-10-31", "2026-10-25", "2026-09-01", "2026-06-01"):
        place.referral(place.person(), received, accepted=False, state="in_triage")
    place.referral(place.person(), "2026-11-01", accepted=False, state="in_triage")  # after
    engine = place.engine(tmp_path)
    waiting = headline(engine, "still_waiting")
    assert waiting["denominator"] == 4
    assert waiting["numerator"] == 2  # 60 and 152 days are more than 4 weeks
    bands = {
        r["group"]: r["denominator"]
        for r in compute(engine, BY_KEY["still_waiting"], OCTOBER, by="wait_band")
    }
    assert bands == {"Under 1 week": 2, "4 to 12 weeks": 1, "Over 12 weeks": 1}


def test_an_unmatched_referral_is_a_spell_of_its_own(place, tmp_path):
    place.referral(None, "2026-10-20", accepted=False, state="received")
    place.referral(None, "2026-10-21", accepted=False, state="received")
    engine = place.engine(tmp_path)
    assert headline(engine, "still_waiting")["denominator"] == 2


# --- no wrong door --------------------------------------------------------------------------------


def test_bounces_and_warm_handovers(place, tmp_path):
    common = {"accepted": False}
    place.referral(
        place.person(), "2026-09-01", ended="2026-10-01", state="closed", bounce=True, **common
    )
    place.referral(
        place.person(),
        "2026-09-01",
        ended="2026-10-31",
        state="signposted",
        signposted=True,
        handover_connected=True,
        **common,
    )
    place.referral(
        place.person(),
        "2026-09-01",
        ended="2026-10-15",
        state="signposted",
        signposted=True,
        **common,
    )
    place.referral(place.person(), "2026-09-01", ended="2026-10-15", state="declined", **common)
    place.referral(
        place.person(), "2026-09-01", ended="2026-11-01", state="closed", bounce=True, **common
    )  # the day after the period
    place.referral(place.person(), "2026-09-01", ended="2026-10-10")  # accepted: not counted
    engine = place.engine(tmp_path)
    b = headline(engine, "bounces")
    assert (b["denominator"], b["numerator"]) == (4, 1)
    w = headline(engine, "warm_handovers")
    assert (w["denominator"], w["numerator"]) == (2, 1)


def test_self_referrals_share_of_referrals_received(place, tmp_path):
    place.referral(
        place.person(), "2026-10-01", self_referral=True, referral_source="Self-referral"
    )
    place.referral(place.person(), "2026-10-31")
    place.referral(place.person(), "2026-10-15")
    place.referral(place.person(), "2026-09-30", self_referral=True)
    engine = place.engine(tmp_path)
    s = headline(engine, "self_referrals")
    assert (s["denominator"], s["numerator"]) == (3, 1)
    by_source = compute(engine, BY_KEY["self_referrals"], OCTOBER, by="referral_source")
    assert {r["group"]: r["numerator"] for r in by_source} == {
        "GP practice": 0,
        "Self-referral": 1,
    }


# --- care -----------------------------------------------------------------------------------------


def test_plan_within_four_weeks_counts_from_the_day_of_acceptance(place, tmp_path):
    # Accepted 3 Sept: the 4-week mark is 1 Oct, in October. Agreed on the mark: counts.
    r1 = place.referral(place.person(), "2026-09-01")
    place.episode(r1, "2026-09-03", plan_agreed="2026-10-01")
    # Agreed a day late.
    r2 = place.referral(place.person(), "2026-09-01")
    place.episode(r2, "2026-09-10", plan_agreed="2026-10-09")
    # Never agreed.
    r3 = place.referral(place.person(), "2026-09-01")
    place.episode(r3, "2026-09-20")
    # Accepted 4 Oct: its mark (1 Nov) is after October.
    r4 = place.referral(place.person(), "2026-10-01")
    place.episode(r4, "2026-10-04")
    engine = place.engine(tmp_path)
    p = headline(engine, "plan_within_four_weeks")
    assert (p["denominator"], p["numerator"]) == (2 + 1, 1)


def test_plans_reviewed_on_time(place, tmp_path):
    e1 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.plan_version(e1, 1, "2026-01-10", review="2026-10-10", agreed="2026-01-10")
    place.plan_version(e1, 2, "2026-10-10", review="2027-04-10", agreed="2026-10-10")  # on time
    e2 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.plan_version(e2, 1, "2026-01-10", review="2026-10-10", agreed="2026-01-10")
    place.plan_version(e2, 2, "2026-10-11", review=None, agreed=None)  # a day late
    e3 = place.episode(
        place.referral(place.person(), "2026-01-01"), "2026-01-02", ended="2026-10-01"
    )
    place.plan_version(e3, 1, "2026-01-10", review="2026-10-20", agreed="2026-01-10")  # ended
    engine = place.engine(tmp_path)
    r = headline(engine, "plans_reviewed_on_time")
    assert (r["denominator"], r["numerator"]) == (2, 1)


def test_did_not_attend_rate_leaves_out_cancelled_and_planned(place, tmp_path):
    e = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    for outcome in ("attended", "attended", "did_not_attend"):
        place.contact(e, "2026-10-05", outcome=outcome)
    place.contact(e, "2026-10-06", outcome="cancelled_by_person")
    place.contact(e, "2026-10-07", outcome="cancelled_by_service")
    place.contact(e, "2026-10-31", outcome="planned")
    place.contact(e, "2026-11-01", outcome="did_not_attend")
    engine = place.engine(tmp_path)
    d = headline(engine, "did_not_attend")
    assert (d["denominator"], d["numerator"]) == (3, 1)


def test_open_episodes_take_the_intensity_at_the_period_end(place, tmp_path):
    e1 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.step(e1, "high", "2026-10-31")
    e2 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02", intensity="high")
    place.step(e2, "low", "2026-11-01")  # after the period: still high on 31 October
    place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02", ended="2026-10-31")
    place.episode(place.referral(place.person(), "2026-01-01"), "2026-11-01")
    engine = place.engine(tmp_path)
    o = headline(engine, "open_episodes")
    assert (o["denominator"], o["numerator"]) == (2, 2)
    mix = compute(engine, BY_KEY["open_episodes"], OCTOBER, by="intensity")
    assert {r["group"]: r["denominator"] for r in mix} == {"high": 2}


def test_caseload_per_key_worker(place, tmp_path):
    episodes = [
        place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02") for _ in range(4)
    ]
    place.allocation(episodes[0], 501, "2026-01-02")
    place.allocation(episodes[1], 501, "2026-01-02")
    place.allocation(episodes[2], 501, "2026-01-02", ended="2026-06-01")
    place.allocation(episodes[2], 502, "2026-06-01")
    place.allocation(episodes[3], 503, "2026-01-02", ended="2026-10-15")
    engine = place.engine(tmp_path)
    c = headline(engine, "caseload_size")
    assert (c["denominator"], c["median"]) == (2, 1.5)


# --- outcomes -------------------------------------------------------------------------------------


def test_paired_outcomes_among_episodes_that_ended(place, tmp_path):
    e1 = place.episode(
        place.referral(place.person(), "2026-01-01"), "2026-01-02", ended="2026-10-05"
    )
    place.score(e1, "2026-01-10", 20)
    place.score(e1, "2026-09-10", 12)
    e2 = place.episode(
        place.referral(place.person(), "2026-01-01"), "2026-01-02", ended="2026-10-06"
    )
    place.score(e2, "2026-01-10", 20)
    place.score(e2, "2026-09-10", 6, measure="gbo")  # two measures once each: not paired
    place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02", ended="2026-11-01")
    engine = place.engine(tmp_path)
    p = headline(engine, "paired_outcomes")
    assert (p["denominator"], p["numerator"]) == (2, 1)


def test_outcome_change_first_to_latest_with_reliable_improvement(place, tmp_path):
    # PHQ-9 (lower is better, reliable change 6): 20 → 12 is a reliable improvement (−8).
    e1 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.score(e1, "2026-01-10", 20)
    place.score(e1, "2026-05-10", 18)
    place.score(e1, "2026-10-10", 12)
    # 20 → 16: better, but not reliably (−4).
    e2 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.score(e2, "2026-01-10", 20)
    place.score(e2, "2026-10-31", 16)
    # Latest response after the period: its latest by 31 October was in May, so not counted.
    e3 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.score(e3, "2026-01-10", 20)
    place.score(e3, "2026-05-10", 10)
    place.score(e3, "2026-11-01", 5)
    # GBO (higher is better, 3): 2 → 7 improved; a measure with no threshold never improves.
    e4 = place.episode(place.referral(place.person(), "2026-01-01"), "2026-01-02")
    place.score(e4, "2026-03-01", 2, measure="gbo")
    place.score(e4, "2026-10-01", 7, measure="gbo")
    place.score(e4, "2026-03-01", 10, measure="other")
    place.score(e4, "2026-10-01", 30, measure="other")
    engine = place.engine(tmp_path)
    rows = {r["split"]: r for r in compute(engine, BY_KEY["outcome_change"], OCTOBER)}
    assert (rows["phq9"]["denominator"], rows["phq9"]["numerator"]) == (2, 1)
    assert rows["phq9"]["mean"] == -6.0  # (−8 + −4) / 2
    assert (rows["gbo"]["denominator"], rows["gbo"]["numerator"], rows["gbo"]["mean"]) == (
        1,
        1,
        5.0,
    )
    assert (rows["other"]["numerator"], rows["other"]["mean"]) == (0, 20.0)


# --- breakdowns and filters ----------------------------------------------------------------------


def test_a_breakdown_adds_up_to_the_headline(place, tmp_path):
    groups = [("White", "1"), ("White", "5"), ("Asian or Asian British", "1")]
    for ethnic_group, quintile in groups:
        person = place.person(ethnic_group=ethnic_group, imd_quintile=quintile)
        place.referral(person, "2026-10-02", self_referral=ethnic_group == "White")
    engine = place.engine(tmp_path)
    by = compute(engine, BY_KEY["self_referrals"], OCTOBER, by="ethnic_group")
    assert {r["group"]: (r["denominator"], r["numerator"]) for r in by} == {
        "Asian or Asian British": (1, 0),
        "White": (2, 2),
    }
    rows = metrics.compute_many(engine, BY_KEY["self_referrals"], OCTOBER, [None, "imd_quintile"])
    assert [(r["dimension"], r["group"], r["denominator"]) for r in rows] == [
        (None, None, 3),
        ("imd_quintile", "1", 2),
        ("imd_quintile", "5", 1),
    ]


def test_filters_narrow_to_a_team_or_provider(place, tmp_path):
    place.referral(place.person(), "2026-10-02")
    place.referral(place.person(), "2026-10-02", team=VCSE_TEAM)
    engine = place.engine(tmp_path)
    vcse = metrics.Filters(provider_type="VCSE")
    assert headline(engine, "self_referrals", filters=vcse)["denominator"] == 1
    team = metrics.Filters(team_key=1)
    assert headline(engine, "self_referrals", filters=team)["denominator"] == 1
    nobody = metrics.Filters(locality="Nowhere")
    assert headline(engine, "self_referrals", filters=nobody)["denominator"] == 0


def test_a_breakdown_a_metric_does_not_have_is_refused(place, tmp_path):
    engine = place.engine(tmp_path)
    with pytest.raises(ValueError, match="cannot be broken down by ethnic_group"):
        compute(engine, BY_KEY["caseload_size"], OCTOBER, by="ethnic_group")


def test_representation_against_residents(place, tmp_path):
    for ethnic_group in ("White", "White", "Black or Black British"):
        person = place.person(ethnic_group=ethnic_group)
        episode = place.episode(place.referral(person, "2026-09-01"), "2026-09-02")
        place.contact(episode, "2026-10-03")
    place.rows["residents"] = [
        {
            "locality": "Wyvern Central",
            "dimension": "ethnic_group",
            "group_name": "White",
            "residents": 8000,
        },
        {
            "locality": "Wyvern Central",
            "dimension": "ethnic_group",
            "group_name": "Black or Black British",
            "residents": 500,
        },
        {
            "locality": "Wyvern Central",
            "dimension": "ethnic_group",
            "group_name": "Asian or Asian British",
            "residents": 1500,
        },
    ]
    engine = place.engine(tmp_path)
    rows = {r["group"]: r for r in metrics.representation(engine, OCTOBER, "ethnic_group")}
    assert rows["White"]["per_1000"] == 0.2  # 2 of 8,000
    assert rows["Black or Black British"]["per_1000"] == 2.0  # 1 of 500
    assert rows["Asian or Asian British"]["reached"] == 0
    assert rows["Black or Black British"]["share_reached"] == 33.3
    assert rows["Black or Black British"]["share_residents"] == 5.0
