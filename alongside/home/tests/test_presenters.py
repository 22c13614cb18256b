from alongside.home.presenters import suppressed_tables
from alongside.insights.suppression import Rule


def test_the_home_page_uses_the_dashboards_rule_zeros_hidden_and_counts_rounded():
    total, (table,) = suppressed_tables(1234, [[("a", 0), ("b", 3), ("c", 1231)]], Rule())
    assert total == "1,235"
    assert table == [("a", "*"), ("b", "*"), ("c", "1,230")]


def test_a_small_group_cannot_be_worked_back_from_the_total_on_the_home_page():
    # Exact counts (a site's own setting): 9 people, 6 of them in one group, 3 in the other.
    # The small group alone hidden would be 9 − 6 = 3; the rule hides the other group too.
    total, (table,) = suppressed_tables(9, [[("a", 3), ("b", 6)]], Rule(below=5, round_to=1))
    assert total == "9"
    assert table == [("a", "*"), ("b", "*")]
