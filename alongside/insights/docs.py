"""``docs/metrics.md`` from the metric definitions, so the documentation cannot drift from the
code: ``python -m alongside.insights.docs`` rewrites it, and a test fails when it is stale."""

from __future__ import annotations

from pathlib import Path

from alongside.insights.metrics import (
    CARE_SIGNALS,
    COMPONENTS,
    COPRODUCTION_WINDOW_MONTHS,
    IN_SCOPE_TEAM_TYPES,
    METRICS,
    SPELL_GAP_DAYS,
    WAIT_BANDS,
    Metric,
)
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
- **As NHS England counts, or ours.** A metric whose entry has an **As NHS England** line computes
  what NHS England's published code for the monthly statistics
  (`NHSDigital/mental-health-monthly-statistics`, `menh_bbrb/`) computes from our own MHSDS
  submission, for the same month and rolling period, and names the measure id and the lines of
  their code it follows; `benchmarks/nhse_parity.py` recomputes them from the exported files
  with NHS England's logic and must agree exactly. Every other metric is Alongside's own, and
  says so.
- In-scope team types (MHSDS ServTeamType) for the adult community mental health measures:
  {", ".join(IN_SCOPE_TEAM_TYPES)}. Early intervention (A14) and individual placement and support
  (D05) have been in scope since April 2023, as NHS England counts them; a figure for a month
  before then leaves them out.
- A *direct* contact is attended face to face, by telephone or by video.
- Referral spells (ours): a person's referrals to in-scope team types, in the order received, join
  the spell before them when they arrive while one of its referrals is open or within
  {SPELL_GAP_DAYS} days of the last one closing; only those referrals' contacts count. A referral
  not yet matched to a person is a spell of its own. A decline later withdrawn (the referral went
  back to triage) is not an end.
- Waiting bands: {", ".join(label for _, label in WAIT_BANDS)}; "within 4 weeks" is 28 days or
  fewer.
- Every metric can be broken down by the groups below (unless its entry says otherwise), and
  filtered by team, organisation, locality and provider type: {", ".join(DIMENSIONS.values())}.
- Small numbers are suppressed outside the care team by one rule (see
  `alongside/insights/suppression.py`): by default counts below 5, zero included, are hidden and
  others rounded to the nearest 5, as NHS England's `count_suppression` does; shares are worked
  from the counts as shown; and further counts are hidden so that no hidden count can be worked
  back from the total, the other groups or the shares.
"""


def _weight(value: float) -> str:
    return f"{value:g}"


def _further(metric: Metric) -> str:
    """The further figures a metric gives beside its own, as each row of its figures names them."""
    how = {
        "mean": "the mean over the {unit} with one",
        "known": "how many {unit} have one",
        "sum": "the sum over the {unit}",
    }
    return "; ".join(
        f"`{a.name}` ({a.label}: {how[a.how].format(unit=metric.unit)})" for a in metric.also
    )


def coproduction_index() -> str:
    """How the co-production index is built: its components, weights and missing-data rules,
    and the six signals of its care component."""
    weights = ", ".join(f"{c.key} {_weight(c.weight)}" for c in COMPONENTS)
    parts = [
        "\n#### How the co-production index is built\n\n"
        "**An indicator set, not a validated scale.** The index gathers three things the "
        "platform records about co-production in a team's work. No study has shown that it "
        "measures co-production as people experience it, or that a few points between two "
        "teams is a real difference; it is only as good as what is recorded, and what is not "
        "recorded is left out rather than counted against a team. Read it beside its "
        "components and the team's co-production reviews, and use it to follow a team over "
        "time rather than to rank teams.\n\n"
        "| component | weight | what it is | when it is missing |\n"
        "| --- | --- | --- | --- |\n"
    ]
    for c in COMPONENTS:
        parts.append(f"| {c.title} (`{c.key}`) | {_weight(c.weight)} | {c.what} | {c.missing} |\n")
    parts.append(
        "\n- **The day and the window:** a team is evaluated on the period's last day; reviews "
        f"and involvements count in the {COPRODUCTION_WINDOW_MONTHS} calendar months ending with "
        "that day's month, to that day (for October 2026: 1 August to 31 October 2026).\n"
        "- **A team's index:** 100 × the weighted mean of its components present, with the "
        f"weights ({weights}) renormalised over them: without a review it is (0.4 × care + "
        "0.2 × involvement) ÷ 0.6. A team has an index only when its care or its review "
        "component is present. Components are shown on the same 0 to 100 scale (100 × the "
        "component) and the index to one decimal place.\n"
        "- **A group's** (the place, a provider type, a locality): the mean of its teams' "
        "indices, and for each component the mean over the group's teams that have it. A team "
        "belongs to each locality it serves.\n"
        "- **Small numbers:** the numbers of teams, reviews and involvements are not about any "
        "one person and are shown as they are. The care component and the index rest on "
        "people's records: they are hidden where the open episodes beneath them are fewer than "
        "the site's threshold, and those episodes are counted as any count is.\n"
        "- **From the research extract:** `episodes`, `plan_versions`, `meeting_decisions`, "
        "`goals`, `preference_checks`, `collaborate`, `review_ratings`, `involvements`, "
        "`teams` and `team_localities` hold every input; `alongside metrics --engine duckdb "
        "--extract DIR --metric coproduction_index --by all --exact --format json` gives each "
        "team's index and components (broken down by team) and every group's.\n"
        "\nThe six signals of the care component are those of the co-production pages "
        "(`alongside/coproduction/signals.py`, a test holds the two to the same counts). Each "
        "is pooled over the team's episodes open on the day (those that started before its end "
        "and had not ended before its start): its share is what shows the person's voice over "
        "what was counted.\n\n"
        "| signal | what is counted | counted as the person's voice when |\n"
        "| --- | --- | --- |\n"
    )
    for signal in CARE_SIGNALS:
        parts.append(f"| {signal.title} (`{signal.key}`) | {signal.counted} | {signal.shown} |\n")
    return "".join(parts)


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
            + (f"- **As NHS England:** {metric.nhse}\n" if metric.nhse else "")
            + f"- **Denominator:** {metric.denominator}\n"
            + (f"- **Numerator:** {metric.numerator}\n" if metric.kind != "count" else "")
            + (f"- **Value:** {metric.value_label}\n" if metric.value_label else "")
            + f"- **Period:** {metric.period}\n"
            f"- **Exclusions:** {metric.exclusions}\n"
            f"- **Breakdowns:** {breakdowns}\n"
            f"- **Source fields:** {', '.join(f'`{s}`' for s in metric.sources)}\n"
            + (f"- **Further figures:** {_further(metric)}\n" if metric.also else "")
        )
        if metric.key == "coproduction_index":
            parts.append(coproduction_index())
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
