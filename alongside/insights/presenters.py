"""What the dashboards show: figures fetched (and cached) for one choice of month and filters,
made safe with the site's suppression rule, and laid out as tables, each with its chart.

Every number a page or a CSV shows passes through the site's ``Rule`` first: a metric's
overall figure and all its breakdowns for the month together (``Rule.figures``), so that no
hidden count can be worked back from the total and the other groups. A table's cells hold the
values as shown (``*`` for hidden, counts rounded), and the CSV of a table is written from the
same cells, so the download always matches the page. Charts are drawn from those cells too;
shares and their confidence intervals are worked from the counts as shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections.abc import Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.urls import reverse

from alongside.core import csv, formats
from alongside.insights import metrics
from alongside.insights.charts import BarChart, Item, LineChart, value_text, wilson
from alongside.insights.engines import Engine, Row
from alongside.insights.metrics import Filters, Metric, Period
from alongside.insights.schema import (
    AGE_BANDS,
    DIMENSIONS,
    NOT_KNOWN,
    PROVIDER_TYPES,
    RESIDENT_DIMENSIONS,
)
from alongside.insights.suppression import HIDDEN, Rule
from alongside.organisations.models import Locality, Membership, Role

#: Who may open the dashboards: aggregates only, so the roles that oversee services.

#: The overview's groups, in the order the Community Mental Health Framework's story goes.
GROUPS = ("Access", "Waiting times", "No wrong door", "Care", "Outcomes")

#: How long computed figures are kept (seconds): live enough, and quick to page through.
CACHE_SECONDS = 300

#: A short heading for each metric's numerator column (the Metric says it in a sentence).
TREND_MONTHS = 12


# --- who, and their defaults -------------------------------------------------------------------


def led_team(user: Any) -> int | None:
    """The team a team lead leads (the first by name), their dashboards' default filter."""
    return (
        Membership.objects.active()
        .filter(user=user, role=Role.TEAM_LEAD)
        .order_by("team__name")
        .values_list("team_id", flat=True)
        .first()
    )


# --- caching ------------------------------------------------------------------------------------


def _key(*parts: object) -> str:
    text = "|".join(str(p) for p in parts)
    return "insights:" + hashlib.sha256(text.encode()).hexdigest()


#: Set while ``warm(recompute=True)`` works the figures out again over what the cache holds.
_recomputing: ContextVar[bool] = ContextVar("insights_recomputing", default=False)


def cached(parts: tuple[object, ...], work: Callable[[], Any]) -> Any:
    """The value cached under ``parts``, or ``work()`` kept for ``CACHE_SECONDS`` (always
    ``work()`` while ``warm`` recomputes)."""
    key = _key(*parts)
    found = None if _recomputing.get() else cache.get(key)
    if found is None:
        found = work()
        cache.set(key, found, CACHE_SECONDS)
    return found


def coverage(engine: Engine) -> Period | None:
    return cached(("coverage", engine.reference_date()), lambda: metrics.coverage(engine))


def warm(engine: Engine, *, recompute: bool = False) -> Period | None:
    """Work out ahead, into the shared cache, what the overview opens on for an analyst: the
    data's coverage, the filters' choices and every measure's headline for the default month,
    place-wide. The month, or ``None`` when there is nothing to measure yet. ``recompute``
    works them out again over what the cache already holds (the scheduled refresh)."""
    token = _recomputing.set(recompute)
    try:
        return _warm(engine)
    finally:
        _recomputing.reset(token)


def _warm(engine: Engine) -> Period | None:
    covered = coverage(engine)
    if covered is None:
        return None
    filter_options(engine)
    period = default_month(covered)
    figures = Figures(engine, period, Filters())
    for metric in metrics.METRICS:
        figures.headline(metric)
    return period


@dataclass(frozen=True)
class TeamOption:
    key: int
    name: str
    organisation_key: int
    organisation_name: str
    provider_type: str


@dataclass(frozen=True)
class FilterOptions:
    teams: tuple[TeamOption, ...]
    localities: tuple[str, ...]

    @property
    def organisations(self) -> list[tuple[int, str]]:
        seen = {t.organisation_key: t.organisation_name for t in self.teams}
        return sorted(seen.items(), key=lambda item: item[1].lower())

    @property
    def provider_types(self) -> list[str]:
        return sorted(set(PROVIDER_TYPES.values()))

    def team(self, key: int | None) -> TeamOption | None:
        return next((t for t in self.teams if t.key == key), None)

    def organisation_name(self, key: int | None) -> str | None:
        return dict(self.organisations).get(key) if key is not None else None


def filter_options(engine: Engine) -> FilterOptions:
    def load() -> FilterOptions:
        teams = engine.tables()["teams"]
        rows = engine.run(teams.order_by(teams.team_name))
        return FilterOptions(
            teams=tuple(
                TeamOption(
                    int(r["team_key"]),
                    r["team_name"],
                    int(r["organisation_key"]),
                    r["organisation_name"],
                    r["provider_type"],
                )
                for r in rows
            ),
            localities=tuple(Locality.objects.order_by("name").values_list("name", flat=True)),
        )

    return cached(("options",), load)


def default_month(covered: Period) -> Period:
    """The latest whole month the data covers (the month so far, if there is no whole one)."""
    end = covered.end
    this = Period.month(end.year, end.month)
    if end == this.end:
        return this
    first = this.start - dt.timedelta(days=1)
    previous = Period.month(first.year, first.month)
    return previous if previous.end >= covered.start else this


def month_choices(covered: Period) -> list[tuple[str, str]]:
    """Every month the data touches, newest first: ``("2026-10", "October 2026")``."""
    out = []
    for part in reversed(covered.months()):
        whole = Period.month(part.start.year, part.start.month)
        label = whole.label + (" (so far)" if whole.end > covered.end else "")
        out.append((f"{whole.start:%Y-%m}", label))
    return out


# --- the figures ---------------------------------------------------------------------------------


def _filters_key(filters: Filters) -> tuple[object, ...]:
    return (filters.team_key, filters.organisation_key, filters.locality, filters.provider_type)


def all_breakdowns(
    engine: Engine, metric: Metric, period: Period, filters: Filters
) -> dict[str, list[Row]]:
    """The metric broken down by each of its dimensions, in one query (``compute_many``)."""
    dims = list(metric.breakdowns)
    if not dims:
        return {}
    out: dict[str, list[Row]] = {by: [] for by in dims}
    for row in metrics.compute_many(engine, metric, period, dims, filters=filters):
        out[row["dimension"]].append(row)
    return out


@dataclass
class Figures:
    """The figures for one month and one set of filters, each kept in the cache a few minutes
    per (metric, month, filters, breakdown)."""

    engine: Engine
    period: Period
    filters: Filters

    def _parts(self, what: str, metric: str) -> tuple[object, ...]:
        return (what, metric, self.period.start, self.period.end, *_filters_key(self.filters))

    def headline(self, metric: Metric) -> list[Row]:
        return cached(
            self._parts("headline", metric.key),
            lambda: metrics.compute(self.engine, metric, self.period, filters=self.filters),
        )

    def trend(self, metric: Metric, months: list[Period]) -> list[Row]:
        return cached(
            (*self._parts("trend", metric.key), len(months), months[0].start),
            lambda: metrics.trend(self.engine, metric, months, filters=self.filters),
        )

    def breakdowns(self, metric: Metric) -> dict[str, list[Row]]:
        return cached(
            self._parts("breakdowns", metric.key),
            lambda: all_breakdowns(self.engine, metric, self.period, self.filters),
        )

    def representation(self, dimension: str) -> list[Row]:
        return cached(
            self._parts("representation", dimension),
            lambda: metrics.representation(
                self.engine, self.period, dimension, filters=self.filters
            ),
        )


def trend_months(period: Period, covered: Period) -> list[Period]:
    """The twelve months ending with the chosen one, from the first month the data covers."""
    months = period.twelve_months_to_end().months()
    whole = [Period.month(m.start.year, m.start.month) for m in months]
    return [m for m in whole if m.end >= covered.start] or [period]


# --- wording -------------------------------------------------------------------------------------

IMD_LABELS = {"1": "1 (most deprived)", "5": "5 (least deprived)"}
_LAST = (NOT_KNOWN, "Not stated")


def group_label(dimension: str | None, group: object) -> str:
    text = str(group) if group is not None else NOT_KNOWN
    if dimension == "imd_quintile":
        return IMD_LABELS.get(text, text)
    if dimension == "intensity":
        return text.capitalize()
    return text


def _order(dimension: str) -> Callable[[object], tuple[int, int, str]]:
    fixed: list[str] = []
    if dimension == "age_band":
        fixed = [label for _lo, _hi, label in AGE_BANDS]
    elif dimension == "wait_band":
        fixed = [label for _limit, label in metrics.WAIT_BANDS]
    elif dimension == "intensity":
        fixed = list(metrics.INTENSITIES)

    def key(group: object) -> tuple[int, int, str]:
        text = str(group)
        last = 1 if text in _LAST else 0
        return (last, fixed.index(text) if text in fixed else len(fixed), text.lower())

    return key


def measure_titles() -> dict[str, str]:
    """Outcome measures' short titles by name (PHQ-9, DIALOG, …)."""
    from alongside.outcomes import registry
    from alongside.outcomes.models import Questionnaire

    titles = {}
    for questionnaire in Questionnaire.objects.filter(is_current=True):
        try:
            titles[questionnaire.name] = registry.measure(questionnaire).short_title
        except Exception:  # a title is only a label: fall back to the stored one
            titles[questionnaire.name] = questionnaire.title
    return titles


def split_label(split: object, titles: dict[str, str]) -> str:
    return titles.get(str(split), str(split).upper()) if split is not None else ""


def denominator_heading(metric: Metric) -> str:
    return metric.unit[:1].upper() + metric.unit[1:]


def numerator_heading(metric: Metric) -> str:
    return metric.numerator_label


def value_unit(metric: Metric) -> str:
    return f" {metric.value_label}" if metric.value_label else ""


def describe_filters(filters: Filters, options: FilterOptions) -> list[str]:
    parts = []
    team = options.team(filters.team_key)
    if team is not None:
        parts.append(f"Team: {team.name}")
    organisation = options.organisation_name(filters.organisation_key)
    if organisation is not None:
        parts.append(f"Organisation: {organisation}")
    if filters.locality:
        parts.append(f"Locality: {filters.locality}")
    if filters.provider_type:
        parts.append(f"Provider type: {filters.provider_type}")
    return parts


# --- tables -------------------------------------------------------------------------------------

Cell = int | float | str | None


@dataclass(frozen=True)
class Column:
    heading: str
    numeric: bool = True


@dataclass
class Table:
    """A table as shown: the page renders ``display_rows``, the CSV writes ``rows``."""

    slug: str
    heading: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    csv_href: str = ""
    chart: BarChart | LineChart | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def wide(self) -> bool:
        """Too many columns to sit beside its chart."""
        return len(self.columns) > 5

    @property
    def display_rows(self) -> list[list[dict[str, Any]]]:
        return [
            [
                {"text": show(cell), "numeric": column.numeric, "header": index == 0}
                for index, (column, cell) in enumerate(zip(self.columns, row, strict=True))
            ]
            for row in self.rows
        ]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.heading for c in self.columns])
        writer.writerows(self.rows)
        return out.getvalue()


def show(cell: Cell) -> str:
    """A cell as the page shows it (the CSV has the same value without thousands commas)."""
    if cell is None:
        return "–"
    if isinstance(cell, bool):
        return "Yes" if cell else "No"
    if isinstance(cell, int):
        return formats.number(cell)
    if isinstance(cell, float):
        return value_text(cell)
    return str(cell)


def _one_decimal(value: object) -> Cell:
    if value is None or value == HIDDEN:
        return value  # type: ignore[return-value]
    rounded = round(float(value), 1)  # type: ignore[arg-type]
    return int(rounded) if rounded.is_integer() else rounded


def interval(safe: Row) -> tuple[int, int] | None:
    """The share's 95% confidence interval in whole per cents, from the counts as shown; none
    when the share is hidden."""
    if safe.get("share") in (None, HIDDEN):
        return None
    found = wilson(safe["numerator"], safe["denominator"])
    if found is None:
        return None
    return round(found[0]), round(found[1])


def interval_text(ci: tuple[int, int] | None) -> Cell:
    return None if ci is None else f"{ci[0]} to {ci[1]}"


def _number(value: Cell) -> float | None:
    if value is None or value == HIDDEN:
        return None
    return float(value)  # type: ignore[arg-type]


@dataclass
class Shown:
    """One figure row, raw and safe, with what a chart draws of it."""

    raw: Row
    safe: Row
    ci: tuple[int, int] | None

    @property
    def value(self) -> float | None:
        """What a chart draws for the row (in the kind's own unit)."""
        return _number(self.safe.get("_value"))

    @property
    def drawn_ci(self) -> tuple[int, int] | None:
        """The interval a chart draws: only when it draws the share itself."""
        return self.ci if self.safe.get("_drawn") == "share" else None


def shown(metric: Metric, row: Row, rule: Rule) -> Shown:
    """One figure row on its own (a month's overall figure)."""
    return shown_all(metric, [row], rule)[0]


def shown_all(metric: Metric, rows: list[Row], rule: Rule) -> list[Shown]:
    """A metric's rows for one period — overall and every breakdown — made safe together."""
    if metric.team_units:
        # Counts of teams are shown as they are; what rests on few people's records is hidden.
        out = []
        for row, safe in zip(rows, rule.teams_figures(rows), strict=True):
            safe["_value"] = safe.get("mean")
            out.append(Shown(row, safe, None))
        return out
    out = []
    for row, safe in zip(rows, rule.figures(rows), strict=True):
        ci = interval(safe) if metric.kind != "count" else None
        if metric.kind == "count":
            safe["_value"] = safe["denominator"]
        elif metric.kind == "distribution":
            safe["_value"] = safe.get("median")
        else:
            safe["_value"] = safe.get("share")
            safe["_drawn"] = "share"
        out.append(Shown(row, safe, ci))
    return out


#: The note under a breakdown withheld because its groups could not be protected otherwise.
#: It does not say the groups are small: a reader told so could work them back from the total.
WITHHELD = (
    "The figures for each group here are withheld: with the total, they would let "
    "small numbers be worked out."
)


def figure_columns(metric: Metric, first: str, *, split: bool = False) -> list[Column]:
    columns = [Column(first, numeric=False)]
    if split:
        columns.append(Column("Measure", numeric=False))
    columns.append(Column(denominator_heading(metric)))
    if metric.kind == "distribution":
        label = metric.value_label or "value"
        columns += [Column(f"Median ({label})"), Column(f"90th percentile ({label})")]
    if metric.kind == "mean":
        columns.append(Column("Mean change"))
    if metric.kind != "count":
        columns += [
            Column(numerator_heading(metric)),
            Column("Per cent"),
            Column("95% confidence interval"),
        ]
    return columns


def figure_cells(metric: Metric, item: Shown) -> list[Cell]:
    safe = item.safe
    cells: list[Cell] = [safe["denominator"]]
    if metric.kind == "distribution":
        cells += [_one_decimal(safe.get("median")), _one_decimal(safe.get("p90"))]
    if metric.kind == "mean":
        cells.append(_one_decimal(safe.get("mean")))
    if metric.kind != "count":
        cells += [safe["numerator"], safe["share"], interval_text(item.ci)]
    return cells


def chart_unit(metric: Metric) -> tuple[str, float | None, str]:
    """(unit after a value, fixed top of the scale, what is drawn) for the metric's charts."""
    if metric.kind == "count":
        return "", None, f"{denominator_heading(metric)} counted"
    if metric.kind == "distribution":
        return "", None, f"Median {metric.value_label or 'value'}"
    return "%", 100.0, f"Per cent {numerator_heading(metric).lower()}"


# --- headline -----------------------------------------------------------------------------------


@dataclass
class Headline:
    figure: str
    detail: str
    label: str = ""


def _stat_text(value: object) -> str:
    if value is None:
        return "–"
    return HIDDEN if value == HIDDEN else value_text(float(value))  # type: ignore[arg-type]


def _share_text(share: object) -> str:
    return HIDDEN if share in (None, HIDDEN) else f"{share}%"


def headlines(
    metric: Metric, rows: list[Row], rule: Rule, titles: dict[str, str]
) -> list[Headline]:
    out = []
    for row in rows:
        item = shown(metric, row, rule)
        safe = item.safe
        label = split_label(row.get("split"), titles) if metric.split_by else ""
        denominator = show(safe["denominator"]) if safe["denominator"] is not None else "0"
        unit = metric.units(denominator)
        if not row.get("denominator"):
            out.append(Headline("None", f"No {metric.unit} to count in this month.", label))
            continue
        if metric.team_units:
            parts = [
                f"{a.name} {_tenth_text(safe.get(a.name))}" for a in metric.also if a.how == "mean"
            ]
            detail = f"Mean of {denominator} {unit}, 0 to 100; " + ", ".join(parts)
            out.append(Headline(_tenth_text(safe.get("mean")), detail, label))
            continue
        if metric.kind == "count":
            out.append(Headline(denominator, unit[:1].upper() + unit[1:], label))
        elif metric.kind == "share":
            share = safe["share"]
            figure = f"{share}%" if share != HIDDEN else HIDDEN
            out.append(
                Headline(figure, f"{show(safe['numerator'])} of {denominator} {unit}", label)
            )
        elif metric.kind == "distribution":
            figure = _stat_text(safe.get("median"))
            share_text = _share_text(safe["share"])
            out.append(
                Headline(
                    f"{figure} {metric.value_label}".strip(),
                    f"Median, of {denominator} {unit}; "
                    f"{numerator_heading(metric).lower()}: {share_text}",
                    label,
                )
            )
        else:
            mean_text = _stat_text(safe.get("mean"))
            share_text = _share_text(safe["share"])
            out.append(
                Headline(
                    share_text,
                    f"Reliably improved, of {denominator} {unit}; mean change {mean_text}",
                    label,
                )
            )
    if not out:
        out.append(Headline("None", f"No {metric.unit} to count in this month."))
    return out


# --- the pages -----------------------------------------------------------------------------------


@dataclass
class Selection:
    """A valid choice of month and filters, and how to carry it in a link."""

    period: Period
    filters: Filters
    query: str
    covered: Period
    described: list[str]


def csv_href(name: str, selection: Selection, **kwargs: str) -> str:
    return f"{reverse(name, kwargs=kwargs or None)}?{selection.query}"


def about_rows(metric: Metric) -> list[dict[str, Any]]:
    better = {True: "Higher is better.", False: "Lower is better.", None: "Neither: it describes."}
    pairs = [
        ("What it shows", metric.purpose),
        ("Counted", metric.unit[:1].upper() + metric.unit[1:]),
        ("Denominator", metric.denominator),
    ]
    if metric.kind != "count":
        pairs.append(("Numerator", metric.numerator))
    if metric.value_label:
        pairs.append(("Value", metric.value_label[:1].upper() + metric.value_label[1:]))
    pairs += [
        ("Period", metric.period),
        ("Left out", metric.exclusions),
        ("Which way is better", better[metric.higher_is_better]),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


def empty(rows: Iterable[Row]) -> bool:
    return not any(r.get("denominator") for r in rows)


@dataclass
class Card:
    metric: Metric
    href: str
    headlines: list[Headline]


@dataclass
class OverviewPage:
    groups: list[tuple[str, list[Card]]]
    table: Table
    nothing: bool


def overview_page(figures: Figures, selection: Selection, rule: Rule) -> OverviewPage:
    titles = measure_titles()
    groups: dict[str, list[Card]] = {g: [] for g in GROUPS}
    rows: list[list[Cell]] = []
    everything: list[Row] = []
    for metric in metrics.METRICS:
        found = figures.headline(metric)
        everything += found
        page = (
            reverse("insights:coproduction")
            if metric.team_units
            else reverse("insights:metric", kwargs={"key": metric.key})
        )
        href = f"{page}?{selection.query}"
        groups.setdefault(metric.group, []).append(
            Card(metric, href, headlines(metric, found, rule, titles))
        )
        for row in found or [{"denominator": None, "numerator": None, "split": None}]:
            item = shown(metric, row, rule)
            safe = item.safe
            split = split_label(row.get("split"), titles)
            rows.append(
                [
                    f"{metric.title} – {split}" if split else metric.title,
                    metric.unit,
                    safe["denominator"],
                    safe["numerator"],
                    safe["share"],
                    interval_text(item.ci),
                    _one_decimal(safe.get("median")),
                    _one_decimal(safe.get("p90")),
                    _one_decimal(safe.get("mean")),
                ]
            )
    columns = [
        Column("Measure", numeric=False),
        Column("Counted", numeric=False),
        Column("Denominator"),
        Column("Numerator"),
        Column("Per cent"),
        Column("95% confidence interval"),
        Column("Median"),
        Column("90th percentile"),
        Column("Mean"),
    ]
    table = Table(
        slug="overview",
        heading="Every figure as a table",
        caption=f"Every measure, {selection.period.label}",
        columns=columns,
        rows=rows,
        csv_href=csv_href("insights:overview-csv", selection),
    )
    return OverviewPage(
        groups=[(g, cards) for g, cards in groups.items() if cards],
        table=table,
        nothing=empty(everything),
    )


@dataclass
class MetricPage:
    metric: Metric
    about: list[dict[str, Any]]
    headlines: list[Headline]
    trend: list[Table]
    breakdowns: list[Table]
    nothing: bool


def _chart_id(*parts: str) -> str:
    return "chart-" + "-".join(p.replace("_", "-") for p in parts if p)


def trend_tables(
    metric: Metric,
    rows: list[Row],
    selection: Selection,
    rule: Rule,
    titles: dict[str, str],
) -> list[Table]:
    """One table over the months (one per outcome measure, for a split metric)."""
    by_split: dict[object, dict[Period, Row]] = {}
    months: list[Period] = []
    for row in rows:
        if row["period"] not in months:
            months.append(row["period"])
        if metric.split_by and row.get("split") is None:
            continue
        by_split.setdefault(row.get("split"), {})[row["period"]] = row
    if not by_split:
        by_split[None] = {}
    unit, top, drawn = chart_unit(metric)
    tables = []
    for split, per_month in sorted(by_split.items(), key=lambda s: str(s[0])):
        label = split_label(split, titles)
        cells: list[list[Cell]] = []
        values, lows, highs = [], [], []
        for month in months:
            row = per_month.get(month) or {"denominator": None, "numerator": None}
            item = shown(metric, row, rule)
            cells.append([month.label, *figure_cells(metric, item)])
            values.append(item.value)
            ci = item.drawn_ci
            lows.append(ci[0] if ci else None)
            highs.append(ci[1] if ci else None)
        suffix = f" – {label}" if label else ""
        slug = f"trend-{split}" if split is not None else "trend"
        chart = LineChart(
            chart_id=_chart_id(metric.key, slug),
            title=f"{metric.title}{suffix}: {drawn.lower()} by month",
            labels=[m.start.strftime("%b") for m in months],
            sublabels=[
                str(m.start.year) if i == 0 or m.start.month == 1 else ""
                for i, m in enumerate(months)
            ],
            long_labels=[m.label for m in months],
            values=values,
            lows=lows,
            highs=highs,
            unit=unit,
            top=top,
            summary=f"{drawn}, each month from {months[0].label} to {months[-1].label}",
        )
        tables.append(
            Table(
                slug=slug,
                heading=f"By month{suffix}",
                caption=f"{metric.title}{suffix}, by month",
                columns=figure_columns(metric, "Month"),
                rows=cells,
                csv_href=csv_href("insights:table-csv", selection, key=metric.key, table=slug),
                chart=chart,
            )
        )
    return tables


def breakdown_table(
    metric: Metric,
    dimension: str,
    rows: list[Shown],
    overall: list[Shown],
    selection: Selection,
    titles: dict[str, str],
) -> Table:
    """One breakdown's table, from rows already made safe with the rest of the metric's grid."""
    heading = metric.breakdowns[dimension]
    order = _order(dimension)
    split = bool(metric.split_by)
    ordered = sorted(rows, key=lambda s: (str(s.raw.get("split")), order(s.raw.get("group"))))
    cells: list[list[Cell]] = []
    items: list[Item] = []
    for item in ordered:
        row = item.raw
        group = group_label(dimension, row.get("group"))
        label = split_label(row.get("split"), titles)
        first = [group, label] if split else [group]
        cells.append([*first, *figure_cells(metric, item)])
        ci = item.drawn_ci
        items.append(
            Item(
                label=group,
                value=item.value,
                low=ci[0] if ci else None,
                high=ci[1] if ci else None,
                section=label if split else None,
            )
        )
    reference = None
    if not split and overall:
        reference = overall[0].value
    unit, top, drawn = chart_unit(metric)
    chart = BarChart(
        chart_id=_chart_id(metric.key, dimension),
        title=f"{metric.title}: {drawn.lower()} by {heading.lower()}",
        items=items,
        unit=unit,
        top=top,
        reference=reference,
        reference_label="The figure for everyone",
        summary=f"{drawn} for each group of {heading.lower()}, {selection.period.label}",
    )
    slug = f"by-{dimension}"
    return Table(
        slug=slug,
        heading=f"By {heading[:1].lower()}{heading[1:]}",
        caption=f"{metric.title}, by {heading[:1].lower()}{heading[1:]}, {selection.period.label}",
        columns=figure_columns(metric, heading, split=split),
        rows=cells,
        csv_href=csv_href("insights:table-csv", selection, key=metric.key, table=slug),
        chart=chart if items else None,
        notes=[WITHHELD] if any(s.safe.get("withheld") for s in rows) else [],
    )


def metric_page(metric: Metric, figures: Figures, selection: Selection, rule: Rule) -> MetricPage:
    titles = measure_titles() if metric.split_by else {}
    overall = figures.headline(metric)
    months = trend_months(selection.period, selection.covered)
    trend_rows = figures.trend(metric, months)
    found = figures.breakdowns(metric)
    grid = overall + [row for dim in metric.breakdowns for row in found.get(dim, [])]
    safe = shown_all(metric, grid, rule)
    top = safe[: len(overall)]
    tables = [
        breakdown_table(
            metric,
            dim,
            [s for s in safe[len(overall) :] if s.raw.get("dimension") == dim],
            top,
            selection,
            titles,
        )
        for dim in metric.breakdowns
    ]
    return MetricPage(
        metric=metric,
        about=about_rows(metric),
        headlines=headlines(metric, overall, rule, titles),
        trend=trend_tables(metric, trend_rows, selection, rule, titles),
        breakdowns=tables,
        nothing=empty(overall),
    )


def metric_tables(
    metric: Metric, figures: Figures, selection: Selection, rule: Rule
) -> dict[str, Table]:
    page = metric_page(metric, figures, selection, rule)
    return {t.slug: t for t in (*page.trend, *page.breakdowns)}


# --- representation -----------------------------------------------------------------------------


@dataclass
class RepresentationPage:
    tables: list[Table]
    residents_known: bool
    nothing: bool


def representation_safe(found: dict[str, list[Row]], rule: Rule) -> dict[str, list[Row]]:
    """The people reached by each group of every resident dimension, made safe together: each
    dimension's groups add up to the people reached, whose rounded count the shares rest on."""
    total = next((sum(r["reached"] for r in rows) for rows in found.values() if rows), 0)
    grid: list[Row] = [{"dimension": None, "denominator": total}]
    for dimension, rows in found.items():
        grid += [{"dimension": dimension, "denominator": r["reached"]} for r in rows]
    safe = rule.figures(grid)
    shown_total = safe[0]["denominator"]
    out: dict[str, list[Row]] = {}
    position = 1
    for dimension, rows in found.items():
        out[dimension] = []
        for row in rows:
            reached = safe[position]["denominator"]
            position += 1
            per_1000 = None
            if row["residents"]:
                per_1000 = (
                    HIDDEN if reached == HIDDEN else round(1000 * int(reached) / row["residents"])  # type: ignore[call-overload]
                )
            out[dimension].append(
                {
                    **row,
                    "reached": reached,
                    "per_1000": per_1000,
                    "share": rule.share(reached, shown_total) if total else None,
                    "withheld": bool(safe[position - 1].get("withheld")),
                }
            )
    return out


def representation_table(
    dimension: str, rows: list[Row], selection: Selection, rule: Rule
) -> Table:
    """One dimension's table, from rows made safe by :func:`representation_safe`."""
    heading = DIMENSIONS[dimension]
    order = _order(dimension)
    ordered = sorted(rows, key=lambda r: order(r["group"]))
    cells: list[list[Cell]] = []
    items: list[Item] = []
    known = any(r["residents"] is not None for r in rows)
    for row in ordered:
        hidden = row["reached"] == HIDDEN
        share = row["share"]
        cells.append(
            [
                group_label(dimension, row["group"]),
                row["reached"],
                row["residents"],
                row["per_1000"],
                share,
                row["share_residents"],
            ]
        )
        label = group_label(dimension, row["group"])
        value = None if hidden or share in (None, HIDDEN) else float(share)
        if not known:
            items.append(Item(label, value))
            continue
        items.append(Item("People reached", value, section=label))
        if row["share_residents"] is not None:
            items.append(Item("Adult residents", row["share_residents"], section=label, muted=True))
    chart = BarChart(
        chart_id=_chart_id("representation", dimension),
        title=(
            f"People reached and residents by {heading.lower()}"
            if known
            else f"Share of the people reached by {heading.lower()}"
        ),
        items=items,
        unit="%",
        top=100.0 if any(i.value and i.value > 50 for i in items) else None,
        summary=(
            f"For each group of {heading.lower()}: its share of the people reached in "
            f"{selection.period.label} and, where known, its share of the adults living here"
        ),
    )
    slug = dimension
    return Table(
        slug=slug,
        heading=f"By {heading[:1].lower()}{heading[1:]}",
        caption=f"People reached and adult residents by {heading[:1].lower()}{heading[1:]}, "
        f"{selection.period.label}",
        columns=[
            Column(heading, numeric=False),
            Column("People reached"),
            Column("Adult residents"),
            Column("Reached per 1,000 residents"),
            Column("Share of people reached (per cent)"),
            Column("Share of residents (per cent)"),
        ],
        rows=cells,
        csv_href=csv_href("insights:representation-csv", selection, dimension=dimension),
        chart=chart if items else None,
        notes=[WITHHELD] if any(r.get("withheld") for r in rows) else [],
    )


def representation_page(figures: Figures, selection: Selection, rule: Rule) -> RepresentationPage:
    found = {dimension: figures.representation(dimension) for dimension in RESIDENT_DIMENSIONS}
    safe = representation_safe(found, rule)
    tables = [representation_table(d, safe[d], selection, rule) for d in RESIDENT_DIMENSIONS]
    known = any(r["residents"] is not None for rows in found.values() for r in rows)
    reached = sum(r["reached"] for rows in found.values() for r in rows)
    return RepresentationPage(tables=tables, residents_known=known, nothing=reached == 0)


# --- the co-production index --------------------------------------------------------------------

INDEX_KEY = "coproduction_index"
#: The trend's length: quarters (three calendar months) ending with the chosen month.
INDEX_QUARTERS = 8
#: The index page's breakdowns, in the order the page shows them.
INDEX_BREAKDOWNS = ("team", "provider_type", "locality")
#: Short headings for the components in tables and cards.
COMPONENT_HEADINGS = {
    "care": "Person's voice in care",
    "review": "Experts' rating",
    "involvement": "Involvement, what changed",
}


def index_metric() -> Metric:
    return metrics.BY_KEY[INDEX_KEY]


def _month_back(period: Period, months: int) -> Period:
    """The whole calendar month ``months`` before the one ``period`` ends in."""
    index = period.end.year * 12 + period.end.month - 1 - months
    return Period.month(index // 12, index % 12 + 1)


def index_quarters(period: Period, covered: Period) -> list[Period]:
    """The ``INDEX_QUARTERS`` quarters (three calendar months each) ending with the chosen
    month, oldest first, from the first the data covers."""
    out = []
    for back in range(INDEX_QUARTERS - 1, -1, -1):
        last = _month_back(period, 3 * back)
        out.append(Period(_month_back(last, 2).start, last.end))
    return [q for q in out if q.end >= covered.start] or [period]


def quarter_label(quarter: Period, *, short: bool = False) -> str:
    if short:
        return f"{quarter.start:%b}–{quarter.end:%b}"
    if quarter.start.year == quarter.end.year:
        return f"{quarter.start:%B} to {quarter.end:%B %Y}"
    return f"{quarter.start:%B %Y} to {quarter.end:%B %Y}"


def index_figures(figures: Figures) -> list[Row]:
    """The index overall and by team, provider type and locality, in one query (cached)."""
    return cached(
        figures._parts("index", INDEX_KEY),
        lambda: metrics.compute_many(
            figures.engine,
            index_metric(),
            figures.period,
            [None, *INDEX_BREAKDOWNS],
            filters=figures.filters,
        ),
    )


def index_trend(figures: Figures, quarters: list[Period]) -> list[Row]:
    return cached(
        (*figures._parts("index-quarters", INDEX_KEY), len(quarters), quarters[0].start),
        lambda: metrics.trend(figures.engine, index_metric(), quarters, filters=figures.filters),
    )


def _tenth(value: object) -> Cell:
    """An index or a component as shown: always to one decimal place ('54.0')."""
    if value is None or value == HIDDEN:
        return value  # type: ignore[return-value]
    return f"{float(value):.1f}"  # type: ignore[arg-type]


def _tenth_text(value: object) -> str:
    shown = _tenth(value)
    return "–" if shown is None else str(shown)


def _component_cells(safe: Row) -> list[Cell]:
    return [_tenth(safe.get(key)) for key in COMPONENT_HEADINGS]


def _component_columns() -> list[Column]:
    return [Column(heading) for heading in COMPONENT_HEADINGS.values()]


def _index_value(safe: Row) -> float | None:
    return _number(safe.get("mean"))


def index_trend_table(rows: list[Row], selection: Selection, rule: Rule) -> Table:
    quarters = [row["period"] for row in rows]
    cells: list[list[Cell]] = []
    values: list[float | None] = []
    for row in rows:
        safe = rule.teams_figure(row)
        cells.append(
            [
                quarter_label(row["period"]),
                safe.get("denominator") or 0,
                _tenth(safe.get("mean")),
                *_component_cells(safe),
            ]
        )
        values.append(_index_value(safe))
    first, last = quarter_label(quarters[0]), quarter_label(quarters[-1])
    chart = LineChart(
        chart_id=_chart_id(INDEX_KEY, "trend"),
        title="Co-production index by quarter",
        labels=[quarter_label(q, short=True) for q in quarters],
        sublabels=[
            str(q.end.year) if i == 0 or q.end.year != quarters[i - 1].end.year else ""
            for i, q in enumerate(quarters)
        ],
        long_labels=[quarter_label(q) for q in quarters],
        values=values,
        top=100.0,
        summary=f"The index on the last day of each quarter, from {first} to {last}",
    )
    return Table(
        slug="trend",
        heading=f"Over the last {len(quarters)} quarters",
        caption="Co-production index by quarter (on each quarter's last day)",
        columns=[
            Column("Quarter", numeric=False),
            Column("Teams"),
            Column("Index"),
            *_component_columns(),
        ],
        rows=cells,
        csv_href=csv_href("insights:coproduction-csv", selection, table="trend"),
        chart=chart,
    )


def index_breakdown_table(
    dimension: str, rows: list[tuple[Row, Row]], overall: Row | None, selection: Selection
) -> Table:
    """One breakdown of the index, from (raw, safe) rows made safe with the rest of its grid
    (``Rule.teams_figures``) and the overall row as shown."""
    metric = index_metric()
    heading = metric.breakdowns[dimension]
    order = _order(dimension)
    ordered = sorted(rows, key=lambda pair: order(pair[0].get("group")))
    cells: list[list[Cell]] = []
    items: list[Item] = []
    for row, safe in ordered:
        group = group_label(dimension, row.get("group"))
        if dimension == "team":
            cells.append(
                [
                    group,
                    _tenth(safe.get("mean")),
                    *_component_cells(safe),
                    safe.get("episodes"),
                    safe.get("involvements"),
                ]
            )
        else:
            cells.append(
                [
                    group,
                    safe.get("denominator"),
                    _tenth(safe.get("mean")),
                    *_component_cells(safe),
                    safe.get("care_teams"),
                    safe.get("review_teams"),
                ]
            )
        # A team's bar is labelled with its name (the table gives its organisation too).
        short = group.rsplit(" (", 1)[0] if dimension == "team" and group.endswith(")") else group
        items.append(Item(label=short, value=_index_value(safe)))
    if dimension == "team":
        extra = [Column("Open episodes"), Column("Involvements")]
        columns = [Column(heading, numeric=False), Column("Index"), *_component_columns(), *extra]
    else:
        extra = [Column("Teams with care"), Column("Teams with a review")]
        columns = [
            Column(heading, numeric=False),
            Column("Teams"),
            Column("Index"),
            *_component_columns(),
            *extra,
        ]
    reference = _index_value(overall) if overall else None
    lower = f"{heading[:1].lower()}{heading[1:]}"
    chart = BarChart(
        chart_id=_chart_id(INDEX_KEY, dimension),
        title=f"Co-production index by {lower}",
        items=items,
        top=100.0,
        reference=reference,
        reference_label=(
            "The index for these filters" if selection.filters.any else "The place's index"
        ),
        summary=f"The index for each {lower}, {selection.period.label}",
        label_space=250 if dimension == "team" else None,
    )
    slug = f"by-{dimension}"
    return Table(
        slug=slug,
        heading=f"By {lower}",
        caption=f"Co-production index by {lower}, {selection.period.label}",
        columns=columns,
        rows=cells,
        csv_href=csv_href("insights:coproduction-csv", selection, table=slug),
        chart=chart if items else None,
    )


@dataclass
class IndexCard:
    title: str
    figure: str
    detail: str


@dataclass
class IndexPage:
    metric: Metric
    cards: list[IndexCard]
    components: list[metrics.Component]
    signals: tuple[metrics.Signal, ...]
    window: Period
    trend: Table
    breakdowns: list[Table]
    nothing: bool
    hidden: bool


def _index_cards(row: Row | None, rule: Rule) -> list[IndexCard]:
    if row is None or not row.get("denominator"):
        return [IndexCard("Co-production index", "None", "No team has an index on this day.")]
    safe = rule.teams_figure(row)
    teams = safe["denominator"]
    cards = [
        IndexCard(
            "Co-production index",
            _tenth_text(safe.get("mean")),
            f"The mean of {teams} team{'s' if teams != 1 else ''}' indices, 0 to 100; "
            f"{safe['numerator']} with every component known.",
        )
    ]
    known = {
        "care": safe.get("care_teams"),
        "review": safe.get("review_teams"),
        "involvement": teams,
    }
    for component in metrics.COMPONENTS:
        have = known[component.key] or 0
        which = (
            "no team has one"
            if not have
            else "the one team with it"
            if have == 1
            else f"the mean of the {have} teams with it"
        )
        cards.append(
            IndexCard(
                component.title,
                _tenth_text(safe.get(component.key)),
                f"Weight {component.weight:g}; {which}.",
            )
        )
    return cards


def index_page(figures: Figures, selection: Selection, rule: Rule) -> IndexPage:
    metric = index_metric()
    found = index_figures(figures)
    overall = [r for r in found if r["dimension"] is None]
    safe = rule.teams_figures(found)
    top = next((s for r, s in zip(found, safe, strict=True) if r["dimension"] is None), None)
    quarters = index_quarters(selection.period, selection.covered)
    tables = [
        index_breakdown_table(
            dim,
            [(r, s) for r, s in zip(found, safe, strict=True) if r["dimension"] == dim],
            top,
            selection,
        )
        for dim in INDEX_BREAKDOWNS
    ]
    hidden = any(HIDDEN in row for table in tables for row in table.rows)
    return IndexPage(
        metric=metric,
        cards=_index_cards(overall[0] if overall else None, rule),
        components=list(metrics.COMPONENTS),
        signals=metrics.CARE_SIGNALS,
        window=metrics.coproduction_window(selection.period.end),
        trend=index_trend_table(index_trend(figures, quarters), selection, rule),
        breakdowns=tables,
        nothing=empty(overall),
        hidden=hidden,
    )


def index_tables(figures: Figures, selection: Selection, rule: Rule) -> dict[str, Table]:
    page = index_page(figures, selection, rule)
    return {t.slug: t for t in (page.trend, *page.breakdowns)}
