"""CollaboRATE in the person's portal after each review of their plan: offered once they agree a
version (where the site has loaded its licensed wording), answered one question a page like any
other questionnaire, and not offered again for that version."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import CarePlanVersion
from alongside.outcomes.models import Response, Status
from alongside.outcomes.schedule import REVIEW_ASK_DAYS
from alongside.outcomes.tests.factories import load_collaborate_wording
from alongside.portal.tests.factories import agree, person_in_care

pytestmark = pytest.mark.django_db

MEASURES = reverse("portal:measures")
START = reverse("portal:measure-start")


@pytest.fixture
def scene(client):
    scene = person_in_care("A")
    client.force_login(scene.user)
    return scene


def text(response) -> str:
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")


def test_not_offered_without_the_licensed_wording_even_after_a_review(client, scene):
    agree(scene)
    assert "CollaboRATE" not in text(client.get(MEASURES))
    assert "CollaboRATE" not in text(client.get(reverse("portal:home")))
    response = client.post(START, {"measure": "collaborate"})
    assert response.status_code == 200
    assert not Response.objects.filter(questionnaire__name="collaborate").exists()


def test_not_offered_before_the_person_agrees_their_plan(client, scene):
    load_collaborate_wording()
    assert "CollaboRATE" not in text(client.get(MEASURES))
    client.post(START, {"measure": "collaborate"})
    assert not Response.objects.filter(questionnaire__name="collaborate").exists()


def test_offered_after_the_review_answered_once_and_not_offered_again(client, scene):
    load_collaborate_wording()
    agree(scene)
    today = timezone.localdate()
    last = today + dt.timedelta(days=REVIEW_ASK_DAYS - 1)
    page = text(client.get(MEASURES))
    assert "CollaboRATE" in page
    assert f"Please fill this in by {last.day} {last:%B %Y}." in page
    assert f"You agreed your plan on {today.day} {today:%B %Y}." in page
    assert "This asks how much you were involved in making it" in page
    home = text(client.get(reverse("portal:home")))
    assert f"CollaboRATE: please fill this in by {last.day} {last:%B %Y}" in home

    start = client.get(START, {"measure": "collaborate"})
    assert "There are 3 questions, one on each page" in text(start)
    reply = client.post(START, {"measure": "collaborate"})
    assert reply.status_code == 302
    response = Response.objects.get(questionnaire__name="collaborate")
    assert response.plan_version == scene.version
    for n in (1, 2, 3):
        question = reverse(
            "portal:measure-question", kwargs={"response_id": response.pk, "number": n}
        )
        assert f"Test question {n}: how much effort was made?" in text(client.get(question))
        assert client.post(question, {f"q-{n}": "8"}).status_code == 302
    check = reverse("portal:measure-check", kwargs={"response_id": response.pk})
    assert client.post(check).status_code == 302
    response.refresh_from_db()
    assert response.status == Status.COMPLETED
    assert {s.key: int(s.value) for s in response.scores.all()} == {"total": 24, "top": 0}

    page = text(client.get(MEASURES))
    assert "Please fill this in by" not in page
    assert "Fill in CollaboRATE" not in page
    assert "CollaboRATE" not in text(client.get(reverse("portal:home")))
    client.post(START, {"measure": "collaborate"})
    assert Response.objects.filter(questionnaire__name="collaborate").count() == 1


def test_no_longer_asked_four_weeks_after_the_review(client, scene):
    load_collaborate_wording()
    CarePlanVersion.objects.filter(pk=scene.version.pk).update(
        created_at=timezone.now() - dt.timedelta(days=40)
    )
    agree(scene, on=timezone.localdate() - dt.timedelta(days=REVIEW_ASK_DAYS))
    assert "CollaboRATE" not in text(client.get(MEASURES))
