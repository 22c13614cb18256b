"""What the permission check, the access policy and the audit write cost on each request.

The person page (``/people/<id>/``) is requested in-process through Django's test client, as the
demo key worker, for people whose record they may open, three ways in the same run: as built
(the permission middleware, the policy's decision and an audit row), without the permission check
(the door as it was before permissions were declared: policy and audit only), and with neither
(a plain fetch of the person). The differences are the overheads. Server time only.
"""

from __future__ import annotations

import contextlib
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

    def allow(request, person_id, part, action, **_kwargs):
        return Person.objects.filter(pk=person_id).first(), policy.Decision(True, Basis.CONSENT)

    with (
        mock.patch.object(access, "_decide", allow),
        mock.patch.object(access, "_audit", lambda *a, **k: None),
    ):
        yield


@contextmanager
def _without_permission_check():
    from alongside.sharing.middleware import PermissionMiddleware

    with mock.patch.object(PermissionMiddleware, "process_view", lambda *a, **k: None):
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
    ways = (
        ("permission check, policy and audit", []),
        ("policy and audit, no permission check", [_without_permission_check]),
        ("no check at all", [_without_permission_check, _without_access_check]),
    )
    for label, patches in ways:
        before = AccessEvent.objects.count()
        with contextlib.ExitStack() as stack:
            for patch in patches:
                stack.enter_context(patch())
            times = _timings(client, urls)
        written = AccessEvent.objects.count() - before
        results[label] = times
        rows.append(
            f"| {label} | {statistics.median(times):.2f} ms | {_percentile(times, 95):.2f} ms "
            f"| {written} |"
        )
        print(rows[-1], flush=True)
    median = {label: statistics.median(times) for label, times in results.items()}
    permission = (
        median["permission check, policy and audit"]
        - median["policy and audit, no permission check"]
    )
    policy_and_audit = median["policy and audit, no permission check"] - median["no check at all"]
    shutil.rmtree(data_dir, ignore_errors=True)
    write_section(
        "access_overhead",
        "Access check and audit per request",
        f"`/people/<id>/` as the demo key worker, {REQUESTS} requests in-process through "
        "Django's test client on the demo place, both ways in the same run (server time only).\n\n"
        "| person page | median | 95th percentile | audit rows written |\n"
        "| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        f"Overhead of the permission check: {permission:.2f} ms per request (median); of the "
        f"policy's decision and the audit row: {policy_and_audit:.2f} ms.",
    )
