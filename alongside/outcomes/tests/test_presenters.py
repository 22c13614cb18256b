"""What the outcomes pages say: first against latest, the change and whether it is reliable,
counted only from current scores (a corrected response is replaced by its correction); the
DIALOG domains side by side; the chart drawn from the same scores."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from alongside.care.models import Episode
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import presenters, queries, registry, services
from alongside.outcomes.charts import ScoreChart, number_text
from alongside.outcomes.engine import Change
from alongside.outcomes.models import Mode
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, answered, started

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


def phq9(total: int, q9: str = "0") -> list[str]:
    rest, answers = total - int(q9), []
    for _ in range(8):
        answers.append(str(min(3, rest)))
        rest -= min(3, rest)
    return [*answers, q9]


def histories(episode):
    return {
        h.name: h for h in presenters.measure_histories(queries.responses(episode), episode.person)
    }


def phq9_history(episode):
    return histories(episode)["phq9"].histories[0]


@pytest.mark.parametrize(
    ("first", "latest", "status", "difference"),
    [
        (18, 9, Change.IMPROVED, "9 points lower"),
        (9, 16, Change.DETERIORATED, "7 points higher"),
        (12, 8, Change.NO_RELIABLE_CHANGE, "4 points lower"),
        (12, 12, Change.NO_RELIABLE_CHANGE, "No change"),
        (12, 6, Change.IMPROVED, "6 points lower"),  # the threshold itself is reliable
    ],
)
def test_first_to_latest_and_whether_it_is_a_reliable_change(
    episode, worker, first, latest, status, difference
):
    answered(episode, "phq9", phq9(first), by=worker, at=ago(90))
    answered(episode, "phq9", phq9(15), by=worker, at=ago(60))  # in between: not compared
    answered(episode, "phq9", phq9(latest), by=worker, at=ago(5))
    change = phq9_history(episode).change
    assert change.status == status
    assert change.label == Change.LABELS[status]
    assert change.difference == difference
    assert change.first.startswith(f"{first} (")
    assert change.latest.startswith(f"{latest} (")
    assert change.threshold == "A change of 6 or more, lower being better, is a reliable change."


def test_only_current_scores_count_a_correction_replaces_the_original(episode, worker):
    original = answered(episode, "phq9", phq9(18), by=worker, at=ago(90))
    answered(episode, "phq9", phq9(13), by=worker, at=ago(5))
    assert phq9_history(episode).change.status == Change.NO_RELIABLE_CHANGE  # 18 to 13
    correction = services.start_correction(response=original, reason="Q1 was 0", by=worker)
    # While the correction is in progress, the original still counts.
    assert phq9_history(episode).change.first.startswith("18 ")
    services.complete_response(
        response=correction,
        by=worker,
        answers={"1": "0"},
        completed_at=original.completed_at,
    )
    history = phq9_history(episode)
    assert [e.response.pk for e in history.entries] == [
        correction.pk,
        history.entries[1].response.pk,
    ]
    assert original.pk not in [e.response.pk for e in history.entries]
    assert history.change.first.startswith("15 ")
    assert history.change.difference == "2 points lower"
    assert [row.note for row in history.rows] == ["", "Corrected entry"]
    assert histories(episode)["phq9"].completed == "Completed 2 times in this episode"


def test_a_single_score_says_so_and_has_no_change(episode, worker):
    answered(episode, "gad7", ["1"] * 7, by=worker, at=ago(3))
    history = histories(episode)["gad7"].histories[0]
    assert history.change is None
    assert history.only.startswith("One score so far: 7 (Mild) on ")
    assert history.heading == "GAD-7 total score"


def test_who_completed_each_response(episode, worker):
    answered(episode, "phq9", phq9(9), by=worker, at=ago(30))
    answered(episode, "phq9", phq9(8), by=worker, at=ago(3), mode=Mode.SELF)
    rows = phq9_history(episode).rows
    assert [r.who for r in rows] == [
        f"{episode.person.given_name}, in their portal",
        worker.display_name,
    ]
    assert [r.value for r in rows] == ["8", "9"] and [r.band for r in rows] == ["Mild", "Mild"]


def test_means_are_shown_without_trailing_zeros(episode, worker):
    answered(episode, "dialog", {**DIALOG_MIDDLING, "1": "5"}, by=worker, at=ago(30))
    answered(episode, "dialog", {**DIALOG_MIDDLING, "1": "7", "2": "7"}, by=worker, at=ago(3))
    history = histories(episode)["dialog"].histories[0]
    assert [r.value for r in history.rows] == ["4.75", "4.13"]
    assert history.change.difference == "0.62 points higher"
    assert history.change.status == Change.NO_RELIABLE_CHANGE
    assert history.heading == "DIALOG: subjective quality of life (mean of the 8 life domains)"


def test_dialog_domains_latest_beside_previous_with_more_help(episode, worker):
    answered(episode, "dialog", {**DIALOG_MIDDLING, "4": "5"}, by=worker, at=ago(30))
    answered(
        episode,
        "dialog",
        {**DIALOG_MIDDLING, "4": "2", "4-help": "yes", "6": "6"},
        by=worker,
        at=ago(3),
    )
    table = histories(episode)["dialog"].domains
    rows = {r.name: r for r in table.rows}
    assert len(rows) == 11
    assert list(rows)[:4] == ["Mental health", "Physical health", "Job situation", "Accommodation"]
    assert "Relationship with your partner or family" in rows
    assert "Practical help you receive" in rows
    home = rows["Accommodation"]
    assert (home.previous.value, home.latest.value, home.latest.text) == (5, 2, "Very dissatisfied")
    assert home.change == "−3 (worse)" and home.more_help
    assert home.goal_prefill == "Accommodation: "
    assert rows["Friendships"].change == "+2 (better)" and not rows["Friendships"].more_help
    assert rows["Medication"].change == "No change"
    assert [r.name for r in table.more_help] == ["Accommodation"]


def test_one_dialog_has_nothing_to_compare_with(episode, worker):
    answered(episode, "dialog", DIALOG_MIDDLING, by=worker, at=ago(3))
    table = histories(episode)["dialog"].domains
    assert table.previous_when == ""
    assert {r.change for r in table.rows} == {"Not rated before"}


def test_prompts_are_listed_until_seen_and_only_for_current_responses(episode, worker):
    flagged = answered(episode, "phq9", phq9(9, q9="1"), by=worker, at=ago(10))
    page = presenters.outcomes_page(queries.responses(episode), episode.person)
    assert [n.response_id for n in page.notices] == [flagged.pk]
    notice = page.notices[0]
    assert notice.flags[0].prompt.startswith("Talk with the person")
    assert notice.plan_href.endswith("/plan/#safety-plan")
    # Corrected to "not at all": the correction raises nothing, and the original is replaced.
    correction = services.start_correction(response=flagged, reason="Q9 was 0", by=worker)
    services.complete_response(
        response=correction, by=worker, answers={"9": "0"}, completed_at=flagged.completed_at
    )
    page = presenters.outcomes_page(queries.responses(episode), episode.person)
    assert page.notices == []


def test_responses_in_progress(episode, worker):
    response = started(episode, "phq9", by=worker)
    services.save_answers(response=response, answers={"1": "1"}, by=worker)
    page = presenters.outcomes_page(queries.responses(episode), episode.person)
    (row,) = page.in_progress
    assert row.title == "PHQ-9" and row.saved.startswith("1 answer saved, last on ")
    assert row.fill_href.endswith(f"/responses/{response.pk}/")
    assert page.measures == []


def test_the_response_page_shows_answers_in_words(episode, worker):
    done = answered(episode, "phq9", phq9(12, q9="1"), by=worker)
    shown = presenters.ResponsePresenter(
        queries.response_of(episode.person, done.pk), person=episode.person
    )
    answers = {a.question: a.answer for a in shown.answers}
    assert answers["1. Little interest or pleasure in doing things"] == "Nearly every day"
    assert answers["5. Poor appetite or overeating"] == "Not at all"
    assert shown.results[0].value == "12 (from 0 to 27)" and shown.results[0].band == "Moderate"
    assert shown.status["text"] == "Current"
    assert shown.notice is not None and shown.notice.seen == ""


def test_number_text():
    assert number_text(Decimal("12.0000"), 0) == "12"
    assert number_text(Decimal("4.2500"), 2) == "4.25"
    assert number_text(Decimal("4.5000"), 2) == "4.5"
    assert number_text(Decimal("4.0000"), 2) == "4"
    assert number_text(0.5, 1) == "0.5"


def test_the_chart_places_scores_by_date_within_the_scores_range(episode, worker):
    measure = registry.measure(registry.current("phq9"))
    rule = measure.score("total")
    start = timezone.now() - dt.timedelta(days=100)
    values = [
        (start, Decimal(27)),
        (start + dt.timedelta(days=25), Decimal(13)),
        (start + dt.timedelta(days=100), Decimal(0)),
    ]
    chart = ScoreChart(chart_id="c", rule=rule, title="PHQ-9 total score", values=values)
    top, middle, bottom = chart.points
    assert top.y == chart.TOP and bottom.y == chart.bottom
    assert top.x == chart.LEFT + chart.INSET and bottom.x == chart.right - chart.INSET
    assert middle.x == pytest.approx(top.x + (bottom.x - top.x) / 4, abs=0.1)
    assert [t.label for t in chart.y_ticks] == ["0", "5", "10", "15", "20", "25"]
    assert len(chart.x_ticks) == 2
    band = chart.band  # within 6 points of the first score (27): 21 to 27, clamped
    assert band.top == chart.TOP and band.top + band.height == pytest.approx(chart._y(21), abs=0.2)
    assert chart.description.startswith("3 scores, from 27 on ")
    assert "Lower scores are better" in chart.description


def test_a_long_chart_labels_years():
    measure = registry.measure(registry.current("dialog"))
    rule = measure.score("quality-of-life")
    start = timezone.now() - dt.timedelta(days=5 * 365)
    values = [(start + dt.timedelta(days=30 * n), Decimal(4)) for n in range(60)]
    chart = ScoreChart(chart_id="c", rule=rule, title="t", values=values)
    assert chart.spread_ticks and len(chart.x_ticks) in (4, 5)
    assert all(t.label.isdigit() for t in chart.x_ticks)
    assert [t.label for t in chart.y_ticks] == ["1", "2", "3", "4", "5", "6", "7"]
    assert chart.radius == 3
