"""`make demo` from a fresh clone until the first page answers, then Ctrl-C.

The clone is made from this checkout's HEAD into a temporary folder. Package caches (pip, uv,
npm) are whatever this machine has, so the figure is for a machine that has installed Alongside's
dependencies before; a first-ever install adds the download time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.process import ROOT
from benchmarks.report import write_section

TIMEOUT_SECONDS = 600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="alongside-clone-") as tmp:
        clone = Path(tmp) / "alongside"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        port = _free_port()
        url = f"http://127.0.0.1:{port}/account/sign-in/"
        env = {**os.environ, "PORT": str(port), "ALONGSIDE_DATA_DIR": str(Path(tmp) / "data")}
        log = open(Path(tmp) / "make-demo.log", "w")  # noqa: SIM115 - closed below
        started = time.perf_counter()
        process = subprocess.Popen(
            ["make", "demo"],
            cwd=clone,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        answered = None
        while time.perf_counter() - started < TIMEOUT_SECONDS and process.poll() is None:
            if _answers(url):
                answered = time.perf_counter() - started
                break
            time.sleep(0.5)
        # Ctrl-C, as a person would: SIGINT to the whole process group.
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
        log.close()
        time.sleep(1)
        still_running = (
            subprocess.run(
                ["pgrep", "-f", f"postgres -D {tmp}"], capture_output=True, check=False
            ).returncode
            == 0
        )
        if answered is None:
            print((Path(tmp) / "make-demo.log").read_text()[-3000:])
            raise RuntimeError("make demo did not answer")
    line = f"| fresh clone → first page answers | {answered:.0f} s |"
    print(line, "| PostgreSQL left running after Ctrl-C:", still_running)
    write_section(
        "demo_startup",
        "`make demo` on a fresh clone",
        "A `git clone` of this checkout into an empty folder, then `make demo` until "
        "`/account/sign-in/` answers 200: creating `.tools/` and `.venv/`, installing the locked "
        "Python packages and the npm packages (from this machine's package caches), starting the "
        "embedded PostgreSQL, migrating, generating the demo place and starting the server. Then "
        "SIGINT to the process group (Ctrl-C).\n\n"
        "| step | time |\n| --- | --- |\n" + line + "\n\n"
        f"PostgreSQL still running after Ctrl-C: {'yes' if still_running else 'no'}.",
    )
