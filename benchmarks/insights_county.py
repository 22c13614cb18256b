"""The metric pack at county scale on PostgreSQL, beside one hand-written statement per metric.

The county place (``alongside demo --scale county``, 18 months of referral flows, key working
and outcome measures) is loaded into a fresh database. For the last whole month, each metric's
headline figures (overall, no breakdown: ``compute_many(engine, metric, period, [None])`` on
``PostgresEngine``, which builds the ibis expression, compiles it to SQL over the ``insights_*``
views and runs it) are timed beside a statement written by hand for that figure over the
platform's own tables (``benchmarks/insights_sql.py``). The two must give the same figures, which
is checked before anything is timed. Then the whole pack (every metric, overall and by every
dimension) is timed. Target: each metric within 1.5× of its hand-written statement.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import time
from typing import Any

from benchmarks import insights_sql
from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REPEATS = 7
PACK_REPEATS = 3
TARGET = 1.5


def _timed_engine() -> Any:
    """A ``PostgresEngine`` that keeps how long ibis took to compile each expression to SQL."""
    from alongside.insights.engines import PostgresEngine

    class Timed(PostgresEngine):
        compile_s = 0.0

        def sql(self, expr: Any) -> str:
            started = time.perf_counter()
            text = super().sql(expr)
            self.compile_s += time.perf_counter() - started
            return text

    return Timed()


PAGES = (
    "/insights/",
    "/insights/still_waiting/",
    "/insights/did_not_attend/",
    "/insights/outcome_change/",
    "/insights/representation/",
)


def _hand(key: str, sql: str) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        off = key in insights_sql.PG_WITHOUT_NESTLOOP
        if off:
            cursor.execute("SET enable_nestloop = off")
        cursor.execute(sql)
        columns = [d.name for d in cursor.description]
        rows = [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        if off:
            cursor.execute("RESET enable_nestloop")
    return rows


def run() -> None:
    data_dir = ROOT / "var" / "bench-insights"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    loaded = measure([str(ALONGSIDE), "demo", "--scale", "county"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.db import connection

    from alongside.demo.generator import loaded_place
    from alongside.insights import metrics, snapshots
    from alongside.insights.management.commands.metrics import last_whole_month
    from alongside.referrals.models import Referral

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    engine = _timed_engine()
    # The last whole month before the day the place was made as of (today, unless the place
    # was loaded on an earlier day).
    period = last_whole_month(loaded_place().as_of)

    rows, ratios, missed = [], [], []
    headline_s = 0.0
    for metric in insights_sql.measured():
        sql = insights_sql.postgres(metric.key, period)
        ours_found = insights_sql.figures(
            metric, metrics.compute_many(engine, metric, period, [None])
        )
        hand_found = insights_sql.figures(metric, _hand(metric.key, sql))
        if ours_found != hand_found:
            raise AssertionError(
                f"{metric.key}: the metric gives {ours_found}, the hand-written SQL {hand_found}"
            )
        ours_t, compile_t, hand_t = [], [], []
        for _ in range(REPEATS):  # in turn, so that both meet the same load on the machine
            engine.compile_s = 0.0
            started = time.perf_counter()
            metrics.compute_many(engine, metric, period, [None])
            ours_t.append(time.perf_counter() - started)
            compile_t.append(engine.compile_s)
            started = time.perf_counter()
            _hand(metric.key, sql)
            hand_t.append(time.perf_counter() - started)
        ours_ms, hand_ms = statistics.median(ours_t) * 1000, statistics.median(hand_t) * 1000
        compile_ms = statistics.median(compile_t) * 1000
        ratio = ours_ms / hand_ms
        headline_s += ours_ms / 1000
        ratios.append(ratio)
        if ratio > TARGET:
            missed.append(metric.key)
        rows.append(
            f"| {metric.key} | {insights_sql.shown(ours_found)} | {ours_ms:,.0f} ms | "
            f"{compile_ms:,.0f} ms | {hand_ms:,.0f} ms | {ratio:.2f}× |"
        )
        print(rows[-1], flush=True)

    pack_t = []
    for _ in range(PACK_REPEATS):
        engine.compile_s = 0.0
        started = time.perf_counter()
        figures = metrics.pack(engine, period)
        pack_t.append(time.perf_counter() - started)
    pack_s = statistics.median(pack_t)
    pack_compile_s = engine.compile_s
    refresh_s = statistics.median(snapshots.refresh().seconds for _ in range(3))
    pages = _pages()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    referrals = Referral.objects.count()
    shutil.rmtree(data_dir, ignore_errors=True)

    met = len(ratios) - len(missed)
    verdict = f"Within {TARGET}× of the hand-written statement: {met} of {len(ratios)} metrics" + (
        f"; missed by {', '.join(missed)}." if missed else "."
    )
    write_section(
        "insights_county",
        "Metric pack at county scale on PostgreSQL",
        f"The county place ({referrals:,} referrals over 18 months; loaded in "
        f"{loaded.seconds:.0f} s), {period.label}. 'Ours' is each metric's headline figures "
        "(overall, no breakdown) through `compute_many` on `PostgresEngine`: the ibis "
        "expression built, compiled to PostgreSQL ('compile' is ibis's share) and run over the "
        "analysis tables' materialised copies (`insights_snap_*`, refreshed first). "
        "'Hand SQL' is one statement written for that figure over the "
        "platform's own tables (`benchmarks/insights_sql.py`); the spells' three are run with "
        "nested loops off, as the engine runs every metric. Both give the same figures, checked "
        f"before timing. Median of {REPEATS} runs, in turn. Target: within {TARGET}×. "
        f"{verdict}\n\n"
        "| metric | headline (numerator/denominator) | ours | of which compile | hand SQL "
        "| ours ÷ hand |\n| --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        f"All headlines one after another: {headline_s:.1f} s. The whole pack (`metrics.pack`: "
        f"every metric overall and by each of its dimensions, {len(figures):,} figures): "
        f"{pack_s:.1f} s (median of {PACK_REPEATS}; ibis compiling {pack_compile_s:.1f} s of "
        f"the last run). Peak memory of the benchmark process: {peak_mib:,.0f} MiB "
        "(PostgreSQL's own not included).\n\n"
        f"Refreshing the materialised copies from the live records (all eleven, one "
        f"transaction): {refresh_s:.1f} s (median of 3).\n\n"
        "The dashboards as the demo analyst, server time in-process: 'cold' with the figures' "
        "cache emptied (copies fresh), 'cached' the next request.\n\n"
        "| page | cold | cached |\n| --- | --- | --- |\n"
        + "\n".join(f"| `{path}` | {cold:,.0f} ms | {warm:,.0f} ms |" for path, cold, warm in pages)
        + "\n",
    )


def _pages() -> list[tuple[str, float, float]]:
    from django.core.cache import cache
    from django.test import Client

    from alongside.accounts.models import User

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="analyst"))
    out = []
    for path in PAGES:
        cache.clear()
        started = time.perf_counter()
        assert client.get(path).status_code == 200, path
        cold = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        client.get(path)
        out.append((path, cold, (time.perf_counter() - started) * 1000))
        print(out[-1], flush=True)
    return out
