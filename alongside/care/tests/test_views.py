"""The key-working pages as a whole: every page opens for the key worker, is refused (404, and
audited) without a basis, sends the signed-out to sign in, and says plainly when there is
nothing to change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care import services
from alongside.care.models import Episode
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    key_worker_for,
    team_lead_of,
)
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import AccessEvent, Basis, BreakGlass

pytestmark = pytest.mark.django_db

PERSON_PAGES = [
    "care:episode",
    "care:contacts",
    "care:contact-new",
    "care:appointment-new",
    "care:contact-outcome",
    "care:intensity",
    "care:reallocate",
    "care:care-team",
    "care:care-team-leave",
    "care:discharge",
    "care:discharge-summary",
]


def url(name: str, episode: Episode) -> str:
    return reverse(name, kwargs={"person_id": episode.person_id})


@pytest.fixture
def episode() -> Episode:
    episode = EpisodeFactory()
    ContactFactory(episode=episode, practitioner=key_worker_for(episode), note="Went well")
    PlannedContactFactory(episode=episode, practitioner=episode.allocations.get().key_worker)
    episode.care_team.create(
        user=team_lead_of(episode.lead_team),
        team=episode.lead_team,
        role="Psychiatrist",
        added_by=episode.allocations.get().key_worker,
    )
    return episode


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_every_page_opens_for_the_key_worker(client, episode, name):
    worker = episode.allocations.get().key_worker
    client.force_login(worker)
    response = client.get(url(name, episode))
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1" in body
    assert "nhsuk-back-link" in body or "Back to the episode" in body or "Back to" in body


@pytest.mark.parametrize("name", PERSON_PAGES)
def test_every_page_is_refused_without_a_basis_and_audited(client, episode, name):
    stranger = MembershipFactory(role=Role.PRACTITIONER).user
    client.force_login(stranger)
    assert client.get(url(name, episode)).status_code == 404
    event = AccessEvent.objects.get(user=stranger)
    assert (event.person_id, event.allowed, event.basis) == (episode.person_id, False, Basis.NONE)


@pytest.mark.parametrize("name", [*PERSON_PAGES, "care:caseload"])
def test_signed_out_visitors_are_sent_to_sign_in(client, episode, name):
    target = reverse(name) if name == "care:caseload" else url(name, episode)
    response = client.get(target)
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


def test_pages_say_when_there_is_no_episode(client):
    person = PersonFactory()
    user = MembershipFactory(role=Role.PRACTITIONER).user
    now = timezone.now()
    BreakGlass.objects.create(
        user=user,
        person=person,
        organisation=user.memberships.get().team.organisation,
        reason="Person in crisis, no other record",
        opened_at=now,
        expires_at=now + dt.timedelta(hours=4),
    )
    client.force_login(user)
    body = client.get(reverse("care:episode", kwargs={"person_id": person.pk})).content.decode()
    assert "has no episode of care" in body
    body = client.get(reverse("care:contacts", kwargs={"person_id": person.pk})).content.decode()
    assert "has no episode of care, so no contacts" in body
    page = client.get(reverse("care:intensity", kwargs={"person_id": person.pk}))
    assert "There is no open episode of care" in page.content.decode()


def test_the_person_prints_their_own_discharge_summary(client, episode):
    worker = episode.allocations.get().key_worker
    episode.contacts.filter(outcome="").delete()
    services.discharge_episode(
        episode=episode, reason="02", summary="You reached your goals.", by=worker
    )
    person_user = UserFactory()
    episode.person.user = person_user
    episode.person.save()
    client.force_login(person_user)
    # The person's door is the portal; the staff page about their record is not theirs.
    assert client.get(url("care:discharge-summary", episode)).status_code == 404
    assert "discharge summary" in client.get(reverse("portal:appointments")).content.decode()
    response = client.get(reverse("portal:discharge-summary"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "You reached your goals." in body
    assert "OFFICIAL-SENSITIVE" in body
    assert "Back to your appointments" in body


def test_the_caseload_links_to_the_team_caseloads_of_a_lead(client, episode):
    lead = episode.care_team.get().user
    client.force_login(lead)
    body = client.get(reverse("care:caseload")).content.decode()
    assert reverse("care:team-caseloads", kwargs={"team_id": episode.lead_team_id}) in body
