"""The person fills in questionnaires (outcome measures) in their portal.

The pages follow the NHS.UK question-page pattern: a start page for the questionnaire, one
question a page (a DIALOG domain together with its "do you want more help?"), check your answers
with a link to change each, then a confirmation that explains the scores in plain words. Answers
are saved on every page (``outcomes.services.save_answers``), so "Save and finish later" loses
nothing, and sending completes and scores the response (``complete_response``).

Every page opens the person's own record on the basis SELF (``own_record``, Part.OUTCOMES), and a
response is found only among the person's own, answered in the portal (mode SELF): anyone else's
is a 404. A completed response is final, so its question and check pages lead to its
confirmation.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from alongside.care.models import Episode, Goal
from alongside.core import forms as nhs
from alongside.outcomes import registry, schedule, services
from alongside.outcomes.engine import AnswerError, Item, Measure
from alongside.outcomes.forms import MeasureForm, field_name
from alongside.outcomes.models import Mode, Questionnaire, Response
from alongside.portal import presenters, queries
from alongside.sharing.access import Access, own_record
from alongside.sharing.models import Action, Part

ROUTE = "portal:measures"
_page = presenters.page


# --- Which question is on which page ----------------------------------------------------------


@dataclass(frozen=True)
class QuestionPage:
    """One page: a question, the follow-ups asked with it (DIALOG's "do you want more help with
    this?"), the display texts that come before it, and the display text a statement (PHQ-9's
    "Feeling down, depressed, or hopeless") is read with."""

    number: int
    item: Item
    follow_ups: tuple[Item, ...]
    intro: tuple[str, ...]
    stem: str

    @property
    def link_ids(self) -> tuple[str, ...]:
        return (self.item.link_id, *(f.link_id for f in self.follow_ups))


def question_pages(measure: Measure, goal_items: Collection[str]) -> list[QuestionPage]:
    """The measure's pages, in order. A Goal Based Outcomes item gets a page only when the
    response links it to a goal (``goal_items``): there is nothing to rate without one."""
    follow_up_ids = {i.link_id for i in measure.items if i.more_help_for}
    pages: list[QuestionPage] = []
    intro: list[str] = []
    stem = ""
    for item in measure.items:
        if not item.answerable:
            intro.append(item.text)
            stem = item.text
            continue
        if item.link_id in follow_up_ids:
            continue
        if item.link_id in measure.goal_items and item.link_id not in goal_items:
            continue
        pages.append(
            QuestionPage(
                number=len(pages) + 1,
                item=item,
                follow_ups=measure.follow_ups(item.link_id),
                intro=tuple(intro),
                stem=stem,
            )
        )
        intro = []
    return pages


@dataclass(frozen=True)
class Opened:
    """A response with what its pages need: the measure, the pages and the goals it rates."""

    response: Response
    measure: Measure
    pages: list[QuestionPage]
    goals: dict[str, Goal]

    def page(self, number: int) -> QuestionPage:
        if not 1 <= number <= len(self.pages):
            raise Http404("No such question")
        return self.pages[number - 1]

    def page_of(self, link_id: str) -> QuestionPage | None:
        return next((p for p in self.pages if link_id in p.link_ids), None)

    def resume_href(self) -> str:
        """The first question not answered yet, or check your answers when all are."""
        answers = self.response.answers
        for page in self.pages:
            if page.item.link_id not in answers:
                return question_href(self.response, page.number)
        return reverse("portal:measure-check", kwargs={"response_id": self.response.pk})


def opened(response: Response) -> Opened:
    measure = registry.measure(response.questionnaire)
    goals = {link.link_id: link.goal for link in response.goal_links.all()}
    return Opened(response, measure, question_pages(measure, goals), goals)


def question_href(response: Response, number: int, *, returning: bool = False) -> str:
    href = reverse("portal:measure-question", kwargs={"response_id": response.pk, "number": number})
    return f"{href}?return=check" if returning else href


def _own(access: Access, response_id: int) -> Opened:
    response = queries.own_response(access.person, response_id)
    if response is None:
        raise Http404("No questionnaire of yours")
    return opened(response)


def _done(response: Response) -> HttpResponse:
    return redirect("portal:measure-done", response_id=response.pk)


# --- What the person may start ------------------------------------------------------------------


def startable(episode: Episode) -> dict[str, tuple[Questionnaire, Measure]]:
    """The measures the person's team asks for (and that can be completed here), by name, and
    the one asked after each review of their plan while it is due (CollaboRATE)."""
    asked = set(queries.scheduled_measures(episode))
    if schedule.reviews_to_ask_about([episode.pk], today=timezone.localdate()):
        asked.update(schedule.AFTER_PLAN_REVIEW)
    return {q.name: (q, m) for q, m in registry.usable() if q.name in asked}


def _goals(episode: Episode, measure: Measure) -> list[Goal]:
    """Goal Based Outcomes: the plan's goals it will rate (up to one a goal item)."""
    if not measure.goal_items:
        return []
    return queries.goals_to_rate(episode, len(measure.goal_items))


class StartForm(nhs.NhsForm):
    measure = forms.ChoiceField(
        label="Which questionnaire do you want to fill in?",
        widget=nhs.RadioSelect,
        error_messages={"required": "Choose a questionnaire", "invalid_choice": "Choose one"},
    )

    def __init__(self, data: Any, *, choices: list[tuple[str, str]]) -> None:
        super().__init__(data)
        self.fields["measure"].choices = choices


# --- The pages ----------------------------------------------------------------------------------


@own_record(Part.OUTCOMES)
def measures(request: HttpRequest, access: Access) -> HttpResponse:
    """Questionnaires: what is due, what the person started, and their results so far."""
    person = access.person
    episode = queries.current_episode(person)
    context: dict[str, Any] = {"episode": episode}
    if episode is not None:
        due = schedule.due_for([episode], include_soon=True).get(episode.pk, [])
        started = {r.pk: opened(r) for r in queries.responses_in_progress(episode)}
        allowed = startable(episode)
        context["todo"] = presenters.questionnaires_to_do(
            due=due,
            grace=queries.scheduled_measures(episode),
            started=[o.response for o in started.values()],
            continue_hrefs={pk: o.resume_href() for pk, o in started.items()},
            others=[m for _, m in allowed.values()],
        )
    context["results"] = presenters.results(queries.completed_responses(person))
    return render(request, "portal/measures/index.jinja", _page(ROUTE, **context))


@own_record(Part.OUTCOMES, action=Action.CHANGE)
@never_cache
def start(request: HttpRequest, access: Access) -> HttpResponse:
    """Start a questionnaire the person's team asks for (``?measure=dialog`` shows its start
    page; without one, choose which). Starting again goes on with an unfinished one instead."""
    episode = queries.current_episode(access.person)
    allowed = startable(episode) if episode is not None else {}
    wanted = request.GET.get("measure")
    if request.method == "GET" and episode is not None and wanted in allowed:
        _, measure = allowed[wanted]
        goals = _goals(episode, measure)
        pages = question_pages(measure, measure.goal_items[: len(goals)])
        return render(
            request,
            "portal/measures/start.jinja",
            _page(
                ROUTE,
                about=presenters.about_measure(
                    measure, len(pages), queries.in_progress_to(episode, measure.name)
                ),
                back_link={"href": reverse(ROUTE)},
            ),
        )
    form = StartForm(
        request.POST if request.method == "POST" else None,
        choices=[(name, m.short_title) for name, (_, m) in allowed.items()],
    )
    if request.method == "POST" and episode is not None and form.is_valid():
        questionnaire, measure = allowed[form.cleaned_data["measure"]]
        unfinished = queries.in_progress_to(episode, questionnaire.name)
        if unfinished is not None:
            return redirect(opened(unfinished).resume_href())
        goals = _goals(episode, measure)
        if measure.goal_items and not goals:
            form.add_error(
                "measure",
                f"{measure.short_title} rates the goals in your plan, and you have none yet. "
                "Talk to your key worker about what you would like to work on",
            )
        else:
            try:
                response, _ = services.start_or_continue(
                    episode=episode,
                    questionnaire=questionnaire,
                    mode=Mode.SELF,
                    by=request.user,
                    goals=dict(zip(measure.goal_items, goals, strict=False)),
                )
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                return redirect(opened(response).resume_href())
    return render(
        request,
        "portal/measures/choose.jinja",
        _page(
            ROUTE,
            episode=episode,
            form=form,
            page_has_errors=bool(form.errors),
            back_link={"href": reverse(ROUTE)},
        ),
    )


@own_record(Part.OUTCOMES, action=Action.CHANGE)
@never_cache
def question(request: HttpRequest, access: Access, response_id: int, number: int) -> HttpResponse:
    """One question (and its follow-ups). Continue saves and goes on; a required question needs
    an answer, unless the person saves and finishes later."""
    found = _own(access, response_id)
    response = found.response
    if response.is_completed:
        return _done(response)
    page = found.page(number)
    returning = request.GET.get("return") == "check"
    form = MeasureForm(
        request.POST if request.method == "POST" else None,
        measure=found.measure,
        answers=response.answers,
        link_ids=page.link_ids,
    )
    if request.method == "POST" and form.is_valid():
        later = "later" in request.POST
        answers = form.answers()
        main = page.item
        if not later and main.required and not answers[main.link_id]:
            form.add_error(field_name(main.link_id), presenters.blank_answer_message(main))
        else:
            try:
                services.save_answers(response=response, answers=answers, by=request.user)
            except AnswerError as error:
                form.show_answer_errors(error)
            except services.ResponseFinal:
                return _done(response)
            else:
                if later:
                    messages.success(
                        request,
                        f"Your answers are saved. You can finish {found.measure.short_title} "
                        "later from this page",
                    )
                    return redirect(ROUTE)
                if returning or number == len(found.pages):
                    return redirect("portal:measure-check", response_id=response.pk)
                return redirect(question_href(response, number + 1))
    if returning:
        back = reverse("portal:measure-check", kwargs={"response_id": response.pk})
    elif number > 1:
        back = question_href(response, number - 1)
    else:
        back = reverse(ROUTE)
    return render(
        request,
        "portal/measures/question.jinja",
        _page(
            ROUTE,
            form=form,
            main=form[field_name(page.item.link_id)],
            follow_ups=[form[field_name(f.link_id)] for f in page.follow_ups],
            question=presenters.question_page(
                found.measure, page, len(found.pages), found.goals.get(page.item.link_id)
            ),
            action=question_href(response, number, returning=returning),
            page_has_errors=bool(form.errors),
            back_link={"href": back},
        ),
    )


@own_record(Part.OUTCOMES, action=Action.CHANGE)
@never_cache
def check(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """Check your answers, then send them: the response is completed and scored."""
    found = _own(access, response_id)
    response = found.response
    if response.is_completed:
        return _done(response)
    errors: list[dict[str, str]] = []
    if request.method == "POST":
        try:
            services.complete_response(response=response, by=request.user)
        except services.ResponseFinal:
            return _done(response)
        except AnswerError as error:
            for link_id, message in error.by_item().items():
                page = found.page_of(link_id)
                errors.append(
                    presenters.missing_answer(
                        page.item if page else None,
                        page.number if page else 0,
                        question_href(response, page.number, returning=True) if page else "",
                        message,
                    )
                )
        except ValidationError as error:
            errors.extend({"text": m, "href": "#send"} for m in error.messages)
        else:
            return _done(response)
    return render(
        request,
        "portal/measures/check.jinja",
        _page(
            ROUTE,
            measure=found.measure,
            rows=presenters.check_rows(
                found.measure,
                found.pages,
                response.answers,
                found.goals,
                [question_href(response, p.number, returning=True) for p in found.pages],
            ),
            errors=errors,
            page_has_errors=bool(errors),
            response_id=response.pk,
            back_link={"href": question_href(response, len(found.pages))},
        ),
    )


@own_record(Part.OUTCOMES)
def done(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """The confirmation: what the scores mean and, when an answer raised a flag, where to get
    help now."""
    found = _own(access, response_id)
    response = found.response
    if not response.is_completed:
        return redirect(found.resume_href())
    return render(
        request,
        "portal/measures/done.jinja",
        _page(
            ROUTE,
            sent=presenters.sent(found.measure, response, list(response.scores.all())),
            back_link=None,
        ),
    )


# --- For the home page --------------------------------------------------------------------------


def reminders(episode: Episode) -> list[presenters.Reminder]:
    """What the home page asks the person to fill in: questionnaires due or overdue, and those
    they started and have not sent."""
    due = schedule.due_for([episode]).get(episode.pk, [])
    started = [opened(r) for r in queries.responses_in_progress(episode)]
    if not due and not started:
        return []
    return presenters.reminders(
        due=due,
        grace=queries.scheduled_measures(episode),
        started=[o.response for o in started],
        continue_hrefs={o.response.pk: o.resume_href() for o in started},
    )
