"""Allocating a key worker who lacks a competency the episode needs warns, does not block, and
the warning is kept; one who holds it gets none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care import services as care_services
from alongside.care.models import Allocation, Intensity
from alongside.care.tests.factories import (
    EpisodeFactory,
    key_worker_for,
    practitioner_in,
    team_lead_of,
)
from alongside.organisations.models import TeamType
from alongside.workforce.models import AllocationWarning, EpisodeRequirement
from alongside.workforce.tests.factories import course, trained

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules():
    EpisodeRequirement.objects.create(course=course("safety-planning"), intensity=Intensity.HIGH)
    EpisodeRequirement.objects.create(
        course=course("trauma-informed-practice"), team_type=TeamType.PERSONALITY_DISORDER
    )


def allocate(episode, worker):
    return care_services.allocate_key_worker(
        episode=episode, key_worker=worker, by=team_lead_of(episode.lead_team), reason="First"
    )


def test_a_key_worker_without_the_course_is_allocated_with_a_warning_that_is_kept(rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    worker = practitioner_in(episode.lead_team, user__first_name="Ada", user__last_name="Lo")
    allocation = allocate(episode, worker)
    assert Allocation.objects.get(pk=allocation.pk).ended_at is None  # not blocked
    assert len(allocation.warnings) == 1
    assert allocation.warnings[0].startswith("Ada Lo has no record of Safety planning training")
    assert "episodes at high intensity" in allocation.warnings[0]
    kept = AllocationWarning.objects.get(allocation=allocation)
    assert kept.course.key == "safety-planning"
    assert kept.text == allocation.warnings[0]


def test_an_expired_completion_warns_with_its_date(rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    worker = practitioner_in(episode.lead_team)
    trained(worker, "safety-planning", dt.date(2020, 3, 1))  # expired 1 March 2022
    allocation = allocate(episode, worker)
    assert "training expired on 1 March 2022" in allocation.warnings[0]


def test_a_key_worker_with_the_course_gets_no_warning(rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    worker = practitioner_in(episode.lead_team)
    trained(worker, "safety-planning", timezone.localdate() - dt.timedelta(days=30))
    allocation = allocate(episode, worker)
    assert allocation.warnings == []
    assert not AllocationWarning.objects.exists()


def test_rules_match_on_intensity_and_team_type(rules):
    medium = EpisodeFactory(intensity=Intensity.MEDIUM)
    assert allocate(medium, practitioner_in(medium.lead_team)).warnings == []
    pd = EpisodeFactory(
        intensity=Intensity.HIGH, lead_team__team_type=TeamType.PERSONALITY_DISORDER
    )
    warnings = allocate(pd, practitioner_in(pd.lead_team)).warnings
    assert len(warnings) == 2


def test_the_reallocation_page_shows_the_warning(client, rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    first = key_worker_for(episode)
    second = practitioner_in(episode.lead_team, user__first_name="Bea", user__last_name="Ng")
    membership = second.memberships.get()
    client.force_login(first)
    url = reverse("care:reallocate", kwargs={"person_id": episode.person_id})
    response = client.post(
        url, {"key_worker": membership.pk, "reason": "Caseload balancing"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Key worker allocated" in body
    assert "Bea Ng has no record of Safety planning training" in body
    assert AllocationWarning.objects.filter(allocation__key_worker=second).count() == 1


def test_the_team_caseloads_page_shows_the_warning(client, rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    key_worker_for(episode)
    lead = team_lead_of(episode.lead_team)
    second = practitioner_in(episode.lead_team, user__first_name="Cy", user__last_name="Oh")
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": episode.lead_team_id})
    response = client.post(
        url,
        {
            "episode": episode.pk,
            "key_worker": second.memberships.get().pk,
            "reason": "Caseload balancing",
        },
        follow=True,
    )
    body = response.content.decode()
    assert "Cy Oh is now the key worker" in body
    assert "Cy Oh has no record of Safety planning training" in body
