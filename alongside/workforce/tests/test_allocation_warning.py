"""Allocating a key worker who lacks a competency the episode needs warns, does not block, and
the warning is kept; one who holds it gets none. The first key worker, allocated on acceptance,
is checked the same way. A kept warning shows on the team's workforce page until the key worker
holds the course or the allocation ends."""

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
from alongside.organisations.models import Role, TeamType
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services as referral_services
from alongside.referrals.models import Referral, State
from alongside.referrals.tests.factories import ReferralFactory, coordinator_for
from alongside.sharing.models import AccessEvent
from alongside.workforce import queries
from alongside.workforce import services as workforce_services
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


# --- On acceptance: the first key worker is checked too ---------------------------------------


def in_triage(team_type: str = TeamType.PERSONALITY_DISORDER):
    """A referral in triage with a team of ``team_type``, its coordinator, and a practitioner
    (Dee Ash) in the team who has no training recorded."""
    referral = ReferralFactory(person=PersonFactory(), team__team_type=team_type)
    Referral.objects.filter(pk=referral.pk).update(state=State.IN_TRIAGE)
    referral.refresh_from_db()
    coordinator = coordinator_for(referral)
    worker = practitioner_in(referral.team, user__first_name="Dee", user__last_name="Ash")
    return referral, coordinator, worker


def test_accepting_with_a_key_worker_who_lacks_a_course_the_team_type_needs_warns(rules):
    # The personality disorder team's episodes need trauma-informed practice from the start.
    referral, coordinator, worker = in_triage()
    accepted = referral_services.accept_referral(
        referral=referral, team=referral.team, key_worker=worker, by=coordinator
    )
    assert accepted.state == State.ACCEPTED  # not blocked
    allocation = Allocation.objects.get(episode__referral=referral)
    assert allocation.key_worker == worker and allocation.ended_at is None
    assert len(accepted.warnings) == 1
    assert accepted.warnings[0].startswith(
        "Dee Ash has no record of Trauma-informed practice training"
    )
    assert "led by a team of type 'Personality disorder service'" in accepted.warnings[0]
    kept = AllocationWarning.objects.get(allocation=allocation)
    assert kept.course.key == "trauma-informed-practice"
    assert kept.text == accepted.warnings[0]


def test_accepting_warns_of_what_the_starting_intensity_needs(rules):
    EpisodeRequirement.objects.create(course=course("dialog-plus"), intensity=Intensity.MEDIUM)
    referral, coordinator, worker = in_triage(TeamType.COMMUNITY_MENTAL_HEALTH)
    accepted = referral_services.accept_referral(
        referral=referral, team=referral.team, key_worker=worker, by=coordinator
    )
    assert [w.course.key for w in AllocationWarning.objects.all()] == ["dialog-plus"]
    assert "episodes at medium intensity" in accepted.warnings[0]


def test_accepting_with_a_trained_key_worker_or_none_gives_no_warning(rules):
    referral, coordinator, worker = in_triage()
    trained(worker, "trauma-informed-practice", timezone.localdate() - dt.timedelta(days=10))
    accepted = referral_services.accept_referral(
        referral=referral, team=referral.team, key_worker=worker, by=coordinator
    )
    assert accepted.warnings == []
    other, coordinator, _ = in_triage()
    assert (
        referral_services.accept_referral(referral=other, team=other.team, by=coordinator).warnings
        == []
    )
    assert not AllocationWarning.objects.exists()


def test_the_referral_page_shows_the_warning_after_acceptance(client, rules):
    referral, coordinator, worker = in_triage()
    client.force_login(coordinator)
    response = client.post(
        reverse("referrals:accept", kwargs={"referral_id": referral.pk}),
        {"version": referral.version, "team": referral.team.pk, "key_worker": worker.pk},
        follow=True,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Referral accepted" in body
    assert "Dee Ash has no record of Trauma-informed practice training" in body
    assert AllocationWarning.objects.filter(allocation__key_worker=worker).count() == 1


# --- Kept, and seen later on the team's workforce page ----------------------------------------


def warnings_section(body: str) -> str:
    return body.split('id="allocation-warnings"')[1].split("<h2")[0]


@pytest.fixture
def warned(rules):
    """A high-intensity episode of the team, allocated to Ada Lo without safety planning."""
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    worker = practitioner_in(episode.lead_team, user__first_name="Ada", user__last_name="Lo")
    allocation = allocate(episode, worker)
    return episode, worker, allocation


def test_the_team_lead_sees_a_kept_warning_with_a_link_to_the_episode(client, warned):
    episode, _, _ = warned
    lead = team_lead_of(episode.lead_team)
    client.force_login(lead)
    page = reverse("workforce:team", kwargs={"team_id": episode.lead_team_id})
    section = warnings_section(client.get(page).content.decode())
    assert "Ada Lo" in section and "Safety planning" in section and "No record" in section
    href = reverse("care:episode", kwargs={"person_id": episode.person_id})
    assert f'<a href="{href}?episode={episode.pk}">Referral {episode.referral.reference}</a>' in (
        section
    )
    assert episode.person.given_name not in section  # the reference, never the name
    # Listing the episode is audited, as any list of people.
    assert AccessEvent.objects.filter(
        user=lead, person_id=episode.person_id, route="workforce:team"
    ).exists()
    assert client.get(f"{href}?episode={episode.pk}").status_code == 200


def test_an_analyst_sees_the_warning_but_not_the_episode(client, warned):
    episode, _, _ = warned
    client.force_login(MembershipFactory(role=Role.ANALYST).user)
    page = reverse("workforce:team", kwargs={"team_id": episode.lead_team_id})
    section = warnings_section(client.get(page).content.decode())
    assert "Ada Lo" in section and "Not shown" in section
    assert episode.referral.reference not in section
    assert not AccessEvent.objects.filter(person_id=episode.person_id).exists()


def test_the_warning_goes_once_the_training_is_recorded(client, warned):
    episode, worker, _ = warned
    assert len(queries.open_allocation_warnings(episode.lead_team)) == 1
    # An expired completion does not settle it: the warning stands, with the expiry.
    trained(worker, "safety-planning", dt.date(2020, 3, 1))
    [still] = queries.open_allocation_warnings(episode.lead_team)
    assert still.expired_on == dt.date(2022, 3, 1)
    client.force_login(team_lead_of(episode.lead_team))
    page = reverse("workforce:team", kwargs={"team_id": episode.lead_team_id})
    section = warnings_section(client.get(page).content.decode())
    assert "Expired" in section and "1 March 2022" in section
    workforce_services.record_training(
        user=worker,
        course="safety-planning",
        completed_on=timezone.localdate() - dt.timedelta(days=2),
        by=worker,
    )
    assert queries.open_allocation_warnings(episode.lead_team) == []
    section = warnings_section(client.get(page).content.decode())
    assert "Ada Lo" not in section
    assert "No key worker is allocated without training their episodes need" in section
    assert AllocationWarning.objects.count() == 1  # kept, only no longer standing


def test_the_warning_goes_when_someone_else_takes_over_or_the_episode_ends(warned):
    episode, worker, _ = warned
    other = EpisodeFactory(intensity=Intensity.HIGH, lead_team=episode.lead_team)
    allocate(other, worker)
    assert len(queries.open_allocation_warnings(episode.lead_team)) == 2
    trained_worker = practitioner_in(episode.lead_team)
    trained(trained_worker, "safety-planning", timezone.localdate() - dt.timedelta(days=3))
    allocate(episode, trained_worker)
    [left] = queries.open_allocation_warnings(episode.lead_team)
    assert left.allocation.episode == other
    other.ended_at, other.discharge_reason = timezone.now(), "01"
    other.save()
    assert queries.open_allocation_warnings(episode.lead_team) == []


def test_a_key_worker_in_a_partner_team_shows_on_their_own_teams_page(rules):
    episode = EpisodeFactory(intensity=Intensity.HIGH)
    vcse = TeamFactory()
    episode.partner_teams.add(vcse)
    worker = practitioner_in(vcse)
    allocate(episode, worker)
    assert len(queries.open_allocation_warnings(vcse)) == 1
    assert len(queries.open_allocation_warnings(episode.lead_team)) == 1
    assert queries.open_allocation_warnings(TeamFactory()) == []
