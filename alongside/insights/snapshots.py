"""The analysis tables' live copies: PostgreSQL materialised views of the ``insights_*`` views.

Computing a metric straight from the views repeats their joins (a referral's person, postcode,
locality, team, organisation and handovers) in every query, several times a second when a
dashboard opens. The metrics read materialised copies instead, indexed on their keys, refreshed
all together in one transaction when they are older than ``ALONGSIDE_INSIGHTS_MAX_AGE`` seconds
(5 minutes by default) — so every figure is at most that old, and a page says as of when. One
process refreshes at a time (an advisory lock); the others use the copy they find.
``alongside insights refresh`` refreshes them at once (for a scheduled job).
"""

from __future__ import annotations

import datetime as dt
import time

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from alongside.insights.models import Snapshot
from alongside.insights.schema import TABLES

#: pg_advisory_xact_lock key for the refresh ("insights" in ASCII, as a number).
_LOCK = 0x696E73696768
PREFIX = "insights_snap_"


def snapshot_name(table: str) -> str:
    return f"{PREFIX}{table}"


def max_age() -> dt.timedelta:
    return dt.timedelta(seconds=getattr(settings, "ALONGSIDE_INSIGHTS_MAX_AGE", 300))


def latest() -> Snapshot | None:
    return Snapshot.objects.order_by("-refreshed_at").first()


def refresh() -> Snapshot | None:
    """Copy the live views into the analysis tables now, unless another process is doing it
    (then ``None``: its copy will be there when it finishes)."""
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_LOCK])
        if not cursor.fetchone()[0]:
            return None
        for name in TABLES:
            cursor.execute(f"REFRESH MATERIALIZED VIEW {snapshot_name(name)}")
        for name in TABLES:
            cursor.execute(f"ANALYZE {snapshot_name(name)}")
        Snapshot.objects.all().delete()
        return Snapshot.objects.create(
            refreshed_at=timezone.now(), seconds=round(time.perf_counter() - started, 3)
        )


def ensure_fresh() -> Snapshot | None:
    """The current copy, refreshed first if it is older than the maximum age."""
    current = latest()
    if current is None or timezone.now() - current.refreshed_at >= max_age():
        return refresh() or latest()
    return current
