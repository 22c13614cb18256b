"""Reads for the outcomes pages: only the person's own responses, the episode a response or goal
goes in, and lists read in a fixed number of statements."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care import services as care
from alongside.care.models import Episode
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import presenters, queries, services
from alongside.outcomes.models import Mode
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, PHQ9_MILD, answered, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    episode = EpisodeFactory(started_at=timezone.now() - dt.timedelta(days=400))
    return Episode.objects.get(pk=episode.pk)


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_a_response_is_found_only_in_its_own_persons_record(episode, worker):
    done = answered(episode, "phq9", PHQ9_MILD, by=worker)
    other = EpisodeFactory()
    assert queries.response_of(episode.person, done.pk) == done
    assert queries.response_of(other.person, done.pk) is None
    assert queries.response_of(episode.person, done.pk + 1000) is None


def test_the_episode_a_response_goes_in_is_open_and_the_persons(episode, worker):
    ended = EpisodeFactory(person=episode.person, started_at=ago(900))
    Episode.objects.filter(pk=ended.pk).update(ended_at=ago(500), discharge_reason="02")
    episodes = queries.episodes(episode.person)
    assert [e.pk for e in episodes] == [episode.pk, ended.pk]
    assert queries.open_episode(episodes) == episode
    assert queries.open_episode(episodes, episode.pk) == episode
    assert queries.open_episode(episodes, str(episode.pk)) == episode
    assert queries.open_episode(episodes, ended.pk) is None
    assert queries.open_episode(episodes, EpisodeFactory().pk) is None
    assert queries.open_episode(episodes, "not a number") is None
    assert queries.shown_episode(episodes, None) == episode
    assert queries.shown_episode(episodes, ended.pk) == ended
    assert queries.shown_episode(episodes, "12345678") == episode


def test_responses_are_one_episodes_newest_first_with_their_scores(episode, worker):
    older = answered(episode, "phq9", PHQ9_MILD, by=worker, at=ago(30))
    newer = answered(episode, "dialog", DIALOG_MIDDLING, by=worker, at=ago(3), mode=Mode.SELF)
    open_one = started(episode, "gad7", by=worker)
    answered(EpisodeFactory(), "phq9", PHQ9_MILD, by=worker)  # someone else's
    found = queries.responses(episode)
    assert [r.pk for r in found] == [open_one.pk, newer.pk, older.pk]
    with CaptureQueriesContext(connection) as counted:
        read = [
            (
                [s.value for s in r.scores.all()],
                r.questionnaire.name,
                r.started_by,
                r.completed_by,
                r.prompt_seen_by,
                r.corrects,
            )
            for r in found
        ]
    assert len(counted) == 0 and len(read) == 3


def test_first_latest_and_change_come_from_current_scores_only(episode, worker):
    first = answered(episode, "phq9", ["3"] * 6 + ["0"] * 3, by=worker, at=ago(60))
    answered(episode, "phq9", ["1"] * 6 + ["0"] * 3, by=worker, at=ago(5))
    correction = services.start_correction(response=first, reason="Entered twice", by=worker)
    services.complete_response(
        response=correction, by=worker, answers={"1": "1"}, completed_at=first.completed_at
    )
    (measure,) = presenters.measure_histories(queries.responses(episode), episode.person)
    history = measure.histories[0]
    assert [e.score.value for e in history.entries] == [16, 6]
    assert all(e.score.current for e in history.entries)
    assert history.change.difference == "10 points lower"


def test_reading_a_person_page_is_a_fixed_number_of_statements(episode, worker):
    goal = care.add_goal(episode=episode, text="Sleep better", by=worker)
    person = episode.person

    def count() -> int:
        with CaptureQueriesContext(connection) as counted:
            presenters.outcomes_page(queries.responses(episode), person)
            queries.open_goals(episode)
        return len(counted)

    answered(episode, "gbo", {"goal-1": 3}, by=worker, goals={"goal-1": goal}, at=ago(50))
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=ago(40))
    few = count()
    for days in range(30, 0, -3):
        answered(episode, "phq9", PHQ9_MILD, by=worker, at=ago(days))
        answered(episode, "dialog", DIALOG_MIDDLING, by=worker, at=ago(days))
        answered(episode, "gbo", {"goal-1": 5}, by=worker, goals={"goal-1": goal}, at=ago(days))
    assert count() == few == 3
