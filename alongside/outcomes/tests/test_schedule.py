"""When measures are due (``schedule``): at the start, every N weeks from the last completed
response, due soon only when asked, nothing for ended episodes, at discharge within the grace
days, and the same number of queries for any number of episodes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care.models import Episode
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import schedule, services
from alongside.outcomes.models import MeasureSchedule
from alongside.outcomes.schedule import DueState
from alongside.outcomes.tests.factories import GAD7_MODERATE, PHQ9_MILD, answered
from alongside.outcomes.tests.factories import started as begun

pytestmark = pytest.mark.django_db

NOW = timezone.now()
TODAY = timezone.localdate


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def ask(episode: Episode, measure: str = "phq9", **timing: object) -> MeasureSchedule:
    """The episode's lead team asks for ``measure`` (at the start, with 14 days' grace, unless
    told otherwise)."""
    fields = {"at_start": True, "every_weeks": None, "at_discharge": False, "grace_days": 14}
    fields.update(timing)
    return services.save_schedule(team=episode.lead_team, measure=measure, by=None, **fields)


def owes(episode: Episode, today: dt.date, **options: object) -> list[tuple[str, str, dt.date]]:
    return [
        (d.measure, d.state, d.due_on)
        for d in schedule.due_for([episode], today=today, **options)[episode.pk]
    ]


@pytest.fixture
def episode() -> Episode:
    """Started 100 days ago, with a key worker."""
    return EpisodeFactory(started_at=NOW - days(100))


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


@pytest.fixture
def started(episode) -> dt.date:
    return timezone.localtime(episode.started_at).date()


# --- At the start ------------------------------------------------------------------------------


def test_at_the_start_is_due_on_the_start_date_and_overdue_after_the_grace_days(episode, started):
    ask(episode, grace_days=14)
    assert owes(episode, started - days(1)) == []
    assert owes(episode, started) == [("phq9", DueState.DUE, started)]
    assert owes(episode, started + days(14)) == [("phq9", DueState.DUE, started)]
    assert owes(episode, started + days(15)) == [("phq9", DueState.OVERDUE, started)]


def test_no_grace_days_is_overdue_the_day_after(episode, started):
    ask(episode, grace_days=0)
    assert owes(episode, started) == [("phq9", DueState.DUE, started)]
    assert owes(episode, started + days(1)) == [("phq9", DueState.OVERDUE, started)]


def test_at_the_start_only_is_owed_no_more_once_completed(episode, worker):
    ask(episode)
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(90))
    assert owes(episode, TODAY()) == []
    assert owes(episode, TODAY() + days(400), include_soon=True) == []


def test_a_response_left_part_way_does_not_count(episode, worker, started):
    ask(episode)
    begun(episode, "phq9", by=worker)
    assert owes(episode, TODAY()) == [("phq9", DueState.OVERDUE, started)]


# --- Every N weeks -----------------------------------------------------------------------------


def test_every_n_weeks_counts_from_the_last_completed_response(episode, worker, started):
    ask(episode, every_weeks=6, grace_days=7)
    assert owes(episode, started) == [("phq9", DueState.DUE, started)]  # the first, at the start
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(95))
    latest = answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(40))
    next_due = timezone.localtime(latest.completed_at).date() + dt.timedelta(weeks=6)
    assert owes(episode, next_due - days(1)) == []
    assert owes(episode, next_due) == [("phq9", DueState.DUE, next_due)]
    assert owes(episode, next_due + days(8)) == [("phq9", DueState.OVERDUE, next_due)]


def test_every_n_weeks_without_the_start_counts_from_the_start(episode, started):
    ask(episode, at_start=False, every_weeks=4, grace_days=7)
    first = started + dt.timedelta(weeks=4)
    assert owes(episode, started) == []
    assert owes(episode, first - days(1)) == []
    assert owes(episode, first) == [("phq9", DueState.DUE, first)]
    assert owes(episode, first + days(8)) == [("phq9", DueState.OVERDUE, first)]


def test_a_correction_keeps_the_date_of_the_response_it_corrects(episode, worker):
    ask(episode, every_weeks=12)
    original = answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(80))
    correction = services.start_correction(response=original, reason="Item 3 misread", by=worker)
    services.complete_response(response=correction, by=worker)
    next_due = timezone.localtime(original.completed_at).date() + dt.timedelta(weeks=12)
    assert [d.due_on for d in schedule.due_for([episode], today=next_due)[episode.pk]] == [next_due]


def test_each_measure_is_on_its_own_clock_and_overdue_comes_first(episode, worker, started):
    ask(episode, "gad7", every_weeks=2, grace_days=30)
    ask(episode, "phq9", grace_days=7)
    answered(episode, "gad7", GAD7_MODERATE, by=worker, at=NOW - days(20))
    gad7_due = timezone.localdate(NOW - days(20)) + dt.timedelta(weeks=2)
    assert owes(episode, TODAY()) == [
        ("phq9", DueState.OVERDUE, started),
        ("gad7", DueState.DUE, gad7_due),
    ]
    labels = [d.label for d in schedule.due_for([episode], today=TODAY())[episode.pk]]
    assert labels == ["PHQ-9 overdue", "GAD-7 due"]


# --- Due soon ----------------------------------------------------------------------------------


def test_due_soon_is_shown_only_when_asked_within_14_days(episode, started):
    ask(episode, at_start=False, every_weeks=8)
    first = started + dt.timedelta(weeks=8)
    assert owes(episode, first - days(14)) == []
    assert owes(episode, first - days(14), include_soon=True) == [("phq9", DueState.SOON, first)]
    assert owes(episode, first - days(15), include_soon=True) == []
    soon = schedule.due_for([episode], today=first - days(1), include_soon=True)[episode.pk]
    assert [d.label for d in soon] == ["PHQ-9 due soon"]


# --- What is left out --------------------------------------------------------------------------


def test_nothing_is_due_in_an_ended_episode(episode):
    ask(episode)
    Episode.objects.filter(pk=episode.pk).update(ended_at=NOW, discharge_reason="02")
    episode.refresh_from_db()
    assert schedule.due_for([episode], today=TODAY()) == {}


def test_another_teams_schedule_and_a_measure_not_usable_here_are_left_out(episode):
    other = EpisodeFactory()
    ask(other, "phq9")
    ask(episode, "reqol10")  # no licensed wording loaded: it cannot be completed here
    assert schedule.due_for([episode], today=TODAY()) == {episode.pk: []}
    assert owes(other, TODAY()) != []


def test_due_for_takes_the_same_number_of_queries_for_1_and_30_episodes(episode, worker):
    ask(episode, every_weeks=4)
    ask(episode, "gad7", at_discharge=True, at_start=False)
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(50))

    def count(episodes: list[Episode]) -> tuple[int, dict[int, list[schedule.Due]]]:
        with CaptureQueriesContext(connection) as captured:
            found = schedule.due_for(episodes, today=TODAY())
        return len(captured), found

    one, _ = count([episode])
    many = [episode]
    for n in range(29):
        other = EpisodeFactory(lead_team=episode.lead_team, started_at=NOW - days(10 + n))
        if n % 3 == 0:
            answered(other, "phq9", PHQ9_MILD, by=worker, at=NOW - days(5))
        many.append(other)
    thirty, found = count(many)
    assert thirty == one == 3  # the measures in use, the schedules, the last responses
    assert len(found) == 30


# --- At discharge ------------------------------------------------------------------------------


def test_at_discharge_is_owed_unless_completed_within_the_grace_days(episode, worker):
    ask(episode, "phq9", at_start=False, at_discharge=True, grace_days=14)
    ask(episode, "gad7", at_start=True)  # not asked for at discharge
    assert [(d.measure, d.reason) for d in schedule.due_at_discharge(episode)] == [
        ("phq9", "at discharge")
    ]
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(20))
    assert [d.measure for d in schedule.due_at_discharge(episode, today=TODAY())] == ["phq9"]
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=NOW - days(10))
    assert schedule.due_at_discharge(episode, today=TODAY()) == []
    done_on = timezone.localdate(NOW - days(10))
    assert schedule.due_at_discharge(episode, today=done_on + days(14)) == []
    assert [d.title for d in schedule.due_at_discharge(episode, today=done_on + days(15))] == [
        "PHQ-9"
    ]
