"""The metric pack at national scale on DuckDB, beside pandas, hand-written DuckDB SQL and Spark.

Over the national research extract (``alongside demo --scale national``: about a million people
and twenty million contacts; the folder is ``ALONGSIDE_NATIONAL_EXTRACT``, by default
``var/national``, generated first if it is not there), for the last whole month before the
extract's reference date, every metric's headline figures (overall, no breakdown) are computed
four ways, each in a process of its own so that its peak memory (the resident set of the process
and its children, sampled every 0.1 s) is its own:

* **ours**: ``compute_many(DuckDBEngine(extract), metric, period, [None])`` — the ibis
  expression built, compiled to DuckDB SQL and run over the Parquet files;
* **hand SQL**: one DuckDB statement per metric written for that figure
  (``benchmarks/insights_sql.py``), on the same DuckDB views;
* **pandas**: ``benchmarks/insights_pandas.py``, for five of the metrics (the access measure,
  the full clock stop with its referral spells, bounces, the did-not-attend rate and outcome
  change), with the columns it needs read into DataFrames once;
* **Spark**: ``SparkEngine`` on a ``local[2]`` session, the session's start timed apart.

The first run of each figure is compared across the four before anything is reported; the
benchmark stops if ours, the hand SQL and pandas disagree. Targets: ours at least 10× faster than
pandas, and within 1.5× of the hand SQL.

``python -m benchmarks.insights_national WORKER EXTRACT`` is one engine's run (the benchmark
starts them); it prints its findings as one line of JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import insights_sql
from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REPEATS = 3
PANDAS_REPEATS = 1
TARGET_SQL = 1.5
TARGET_PANDAS = 10.0
WORKERS = ("ours", "hand", "pandas", "spark")


def _period(engine: Any) -> Any:
    from alongside.insights.management.commands.metrics import last_whole_month

    return last_whole_month(engine.reference_date())


def _time(function: Any, repeats: int) -> tuple[Any, float]:
    """The first run's result (the check), and the median time of ``repeats`` more runs."""
    result = function()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return result, statistics.median(times)


def _duckdb_worker(directory: Path, hand: bool) -> dict:
    from alongside.insights import metrics
    from alongside.insights.engines import DuckDBEngine

    class Timed(DuckDBEngine):
        compile_s = 0.0

        def sql(self, expr: Any) -> str:
            started = time.perf_counter()
            text = super().sql(expr)
            self.compile_s += time.perf_counter() - started
            return text

    started = time.perf_counter()
    engine = Timed(directory)
    setup_s = time.perf_counter() - started
    period = _period(engine)
    found: dict[str, Any] = {}
    for metric in insights_sql.measured():
        if hand:
            sql = insights_sql.duckdb(metric.key, period)

            def once(sql: str = sql) -> list[dict]:
                cursor = engine.connection.execute(sql)
                columns = [d[0] for d in cursor.description]
                return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]
        else:

            def once(metric: Any = metric) -> list[dict]:
                return metrics.compute_many(engine, metric, period, [None])

        engine.compile_s = 0.0
        rows, seconds = _time(once, REPEATS)
        found[metric.key] = {
            "figures": insights_sql.figures(metric, rows),
            "seconds": seconds,
            "compile_s": engine.compile_s / (REPEATS + 1),
        }
        print(metric.key, f"{seconds:.3f}", file=sys.stderr, flush=True)
    return {"setup_s": setup_s, "period": period.label, "metrics": found}


def _pandas_worker(directory: Path) -> dict:
    from alongside.insights import metrics
    from alongside.insights.engines import DuckDBEngine
    from benchmarks import insights_pandas

    period = _period(DuckDBEngine(directory))
    started = time.perf_counter()
    frames = insights_pandas.load(directory)
    load_s = time.perf_counter() - started
    found = {}
    for key in insights_pandas.METRICS:
        rows, seconds = _time(
            lambda key=key: insights_pandas.compute(frames, key, period), PANDAS_REPEATS
        )
        found[key] = {
            "figures": insights_sql.figures(metrics.BY_KEY[key], rows),
            "seconds": seconds,
        }
        print(key, f"{seconds:.3f}", file=sys.stderr, flush=True)
    return {"setup_s": load_s, "metrics": found}


def _spark_worker(directory: Path) -> dict:
    from alongside.insights import metrics
    from alongside.insights.engines import SparkEngine, spark_session

    started = time.perf_counter()
    with spark_session(cores=2) as session:
        session_s = time.perf_counter() - started
        started = time.perf_counter()
        engine = SparkEngine(directory, session)
        setup_s = time.perf_counter() - started
        period = _period(engine)
        found = {}
        for metric in insights_sql.measured():
            started = time.perf_counter()
            try:
                rows = metrics.compute_many(engine, metric, period, [None])
            except Exception as error:
                found[metric.key] = {"figures": None, "seconds": None, "error": str(error)}
                continue
            found[metric.key] = {
                "figures": insights_sql.figures(metric, rows),
                "seconds": time.perf_counter() - started,
            }
            print(metric.key, f"{found[metric.key]['seconds']:.3f}", file=sys.stderr, flush=True)
    return {"session_s": session_s, "setup_s": setup_s, "metrics": found}


def worker(name: str, directory: Path) -> dict:
    if name in ("ours", "hand"):
        return _duckdb_worker(directory, hand=name == "hand")
    if name == "pandas":
        return _pandas_worker(directory)
    return _spark_worker(directory)


# --- the benchmark -------------------------------------------------------------------------------


def _tree_rss(process: Any) -> int:
    import psutil

    total = 0
    for p in [process, *process.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def _run_worker(name: str, directory: Path) -> tuple[dict, float, float]:
    """(the worker's findings, its wall time, the peak resident memory of its process tree)."""
    import psutil

    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.insights_national", name, str(directory)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        process = psutil.Process(child.pid)
        while not done.is_set():
            try:
                peak = max(peak, _tree_rss(process))
            except psutil.Error:
                break
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = child.communicate()
    done.set()
    sampler.join()
    if child.returncode != 0:
        raise RuntimeError(f"The {name} run failed (exit {child.returncode}).")
    return json.loads(output.strip().splitlines()[-1]), time.perf_counter() - started, peak / 2**20


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds < 10 else f"{seconds:,.1f} s"


def run() -> None:

    directory = Path(os.environ.get("ALONGSIDE_NATIONAL_EXTRACT", ROOT / "var" / "national"))
    generated = ""
    if not (directory / "manifest.json").exists():
        print(f"No national extract in {directory}: generating it first.", flush=True)
        made = measure([str(ALONGSIDE), "demo", "--scale", "national", "--extract", str(directory)])
        generated = f" Generated for this run in {made.seconds:.0f} s."
    manifest = json.loads((directory / "manifest.json").read_text())
    rows_in = manifest["rows"]

    runs: dict[str, dict] = {}
    for name in WORKERS:
        print(f"-- {name}", flush=True)
        findings, wall_s, peak_mib = _run_worker(name, directory)
        runs[name] = {**findings, "wall_s": wall_s, "peak_mib": peak_mib}

    ours, hand, pandas, spark = (runs[n]["metrics"] for n in WORKERS)
    as_found = {
        n: {
            k: None if v["figures"] is None else [tuple(f) for f in v["figures"]]
            for k, v in runs[n]["metrics"].items()
        }
        for n in WORKERS
    }
    for key in ours:
        for other in ("hand", "pandas"):
            theirs = as_found[other].get(key)
            if theirs is not None and theirs != as_found["ours"][key]:
                raise AssertionError(f"{key}: ours gives {as_found['ours'][key]}, {other} {theirs}")

    rows, missed_sql, missed_pandas, spark_differs, spark_failed = [], [], [], [], []
    for metric in insights_sql.measured():
        key = metric.key
        o, h = ours[key]["seconds"], hand[key]["seconds"]
        ratio = o / h
        if ratio > TARGET_SQL:
            missed_sql.append(key)
        pandas_cells = "– | –"
        if key in pandas:
            speedup = pandas[key]["seconds"] / o
            if speedup < TARGET_PANDAS:
                missed_pandas.append(key)
            pandas_cells = f"{_ms(pandas[key]['seconds'])} | {speedup:.1f}×"
        failed = spark[key].get("error")
        agrees = as_found["spark"][key] == as_found["ours"][key]
        if failed:
            spark_failed.append(f"{key} ({failed.splitlines()[0]})")
            spark_cell = "fails"
        else:
            spark_cell = _ms(spark[key]["seconds"]) + ("" if agrees else " (differs)")
            if not agrees:
                spark_differs.append(f"{key} ({insights_sql.shown(as_found['spark'][key])})")
        rows.append(
            f"| {key} | {insights_sql.shown(as_found['ours'][key])} | {_ms(o)} | "
            f"{_ms(ours[key]['compile_s'])} | {_ms(h)} | {ratio:.2f}× | {pandas_cells} | "
            f"{spark_cell} |"
        )
        print(rows[-1], flush=True)

    def total(name: str, keys: Any = None) -> float:
        found = runs[name]["metrics"]
        return sum(v["seconds"] or 0.0 for k, v in found.items() if keys is None or k in keys)

    five = list(pandas)
    engines = [
        f"| ours (DuckDB, ibis) | opening the extract {_ms(runs['ours']['setup_s'])} | "
        f"{_ms(total('ours'))} (the five: {_ms(total('ours', five))}) | "
        f"{_ms(runs['ours']['wall_s'])} | {runs['ours']['peak_mib']:,.0f} MiB |",
        f"| hand-written DuckDB SQL | opening the extract {_ms(runs['hand']['setup_s'])} | "
        f"{_ms(total('hand'))} (the five: {_ms(total('hand', five))}) | "
        f"{_ms(runs['hand']['wall_s'])} | {runs['hand']['peak_mib']:,.0f} MiB |",
        f"| pandas | reading the columns {_ms(runs['pandas']['setup_s'])} | "
        f"{_ms(total('pandas'))} (the five) | {_ms(runs['pandas']['wall_s'])} | "
        f"{runs['pandas']['peak_mib']:,.0f} MiB |",
        f"| Spark, local[2] | session start {_ms(runs['spark']['session_s'])}, views "
        f"{_ms(runs['spark']['setup_s'])} | {_ms(total('spark'))} (those that run) | "
        f"{_ms(runs['spark']['wall_s'])} | {runs['spark']['peak_mib']:,.0f} MiB |",
    ]
    pandas_all = runs["pandas"]["setup_s"] + total("pandas")
    ours_all = runs["ours"]["setup_s"] + total("ours", five)
    verdicts = (
        f"Ours within {TARGET_SQL}× of the hand SQL: "
        f"{len(insights_sql.measured()) - len(missed_sql)} of {len(insights_sql.measured())} "
        "metrics"
        + (f" (missed: {', '.join(missed_sql)})" if missed_sql else "")
        + f". At least {TARGET_PANDAS:.0f}× faster than pandas: "
        f"{len(five) - len(missed_pandas)} of {len(five)} metrics"
        + (f" (missed: {', '.join(missed_pandas)})" if missed_pandas else "")
        + f"; for the five together, pandas' reading and computing ({_ms(pandas_all)}) is "
        f"{pandas_all / ours_all:.1f}× ours with opening the extract ({_ms(ours_all)}). "
        + (
            "Spark's figures equal ours for every metric it runs."
            if not spark_differs
            else f"Spark's figures differ from ours for: {'; '.join(spark_differs)}."
        )
        + (f" On Spark these fail: {'; '.join(spark_failed)}." if spark_failed else "")
    )
    shown_dir = directory.relative_to(ROOT) if directory.is_relative_to(ROOT) else directory
    write_section(
        "insights_national",
        "Metric pack at national scale: DuckDB, pandas, hand-written SQL and Spark",
        f"The national extract in `{shown_dir}` "
        f"({manifest.get('site', '')}: {rows_in['people']:,} people, "
        f"{rows_in['referrals']:,} referrals, {rows_in['contacts']:,} contacts, "
        f"{rows_in['scores']:,} scores; reference date {manifest['reference_date']}).{generated} "
        f"Headline figures (overall, no breakdown) for {runs['ours']['period']}. Each engine "
        "runs in a process of its own. Ours and the hand SQL: the first run checked, then the "
        f"median of {REPEATS}; pandas: the first run checked, then {PANDAS_REPEATS} timed, over "
        "DataFrames already read; Spark: one run each (it is the first). Ours, the hand SQL and "
        "pandas give the same figures (checked). "
        f"{verdicts}\n\n"
        "| metric | headline (numerator/denominator) | ours (DuckDB) | of which compile | "
        "hand SQL | ours ÷ hand | pandas | pandas ÷ ours | Spark |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        "| engine | setting up | metrics (sum) | whole process | peak memory |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(engines) + "\n\n"
        "Peak memory is the resident set of the engine's process and its children (Spark's "
        "JVM), sampled every 0.1 s.",
    )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    print(json.dumps(worker(sys.argv[1], Path(sys.argv[2])), default=str), flush=True)
