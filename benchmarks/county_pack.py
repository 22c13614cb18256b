"""The whole metric pack at county scale, live on PostgreSQL and over its research extract on
DuckDB.

The county place (``alongside demo --scale county``) is loaded into a fresh database; for the
last whole month the demo covers, ``metrics.pack`` (every metric, overall and by each of its
dimensions) is timed on ``PostgresEngine`` over the materialised copies (refreshed first), then
the research extract is written and the same pack timed on ``DuckDBEngine`` over its Parquet
files. Median of ``REPEATS`` runs each. ``python -m benchmarks county_pack`` writes the section
of ``docs/benchmarks.md``; ``--json`` prints the figures only (to compare two versions of the
code run on the same machine).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.process import ROOT, measure

REPEATS = 3


def _alongside(*args: str) -> list[str]:
    return [sys.executable, "-m", "alongside", *args]


def timings() -> dict:
    data_dir = ROOT / "var" / "bench-county-pack"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure(_alongside("migrate", "--no-input", "-v", "0"), env)
    loaded = measure(_alongside("demo", "--scale", "county"), env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.db import connection

    from alongside.demo.generator import loaded_place
    from alongside.insights import metrics, snapshots
    from alongside.insights.engines import DuckDBEngine, PostgresEngine
    from alongside.insights.extract import write_extract
    from alongside.insights.management.commands.metrics import last_whole_month
    from alongside.referrals.models import Referral

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    snapshots.refresh()
    live = PostgresEngine()
    period = last_whole_month(min(live.reference_date(), loaded_place().as_of))

    def timed(engine: object) -> tuple[float, int]:
        runs, figures = [], 0
        for _ in range(REPEATS):
            started = time.perf_counter()
            figures = len(metrics.pack(engine, period))
            runs.append(time.perf_counter() - started)
        return statistics.median(runs), figures

    pg_s, pg_figures = timed(live)
    extract = Path(tempfile.mkdtemp(prefix="county-extract-"))
    try:
        write_extract(extract, force=True, salt=b"benchmark")
        duck_s, duck_figures = timed(DuckDBEngine(extract))
    finally:
        shutil.rmtree(extract, ignore_errors=True)
    referrals = Referral.objects.count()
    shutil.rmtree(data_dir, ignore_errors=True)
    return {
        "period": period.label,
        "referrals": referrals,
        "load_s": round(loaded.seconds, 1),
        "postgres_s": round(pg_s, 2),
        "postgres_figures": pg_figures,
        "duckdb_s": round(duck_s, 2),
        "duckdb_figures": duck_figures,
    }


def run() -> None:
    """Time the pack and write the section; ``ALONGSIDE_BENCH_BASELINE`` may name a JSON file of
    the same figures from another version of the code (``--json``), shown beside these."""
    from benchmarks.report import write_section

    now = timings()
    print(json.dumps(now), flush=True)
    baseline_path = os.environ.get("ALONGSIDE_BENCH_BASELINE")
    before = json.loads(Path(baseline_path).read_text()) if baseline_path else None
    head = "| engine | figures | time |\n| --- | --- | --- |\n"
    rows = [
        ("PostgreSQL (live, materialised copies)", "postgres"),
        ("DuckDB (research extract)", "duckdb"),
    ]
    if before:
        head = (
            f"| engine | figures before | time before ({before['version']}) | figures now "
            "| time now |\n| --- | --- | --- | --- | --- |\n"
        )
        body = "\n".join(
            f"| {label} | {before[f'{key}_figures']:,} | {before[f'{key}_s']:.2f} s | "
            f"{now[f'{key}_figures']:,} | {now[f'{key}_s']:.2f} s |"
            for label, key in rows
        )
    else:
        body = "\n".join(
            f"| {label} | {now[f'{key}_figures']:,} | {now[f'{key}_s']:.2f} s |"
            for label, key in rows
        )
    write_section(
        "county_pack",
        "The whole metric pack at county scale: PostgreSQL and DuckDB",
        f"The county place ({now['referrals']:,} referrals; loaded in {now['load_s']:.0f} s), "
        f"{now['period']}: `metrics.pack` (every metric, overall and by each of its dimensions) "
        "live on `PostgresEngine` over the materialised copies (refreshed first), and on "
        "`DuckDBEngine` over the research extract written from the same place. Median of "
        f"{REPEATS} runs each."
        + (
            f" 'Before' is the same benchmark on {before['version']} ({before['measured']}, "
            "same machine). The machine is shared, so a second either way is within its "
            "noise; the figures differ by the metrics added since."
            if before
            else ""
        )
        + "\n\n"
        + head
        + body
        + "\n",
    )


if __name__ == "__main__" and "--json" in sys.argv:
    print(json.dumps(timings()), flush=True)
