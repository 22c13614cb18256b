"""CollaboRATE after each review of the plan: due from the day the person agrees the current
version of their plan, once for that version, only where the site has loaded its licensed
wording, for four weeks; answered through the ordinary response flow, which records the version
it is about."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care import services as care
from alongside.care.models import AgreementMethod, Episode
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.outcomes import registry, schedule, services
from alongside.outcomes.models import Mode, Response
from alongside.outcomes.schedule import AFTER_REVIEW, REVIEW_ASK_DAYS, DueState
from alongside.outcomes.tests.factories import (
    COLLABORATE_TOP,
    PHQ9_MILD,
    answered,
    load_collaborate_wording,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_plan_place()


def agree(place, *, on: dt.date | None = None) -> None:
    """Save a new version of the plan and record the person's agreement to it."""
    version = place.save(about_me=f"Version {Response.objects.count()}")
    care.record_plan_agreement(
        version=version,
        agreed_on=on or timezone.localdate(),
        method=AgreementMethod.SPOKEN,
        by=place.worker,
    )


def owed(episode: Episode, today: dt.date | None = None) -> list[schedule.Due]:
    return schedule.due_for([episode], today=today).get(episode.pk, [])


def test_nothing_is_due_until_the_site_loads_collaborates_wording(place):
    agree(place)
    assert owed(place.episode) == []
    assert schedule.version_to_ask_about(place.episode) is not None  # the review happened
    load_collaborate_wording()
    assert [d.measure for d in owed(place.episode)] == ["collaborate"]


def test_due_once_the_person_agrees_a_version_not_when_it_is_saved(place):
    load_collaborate_wording()
    place.save(about_me="A draft")
    assert owed(place.episode) == []
    version = place.save(about_me="Written together")
    today = timezone.localdate()
    care.record_plan_agreement(
        version=version, agreed_on=today, method=AgreementMethod.WRITTEN, by=place.worker
    )
    [due] = owed(place.episode)
    assert (due.measure, due.title, due.state, due.reason) == (
        "collaborate",
        "CollaboRATE",
        DueState.DUE,
        AFTER_REVIEW,
    )
    assert (due.due_on, due.until, due.plan_version) == (
        today,
        today + dt.timedelta(days=REVIEW_ASK_DAYS - 1),
        2,
    )


def test_answering_it_records_the_version_and_it_is_never_due_twice_for_that_version(place):
    load_collaborate_wording()
    agree(place)
    version = place.episode.plan.versions.get(number=1)
    response, _ = services.start_or_continue(
        episode=place.episode,
        questionnaire=registry.current("collaborate"),
        mode=Mode.SELF,
        by=place.worker,
    )
    assert response.plan_version == version
    assert owed(place.episode) != []  # started, not sent: still to do
    services.complete_response(response=response, by=place.worker, answers=COLLABORATE_TOP)
    assert owed(place.episode) == []
    scores = {s.key: int(s.value) for s in response.scores.all()}
    assert scores == {"total": 27, "top": 1}
    # Not again for version 1, however often the page is looked at, nor when a later version is
    # saved but not agreed yet.
    place.save(about_me="Changed, not agreed yet")
    assert owed(place.episode) == []
    assert owed(place.episode, timezone.localdate() + dt.timedelta(days=3)) == []
    # The next agreed version: due again, once.
    care.record_plan_agreement(
        version=place.episode.plan.versions.get(number=2),
        agreed_on=timezone.localdate(),
        method=AgreementMethod.SPOKEN,
        by=place.worker,
    )
    assert [d.plan_version for d in owed(place.episode)] == [2]


def test_a_correction_is_about_the_same_version_and_does_not_make_it_due_again(place):
    load_collaborate_wording()
    agree(place)
    first = answered(place.episode, "collaborate", COLLABORATE_TOP, by=place.worker)
    correction = services.start_correction(response=first, reason="Typed 9 for 7", by=place.worker)
    assert correction.plan_version_id == first.plan_version_id is not None
    services.complete_response(
        response=correction, by=place.worker, answers={"1": 7, "2": 9, "3": 9}
    )
    assert owed(place.episode) == []


def test_it_is_asked_for_four_weeks_after_the_agreement_and_never_overdue(place):
    load_collaborate_wording()
    agree(place)
    today = timezone.localdate()
    last = today + dt.timedelta(days=REVIEW_ASK_DAYS - 1)
    assert [d.state for d in owed(place.episode, last)] == [DueState.DUE]
    assert owed(place.episode, last + dt.timedelta(days=1)) == []


def test_a_response_started_before_a_later_review_is_about_the_latest_agreed_version(place):
    load_collaborate_wording()
    agree(place)
    response, _ = services.start_or_continue(
        episode=place.episode,
        questionnaire=registry.current("collaborate"),
        mode=Mode.SELF,
        by=place.worker,
    )
    agree(place)  # version 2, agreed before the person sends their answers
    services.complete_response(response=response, by=place.worker, answers=COLLABORATE_TOP)
    response.refresh_from_db()
    assert response.plan_version.number == 2
    assert owed(place.episode) == []


def test_a_team_that_also_schedules_collaborate_sees_it_once(place):
    load_collaborate_wording()
    services.save_schedule(
        team=place.episode.lead_team,
        measure="collaborate",
        at_start=True,
        every_weeks=None,
        at_discharge=False,
        grace_days=14,
        by=None,
    )
    agree(place)
    assert [(d.measure, d.reason) for d in owed(place.episode)] == [("collaborate", AFTER_REVIEW)]


def test_an_ended_episode_owes_nothing(place):
    load_collaborate_wording()
    agree(place)
    Episode.objects.filter(pk=place.episode.pk).update(
        ended_at=timezone.now(), discharge_reason="02"
    )
    place.episode.refresh_from_db()
    assert owed(place.episode) == []


def test_due_for_takes_one_more_query_with_collaborate_in_use_for_1_or_30_episodes(place):
    load_collaborate_wording()
    agree(place)
    answered(place.episode, "phq9", PHQ9_MILD, by=place.worker)

    def count(episodes: list[Episode]) -> tuple[int, dict]:
        with CaptureQueriesContext(connection) as captured:
            found = schedule.due_for(episodes)
        return len(captured), found

    one, _ = count([place.episode])
    many = [place.episode]
    with time_machine.travel(timezone.now() - dt.timedelta(days=2)):
        for n in range(29):
            episode = place.another_episode()
            many.append(episode)
            if n % 2:
                version = care.save_plan(
                    episode=episode, base_version=0, by=place.worker, about_me="Me"
                )
                care.record_plan_agreement(
                    version=version,
                    agreed_on=timezone.localdate(),
                    method=AgreementMethod.SPOKEN,
                    by=place.worker,
                )
    thirty, found = count(many)
    assert thirty == one
    assert sum(1 for owes in found.values() if owes) == 15
