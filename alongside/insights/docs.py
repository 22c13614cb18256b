"""``docs/metrics.md`` from the metric definitions, so the documentation cannot drift from the
code: ``python -m alongside.insights.docs`` rewrites it, and a test fails when it is stale."""

from __future__ import annotations

from pathlib import Path

from alongside.insights.metrics import IN_SCOPE_TEAM_TYPES, METRICS, SPELL_GAP_DAYS, WAIT_BANDS
from alongside.insights.schema import DIMENSIONS, TABLES

PATH = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"

INTRODUCTION = f"""# Metrics

How Alongside measures whether the Community Mental Health Framework is working, and for whom.
Every definition is written once (`alongside/insights/metrics.py`) against the analysis tables
(`alongside/insights/schema.py`), and runs unchanged live on PostgreSQL and over a research extract
on DuckDB or Spark; a test holds the three to identical answers. This page is generated from the
definitions (`python -m alongside.insights.docs`); a test fails when it is out of date.

Live, the metrics read materialised copies of the analysis tables, refreshed together when they
are older than `ALONGSIDE_INSIGHTS_MAX_AGE` seconds (5 minutes by default) or by
`alongside insights refresh` (for a scheduled job); every live figure is at most that old.

Conventions:

- A period is whole days in England, both ends included; dashboards and `alongside metrics` use
  calendar months.
- In-scope team types (MHSDS ServTeamTypeRefToMH) for the adult community mental health measures:
  {", ".join(IN_SCOPE_TEAM_TYPES)}. Early intervention (A14) and individual placement and support
  (D05) are counted separately by NHS England and are left out here too.
- A *direct* contact is attended face to face, by telephone or by video.
- Referral spells: a person's referrals, in the order received, join the spell before them when
  they arrive while one of its referrals is open or within {SPELL_GAP_DAYS} days of the last one
  closing. A referral not yet matched to a person is a spell of its own.
- Waiting bands: {", ".join(label for _, label in WAIT_BANDS)}; "within 4 weeks" is 28 days or
  fewer.
- Every metric can be broken down by the groups below (unless its entry says otherwise), and
  filtered by team, organisation, locality and provider type: {", ".join(DIMENSIONS.values())}.
- Small numbers are suppressed outside the care team (see `alongside/insights/suppression.py`):
  by default counts below 5 are hidden and others rounded to the nearest 5.
"""


def render() -> str:
    parts = [INTRODUCTION]
    group = None
    for metric in METRICS:
        if metric.group != group:
            group = metric.group
            parts.append(f"\n## {group}\n")
        breakdowns = ", ".join(metric.breakdowns.values())
        parts.append(
            f"\n### {metric.title}\n\n"
            f"`{metric.key}` · {metric.kind} of {metric.unit}"
            + (f" · split by {metric.split_by}" if metric.split_by else "")
            + "\n\n"
            f"- **Purpose:** {metric.purpose}\n"
            f"- **Denominator:** {metric.denominator}\n"
            + (f"- **Numerator:** {metric.numerator}\n" if metric.kind != "count" else "")
            + (f"- **Value:** {metric.value_label}\n" if metric.value_label else "")
            + f"- **Period:** {metric.period}\n"
            f"- **Exclusions:** {metric.exclusions}\n"
            f"- **Breakdowns:** {breakdowns}\n"
            f"- **Source fields:** {', '.join(f'`{s}`' for s in metric.sources)}\n"
        )
    parts.append("\n## The analysis tables\n\n")
    parts.append(
        "The research extract's data dictionary (`data_dictionary.csv`) lists the same columns.\n"
    )
    for table in TABLES.values():
        parts.append(f"\n### `{table.name}`\n\n{table.description}\n\n")
        parts.append("| column | type | meaning |\n| --- | --- | --- |\n")
        for column in table.columns:
            hashed = " (salted hash in an extract)" if column.name in table.hashed else ""
            parts.append(f"| `{column.name}` | {column.type} | {column.description}{hashed} |\n")
    return "".join(parts)


if __name__ == "__main__":
    PATH.write_text(render())
