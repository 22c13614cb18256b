"""Goals in the person's own words, and their Goal Based Outcomes ratings from 0 to 10: the
boundaries, refusals that save nothing, and the chart drawn from the ratings."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alongside.care import services
from alongside.care.models import Goal, GoalRating, RatedBy
from alongside.care.plan_forms import GoalForm, RateGoalForm
from alongside.care.plan_presenters import GoalChart, GoalPresenter
from alongside.care.tests.plan_fixtures import make_plan_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_plan_place()


@pytest.fixture
def goal(place):
    return services.add_goal(
        episode=place.episode, text="Go to the shops on my own", by=place.worker
    )


def rate(place, goal, score):
    return services.rate_goal(goal=goal, score=score, by=place.worker, rated_by=RatedBy.WITH_WORKER)


def test_a_goal_in_the_persons_words_with_a_first_rating(place):
    goal = services.add_goal(
        episode=place.episode, text="  Sleep through the night  ", by=place.worker, first_rating=2
    )
    assert goal.text == "Sleep through the night"
    assert [(r.score, r.rated_by) for r in goal.ratings.all()] == [(2, RatedBy.WITH_WORKER)]


def test_a_goal_needs_words(place):
    with pytest.raises(ValidationError) as refused:
        services.add_goal(episode=place.episode, text="   ", by=place.worker)
    assert refused.value.message_dict == {"text": ["Write the goal in the person's own words"]}
    assert not Goal.objects.exists()


@pytest.mark.parametrize("score", [0, 10])
def test_ratings_from_0_to_10_are_kept(place, goal, score):
    assert rate(place, goal, score).score == score


@pytest.mark.parametrize("score", [-1, 11, None])
def test_ratings_outside_0_to_10_or_blank_are_refused(place, goal, score):
    with pytest.raises(ValidationError) as refused:
        rate(place, goal, score)
    assert refused.value.message_dict == {"score": ["Choose a number from 0 to 10"]}
    assert not GoalRating.objects.exists()


def test_a_bad_first_rating_saves_no_goal(place):
    with pytest.raises(ValidationError):
        services.add_goal(episode=place.episode, text="Get a job", by=place.worker, first_rating=11)
    assert not Goal.objects.exists()
    assert not GoalRating.objects.exists()


def test_the_database_refuses_a_rating_outside_0_to_10(place, goal):
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalRating.objects.create(
            goal=goal, score=11, rated_by=RatedBy.WITH_WORKER, recorded_by=place.worker
        )


def test_an_ended_goal_keeps_its_ratings_and_takes_no_more(place, goal):
    rate(place, goal, 4)
    with pytest.raises(ValidationError) as no_reason:
        services.end_goal(goal=goal, because=" ", by=place.worker)
    assert "because" in no_reason.value.message_dict
    ended = services.end_goal(goal=goal, because="Reached", by=place.worker)
    assert ended.ended_at is not None
    with pytest.raises(ValidationError, match="has ended"):
        rate(place, ended, 8)
    with pytest.raises(ValidationError, match="already ended"):
        services.end_goal(goal=ended, because="Again", by=place.worker)
    assert [r.score for r in ended.ratings.all()] == [4]


@pytest.mark.parametrize(
    ("given", "expected"),
    [("-1", None), ("0", 0), ("10", 10), ("11", None), ("", None), ("five", None)],
)
def test_the_rating_form_takes_0_to_10_only(place, goal, given, expected):
    form = RateGoalForm(
        {"goal": str(goal.pk), "score": given}, goals=place.episode.goals.all(), fixed=True
    )
    assert form.is_valid() == (expected is not None)
    if expected is None:
        assert form.errors["score"] == ["Choose a number from 0 to 10"]
    else:
        assert form.cleaned_data["score"] == expected


def test_the_first_rating_of_a_new_goal_is_optional_but_checked():
    assert GoalForm({"text": "Cook a meal"}).is_valid()
    zero = GoalForm({"text": "Cook a meal", "first_rating": "0"})
    assert zero.is_valid()
    assert zero.cleaned_data["first_rating"] == 0
    bad = GoalForm({"text": "Cook a meal", "first_rating": "11"})
    assert bad.errors == {"first_rating": ["Choose a number from 0 to 10"]}


def test_the_rating_form_offers_only_this_episodes_open_goals(place, goal):
    other = place.another_episode()
    theirs = services.add_goal(episode=other, text="Someone else's goal", by=place.worker)
    form = RateGoalForm(
        {"goal": str(theirs.pk), "score": "5"}, goals=place.episode.goals.all(), fixed=False
    )
    assert form.errors["goal"] == ["Choose one of the person's current goals"]


# --- The chart ---------------------------------------------------------------------------------


def test_the_chart_puts_10_at_the_top_and_0_at_the_bottom(place, goal):
    for score in (0, 5, 10):
        rate(place, goal, score)
    chart = GoalChart(goal, list(goal.ratings.all()))
    points = chart.points
    assert [p.score for p in points] == [0, 5, 10]
    assert points[0].y == chart.bottom  # 0 on the axis
    assert points[2].y == chart.TOP  # 10 at the top
    assert points[0].x < points[1].x < points[2].x
    assert chart.line == " ".join(f"{p.x},{p.y}" for p in points)
    assert chart.description.startswith("3 ratings, from 0 out of 10 on ")
    assert "to 10 out of 10 on" in chart.description


def test_a_single_rating_is_one_point_in_the_middle(place, goal):
    rate(place, goal, 7)
    chart = GoalChart(goal, list(goal.ratings.all()))
    (point,) = chart.points
    assert point.x == chart.LEFT + chart.plot_width / 2
    assert chart.description.startswith("One rating: 7 out of 10 on")
    assert len(chart.x_ticks) == 1


def test_the_goal_presenter_shows_the_latest_rating(place, goal):
    presenter = GoalPresenter(goal, person_id=place.person.pk)
    assert presenter.latest == "Not rated yet"
    rate(place, goal, 3)
    rate(place, goal, 6)
    presenter = GoalPresenter(Goal.objects.get(pk=goal.pk), person_id=place.person.pk)
    assert presenter.latest.startswith("6 out of 10 on ")
    assert [r.score for r in presenter.rows] == [3, 6]
    assert presenter.rate_href.endswith(f"/goals/rate/?goal={goal.pk}")
