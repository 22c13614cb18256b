"""The pages where the person's voice in their own care is recorded: who wrote each part of the
plan and whether the person took part in a version, whose words a goal is in, who joined a
contact, and how the person wants to be in touch (with the gentle warning when a contact did not
keep to it)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care import services
from alongside.care.models import (
    Authorship,
    CarePlanVersion,
    Contact,
    ContactPreferences,
    Goal,
    Mode,
    TimeOfDay,
)
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.organisations.tests.factories import UserFactory
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_plan_place()


@pytest.fixture
def worker(client, place):
    client.force_login(place.worker)
    return client


def url(place, name: str) -> str:
    return reverse(name, kwargs={"person_id": place.person.pk})


def text(response) -> str:
    """The page's main content as plain text."""
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")


def checked(body: str, name: str) -> str | None:
    """The value of the checked radio called ``name``, if any."""
    for tag in re.findall(r"<input[^>]*>", body):
        if f'name="{name}"' in tag and "checked" in tag:
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def plan_data(base: int, rows: int = 3, **fields) -> dict[str, str]:
    data = {"base_version": str(base), "action_rows": str(rows)}
    data.update({k: str(v) for k, v in fields.items()})
    return data


# --- Who wrote each part of the plan -------------------------------------------------------------


def test_the_plan_form_asks_who_wrote_each_part_and_whether_the_person_took_part(worker, place):
    response = worker.get(url(place, "plans:edit"))
    body = response.content.decode()
    page = text(response)
    for name in (
        "about_me",
        "shared_understanding",
        "strengths",
        "actions",
        "warning_signs",
        "what_i_can_do",
        "who_i_can_contact",
        "safer_surroundings",
        "crisis_numbers",
    ):
        assert f'name="{name}_author"' in body, name
        assert checked(body, f"{name}_author") is None  # a first plan: nothing to start from
    assert page.count("Who wrote this?") == 9
    assert "Dafydd, in their own words" in page
    assert "Written together" in page
    assert "The key worker or care team" in page
    assert "Did Dafydd take part in writing or reviewing this version?" in page
    assert "Not recorded" in page


def test_saving_records_who_wrote_each_part_and_whether_the_person_took_part(worker, place):
    response = worker.post(
        url(place, "plans:edit"),
        plan_data(
            0,
            about_me="I grew up by the sea.",
            about_me_author="person",
            strengths="My dog, Mabli",
            strengths_author="together",
            warning_signs="",
            warning_signs_author="practitioner",  # nothing written: nothing to attribute
            action_0_what="Walk Mabli every morning",
            action_0_who="me",
            actions_author="together",
            person_present="yes",
        ),
    )
    assert response.status_code == 302
    version = CarePlanVersion.objects.get()
    assert version.authorship == {
        "about_me": Authorship.PERSON,
        "strengths": Authorship.TOGETHER,
        "actions": Authorship.TOGETHER,
    }
    assert version.person_present is True


@pytest.mark.parametrize(("answer", "stored"), [("no", False), ("not_recorded", None), ("", None)])
def test_whether_the_person_took_part_can_be_no_or_not_recorded(worker, place, answer, stored):
    worker.post(url(place, "plans:edit"), plan_data(0, about_me="Me", person_present=answer))
    assert CarePlanVersion.objects.get().person_present is stored


def test_the_next_version_starts_from_who_wrote_each_part_last_time(worker, place):
    place.save(
        about_me="I like walking",
        strengths="Kind",
        actions=[{"who": "me", "what": "Walk"}],
        authorship={"about_me": "person", "strengths": "practitioner", "actions": "together"},
        person_present=True,
    )
    body = worker.get(url(place, "plans:edit")).content.decode()
    assert checked(body, "about_me_author") == "person"
    assert checked(body, "strengths_author") == "practitioner"
    assert checked(body, "actions_author") == "together"
    assert checked(body, "warning_signs_author") is None
    # Whether the person took part is asked afresh for each version.
    assert checked(body, "person_present") is None


def test_an_unknown_author_is_refused_beside_the_field_and_nothing_is_saved(worker, place):
    response = worker.post(
        url(place, "plans:edit"),
        plan_data(0, about_me="Keep these words", about_me_author="ghostwriter"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "There is a problem" in page
    assert "Choose who wrote this from the list" in page
    assert 'href="#id_about_me_author"' in body
    assert "Keep these words" in body
    assert not CarePlanVersion.objects.exists()


def test_a_stale_edit_keeps_who_the_user_said_wrote_each_part(client, place):
    place.save(about_me="I like walking.", authorship={"about_me": "practitioner"})
    place.save(about_me="I like walking my dog.", base=1)
    client.force_login(place.colleague)
    response = client.post(
        url(place, "plans:edit"),
        plan_data(1, about_me="I like swimming.", about_me_author="person", person_present="yes"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nothing you entered was saved" in text(response)
    assert checked(body, "about_me_author") == "person"
    assert checked(body, "person_present") == "yes"
    assert 'name="base_version" value="2"' in body
    again = client.post(
        url(place, "plans:edit"),
        plan_data(2, about_me="I like swimming.", about_me_author="person", person_present="yes"),
    )
    assert again.status_code == 302
    latest = CarePlanVersion.objects.get(number=3)
    assert (latest.authorship, latest.person_present) == ({"about_me": "person"}, True)


def test_the_plan_shows_who_wrote_each_part_and_whether_the_person_took_part(worker, place):
    place.save(
        about_me="I grew up by the sea.",
        strengths="My dog",
        warning_signs="Staying in bed",
        crisis_numbers="0800 123 4567",
        actions=[{"who": "me", "what": "Walk daily"}],
        authorship={
            "about_me": "person",
            "strengths": "together",
            "warning_signs": "practitioner",
            "actions": "together",
        },
        person_present=True,
    )
    page = text(worker.get(url(place, "plans:plan")))
    assert "About me and what matters to me Who wrote it: In their own words" in page
    assert "My strengths and what helps Who wrote it: Written together" in page
    assert "My warning signs Who wrote it: Written by the care team" in page
    assert "Who does what Who wrote it: Written together" in page
    # Not recorded: no tag.
    assert "Crisis numbers Who wrote it" not in page
    assert "Did Dafydd take part in this version? Yes" in page


def test_the_versions_page_says_whether_the_person_took_part_in_each(worker, place):
    place.save(about_me="One", person_present=False)
    place.save(about_me="Two", person_present=True)
    place.save(about_me="Three")
    page = text(worker.get(url(place, "plans:versions")))
    assert "Dafydd took part" in page
    rows = re.findall(r"Dafydd took part (Yes|Not recorded|No)", page)
    assert rows == ["Not recorded", "Yes", "No"]  # newest first


# --- Whose words a goal is in --------------------------------------------------------------------


def test_adding_a_goal_asks_whose_words_it_is_in_and_the_goal_shows_it(worker, place):
    form = text(worker.get(url(place, "plans:add-goal")))
    assert "Whose words is the goal in?" in form
    response = worker.post(
        url(place, "plans:add-goal"),
        {"text": "Get back to the allotment", "worded_by": "person"},
    )
    assert response.status_code == 302
    assert Goal.objects.get().worded_by == Authorship.PERSON
    goals = text(worker.get(url(place, "plans:goals")))
    assert "“Get back to the allotment” Whose words: In their own words" in goals
    plan = text(worker.get(url(place, "plans:plan")))
    assert "Get back to the allotment Whose words: In their own words" in plan


def test_a_goal_can_be_added_without_saying_whose_words_but_not_with_a_made_up_answer(
    worker, place
):
    worker.post(url(place, "plans:add-goal"), {"text": "Sleep better"})
    assert Goal.objects.get().worded_by == ""
    assert "Whose words:" not in text(worker.get(url(place, "plans:goals")))
    response = worker.post(url(place, "plans:add-goal"), {"text": "Cook", "worded_by": "ai"})
    assert response.status_code == 200
    assert "Choose whose words the goal is in from the list" in text(response)
    assert Goal.objects.count() == 1


# --- Who joined a contact ------------------------------------------------------------------------


def contact_data(day: dt.date, at: str = "14:15", **fields) -> dict[str, str]:
    data = {
        "on-day": str(day.day),
        "on-month": str(day.month),
        "on-year": str(day.year),
        "at": at,
        "mode": "phone",
        "kind": "coaching",
        "outcome": "attended",
        "duration_minutes": "45",
        "note_sharing": "care_team",
    }
    data.update(fields)
    return data


def test_the_contact_form_records_that_family_a_carer_or_a_friend_joined(worker, place):
    page = text(worker.get(url(place, "care:contact-new")))
    assert "Family, a carer or a friend joined" in page
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    response = worker.post(
        url(place, "care:contact-new"), contact_data(yesterday, others_present="on")
    )
    assert response.status_code == 302
    assert Contact.objects.get().others_present is True
    worker.post(url(place, "care:contact-new"), contact_data(yesterday, at="16:00"))
    assert Contact.objects.filter(others_present=False).count() == 1


def test_recording_what_happened_at_an_appointment_records_who_joined(worker, place):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    worker.post(url(place, "care:appointment-new"), contact_data(tomorrow, outcome=""))
    appointment = Contact.objects.get()
    Contact.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    response = worker.post(
        url(place, "care:contact-outcome"),
        {
            "contact": appointment.pk,
            "outcome": "attended",
            "duration_minutes": "30",
            "others_present": "on",
            "note_sharing": "care_team",
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.others_present) == ("attended", True)
    page = text(worker.get(url(place, "care:contacts")))
    assert "Family, a carer or a friend joined" in page


# --- How the person wants to be in touch ---------------------------------------------------------


def preferences_data(seen_at: dt.datetime | None = None, **fields) -> dict:
    data = {"seen_at": (seen_at or timezone.now()).isoformat()}
    data.update(fields)
    return data


def test_before_anything_is_said_the_page_offers_to_record_it(worker, place):
    page = text(worker.get(url(place, "plans:contact-preferences")))
    assert "Dafydd has not said yet how they want to be in touch" in page
    assert "Record how Dafydd wants to be in touch" in page
    assert "How Dafydd wants to be in touch" in text(worker.get(url(place, "plans:plan")))


def test_the_key_worker_records_how_the_person_wants_to_be_in_touch(worker, place):
    form = text(worker.get(url(place, "plans:change-contact-preferences")))
    assert "Which ways of being in touch suit Dafydd?" in form
    assert "Can family, a carer or a friend join Dafydd's contacts?" in form
    response = worker.post(
        url(place, "plans:change-contact-preferences"),
        preferences_data(
            modes=["phone", "face_to_face"],
            times=["morning"],
            others_may_join="no",
            who_may_be_involved="  My sister Jo, not my dad  ",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url(place, "plans:contact-preferences")
    saved = ContactPreferences.objects.get(person=place.person)
    assert saved.modes == [Mode.FACE_TO_FACE, Mode.PHONE]
    assert saved.times == [TimeOfDay.MORNING]
    assert saved.others_may_join is False
    assert saved.who_may_be_involved == "My sister Jo, not my dad"
    assert (saved.stated_in_portal, saved.updated_by) == (False, place.worker)
    page = text(worker.get(response["Location"]))
    assert "Ways of being in touch Face to face, Telephone" in page
    assert "Times of day Mornings (before 12 noon)" in page
    assert "No, Dafydd would rather it was just them" in page
    assert "My sister Jo, not my dad" in page
    assert "Recorded by Tom Okafor on" in page
    # The form starts from what was said.
    body = worker.get(url(place, "plans:change-contact-preferences")).content.decode()
    assert checked(body, "others_may_join") == "no"
    assert re.search(r'<input[^>]*name="modes"[^>]*value="phone"[^>]*checked', body)


def test_preferences_with_made_up_choices_are_refused_and_nothing_is_saved(worker, place):
    response = worker.post(
        url(place, "plans:change-contact-preferences"),
        preferences_data(modes=["pigeon"], times=["midnight"], others_may_join="maybe"),
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Select a valid choice" not in page
    assert "Choose ways of being in touch from the list" in page
    assert "Choose times of day from the list" in page
    assert "Choose yes, no or not said" in page
    assert not ContactPreferences.objects.exists()
    response = worker.post(url(place, "plans:change-contact-preferences"), {"modes": ["phone"]})
    assert "The page was incomplete" in text(response)
    assert not ContactPreferences.objects.exists()


def test_a_change_made_in_the_portal_meanwhile_is_not_overwritten(worker, place):
    opened = timezone.now()
    person_user = UserFactory()
    place.person.user = person_user
    place.person.save()
    services.set_contact_preferences(
        person=place.person,
        modes=["text"],
        times=[],
        others_may_join=True,
        who_may_be_involved="",
        by=person_user,
        in_portal=True,
    )
    response = worker.post(
        url(place, "plans:change-contact-preferences"),
        preferences_data(opened, modes=["video"], others_may_join="no"),
    )
    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "Dafydd, in their portal, changed these preferences on" in page
    assert "Nothing you entered was saved" in page
    assert 'href="#their-changes"' in body
    assert "What the preferences say now" in page and "Text or other written message" in page
    # The user's answers are kept, and saving again (with the change in view) goes through.
    assert re.search(r'<input[^>]*name="modes"[^>]*value="video"[^>]*checked', body)
    assert ContactPreferences.objects.get().modes == ["text"]
    seen = re.search(r'name="seen_at" value="([^"]+)"', body).group(1)
    again = worker.post(
        url(place, "plans:change-contact-preferences"),
        {"seen_at": seen.replace("&#x2B;", "+").replace("&#43;", "+"), "modes": ["video"]},
    )
    assert again.status_code == 302
    assert ContactPreferences.objects.get().modes == ["video"]


def test_the_contact_form_shows_the_preferences_and_warns_when_a_contact_does_not_keep_to_them(
    worker, place
):
    services.set_contact_preferences(
        person=place.person,
        modes=["phone"],
        times=["morning"],
        others_may_join=False,
        who_may_be_involved="",
        by=place.worker,
    )
    page = text(worker.get(url(place, "care:contact-new")))
    assert "How Dafydd wants to be in touch" in page
    assert "Ways of being in touch Telephone" in page
    assert "Times of day Mornings (before 12 noon)" in page
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    # Kept to: no warning.
    kept = worker.post(url(place, "care:contact-new"), contact_data(yesterday, at="10:00"))
    assert kept.status_code == 302
    assert "said suits them" not in text(worker.get(kept["Location"]))
    # Not kept to: recorded all the same, with a gentle word.
    response = worker.post(
        url(place, "care:contact-new"),
        contact_data(yesterday, at="15:30", mode="video", others_present="on"),
    )
    assert response.status_code == 302
    assert Contact.objects.count() == 2
    page = text(worker.get(response["Location"]))
    assert "Contact recorded" in page
    assert (
        "This contact was not what Dafydd said suits them: it was by video, in the afternoon "
        "and with someone else there. If that was not their choice, talk with them about what "
        "would suit them next time."
    ) in page


def test_booking_an_appointment_at_a_time_that_does_not_suit_says_so(worker, place):
    services.set_contact_preferences(
        person=place.person,
        modes=[],
        times=["afternoon", "evening"],
        others_may_join=None,
        who_may_be_involved="",
        by=place.worker,
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = worker.post(
        url(place, "care:appointment-new"), contact_data(tomorrow, at="09:00", outcome="")
    )
    assert response.status_code == 302
    page = text(worker.get(response["Location"]))
    assert "This appointment is not what Dafydd said suits them: it is in the morning." in page


def test_the_contact_form_says_when_nothing_has_been_said(worker, place):
    page = text(worker.get(url(place, "care:contact-new")))
    assert "Dafydd has not said yet how they want to be in touch" in page
    assert "Ask them, and record what they say" in page


def test_the_preferences_pages_are_reached_only_through_the_sharing_module(client, place):
    client.force_login(place.outsider)
    assert client.get(url(place, "plans:contact-preferences")).status_code == 404
    response = client.post(
        url(place, "plans:change-contact-preferences"), preferences_data(modes=["phone"])
    )
    assert response.status_code == 404
    assert not ContactPreferences.objects.exists()
    events = AccessEvent.objects.filter(user=place.outsider).order_by("id")
    assert [(e.part, e.action, e.allowed, e.basis) for e in events] == [
        (Part.PLAN, Action.VIEW, False, Basis.NONE),
        (Part.PLAN, Action.CHANGE, False, Basis.NONE),
    ]
