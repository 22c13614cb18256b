"""Scheduled work: what must happen on a timer whatever anyone opens, and its runner.

The runner is procrastinate, a task queue kept in the site's own PostgreSQL (its tables are made
by ``alongside migrate``), so a deployment needs no other server: ``alongside worker`` runs it
beside the web server (``alongside serve`` starts one for itself unless told ``--no-worker``).
Several workers may run at once, on one machine or many: each timed job is deferred once per
tick (procrastinate keeps the ticks it deferred) and runs in one worker at a time (its queueing
lock).

Each app declares its own jobs in its ``tasks.py`` with ``scheduled``, beside the services they
call; ``JOBS`` lists them all (procrastinate's Django app imports every ``tasks.py`` when Django
starts), and ``status`` says when each last ran, for the administrator's page.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.utils import timezone
from procrastinate.contrib.django import app

logger = logging.getLogger(__name__)

#: The queue every timed job goes on.
QUEUE = "scheduled"


@dataclass(frozen=True)
class Job:
    #: procrastinate's task name, e.g. ``care.escalate``.
    name: str
    #: When it runs (cron, UTC).
    cron: str
    #: How often that is, in words and as a time (after twice this it counts as late).
    every_text: str
    every: dt.timedelta
    #: What it does, for the administrator.
    purpose: str
    #: The work: returns what it did in a sentence (written to the log).
    work: Callable[[], str]


JOBS: dict[str, Job] = {}


def scheduled(
    name: str, *, cron: str, every: dt.timedelta, every_text: str, purpose: str
) -> Callable[[Callable[[], str]], Callable[[], str]]:
    """Declare ``work`` as a job the runner runs on ``cron``; ``work`` stays callable as it is
    (the tests and the matching management command call it directly)."""

    def register(work: Callable[[], str]) -> Callable[[], str]:
        if name in JOBS and JOBS[name].work is not work:
            raise RuntimeError(f"Two scheduled jobs are named {name!r}.")
        JOBS[name] = Job(name, cron, every_text, every, purpose, work)

        def run(timestamp: int) -> None:
            try:
                logger.info("%s: %s", name, work())
            finally:
                # The runner calls each job on a thread of a pool it reuses: the thread's
                # connection is closed after each run rather than left open between runs.
                connection.close()

        run.__name__ = run.__qualname__ = name.replace(".", "_")
        task = app.task(name=name, queue=QUEUE, queueing_lock=name, pass_context=False)(run)
        app.periodic(cron=cron, periodic_id=name)(task)
        return work

    return register


@dataclass(frozen=True)
class JobStatus:
    job: Job
    #: When it last finished well, and when it last failed (``None``: not since the runner's
    #: history began).
    succeeded_at: dt.datetime | None
    failed_at: dt.datetime | None
    #: Whether it is running now.
    running: bool

    @property
    def late(self) -> bool:
        """Last finished well longer ago than twice its interval (a runner stopped or
        failing). A job that has not run yet is not late: the runner may have just started."""
        if self.succeeded_at is None:
            return False
        return timezone.now() - self.succeeded_at > 2 * self.job.every

    @property
    def failing(self) -> bool:
        return self.failed_at is not None and (
            self.succeeded_at is None or self.failed_at > self.succeeded_at
        )


#: A runner that has not said it is alive for this long is taken to have stopped (it says so
#: every few seconds).
RUNNER_SILENCE = dt.timedelta(minutes=1)


def runners() -> int:
    """How many runners are alive now (by their heartbeats in procrastinate's table)."""
    from procrastinate.contrib.django.models import ProcrastinateWorker

    return ProcrastinateWorker.objects.filter(
        last_heartbeat__gte=timezone.now() - RUNNER_SILENCE
    ).count()


def status() -> list[JobStatus]:
    """Every job with when it last succeeded and failed, from the runner's own records (one
    query)."""
    from django.db.models import Max, Q
    from procrastinate.contrib.django.models import ProcrastinateEvent

    rows = {
        row["job__task_name"]: row
        for row in ProcrastinateEvent.objects.filter(job__task_name__in=list(JOBS))
        .values("job__task_name")
        .annotate(
            succeeded_at=Max("at", filter=Q(type="succeeded")),
            failed_at=Max("at", filter=Q(type="failed")),
            started_at=Max("at", filter=Q(type="started", job__status="doing")),
        )
    }
    return [
        JobStatus(
            job=job,
            succeeded_at=rows.get(name, {}).get("succeeded_at"),
            failed_at=rows.get(name, {}).get("failed_at"),
            running=rows.get(name, {}).get("started_at") is not None,
        )
        for name, job in sorted(JOBS.items())
    ]
