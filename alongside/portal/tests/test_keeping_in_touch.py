"""The person says how they want to be in touch, in their own portal: the care team then sees it
beside the contact form, as said by the person."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care import services as care_services
from alongside.care.models import ContactPreferences, Mode, TimeOfDay
from alongside.organisations.tests.factories import UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.portal.tests.factories import person_in_care
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db
URL = "/portal/keeping-in-touch/"


@pytest.fixture
def scene(client):
    scene = person_in_care("A")
    client.force_login(scene.user)
    return scene


def text(response) -> str:
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")


def seen(moment: dt.datetime | None = None) -> str:
    return (moment or timezone.now()).isoformat()


def test_the_address_is_the_portals_own():
    assert reverse("portal:keeping-in-touch") == URL


def test_the_person_says_how_they_want_to_be_in_touch(client, scene):
    page = text(client.get(URL))
    assert "How you want to be in touch" in page
    assert "Which ways of being in touch suit you?" in page
    assert "Can family, a carer or a friend join your appointments?" in page
    assert "Who would you like involved in your care? (optional)" in page
    response = client.post(
        URL,
        {
            "seen_at": seen(),
            "modes": ["text", "phone"],
            "times": ["evening"],
            "others_may_join": "yes",
            "who_may_be_involved": "My partner Alex can come along",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == URL
    saved = ContactPreferences.objects.get(person=scene.person)
    assert saved.modes == [Mode.PHONE, Mode.TEXT]
    assert saved.times == [TimeOfDay.EVENING]
    assert saved.others_may_join is True
    assert saved.who_may_be_involved == "My partner Alex can come along"
    assert (saved.stated_in_portal, saved.updated_by) == (True, scene.user)
    page = text(client.get(URL))
    assert "Thank you. Your care team can now see how you want to be in touch" in page
    assert "Said by you in your portal on" in page
    event = AccessEvent.objects.filter(person=scene.person, action=Action.CHANGE).latest("id")
    assert (event.part, event.basis, event.allowed) == (Part.PLAN, Basis.SELF, True)


def test_the_key_worker_sees_what_the_person_said_beside_the_contact_form(client, scene):
    client.post(URL, {"seen_at": seen(), "modes": ["video"], "others_may_join": "no"})
    client.force_login(scene.key_worker)
    record = reverse("care:contact-new", kwargs={"person_id": scene.person.pk})
    page = text(client.get(record))
    assert f"How {scene.person.given_name} wants to be in touch" in page
    assert "Ways of being in touch Video" in page
    assert f"Said by {scene.person.given_name} in their portal on" in page


def test_made_up_choices_are_refused_and_nothing_is_saved(client, scene):
    response = client.post(URL, {"seen_at": seen(), "modes": ["carrier pigeon"]})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Choose ways of being in touch from the list" in page
    assert not ContactPreferences.objects.exists()


def test_a_change_by_the_care_team_meanwhile_is_not_overwritten(client, scene):
    opened = timezone.now()
    care_services.set_contact_preferences(
        person=scene.person,
        modes=[Mode.FACE_TO_FACE],
        times=[],
        others_may_join=None,
        who_may_be_involved="",
        by=scene.key_worker,
    )
    response = client.post(URL, {"seen_at": seen(opened), "modes": ["phone"]})
    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "This changed while you had the page open. Nothing you entered was saved" in page
    assert 'href="#what-it-says-now"' in body
    assert "What it says now" in page and "Face to face" in page
    assert re.search(r'<input[^>]*name="modes"[^>]*value="phone"[^>]*checked', body)
    assert ContactPreferences.objects.get().modes == [Mode.FACE_TO_FACE]


def test_a_person_without_an_episode_can_still_say_it(client):
    person = PersonFactory(user=UserFactory(), given_name="Robin")
    client.force_login(person.user)
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"seen_at": seen(), "times": ["morning"]})
    assert response.status_code == 302
    assert ContactPreferences.objects.get(person=person).times == [TimeOfDay.MORNING]


def test_someone_with_no_record_of_their_own_gets_404(client):
    client.force_login(UserFactory())
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"seen_at": seen(), "modes": ["phone"]}).status_code == 404
    assert not ContactPreferences.objects.exists()


def test_home_and_care_team_pages_lead_here(client, scene):
    for name in ("portal:home", "portal:care-team"):
        assert f'href="{URL}"' in client.get(reverse(name)).content.decode(), name
