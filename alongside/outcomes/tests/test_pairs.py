import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import pairs, services
from alongside.outcomes.engine import Change
from alongside.outcomes.tests.factories import answered

pytestmark = pytest.mark.django_db


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def phq9(total: int) -> list[str]:
    return [str(min(3, max(0, total - 3 * n))) for n in range(9)]


def dialog(rating: int) -> dict[str, str]:
    return {str(n): str(rating) for n in range(1, 12)}


def test_first_and_latest_current_scores_are_paired_per_episode():
    episode = EpisodeFactory(started_at=ago(200))
    worker = key_worker_for(episode)
    answered(episode, "phq9", phq9(18), by=worker, at=ago(150))
    answered(episode, "phq9", phq9(15), by=worker, at=ago(100))
    latest = answered(episode, "phq9", phq9(14), by=worker, at=ago(50))
    answered(episode, "dialog", dialog(3), by=worker, at=ago(140))
    answered(episode, "dialog", dialog(5), by=worker, at=ago(40))
    single = EpisodeFactory(started_at=ago(100))
    answered(single, "phq9", phq9(20), by=key_worker_for(single), at=ago(90))

    found = {(p.measure, p.key): p for p in pairs.pairs()}
    # DIALOG's treatment satisfaction is not a change score; the single PHQ-9 has no pair.
    assert set(found) == {("phq9", "total"), ("dialog", "quality-of-life")}
    phq = found["phq9", "total"]
    assert (phq.first, phq.latest, phq.change) == (18, 14, -4)
    assert phq.reliable == Change.NO_RELIABLE_CHANGE
    assert found["dialog", "quality-of-life"].reliable == Change.IMPROVED

    # Correcting the latest to 12 makes it a reliable improvement (6 points).
    correction = services.start_correction(response=latest, reason="Wrong total", by=worker)
    services.complete_response(
        response=correction,
        by=worker,
        answers=dict(zip(map(str, range(1, 10)), phq9(12), strict=True)),
    )
    phq = next(p for p in pairs.pairs() if p.measure == "phq9")
    assert (phq.first, phq.latest, phq.reliable) == (18, 12, Change.IMPROVED)


def test_summary_counts_reliable_change():
    worker = None
    for first, latest in ((20, 10), (10, 18), (12, 10)):
        episode = EpisodeFactory(started_at=ago(120))
        worker = worker or key_worker_for(episode)
        answered(episode, "phq9", phq9(first), by=worker, at=ago(100))
        answered(episode, "phq9", phq9(latest), by=worker, at=ago(10))
    [summary] = pairs.summarise(pairs.pairs())
    assert (summary.paired, summary.improved, summary.deteriorated, summary.no_reliable_change) == (
        3,
        1,
        1,
        1,
    )
    assert summary.mean_change == Decimal("-1.33")


def test_pairing_is_one_statement_however_many_episodes():
    worker = None
    for n in range(6):
        episode = EpisodeFactory(started_at=ago(120))
        worker = worker or key_worker_for(episode)
        answered(episode, "gad7", ["1"] * 7, by=worker, at=ago(100))
        answered(episode, "gad7", ["0"] * 7, by=worker, at=ago(10 + n))
    pairs.pairs()  # parse the definitions once
    with CaptureQueriesContext(connection) as queries:
        found = pairs.pairs()
    assert len(found) == 6
    assert len(queries) == 2  # the scores, and the current definitions for thresholds
