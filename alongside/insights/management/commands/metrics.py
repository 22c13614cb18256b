"""``alongside metrics``: the metric pack, printed.

* ``alongside metrics`` — every metric's headline figure for the last whole month, live from
  PostgreSQL;
* ``--month 2026-10`` — another month; ``--by ethnic_group`` — broken down (any dimension, or
  ``all``); ``--metric bounces`` — one metric only;
* ``--engine duckdb --extract DIR`` (or ``--engine spark``) — the same definitions over a
  research extract;
* ``--format table|csv|json``; figures are suppressed by the site's small-number rule unless
  ``--exact`` is given (for an evaluator working inside a secure environment). A breakdown is
  made safe with the metric's overall figure and *all* its other breakdowns, as on the pages, so
  ``--by sex`` hides exactly what the page's table by sex hides. A breakdown whose groups would
  give small numbers away with the total is withheld (``withheld`` true, every count hidden), as
  the page's note says under its table.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.core import csv
from alongside.insights import metrics, suppression
from alongside.insights.engines import (
    DuckDBEngine,
    Engine,
    ExtractError,
    PostgresEngine,
    SparkEngine,
    spark_session,
)
from alongside.insights.schema import DIMENSIONS

COLUMNS = (
    "metric", "split", "dimension", "group", "denominator", "numerator", "share", "withheld",
)  # fmt: skip
STATS = ("median", "p90", "mean")


def last_whole_month(day: dt.date) -> metrics.Period:
    first = day.replace(day=1) - dt.timedelta(days=1)
    return metrics.Period.month(first.year, first.month)


class Command(BaseCommand):
    help = "Print the metric pack, live or over a research extract."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--engine", choices=("postgres", "duckdb", "spark"), default="postgres")
        parser.add_argument("--extract", help="The research extract directory (DuckDB, Spark)")
        parser.add_argument("--month", help="YYYY-MM (default: the last whole month)")
        parser.add_argument("--metric", help="One metric's key (default: all)")
        parser.add_argument("--by", help="A dimension to break down by, or 'all'")
        parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
        parser.add_argument("--exact", action="store_true", help="Do not suppress small numbers")
        parser.add_argument("--team", type=int, help="Only this team (its key)")
        parser.add_argument("--organisation", type=int, help="Only this organisation (its key)")
        parser.add_argument("--locality", help="Only people in this locality (its name)")
        parser.add_argument("--provider", help="Only this provider type: NHS, VCSE, …")

    def handle(self, *args: Any, **options: Any) -> None:
        engine_name, extract = options["engine"], options["extract"]
        if engine_name != "postgres" and not extract:
            raise CommandError(f"--engine {engine_name} needs --extract DIR.")
        if engine_name == "postgres" and extract:
            raise CommandError("--extract is read by --engine duckdb or spark, not postgres.")
        chosen = self._metrics(options["metric"])
        with ExitStack() as stack:
            try:
                engine = self._engine(engine_name, extract, stack)
            except ExtractError as error:
                for problem in error.problems:
                    self.stderr.write(f"  {problem}")
                raise CommandError(f"The extract in {extract} cannot be used.") from None
            try:
                period = (
                    metrics.Period.parse_month(options["month"])
                    if options["month"]
                    else last_whole_month(engine.reference_date())
                )
                metrics.check_period(engine, period)
                filters = metrics.check_filters(
                    engine,
                    metrics.Filters(
                        team_key=options["team"],
                        organisation_key=options["organisation"],
                        locality=options["locality"],
                        provider_type=options["provider"],
                    ),
                )
            except ValueError as error:
                raise CommandError(str(error)) from None
            rows = self._rows(engine, chosen, period, options["by"], filters)
        rule = suppression.NONE if options["exact"] else suppression.site_rule()
        shown = []
        for metric in chosen:
            mine = [row for row in rows if row["metric"] == metric.key]
            safe = rule.teams_figures(mine) if metric.team_units else rule.figures(mine)
            shown += [
                row
                for row in safe
                if row["dimension"] is None or options["by"] in ("all", row["dimension"])
            ]
        self._print(shown, options["format"], period, engine_name, rule)

    def _metrics(self, key: str | None) -> list[metrics.Metric]:
        if key is None:
            return list(metrics.METRICS)
        if key not in metrics.BY_KEY:
            known = ", ".join(metrics.BY_KEY)
            raise CommandError(f"There is no metric '{key}'. The metrics are: {known}.")
        return [metrics.BY_KEY[key]]

    def _engine(self, name: str, extract: str | None, stack: ExitStack) -> Engine:
        if name == "postgres":
            return PostgresEngine()
        directory = Path(extract or "")
        if name == "duckdb":
            return DuckDBEngine(directory)
        session = stack.enter_context(spark_session())
        return SparkEngine(directory, session)

    def _rows(
        self,
        engine: Engine,
        chosen: list[metrics.Metric],
        period: metrics.Period,
        by: str | None,
        filters: metrics.Filters,
    ) -> list[dict[str, Any]]:
        if by is not None and by != "all" and by not in DIMENSIONS:
            names = ", ".join(DIMENSIONS)
            raise CommandError(f"--by must be one of {names}, or all.")
        rows: list[dict[str, Any]] = []
        for metric in chosen:
            # Any breakdown is made safe with all the others, so all are computed.
            wanted: list[str | None] = [None, *metric.breakdowns] if by is not None else [None]
            rows += metrics.compute_many(engine, metric, period, wanted, filters=filters)
        return rows

    def _print(
        self,
        rows: list[dict[str, Any]],
        form: str,
        period: metrics.Period,
        engine: str,
        rule: suppression.Rule,
    ) -> None:
        extras = {name: None for row in rows for name in metrics.BY_KEY[row["metric"]].figure_names}
        fields = [*COLUMNS, *STATS, *[name for name in extras if name not in (*COLUMNS, *STATS)]]
        if form == "json":
            out = {"period": [period.start.isoformat(), period.end.isoformat()], "rows": rows}
            self.stdout.write(json.dumps(out, indent=2, default=str))
            return
        if form == "csv":
            writer = csv.dict_writer(sys.stdout, fields, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(rows)
            return
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"Metrics for {period.label} ({engine})", caption=rule.description)
        for name in ("metric", "group", "n", "numerator", "%", *STATS):
            table.add_column(name, justify="left" if name in ("metric", "group") else "right")
        for row in rows:
            metric = metrics.BY_KEY[row["metric"]]
            label = metric.key + (f" ({row['split']})" if row["split"] else "")
            group = f"{row['dimension']}: {row['group']}" if row["dimension"] else "all"
            if row.get("withheld"):
                group += " (withheld)"
            cells = [row["denominator"], row["numerator"], row["share"]]
            cells += [row.get(s) for s in STATS]
            table.add_row(label, group, *["" if c is None else str(c) for c in cells])
        Console(file=self.stdout, width=140).print(table)
