"""`make demo` from a fresh clone until the first page answers, then Ctrl-C.

The clone is made from this checkout's HEAD into a temporary folder. Package caches (pip, uv,
npm) are whatever this machine has, so the figure is for a machine that has installed Alongside's
dependencies before; a first-ever install adds the download time.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
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


def _size_mb(folder: Path) -> float:
    out = subprocess.run(["du", "-sk", str(folder)], capture_output=True, text=True, check=True)
    return int(out.stdout.split()[0]) / 1024


def _insights_views(base: str, views: int = 3) -> list[float]:
    """Sign in as the demo's analyst, open ``/insights/`` ``views`` times: milliseconds each."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    sign_in = f"{base}/account/sign-in/"
    page = opener.open(sign_in, timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = {"csrfmiddlewaretoken": token.group(1), "username": "analyst"}
    form["password"] = "alongside-demo"
    request = urllib.request.Request(
        sign_in, data=urllib.parse.urlencode(form).encode(), headers={"Referer": sign_in}
    )
    opener.open(request, timeout=30).read()
    times = []
    for _ in range(views):
        started = time.perf_counter()
        with opener.open(f"{base}/insights/", timeout=120) as response:
            response.read()
            assert response.status == 200
        times.append(1000 * (time.perf_counter() - started))
    return times


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
        views = _insights_views(f"http://127.0.0.1:{port}") if answered is not None else []
        size = _size_mb(clone / ".venv")
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
    lines = [
        f"| fresh clone → first page answers | {answered:.0f} s |",
        f"| installed Python environment (`.venv`) | {size:,.0f} MB |",
        f"| `/insights/` as the analyst, first view | {views[0]:,.0f} ms |",
        f"| `/insights/`, the next two views | {views[1]:,.0f} ms, {views[2]:,.0f} ms |",
    ]
    line = "\n".join(lines)
    print(line, "| PostgreSQL left running after Ctrl-C:", still_running)
    write_section(
        "demo_startup",
        "`make demo` on a fresh clone",
        "A `git clone` of this checkout into an empty folder, then `make demo` until "
        "`/account/sign-in/` answers 200: creating `.tools/` and `.venv/`, installing the locked "
        "runtime Python packages and the npm packages (from this machine's package caches), "
        "starting the embedded PostgreSQL, migrating, generating the demo place as of today, "
        "collecting the static files, working out the insights' first figures and starting "
        "gunicorn. Then the demo's analyst signs in and opens `/insights/` three times, and "
        "SIGINT goes to the process group (Ctrl-C).\n\n"
        "| step | measured |\n| --- | --- |\n" + line + "\n\n"
        f"PostgreSQL still running after Ctrl-C: {'yes' if still_running else 'no'}.",
    )
