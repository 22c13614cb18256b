"""The episode of care: key worker allocation and intensity, each with its history kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alongside.care import queries, services
from alongside.care.models import Allocation, Episode, Intensity, IntensityChange
from alongside.care.tests.factories import (
    EpisodeFactory,
    allocate,
    key_worker_for,
    practitioner_in,
    team_lead_of,
)
from alongside.organisations.tests.factories import TeamFactory
from alongside.sharing.models import AccessEvent, Action, Part

pytestmark = pytest.mark.django_db


def test_the_factory_opens_an_episode_from_an_accepted_referral():
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    assert episode.referral.person_id == episode.person_id
    assert episode.referral.accepted_team_id == episode.lead_team_id
    assert queries.current_key_worker(episode) == worker


# --- Allocation --------------------------------------------------------------------------------


def test_reallocation_ends_the_old_allocation_and_keeps_it_with_its_reason():
    episode = EpisodeFactory()
    first = key_worker_for(episode)
    second = practitioner_in(episode.lead_team)
    lead = team_lead_of(episode.lead_team)
    services.allocate_key_worker(
        episode=episode, key_worker=second, by=lead, reason="Caseload balancing"
    )
    history = list(queries.allocation_history(episode))
    assert [a.key_worker for a in history] == [first, second]
    assert history[0].ended_at is not None
    assert history[1].ended_at is None
    assert history[1].reason == "Caseload balancing"
    assert history[1].allocated_by == lead
    assert queries.current_key_worker(episode) == second


def test_reallocation_needs_a_reason_and_a_different_worker():
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    with pytest.raises(ValidationError) as error:
        services.allocate_key_worker(episode=episode, key_worker=worker, by=worker, reason=" ")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.allocate_key_worker(episode=episode, key_worker=worker, by=worker, reason="Again")
    assert "key_worker" in error.value.message_dict
    assert Allocation.objects.filter(episode=episode).count() == 1


def test_the_reallocation_page_changes_the_key_worker_and_shows_the_history(client):
    episode = EpisodeFactory()
    first = key_worker_for(episode, user__first_name="Ada", user__last_name="First")
    second = practitioner_in(episode.lead_team, user__first_name="Bea", user__last_name="Second")
    lead = team_lead_of(episode.lead_team)
    client.force_login(lead)
    url = reverse("care:reallocate", kwargs={"person_id": episode.person_id})
    membership = second.memberships.get()
    response = client.post(url, {"key_worker": membership.pk, "reason": "Ada is on leave"})
    assert response.status_code == 302, response.content.decode()
    page = client.get(reverse("care:episode", kwargs={"person_id": episode.person_id}))
    history = page.content.decode().split(">Key worker</h2>")[1]
    assert history.index("Ada First") < history.index("Bea Second")
    assert "Ada is on leave" in history
    assert queries.current_key_worker(episode) == second
    assert first.allocations.get().ended_at is not None
    change = AccessEvent.objects.filter(user=lead, action=Action.CHANGE).get()
    assert (change.person_id, change.part) == (episode.person_id, Part.CONTACTS)


def test_the_reallocation_page_refuses_someone_outside_the_teams(client):
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    stranger = practitioner_in(TeamFactory())
    client.force_login(worker)
    url = reverse("care:reallocate", kwargs={"person_id": episode.person_id})
    response = client.post(url, {"key_worker": stranger.memberships.get().pk, "reason": "Tampered"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert queries.current_key_worker(episode) == worker


def test_an_episode_waiting_allocation_is_allocated_from_its_page(client):
    episode = EpisodeFactory()
    worker = practitioner_in(episode.lead_team)
    lead = team_lead_of(episode.lead_team)
    client.force_login(lead)
    url = reverse("care:reallocate", kwargs={"person_id": episode.person_id})
    assert "Allocate a key worker" in client.get(url).content.decode()
    client.post(url, {"key_worker": worker.memberships.get().pk, "reason": "First allocation"})
    assert queries.current_key_worker(episode) == worker


# --- Intensity ---------------------------------------------------------------------------------


def test_stepping_up_and_down_keeps_each_change_dated_with_its_reason():
    episode = EpisodeFactory(intensity=Intensity.MEDIUM)
    worker = key_worker_for(episode)
    services.change_intensity(
        episode=episode, intensity=Intensity.HIGH, reason="Crisis after a bereavement", by=worker
    )
    services.change_intensity(
        episode=episode, intensity=Intensity.LOW, reason="Back at work, coping well", by=worker
    )
    steps = queries.intensity_steps(episode)
    assert [(s.previous, s.intensity, s.direction) for s in steps] == [
        (None, Intensity.MEDIUM, "start"),
        (Intensity.MEDIUM, Intensity.HIGH, "up"),
        (Intensity.HIGH, Intensity.LOW, "down"),
    ]
    assert [s.reason for s in steps[1:]] == [
        "Crisis after a bereavement",
        "Back at work, coping well",
    ]
    assert all(s.changed_at for s in steps)
    episode.refresh_from_db()
    assert episode.intensity == Intensity.LOW


def test_an_intensity_change_needs_a_reason_a_change_and_an_open_episode():
    episode = EpisodeFactory(intensity=Intensity.MEDIUM)
    worker = key_worker_for(episode)
    with pytest.raises(ValidationError):
        services.change_intensity(episode=episode, intensity=Intensity.HIGH, reason="", by=worker)
    with pytest.raises(ValidationError):
        services.change_intensity(
            episode=episode, intensity=Intensity.MEDIUM, reason="Same", by=worker
        )
    Episode.objects.filter(pk=episode.pk).update(ended_at=timezone.now(), discharge_reason="02")
    with pytest.raises(ValidationError):
        services.change_intensity(
            episode=episode, intensity=Intensity.HIGH, reason="Too late", by=worker
        )
    assert not IntensityChange.objects.exists()


def test_the_intensity_page_steps_support_and_the_episode_page_shows_the_history(client):
    episode = EpisodeFactory(intensity=Intensity.MEDIUM)
    worker = key_worker_for(episode)
    client.force_login(worker)
    url = reverse("care:intensity", kwargs={"person_id": episode.person_id})
    form = client.get(url).content.decode()
    assert 'value="medium"' not in form  # the current intensity is not offered
    response = client.post(url, {"intensity": "high"})
    assert response.status_code == 200
    assert "Say why support is stepping up or down" in response.content.decode()
    assert not IntensityChange.objects.exists()
    response = client.post(url, {"intensity": "high", "reason": "Not sleeping, more worried"})
    assert response.status_code == 302
    body = client.get(reverse("care:episode", kwargs={"person_id": episode.person_id}))
    text = body.content.decode()
    assert "Stepped up from medium to" in text
    assert "Not sleeping, more worried" in text


# --- The episode page and the care team --------------------------------------------------------


def test_the_episode_page_offers_the_key_worker_to_record_a_contact(client):
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    client.force_login(worker)
    response = client.get(reverse("care:episode", kwargs={"person_id": episode.person_id}))
    assert response.status_code == 200
    assert "Record a contact" in response.content.decode()


def test_a_practitioner_from_another_organisation_joins_and_leaves_the_care_team(client):
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    locality = episode.referral.locality
    episode.lead_team.localities.add(locality)
    vcse_team = TeamFactory(organisation__kind="vcse", localities=[locality])
    partner = practitioner_in(vcse_team, user__first_name="Cal", user__last_name="Partner")
    client.force_login(worker)
    url = reverse("care:care-team", kwargs={"person_id": episode.person_id})
    membership = partner.memberships.get()
    assert "Cal Partner" in client.get(url).content.decode()
    response = client.post(url, {"membership": membership.pk, "role": "Care Partner"})
    assert response.status_code == 302, response.content.decode()
    member = episode.care_team.get()
    assert (member.user, member.team, member.role) == (partner, vcse_team, "Care Partner")
    page = client.get(reverse("care:episode", kwargs={"person_id": episode.person_id}))
    assert "Care Partner" in page.content.decode()
    leave = reverse("care:care-team-leave", kwargs={"person_id": episode.person_id})
    assert client.post(leave, {"member": member.pk}).status_code == 302
    member.refresh_from_db()
    assert member.ended_at is not None


def test_pages_about_an_episode_use_only_the_persons_own_episodes(client):
    mine = EpisodeFactory()
    worker = key_worker_for(mine)
    other = EpisodeFactory(lead_team=mine.lead_team)
    allocate(other)
    client.force_login(worker)
    url = reverse("care:intensity", kwargs={"person_id": mine.person_id})
    client.post(f"{url}?episode={other.pk}", {"intensity": "high", "reason": "Tampered id"})
    other.refresh_from_db()
    mine.refresh_from_db()
    assert other.intensity == Intensity.MEDIUM
    assert mine.intensity == Intensity.HIGH  # the id from another record was ignored


def test_an_episode_opened_long_ago_shows_its_start(client):
    episode = EpisodeFactory(started_at=timezone.now() - dt.timedelta(days=400))
    worker = key_worker_for(episode)
    client.force_login(worker)
    body = client.get(reverse("care:episode", kwargs={"person_id": episode.person_id}))
    assert "Started at" in body.content.decode()
