import pytest

from alongside.insights.suppression import HIDDEN, NONE, Rule, site_rule


@pytest.mark.parametrize(
    ("count", "shown"),
    [(None, None), (0, 0), (1, HIDDEN), (4, HIDDEN), (5, 5), (7, 5), (8, 10), (12, 10), (13, 15)],
)
def test_counts_below_five_are_hidden_and_others_rounded_to_five(count, shown):
    assert Rule().count(count) == shown


def test_a_share_is_worked_out_before_rounding_and_hidden_with_a_small_count():
    shown = Rule().figure({"denominator": 38, "numerator": 12, "median": 20.5})
    assert (shown["denominator"], shown["numerator"], shown["share"]) == (40, 10, 32)
    assert shown["median"] == 20.5
    small = Rule().figure({"denominator": 38, "numerator": 3})
    assert (small["numerator"], small["share"]) == (HIDDEN, HIDDEN)
    tiny = Rule().figure({"denominator": 4, "numerator": 0, "median": 12.0, "mean": 1.5})
    assert (tiny["denominator"], tiny["share"], tiny["median"], tiny["mean"]) == (
        HIDDEN,
        HIDDEN,
        HIDDEN,
        HIDDEN,
    )


def test_nothing_can_be_worked_back_from_a_group_and_the_total():
    # 3 of 23 in a group: the total rounds to 25 and the rest of the groups to 20, so the small
    # group cannot be recovered by subtraction.
    rule = Rule()
    assert rule.count(23) - rule.count(20) == 5
    assert rule.count(3) == HIDDEN


def test_a_site_may_set_its_own_rule(settings):
    settings.ALONGSIDE_SUPPRESSION = {"below": 10, "round_to": 1}
    rule = site_rule()
    assert (rule.count(9), rule.count(11)) == (HIDDEN, 11)
    assert "below 10" in rule.description and "rounded" not in rule.description
    assert NONE.count(1) == 1
    assert NONE.description.startswith("No suppression")


@pytest.mark.parametrize("bad", [{"below": -1}, {"round_to": 0}])
def test_a_rule_that_makes_no_sense_is_refused(bad):
    with pytest.raises(ValueError, match="Suppression needs"):
        Rule(**bad)
