"""What the workforce pages show: tables of figures (each with the chart drawn from it, when it
has one), worded and formatted, so that templates only place them.

The charts are the insights dashboards' (``insights.charts``): a picture beside a table that
carries the same figures. Only aggregates and staff names appear, never a person who needs
support's name: a kept allocation warning shows its episode as the referral's reference, linked
to the episode's page, and only to someone the sharing policy lets reach the person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse

from alongside.care.presenters import record_href
from alongside.core import formats
from alongside.insights.charts import BarChart, Item, LineChart, value_text
from alongside.organisations.models import Locality, Organisation, Role, Team
from alongside.workforce.queries import Figures, GapStatus, OpenWarning, Sector, TrainingGap

NONE = "–"


def decimal_text(value: Decimal | None, empty: str = NONE) -> str:
    return empty if value is None else value_text(float(value))


def per_cent(value: Decimal | None) -> str:
    return NONE if value is None else f"{value_text(float(value))}%"


@dataclass
class Cell:
    text: str
    numeric: bool = False
    header: bool = False
    href: str | None = None


@dataclass
class Column:
    heading: str
    numeric: bool = False


@dataclass
class Table:
    slug: str
    heading: str
    caption: str
    columns: list[Column]
    rows: list[list[Cell]]
    chart: BarChart | LineChart | None = None
    note: str = ""
    empty: str = "Nothing to show."


FIGURE_COLUMNS = [
    Column("People in post", True),
    Column("WTE in post", True),
    Column("Vacancies", True),
    Column("Vacant WTE", True),
    Column("Vacancy rate", True),
    Column("Open episodes held", True),
    Column("Weighted caseload", True),
    Column("Caseload per WTE", True),
]


def figure_cells(f: Figures) -> list[Cell]:
    return [
        Cell(formats.number(f.headcount), True),
        Cell(decimal_text(f.wte, "0"), True),
        Cell(formats.number(f.vacancies), True),
        Cell(decimal_text(f.vacant_wte, "0"), True),
        Cell(per_cent(f.vacancy_rate), True),
        Cell(formats.number(f.caseload), True),
        Cell(decimal_text(f.weighted, "0"), True),
        Cell(decimal_text(f.per_wte), True),
    ]


def _mid_sentence(heading: str) -> str:
    """A heading as it reads after a comma: "by role", but "NHS and VCSE side by side"."""
    if heading[:2].isupper():
        return heading
    return heading[0].lower() + heading[1:]


def figures_table(
    slug: str,
    heading: str,
    first: str,
    rows: Sequence[tuple[str, Figures, str | None]],
    *,
    chart: bool = False,
    note: str = "",
) -> Table:
    """A table of figures, a row per group: (label, figures, link or None)."""
    table = Table(
        slug=slug,
        heading=heading,
        caption=heading,
        columns=[Column(first), *FIGURE_COLUMNS],
        rows=[[Cell(label, header=True, href=href), *figure_cells(f)] for label, f, href in rows],
        note=note,
    )
    if chart and rows:
        table.chart = BarChart(
            chart_id=f"chart-{slug}",
            title=f"Caseload per whole-time equivalent, {_mid_sentence(heading)}",
            items=[
                Item(label, None if f.per_wte is None else float(f.per_wte)) for label, f, _ in rows
            ],
            summary="Weighted caseload per whole-time equivalent of the key workers",
        )
    return table


def weights_note(weights: Mapping[str, Decimal]) -> str:
    parts = [f"{name} {value_text(float(w))}" for name, w in weights.items()]
    return (
        "Caseload is weighted by intensity ("
        + ", ".join(parts)
        + ") and divided by the whole-time equivalent of the key workers whose WTE is recorded."
    )


def without_wte_note(f: Figures) -> str:
    if not f.key_workers_without_wte:
        return ""
    n = f.key_workers_without_wte
    return (
        f"{n} key worker{'s have' if n != 1 else ' has'} no whole-time equivalent recorded, "
        "so their caseload is left out of caseload per WTE."
    )


def summary(f: Figures) -> list[dict[str, Any]]:
    vacant = f"{formats.number(f.vacancies)} ({decimal_text(f.vacant_wte, '0')} WTE)"
    pairs = [
        ("People in post", formats.number(f.headcount)),
        ("Whole-time equivalent in post", decimal_text(f.wte, "0")),
        ("Posts without a WTE recorded", formats.number(f.no_wte)),
        ("Open vacancies", vacant),
        ("Open episodes held by key workers", formats.number(f.caseload)),
        ("Caseload per WTE (weighted)", decimal_text(f.per_wte, "Not known")),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


def _month_labels(months: Sequence[dt.date]) -> tuple[list[str], list[str], list[str]]:
    short = [m.strftime("%b") for m in months]
    long = [m.strftime("%B %Y") for m in months]
    sub = [str(m.year) if i == 0 or m.month == 1 else "" for i, m in enumerate(months)]
    return short, long, sub


def trend_table(
    slug: str,
    heading: str,
    trend: Sequence[tuple[dt.date, Mapping[object, Decimal | None]]],
    groups: Sequence[tuple[object, str]],
    *,
    chart_group: object,
) -> Table:
    """Caseload per WTE by month: a column per group, a line for ``chart_group``."""
    months = [first for first, _ in trend]
    short, long, sub = _month_labels(months)
    rows = [
        [Cell(long[i], header=True)] + [Cell(decimal_text(values.get(g)), True) for g, _ in groups]
        for i, (_, values) in enumerate(trend)
    ]
    values = [values.get(chart_group) for _, values in trend]
    label = dict(groups).get(chart_group, "")
    chart = LineChart(
        chart_id=f"chart-{slug}",
        title=f"Caseload per whole-time equivalent by month{', ' + label if label else ''}",
        labels=short,
        long_labels=long,
        sublabels=sub,
        values=[None if v is None else float(v) for v in values],
        summary="Weighted caseload per whole-time equivalent at the end of each month",
    )
    return Table(
        slug=slug,
        heading=heading,
        caption=f"{heading}: caseload per whole-time equivalent at the end of each month",
        columns=[Column("Month"), *[Column(name, True) for _, name in groups]],
        rows=rows,
        chart=chart,
    )


def team_href(team: Team) -> str:
    return reverse("workforce:team", kwargs={"team_id": team.pk})


def organisation_label(organisation: Organisation) -> str:
    return f"{organisation.name} ({organisation.get_kind_display()})"


def role_label(role: str) -> str:
    return Role(role).label if role in Role.values else role


def locality_label(locality: Locality) -> str:
    return locality.name


def sector_label(sector: Sector) -> str:
    return sector.label


GAP_TAGS = {
    GapStatus.MISSING: "nhsuk-tag--red",
    GapStatus.EXPIRED: "nhsuk-tag--orange",
    GapStatus.EXPIRING: "nhsuk-tag--yellow",
}


def gap_rows(gaps: Iterable[TrainingGap]) -> list[dict[str, Any]]:
    return [
        {
            "name": g.user.display_name,
            "course": g.course.title,
            "status": g.status.label,
            "tag": GAP_TAGS[g.status],
            "date": formats.date(g.expires_on, NONE),
        }
        for g in gaps
    ]


def warning_rows(warnings: Iterable[OpenWarning], visible: set[int]) -> list[dict[str, Any]]:
    """The kept allocation warnings still standing; the episode shows (as the referral's
    reference, linked) only for a person in ``visible``."""
    rows = []
    for open_warning in warnings:
        allocation = open_warning.allocation
        episode = allocation.episode
        shown = episode.person_id in visible
        expired = open_warning.expired_on
        rows.append(
            {
                "key_worker": allocation.key_worker.display_name,
                "episode": f"Referral {episode.referral.reference}" if shown else "Not shown",
                "href": record_href("care:episode", episode.person_id, episode) if shown else None,
                "course": open_warning.warning.course.title,
                "status": "No record" if expired is None else "Expired",
                "tag": GAP_TAGS[GapStatus.MISSING if expired is None else GapStatus.EXPIRED],
                "expired": formats.date(expired, NONE),
                "since": formats.date(open_warning.warning.created_at),
            }
        )
    return rows
