"""An adversary for published figures: what a reader can work out of each hidden count.

Written apart from the rule it attacks (``insights.suppression``), by exhaustive search rather
than by propagating bounds. The reader is given more than the page says: which hidden counts are
small (below the threshold) and which were hidden to protect another, whether each breakdown's
groups add up to the total exactly, and the range each rounded count stands for. A breakdown the
rule withheld gives nothing but that each of its rows has at least one unit.

A *grid* is one metric's figures for one period (and split): ``overall`` and ``groups`` by
dimension, each a row of published cells with the true values beside them. For every hidden cell
:func:`recover` returns the set of values consistent with everything published; a cell is
recovered when that set holds one value only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

HIDDEN = "*"


@dataclass
class Cell:
    shown: object  # what was published: a count, "*", or None
    true: int | None


@dataclass
class Row:
    denominator: Cell
    numerator: Cell | None = None  # None for a count metric
    share: object = None  # the published share, for the old rule's attack
    withheld: bool = False


@dataclass
class Grid:
    below: int
    round_to: int
    overall: Row
    groups: dict[str, list[Row]] = field(default_factory=dict)
    #: Use each published share as round(100·numerator/denominator) of the true counts.
    shares_from_true_counts: bool = False


def values(cell: Cell, grid: Grid, cap: int, *, withheld: bool, floor: int = 0) -> range:
    """Every value the reader thinks the cell could hold on its own."""
    below, step = grid.below, grid.round_to
    if cell.shown is None:
        return range(0, 1)
    if withheld:
        return range(floor, cap + 1)
    if cell.shown == HIDDEN:
        assert cell.true is not None
        if cell.true < below:  # the reader is told it is small
            return range(0, below)
        return range(below, cap + 1)
    shown = int(cell.shown)  # type: ignore[call-overload]
    return range(max(shown - step // 2, below, 0), shown + (step - 1) // 2 + 1)


def _share_ok(share: object, n: int, d: int) -> bool:
    if share in (None, HIDDEN) or not d:
        return True
    return (2 * 100 * n + d) // (2 * d) == int(share) or round(100 * n / d) == int(share)  # type: ignore[call-overload]


def _pairs(row: Row, grid: Grid, cap: int) -> list[tuple[int, int]]:
    w = row.withheld
    ds = values(row.denominator, grid, cap, withheld=w, floor=1)
    if row.numerator is None:
        return [(d, 0) for d in ds]
    ns = values(row.numerator, grid, cap, withheld=w)
    out = []
    for d in ds:
        for n in ns:
            if n > d:
                break
            if grid.shares_from_true_counts and not _share_ok(row.share, n, d):
                continue
            out.append((d, n))
    return out


def _feasible(
    rows: list[list[tuple[int, int]]], total: tuple[int, int], exact: bool
) -> list[set[tuple[int, int]]]:
    """For each row, the (d, n) it can take with the rows adding up to ``total`` (exactly, or at
    least where a unit can sit in two groups): forward and backward sets of partial sums."""
    D, N = total

    def clip(s: tuple[int, int]) -> tuple[int, int] | None:
        if exact:
            return s if s[0] <= D and s[1] <= N else None
        return (min(s[0], D), min(s[1], N))

    forward = [{(0, 0)}]
    for options in rows:
        nxt = set()
        for a in forward[-1]:
            for d, n in options:
                s = clip((a[0] + d, a[1] + n))
                if s is not None:
                    nxt.add(s)
        forward.append(nxt)
    # backward[i]: sums the rows from i on can make (exactly, or saturating).
    backward: list[set[tuple[int, int]]] = [set() for _ in range(len(rows) + 1)]
    backward[len(rows)] = {(0, 0)}
    for i in range(len(rows) - 1, -1, -1):
        for b in backward[i + 1]:
            for d, n in rows[i]:
                s = clip((b[0] + d, b[1] + n))
                if s is not None:
                    backward[i].add(s)
    out = []
    for i, options in enumerate(rows):
        ok = set()
        for d, n in options:
            for a in forward[i]:
                s = clip((a[0] + d, a[1] + n))
                if s is None:
                    continue
                if exact:
                    if (D - s[0], N - s[1]) in backward[i + 1]:
                        ok.add((d, n))
                        break
                elif any(
                    min(s[0] + b[0], D) == D and min(s[1] + b[1], N) == N for b in backward[i + 1]
                ):
                    ok.add((d, n))
                    break
        out.append(ok)
    return out


def recover(grid: Grid) -> dict[tuple[str, int, str], set[int]]:
    """For every hidden cell — (dimension, row, "denominator" | "numerator"), the overall's
    dimension being "" — the values consistent with everything published."""
    o = grid.overall
    cap = max(values(o.denominator, grid, 10**6, withheld=False)) if o.denominator.shown else 0
    cap = max(cap, 1)
    totals = _pairs(o, grid, cap)
    found: dict[tuple[str, int, str], set[int]] = {}
    dims = {name: [_pairs(r, grid, cap) for r in rows] for name, rows in grid.groups.items()}
    exact = {
        name: (
            sum(r.denominator.true or 0 for r in rows) == o.denominator.true
            and (
                o.numerator is None
                or sum(r.numerator.true or 0 for r in rows if r.numerator) == o.numerator.true
            )
        )
        for name, rows in grid.groups.items()
    }
    seen: dict[str, list[set[tuple[int, int]]]] = {
        n: [set() for _ in rows] for n, rows in dims.items()
    }
    possible_totals: set[tuple[int, int]] = set()
    for total in totals:
        per_dim = {n: _feasible(rows, total, exact[n]) for n, rows in dims.items()}
        if all(all(options) for options in per_dim.values()):
            possible_totals.add(total)
            for n, options in per_dim.items():
                for i, ok in enumerate(options):
                    seen[n][i] |= ok

    def note(key: tuple[str, int, str], cell: Cell | None, picked: Callable[[], set[int]]) -> None:
        if cell is not None and cell.shown == HIDDEN:
            found[key] = picked()

    note(("", 0, "denominator"), o.denominator, lambda: {d for d, _n in possible_totals})
    note(("", 0, "numerator"), o.numerator, lambda: {n for _d, n in possible_totals})
    for name, rows in grid.groups.items():
        for i, row in enumerate(rows):
            pairs = seen[name][i]
            note((name, i, "denominator"), row.denominator, lambda p=pairs: {d for d, _ in p})
            note((name, i, "numerator"), row.numerator, lambda p=pairs: {n for _, n in p})
    return found


def recovered(grid: Grid) -> dict[tuple[str, int, str], int]:
    """The hidden cells pinned to one value, with it; checks first that the truth is among
    the values found (so the adversary's picture of the rule is right)."""
    out = {}
    for key, options in recover(grid).items():
        name, i, which = key
        row = grid.overall if not name else grid.groups[name][i]
        cell = getattr(row, which)
        assert cell.true in options, f"{key}: the truth {cell.true} is not in {sorted(options)}"
        if len(options) == 1:
            out[key] = cell.true
    return out


def from_rows(
    raw: list[dict], safe: list[dict], *, below: int, round_to: int, count: bool = False
) -> list[Grid]:
    """Grids (one per split) from a metric's raw and published figure rows."""
    grids: dict[object, Grid] = {}
    for r, s in zip(raw, safe, strict=True):
        row = Row(
            Cell(s.get("denominator"), r.get("denominator")),
            None if count else Cell(s.get("numerator"), r.get("numerator")),
            s.get("share"),
            bool(s.get("withheld")),
        )
        grid = grids.setdefault(r.get("split"), Grid(below, round_to, Row(Cell(None, None)), {}))
        if r.get("dimension") is None:
            grid.overall = row
        else:
            grid.groups.setdefault(r["dimension"], []).append(row)
    return list(grids.values())
