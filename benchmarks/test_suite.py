"""`make test`'s pytest run: wall time and test count."""

from __future__ import annotations

import re

from benchmarks.process import measure
from benchmarks.report import write_section


def run() -> None:
    # The same run as `make test` (its pytest step, with the Makefile's PYTEST_ARGS).
    result = measure(["make", "--no-print-directory", "pytest"])
    summary = [line for line in result.output.splitlines() if re.search(r"\d+ passed", line)]
    line = summary[-1].strip("= ") if summary else "no summary line"
    print(f"{result.seconds:.0f} s: {line}")
    write_section(
        "test_suite",
        "Test suite",
        "The whole pytest suite as `make test` runs it (`make pytest`: browser tests included, "
        "in parallel workers as the Makefile's PYTEST_ARGS say), on the embedded PostgreSQL; "
        "lint not included.\n\n"
        f"| tests | time |\n| --- | --- |\n| {line} | {result.seconds:.0f} s |",
    )
