"""The outcome measures section of the subject access export: every response of the person's,
with its answers, scores and rated goals, corrections beside what they corrected — and nobody
else's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alongside.care import services as care
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.outcomes import services
from alongside.outcomes.tests.factories import GAD7_MODERATE, PHQ9_MILD, answered, started
from alongside.sharing.subject_access import export

pytestmark = pytest.mark.django_db


def test_the_export_holds_each_response_with_its_answers_scores_and_goals():
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    goal = care.add_goal(episode=episode, text="Walk to the shops", by=worker)
    phq9 = answered(
        episode, "phq9", PHQ9_MILD, by=worker, at=timezone.now() - dt.timedelta(days=20)
    )
    correction = services.start_correction(response=phq9, reason="Item 2 misheard", by=worker)
    services.complete_response(response=correction, by=worker, answers={"2": "3"})
    gbo = answered(episode, "gbo", {"goal-1": 4}, by=worker, goals={"goal-1": goal})
    in_progress = started(episode, "gad7", by=worker)
    other = EpisodeFactory()
    theirs = answered(other, "gad7", GAD7_MODERATE, by=key_worker_for(other))

    document = export(episode.person)
    text = json.dumps(document)  # JSON-ready as it is: no default= needed

    rows = {r["id"]: r for r in document["outcome_measures"]}
    assert set(rows) == {phq9.pk, correction.pk, gbo.pk, in_progress.pk}
    assert theirs.pk not in rows

    first = rows[phq9.pk]
    assert first["measure"]["name"] == "phq9"
    assert first["status"] == {"code": "completed", "label": "Completed"}
    assert first["mode"]["code"] == "with_practitioner"
    assert first["answers"] == phq9.answers
    assert first["completed_by"] == worker.display_name
    assert {s["key"]: (s["value"], s["current"]) for s in first["scores"]}["total"] == (7, False)

    fixed = rows[correction.pk]
    assert fixed["corrects"] == phq9.pk and fixed["correction_reason"] == "Item 2 misheard"
    assert {s["key"]: (s["value"], s["current"]) for s in fixed["scores"]}["total"] == (9, True)
    total = next(s for s in first["scores"] if s["key"] == "total")
    assert isinstance(total["value"], int) and total["band"]

    goals = rows[gbo.pk]
    assert goals["goals_rated"] == [
        {"item": "goal-1", "goal": goal.pk, "goal_text": "Walk to the shops", "rating": 4}
    ]
    assert {s["key"]: s["value"] for s in goals["scores"]} == {"goal-1": 4, "mean": 4}

    waiting = rows[in_progress.pk]
    assert waiting["status"]["code"] == "in_progress" and waiting["completed_at"] is None
    assert waiting["scores"] == []

    assert json.loads(text) == document
    assert [r["id"] for r in export(other.person)["outcome_measures"]] == [theirs.pk]
