"""``python -m benchmarks [NAME …]``: run the named benchmarks (default: all) and report them.

Each benchmark runs in a process of its own: some set Django up against a database of their own.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

BENCHMARKS = [
    "generator",
    "demo_startup",
    "test_suite",
    "access_overhead",
    "directory_search",
    "directory_import",
    "worklists",
    "caseloads",
    "caseload_review",
    "outcomes",
    "insights_county",
    "county_pack",
    "nhse_parity",
    "coproduction_county",
    "insights_national",
    "load",
]


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"Unknown benchmark: {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}")
        return 2
    if len(names) == 1:
        print(f"== {names[0]}", flush=True)
        importlib.import_module(f"benchmarks.{names[0]}").run()
        return 0
    for name in names or BENCHMARKS:
        done = subprocess.run([sys.executable, "-m", "benchmarks", name], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
