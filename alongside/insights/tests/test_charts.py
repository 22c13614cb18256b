"""The dashboards' charts: the Wilson interval, the scales, and what the charts say in words."""

from __future__ import annotations

import pytest

from alongside.insights.charts import BarChart, Item, LineChart, nice_axis, wilson


@pytest.mark.parametrize(
    ("numerator", "denominator", "low", "high"),
    [
        (0, 10, 0.0, 27.75),
        (5, 10, 23.66, 76.34),
        (10, 10, 72.25, 100.0),
        (81, 263, 25.53, 36.62),
    ],
)
def test_the_wilson_interval(numerator, denominator, low, high):
    found = wilson(numerator, denominator)
    assert found == pytest.approx((low, high), abs=0.01)


def test_no_interval_without_a_denominator():
    assert wilson(0, 0) is None


@pytest.mark.parametrize(
    ("high", "top", "step"),
    [(0, 1, 1), (7, 8, 2), (18, 20, 5), (23.5, 25, 5), (690, 800, 200), (1, 1, 0.2)],
)
def test_axes_start_at_zero_and_end_on_a_round_number(high, top, step):
    assert nice_axis(high) == pytest.approx((top, step))


def test_a_bar_chart_draws_shown_groups_and_says_which_are_hidden():
    chart = BarChart(
        chart_id="c",
        title="Bounces by sex",
        items=[Item("Female", 40, 30, 50), Item("Male", None), Item("Not known", 10)],
        unit="%",
        top=100.0,
        reference=30,
        reference_label="Everyone",
    )
    hidden = [bar for bar in chart.bars if bar.hidden]
    assert [bar.label for bar in hidden] == ["Male"]
    female = chart.bars[0]
    assert female.has_interval and female.low_x < female.high_x
    assert female.width == pytest.approx(chart.plot_width * 0.4, abs=0.1)
    text = chart.description
    assert "Highest: Female, 40%. Lowest: Not known, 10%." in text
    assert "1 group is hidden because the numbers are small." in text
    assert "95% confidence interval" in text
    assert chart.legend[0] == "Dashed red line: everyone (30%)."


def test_a_line_chart_breaks_at_a_hidden_month():
    chart = LineChart(
        chart_id="t",
        title="Bounces by month",
        labels=["Aug", "Sep", "Oct", "Nov"],
        long_labels=["August 2026", "September 2026", "October 2026", "November 2026"],
        values=[10, 12, None, 15],
        unit="%",
    )
    assert len(chart.lines) == 1  # Aug–Sep; Nov stands alone as a point
    assert len(chart.points) == 3
    assert "From 10% in August 2026 to 15% in November 2026." in chart.description
    assert "1 month is hidden" in chart.description
