"""``python -m benchmarks [NAME …]``: run the named benchmarks (default: all) and report them."""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = [
    "generator",
    "demo_startup",
    "test_suite",
    "access_overhead",
    "directory_search",
]


def main(names: list[str]) -> int:
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(f"Unknown benchmark: {', '.join(unknown)}. Choose from: {', '.join(BENCHMARKS)}")
        return 2
    for name in names or BENCHMARKS:
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.{name}").run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
