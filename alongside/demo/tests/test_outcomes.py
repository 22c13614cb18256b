"""The demo's outcome measures: schedules, responses scored by the engine, Goal Based Outcomes
made of the goal ratings, a few in progress and a few corrected.

The tests share one small place, built once for the module (and flushed after it).
"""

import datetime as dt
import json
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Q

from alongside.care.models import DIRECT_MODES, Contact, Episode, GoalRating, Outcome, RatedBy
from alongside.demo.generator import flush, generate
from alongside.demo.outcomes import DIALOG, GAD7, GBO, PHQ9
from alongside.demo.tests.pinned import AS_OF, NOW
from alongside.organisations.models import Team, TeamType
from alongside.outcomes import engine, registry
from alongside.outcomes.models import (
    MeasureSchedule,
    Mode,
    Response,
    ResponseGoal,
    Score,
    Status,
)

SMALL = 400
SEED = 7


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = generate(SEED, SMALL, as_of=AS_OF)
        try:
            yield counts
        finally:
            flush()


def completed(name: str | None = None):
    responses = Response.objects.filter(status=Status.COMPLETED)
    return responses.filter(questionnaire__name=name) if name else responses


def first_and_latest(measure: str, key: str) -> list[tuple[float, float]]:
    """Each episode's first and latest current score, where it has two or more."""
    values: dict[int, list[float]] = defaultdict(list)
    for episode_id, value in (
        Score.objects.filter(measure=measure, key=key, current=True)
        .order_by("completed_at", "id")
        .values_list("episode_id", "value")
    ):
        values[episode_id].append(float(value))
    return [(v[0], v[-1]) for v in values.values() if len(v) > 1]


def snapshot() -> dict[str, list]:
    """The stage's rows, without ids (they differ from load to load)."""
    reference = "episode__referral__reference"
    return {
        "schedules": sorted(
            MeasureSchedule.objects.values_list(
                "team__name", "measure", "at_start", "every_weeks", "at_discharge"
            )
        ),
        "responses": sorted(
            (*row[:-1], json.dumps(row[-1], sort_keys=True))
            for row in Response.objects.values_list(
                reference,
                "questionnaire__name",
                "status",
                "mode",
                "started_at",
                "completed_at",
                "completed_by__username",
                "flags",
                "more_help",
                "prompt_seen_at",
                "correction_reason",
                "corrects__completed_at",
                "answers",
            )
        ),
        "scores": sorted(
            Score.objects.values_list(
                f"response__{reference}", "measure", "key", "value", "completed_at", "current"
            )
        ),
        "goals": sorted(
            ResponseGoal.objects.values_list(
                f"response__{reference}",
                "link_id",
                "goal__text",
                "rating__score",
                "rating__rated_at",
            )
        ),
    }


@pytest.mark.django_db
def test_the_stage_writes_schedules_responses_and_scores(place):
    # CollaboRATE after plan reviews is the co-production stage's (its own counts).
    outcomes = Response.objects.exclude(questionnaire__name="collaborate")
    assert place["responses"] == outcomes.count() > 0
    assert place["scores"] == Score.objects.exclude(measure="collaborate").count()
    assert place["scores"] > place["responses"]
    assert place["response_goals"] == ResponseGoal.objects.count() > 0
    assert place["measure_schedules"] == MeasureSchedule.objects.count()
    schedules = defaultdict(dict)
    for s in MeasureSchedule.objects.select_related("team"):
        schedules[s.team][s.measure] = s
    leading = Team.objects.filter(episodes__isnull=False).distinct()
    assert leading and all(team in schedules for team in leading)
    for team, measures in schedules.items():
        dialog = measures[DIALOG]
        assert dialog.at_start and dialog.every_weeks == 12 and dialog.at_discharge
        assert measures[GBO].every_weeks == 12
        symptoms = team.team_type in (
            TeamType.COMMUNITY_MENTAL_HEALTH,
            TeamType.PRIMARY_CARE_MENTAL_HEALTH,
            TeamType.PSYCHOLOGICAL_THERAPY,
        )
        assert (PHQ9 in measures) == (GAD7 in measures) == symptoms, team
    # Responses only to measures the episode's team asks for (CollaboRATE follows a plan
    # review, not the team's schedule).
    for team_id, name in (
        Response.objects.exclude(questionnaire__name="collaborate")
        .values_list("episode__lead_team_id", "questionnaire__name")
        .distinct()
    ):
        assert name in {s.measure for s in MeasureSchedule.objects.filter(team_id=team_id)}


@pytest.mark.django_db
def test_every_row_is_what_the_models_would_accept(place):
    for model in (Response, Score, ResponseGoal, MeasureSchedule):
        for row in model.objects.order_by("?")[:60]:
            row.full_clean()
    assert not Response.objects.filter(
        Q(status=Status.COMPLETED, completed_by__isnull=True)
        | Q(status=Status.IN_PROGRESS, completed_by__isnull=False)
    ).exists()


@pytest.mark.django_db
def test_responses_are_completed_inside_their_episode(place):
    responses = Response.objects.select_related("episode", "contact")
    for r in responses:
        episode = r.episode
        assert r.person_id == episode.person_id
        assert episode.started_at <= r.started_at <= r.updated_at < NOW
        if r.completed_at is not None:
            assert r.started_at <= r.completed_at < min(episode.ended_at or NOW, NOW)
            assert r.completed_at == r.updated_at
        if r.contact is not None:
            assert r.contact.episode_id == episode.pk
            assert r.contact.outcome == Outcome.ATTENDED and r.contact.mode in DIRECT_MODES
            assert r.contact.starts_at <= r.started_at
    for s in Score.objects.select_related("response"):
        assert s.completed_at == s.response.completed_at
        assert (s.episode_id, s.person_id) == (s.response.episode_id, s.response.person_id)


@pytest.mark.django_db
def test_most_episodes_have_a_baseline_and_about_half_a_pair(place):
    first_contact: dict[int, dt.datetime] = {}
    for episode_id, at in (
        Contact.objects.filter(outcome=Outcome.ATTENDED, mode__in=DIRECT_MODES)
        .order_by("starts_at", "id")
        .values_list("episode_id", "starts_at")
    ):
        first_contact.setdefault(episode_id, at)
    dialogs: dict[int, list[dt.datetime]] = defaultdict(list)
    for episode_id, at in (
        completed(DIALOG)
        .filter(corrects__isnull=True)
        .order_by("completed_at")
        .values_list("episode_id", "completed_at")
    ):
        dialogs[episode_id].append(at)
    baseline = [
        pk
        for pk, at in first_contact.items()
        if pk in dialogs and dialogs[pk][0] < at + dt.timedelta(days=1)
    ]
    assert 0.7 <= len(baseline) / len(first_contact) <= 0.9
    episodes = {e.pk: e for e in Episode.objects.all()}
    long_enough = [
        pk
        for pk, times in dialogs.items()
        if (min(episodes[pk].ended_at or NOW, NOW) - times[0]).days >= 84
    ]
    paired = [pk for pk in long_enough if len(dialogs[pk]) > 1]
    assert 0.35 <= len(paired) / len(long_enough) <= 0.7
    # Symptom measures in their teams' episodes, and goal ratings where there are goals.
    assert completed(PHQ9).count() > 0.5 * completed(DIALOG).count()
    assert completed(GAD7).count() > 0.5 * completed(PHQ9).count()
    assert completed(GBO).count() > 0.4 * completed(DIALOG).count()


@pytest.mark.django_db
def test_scores_improve_on_average_and_some_people_get_worse(place):
    quality = first_and_latest(DIALOG, "quality-of-life")
    assert 0.45 <= statistics.mean(b - a for a, b in quality) <= 1.0
    assert any(b < a for a, b in quality)
    for name in (PHQ9, GAD7):
        totals = first_and_latest(name, "total")
        change = [b - a for a, b in totals]
        assert -5.5 <= statistics.mean(change) <= -2.5, name
        assert 0.05 <= sum(c > 0 for c in change) / len(change) <= 0.35, name
        assert statistics.stdev(change) > 2.5
    goals = first_and_latest(GBO, "mean")
    assert statistics.mean(b - a for a, b in goals) > 1


@pytest.mark.django_db
def test_a_sample_rescored_by_the_engine_gives_the_stored_scores(place):
    sample = completed().select_related("questionnaire").prefetch_related("scores")
    for response in sample.order_by("?")[:150]:
        measure = registry.measure(response.questionnaire)
        result = engine.score(measure, response.answers)
        assert result.answers == response.answers
        expected = {
            s.id: (s.value, s.band, s.rule.code, s.rule.change)
            for s in result.scores
            if s.value is not None
        }
        stored = {s.key: (s.value, s.band, s.snomed, s.in_change) for s in response.scores.all()}
        assert stored == expected
        assert response.flags == [f.id for f in result.flags]
        assert response.more_help == list(result.more_help)


@pytest.mark.django_db
def test_every_score_is_within_its_measures_range(place):
    measures = {
        name: registry.measure(registry.current(name))
        for name in (DIALOG, PHQ9, GAD7, GBO, "collaborate")
    }
    ranges = {name: engine.value_range(m) for name, m in measures.items()}
    counts = Counter()
    for measure, key, value in Score.objects.values_list("measure", "key", "value"):
        low, high = ranges[measure][key]
        assert Decimal(str(low)) <= value <= Decimal(str(high)), (measure, key, value)
        counts[measure, key] += 1
    assert {(DIALOG, "quality-of-life"), (PHQ9, "total"), (GAD7, "total"), (GBO, "mean")} <= set(
        counts
    )
    assert not Response.objects.filter(status=Status.IN_PROGRESS, scores__isnull=False).exists()


@pytest.mark.django_db
def test_self_harm_answers_raise_the_flag_and_most_are_acknowledged(place):
    phq9 = list(completed(PHQ9))
    flagged = [r for r in phq9 if r.flags]
    assert all((r.answers["9"] != "0") == bool(r.flags) for r in phq9)
    assert all(r.flags == ["self-harm-thoughts"] for r in flagged)
    assert 0.02 <= len(flagged) / len(phq9) <= 0.15
    seen = [r for r in flagged if r.prompt_seen_at]
    assert len(seen) >= 0.75 * len(flagged)
    for r in seen:
        assert r.prompt_seen_by_id and r.completed_at < r.prompt_seen_at < NOW
    assert not Response.objects.filter(flags=[], prompt_seen_at__isnull=False).exists()


@pytest.mark.django_db
def test_more_help_goes_with_the_lowest_rated_life_domains(place):
    with_help, without = [], []
    for r in completed(DIALOG):
        for domain in map(str, range(1, 9)):
            (with_help if domain in r.more_help else without).append(int(r.answers[domain]))
        assert all(r.answers[f"{d}-help"] is True for d in r.more_help)
    assert with_help and max(with_help) <= 4
    assert statistics.mean(with_help) + 1 < statistics.mean(without)
    share = completed(DIALOG).exclude(more_help=[]).count() / completed(DIALOG).count()
    assert 0.5 <= share <= 0.95


@pytest.mark.django_db
def test_goal_based_outcomes_are_the_goal_ratings_given_together(place):
    links = defaultdict(list)
    for link in ResponseGoal.objects.select_related("goal", "rating", "response"):
        links[link.response].append(link)
    assert completed(GBO).count() == len(links)
    goal_for: dict[tuple[int, str], int] = {}
    for response, rated in links.items():
        assert "goal-1" in {link.link_id for link in rated}
        assert response.answers == {link.link_id: link.rating.score for link in rated}
        rated_by = RatedBy.PERSON if response.mode == Mode.SELF else RatedBy.WITH_WORKER
        for link in rated:
            assert link.goal.episode_id == response.episode_id
            assert link.rating.goal_id == link.goal_id
            assert link.rating.rated_at == response.completed_at
            assert link.rating.rated_by == rated_by
            assert link.rating.recorded_by_id == response.completed_by_id
            assert link.goal.ended_at is None or link.goal.ended_at > response.completed_at
            # The same goal is the same item in every response of the episode.
            assert goal_for.setdefault((response.episode_id, link.link_id), link.goal_id) == (
                link.goal_id
            )
    # Most goal ratings stay ratings of their own (given on the goals page).
    assert ResponseGoal.objects.count() < 0.6 * GoalRating.objects.count()


@pytest.mark.django_db
def test_the_portal_person_fills_in_some_measures_themselves(place):
    self_filled = list(Response.objects.filter(mode=Mode.SELF).select_related("person"))
    assert self_filled
    for r in self_filled:
        assert r.person.user_id and r.completed_by_id == r.started_by_id == r.person.user_id
        assert r.contact_id is None or r.questionnaire.name == GBO
    assert not Response.objects.filter(mode=Mode.SELF, person__user__isnull=True).exists()


@pytest.mark.django_db
def test_corrections_keep_the_history(place):
    corrections = list(Response.objects.filter(corrects__isnull=False).select_related("corrects"))
    assert corrections
    for correction in corrections:
        original = correction.corrects
        assert original.status == correction.status == Status.COMPLETED
        assert original.questionnaire_id == correction.questionnaire_id
        assert original.episode_id == correction.episode_id
        assert original.completed_at < correction.completed_at
        assert correction.correction_reason
        changed = [k for k in original.answers if original.answers[k] != correction.answers[k]]
        assert len(changed) == 1 and set(original.answers) == set(correction.answers)
        assert original.scores.exists() and not original.scores.filter(current=True).exists()
        assert correction.scores.exists() and not correction.scores.filter(current=False).exists()
    assert Score.objects.filter(current=False).count() == sum(
        c.corrects.scores.count() for c in corrections
    )
    assert len({c.corrects_id for c in corrections}) == len(corrections)


@pytest.mark.django_db
def test_a_handful_are_still_in_progress(place):
    waiting = list(
        Response.objects.filter(status=Status.IN_PROGRESS).select_related("questionnaire")
    )
    assert 1 <= len(waiting) <= 0.05 * Response.objects.count()
    for r in waiting:
        assert r.completed_at is None and r.episode.ended_at is None
        assert r.started_at >= NOW - dt.timedelta(days=16)
        measure = registry.measure(r.questionnaire)
        assert engine.clean_answers(measure, r.answers, complete=False) == r.answers
        with pytest.raises(engine.AnswerError):
            engine.clean_answers(measure, r.answers, complete=True)


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_outcomes_and_flush_removes_them(place):
    first = snapshot()
    flush()
    for model in (Response, Score, ResponseGoal, MeasureSchedule):
        assert not model.objects.exists(), model
    generate(SEED, SMALL, as_of=AS_OF)
    assert snapshot() == first
