"""Running a command and measuring it: wall time and the peak memory of its process tree."""

from __future__ import annotations

import os
import resource
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALONGSIDE = ROOT / ".venv" / "bin" / "alongside"


@dataclass
class Measured:
    seconds: float
    peak_rss_mib: float
    output: str


def measure(command: list[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> Measured:
    """Run ``command`` to completion; return its wall time and the largest child RSS seen.

    The peak is ``ru_maxrss`` of waited-for children, so run one measured command per process
    for a clean figure (``python -m benchmarks NAME``).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        command,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return Measured(seconds, max(peak, before) / 1024, done.stdout + done.stderr)
