"""A mixed day under load: locust against ``alongside serve`` on the county place, on loopback.

A county place is generated into a data folder of its own, served as a deployment would serve it
(gunicorn with several workers, static files collected, the scheduled work beside it), and then:

1. **single user**: each kind of visitor alone (one locust user of each class in turn), for the
   pages' latency with nothing else running;
2. **under load**: every kind at once in the day's proportions (``benchmarks/locustfile.py``),
   ``LOAD_USERS`` users (default 100) for ``LOAD_SECONDS`` (default 120) after the ramp.

Locust runs on the same machine (2 cores here), so it takes some of the CPU the server could
use; the figures are for the server and its load generator together. Every visitor to the
public pages comes from 127.0.0.1, so the self-referral's per-address limit is raised for the
run (``ALONGSIDE_SELF_REFERRAL_LIMIT``). Every step is bounded in time.
"""

from __future__ import annotations

import csv
import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.process import ALONGSIDE, ROOT
from benchmarks.report import write_section

LOCUST = ROOT / ".venv" / "bin" / "locust"
LOCUSTFILE = ROOT / "benchmarks" / "locustfile.py"
USERS = int(os.environ.get("LOAD_USERS", "100"))
SECONDS = int(os.environ.get("LOAD_SECONDS", "120"))
WORKERS = int(os.environ.get("LOAD_WORKERS", "4"))
SINGLE_SECONDS = int(os.environ.get("LOAD_SINGLE_SECONDS", "40"))
CLASSES = ("KeyWorker", "Coordinator", "TeamLead", "Public")

#: Who signs in: key workers with a caseload, triage coordinators, team leads (JSON on stdout).
ACCOUNTS_SCRIPT = """
from django.db.models import Count
from alongside.care.models import Allocation
from alongside.organisations.models import Membership, Role
def members(role):
    return sorted(set(Membership.objects.active().filter(role=role, user__is_active=True)
                      .values_list("user__username", flat=True)))
key_workers = list(Allocation.objects.filter(ended_at__isnull=True)
                   .values("key_worker__username").annotate(n=Count("id")).filter(n__gte=3)
                   .order_by("key_worker__username").values_list("key_worker__username", flat=True))
print(json.dumps({"key_worker": key_workers, "coordinator": members(Role.COORDINATOR),
                  "team_lead": members(Role.TEAM_LEAD)}))
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def _run(command: list[str], env: dict[str, str], timeout: int) -> str:
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _locust(
    base: str, env: dict[str, str], out: Path, users: int, seconds: int, classes: tuple[str, ...]
) -> list[dict[str, str]]:
    prefix = out / "_".join(classes)
    _run(
        [
            str(LOCUST),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 10)),
            "--run-time",
            f"{seconds}s",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--exit-code-on-error",
            "0",
            *classes,
        ],
        env,
        timeout=seconds + 120,
    )
    with open(f"{prefix}_stats.csv", newline="") as f:
        return list(csv.DictReader(f))


def _ms(value: str) -> str:
    return "–" if value in ("", "N/A", "0") else f"{float(value):,.0f} ms"


def run() -> None:
    with tempfile.TemporaryDirectory(prefix="alongside-load-") as folder:
        data = Path(folder)
        env = {
            **os.environ,
            "ALONGSIDE_DATA_DIR": str(data / "var"),
            "ALONGSIDE_SELF_REFERRAL_LIMIT": "1000000",
        }
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        _run([str(ALONGSIDE), "migrate", "--no-input"], env, timeout=600)
        _run([str(ALONGSIDE), "demo", "--scale", "county"], env, timeout=1200)
        built = time.perf_counter() - started
        accounts = data / "accounts.json"
        accounts.write_text(
            _run([str(ALONGSIDE), "shell", "-c", ACCOUNTS_SCRIPT], env, 300)
            .strip()
            .splitlines()[-1]
        )
        env["ALONGSIDE_LOAD_ACCOUNTS"] = str(accounts)
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(ALONGSIDE), "serve", "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600
            while not _answers(f"{base}/account/sign-in/"):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the server did not start")
                time.sleep(1)
            single: dict[str, dict[str, str]] = {}
            for name in CLASSES:
                for row in _locust(base, env, data, 1, SINGLE_SECONDS, (name,)):
                    if row["Name"] != "Aggregated":
                        single[row["Name"]] = row
            loaded = _locust(base, env, data, USERS, SECONDS, CLASSES)
        finally:
            os.killpg(server.pid, signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
    _report(single, loaded, built)


def _report(single: dict[str, dict[str, str]], loaded: list[dict[str, str]], built: float) -> None:
    rows = []
    total = next(r for r in loaded if r["Name"] == "Aggregated")
    worst = []
    for row in sorted(
        (r for r in loaded if r["Name"] != "Aggregated"), key=lambda r: -float(r["Request Count"])
    ):
        alone = single.get(row["Name"], {})
        p95, alone95 = float(row["95%"] or 0), float(alone.get("95%") or 0)
        ratio = f"{p95 / alone95:.1f}×" if alone95 else "–"
        if alone95 and p95 > 5 * alone95:
            worst.append(row["Name"])
        rows.append(
            f"| {row['Name']} | {int(float(row['Request Count'])):,} | "
            f"{int(float(row['Failure Count'])):,} | {_ms(row['50%'])} | {_ms(row['95%'])} | "
            f"{_ms(row['99%'])} | {_ms(alone.get('50%', ''))} | {_ms(alone.get('95%', ''))} | "
            f"{ratio} |"
        )
    held = float(total["Requests/s"])
    errors = int(float(total["Failure Count"]))
    body = f"""
The county place (generated in {built:.0f} s into a data folder of its own) served by `alongside
serve --workers {WORKERS}` (gunicorn, the scheduled work beside it) on 127.0.0.1, and locust on the
same 2 cores (`benchmarks/locustfile.py`): key workers (caseload, record, episode, contacts,
recording a contact), triage coordinators (worklists, a referral), team leads (the insights
overview and a measure) and the public (directory searches by words and by postcode, a service,
the whole self-referral) in the proportions 5 : 2 : 1 : 6, each pausing 0.5–2.5 s between
requests. **Single user**: each kind of visitor alone for {SINGLE_SECONDS} s. **Under load**:
{USERS} users together for {SECONDS} s. Form pages are counted as their own requests ("(form)").

Under load: **{held:.1f} requests a second held**, {errors} errors in
{int(float(total["Request Count"])):,} requests; p50 {_ms(total["50%"])}, p95 {_ms(total["95%"])},
p99 {_ms(total["99%"])} over all pages.

| page | requests | errors | p50 | p95 | p99 | single user p50 | single user p95 | p95 × |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
{chr(10).join(rows)}

Targets on 2 cores: 0 errors, at least 100 requests a second, p95 under load within 5× single
user. Pages past 5×: {", ".join(worst) if worst else "none"}.
"""
    write_section("load", "A mixed day under load", body)
    print(body)
