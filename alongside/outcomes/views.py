"""The staff pages for a person's outcome measures: their measures over time (with the DIALOG
domains side by side and the prompts answers raised), completing a measure with the person,
one response with its history, correcting, discarding and acknowledging, and turning a DIALOG
domain into a plan goal.

Every page is opened through ``sharing`` (``person_data(Part.OUTCOMES, ...)``; the goal from a
domain changes the plan, so it is ``Part.PLAN``); a response is looked up among the person's
own, so an id from another record is a 404. Views parse with a form, call one service, and
render with a presenter. A page a form posts to also answers GET with something useful (the
page the form lives on, or a page of its own), so no address is a dead end.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from alongside.care import services as care_services
from alongside.care.models import Authorship, Contact, Episode, Goal
from alongside.care.plan_forms import worded_by_field
from alongside.core import formats
from alongside.core import forms as nhs
from alongside.outcomes import engine, presenters, queries, registry, schedule, services
from alongside.outcomes.engine import Measure
from alongside.outcomes.forms import MeasureForm
from alongside.outcomes.models import Mode, Questionnaire, Response
from alongside.people.models import Person
from alongside.sharing.access import Access, person_data
from alongside.sharing.models import Action, Part
from alongside.sharing.presenters import RecordNavigation

PERSON_ROUTE = "outcomes:person"


# --- Forms (small, and only these pages use them) -------------------------------------------------


class StartForm(nhs.NhsForm):
    """Which measure to complete with the person now; for Goal Based Outcomes, which of their
    current plan goals it rates (up to three)."""

    measure = forms.ChoiceField(
        label="Which measure?",
        widget=nhs.RadioSelect,
        error_messages={
            "required": "Choose a measure",
            "invalid_choice": "Choose one of the measures listed",
        },
    )
    episode = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any,
        *,
        usable: list[tuple[Questionnaire, Measure]],
        goals: list[Goal],
        person: Person,
        contacts: list[Contact] | None = None,
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.contacts = {str(c.pk): c for c in contacts or []}
        if self.contacts:
            self.fields["contact"] = forms.ChoiceField(
                label="Is it part of a contact? (optional)",
                help_text="Contacts in the last 30 days, newest first.",
                choices=[("", "Not part of a contact")]
                + [(str(c.pk), presenters.contact_label(c)) for c in self.contacts.values()],
                required=False,
                widget=nhs.Select,
                error_messages={"invalid_choice": "Choose one of the contacts listed"},
            )
        self.usable = {q.name: (q, m) for q, m in usable}
        self.person = person
        self.goals = {str(g.pk): g for g in goals}
        self.fields["measure"].choices = [(q.name, m.short_title) for q, m in usable]
        self.goal_items = next((m.goal_items for _, m in usable if m.goal_items), ())
        choices = [("", "Choose a goal")] + [(str(g.pk), g.text) for g in goals]
        for n, link_id in enumerate(self.goal_items, start=1):
            self.fields[link_id] = forms.ChoiceField(
                label=f"Goal {n}" if n == 1 else f"Goal {n} (optional)",
                choices=choices,
                required=False,
                widget=nhs.Select,
                error_messages={
                    "invalid_choice": f"Choose one of {person.given_name}'s current goals"
                },
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        chosen = self.usable.get(data.get("measure", ""))
        if chosen is not None and chosen[1].goal_items and not self.goals:
            self.add_error(
                "measure",
                f"{self.person.given_name} has no current goals to rate. Add a goal to their "
                "plan first",
            )
        elif chosen is not None and chosen[1].goal_items:
            picked = [(f, data.get(f)) for f in self.goal_items if data.get(f)]
            if not picked and not any(f in self.errors for f in self.goal_items):
                self.add_error(self.goal_items[0], "Choose at least one goal to rate")
            seen: set[str] = set()
            for name, goal_id in picked:
                if goal_id in seen:
                    self.add_error(name, "Choose a different goal for each rating")
                seen.add(goal_id)
        return data

    def questionnaire(self) -> Questionnaire:
        return self.usable[self.cleaned_data["measure"]][0]

    def chosen_contact(self) -> Contact | None:
        return self.contacts.get(self.cleaned_data.get("contact") or "")

    def chosen_goals(self) -> dict[str, Goal]:
        """The goals picked, in order, on the measure's goal items (goal 1 first, no gaps)."""
        measure = self.usable[self.cleaned_data["measure"]][1]
        picked = [self.goals[self.cleaned_data[f]] for f in self.goal_items if self.cleaned_data[f]]
        return dict(zip(measure.goal_items, picked, strict=False))


class CorrectionForm(nhs.NhsForm):
    reason = forms.CharField(
        label="What needs correcting?",
        help_text="For example: question 2 was entered as 1, but the person said 3. This is "
        "kept with the response, so the history explains itself.",
        widget=nhs.Textarea,
        max_length=300,
        error_messages={
            "required": "Say what was wrong, so the history explains itself",
            "max_length": "Keep the reason to 300 characters or fewer",
        },
    )


class DomainGoalForm(nhs.NhsForm):
    """One step from a DIALOG domain to a plan goal, in the person's own words."""

    text = forms.CharField(
        label="The goal, in the person's own words",
        widget=nhs.Textarea,
        max_length=1000,
        error_messages={"required": "Write the goal in the person's own words"},
    )
    worded_by = worded_by_field()
    domain = forms.ChoiceField(
        label="Which part of life is it about?",
        widget=nhs.Select,
        error_messages={
            "required": "Choose the part of life the goal is about",
            "invalid_choice": "Choose one of the parts of life listed",
        },
    )
    episode = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, data: Any, *, domains: dict[str, str], **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        self.domains = domains
        self.fields["domain"].choices = [("", "Choose a part of life"), *domains.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        name = self.domains.get(data.get("domain", ""))
        text = (data.get("text") or "").strip()
        if name and text and text.rstrip(":").strip().lower() == name.lower():
            self.add_error("text", f"Write the goal in the person's own words after “{name}:”")
        return data


# --- Helpers ------------------------------------------------------------------------------------


def _href(name: str, person_id: int, response: Response | int | None = None) -> str:
    return presenters.href(name, person_id, response)


def _context(
    request: HttpRequest, access: Access, *, back: dict[str, str] | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "person": access.person,
        "access": access,
        "record_nav": RecordNavigation(request.user, access),
        "current_route": PERSON_ROUTE,
        "back_link": back or {"href": reverse("people:list"), "text": "Back to people"},
        **extra,
    }


def _back_to_person(access: Access) -> dict[str, str]:
    return {"href": _href("person", access.person.pk), "text": "Back to outcome measures"}


def _response_or_404(access: Access, response_id: int) -> Response:
    response = queries.response_of(access.person, response_id)
    if response is None:
        raise Http404("No such response in this record")
    return response


def _episode_title(episode: Episode) -> str:
    until = f" to {formats.date(episode.ended_at)}" if episode.ended_at else " (open)"
    return f"{episode.lead_team.name}, {formats.date(episode.started_at)}{until}"


def _domains() -> dict[str, str]:
    """The domains a goal can come from (DIALOG's), by link id."""
    found: dict[str, str] = {}
    for _, measure in registry.usable():
        for item in presenters.domain_items(measure):
            found.setdefault(item.link_id, presenters.domain_name(item))
    return found


# --- The person's measures ------------------------------------------------------------------------


def _person_page(
    request: HttpRequest,
    access: Access,
    *,
    wanted: str | int | None = None,
    form: StartForm | None = None,
    problem: str = "",
) -> HttpResponse:
    person, user = access.person, request.user
    episodes = queries.episodes(person)
    episode = queries.shown_episode(episodes, wanted)
    may_change = access.may(user, Part.OUTCOMES, Action.CHANGE)
    may_see_plan = access.may(user, Part.PLAN)
    context = _context(
        request,
        access,
        episode=episode,
        may_change=may_change,
        may_see_plan=may_see_plan,
        may_change_plan=access.may(user, Part.PLAN, Action.CHANGE),
        worded_by_items=[{"value": value, "text": label} for value, label in Authorship.choices],
        problem=problem,
        page_has_errors=bool(problem or (form is not None and form.errors)),
        other_episodes=[
            {"title": _episode_title(e), "href": f"{_href('person', person.pk)}?episode={e.pk}"}
            for e in episodes
            if episode is not None and e.pk != episode.pk
        ],
    )
    if episode is None:
        return render(request, "outcomes/person.jinja", context)
    is_open = episode.ended_at is None
    goals: list[Goal] = []
    if is_open and may_change:
        goals = queries.open_goals(episode)
        usable = registry.usable()
        if form is None:
            form = StartForm(
                None,
                usable=usable,
                goals=goals,
                person=person,
                contacts=queries.recent_contacts(episode),
                initial={"episode": episode.pk, "contact": request.GET.get("contact", "")},
            )
        context["choices"] = presenters.measure_choices(usable)
    added = None
    if may_see_plan and "goal" in request.GET:
        added = queries.goal_of(episode, request.GET.get("goal"))
    page = presenters.outcomes_page(queries.responses(episode), person)
    due = schedule.due_for([episode]).get(episode.pk, []) if is_open else []
    context.update(
        due=presenters.due_rows(due, person),
        episode_title=_episode_title(episode),
        is_open=is_open,
        form=form if is_open and may_change else None,
        goals=goals,
        page=page,
        added=added,
    )
    return render(request, "outcomes/person.jinja", context)


@person_data(Part.OUTCOMES)
def person(request: HttpRequest, access: Access) -> HttpResponse:
    """The person's measures in one episode (the newest open one unless ``?episode=`` names
    another of theirs): prompts to act on, responses in progress, each measure's scores over
    time with the change from first to latest, and the DIALOG domains side by side."""
    return _person_page(request, access, wanted=request.GET.get("episode"))


@person_data(Part.OUTCOMES, action=Action.CHANGE)
def start(request: HttpRequest, access: Access) -> HttpResponse:
    """Start a measure with the person, in their open episode, then fill it in."""
    if request.method != "POST":
        return _person_page(request, access, wanted=request.GET.get("episode"))
    person = access.person
    episodes = queries.episodes(person)
    wanted = request.POST.get("episode") or None
    episode = queries.open_episode(episodes, wanted)
    if episode is None:
        return _person_page(
            request,
            access,
            wanted=wanted,
            problem="This episode of care has ended: a measure can only be completed in an "
            "open episode.",
        )
    form = StartForm(
        request.POST,
        usable=registry.usable(),
        goals=queries.open_goals(episode),
        person=person,
        contacts=queries.recent_contacts(episode),
    )
    if form.is_valid():
        questionnaire = form.questionnaire()
        try:
            response = services.start_response(
                episode=episode,
                questionnaire=questionnaire,
                mode=Mode.WITH_PRACTITIONER,
                by=request.user,
                goals=form.chosen_goals() or None,
                contact=form.chosen_contact(),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            return redirect("outcomes:fill", person_id=person.pk, response_id=response.pk)
    return _person_page(request, access, wanted=episode.pk, form=form)


# --- Filling a response in -----------------------------------------------------------------------


@person_data(Part.OUTCOMES, action=Action.CHANGE)
def fill(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """Every question on one screen. "Save and finish later" keeps the answers so far; "Finish
    and score" completes the response (every required question answered)."""
    person = access.person
    response = _response_or_404(access, response_id)
    if response.is_completed:
        if request.method == "POST":
            messages.info(request, str(services.ResponseFinal().messages[0]))
        return redirect("outcomes:response", person_id=person.pk, response_id=response.pk)
    measure = registry.measure(response.questionnaire)
    goals = {link.link_id: link.goal for link in response.goal_links.all()}
    shown = [
        i.link_id
        for i in measure.items
        if i.link_id not in measure.goal_items or i.link_id in goals
    ]
    form = MeasureForm(
        request.POST if request.method == "POST" else None,
        measure=measure,
        answers=response.answers,
        link_ids=shown,
    )
    if request.method == "POST" and form.is_valid():
        finishing = request.POST.get("action") == "finish"
        try:
            if finishing:
                services.complete_response(
                    response=response, by=request.user, answers=form.answers()
                )
            else:
                services.save_answers(response=response, answers=form.answers(), by=request.user)
        except engine.AnswerError as error:
            form.show_answer_errors(error)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            if finishing:
                messages.success(request, f"{measure.short_title} completed and scored")
                return redirect("outcomes:response", person_id=person.pk, response_id=response.pk)
            messages.success(request, f"{measure.short_title} saved: you can finish it later")
            return redirect(PERSON_ROUTE, person_id=person.pk)
    return render(
        request,
        "outcomes/fill.jinja",
        _context(
            request,
            access,
            back=_back_to_person(access),
            measure=measure,
            response=response,
            form=form,
            questions=presenters.questions(form.parts(), goals),
            started=f"Started on {formats.date(response.started_at)} by "
            f"{response.started_by.display_name}",
            correcting=response.corrects,
            corrects_when=formats.date(response.corrects.completed_at) if response.corrects else "",
            discard_href=_href("discard", person.pk, response),
            page_has_errors=bool(form.errors),
        ),
    )


# --- One response ---------------------------------------------------------------------------------


def _response_page(
    request: HttpRequest, access: Access, response: Response, *, problem: str = ""
) -> HttpResponse:
    shown = presenters.ResponsePresenter(response, person=access.person)
    person_id = access.person.pk
    may_change = access.may(request.user, Part.OUTCOMES, Action.CHANGE)
    correct_href = None
    if may_change and shown.completed and shown.replaced_by is None:
        correct_href = _href("correct", person_id, response)
    return render(
        request,
        "outcomes/response.jinja",
        _context(
            request,
            access,
            back=_back_to_person(access),
            shown=shown,
            response=response,
            may_change=may_change,
            correct_href=correct_href,
            fill_href=_href("fill", person_id, response) if not shown.completed else None,
            problem=problem,
            page_has_errors=bool(problem),
        ),
    )


@person_data(Part.OUTCOMES)
def response_page(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """One response: its answers, scores and bands, any prompt it raised, and its history."""
    return _response_page(request, access, _response_or_404(access, response_id))


@person_data(Part.OUTCOMES, action=Action.CHANGE)
def correct(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """Say why a completed response needs correcting, then fill in the correction (prefilled
    with its answers). The original stays in the history."""
    person = access.person
    response = _response_or_404(access, response_id)
    if not response.is_completed:
        return redirect("outcomes:fill", person_id=person.pk, response_id=response.pk)
    form = CorrectionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.start_correction(
                response=response, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            return redirect("outcomes:fill", person_id=person.pk, response_id=correction.pk)
    shown = presenters.ResponsePresenter(response, person=person)
    return render(
        request,
        "outcomes/correct.jinja",
        _context(
            request,
            access,
            back={"href": _href("response", person.pk, response), "text": "Back to the response"},
            shown=shown,
            form=form,
            replaced_by=shown.replaced_by,
            open_correction=shown.open_correction,
            page_has_errors=bool(form.errors),
        ),
    )


@person_data(Part.OUTCOMES, action=Action.CHANGE)
def acknowledge(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """Record that the prompt a response raised was seen, by whom and when."""
    person = access.person
    response = _response_or_404(access, response_id)
    if request.method != "POST":
        return _response_page(request, access, response)
    try:
        services.acknowledge_prompt(response=response, by=request.user)
    except ValidationError as error:
        return _response_page(request, access, response, problem=" ".join(error.messages))
    messages.success(
        request, "Recorded that you have seen this. Review the safety plan with the person."
    )
    if request.POST.get("return_to") == "person":
        return redirect(PERSON_ROUTE, person_id=person.pk)
    return redirect("outcomes:response", person_id=person.pk, response_id=response.pk)


@person_data(Part.OUTCOMES, action=Action.CHANGE)
def discard(request: HttpRequest, access: Access, response_id: int) -> HttpResponse:
    """Throw away a response that was never completed, after asking."""
    person = access.person
    response = _response_or_404(access, response_id)
    measure = registry.measure(response.questionnaire)
    problem = ""
    if response.is_completed:
        problem = str(services.ResponseFinal().messages[0])
    elif request.method == "POST":
        try:
            services.discard_response(response=response, by=request.user)
        except ValidationError as error:
            problem = " ".join(error.messages)
        else:
            messages.success(request, f"{measure.short_title} response discarded")
            return redirect(PERSON_ROUTE, person_id=person.pk)
    return render(
        request,
        "outcomes/discard.jinja",
        _context(
            request,
            access,
            back=_back_to_person(access),
            measure=measure,
            response=response,
            started=formats.date(response.started_at),
            answered=len(response.answers),
            problem=problem,
            page_has_errors=bool(problem),
            response_href=_href("response", person.pk, response),
            fill_href=_href("fill", person.pk, response),
        ),
    )


# --- From a DIALOG domain to a plan goal ---------------------------------------------------------


@person_data(Part.PLAN, action=Action.CHANGE)
def goal_from_domain(request: HttpRequest, access: Access) -> HttpResponse:
    """Add a plan goal about one DIALOG domain, in the person's words, in one step (the
    outcomes page posts here); then back to the outcomes page, which confirms it."""
    person = access.person
    domains = _domains()
    wanted = request.GET.get("domain", "")
    initial = {"domain": wanted, "text": f"{domains[wanted]}: " if wanted in domains else ""}
    form = DomainGoalForm(
        request.POST if request.method == "POST" else None, domains=domains, initial=initial
    )
    episodes = queries.episodes(person)
    if request.method == "POST" and form.is_valid():
        episode = queries.open_episode(episodes, form.cleaned_data["episode"] or None)
        try:
            if episode is None:
                raise ValidationError(
                    "This episode of care has ended: goals belong to the plan of an open episode."
                )
            goal = care_services.add_goal(
                episode=episode,
                text=form.cleaned_data["text"],
                by=request.user,
                worded_by=form.cleaned_data.get("worded_by") or "",
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            return redirect(f"{_href('person', person.pk)}?goal={goal.pk}#goal-added")
    return render(
        request,
        "outcomes/domain_goal.jinja",
        _context(
            request,
            access,
            back=_back_to_person(access),
            form=form,
            has_episode=queries.open_episode(episodes) is not None,
            page_has_errors=bool(form.errors),
        ),
    )
