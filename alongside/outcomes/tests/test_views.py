"""The staff outcome measures pages: each page for the key worker, refusal without a basis, bad
input that saves nothing, completed responses that cannot change, corrections and their
history, acknowledging a prompt, a DIALOG domain turned into a plan goal, and a page whose
query count does not grow with the number of responses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alongside.care import services as care
from alongside.care.models import Episode, Goal, GoalRating
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, key_worker_for
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.outcomes import services
from alongside.outcomes.models import Mode, Response, Score, Status
from alongside.outcomes.tests.factories import (
    DIALOG_MIDDLING,
    PHQ9_MILD,
    answered,
    load_collaborate_wording,
    started,
)
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    place = make_plan_place()
    # The episode started a while ago, so responses can be dated through it.
    Episode.objects.filter(pk=place.episode.pk).update(
        started_at=timezone.now() - dt.timedelta(days=800)
    )
    place.episode.refresh_from_db()
    return place


@pytest.fixture
def worker(client, place):
    client.force_login(place.worker)
    return client


def url(place, name: str, response: Response | None = None, **query) -> str:
    kwargs = {"person_id": place.person.pk}
    if response is not None:
        kwargs["response_id"] = response.pk
    href = reverse(f"outcomes:{name}", kwargs=kwargs)
    return href + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def text(response) -> str:
    """The page's main content as plain text."""
    body = response.content.decode()
    main = re.search(r"<main.*?</main>", body, re.S).group(0)
    main = re.sub(r"<svg.*?</svg>", " ", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).replace("&#39;", "'")


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def phq9(total: int, q9: str = "0") -> list[str]:
    """PHQ-9 answers adding up to ``total`` (question 9 as given)."""
    rest = total - int(q9)
    answers = []
    for _ in range(8):
        step = min(3, rest)
        answers.append(str(step))
        rest -= step
    assert rest == 0
    return [*answers, q9]


def dialog(**ratings: str) -> dict[str, object]:
    """DIALOG answers: every domain 4 unless given (``d4="2"``); ``help4=True`` for more help."""
    answers: dict[str, object] = dict(DIALOG_MIDDLING)
    for key, value in ratings.items():
        if key.startswith("help"):
            answers[f"{key[4:]}-help"] = value
        else:
            answers[key[1:]] = value
    return answers


# --- Access --------------------------------------------------------------------------------------

RESPONSE_PAGES = ["fill", "response", "correct", "acknowledge", "discard"]
CHANGES = ["start", "fill", "correct", "acknowledge", "discard", "goal-from-domain"]


def _target(place, name: str) -> Response | None:
    if name not in RESPONSE_PAGES:
        return None
    if name in ("fill", "discard"):
        return started(place.episode, "phq9", by=place.worker)
    return answered(place.episode, "phq9", phq9(7, q9="1"), by=place.worker)


@pytest.mark.parametrize("name", ["person", "start", "goal-from-domain", *RESPONSE_PAGES])
def test_someone_without_a_basis_gets_404_and_the_refusal_is_audited(client, place, name):
    target = _target(place, name)
    client.force_login(place.outsider)
    response = client.get(url(place, name, target))
    assert response.status_code == 404
    event = AccessEvent.objects.get(user=place.outsider)
    part = Part.PLAN if name == "goal-from-domain" else Part.OUTCOMES
    assert (event.person_id, event.part, event.allowed, event.basis) == (
        place.person.pk,
        part,
        False,
        Basis.NONE,
    )


@pytest.mark.parametrize("name", CHANGES)
def test_a_change_without_a_basis_is_refused_and_saves_nothing(client, place, name):
    target = _target(place, name)
    before = (Response.objects.count(), Goal.objects.count())
    answers = dict(target.answers) if target is not None else None
    client.force_login(place.outsider)
    data = {"measure": "phq9", "reason": "Mine", "text": "Accommodation: mine", "domain": "4"}
    data.update({"q-1": "3", "action": "save"})
    response = client.post(url(place, name, target), data)
    assert response.status_code == 404
    assert (Response.objects.count(), Goal.objects.count()) == before
    if target is not None:
        target.refresh_from_db()
        assert target.prompt_seen_at is None and target.answers == answers
    event = AccessEvent.objects.get(user=place.outsider)
    assert (event.action, event.allowed) == (Action.CHANGE, False)


def test_a_response_is_reached_only_through_its_own_persons_record(worker, place):
    """Another person's response id in this person's address is a 404, even for a user who
    works with both."""
    other = place.another_episode(given_name="Elin")
    theirs = answered(other, "phq9", PHQ9_MILD, by=place.worker)
    mine = reverse(
        "outcomes:response", kwargs={"person_id": place.person.pk, "response_id": theirs.pk}
    )
    assert worker.get(mine).status_code == 404
    fill = reverse("outcomes:fill", kwargs={"person_id": place.person.pk, "response_id": theirs.pk})
    assert worker.post(fill, {"q-1": "3", "action": "save"}).status_code == 404


def test_looking_is_audited_as_a_view_and_starting_as_a_change(worker, place):
    worker.get(url(place, "person"))
    worker.post(url(place, "start"), {"measure": "phq9", "episode": place.episode.pk})
    events = AccessEvent.objects.filter(user=place.worker).order_by("id")
    assert [(e.route, e.part, e.action, e.basis) for e in events][:2] == [
        ("outcomes:person", Part.OUTCOMES, Action.VIEW, Basis.CARE_TEAM),
        ("outcomes:start", Part.OUTCOMES, Action.CHANGE, Basis.CARE_TEAM),
    ]


# --- The person's page ---------------------------------------------------------------------------


def test_the_page_before_any_measure_offers_to_start_one(worker, place):
    response = worker.get(url(place, "person"))
    assert response.status_code == 200
    page = text(response)
    assert "Outcome measures" in page and "Complete a measure" in page
    for title in ("DIALOG", "GAD-7", "Goal Based Outcomes", "PHQ-9"):
        assert title in page
    assert "ReQoL-10" not in page  # no licensed wording loaded
    assert "No measures have been completed in this episode yet" in page
    assert "Outcome measures" in [
        m for m in re.findall(r'app-record-nav__link"[^>]*>([^<]+)<', response.content.decode())
    ]


def test_without_an_episode_the_page_says_so_instead_of_the_form(client, place):
    Episode.objects.filter(pk=place.episode.pk).update(
        ended_at=timezone.now(), discharge_reason="02"
    )
    # The care team's basis ends with the episode; a coordinator of the team triaging a new
    # referral sees the measures because the person agreed to share them.
    from alongside.organisations.tests.factories import MembershipFactory
    from alongside.referrals.tests.factories import ReferralFactory
    from alongside.sharing.models import Consent, ConsentMethod

    coordinator = MembershipFactory(role="coordinator", team=place.team).user
    ReferralFactory(person=place.person, team=place.team)
    client.force_login(coordinator)

    Consent.objects.create(
        person=place.person,
        organisation=place.team.organisation,
        parts=[Part.OUTCOMES],
        method=ConsentMethod.SPOKEN,
        recorded_by=place.worker,
        starts_on=timezone.localdate(),
    )
    page = text(client.get(url(place, "person")))
    assert "This episode of care has ended" in page
    assert "Start" not in re.findall(r"<button[^>]*>\s*([^<]+?)\s*<", page)


def test_the_page_shows_each_measure_first_to_latest_with_a_chart_and_table(worker, place):
    answered(place.episode, "phq9", phq9(17), by=place.worker, at=ago(90))
    answered(place.episode, "phq9", phq9(12), by=place.worker, at=ago(60))
    answered(place.episode, "phq9", phq9(8), by=place.worker, at=ago(30), mode=Mode.SELF)
    response = worker.get(url(place, "person"))
    body = response.content.decode()
    page = text(response)
    assert "PHQ-9 total score" in page
    assert "First 17 (Moderately severe) on" in page
    assert "Latest 8 (Mild) on" in page
    assert "Change 9 points lower" in page
    assert "Reliable improvement" in page
    assert "Dafydd, in their portal" in page and "Tom Okafor" in page
    assert body.count('<svg class="app-chart"') == 1
    assert "3 scores, from 17 on" in body  # the chart's text alternative
    assert body.count("<circle") == 3
    view = url(place, "response", Response.objects.order_by("completed_at").last())
    assert view in body


def test_a_corrected_response_is_replaced_by_its_correction_in_the_change(worker, place):
    first = answered(place.episode, "phq9", phq9(17), by=place.worker, at=ago(90))
    answered(place.episode, "phq9", phq9(12), by=place.worker, at=ago(30))
    correction = services.start_correction(
        response=first, reason="Question 1 was entered as 3, the person said 1", by=place.worker
    )
    services.complete_response(
        response=correction, by=place.worker, completed_at=first.completed_at, answers={"1": "1"}
    )
    page = text(worker.get(url(place, "person")))
    assert "First 15 (Moderately severe) on" in page
    assert "Change 3 points lower" in page and "No reliable change" in page
    assert "Corrected entry" in page
    assert "from 17" not in page


def test_flags_show_a_callout_until_someone_has_seen_them(worker, place):
    flagged = answered(place.episode, "phq9", phq9(9, q9="2"), by=place.worker, at=ago(2))
    page = text(worker.get(url(place, "person")))
    assert "Thoughts of being better off dead or of self-harm" in page
    assert "review their safety plan today" in page
    assert "I have seen this and will review the safety plan" in page
    body = worker.get(url(place, "person")).content.decode()
    assert reverse("plans:plan", kwargs={"person_id": place.person.pk}) + "#safety-plan" in body

    response = worker.post(url(place, "acknowledge", flagged), {"return_to": "person"})
    assert response.status_code == 302 and response.url == url(place, "person")
    flagged.refresh_from_db()
    assert flagged.prompt_seen_by == place.worker
    assert timezone.now() - flagged.prompt_seen_at < dt.timedelta(minutes=1)
    page = text(worker.get(url(place, "person")))
    assert "I have seen this and will review the safety plan" not in page
    when = timezone.localdate()
    assert f"Seen by Tom Okafor on {when.day} {when:%B %Y}" in page
    page = text(worker.get(url(place, "response", flagged)))
    assert f"Seen by Tom Okafor on {when.day} {when:%B %Y}" in page


def test_acknowledging_a_response_with_nothing_to_acknowledge_says_so(worker, place):
    quiet = answered(place.episode, "phq9", PHQ9_MILD, by=place.worker)
    response = worker.post(url(place, "acknowledge", quiet))
    assert response.status_code == 200
    assert "This response raised nothing to acknowledge" in text(response)
    quiet.refresh_from_db()
    assert quiet.prompt_seen_at is None


def test_dialog_domains_side_by_side_with_more_help(worker, place):
    answered(place.episode, "dialog", dialog(d4="5"), by=place.worker, at=ago(40))
    answered(
        place.episode, "dialog", dialog(d4="2", help4=True, d6="6"), by=place.worker, at=ago(5)
    )
    page = text(worker.get(url(place, "person")))
    assert "Each part of life, side by side" in page
    row = re.search(r"Accommodation Before 5 .*? More help Wants more help", page)
    assert row is not None and "−3 (worse)" in row.group(0)
    assert "Friendships Before 4 Fairly" not in page
    assert re.search(r"Friendships Before 4 In the middle Latest 6 Very satisfied Change \+2", page)
    assert re.search(r"Accommodation\s*: very dissatisfied, was fairly satisfied", page)
    assert 'value="Accommodation: "' in worker.get(url(place, "person")).content.decode()


# --- Starting a measure ---------------------------------------------------------------------------


def test_starting_a_measure_goes_to_its_questions(worker, place):
    response = worker.post(url(place, "start"), {"measure": "gad7", "episode": place.episode.pk})
    made = Response.objects.get()
    assert response.status_code == 302 and response.url == url(place, "fill", made)
    assert (made.questionnaire.name, made.mode, made.started_by) == (
        "gad7",
        Mode.WITH_PRACTITIONER,
        place.worker,
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Choose a measure"),
        ({"measure": "no-such"}, "Choose one of the measures listed"),
        ({"measure": "reqol10"}, "Choose one of the measures listed"),
        ({"measure": "gbo"}, "Choose at least one goal to rate"),
    ],
)
def test_bad_input_to_start_is_explained_and_saves_nothing(worker, place, data, message):
    care.add_goal(episode=place.episode, text="Sleep better", by=place.worker)
    response = worker.post(url(place, "start"), {"episode": place.episode.pk, **data})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page and message in page
    assert response.content.decode().count(message) == 2  # in the summary and beside the field
    assert not Response.objects.exists()


def test_goal_based_outcomes_need_a_goal_in_the_plan_first(worker, place):
    response = worker.post(url(place, "start"), {"measure": "gbo", "episode": place.episode.pk})
    page = text(response)
    assert "Dafydd has no current goals to rate. Add a goal to their plan first" in page
    assert not Response.objects.exists()


def test_goals_from_another_record_cannot_be_rated(worker, place):
    other = place.another_episode(given_name="Elin")
    theirs = care.add_goal(episode=other, text="Elin's goal", by=place.worker)
    response = worker.post(
        url(place, "start"), {"measure": "gbo", "episode": place.episode.pk, "goal-1": theirs.pk}
    )
    assert response.status_code == 200
    assert "Choose one of Dafydd's current goals" in text(response)
    assert not Response.objects.exists()


def test_the_same_goal_twice_is_refused(worker, place):
    goal = care.add_goal(episode=place.episode, text="Sleep better", by=place.worker)
    response = worker.post(
        url(place, "start"),
        {"measure": "gbo", "episode": place.episode.pk, "goal-1": goal.pk, "goal-2": goal.pk},
    )
    assert "Choose a different goal for each rating" in text(response)
    assert not Response.objects.exists()


def test_an_ended_episode_cannot_be_started_in(worker, place):
    ended = place.episode.pk
    fresh = place.another_episode(given_name="Again")  # keeps the worker's care-team basis
    Episode.objects.filter(pk=fresh.pk).update(person=place.person)
    Episode.objects.filter(pk=ended).update(ended_at=timezone.now(), discharge_reason="02")
    response = worker.post(url(place, "start"), {"measure": "phq9", "episode": ended})
    assert response.status_code == 200
    assert "This episode of care has ended" in text(response)
    assert not Response.objects.exists()
    response = worker.post(url(place, "start"), {"measure": "phq9", "episode": "x"})
    assert "This episode of care has ended" in text(response)


def test_goal_based_outcomes_show_each_goal_above_its_rating_and_rate_the_goals(worker, place):
    first = care.add_goal(episode=place.episode, text="Walk to the shops", by=place.worker)
    second = care.add_goal(episode=place.episode, text="Sleep through the night", by=place.worker)
    care.add_goal(episode=place.episode, text="Not chosen", by=place.worker)
    worker.post(
        url(place, "start"),
        {"measure": "gbo", "episode": place.episode.pk, "goal-2": second.pk, "goal-3": first.pk},
    )
    made = Response.objects.get()
    assert {link.link_id: link.goal for link in made.goal_links.all()} == {
        "goal-1": second,
        "goal-2": first,
    }
    page = text(worker.get(url(place, "fill", made)))
    assert page.index("Sleep through the night") < page.index("Goal 1: how close")
    assert page.index("Walk to the shops") < page.index("Goal 2: how close")
    assert "Goal 3" not in page and "Not chosen" not in page
    response = worker.post(
        url(place, "fill", made), {"q-goal-1": "3", "q-goal-2": "7", "action": "finish"}
    )
    assert response.status_code == 302
    assert {r.goal_id: r.score for r in GoalRating.objects.all()} == {second.pk: 3, first.pk: 7}


# --- Filling in -----------------------------------------------------------------------------------


def test_save_and_finish_later_keeps_the_answers(worker, place):
    made = started(place.episode, "phq9", by=place.worker)
    response = worker.post(url(place, "fill", made), {"q-1": "2", "q-2": "1", "action": "save"})
    assert response.status_code == 302 and response.url == url(place, "person")
    made.refresh_from_db()
    assert made.answers == {"1": "2", "2": "1"} and made.status == Status.IN_PROGRESS
    page = text(worker.get(url(place, "person")))
    assert "In progress" in page and "2 answers saved" in page
    assert "Continue PHQ-9" in page and "Discard PHQ-9" in page
    body = worker.get(url(place, "fill", made)).content.decode()
    assert re.search(r'value="2"\s+checked', body)


def test_finishing_with_questions_unanswered_says_which_and_saves_nothing(worker, place):
    made = started(place.episode, "phq9", by=place.worker)
    response = worker.post(url(place, "fill", made), {"q-1": "2", "action": "finish"})
    assert response.status_code == 200
    page = text(response)
    assert "There is a problem" in page
    assert page.count("Answer this question") == 2 * 8  # summary and inline, questions 2 to 9
    assert 'href="#id_q-2"' in response.content.decode()
    made.refresh_from_db()
    assert made.status == Status.IN_PROGRESS and made.answers == {}
    assert not Score.objects.exists()


def test_an_answer_outside_the_options_is_refused(worker, place):
    made = started(place.episode, "phq9", by=place.worker)
    response = worker.post(url(place, "fill", made), {"q-1": "9", "action": "save"})
    assert response.status_code == 200 and "There is a problem" in text(response)
    made.refresh_from_db()
    assert made.answers == {}


def test_finishing_scores_the_response_and_shows_it(worker, place):
    made = started(place.episode, "phq9", by=place.worker)
    answers = {f"q-{n}": code for n, code in enumerate(phq9(12, q9="1"), start=1)}
    response = worker.post(url(place, "fill", made), {**answers, "action": "finish"})
    assert response.status_code == 302 and response.url == url(place, "response", made)
    made.refresh_from_db()
    assert made.status == Status.COMPLETED and made.completed_by == place.worker
    page = text(worker.get(url(place, "response", made)))
    assert "PHQ-9 completed on" in page and "Current" in page
    assert "Total score 12 (from 0 to 27) Moderate" in page
    assert "Little interest or pleasure in doing things Several days" in page or (
        "Little interest or pleasure in doing things Nearly every day" in page
    )
    assert "Thoughts of being better off dead or of self-harm" in page
    assert "Correct this response" in page


def test_a_completed_response_cannot_be_posted_to(worker, place):
    done = answered(place.episode, "phq9", PHQ9_MILD, by=place.worker)
    before = dict(done.answers)
    response = worker.post(url(place, "fill", done), {"q-1": "3", "action": "finish"})
    assert response.status_code == 302 and response.url == url(place, "response", done)
    done.refresh_from_db()
    assert done.answers == before
    assert worker.get(url(place, "fill", done)).status_code == 302
    page = text(worker.get(url(place, "response", done)))
    assert "cannot be changed" in page


def test_dialogs_more_help_question_follows_its_domain(worker, place):
    made = started(place.episode, "dialog", by=place.worker)
    page = text(worker.get(url(place, "fill", made)))
    order = [
        page.index("1. How satisfied are you with your mental health?"),
        page.index("Do you want more help with your mental health?"),
        page.index("2. How satisfied are you with your physical health?"),
        page.index("Do you want more help with your physical health?"),
    ]
    assert order == sorted(order)
    assert "How satisfied are you with each of these at the moment?" in page


def test_discarding_asks_first_then_deletes(worker, place):
    made = started(place.episode, "phq9", by=place.worker)
    page = text(worker.get(url(place, "discard", made)))
    assert "Discard this response?" in page
    response = worker.post(url(place, "discard", made))
    assert response.status_code == 302 and not Response.objects.exists()
    done = answered(place.episode, "phq9", PHQ9_MILD, by=place.worker)
    response = worker.post(url(place, "discard", done))
    assert response.status_code == 200 and "cannot be changed" in text(response)
    assert Response.objects.filter(pk=done.pk).exists()


# --- Corrections ----------------------------------------------------------------------------------


def test_a_correction_says_why_and_both_responses_show_the_history(worker, place):
    original = answered(place.episode, "phq9", phq9(10), by=place.worker, at=ago(20))
    response = worker.post(url(place, "correct", original), {"reason": " "})
    assert response.status_code == 200
    assert "Say what was wrong, so the history explains itself" in text(response)
    assert Response.objects.count() == 1

    response = worker.post(url(place, "correct", original), {"reason": "Q1 was 3, said 0"})
    correction = Response.objects.get(corrects=original)
    assert response.url == url(place, "fill", correction)
    assert "You are correcting the response completed on" in text(worker.get(response.url))
    answers = {f"q-{k}": v for k, v in correction.answers.items()}
    worker.post(url(place, "fill", correction), {**answers, "q-1": "0", "action": "finish"})
    correction.refresh_from_db()
    assert correction.is_completed
    assert correction.completed_at == original.completed_at  # the date the answers were given

    page = text(worker.get(url(place, "response", original)))
    assert "Replaced by a correction" in page
    assert "Corrected on" in page and "Why: Q1 was 3, said 0" in page
    assert "See the correction" in page and "Correct this response" not in page
    page = text(worker.get(url(place, "response", correction)))
    assert "This corrects the response completed on" in page and "Why: Q1 was 3, said 0" in page
    assert "Total score 7" in page
    page = text(worker.get(url(place, "correct", original)))
    assert "This response has already been corrected" in page


# --- From a DIALOG domain to a plan goal ----------------------------------------------------------


def test_a_domain_becomes_a_plan_goal_in_one_step(worker, place):
    answered(place.episode, "dialog", dialog(d4="2", help4=True), by=place.worker)
    response = worker.post(
        url(place, "goal-from-domain"),
        {"domain": "4", "episode": place.episode.pk, "text": "Accommodation: find a flat"},
    )
    goal = Goal.objects.get()
    assert (goal.episode, goal.text, goal.created_by) == (
        place.episode,
        "Accommodation: find a flat",
        place.worker,
    )
    assert response.status_code == 302
    assert response.url == url(place, "person") + f"?goal={goal.pk}#goal-added"
    page = text(worker.get(response.url))
    assert "Goal added to the plan" in page and "“Accommodation: find a flat”" in page
    assert "See Dafydd's goals" in page
    event = AccessEvent.objects.filter(route="outcomes:goal-from-domain").get()
    assert (event.part, event.action) == (Part.PLAN, Action.CHANGE)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"domain": "4", "text": "Accommodation: "}, "in the person's own words after"),
        ({"domain": "4", "text": ""}, "Write the goal in the person's own words"),
        ({"domain": "99", "text": "Something"}, "Choose one of the parts of life listed"),
    ],
)
def test_a_domain_goal_needs_words(worker, place, data, message):
    response = worker.post(url(place, "goal-from-domain"), {"episode": place.episode.pk, **data})
    assert response.status_code == 200
    assert message in text(response)
    assert not Goal.objects.exists()


def test_a_domain_goal_says_whose_words_it_is_in(worker, place):
    answered(place.episode, "dialog", dialog(d4="2", help4=True), by=place.worker)
    body = worker.get(url(place, "person")).content.decode()
    assert 'id="worded-4"' in body and 'name="worded_by"' in body
    assert "Whose words is it in?" in body
    worker.post(
        url(place, "goal-from-domain"),
        {
            "domain": "4",
            "episode": place.episode.pk,
            "text": "Accommodation: a place with a garden",
            "worded_by": "person",
        },
    )
    assert Goal.objects.get().worded_by == "person"
    response = worker.post(
        url(place, "goal-from-domain"),
        {"domain": "4", "episode": place.episode.pk, "text": "Accommodation: x", "worded_by": "?"},
    )
    assert "Choose whose words the goal is in from the list" in text(response)
    assert Goal.objects.count() == 1
    page = text(worker.get(url(place, "goal-from-domain", domain="4")))
    assert "Whose words is the goal in?" in page


def test_the_domain_goal_page_works_on_its_own(worker, place):
    page = worker.get(url(place, "goal-from-domain", domain="8"))
    assert page.status_code == 200
    assert 'value="Personal safety: "' in page.content.decode() or (
        "Personal safety: </textarea>" in page.content.decode()
    )


# --- CollaboRATE after each review of the plan ---------------------------------------------------


def test_collaborate_is_offered_on_the_outcomes_page_after_the_plan_is_agreed(worker, place):
    version = place.save(about_me="Reviewed together")
    page = text(worker.get(url(place, "person")))
    assert "Due now" not in page
    today = timezone.localdate()
    care.record_plan_agreement(version=version, agreed_on=today, method="spoken", by=place.worker)
    assert "CollaboRATE" not in text(worker.get(url(place, "person")))  # no wording here yet
    load_collaborate_wording()
    page = text(worker.get(url(place, "person")))
    assert "Due now CollaboRATE Due Asked after each review of the plan" in page
    assert f"version 1 was agreed on {today.day} {today:%B %Y}" in page
    assert "best filled in by them on their own, in their portal" in page
    # Completed with the key worker through the ordinary flow: about version 1, and not due again.
    response = worker.post(
        url(place, "start"), {"measure": "collaborate", "episode": place.episode.pk}
    )
    assert response.status_code == 302
    started_response = Response.objects.get(questionnaire__name="collaborate")
    assert started_response.plan_version == version
    finish = worker.post(
        url(place, "fill", started_response),
        {"q-1": "9", "q-2": "9", "q-3": "9", "action": "finish"},
    )
    assert finish.status_code == 302
    page = text(worker.get(url(place, "person")))
    assert "Due now" not in page


# --- Queries --------------------------------------------------------------------------------------


def test_the_page_takes_the_same_number_of_queries_however_many_responses(worker, place):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert worker.get(url(place, "person")).status_code == 200
        return len(queries)

    def month(n: int) -> None:
        answered(place.episode, "phq9", phq9(n % 20, q9="1"), by=place.worker, at=ago(700 - 30 * n))
        answered(place.episode, "dialog", dialog(help3=True), by=place.worker, at=ago(699 - 30 * n))

    care.add_goal(episode=place.episode, text="Sleep better", by=place.worker)
    month(1)
    first = Response.objects.filter(questionnaire__name="phq9").first()
    services.complete_response(
        response=services.start_correction(response=first, reason="Typo", by=place.worker),
        by=place.worker,
        completed_at=first.completed_at,
    )
    started(place.episode, "gad7", by=place.worker)
    few = count()
    for n in range(2, 11):
        month(n)
    started(place.episode, "phq9", by=place.worker)
    assert Response.objects.filter(status=Status.COMPLETED).count() == 21
    assert count() == few


def test_a_measure_can_be_started_as_part_of_a_recent_contact(client):
    episode = EpisodeFactory()
    worker = key_worker_for(episode)
    contact = ContactFactory(episode=episode, practitioner=worker, starts_at=timezone.now())
    ContactFactory(
        episode=episode, practitioner=worker, starts_at=timezone.now() - dt.timedelta(days=40)
    )
    client.force_login(worker)
    person_id = episode.person_id
    page = client.get(
        reverse("outcomes:person", kwargs={"person_id": person_id}), {"contact": contact.pk}
    ).content.decode()
    assert page.count("Is it part of a contact?") == 1
    assert f'<option value="{contact.pk}" selected' in page
    reply = client.post(
        reverse("outcomes:start", kwargs={"person_id": person_id}),
        {"measure": "gad7", "contact": str(contact.pk)},
    )
    assert reply.status_code == 302
    response = Response.objects.get(person_id=person_id)
    assert response.contact == contact
    view = client.get(
        reverse("outcomes:response", kwargs={"person_id": person_id, "response_id": response.pk})
    ).content.decode()
    assert "In the contact" in view
    # A contact from another episode, or from long ago, is not offered and is refused.
    old = ContactFactory(starts_at=timezone.now())
    reply = client.post(
        reverse("outcomes:start", kwargs={"person_id": person_id}),
        {"measure": "gad7", "contact": str(old.pk)},
    )
    assert "Choose one of the contacts listed" in reply.content.decode()
    assert Response.objects.filter(person_id=person_id).count() == 1
