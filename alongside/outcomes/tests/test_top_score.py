"""A top score (CollaboRATE's: 1 when every answer is the highest) reads as Yes or No, on the
staff's response page and in the person's portal, never "0 out of 1"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alongside.outcomes import registry
from alongside.outcomes.models import Score
from alongside.outcomes.presenters import highest_answer, score_text
from alongside.outcomes.tests.factories import load_collaborate_wording
from alongside.portal.presenters import score_lines

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure():
    load_collaborate_wording()
    return registry.measure(registry.current("collaborate"))


def rule(measure, key: str):
    return next(r for r in measure.scores if r.id == key)


def test_the_top_score_is_yes_or_no_and_the_total_stays_a_number(measure):
    top = rule(measure, "top")
    assert score_text(Decimal(1), top) == "Yes"
    assert score_text(Decimal(0), top) == "No"
    assert score_text(Decimal(21), rule(measure, "total")) == "21"
    assert highest_answer(measure, top) == "9"


def test_the_portal_says_what_the_top_score_means(measure):
    lines = score_lines(measure, [Score(key="top", value=Decimal(0), band="")], {})
    [line] = lines
    assert (line.label, line.value) == ("Top score", "No")
    assert line.explained == ["Not every answer you gave was 9, the highest."]
    assert "out of" not in line.value
    [line] = score_lines(measure, [Score(key="top", value=Decimal(1), band="")], {})
    assert line.explained == ["Every answer you gave was 9, the highest."]
