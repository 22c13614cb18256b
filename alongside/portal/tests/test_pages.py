"""The person's own pages: home, plan, goals (and rating them), appointments, care team and notes
for the next conversation. Each shows the signed-in person's own record and nothing else, and
never a contact note that was not shared with them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.care import services as care_services
from alongside.care.models import GoalRating, NoteSharing, PlanNote, RatedBy
from alongside.care.tests.factories import ContactFactory, PlannedContactFactory
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.portal.tests.factories import agree, person_in_care
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db

PAGES = [
    "portal:home",
    "portal:plan",
    "portal:goals",
    "portal:rate-goal",
    "portal:appointments",
    "portal:care-team",
    "portal:notes",
    "portal:keeping-in-touch",
    "portal:sharing",
    "portal:who-has-looked",
]


@pytest.fixture
def scene(client):
    scene = person_in_care("A")
    client.force_login(scene.user)
    return scene


def page(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, name
    return response.content.decode()


# --- Home ---------------------------------------------------------------------------------------


def test_home_shows_the_key_worker_the_next_appointment_and_the_way_to_each_page(client, scene):
    html = page(client, "portal:home")
    assert "Hello SamA" in html
    assert "Your key worker is Priya ShahA, from Central Community Team A" in html
    when = timezone.localtime(scene.upcoming.starts_at)
    assert f"{when:%A} {when.day} {when:%B %Y}" in html
    assert "Video call with Priya ShahA" in html
    for name in ("portal:plan", "portal:goals", "portal:care-team", "portal:notes"):
        assert f'href="{reverse(name)}"' in html
    assert 'href="tel:111"' in html  # the crisis panel
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.basis, event.allowed) == (Part.DETAILS, Basis.SELF, True)


def test_a_person_without_an_open_episode_is_told_kindly_and_keeps_the_other_pages(client):
    person = PersonFactory(user=UserFactory(), given_name="Robin")
    client.force_login(person.user)
    html = page(client, "portal:home")
    assert "Hello Robin" in html
    assert "not being supported by a mental health team at the moment" in html
    assert f'href="{reverse("portal:sharing")}"' in html
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 200, name
    response = client.post(reverse("portal:notes"), {"text": "Hello"})
    assert response.status_code == 200 and not PlanNote.objects.exists()


def test_after_discharge_the_person_sees_their_past_appointments_but_no_plan(client, scene):
    for contact in scene.episode.contacts.filter(outcome=""):
        care_services.record_contact_outcome(
            contact=contact, outcome="cancelled_by_service", by=scene.key_worker
        )
    care_services.discharge_episode(
        episode=scene.episode, reason="02", summary="Goals reached", by=scene.key_worker
    )
    assert "not being supported" in page(client, "portal:plan")
    assert scene.texts["shared_note"] in page(client, "portal:appointments")


# --- Plan ---------------------------------------------------------------------------------------


def test_the_plan_in_plain_sections_with_who_does_what_and_the_safety_plan(client, scene):
    html = page(client, "portal:plan")
    assert scene.texts["about_me"] in html
    assert "Not agreed yet" in html
    review = scene.version.review_on
    assert f"{review.day} {review:%B %Y}" in html
    assert "<strong>You</strong>" in html and scene.texts["action"] in html
    assert "Your key worker, Priya ShahA" in html
    assert scene.texts["goal"] in html
    assert "My safety plan" in html and "Not sleeping, staying in bed" in html
    # Phone numbers in the safety plan are links; 111, 999 and Samaritans are always there.
    assert '<a href="tel:08001234567">0800 123 4567</a>' in html
    for number in ("tel:111", "tel:999", "tel:116123"):
        assert f'href="{number}"' in html
    assert "option 2" in html


def test_an_agreed_plan_says_when(client, scene):
    agree(scene, timezone.localdate())
    today = timezone.localdate()
    assert f"You agreed this plan on {today.day} {today:%B %Y}" in page(client, "portal:plan")


def test_before_a_plan_is_written_the_page_says_so_and_still_gives_crisis_numbers(client):
    scene = person_in_care("B")
    scene.episode.plan.delete()
    client.force_login(scene.user)
    html = page(client, "portal:plan")
    assert "Your plan has not been written yet" in html and 'href="tel:999"' in html


def test_text_in_the_plan_is_shown_escaped(client, scene):
    care_services.save_plan(
        episode=scene.episode,
        base_version=1,
        by=scene.key_worker,
        about_me="<script>alert('x')</script>",
        crisis_numbers="<b>0300 123 4567</b>",
    )
    html = page(client, "portal:plan")
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;" in html and 'href="tel:03001234567"' in html


# --- Goals --------------------------------------------------------------------------------------


def test_goals_show_the_latest_rating_and_the_history(client, scene):
    care_services.rate_goal(goal=scene.goal, score=6, by=scene.user, rated_by=RatedBy.PERSON)
    html = page(client, "portal:goals")
    assert scene.texts["goal"] in html
    assert "Last rated <strong>6 out of 10</strong>" in html
    assert "You, online" in html and "You, with your key worker" in html
    assert f"{reverse('portal:rate-goal')}?goal={scene.goal.pk}" in html


def test_the_person_rates_a_goal_from_0_to_10(client, scene):
    url = f"{reverse('portal:rate-goal')}?goal={scene.goal.pk}"
    html = client.get(url).content.decode()
    assert "How close are you to reaching this goal?" in html
    assert "0 – not at all" in html and "10 – I have reached it" in html
    assert html.count('type="radio"') == 11
    response = client.post(url, {"score": "7"})
    assert response.status_code == 302 and response.url == reverse("portal:goals")
    rating = GoalRating.objects.filter(goal=scene.goal).latest("id")
    assert (rating.score, rating.rated_by, rating.recorded_by) == (7, RatedBy.PERSON, scene.user)
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.action, event.basis) == (Part.OUTCOMES, Action.CHANGE, Basis.SELF)
    assert "You rated this goal 7 out of 10" in client.get(response.url).content.decode()


@pytest.mark.parametrize("score", ["", "11", "-1", "seven", "3.5", "10 "])
def test_a_rating_must_be_a_whole_number_from_0_to_10(client, scene, score):
    url = f"{reverse('portal:rate-goal')}?goal={scene.goal.pk}"
    before = GoalRating.objects.count()
    response = client.post(url, {"score": score} if score else {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and "Choose a number from 0 to 10" in html
    assert GoalRating.objects.count() == before


@pytest.mark.parametrize("score", ["0", "10"])
def test_both_ends_of_the_scale_are_allowed(client, scene, score):
    url = f"{reverse('portal:rate-goal')}?goal={scene.goal.pk}"
    assert client.post(url, {"score": score}).status_code == 302
    assert GoalRating.objects.filter(goal=scene.goal).latest("id").score == int(score)


def test_only_the_persons_own_open_goals_can_be_rated(client, scene):
    other = person_in_care("B")
    ended = care_services.add_goal(episode=scene.episode, text="Old goal", by=scene.key_worker)
    care_services.end_goal(goal=ended, because="Reached it", by=scene.key_worker)
    for goal_id in (other.goal.pk, ended.pk, "x", 999_999):
        url = f"{reverse('portal:rate-goal')}?goal={goal_id}"
        assert client.get(url).status_code == 404, goal_id
        assert client.post(url, {"score": "5"}).status_code == 404, goal_id
    assert not GoalRating.objects.filter(goal__in=[other.goal, ended], score=5).exists()


def test_without_a_goal_named_the_rate_page_offers_the_persons_goals(client, scene):
    html = page(client, "portal:rate-goal")
    assert "Which goal do you want to rate?" in html and scene.texts["goal"] in html


# --- Appointments -------------------------------------------------------------------------------


def test_appointments_coming_up_say_when_how_and_with_whom(client, scene):
    html = page(client, "portal:appointments")
    when = timezone.localtime(scene.upcoming.starts_at)
    assert f"{when:%A} {when.day} {when:%B %Y}" in html
    assert "Video call" in html and "Priya ShahA" in html
    assert "Central Community Team A, Wyvern Trust A" in html


def test_past_appointments_show_only_the_notes_shared_with_the_person(client, scene):
    html = page(client, "portal:appointments")
    assert scene.texts["shared_note"] in html
    assert scene.texts["team_note"] not in html
    assert scene.texts["org_note"] not in html
    assert "Missed" in html and "Took place" in html


def test_no_page_ever_shows_a_note_not_shared_with_the_person(client, scene):
    for name in PAGES:
        html = client.get(reverse(name)).content.decode()
        assert scene.texts["team_note"] not in html, name
        assert scene.texts["org_note"] not in html, name


def test_the_appointments_page_reads_a_fixed_number_of_queries(client, scene):
    def count():
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("portal:appointments"))
        return len(queries)

    before = count()
    for days in range(1, 6):
        ContactFactory(episode=scene.episode, practitioner=UserFactory(), note_sharing="person")
        PlannedContactFactory(
            episode=scene.episode,
            practitioner=UserFactory(),
            starts_at=timezone.now() + dt.timedelta(days=days, hours=1),
        )
    assert count() == before


# --- Care team ----------------------------------------------------------------------------------


def test_the_care_team_page_shows_the_key_worker_and_the_team_across_organisations(client, scene):
    html = page(client, "portal:care-team")
    assert "Priya ShahA" in html and "Your key worker (Mental health practitioner)" in html
    assert escape(scene.partner.display_name) in html
    assert "Peer support worker" in html and "Peer Support A, Wellspring A" in html
    member = scene.episode.care_team.get()
    care_services.end_care_team_member(member=member, by=scene.key_worker)
    assert escape(scene.partner.display_name) not in page(client, "portal:care-team")


# --- Notes for the next conversation ------------------------------------------------------------


def test_the_person_adds_a_note_for_next_time_and_sees_whether_it_was_read(client, scene):
    html = page(client, "portal:notes")
    assert scene.texts["plan_note"] in html and "Not read yet" in html
    assert "This is not for urgent help" in html
    response = client.post(reverse("portal:notes"), {"text": "  Can we talk about work?  "})
    assert response.status_code == 302
    note = PlanNote.objects.filter(episode=scene.episode).latest("id")
    assert note.text == "Can we talk about work?"
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.action, event.basis) == (Part.PLAN, Action.CHANGE, Basis.SELF)
    care_services.mark_person_note_read(note=note, by=scene.key_worker)
    html = page(client, "portal:notes")
    today = timezone.localdate()
    assert f"Read by Priya ShahA on {today.day} {today:%B %Y}" in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Write what you would like to talk about"),
        ("   ", "Write what you would like to talk about"),
        ("x" * 2001, "Your note must be 2,000 characters or fewer"),
    ],
)
def test_a_note_must_have_words_and_not_be_too_long(client, scene, text, message):
    before = PlanNote.objects.count()
    html = client.post(reverse("portal:notes"), {"text": text}).content.decode()
    assert "There is a problem" in html and message in html
    assert PlanNote.objects.count() == before


def test_a_note_of_2000_characters_is_allowed(client, scene):
    assert client.post(reverse("portal:notes"), {"text": "y" * 2000}).status_code == 302


# --- Only their own -----------------------------------------------------------------------------


def test_the_person_sees_their_own_plan_goals_contacts_and_notes_and_nobody_elses(client, scene):
    other = person_in_care("B")
    care_services.add_person_note(episode=other.episode, text="Other person's note B")
    ContactFactory(
        episode=other.episode,
        practitioner=other.key_worker,
        note="Shared with B only",
        note_sharing=NoteSharing.PERSON,
    )
    html = "".join(client.get(reverse(name)).content.decode() for name in PAGES)
    seen = re.sub(r"<[^>]+>", "", html)  # text as read, so that linked phone numbers count
    for text in scene.texts.values():
        if text not in (scene.texts["team_note"], scene.texts["org_note"]):
            assert text in seen or text.replace("'", "&#39;") in seen, text
    for text in [*other.texts.values(), "Other person's note B", "Shared with B only"]:
        assert text not in seen and text.replace("'", "&#39;") not in seen, text
    assert "Priya ShahB" not in seen and "SamB" not in seen
    assert set(AccessEvent.objects.filter(user=scene.user).values_list("person_id", flat=True)) == {
        scene.person.pk
    }


def test_staff_without_a_linked_record_have_no_portal_pages(client):
    client.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    for name in PAGES:
        assert client.get(reverse(name)).status_code == 404, name
    assert client.post(reverse("portal:notes"), {"text": "Hi"}).status_code == 404
    assert not PlanNote.objects.exists()


def test_someone_not_signed_in_is_sent_to_sign_in(client):
    for name in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:sign-in"))
