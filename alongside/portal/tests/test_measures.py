"""Questionnaires in the portal: what is due, starting one (or going on with one), one question a
page, saving and finishing later, checking and sending, the confirmation with the scores in plain
words, and the reminder on the home page. A person reaches only their own responses; staff none.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.care import services as care_services
from alongside.care.models import GoalRating, RatedBy
from alongside.outcomes import registry, services
from alongside.outcomes.models import Mode, Response, ResponseGoal, Score, Status
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, PHQ9_MILD, answered, started
from alongside.portal.tests.factories import person_in_care
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db

MEASURES = reverse("portal:measures")
START = reverse("portal:measure-start")


@pytest.fixture
def scene(client):
    scene = person_in_care("A")
    client.force_login(scene.user)
    return scene


def ask_for(scene, measure, *, grace_days=90, at_start=True, every_weeks=None):
    """The person's lead team asks for ``measure`` (by default at the start of care, which
    began 60 days ago, with 90 days' grace: due now, not overdue)."""
    return services.save_schedule(
        team=scene.episode.lead_team,
        measure=measure,
        at_start=at_start,
        every_weeks=every_weeks,
        at_discharge=False,
        grace_days=grace_days,
        by=scene.key_worker,
    )


def question_url(response, number, *, returning=False):
    url = reverse("portal:measure-question", kwargs={"response_id": response.pk, "number": number})
    return f"{url}?return=check" if returning else url


def check_url(response):
    return reverse("portal:measure-check", kwargs={"response_id": response.pk})


def done_url(response):
    return reverse("portal:measure-done", kwargs={"response_id": response.pk})


def start(client, measure):
    response = client.post(START, {"measure": measure})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Response.objects.filter(questionnaire__name=measure).latest("id"), response


def own_dialog(client, scene):
    ask_for(scene, "dialog")
    return start(client, "dialog")[0]


def answer_dialog(client, response, *, more_help_with="1", rating="5"):
    """Answer every DIALOG page through the portal, saying yes to more help with one domain."""
    for n in range(1, 12):
        data = {f"q-{n}": rating, f"q-{n}-help": "yes" if str(n) == more_help_with else "no"}
        reply = client.post(question_url(response, n), data)
        assert reply.status_code == 302, reply.content.decode()[:2000]


# --- The questionnaires page --------------------------------------------------------------------


def test_a_result_with_several_scores_names_who_filled_it_in_as_their_name_is_written(
    client, scene
):
    answered(
        scene.episode,
        "dialog",
        DIALOG_MIDDLING,
        by=scene.key_worker,
        at=timezone.now() - dt.timedelta(days=3),
    )
    html = client.get(MEASURES).content.decode()
    name = escape(scene.key_worker.display_name)
    assert f", with {name}</p>" in html  # not "with priya sandhu"


def test_the_page_lists_what_is_due_overdue_first_what_was_started_and_the_results(client, scene):
    ask_for(scene, "gad7", grace_days=14)  # due 60 days ago: overdue
    ask_for(scene, "dialog")  # due, with 90 days' grace
    ask_for(scene, "phq9", at_start=False, every_weeks=2)  # due in 4 days: soon
    answered(
        scene.episode,
        "phq9",
        PHQ9_MILD,
        by=scene.key_worker,
        at=timezone.now() - dt.timedelta(days=10),
    )
    gbo = services.start_response(
        episode=scene.episode,
        questionnaire=registry.current("gbo"),
        mode=Mode.SELF,
        by=scene.user,
        goals={"goal-1": scene.goal},
    )

    html = client.get(MEASURES).content.decode()

    assert "<h1>Questionnaires</h1>" in html
    assert "help you and your care team see how things are going" in html
    gad7, dialog, phq9 = (
        html.index('id="measure-gad7"'),
        html.index('id="measure-dialog"'),
        html.index('id="measure-phq9"'),
    )
    assert gad7 < dialog < phq9
    started_on = timezone.localtime(scene.episode.started_at).date()
    assert "Overdue" in html and f"This was due on {started_on.day} {started_on:%B %Y}" in html
    deadline = started_on + dt.timedelta(days=90)
    assert f"Please fill this in by {deadline.day} {deadline:%B %Y}." in html
    assert "Due soon" in html
    assert f'href="{START}?measure=dialog"' in html
    # The Goal Based Outcomes response the person started: carry on where they left off.
    assert "Questionnaires you have started" in html
    assert f'href="{question_url(gbo, 1)}"' in html
    # The results so far, with who filled them in.
    assert 'id="results-phq9"' in html
    assert "7 out of 27" in html and "Mild" in html
    assert f"With {escape(scene.key_worker.display_name)}" in html
    assert "Lower scores are better." in html
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.action, event.basis, event.allowed) == (
        Part.OUTCOMES,
        Action.VIEW,
        Basis.SELF,
        True,
    )


def test_dialog_results_show_the_domains_rated_and_where_more_help_was_wanted(client, scene):
    answered(
        scene.episode,
        "dialog",
        {**{str(n): "4" for n in range(1, 12)}, "1": "2", "1-help": True, "4-help": False},
        by=scene.key_worker,
    )
    html = client.get(MEASURES).content.decode()
    assert 'id="results-dialog"' in html
    assert "Your mental health" in html and "Very dissatisfied" in html
    assert "Your accommodation" in html and "In the middle" in html
    assert html.count("You asked for more help with this") == 1
    assert "Nothing for you to fill in" not in html  # nothing scheduled: said kindly below
    assert "There is nothing for you to fill in at the moment" in html


def test_a_person_without_an_open_episode_is_told_kindly(client, scene):
    scene.episode.ended_at = timezone.now()
    scene.episode.discharge_reason = "02"
    scene.episode.save(update_fields=["ended_at", "discharge_reason"])
    html = client.get(MEASURES).content.decode()
    assert "not being supported by a mental health team at the moment" in html
    assert "You have not filled in any questionnaires yet" in html
    reply = client.post(START, {"measure": "dialog"})
    assert reply.status_code == 200
    assert "not being supported by a mental health team" in reply.content.decode()
    assert not Response.objects.exists()


def test_the_questionnaires_page_reads_a_fixed_number_of_queries(client, scene):
    ask_for(scene, "dialog")
    answered(scene.episode, "phq9", PHQ9_MILD, by=scene.key_worker)
    client.get(MEASURES)  # warm the parsed-definition cache
    with CaptureQueriesContext(connection) as few:
        client.get(MEASURES)
    for _ in range(4):
        answered(scene.episode, "phq9", PHQ9_MILD, by=scene.key_worker)
        answered(scene.episode, "gad7", ["1"] * 7, by=scene.key_worker)
    with CaptureQueriesContext(connection) as many:
        html = client.get(MEASURES).content.decode()
    assert html.count("7 out of 27") == 5
    assert len(many) == len(few)


# --- The home page reminder ---------------------------------------------------------------------


def test_the_home_page_reminds_the_person_of_what_is_due(client, scene):
    ask_for(scene, "dialog")
    html = client.get(reverse("portal:home")).content.decode()
    assert "Questionnaires to fill in" in html
    deadline = timezone.localtime(scene.episode.started_at).date() + dt.timedelta(days=90)
    assert f"DIALOG: please fill this in by {deadline.day} {deadline:%B %Y}" in html
    assert f'href="{START}?measure=dialog"' in html


def test_the_home_page_says_nothing_when_nothing_is_due(client, scene):
    html = client.get(reverse("portal:home")).content.decode()
    assert "Questionnaires to fill in" not in html
    # Due soon is for the questionnaires page; the home page waits until it is due.
    ask_for(scene, "phq9", at_start=False, every_weeks=10)  # due in 10 days
    html = client.get(reverse("portal:home")).content.decode()
    assert "Questionnaires to fill in" not in html
    assert "Due soon" in client.get(MEASURES).content.decode()


def test_the_home_page_leads_back_to_a_questionnaire_in_progress(client, scene):
    response = own_dialog(client, scene)
    client.post(question_url(response, 1), {"q-1": "5"})
    html = client.get(reverse("portal:home")).content.decode()
    assert f'href="{question_url(response, 2)}"' in html
    # An overdue one says so, without a deadline.
    ask_for(scene, "gad7", grace_days=0)
    html = client.get(reverse("portal:home")).content.decode()
    assert "GAD-7: please fill this in when you can (it was due on" in html


# --- Starting -----------------------------------------------------------------------------------


def test_the_start_page_says_what_to_expect_and_starting_goes_to_the_first_question(client, scene):
    ask_for(scene, "dialog")
    html = client.get(START, {"measure": "dialog"}).content.decode()
    assert "There are 11 questions, one on each page." in html
    assert "you can stop and finish later" in html
    assert "Start now" in html

    response, reply = start(client, "dialog")
    assert reply.url == question_url(response, 1)
    assert (response.mode, response.status, response.started_by, response.episode) == (
        Mode.SELF,
        Status.IN_PROGRESS,
        scene.user,
        scene.episode,
    )
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.action, event.basis) == (Part.OUTCOMES, Action.CHANGE, Basis.SELF)


def test_starting_again_goes_on_with_the_one_in_progress(client, scene):
    response = own_dialog(client, scene)
    client.post(question_url(response, 1), {"q-1": "6", "q-1-help": "no"})
    html = client.get(START, {"measure": "dialog"}).content.decode()
    assert "Carry on" in html and "You started this on" in html
    again, reply = start(client, "dialog")
    assert again == response and Response.objects.count() == 1
    assert reply.url == question_url(response, 2)


def test_only_a_measure_the_team_asks_for_can_be_started(client, scene):
    ask_for(scene, "dialog")
    reply = client.post(START, {"measure": "gad7"})
    assert reply.status_code == 200
    assert "There is a problem" in reply.content.decode()
    assert not Response.objects.exists()
    # Without a measure, the person chooses among those their team asks for.
    html = client.get(START).content.decode()
    assert "Fill in a questionnaire" in html and 'value="dialog"' in html
    assert 'value="gad7"' not in html


def test_goal_based_outcomes_rates_the_three_oldest_current_goals(client, scene):
    ask_for(scene, "gbo")
    second = care_services.add_goal(
        episode=scene.episode, text="Cook with O'Connor's recipes", by=scene.key_worker
    )
    ended = care_services.add_goal(episode=scene.episode, text="Ended goal", by=scene.key_worker)
    care_services.end_goal(goal=ended, because="Reached it", by=scene.key_worker)
    third = care_services.add_goal(episode=scene.episode, text="Sleep better", by=scene.key_worker)
    care_services.add_goal(episode=scene.episode, text="A fourth goal", by=scene.key_worker)

    html = client.get(START, {"measure": "gbo"}).content.decode()
    assert "There are 3 questions" in html
    response, _ = start(client, "gbo")
    links = {link.link_id: link.goal for link in ResponseGoal.objects.filter(response=response)}
    assert links == {"goal-1": scene.goal, "goal-2": second, "goal-3": third}

    html = client.get(question_url(response, 2)).content.decode()
    assert f"Your goal: {escape(second.text)}" in html
    assert "how close are you to reaching this goal?" in html
    reply = client.post(question_url(response, 1), {"q-goal-1": "11"})
    assert "Enter a number from 0 to 10" in reply.content.decode()
    reply = client.post(question_url(response, 1), {"q-goal-1": ""})
    assert "Enter a number from 0 to 10" in reply.content.decode()
    for n, score in enumerate(["4", "7", "2"], start=1):
        assert client.post(question_url(response, n), {f"q-goal-{n}": score}).status_code == 302
    assert client.post(check_url(response)).url == done_url(response)
    rating = GoalRating.objects.filter(goal=second).latest("id")
    assert (rating.score, rating.rated_by, rating.recorded_by) == (7, RatedBy.PERSON, scene.user)
    html = client.get(done_url(response)).content.decode()
    assert f"Your goal: {escape(second.text)}" in html
    assert "You said you are 7 out of 10 of the way to reaching this goal." in html


def test_goal_based_outcomes_cannot_start_without_goals(client, scene):
    ask_for(scene, "gbo")
    care_services.end_goal(goal=scene.goal, because="Done", by=scene.key_worker)
    html = client.get(START, {"measure": "gbo"}).content.decode()
    assert "You do not have any goals in your plan yet" in html and "Start now" not in html
    reply = client.post(START, {"measure": "gbo"})
    assert reply.status_code == 200 and "you have none yet" in reply.content.decode()
    assert not Response.objects.exists()


# --- One question a page ------------------------------------------------------------------------


def test_a_dialog_page_asks_one_domain_and_whether_more_help_is_wanted(client, scene):
    response = own_dialog(client, scene)
    html = client.get(question_url(response, 1)).content.decode()
    assert "DIALOG: question 1 of 11" in html
    assert "How satisfied are you with your mental health?" in html
    assert "nhsuk-fieldset__heading" in html  # the question is the page's heading
    assert "How satisfied are you with each of these at the moment?" in html  # the intro
    assert "Do you want more help with your mental health?" in html
    assert "Totally dissatisfied" in html and "Totally satisfied" in html
    assert "Save and finish later" in html
    assert f'href="{MEASURES}"' in html  # back to the list from the first question

    html = client.get(question_url(response, 2)).content.decode()
    assert "How satisfied are you with your physical health?" in html
    assert "How satisfied are you with each of these" not in html  # the intro: first page only
    assert f'class="nhsuk-back-link" href="{question_url(response, 1)}"' in html

    reply = client.post(question_url(response, 1), {"q-1": "3", "q-1-help": "yes"})
    assert reply.url == question_url(response, 2)
    response.refresh_from_db()
    assert response.answers == {"1": "3", "1-help": True}
    # The page shows the answer given when the person comes back to it.
    html = client.get(question_url(response, 1)).content.decode()
    assert 'value="3" checked' in html


def test_a_statement_is_shown_with_the_question_it_answers(client, scene):
    ask_for(scene, "phq9")
    response, _ = start(client, "phq9")
    html = client.get(question_url(response, 2)).content.decode()
    assert "PHQ-9: question 2 of 10" in html
    assert "Feeling down, depressed, or hopeless" in html
    assert "Over the last 2 weeks, how often have you been bothered" in html
    html = client.get(question_url(response, 10)).content.decode()
    assert "how difficult have they made it" in html
    assert "Over the last 2 weeks" not in html


def test_a_required_question_left_blank_says_choose_an_answer(client, scene):
    response = own_dialog(client, scene)
    reply = client.post(question_url(response, 1), {"q-1-help": "yes"})
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "<title>Error: " in html
    assert "nhsuk-error-summary" in html
    assert html.count("Choose an answer") == 2  # in the summary and beside the question
    assert 'href="#id_q-1"' in html
    response.refresh_from_db()
    assert response.answers == {}


def test_an_answer_that_is_not_an_option_is_refused(client, scene):
    response = own_dialog(client, scene)
    reply = client.post(question_url(response, 1), {"q-1": "9"})
    assert reply.status_code == 200
    assert "&#34;9&#34; is not one of the answers" in reply.content.decode()
    response.refresh_from_db()
    assert response.answers == {}


def test_save_and_finish_later_keeps_the_answers_and_the_person_carries_on(client, scene):
    response = own_dialog(client, scene)
    client.post(question_url(response, 1), {"q-1": "5", "q-1-help": "no"})
    reply = client.post(question_url(response, 2), {"q-2": "6", "later": "yes"})
    assert reply.url == MEASURES
    html = client.get(MEASURES).content.decode()
    assert "Your answers are saved. You can finish DIALOG later" in html
    assert f'href="{question_url(response, 3)}"' in html  # carry on where they left off
    response.refresh_from_db()
    assert response.answers == {"1": "5", "1-help": False, "2": "6"}
    assert response.status == Status.IN_PROGRESS
    # Finishing later with a required question left blank is fine: nothing is lost.
    reply = client.post(question_url(response, 3), {"later": "yes"})
    assert reply.url == MEASURES
    response.refresh_from_db()
    assert response.answers == {"1": "5", "1-help": False, "2": "6"}


def test_the_last_question_and_a_change_go_to_check_your_answers(client, scene):
    response = own_dialog(client, scene)
    assert client.post(question_url(response, 11), {"q-11": "4"}).url == check_url(response)
    reply = client.post(question_url(response, 3, returning=True), {"q-3": "2"})
    assert reply.url == check_url(response)
    html = client.get(question_url(response, 3, returning=True)).content.decode()
    assert f'class="nhsuk-back-link" href="{check_url(response)}"' in html


def test_a_page_beyond_the_questions_is_not_found(client, scene):
    response = own_dialog(client, scene)
    assert client.get(question_url(response, 12)).status_code == 404
    assert client.get(question_url(response, 0)).status_code == 404


# --- Check your answers and send ----------------------------------------------------------------


def test_check_your_answers_lists_each_answer_with_a_link_to_change_it(client, scene):
    response = own_dialog(client, scene)
    answer_dialog(client, response, more_help_with="4")
    html = client.get(check_url(response)).content.decode()
    assert "Check your answers" in html
    assert "How satisfied are you with your accommodation?" in html
    assert "Fairly satisfied<br>You want more help with this" in html
    assert "You do not want more help with this" in html
    for n in (1, 11):
        assert f'href="{question_url(response, n, returning=True)}"' in html
    assert "Send my answers" in html


def test_sending_with_a_question_unanswered_links_to_that_question(client, scene):
    response = own_dialog(client, scene)
    answer_dialog(client, response)
    client.post(question_url(response, 3), {"q-3": "", "later": "yes"})  # cleared
    reply = client.post(check_url(response))
    assert reply.status_code == 200
    html = reply.content.decode()
    assert "There is a problem" in html
    assert "Answer question 3: How satisfied are you with your job situation?" in html
    assert f'href="{question_url(response, 3, returning=True)}"' in html
    assert "Not answered" in html
    response.refresh_from_db()
    assert response.status == Status.IN_PROGRESS and not Score.objects.exists()


def test_sending_completes_and_scores_the_response_as_the_persons_own(client, scene):
    response = own_dialog(client, scene)
    answer_dialog(client, response, more_help_with="6", rating="5")
    reply = client.post(check_url(response))
    assert reply.url == done_url(response)
    response.refresh_from_db()
    assert (response.status, response.mode, response.completed_by) == (
        Status.COMPLETED,
        Mode.SELF,
        scene.user,
    )
    assert response.more_help == ["6"] and response.flags == []
    scores = {s.key: s for s in Score.objects.filter(response=response)}
    assert set(scores) == {"quality-of-life", "treatment-satisfaction"}
    assert scores["quality-of-life"].value == Decimal(5)
    assert {s.person_id for s in scores.values()} == {scene.person.pk}
    event = AccessEvent.objects.filter(person=scene.person).latest("id")
    assert (event.part, event.action, event.basis) == (Part.OUTCOMES, Action.CHANGE, Basis.SELF)


def test_a_sent_response_cannot_be_changed(client, scene):
    response = own_dialog(client, scene)
    answer_dialog(client, response)
    client.post(check_url(response))
    answers = Response.objects.get(pk=response.pk).answers
    assert client.get(question_url(response, 1)).url == done_url(response)
    assert client.post(question_url(response, 1), {"q-1": "1"}).url == done_url(response)
    assert client.get(check_url(response)).url == done_url(response)
    assert client.post(check_url(response)).url == done_url(response)  # a second tap
    assert Response.objects.get(pk=response.pk).answers == answers
    assert Score.objects.filter(response=response).count() == 2


# --- The confirmation ---------------------------------------------------------------------------


def test_the_confirmation_explains_the_scores_in_plain_words(client, scene):
    ask_for(scene, "phq9")
    response, _ = start(client, "phq9")
    answers = dict(zip([str(n) for n in range(1, 10)], PHQ9_MILD, strict=True))
    services.save_answers(response=response, answers=answers, by=scene.user)
    assert client.post(check_url(response)).url == done_url(response)
    html = client.get(done_url(response)).content.decode()
    assert "Answers sent" in html
    assert "Your score was 7 out of 27." in html
    assert "Scores from 5 to 9 are described as ‘mild’." in html
    assert "Lower scores are better." in html
    assert "Your care team will be in touch" not in html
    assert "Your care team can now see your answers" in html


def test_a_flag_shows_where_to_get_help_now_and_that_the_team_will_be_in_touch(client, scene):
    ask_for(scene, "phq9")
    response, _ = start(client, "phq9")
    answers = {str(n): "1" for n in range(1, 10)}  # question 9 above "not at all"
    services.save_answers(response=response, answers=answers, by=scene.user)
    client.post(check_url(response))
    assert Response.objects.get(pk=response.pk).flags == ["self-harm-thoughts"]
    html = client.get(done_url(response)).content.decode()
    assert "Your care team will be in touch" in html
    assert "Your care team will see your answers and will be in touch with you soon" in html
    assert 'href="tel:111"' in html and 'href="tel:116123"' in html
    assert html.index("will be in touch") < html.index("What your answers show")


def test_the_dialog_confirmation_lists_the_domains_and_where_more_help_is_wanted(client, scene):
    response = own_dialog(client, scene)
    answer_dialog(client, response, more_help_with="2")
    client.post(check_url(response))
    html = client.get(done_url(response)).content.decode()
    assert "Where you want more help" in html
    assert "<li>Your physical health</li>" in html
    assert "Subjective quality of life" in html
    assert "Your average was 5, on a scale from 1 to 7." in html
    assert html.count("Higher scores are better.") == 1


def test_the_confirmation_of_an_unsent_response_goes_back_to_the_questions(client, scene):
    response = own_dialog(client, scene)
    assert client.get(done_url(response)).url == question_url(response, 1)


# --- Only the person's own ----------------------------------------------------------------------


def test_another_persons_responses_are_not_found(client, scene):
    other = person_in_care("B")
    ask_for(other, "dialog")
    theirs = started(other.episode, "dialog", by=other.user, mode=Mode.SELF)
    for url in (question_url(theirs, 1), check_url(theirs), done_url(theirs)):
        assert client.get(url).status_code == 404, url
    assert client.post(question_url(theirs, 1), {"q-1": "1"}).status_code == 404
    assert client.post(check_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.answers == {}


def test_a_response_filled_in_with_the_worker_is_not_changed_here(client, scene):
    with_worker = started(scene.episode, "dialog", by=scene.key_worker)
    assert client.get(question_url(with_worker, 1)).status_code == 404
    assert client.post(check_url(with_worker)).status_code == 404


def test_staff_cannot_use_the_questionnaire_pages(client, scene):
    response = own_dialog(client, scene)
    client.force_login(scene.key_worker)
    for url in (
        MEASURES,
        START,
        question_url(response, 1),
        check_url(response),
        done_url(response),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(START, {"measure": "dialog"}).status_code == 404
    assert client.post(question_url(response, 1), {"q-1": "1"}).status_code == 404
    assert Response.objects.get(pk=response.pk).answers == {}


def test_signed_out_visitors_are_sent_to_sign_in(client, scene):
    client.logout()
    reply = client.get(MEASURES)
    assert reply.status_code == 302 and "sign-in" in reply.url


def test_the_shipped_measures_the_portal_offers_can_be_completed():
    assert {"dialog", "phq9", "gad7", "gbo"} <= {q.name for q, _ in registry.usable()}
