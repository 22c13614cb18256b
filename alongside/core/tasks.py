"""Housekeeping on a timer (see ``alongside.core.jobs``)."""

from __future__ import annotations

import datetime as dt

from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from alongside.core.jobs import scheduled

#: How long the runner's record of a finished job is kept.
RUNS_KEPT = dt.timedelta(days=7)


def forget_old_runs(*, now: dt.datetime | None = None) -> int:
    """Delete the runner's records of jobs that finished more than ``RUNS_KEPT`` ago (their
    events go with them). The number deleted."""
    moment = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM procrastinate_jobs j "
            "WHERE j.status IN ('succeeded', 'failed', 'cancelled', 'aborted') "
            "AND NOT EXISTS (SELECT 1 FROM procrastinate_events e "
            "WHERE e.job_id = j.id AND e.at >= %s)",
            [moment - RUNS_KEPT],
        )
        return cursor.rowcount


@scheduled(
    "core.housekeeping",
    cron="20 3 * * *",
    every=dt.timedelta(days=1),
    every_text="every day at 03:20 UTC",
    purpose="Deletes sessions that have ended and the runner's records of jobs finished more "
    "than a week ago.",
)
def housekeeping() -> str:
    sessions, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    runs = forget_old_runs()
    return f"deleted {sessions} ended session(s) and {runs} old job record(s)"
