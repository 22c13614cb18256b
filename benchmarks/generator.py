"""`alongside demo` at demo and county scale on an empty database: wall time and peak memory."""

from __future__ import annotations

import shutil

from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section


def run() -> None:
    data_dir = ROOT / "var" / "bench-generator"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    rows = []
    for scale in ("demo", "county"):
        result = measure([str(ALONGSIDE), "demo", "--scale", scale, "--flush"], env)
        rows.append(
            f"| `alongside demo --scale {scale} --flush` | {result.seconds:.1f} s | "
            f"{result.peak_rss_mib:.0f} MiB |"
        )
        print(rows[-1], flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)
    write_section(
        "generator",
        "Synthetic place generator",
        "Each run starts from an empty place (`--flush`) on a migrated embedded PostgreSQL. "
        "Time is wall-clock for the whole command, PostgreSQL start and stop included; "
        "memory is the peak resident set of the `alongside` process "
        "(PostgreSQL's own memory not included).\n\n"
        "| command | time | peak memory |\n| --- | --- | --- |\n" + "\n".join(rows),
    )
