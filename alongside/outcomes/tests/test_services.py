import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from alongside.care import services as care
from alongside.care.models import GoalRating
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import engine, registry, services
from alongside.outcomes.models import Mode, Response, Score, Status
from alongside.outcomes.tests.factories import PHQ9_MILD, answered, started

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return EpisodeFactory()


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


def test_the_shipped_measures_are_loaded_after_migrating():
    names = {q.name for q, _ in registry.usable()}
    assert {"dialog", "gbo", "phq9", "gad7"} <= names
    # ReQoL-10 ships without its licensed wording, so it cannot be completed yet.
    assert "reqol10" not in names
    assert registry.current("reqol10") is not None


def test_a_response_is_saved_part_way_then_completed_and_scored(episode, worker):
    response = started(episode, "phq9", by=worker)
    services.save_answers(response=response, answers={"1": "2", "2": "3"}, by=worker)
    response.refresh_from_db()
    assert response.answers == {"1": "2", "2": "3"} and response.status == Status.IN_PROGRESS
    with pytest.raises(engine.AnswerError) as refused:
        services.complete_response(response=response, by=worker)
    assert set(refused.value.by_item()) == {"3", "4", "5", "6", "7", "8", "9"}
    response.refresh_from_db()
    assert response.status == Status.IN_PROGRESS and not Score.objects.exists()
    rest = {str(n): "1" for n in range(3, 10)}
    done = services.complete_response(response=response, by=worker, answers=rest)
    score = Score.objects.get(response=done)
    assert (score.key, score.value, score.band, score.snomed) == (
        "total",
        Decimal(12),
        "Moderate",
        "720433000",
    )
    assert done.flags == ["self-harm-thoughts"]


def test_an_invalid_partial_answer_saves_nothing(episode, worker):
    response = started(episode, "phq9", by=worker)
    services.save_answers(response=response, answers={"1": "2"}, by=worker)
    with pytest.raises(engine.AnswerError):
        services.save_answers(response=response, answers={"2": "1", "3": "7"}, by=worker)
    response.refresh_from_db()
    assert response.answers == {"1": "2"}


def test_a_completed_response_is_never_edited(episode, worker):
    done = answered(episode, "phq9", PHQ9_MILD, by=worker)
    with pytest.raises(services.ResponseFinal):
        services.save_answers(response=done, answers={"1": "3"}, by=worker)
    done.answers = {**done.answers, "1": "3"}
    with pytest.raises(ProgrammingError, match="Cannot update"), transaction.atomic():
        done.save()  # the database refuses it too


def test_a_correction_keeps_the_history_and_retires_the_old_scores(episode, worker):
    first = answered(episode, "phq9", PHQ9_MILD, by=worker)
    with pytest.raises(ValidationError):
        services.start_correction(response=first, reason=" ", by=worker)
    correction = services.start_correction(
        response=first, reason="Question 2 was entered as 1, the person said 3", by=worker
    )
    assert correction.answers == first.answers and correction.corrects == first
    assert services.start_correction(response=first, reason="again", by=worker) == correction
    services.complete_response(response=correction, by=worker, answers={"2": "3"})
    scores = {s.response_id: (s.value, s.current) for s in Score.objects.all()}
    assert scores == {first.pk: (Decimal(7), False), correction.pk: (Decimal(9), True)}
    assert Response.objects.filter(pk=first.pk, status=Status.COMPLETED).exists()
    with pytest.raises(ValidationError):
        services.start_correction(response=first, reason="once more", by=worker)


def test_goal_based_outcomes_rate_the_plan_goals(episode, worker):
    goal = care.add_goal(episode=episode, text="Walk to the shops", by=worker)
    with pytest.raises(ValidationError):
        answered(episode, "gbo", {"goal-1": 4}, by=worker)
    other = care.add_goal(episode=EpisodeFactory(), text="Not theirs", by=worker)
    with pytest.raises(ValidationError):
        answered(episode, "gbo", {"goal-1": 4}, by=worker, goals={"goal-1": other})
    when = timezone.now() - dt.timedelta(days=3)
    done = answered(episode, "gbo", {"goal-1": 4}, by=worker, goals={"goal-1": goal}, at=when)
    rating = GoalRating.objects.get(goal=goal)
    assert (rating.score, rating.rated_at) == (4, when)
    assert {s.key: s.value for s in done.scores.all()} == {"goal-1": 4, "mean": 4}


def test_the_portal_mode_records_the_rating_as_the_persons(episode, worker):
    goal = care.add_goal(episode=episode, text="Sleep better", by=worker)
    answered(episode, "gbo", {"goal-1": 6}, by=worker, goals={"goal-1": goal}, mode=Mode.SELF)
    assert GoalRating.objects.get(goal=goal).rated_by == "person"


def test_the_prompt_is_acknowledged_once(episode, worker):
    done = answered(episode, "phq9", [*PHQ9_MILD[:8], "2"], by=worker)
    seen = services.acknowledge_prompt(response=done, by=worker)
    first_seen = seen.prompt_seen_at
    assert first_seen is not None and seen.prompt_seen_by == worker
    assert services.acknowledge_prompt(response=done, by=worker).prompt_seen_at == first_seen
    quiet = answered(episode, "phq9", PHQ9_MILD, by=worker)
    with pytest.raises(ValidationError):
        services.acknowledge_prompt(response=quiet, by=worker)


def test_a_measure_without_its_licensed_wording_cannot_be_started(episode, worker):
    with pytest.raises(ValidationError, match="licensed wording"):
        started(episode, "reqol10", by=worker)


def test_a_paper_form_date_must_be_within_the_episode(episode, worker):
    response = started(episode, "gad7", by=worker)
    answers = {str(n): "0" for n in range(1, 8)}
    for when in (timezone.now() + dt.timedelta(days=1), episode.started_at - dt.timedelta(days=1)):
        with pytest.raises(ValidationError):
            services.complete_response(
                response=response, by=worker, answers=answers, completed_at=when
            )


def test_measures_belong_to_an_open_episode(worker, episode):
    care.discharge_episode(episode=episode, reason="02", summary="Done", by=worker)
    episode.refresh_from_db()
    with pytest.raises(ValidationError, match="ended"):
        started(episode, "phq9", by=worker)


def test_scores_are_unique_per_response(episode, worker):
    done = answered(episode, "phq9", PHQ9_MILD, by=worker)
    score = done.scores.get()
    score.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        score.save()


def test_a_correction_keeps_the_original_time_and_replaces_its_goal_rating(episode, worker):
    goal = care.add_goal(episode=episode, text="Go swimming", by=worker)
    when = timezone.now() - dt.timedelta(days=10)
    original = answered(
        episode, "gbo", {"goal-1": 3}, by=worker, goals={"goal-1": goal}, at=when, mode=Mode.SELF
    )
    correction = services.start_correction(response=original, reason="It was 5", by=worker)
    correction = services.complete_response(response=correction, by=worker, answers={"goal-1": 5})
    assert correction.completed_at == when
    [rating] = GoalRating.objects.filter(goal=goal)
    assert (rating.score, rating.rated_at, rating.rated_by) == (5, when, "person")


def test_a_response_cannot_be_completed_after_its_episode_ended(episode, worker):
    response = started(episode, "gad7", by=worker)
    care.discharge_episode(episode=episode, reason="02", summary="Done", by=worker)
    answers = {str(n): "0" for n in range(1, 8)}
    with pytest.raises(ValidationError, match="ended"):
        services.complete_response(response=response, by=worker, answers=answers)
    # A paper form filled in before the discharge can still be entered.
    before = timezone.now() - dt.timedelta(days=1)
    done = services.complete_response(
        response=response, by=worker, answers=answers, completed_at=before
    )
    assert done.completed_at == before


def test_start_or_continue_goes_on_with_the_unfinished_response(episode, worker):
    phq9 = registry.current("phq9")
    first, new = services.start_or_continue(
        episode=episode, questionnaire=phq9, mode=Mode.SELF, by=worker
    )
    again, new_again = services.start_or_continue(
        episode=episode, questionnaire=phq9, mode=Mode.SELF, by=worker
    )
    assert (new, new_again, again) == (True, False, first)
    # A practitioner's response is not the person's to continue.
    theirs, started_now = services.start_or_continue(
        episode=episode, questionnaire=phq9, mode=Mode.WITH_PRACTITIONER, by=worker
    )
    assert started_now and theirs != first
