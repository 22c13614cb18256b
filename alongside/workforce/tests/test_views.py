"""The workforce pages: who may open them, what they show (staff names and aggregates, never a
person who needs support), and bad input answered on the form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import Intensity
from alongside.care.tests.factories import EpisodeFactory, allocate
from alongside.core.access import declaration
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.workforce import urls
from alongside.workforce.models import Post, RoleRequirement, TrainingRecord, Vacancy
from alongside.workforce.tests.factories import course, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    team = TeamFactory(name="South CMHT")
    worker = MembershipFactory(
        team=team, role=Role.PRACTITIONER, user__first_name="Ada", user__last_name="Worker"
    )
    post(worker, "0.5")
    episode = EpisodeFactory(lead_team=team, intensity=Intensity.HIGH, person__given_name="Zebedee")
    allocate(episode, worker.user)
    RoleRequirement.objects.create(role=Role.PRACTITIONER, course=course("safety-planning"))
    return team


@pytest.fixture
def lead(team):
    return MembershipFactory(team=team, role=Role.TEAM_LEAD).user


def member(role: str, **kwargs):
    return MembershipFactory(role=role, **kwargs).user


def test_only_the_team_page_names_people_and_through_the_policy():
    declared = {p.name: declaration(p.callback) for p in urls.urlpatterns}
    assert declared.pop("team") == "person_list"  # its warnings name the people allocated
    assert set(declared.values()) == {"no_person_data"}


def test_a_team_lead_sees_their_team_and_not_another_nor_the_place(client, team, lead):
    client.force_login(lead)
    page = reverse("workforce:team", kwargs={"team_id": team.pk})
    response = client.get(page)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Ada Worker" in body
    assert "Zebedee" not in body  # no person who needs support
    assert "No record" in body and "Safety planning" in body
    assert "Caseload per WTE (weighted)" in body and "<td" in body
    assert "<svg" in body  # the trend chart, with its table
    other = reverse("workforce:team", kwargs={"team_id": TeamFactory().pk})
    assert client.get(other).status_code == 403
    assert client.get(reverse("workforce:place")).status_code == 403
    assert client.get(reverse("workforce:commissioners")).status_code == 403


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SUPERVISOR, Role.COORDINATOR])
def test_others_in_the_team_are_refused(client, team, role):
    client.force_login(member(role, team=team))
    assert client.get(reverse("workforce:team", kwargs={"team_id": team.pk})).status_code == 403
    assert client.get(reverse("workforce:place")).status_code == 403


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORG_ADMIN])
def test_analysts_and_org_admins_see_the_place_and_any_team_but_change_nothing(client, team, role):
    vcse = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE, ods_code=None))
    MembershipFactory(team=vcse, role=Role.PRACTITIONER)
    client.force_login(member(role))
    place = client.get(reverse("workforce:place"))
    assert place.status_code == 200
    body = place.content.decode()
    assert "South CMHT" in body and "By locality" in body and "Zebedee" not in body
    sides = client.get(reverse("workforce:commissioners")).content.decode()
    assert "NHS" in sides and "VCSE" in sides and "Zebedee" not in sides
    assert client.get(reverse("workforce:team", kwargs={"team_id": team.pk})).status_code == 200
    assert client.get(reverse("workforce:wte", kwargs={"team_id": team.pk})).status_code == 403


def test_someone_signed_out_is_sent_to_sign_in(client, team):
    response = client.get(reverse("workforce:place"))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_lead_records_training_and_bad_input_is_answered_on_the_form(client, team, lead):
    client.force_login(lead)
    url = reverse("workforce:training-new", kwargs={"team_id": team.pk})
    ada = team.memberships.get(role=Role.PRACTITIONER)
    future = timezone.localdate() + dt.timedelta(days=3)
    response = client.post(
        url,
        {
            "membership": ada.pk,
            "course": course("safety-planning").pk,
            "completed_on-day": future.day,
            "completed_on-month": future.month,
            "completed_on-year": future.year,
        },
    )
    assert response.status_code == 200
    assert "The completion date must be today or earlier" in response.content.decode()
    assert "There is a problem" in response.content.decode()
    response = client.post(url, {"membership": "", "course": "999999"})
    body = response.content.decode()
    assert "Choose who completed the course" in body
    assert "Choose a course this place recognises" in body
    assert "Enter the date the course was completed" in body
    assert not TrainingRecord.objects.exists()
    response = client.post(
        url,
        {
            "membership": ada.pk,
            "course": course("safety-planning").pk,
            "completed_on-day": "1",
            "completed_on-month": "3",
            "completed_on-year": "2026",
        },
        follow=True,
    )
    assert "Training recorded" in response.content.decode()
    assert TrainingRecord.objects.get().expires_on == dt.date(2028, 3, 1)


def test_the_lead_sets_a_wte_and_records_and_fills_a_vacancy(client, team, lead):
    client.force_login(lead)
    ada = team.memberships.get(role=Role.PRACTITIONER)
    wte = reverse("workforce:wte", kwargs={"team_id": team.pk})
    body = client.post(wte, {"membership": ada.pk, "wte": "1.5"}).content.decode()
    assert "Enter a whole-time equivalent from 0.1 to 1.0" in body
    body = client.post(wte, {"membership": ada.pk, "wte": "most"}).content.decode()
    assert "Enter the whole-time equivalent as a number" in body
    client.post(wte, {"membership": ada.pk, "wte": "0.8"})
    assert str(Post.objects.get(membership=ada).wte) == "0.80"
    new = reverse("workforce:vacancy-new", kwargs={"team_id": team.pk})
    body = client.post(new, {"role": "", "wte": ""}).content.decode()
    assert "Choose the role the post is for" in body
    assert "Enter the date the post fell vacant" in body
    client.post(
        new,
        {
            "role": Role.PRACTITIONER,
            "wte": "1",
            "since-day": "1",
            "since-month": "9",
            "since-year": "2026",
        },
    )
    vacancy = Vacancy.objects.get()
    filled = reverse(
        "workforce:vacancy-filled", kwargs={"team_id": team.pk, "vacancy_id": vacancy.pk}
    )
    body = client.post(
        filled, {"filled_on-day": "1", "filled_on-month": "8", "filled_on-year": "2026"}
    ).content.decode()
    assert "on or after the date it fell vacant" in body
    client.post(filled, {"filled_on-day": "2", "filled_on-month": "10", "filled_on-year": "2026"})
    vacancy.refresh_from_db()
    assert vacancy.filled_on == dt.date(2026, 10, 2)
    other = Vacancy.objects.create(
        team=TeamFactory(),
        role=Role.PRACTITIONER,
        wte=1,
        since=dt.date(2026, 1, 1),
        recorded_by=UserFactory(),
    )
    elsewhere = reverse(
        "workforce:vacancy-filled", kwargs={"team_id": team.pk, "vacancy_id": other.pk}
    )
    assert client.get(elsewhere).status_code == 404


def test_home_links_to_the_workforce_pages(client, team, lead):
    client.force_login(lead)
    body = client.get(reverse("home")).content.decode()
    assert reverse("workforce:team", kwargs={"team_id": team.pk}) in body
    client.force_login(member(Role.ANALYST))
    assert reverse("workforce:place") in client.get(reverse("home")).content.decode()


def test_the_team_caseloads_page_links_to_the_workforce_page(client, team, lead):
    client.force_login(lead)
    page = client.get(reverse("care:team-caseloads", kwargs={"team_id": team.pk}))
    assert reverse("workforce:team", kwargs={"team_id": team.pk}) in page.content.decode()
