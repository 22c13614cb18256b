"""The headline sentences under each figure count their units as English does: "1 team",
"1 of 1 referral", never "1 teams"."""

from __future__ import annotations

from alongside.insights.metrics import BY_KEY, METRICS, SINGULAR_UNITS
from alongside.insights.presenters import headlines
from alongside.insights.suppression import Rule

EXACT = Rule(below=0, round_to=1)


def row(**figures: object) -> dict[str, object]:
    return {
        "denominator": None,
        "numerator": None,
        "median": None,
        "p90": None,
        "mean": None,
        "split": None,
        **figures,
    }


def test_every_metric_unit_has_its_singular():
    assert {m.unit for m in METRICS} <= set(SINGULAR_UNITS)


def test_one_team_is_one_team():
    metric = BY_KEY["coproduction_index"]
    extra = {a.name: 50.0 for a in metric.also}
    [headline] = headlines(metric, [row(denominator=1, mean=50.0, **extra)], EXACT, {})
    assert "Mean of 1 team," in headline.detail
    [headline] = headlines(metric, [row(denominator=3, mean=50.0, **extra)], EXACT, {})
    assert "Mean of 3 teams," in headline.detail


def test_one_referral_is_one_referral():
    metric = BY_KEY["bounces"]
    [headline] = headlines(metric, [row(denominator=1, numerator=1)], EXACT, {})
    assert headline.detail == "1 of 1 referral"
    [headline] = headlines(metric, [row(denominator=2, numerator=1)], EXACT, {})
    assert headline.detail == "1 of 2 referrals"
