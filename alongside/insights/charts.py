"""Server-drawn SVG charts for the dashboards: a metric over the months, and a metric compared
across the groups of one dimension.

A chart is a picture for sighted users. Each has a title and a description in words, and the
page shows a table of the same (suppressed) figures beside it, which is what carries the data.
Nothing here sees an unsuppressed count: the presenters pass values already made safe to show,
and a hidden value is simply not drawn (the description says how many are hidden).

Where shares are compared, each is drawn with its 95% confidence interval (the Wilson score
interval), so that a difference that could be chance is seen as one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from alongside.outcomes.charts import number_text

#: The design system's colours: NHS blue, dark grey (text), mid grey (axes), pale grey (grid).
BLUE = "#005eb8"
TEXT = "#212b32"
AXIS = "#4c6272"
GRID = "#d8dde0"
WHISKER = "#003087"
MUTED = "#768692"

#: z for a two-sided 95% interval.
Z95 = 1.959964


def wilson(numerator: int, denominator: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval for ``numerator`` of ``denominator``, as per cents (0 to 100);
    ``None`` when there is no denominator."""
    if not denominator or numerator is None:
        return None
    n = denominator
    p = numerator / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = (z / (1 + z2 / n)) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, 100 * (centre - half)), min(100.0, 100 * (centre + half))


def nice_axis(high: float, *, ticks: int = 5) -> tuple[float, float]:
    """The top of an axis starting at 0 that holds ``high``, and the step between its ticks."""
    if high <= 0:
        return 1.0, 1.0
    raw = high / ticks
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 2.5, 5, 10):
        step = multiple * power
        if step >= raw:
            break
    top = math.ceil(high / step - 1e-9) * step
    return float(top), float(step)


def value_text(value: float, unit: str = "") -> str:
    text = number_text(value, 1)
    if text.lstrip("-").isdigit():
        text = f"{int(text):,}"
    return f"{text}{unit}"


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    """One group's bar: ``y`` is its top, ``width`` its length; whiskers for the interval."""

    label: str
    value_label: str
    y: float
    width: float
    low_x: float | None = None
    high_x: float | None = None
    hidden: bool = False
    #: Drawn in grey: a comparison (the residents beside the people reached).
    muted: bool = False

    @property
    def fill(self) -> str:
        return MUTED if self.muted else BLUE

    @property
    def has_interval(self) -> bool:
        return self.low_x is not None and self.high_x is not None


@dataclass(frozen=True)
class Heading:
    """A label above a run of bars (outcome change: the measure)."""

    label: str
    y: float


@dataclass
class Item:
    """What a bar chart is given for one group: the value to draw (``None`` when hidden) and
    its interval, if it has one."""

    label: str
    value: float | None
    low: float | None = None
    high: float | None = None
    section: str | None = None
    muted: bool = False


@dataclass
class BarChart:
    """Horizontal bars, one per group, scaled from 0; groups may be gathered under headings."""

    chart_id: str
    title: str
    items: list[Item]
    unit: str = ""
    #: The value for everyone, drawn as a dashed line to compare each group with.
    reference: float | None = None
    reference_label: str = "All"
    #: A fixed top for the scale (100 for per cents), else one that fits the values.
    top: float | None = None
    summary: str = ""
    #: Room for the labels, left of the bars (long labels, such as teams' names, need more).
    label_space: int | None = None

    WIDTH = 480
    LEFT = 170
    #: About how wide a character of a label is, at the chart's font size.
    CHARACTER = 6.8
    RIGHT = 56
    TOP = 8
    BAR = 18
    GAP = 10
    HEADING = 26
    AXIS_SPACE = 30

    def __post_init__(self) -> None:
        if self.label_space is not None:
            self.LEFT = self.label_space
        values = [v for i in self.items for v in (i.value, i.high) if v is not None] + (
            [self.reference] if self.reference is not None else []
        )
        if self.top is not None:
            self.axis_top, self.step = self.top, self.top / 4
        else:
            self.axis_top, self.step = nice_axis(max(values, default=0))
        self._layout()

    # --- geometry ---------------------------------------------------------------------------

    @property
    def plot_width(self) -> int:
        return self.WIDTH - self.LEFT - self.RIGHT

    @property
    def right(self) -> int:
        return self.WIDTH - self.RIGHT

    def _x(self, value: float) -> float:
        clamped = min(max(value, 0.0), self.axis_top)
        return round(self.LEFT + self.plot_width * clamped / self.axis_top, 1)

    def _layout(self) -> None:
        y = float(self.TOP)
        self.bars: list[Bar] = []
        self.headings: list[Heading] = []
        section = None
        for item in self.items:
            if item.section is not None and item.section != section:
                section = item.section
                self.headings.append(Heading(item.section, y + 17))
                y += self.HEADING
            hidden = item.value is None
            self.bars.append(
                Bar(
                    label=item.label,
                    value_label="hidden" if hidden else value_text(item.value, self.unit),
                    y=round(y, 1),
                    width=0.0 if hidden else round(self._x(item.value) - self.LEFT, 1),
                    low_x=None if hidden or item.low is None else self._x(item.low),
                    high_x=None if hidden or item.high is None else self._x(item.high),
                    hidden=hidden,
                    muted=item.muted,
                )
            )
            y += self.BAR + self.GAP
        self.bottom = round(y, 1)
        self.height = int(y + self.AXIS_SPACE)

    # --- what the template draws --------------------------------------------------------------

    @property
    def x_ticks(self) -> list[Tick]:
        ticks, value = [], 0.0
        while value <= self.axis_top + 1e-9:
            ticks.append(Tick(self._x(value), value_text(value, self.unit)))
            value += self.step
        return ticks

    @property
    def label_chars(self) -> int:
        """How many characters of a label fit left of the bars (longer ones are cut short)."""
        return int((self.LEFT - 12) / self.CHARACTER)

    @property
    def reference_x(self) -> float | None:
        return None if self.reference is None else self._x(self.reference)

    @property
    def has_intervals(self) -> bool:
        return any(b.has_interval for b in self.bars)

    @property
    def legend(self) -> list[str]:
        out = []
        if self.reference is not None:
            out.append(
                f"Dashed red line: {self.reference_label.lower()} "
                f"({value_text(self.reference, self.unit)})."
            )
        if self.has_intervals:
            out.append("Black line across a bar: its 95% confidence interval.")
        return out

    @property
    def description(self) -> str:
        shown = [(i.label, i.value) for i in self.items if i.value is not None]
        hidden = len(self.items) - len(shown)
        if not shown:
            return "Every group's figure is hidden or there is nothing to show."
        parts = []
        if self.summary:
            parts.append(self.summary.rstrip(".") + ".")
        high = max(shown, key=lambda s: s[1])
        low = min(shown, key=lambda s: s[1])
        if high[0] != low[0]:
            parts.append(
                f"Highest: {high[0]}, {value_text(high[1], self.unit)}. "
                f"Lowest: {low[0]}, {value_text(low[1], self.unit)}."
            )
        if self.reference is not None:
            parts.append(
                f"The dashed line is {self.reference_label.lower()}: "
                f"{value_text(self.reference, self.unit)}."
            )
        if self.has_intervals:
            parts.append("The thin lines across each bar show its 95% confidence interval.")
        if hidden:
            parts.append(
                f"{hidden} group{'s are' if hidden != 1 else ' is'} hidden because the numbers "
                "are small."
            )
        parts.append("The table beside the chart has every figure.")
        return " ".join(parts)


@dataclass
class Point:
    x: float
    y: float
    label: str
    low_y: float | None = None
    high_y: float | None = None


@dataclass
class LineChart:
    """A figure for each month in turn, oldest first; hidden months leave a gap in the line."""

    chart_id: str
    title: str
    labels: Sequence[str]
    values: Sequence[float | None]
    lows: Sequence[float | None] = field(default_factory=list)
    highs: Sequence[float | None] = field(default_factory=list)
    unit: str = ""
    top: float | None = None
    summary: str = ""
    #: Long labels, for the points' tooltips and the description ("October 2026").
    long_labels: Sequence[str] = field(default_factory=list)
    #: A second line under some labels (the year, under January and the first month).
    sublabels: Sequence[str] = field(default_factory=list)

    WIDTH = 480
    HEIGHT = 250
    LEFT = 52
    RIGHT = 16
    TOP = 12
    BOTTOM = 48

    def __post_init__(self) -> None:
        shown = [v for v in (*self.values, *self.highs) if v is not None]
        if self.top is not None:
            self.axis_top, self.step = self.top, self.top / 4
        else:
            self.axis_top, self.step = nice_axis(max(shown, default=0))

    @property
    def right(self) -> int:
        return self.WIDTH - self.RIGHT

    @property
    def bottom(self) -> int:
        return self.HEIGHT - self.BOTTOM

    @property
    def plot_height(self) -> int:
        return self.HEIGHT - self.TOP - self.BOTTOM

    def _x(self, index: int) -> float:
        count = len(self.labels)
        if count <= 1:
            return round((self.LEFT + self.right) / 2, 1)
        inset = 14
        usable = self.right - self.LEFT - 2 * inset
        return round(self.LEFT + inset + usable * index / (count - 1), 1)

    def _y(self, value: float) -> float:
        clamped = min(max(value, 0.0), self.axis_top)
        return round(self.TOP + self.plot_height * (1 - clamped / self.axis_top), 1)

    @property
    def points(self) -> list[Point]:
        names = list(self.long_labels) or list(self.labels)
        out = []
        for index, value in enumerate(self.values):
            if value is None:
                continue
            low = self.lows[index] if index < len(self.lows) else None
            high = self.highs[index] if index < len(self.highs) else None
            out.append(
                Point(
                    self._x(index),
                    self._y(value),
                    f"{names[index]}: {value_text(value, self.unit)}",
                    None if low is None else self._y(low),
                    None if high is None else self._y(high),
                )
            )
        return out

    @property
    def lines(self) -> list[str]:
        """The line in runs of consecutive shown months (a hidden month breaks it)."""
        runs: list[list[str]] = [[]]
        for index, value in enumerate(self.values):
            if value is None:
                runs.append([])
            else:
                runs[-1].append(f"{self._x(index)},{self._y(value)}")
        return [" ".join(run) for run in runs if len(run) > 1]

    @property
    def y_ticks(self) -> list[Tick]:
        ticks, value = [], 0.0
        while value <= self.axis_top + 1e-9:
            ticks.append(Tick(self._y(value), value_text(value, self.unit)))
            value += self.step
        return ticks

    @property
    def x_ticks(self) -> list[Tick]:
        return [Tick(self._x(i), label) for i, label in enumerate(self.labels)]

    @property
    def radius(self) -> int:
        return 5

    @property
    def legend(self) -> list[str]:
        if any(p.low_y is not None for p in self.points):
            return ["Black vertical lines: each month's 95% confidence interval."]
        return []

    @property
    def description(self) -> str:
        names = list(self.long_labels) or list(self.labels)
        shown = [(names[i], v) for i, v in enumerate(self.values) if v is not None]
        hidden = len(self.values) - len(shown)
        if not shown:
            return "Every month's figure is hidden or there is nothing to show."
        parts = []
        if self.summary:
            parts.append(self.summary.rstrip(".") + ".")
        first, last = shown[0], shown[-1]
        if len(shown) == 1:
            parts.append(f"One month shown: {first[0]}, {value_text(first[1], self.unit)}.")
        else:
            parts.append(
                f"From {value_text(first[1], self.unit)} in {first[0]} to "
                f"{value_text(last[1], self.unit)} in {last[0]}."
            )
        if any(p.low_y is not None for p in self.points):
            parts.append("The thin vertical lines show each month's 95% confidence interval.")
        if hidden:
            parts.append(
                f"{hidden} month{'s are' if hidden != 1 else ' is'} hidden because the numbers "
                "are small or there is nothing to count."
            )
        parts.append("The table beside the chart has every month's figures.")
        return " ".join(parts)
