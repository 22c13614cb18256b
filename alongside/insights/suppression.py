"""Disclosure control: the one rule for every figure shown outside the care team.

Every page, CSV, the analyst's home page and ``alongside metrics`` make their figures safe here.

**Primary suppression** follows NHS England's ``count_suppression`` in
``Mental_Health_Monthly_Statistics/menh_bbrb/notebooks/mhsds_functions.py`` (lines 1344–1357 at
commit 7b4d742): a count below 5 — **zero included** — is hidden (``*``), and every other count is
rounded to the nearest 5. A site may set its own threshold and rounding in
``ALONGSIDE_SUPPRESSION`` (``{"below": 5, "round_to": 5}``, from the environment variables
``ALONGSIDE_SUPPRESSION_BELOW`` and ``ALONGSIDE_SUPPRESSION_ROUND_TO``); ``round_to`` of 1 means no
rounding. We round halves up; NHS England's ``round`` rounds halves to even, which only differs
for an even ``round_to``.

**Shares** are worked out from the counts *as published* (rounded) and hidden with either of
them. NHS England (``mhsds_suppression``, lines 1360–1420) works a percentage from the unrounded
counts and hides it only with its numerator; we are stricter, because a share of unrounded counts
gives the counts back. A 95% confidence interval is worked from the published counts too, and a
median, percentile or mean is hidden with its denominator.

**Secondary suppression**, which NHS England's code does not do, makes sure no hidden count can
be worked back from the figures beside it. A metric's figures for one period are one *grid*: the
overall figure and each breakdown's groups, whose counts add up to the overall (or, where one
unit can fall in two groups, at least to it), and in each row a numerator no larger than its
denominator. A reader is assumed to know all of this, to know which hidden cells are small (below
the threshold) and which were hidden to protect another, and to know the range each rounded
count stands for. From the published grid the rule works out the range each hidden count could
take (:func:`ranges`); while a hidden count is pinned to one value it hides one more count beside
it — the smallest of its siblings in the same breakdown, then the row's other count, the first in
order on a tie. The overall figure is never hidden to protect a group: it is published on every
page and in every month of a trend. Where every group of a breakdown is hidden and a count is
still pinned, the breakdown is withheld (``withheld`` on each of its rows).

What this does not cover: a reader who sets the figures for one filter (one team) beside the
figures for another or for none, and who reasons about *why* a cell was hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

HIDDEN = "*"

#: Upper bound for a count hidden to protect another ("no upper bound").
UNBOUNDED = 10**12

#: The counts of a figure row that rest on people's records, in the order a row's cells are kept.
COUNTS = ("denominator", "numerator")
#: Statistics hidden with their denominator.
STATS = ("median", "p90", "mean")


@dataclass(frozen=True)
class Rule:
    below: int = 5
    round_to: int = 5

    def __post_init__(self) -> None:
        if self.below < 0 or self.round_to < 1:
            raise ValueError("Suppression needs 'below' of 0 or more and 'round_to' of 1 or more.")

    @property
    def exact(self) -> bool:
        return self.below == 0 and self.round_to == 1

    @property
    def description(self) -> str:
        if self.exact:
            return "No suppression: every figure is exact."
        rounding = (
            f" and other counts are rounded to the nearest {self.round_to}"
            if self.round_to > 1
            else ""
        )
        return (
            f"Counts below {self.below}, zero included, are hidden (shown as {HIDDEN}){rounding}, "
            "so that no one can be identified from small numbers. A few more counts may be hidden "
            "so that no hidden count can be worked out from the total and the other groups. "
            "Percentages are worked out from the counts as shown and hidden with either of them."
        )

    # --- one count -------------------------------------------------------------------------

    def count(self, value: int | None) -> int | str | None:
        """A count as it may be shown: hidden, rounded, or ``None`` when there is none."""
        if value is None:
            return None
        if value < self.below:
            return HIDDEN
        return _round_half_up(value, self.round_to)

    def hides(self, value: int | None) -> bool:
        """Whether a count is hidden for being small (zero included)."""
        return value is not None and value < self.below

    def bounds(self, shown: object, *, small: bool = True) -> tuple[int, int]:
        """The true counts a published cell stands for: a small hidden count 0 to below−1, a
        count hidden to protect another (``small=False``) the threshold or more, a rounded count
        the values that round to it (and are not below the threshold)."""
        if shown == HIDDEN:
            return (0, max(self.below - 1, 0)) if small else (self.below, UNBOUNDED)
        value = int(shown)  # type: ignore[call-overload]
        low = value - self.round_to // 2
        high = value + (self.round_to - 1) // 2
        return max(low, self.below, 0), high

    def share(self, numerator: object, denominator: object) -> int | str | None:
        """A share in whole per cents of two counts as published; hidden with either."""
        if denominator is None or numerator is None:
            return None
        if HIDDEN in (numerator, denominator):
            return HIDDEN
        if not denominator:
            return None
        return _round_half_up_ratio(100 * int(numerator), int(denominator))  # type: ignore[call-overload]

    # --- figure rows -----------------------------------------------------------------------

    def figure(self, row: dict[str, Any]) -> dict[str, Any]:
        """One metric figure row made safe on its own (primary suppression only). A row that
        sits in a breakdown goes through :meth:`figures` with the rest of its grid."""
        return self.figures([row])[0]

    def figures(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """A metric's figure rows for one period — the overall row (``dimension`` None) and the
        breakdowns' rows, per ``split`` — made safe together: counts suppressed, further counts
        hidden so that none can be worked back, shares and statistics from what is shown."""
        return self._protected(rows, COUNTS, team_units=False)

    def teams_figure(self, row: dict[str, Any]) -> dict[str, Any]:
        return self.teams_figures([row])[0]

    def teams_figures(self, rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """Figures of teams (the co-production index) made safe together. Counts of teams,
        reviews and involvements are not about any one person and are shown as they are (the
        share of teams is worked from them); the open episodes beneath the care component are
        a count of people's records, suppressed as any count is (with the by-team rows adding
        up to the overall), and the care component and the index, which rest on them, are
        hidden when those episodes are fewer than the threshold (but some)."""
        return self._protected(rows, ("episodes",), team_units=True)

    def _protected(
        self, rows: Sequence[dict[str, Any]], counts: tuple[str, ...], *, team_units: bool
    ) -> list[dict[str, Any]]:
        rows = list(rows)
        hidden, withheld = self._secondary(rows, counts)
        out = []
        for index, row in enumerate(rows):
            shown = dict(row)
            for name in counts:
                if name in row:
                    value = row[name]
                    shown[name] = HIDDEN if (index, name) in hidden else self.count(value)
            if team_units:
                denominator, numerator = row.get("denominator"), row.get("numerator")
                shown["share"] = (
                    _round_half_up_ratio(100 * numerator, denominator)
                    if denominator and numerator is not None
                    else None
                )
                episodes = row.get("episodes")
                if episodes is not None and 0 < episodes < self.below:
                    for name in ("mean", "care"):
                        if shown.get(name) is not None:
                            shown[name] = HIDDEN
            else:
                shown["share"] = self.share(shown.get("numerator"), shown.get("denominator"))
                if row.get("denominator") is None or row.get("numerator") is None:
                    shown["share"] = None
                if shown.get("denominator") == HIDDEN or not row.get("denominator"):
                    for name in STATS:
                        if shown.get(name) is not None and not self.exact:
                            shown[name] = HIDDEN
            if index in withheld:
                shown["withheld"] = True
            out.append(shown)
        return out

    # --- secondary suppression -------------------------------------------------------------

    def _secondary(
        self, rows: list[dict[str, Any]], counts: tuple[str, ...]
    ) -> tuple[set[tuple[int, str]], set[int]]:
        """Which (row, count) cells to hide beyond the small ones, and which rows are withheld."""
        if self.exact:
            return set(), set()
        hidden: set[tuple[int, str]] = set()
        withheld: set[int] = set()
        by_split: dict[object, list[int]] = {}
        for index, row in enumerate(rows):
            by_split.setdefault(row.get("split"), []).append(index)
        for indexes in by_split.values():
            extra, gone = self._protect_split(rows, indexes, counts)
            hidden |= extra
            withheld |= gone
        return hidden, withheld

    def _protect_split(
        self, rows: list[dict[str, Any]], indexes: list[int], counts: tuple[str, ...]
    ) -> tuple[set[tuple[int, str]], set[int]]:
        dimensions: list[object] = []
        for index in indexes:
            dimension = rows[index].get("dimension")
            if dimension is not None and dimension not in dimensions:
                dimensions.append(dimension)
        withheld: set[object] = set()
        while True:
            grid, cell = self._grid(rows, indexes, counts, withheld)
            hidden, stuck = protect(grid, self)
            if stuck is None:
                break
            # Every group of the breakdown is hidden and a count is still pinned: withhold it.
            key = next(k for k, c in cell.items() if c == stuck)
            dimension = rows[key[0]].get("dimension")
            if dimension is None:  # pinned by every breakdown together: withhold them all
                withheld |= set(dimensions)
            else:
                withheld.add(dimension)
        gone = {i for i in indexes if rows[i].get("dimension") in withheld}
        extra = {key for key, c in cell.items() if c in hidden and not grid.small[c]}
        extra |= {(i, name) for i in gone for name in counts if rows[i].get(name) is not None}
        return extra, gone

    def _grid(
        self,
        rows: list[dict[str, Any]],
        indexes: list[int],
        counts: tuple[str, ...],
        withheld: set[object],
    ) -> tuple[Grid, dict[tuple[int, str], int]]:
        """The grid of one split's counts: the overall row fixed, each breakdown's groups adding
        up to it, each numerator at most its denominator (withheld breakdowns left out)."""
        grid = Grid()
        cell: dict[tuple[int, str], int] = {}
        kept = [i for i in indexes if rows[i].get("dimension") not in withheld]
        for index in kept:
            for name in counts:
                value = rows[index].get(name)
                if value is not None:
                    cell[(index, name)] = grid.add(int(value), small=self.hides(int(value)))
        overall = [i for i in kept if rows[i].get("dimension") is None]
        groups: dict[object, list[int]] = {}
        for index in kept:
            if rows[index].get("dimension") is not None:
                groups.setdefault(rows[index]["dimension"], []).append(index)
        gap: dict[int, int] = {}  # row: its denominator less its numerator (not published)
        if set(COUNTS) <= set(counts):
            for index in kept:
                if (index, "numerator") in cell and (index, "denominator") in cell:
                    low, high = cell[(index, "numerator")], cell[(index, "denominator")]
                    grid.at_most(low, high)
                    gap[index] = grid.gap(low, high)
        for members in groups.values():
            exact = True
            for name in counts:
                parts = [cell[(i, name)] for i in members if (i, name) in cell]
                total = next((cell[(i, name)] for i in overall if (i, name) in cell), None)
                if parts:
                    exact = grid.adds_up(parts, total) and exact
            # Where both counts add up exactly, so do the gaps: with the pairs, a reader can
            # tie what the hidden numerators leave over to the hidden denominators.
            gaps = [gap[i] for i in members if i in gap]
            total_gap = next((gap[i] for i in overall if i in gap), None)
            if exact and gaps and total_gap is not None and len(gaps) == len(members):
                grid.adds_up(gaps, total_gap)
        for key in cell:
            if key[0] in overall:
                grid.fix(cell[key])
        return grid, cell


@dataclass
class Grid:
    """Counts and what a reader knows ties them: sums (``parts`` add up to ``total``, exactly
    or at least) and pairs (one count no larger than another). ``fixed`` counts are never
    hidden to protect another."""

    values: list[int] = field(default_factory=list)
    small: list[bool] = field(default_factory=list)
    #: Counts a reader can work with but that are never published: each ``(gap, low, high)``
    #: in ``gaps`` is ``high - low``.
    derived: set[int] = field(default_factory=set)
    gaps: list[tuple[int, int, int]] = field(default_factory=list)
    sums: list[tuple[tuple[int, ...], int | None, bool]] = field(default_factory=list)
    pairs: list[tuple[int, int]] = field(default_factory=list)
    fixed: set[int] = field(default_factory=set)

    def add(self, value: int, *, small: bool) -> int:
        self.values.append(value)
        self.small.append(small)
        return len(self.values) - 1

    def adds_up(self, parts: Sequence[int], total: int | None) -> bool:
        """``parts`` add up to ``total``: exactly when they do, else (a unit in two groups) at
        least; with no total, the parts' sum is only known to be what they add up to. Whether
        they add up exactly."""
        if total is None:
            return False
        exact = sum(self.values[p] for p in parts) == self.values[total]
        self.sums.append((tuple(parts), total, exact))
        return exact

    def gap(self, low: int, high: int) -> int:
        """A derived count, ``high - low``, that ties the two through the sums it is part of."""
        cell = self.add(self.values[high] - self.values[low], small=False)
        self.derived.add(cell)
        self.gaps.append((cell, low, high))
        return cell

    def at_most(self, low: int, high: int) -> None:
        self.pairs.append((low, high))

    def fix(self, cell: int) -> None:
        self.fixed.add(cell)


def ranges(grid: Grid, rule: Rule, hidden: Iterable[int]) -> list[tuple[int, int]]:
    """What a reader can work out of each count from the published grid: its range after
    propagating every sum and pair to a fixed point (the rounding ranges of what is shown, the
    small or protecting range of what is hidden)."""
    hidden = set(hidden)
    bounds: list[list[int]] = []
    for index, value in enumerate(grid.values):
        if index in grid.derived:
            low, high = 0, UNBOUNDED
        elif index in hidden:
            low, high = rule.bounds(HIDDEN, small=grid.small[index])
        else:
            low, high = rule.bounds(rule.count(value))
        bounds.append([low, high])
    for _ in range(64):
        changed = False

        def tighten(cell: int, low: int, high: int) -> None:
            nonlocal changed
            if low > bounds[cell][0]:
                bounds[cell][0], changed = low, True
            if high < bounds[cell][1]:
                bounds[cell][1], changed = high, True

        for parts, total, exact in grid.sums:
            lows = sum(bounds[p][0] for p in parts)
            highs = sum(min(bounds[p][1], UNBOUNDED) for p in parts)
            t_low, t_high = bounds[total] if total is not None else (0, UNBOUNDED)
            if exact:
                tighten(total, lows, highs)  # type: ignore[arg-type]
                for p in parts:
                    others_low = lows - bounds[p][0]
                    others_high = highs - min(bounds[p][1], UNBOUNDED)
                    tighten(p, t_low - others_high, t_high - others_low)
            else:
                tighten(total, 0, highs)  # type: ignore[arg-type]
                for p in parts:
                    others_high = highs - min(bounds[p][1], UNBOUNDED)
                    tighten(p, t_low - others_high, UNBOUNDED)
        for low, high in grid.pairs:
            tighten(low, bounds[low][0], bounds[high][1])
            tighten(high, bounds[low][0], bounds[high][1])
        for gap, low, high in grid.gaps:
            (g_low, g_high), (l_low, l_high), (h_low, h_high) = (
                bounds[gap],
                bounds[low],
                bounds[high],
            )
            tighten(gap, h_low - l_high, h_high - l_low)
            tighten(high, l_low + g_low, min(l_high + g_high, UNBOUNDED))
            tighten(low, h_low - min(g_high, UNBOUNDED), h_high - g_low)
        if not changed:
            break
    return [(b[0], b[1]) for b in bounds]


def protect(grid: Grid, rule: Rule) -> tuple[set[int], int | None]:
    """The cells to hide — the small ones, and as few more as it takes, chosen in a fixed order
    — so that no hidden cell's range is a single value; with the cell still pinned when even
    hiding every cell that may be hidden cannot free it (else ``None``)."""
    hidden = {i for i, small in enumerate(grid.small) if small}
    while True:
        found = ranges(grid, rule, hidden)
        pinned = [i for i in sorted(hidden) if found[i][0] >= found[i][1]]
        if not pinned:
            return hidden, None
        choice = _complement(grid, pinned[0], hidden)
        if choice is None:
            return hidden, pinned[0]
        hidden.add(choice)


def _complement(grid: Grid, cell: int, hidden: set[int]) -> int | None:
    """The cell to hide to protect ``cell``: the smallest open sibling in a sum it is part of
    (first the sums, then its pair), the first in order on a tie."""

    def open_(c: int) -> bool:
        return c not in hidden and c not in grid.fixed and c not in grid.derived

    for parts, _total, _exact in grid.sums:
        if cell in parts:
            siblings = [p for p in parts if p != cell and open_(p)]
            if siblings:
                return min(siblings, key=lambda p: (grid.values[p], p))
    for low, high in grid.pairs:
        partner = high if low == cell else low if high == cell else None
        if partner is not None and open_(partner):
            return partner
    for parts, total, _exact in grid.sums:  # the cell is a total of a sum: hide a part
        if total == cell:
            candidates = [p for p in parts if open_(p)]
            if candidates:
                return min(candidates, key=lambda p: (grid.values[p], p))
    return None


NONE = Rule(below=0, round_to=1)


def _round_half_up(value: int, step: int) -> int:
    return ((value + step // 2) // step) * step if step > 1 else value


def _round_half_up_ratio(numerator: int, denominator: int) -> int:
    """``numerator / denominator`` to the nearest whole number, halves up (integers only)."""
    return (2 * numerator + denominator) // (2 * denominator)


def site_rule() -> Rule:
    """The rule this site has set, or NHS England's."""
    configured = getattr(settings, "ALONGSIDE_SUPPRESSION", None) or {}
    return Rule(**configured)
