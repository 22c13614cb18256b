"""The plan and goals pages: each page, its errors, the stale-edit guard, and that a person's
plan is reached only through the sharing module (404 without a basis, audited either way)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alongside.care import services
from alongside.care.models import CarePlanVersion, Episode, Goal, GoalRating, PlanNote, RatedBy
from alongside.care.tests.plan_fixtures import current_number, make_plan_place
from alongside.directory.tests.factories import service as directory_service
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory
from alongside.sharing.models import AccessEvent, Action, Basis, Consent, ConsentMethod, Part

pytestmark = pytest.mark.django_db

PAGES = [
    "plan",
    "edit",
    "agree",
    "versions",
    "print",
    "notes",
    "goals",
    "add-goal",
    "rate-goal",
    "end-goal",
]
CHANGE_PAGES = ["edit", "agree", "notes", "add-goal", "rate-goal", "end-goal"]


@pytest.fixture
def place():
    return make_plan_place()


@pytest.fixture
def worker(client, place):
    client.force_login(place.worker)
    return client


def url(place, name: str, **query) -> str:
    href = reverse(f"plans:{name}", kwargs={"person_id": place.person.pk})
    return href + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    """The page's main content as plain text."""
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")


def plan_data(base: int, rows: int = 3, **fields) -> dict[str, str]:
    data = {"base_version": str(base), "action_rows": str(rows)}
    data.update({k: str(v) for k, v in fields.items()})
    return data


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_someone_without_a_basis_gets_404_and_the_refusal_is_audited(client, place, name):
    place.save(about_me="Private words")
    client.force_login(place.outsider)
    response = client.get(url(place, name))
    assert response.status_code == 404
    assert b"Private words" not in response.content
    event = AccessEvent.objects.get(user=place.outsider)
    assert (event.person_id, event.part, event.allowed, event.basis) == (
        place.person.pk,
        Part.PLAN,
        False,
        Basis.NONE,
    )


@pytest.mark.parametrize("name", CHANGE_PAGES)
def test_a_change_without_a_basis_is_refused_and_saves_nothing(client, place, name):
    client.force_login(place.outsider)
    response = client.post(url(place, name), plan_data(0, about_me="Not mine", text="Mine"))
    assert response.status_code == 404
    assert not CarePlanVersion.objects.exists()
    assert not Goal.objects.exists()
    event = AccessEvent.objects.get(user=place.outsider)
    assert (event.action, event.allowed) == (Action.CHANGE, False)


def test_a_key_worker_cannot_write_into_another_persons_plan_through_this_one(worker, place):
    """The plan saved is always that of the person in the address, whoever else the user works
    with; a goal of someone else's cannot be rated from this person's page."""
    other = place.another_episode(given_name="Elin")
    theirs = services.add_goal(episode=other, text="Elin's goal", by=place.worker)
    worker.post(url(place, "edit"), plan_data(0, about_me="Dafydd's words"))
    assert CarePlanVersion.objects.get().plan.episode == place.episode
    response = worker.post(url(place, "rate-goal"), {"goal": theirs.pk, "score": "5"})
    assert response.status_code == 200
    assert "Choose one of the person's current goals" in text(response)
    assert not GoalRating.objects.exists()


@pytest.mark.parametrize("name", PAGES)
def test_every_page_says_so_when_there_is_no_open_episode(client, place, name):
    """After discharge the care team's basis ends; a coordinator triaging a new referral, at an
    organisation the person agreed to share their plan with, still reaches these pages, and is
    told there is no open episode."""
    from alongside.referrals.tests.factories import ReferralFactory

    Episode.objects.filter(pk=place.episode.pk).update(
        ended_at=timezone.now(), discharge_reason="02"
    )
    partner = MembershipFactory(role=Role.COORDINATOR).user
    ReferralFactory(person=place.person, team=partner.memberships.get().team)
    Consent.objects.create(
        person=place.person,
        organisation=partner.memberships.get().team.organisation,
        parts=[Part.PLAN],
        method=ConsentMethod.SPOKEN,
        recorded_by=place.worker,
        starts_on=timezone.localdate(),
    )
    client.force_login(partner)
    response = client.get(url(place, name))
    assert response.status_code == 200
    page = text(response)
    if name == "print":
        assert "There is no plan to print yet" in page
    else:
        assert "Dafydd has no open episode of care" in page
    assert AccessEvent.objects.get(user=partner).basis == Basis.OPEN_REFERRAL


def test_looking_is_audited_as_a_view_and_saving_as_a_change(worker, place):
    worker.get(url(place, "plan"))
    worker.post(url(place, "edit"), plan_data(0, about_me="Me"))
    events = AccessEvent.objects.filter(user=place.worker).order_by("id")
    assert [(e.route, e.part, e.action, e.basis) for e in events] == [
        ("plans:plan", Part.PLAN, Action.VIEW, Basis.CARE_TEAM),
        ("plans:edit", Part.PLAN, Action.CHANGE, Basis.CARE_TEAM),
    ]


# --- The plan page -----------------------------------------------------------------------------


def test_the_plan_page_before_any_plan_offers_to_write_one(worker, place):
    page = text(worker.get(url(place, "plan")))
    assert "No plan has been written for this episode of care yet" in page
    assert "Write the plan" in page


def test_the_plan_page_shows_the_current_version(worker, place):
    goal = services.add_goal(
        episode=place.episode, text="Go to the shops on my own", by=place.worker, first_rating=3
    )
    services.rate_goal(goal=goal, score=6, by=place.worker, rated_by=RatedBy.WITH_WORKER)
    review = timezone.localdate() + dt.timedelta(days=60)
    place.save(
        about_me="I grew up by the sea.\nI love my dog, Mabli.",
        warning_signs="Staying in bed all day",
        crisis_numbers="Wyvern crisis line: 0800 123 4567",
        actions=[
            {"who": "me", "what": "Walk Mabli every morning"},
            {"who": "key worker", "what": "Find a peer support group"},
        ],
        review_on=review,
        change_note="First plan",
    )
    page = text(worker.get(url(place, "plan")))
    assert "Version 1. Saved on" in page and "by Tom Okafor" in page
    assert "Not yet agreed" in page
    assert f"Review date {review.day} {review:%B %Y}" in page
    assert "I grew up by the sea. I love my dog, Mabli." in page
    assert "Go to the shops on my own" in page and "6 out of 10 on" in page
    assert "Me Walk Mabli every morning" in page.replace("Who ", "").replace("What ", "")
    assert "My key worker, Tom Okafor" in page
    assert "Wyvern crisis line: 0800 123 4567" in page
    assert "call NHS 111 and choose the mental health option" in page


def test_the_plan_page_says_when_the_goals_changed_since_the_version(worker, place):
    place.save(about_me="Me")
    services.add_goal(episode=place.episode, text="A new goal", by=place.worker)
    page = text(worker.get(url(place, "plan")))
    assert "The goals have changed since version 1 was saved" in page


def test_text_from_the_plan_is_escaped(worker, place):
    place.save(about_me='<script>alert("x")</script>')
    body = worker.get(url(place, "plan")).content.decode()
    assert '<script>alert("x")</script>' not in body
    assert "&lt;script&gt;" in body


def test_the_persons_unread_notes_show_and_can_be_marked_read(worker, place):
    note = services.add_person_note(episode=place.episode, text="Can we talk about work?")
    page = text(worker.get(url(place, "plan")))
    assert "Dafydd left a note for your next conversation" in page
    assert "Can we talk about work?" in page
    response = worker.post(url(place, "notes"), {"note": note.pk, "return_to": "plan"})
    assert response.status_code == 302
    assert response["Location"] == url(place, "plan")
    note.refresh_from_db()
    assert note.read_by == place.worker and note.read_at is not None
    assert "Can we talk about work?" not in text(worker.get(url(place, "plan")))
    notes_page = text(worker.get(url(place, "notes")))
    assert "Can we talk about work?" in notes_page
    assert "Read by Tom Okafor on" in notes_page


def test_a_note_of_someone_else_cannot_be_marked_read_from_this_record(worker, place):
    other = place.another_episode()
    theirs = services.add_person_note(episode=other, text="Not Dafydd's")
    response = worker.post(url(place, "notes"), {"note": theirs.pk, "return_to": "notes"})
    assert response.status_code == 200
    assert "This note is already marked as read" in text(response)
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert PlanNote.objects.filter(read_at__isnull=False).count() == 0


# --- Editing the plan --------------------------------------------------------------------------


def test_the_edit_form_starts_from_the_current_version(worker, place):
    place.save(about_me="I like walking", actions=[{"who": "me", "what": "Walk daily"}])
    body = worker.get(url(place, "edit")).content.decode()
    assert 'name="base_version" value="1"' in body
    assert "I like walking" in body
    assert 'value="Walk daily"' in body
    assert 'name="action_rows" value="3"' in body  # the one action and two empty rows


def test_saving_the_plan_makes_a_new_version(worker, place):
    service = directory_service("Peer Support Circle")
    review = timezone.localdate() + dt.timedelta(days=90)
    response = worker.post(
        url(place, "edit"),
        plan_data(
            0,
            about_me="I like walking",
            strengths="My sister Sam",
            action_0_what="Walk daily",
            action_0_who="me",
            action_1_what="Go to the circle on Thursdays",
            action_1_who=f"service:{service.pk}",
            action_2_what="Ring me on Sundays",
            action_2_who="someone",
            action_2_name="Sam, my sister",
            **{"review_on-day": review.day, "review_on-month": review.month},
            **{"review_on-year": review.year, "change_note": "First plan"},
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == url(place, "plan")
    version = CarePlanVersion.objects.get()
    assert (version.number, version.about_me, version.strengths) == (
        1,
        "I like walking",
        "My sister Sam",
    )
    assert version.actions == [
        {"who": "me", "what": "Walk daily"},
        {
            "who": "Peer Support Circle",
            "service_id": str(service.pk),
            "what": "Go to the circle on Thursdays",
        },
        {"who": "Sam, my sister", "what": "Ring me on Sundays"},
    ]
    assert version.review_on == review
    assert version.change_note == "First plan"
    page = text(worker.get(url(place, "plan")))
    assert "Plan saved as version 1" in page


def test_half_filled_actions_are_refused_and_nothing_is_saved(worker, place):
    response = worker.post(
        url(place, "edit"),
        plan_data(
            0,
            about_me="Keep these words",
            action_0_what="Walk daily",
            action_1_who="key_worker",
            action_2_who="someone",
            action_2_what="Ring me",
        ),
    )
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert "Choose who will do action 1" in page
    assert "Say what will be done in action 2" in page
    assert "Name who will do action 3" in page
    assert "Keep these words" in page
    assert not CarePlanVersion.objects.exists()


def test_a_review_date_in_the_past_is_refused_beside_the_field(worker, place):
    past = timezone.localdate() - dt.timedelta(days=1)
    response = worker.post(
        url(place, "edit"),
        plan_data(
            0,
            about_me="Me",
            **{"review_on-day": past.day, "review_on-month": past.month},
            **{"review_on-year": past.year},
        ),
    )
    assert response.status_code == 200
    assert 'href="#id_review_on"' in response.content.decode()
    assert "The review date must be today or later" in text(response)
    assert not CarePlanVersion.objects.exists()


def test_a_service_not_in_the_directory_is_refused(worker, place):
    response = worker.post(
        url(place, "edit"),
        plan_data(
            0,
            action_0_what="Go",
            action_0_who="service:00000000-0000-4000-8000-000000000000",
        ),
    )
    assert "Choose who will do this from the list" in text(response)
    assert not CarePlanVersion.objects.exists()


def test_a_stale_edit_is_refused_keeping_the_users_text_and_showing_the_other_changes(
    client, place
):
    place.save(about_me="I like walking.")
    # Ana opens version 1; Tom saves version 2 meanwhile.
    place.save(about_me="I like walking my dog.", base=1)
    client.force_login(place.colleague)
    response = client.post(
        url(place, "edit"), plan_data(1, about_me="I like swimming.", strengths="My sister")
    )
    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "There is a problem" in page
    assert (
        "Tom Okafor saved version 2 of the plan while you were editing version 1. Nothing you "
        "entered was saved" in page
    )
    assert 'href="#their-changes"' in body
    assert "What Tom Okafor changed in version 2" in page
    assert re.search(r"<ins[^>]*><span[^>]*>\[added: </span>walking my dog\.", body)
    # Nothing is lost: Ana's text is still in the form, now based on version 2.
    assert "I like swimming." in body and "My sister" in body
    assert 'name="base_version" value="2"' in body
    assert current_number(place.episode) == 2
    assert CarePlanVersion.objects.count() == 2
    # Saving again, with Tom's changes in view, makes version 3.
    again = client.post(url(place, "edit"), plan_data(2, about_me="I like swimming and my dog."))
    assert again.status_code == 302
    assert current_number(place.episode) == 3


# --- Agreement ---------------------------------------------------------------------------------


def test_recording_the_persons_agreement(worker, place):
    place.save(about_me="Me")
    page = text(worker.get(url(place, "agree")))
    assert "You are recording agreement to version 1 of the plan" in page
    today = timezone.localdate()
    response = worker.post(
        url(place, "agree"),
        {
            "version": "1",
            "agreed_on-day": today.day,
            "agreed_on-month": today.month,
            "agreed_on-year": today.year,
            "method": "spoken",
        },
    )
    assert response.status_code == 302
    version = CarePlanVersion.objects.get()
    assert (version.agreed_on, version.agreement_method) == (today, "spoken")
    page = text(worker.get(url(place, "plan")))
    assert f"Agreed on {today.day} {today:%B %Y}, in conversation" in page
    assert "Record the person's agreement" not in page
    assert "already agreed" in text(worker.get(url(place, "agree")))


def test_agreement_in_the_future_or_without_a_method_is_refused(worker, place):
    place.save(about_me="Me")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = worker.post(
        url(place, "agree"),
        {
            "version": "1",
            "agreed_on-day": tomorrow.day,
            "agreed_on-month": tomorrow.month,
            "agreed_on-year": tomorrow.year,
            "method": "spoken",
        },
    )
    assert "The date the person agreed cannot be in the future" in text(response)
    response = worker.post(url(place, "agree"), {"version": "1"})
    page = text(response)
    assert "Enter the date the person agreed" in page
    assert "Choose how the person agreed" in page
    assert CarePlanVersion.objects.get().agreed_on is None


def test_agreement_to_a_version_no_longer_current_is_refused(worker, place):
    place.save(about_me="One")
    place.save(about_me="Two")
    today = timezone.localdate()
    data = {
        "version": "1",
        "agreed_on-day": today.day,
        "agreed_on-month": today.month,
        "agreed_on-year": today.year,
        "method": "written",
    }
    response = worker.post(url(place, "agree"), data)
    page = text(response)
    assert "Only the current version of the plan can be agreed" in page
    assert "Version 2 is now the current version of the plan" in page
    assert 'name="version" value="2"' in response.content.decode()
    assert not CarePlanVersion.objects.filter(agreed_on__isnull=False).exists()


def test_there_is_nothing_to_agree_before_a_plan(worker, place):
    assert "there is nothing to agree" in text(worker.get(url(place, "agree")))
    response = worker.post(url(place, "agree"), {"version": "1", "method": "spoken"})
    assert response.status_code == 200
    assert not CarePlanVersion.objects.exists()


# --- Versions ----------------------------------------------------------------------------------


def test_the_versions_page_compares_the_last_two_by_default(worker, place):
    place.save(about_me="Call Sam on Fridays", change_note="First")
    place.save(about_me="Call Jo on Fridays", change_note="Sam moved away")
    response = worker.get(url(place, "versions"))
    body = response.content.decode()
    page = text(response)
    assert "Sam moved away" in page and "First" in page
    assert "Changes from version 1 to version 2" in page
    assert re.search(r"<del[^>]*><span[^>]*>\[removed: </span>Sam<span", body)
    assert re.search(r"<ins[^>]*><span[^>]*>\[added: </span>Jo<span", body)
    assert "Not changed: Our shared understanding" in page


def test_any_two_versions_can_be_compared_in_either_order(worker, place):
    place.save(about_me="One")
    place.save(about_me="Two")
    place.save(about_me="Three")
    page = text(worker.get(url(place, "versions", old=3, new=1)))
    assert "Changes from version 1 to version 3" in page
    response = worker.get(url(place, "versions", old=2, new=2))
    assert "Choose two different versions to compare" in text(response)
    response = worker.get(url(place, "versions", old=1, new=9))
    assert "Choose a version from the list" in text(response)


def test_with_one_version_there_is_nothing_to_compare(worker, place):
    place.save(about_me="One")
    assert "nothing to compare yet" in text(worker.get(url(place, "versions")))


# --- The printable plan ------------------------------------------------------------------------


def test_the_printable_plan_is_in_plain_english_for_the_person(worker, place):
    goal = services.add_goal(
        episode=place.episode, text="Go to the shops on my own", by=place.worker, first_rating=4
    )
    place.save(
        about_me="I like walking",
        what_i_can_do="Phone my sister",
        actions=[{"who": "key worker", "what": "Find a walking group"}],
    )
    response = worker.get(url(place, "print"))
    assert response.status_code == 200
    body = response.content.decode()
    page = text(response)
    assert "care/plan-print.css" in body
    assert "<header" not in body
    assert "Print or save as PDF" in page
    assert "My care and support plan" in page
    assert "Dafydd Rees" in page
    assert "My key worker Tom Okafor, Central CMHT" in page
    assert "Version 1, written on" in page and "Not agreed yet" in page
    assert goal.text in page and "How close I am now (0 to 10): 4 out of 10" in page
    assert "Who My key worker, Tom Okafor What Find a walking group" in page
    assert "Phone my sister" in page
    assert "call NHS 111" in page


# --- Goals -------------------------------------------------------------------------------------


def test_the_goals_page_draws_each_goals_ratings_with_a_table_beside(worker, place):
    goal = services.add_goal(
        episode=place.episode, text="Sleep through the night", by=place.worker, first_rating=2
    )
    services.rate_goal(goal=goal, score=5, by=place.worker, rated_by=RatedBy.WITH_WORKER)
    response = worker.get(url(place, "goals"))
    body = response.content.decode()
    assert '<svg class="app-chart"' in body
    assert 'role="img"' in body
    assert f'aria-labelledby="goal-{goal.pk}-chart-title goal-{goal.pk}-chart-desc"' in body
    assert "<title" in body and "<desc" in body
    assert "<polyline" in body and body.count("<circle") == 2
    page = text(response)
    assert "Ratings out of 10, earliest first" in page
    assert "2 out of 10" in body and "5 out of 10" in body  # in the chart's description
    assert "Latest rating: 5 out of 10" in page


def test_adding_a_goal_with_a_first_rating(worker, place):
    response = worker.post(
        url(place, "add-goal"), {"text": "I want to cook for my friends", "first_rating": "3"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(place, "goals")
    goal = Goal.objects.get()
    assert (goal.episode, goal.text, goal.created_by) == (
        place.episode,
        "I want to cook for my friends",
        place.worker,
    )
    assert [r.score for r in goal.ratings.all()] == [3]


def test_adding_a_goal_without_words_or_with_a_rating_of_11_saves_nothing(worker, place):
    response = worker.post(url(place, "add-goal"), {"text": "", "first_rating": "11"})
    page = text(response)
    assert "Write the goal in the person's own words" in page
    assert "Choose a number from 0 to 10" in page
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("score", "saved"), [("-1", False), ("0", True), ("10", True), ("11", False), ("", False)]
)
def test_rating_a_goal_from_0_to_10(worker, place, score, saved):
    goal = services.add_goal(episode=place.episode, text="Walk", by=place.worker)
    response = worker.post(url(place, "rate-goal", goal=goal.pk), {"goal": goal.pk, "score": score})
    if saved:
        assert response.status_code == 302
        assert [r.score for r in goal.ratings.all()] == [int(score)]
    else:
        assert response.status_code == 200
        assert "Choose a number from 0 to 10" in text(response)
        assert not goal.ratings.exists()


def test_the_rate_page_names_the_goal_from_its_link_or_asks_which(worker, place):
    walk = services.add_goal(episode=place.episode, text="Walk to the park", by=place.worker)
    services.add_goal(episode=place.episode, text="Get back to work", by=place.worker)
    named = worker.get(url(place, "rate-goal", goal=walk.pk)).content.decode()
    assert f'type="hidden" name="goal" value="{walk.pk}"' in named
    assert "Which goal?" not in named
    chosen = text(worker.get(url(place, "rate-goal")))
    assert "Which goal?" in chosen and "Get back to work" in chosen
    response = worker.post(url(place, "rate-goal"), {"score": "4"})
    assert "Choose the goal" in text(response)


def test_there_is_nothing_to_rate_without_goals(worker, place):
    page = text(worker.get(url(place, "rate-goal")))
    assert "Dafydd has no current goals" in page


def test_ending_a_goal_with_the_reason(worker, place):
    goal = services.add_goal(episode=place.episode, text="Walk", by=place.worker, first_rating=9)
    response = worker.post(
        url(place, "end-goal", goal=goal.pk), {"goal": goal.pk, "because": "other"}
    )
    assert "Say why the goal ends" in text(response)
    response = worker.post(
        url(place, "end-goal", goal=goal.pk),
        {"goal": goal.pk, "because": "reached", "detail": "Walks every day now"},
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.ended_because == "Reached: Walks every day now"
    page = text(worker.get(url(place, "goals")))
    assert "Ended goals" in page and "Reached: Walks every day now" in page
    # An ended goal is no longer offered for rating.
    response = worker.post(url(place, "rate-goal"), {"goal": goal.pk, "score": "10"})
    assert "Choose one of the person's current goals" in text(response)


@pytest.mark.parametrize("name", ["plan", "goals", "print"])
def test_pages_take_the_same_number_of_queries_however_many_goals(worker, place, name):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert worker.get(url(place, name)).status_code == 200
        return len(queries)

    def add_rated_goal(n: int) -> None:
        goal = services.add_goal(
            episode=place.episode, text=f"Goal {n}", by=place.worker, first_rating=n
        )
        services.rate_goal(goal=goal, score=n + 1, by=place.worker, rated_by=RatedBy.WITH_WORKER)

    add_rated_goal(1)
    place.save(about_me="Me")
    few = count()
    for n in range(2, 7):
        add_rated_goal(n)
    place.save(about_me="Me again")
    assert count() == few
