"""The scheduled work: every job the site needs is on the runner, the runner really runs them
on PostgreSQL (deferred once per tick, one at a time), and each job does its work."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.utils import timezone
from procrastinate import exceptions as procrastinate_errors
from procrastinate.contrib.django import app

from alongside.core import jobs
from alongside.core.tasks import housekeeping
from alongside.insights import presenters
from alongside.insights.engines import PostgresEngine
from alongside.organisations.tests.factories import UserFactory
from alongside.portal.models import SignInCode
from alongside.portal.services import forget_old_sign_in_codes
from alongside.referrals.models import Referral, Urgency
from alongside.referrals.tests.factories import ReferralFactory

#: What must happen on a timer whatever anyone opens (the faults-and-load issue names them).
NEEDED = {
    "care.escalate",
    "insights.figures",
    "sharing.audit_partitions",
    "portal.forget_sign_in_codes",
    "core.housekeeping",
}


def test_every_job_is_on_the_runner_with_its_time():
    assert set(jobs.JOBS) >= NEEDED
    periodic = {p.task.name: p.cron for p in app.periodic_registry.periodic_tasks.values()}
    for name, job in jobs.JOBS.items():
        assert periodic[name] == job.cron
        assert app.tasks[name].queue == jobs.QUEUE
        assert app.tasks[name].queueing_lock == name  # one queued at a time
    assert jobs.JOBS["care.escalate"].every <= dt.timedelta(minutes=5)


@pytest.mark.django_db(transaction=True)
def test_the_runner_runs_a_deferred_job_on_postgresql_once():
    referral = ReferralFactory(urgency=Urgency.EMERGENCY)
    Referral.objects.filter(pk=referral.pk).update(due_at=timezone.now() - dt.timedelta(hours=1))
    task = app.tasks["care.escalate"]
    task.defer(timestamp=0)
    # A second tick while the first is still queued is not queued again.
    with pytest.raises(procrastinate_errors.AlreadyEnqueued):
        task.defer(timestamp=1)
    assert jobs.runners() == 0

    with app.replace_connector(app.connector.get_worker_connector()):
        app.run_worker(queues=[jobs.QUEUE], wait=False, install_signal_handlers=False)

    referral.refresh_from_db()
    assert referral.escalated_at is not None
    (escalate,) = [s for s in jobs.status() if s.job.name == "care.escalate"]
    assert escalate.succeeded_at is not None and not escalate.failing and not escalate.late
    assert not escalate.running
    # Once it has run, the next tick may be queued.
    task.defer(timestamp=2)


def test_a_job_is_late_after_twice_its_interval_and_failing_after_a_failure():
    job = jobs.JOBS["care.escalate"]
    now = timezone.now()
    ran = jobs.JobStatus(job, succeeded_at=now, failed_at=None, running=False)
    assert not ran.late and not ran.failing
    with time_machine.travel(now + 2 * job.every + dt.timedelta(seconds=1)):
        assert ran.late
    failed = jobs.JobStatus(job, succeeded_at=now, failed_at=now + job.every, running=False)
    assert failed.failing
    recovered = jobs.JobStatus(job, succeeded_at=now + job.every, failed_at=now, running=False)
    assert not recovered.failing
    never = jobs.JobStatus(job, succeeded_at=None, failed_at=None, running=False)
    assert not never.late and not never.failing


@pytest.mark.django_db
def test_the_figures_job_works_them_out_again_over_the_cache():
    ReferralFactory()
    engine = PostgresEngine()
    first = presenters.coverage(engine)
    key = presenters._key("coverage", engine.reference_date())
    cache.set(key, "stale", 300)
    assert presenters.coverage(engine) == "stale"  # a page reads what the cache holds
    jobs.JOBS["insights.figures"].work()
    assert cache.get(key) == first


@pytest.mark.django_db
def test_old_sign_in_codes_are_forgotten_and_recent_ones_kept():
    user = UserFactory()
    now = timezone.now()
    for made in (now - dt.timedelta(days=2), now - dt.timedelta(hours=2)):
        SignInCode.objects.create(
            user=user, code_hash="x", salt="y", created_at=made, expires_at=made + dt.timedelta(10)
        )
    assert forget_old_sign_in_codes() == 1
    assert list(SignInCode.objects.values_list("created_at", flat=True)) == [
        now - dt.timedelta(hours=2)
    ]


@pytest.mark.django_db
def test_housekeeping_deletes_ended_sessions_only():
    ended, current = SessionStore(), SessionStore()
    ended.set_expiry(1)
    ended.create()
    current.create()
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=5)):
        assert housekeeping().startswith("deleted 1 ended session(s)")
    assert list(Session.objects.values_list("session_key", flat=True)) == [current.session_key]


@pytest.mark.django_db(transaction=True)
def test_the_partitions_job_makes_next_months_partition_as_the_owner():
    from alongside.sharing import audit

    ahead = timezone.now() + dt.timedelta(days=130)
    month = ahead.astimezone(dt.UTC).date().replace(day=1)
    with time_machine.travel(ahead):
        said = jobs.JOBS["sharing.audit_partitions"].work()
    assert said.startswith("made ")
    assert audit.partition_name(month) in said
