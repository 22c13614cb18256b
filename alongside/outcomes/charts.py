"""A server-drawn SVG line chart of one score of a measure over time (PHQ-9 total, DIALOG quality
of life, the Goal Based Outcomes mean), for the staff outcomes page.

The chart is a picture for sighted users: its ``title`` and ``description`` give the gist in
words, and the page always shows a table of the same scores beside it, which is what carries the
data. Points are placed by date, so a gap of months looks like one. The shaded band around the
first score shows how far a score must move to be a reliable change, when the measure has a
threshold.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from alongside.core import formats
from alongside.outcomes.engine import ScoreRule


def number_text(value: Decimal | float, decimals: int = 2) -> str:
    """A score as people read it: ``12``, ``4.25``, ``4.5`` (no trailing zeros)."""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals)) if decimals else value
    text = f"{Decimal(str(number)):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Band:
    """The shaded no-reliable-change band: from ``top`` to ``top + height``."""

    top: float
    height: float


def _nice_step(span: float) -> float:
    for step in (0.5, 1, 2, 5, 10, 20, 25, 50, 100):
        if span / step <= 6:
            return step
    return span / 5


class ScoreChart:
    """One score's values, oldest first, drawn against the score's whole range."""

    WIDTH, HEIGHT = 440, 240
    LEFT, RIGHT, TOP, BOTTOM = 44, 20, 12, 32
    #: How far in from the edges the first and last points sit, so their dots are not cut.
    INSET = 12

    def __init__(
        self,
        *,
        chart_id: str,
        rule: ScoreRule,
        title: str,
        values: Sequence[tuple[dt.datetime, Decimal]],
        summary: str = "",
    ) -> None:
        self.id = chart_id
        self.rule = rule
        self.title = title
        self.values = list(values)
        self.summary = summary
        self.low, self.high = float(rule.low), float(rule.high)

    # --- geometry ---------------------------------------------------------------------------

    @property
    def right(self) -> int:
        return self.WIDTH - self.RIGHT

    @property
    def bottom(self) -> int:
        return self.HEIGHT - self.BOTTOM

    @property
    def plot_width(self) -> int:
        return self.WIDTH - self.LEFT - self.RIGHT

    @property
    def plot_height(self) -> int:
        return self.HEIGHT - self.TOP - self.BOTTOM

    def _y(self, value: float) -> float:
        span = (self.high - self.low) or 1
        clamped = min(max(value, self.low), self.high)
        return round(self.TOP + self.plot_height * (self.high - clamped) / span, 1)

    def _x(self, when: dt.datetime) -> float:
        first, last = self.values[0][0], self.values[-1][0]
        span = (last - first).total_seconds()
        if span <= 0:
            return round(self.LEFT + self.plot_width / 2, 1)
        usable = self.plot_width - 2 * self.INSET
        return round(self.LEFT + self.INSET + usable * (when - first).total_seconds() / span, 1)

    # --- what the template draws --------------------------------------------------------------

    @property
    def points(self) -> list[ChartPoint]:
        decimals = self.rule.decimals
        return [
            ChartPoint(
                self._x(when),
                self._y(float(value)),
                f"{number_text(value, decimals)} on {formats.date(when)}",
            )
            for when, value in self.values
        ]

    @property
    def line(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def radius(self) -> int:
        count = len(self.values)
        return 6 if count <= 12 else 4 if count <= 36 else 3

    @property
    def y_ticks(self) -> list[Tick]:
        step = _nice_step(self.high - self.low)
        ticks = []
        value = (self.low // step) * step
        if value < self.low:
            value += step
        while value <= self.high + 1e-9:
            ticks.append(Tick(self._y(value), number_text(value, 1)))
            value += step
        return ticks

    @property
    def x_ticks(self) -> list[Tick]:
        """The first and last dates; over two years or more, each new year instead."""
        if not self.values:
            return []
        first, last = (timezone.localtime(self.values[i][0]) for i in (0, -1))
        if (last - first).days >= 730:
            return [
                Tick(self._x(first.replace(year=year, month=1, day=1, hour=0, minute=0)), str(year))
                for year in range(first.year + 1, last.year + 1)
            ]
        if formats.date(first) == formats.date(last):
            return [Tick(self._x(first), formats.date(first))]
        return [Tick(self._x(first), formats.date(first)), Tick(self._x(last), formats.date(last))]

    @property
    def spread_ticks(self) -> bool:
        """Whether x labels are years (centred) rather than the first and last dates."""
        return bool(self.values) and (self.values[-1][0] - self.values[0][0]).days >= 730

    @property
    def band(self) -> Band | None:
        """The scores within a reliable change of the first one."""
        threshold = self.rule.reliable_change
        if threshold is None or not self.values:
            return None
        first = float(self.values[0][1])
        top = self._y(first + float(threshold))
        return Band(top, round(self._y(first - float(threshold)) - top, 1))

    @property
    def description(self) -> str:
        if not self.values:
            return "No scores yet."
        decimals = self.rule.decimals
        better = "Higher" if self.rule.better == "higher" else "Lower"
        first, last = self.values[0], self.values[-1]
        if len(self.values) == 1:
            shown = f"One score: {number_text(first[1], decimals)} on {formats.date(first[0])}."
        else:
            shown = (
                f"{len(self.values)} scores, from {number_text(first[1], decimals)} on "
                f"{formats.date(first[0])} to {number_text(last[1], decimals)} on "
                f"{formats.date(last[0])}."
            )
        summary = f" {self.summary}." if self.summary else ""
        return (
            f"{shown}{summary} {better} scores are better. The table beside the chart lists "
            "every score."
        )
