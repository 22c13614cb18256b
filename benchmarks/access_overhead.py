"""What the access check and the audit write cost on each request for a person's record.

The person page (``/people/<id>/``) is requested in-process through Django's test client, as the
demo key worker, for people whose record they may open: once as built (policy decision plus an
audit row per request), and once in the same run with the check and the audit replaced by a plain
fetch of the person. The difference is the overhead. Server time only: no network, no browser.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
from contextlib import contextmanager
from unittest import mock

from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REQUESTS = 300


def _timings(client, urls: list[str]) -> list[float]:
    times = []
    for url in urls:
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


@contextmanager
def _without_access_check():
    from alongside.people.models import Person
    from alongside.sharing import access, policy
    from alongside.sharing.models import Basis

    def allow(request, person_id, part, action):
        return Person.objects.filter(pk=person_id).first(), policy.Decision(True, Basis.CONSENT)

    with (
        mock.patch.object(access, "_decide", allow),
        mock.patch.object(access, "_audit", lambda *a, **k: None),
    ):
        yield


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run() -> None:
    data_dir = ROOT / "var" / "bench-access"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    measure([str(ALONGSIDE), "demo", "--scale", "demo"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.test import Client
    from django.test.utils import setup_test_environment

    from alongside.accounts.models import User
    from alongside.sharing import policy
    from alongside.sharing.models import AccessEvent

    setup_test_environment()
    user = User.objects.get(username="practitioner")
    client = Client()
    client.force_login(user)
    people = list(policy.visible_people(user).order_by("id").values_list("id", flat=True))
    urls = [f"/people/{people[i % len(people)]}/" for i in range(REQUESTS)]
    _timings(client, urls[:20])  # warm up
    rows = []
    results = {}
    for label, context in (("with access check and audit", None), ("without", True)):
        before = AccessEvent.objects.count()
        if context:
            with _without_access_check():
                times = _timings(client, urls)
        else:
            times = _timings(client, urls)
        written = AccessEvent.objects.count() - before
        results[label] = times
        rows.append(
            f"| {label} | {statistics.median(times):.2f} ms | {_percentile(times, 95):.2f} ms "
            f"| {written} |"
        )
        print(rows[-1], flush=True)
    overhead = statistics.median(results["with access check and audit"]) - statistics.median(
        results["without"]
    )
    shutil.rmtree(data_dir, ignore_errors=True)
    write_section(
        "access_overhead",
        "Access check and audit per request",
        f"`/people/<id>/` as the demo key worker, {REQUESTS} requests in-process through "
        "Django's test client on the demo place, both ways in the same run (server time only).\n\n"
        "| person page | median | 95th percentile | audit rows written |\n"
        "| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        f"Overhead of the decision and the audit row: {overhead:.2f} ms per request (median).",
    )
