"""The care and support plan and goals pages of a person's record.

Every page is opened through ``sharing`` (``person_data(Part.PLAN, ...)``): a look is audited as
a view of the plan, a save as a change in one transaction with it. The plan and goals are those
of the person's open episode of care; without one, each page says so. Views parse with a form,
call one service, and render with a presenter.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.care import plan_queries as queries
from alongside.care import services
from alongside.care.forms import ContactPreferencesForm
from alongside.care.models import CarePlanVersion, Episode, Goal, RatedBy
from alongside.care.plan_forms import (
    AgreementForm,
    CompareForm,
    EndGoalForm,
    GoalForm,
    NoteReadForm,
    PlanForm,
    RateGoalForm,
)
from alongside.care.plan_presenters import (
    URGENT_HELP,
    GoalPresenter,
    PlanPresenter,
    goal_lines,
    note_rows,
    version_diff,
    version_rows,
)
from alongside.care.presenters import PreferencesPresenter
from alongside.care.queries import contact_preferences
from alongside.directory.models import Service
from alongside.sharing.access import Access, person_data
from alongside.sharing.models import Action, Part
from alongside.sharing.presenters import RecordNavigation

PLAN_ROUTE = "plans:plan"
GOALS_ROUTE = "plans:goals"
PREFERENCES_ROUTE = "plans:contact-preferences"
BACK_TEXT = {
    PLAN_ROUTE: "Back to the plan",
    GOALS_ROUTE: "Back to goals",
    PREFERENCES_ROUTE: "Back",
}


def _href(name: str, access: Access) -> str:
    return reverse(name, kwargs={"person_id": access.person.pk})


def _context(
    request: HttpRequest, access: Access, *, route: str, back: str | None = None, **extra: Any
) -> dict[str, Any]:
    back_link = (
        {"href": _href(back, access), "text": BACK_TEXT[back]}
        if back
        else {"href": reverse("people:list"), "text": "Back to people"}
    )
    return {
        "person": access.person,
        "access": access,
        "record_nav": RecordNavigation(request.user, access),
        "current_route": route,
        "back_link": back_link,
        "may_change": access.may(request.user, Part.PLAN, Action.CHANGE),
        **extra,
    }


def _no_episode(request: HttpRequest, access: Access, *, title: str, route: str) -> HttpResponse:
    referrals = (
        _href("referrals:person", access) if access.may(request.user, Part.REFERRALS) else None
    )
    return render(
        request,
        "care/plan/no_episode.jinja",
        _context(request, access, route=route, title=title, referrals_href=referrals),
    )


# --- The plan ----------------------------------------------------------------------------------


@person_data(Part.PLAN)
def plan(request: HttpRequest, access: Access) -> HttpResponse:
    """The current version of the plan, the person's agreement, their goals, and the notes they
    left for the next conversation."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Care and support plan", route=PLAN_ROUTE)
    version = queries.current_version(episode)
    goals = queries.goals(episode)
    key_worker = queries.key_worker(episode)
    return render(
        request,
        "care/plan/plan.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            episode=episode,
            key_worker=key_worker,
            plan=PlanPresenter(version, goals=goals, key_worker=key_worker) if version else None,
            goals=goal_lines(goals),
            notes=note_rows(queries.unread_notes(episode)),
            urgent_help=URGENT_HELP,
        ),
    )


def _their_changes(episode: Episode, base: int) -> tuple[CarePlanVersion | None, list[Any]]:
    """The version saved since ``base``, and what it changed."""
    current = queries.current_version(episode)
    if current is None:
        return None, []
    old = queries.version_numbered(episode, base) if base else None
    return current, version_diff(old or CarePlanVersion(goals=[], actions=[]), current)


@person_data(Part.PLAN, action=Action.CHANGE)
def edit_plan(request: HttpRequest, access: Access) -> HttpResponse:
    """Every section of the plan in one form; saving makes a new version. A save from a stale
    page is refused: the user's text is kept, and the other person's changes are shown."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Edit the plan", route=PLAN_ROUTE)
    services_offered = queries.action_services(episode)
    name = access.person.given_name
    stale_version, their_changes = None, []
    if request.method == "POST":
        form = PlanForm(request.POST, services=services_offered, person_name=name)
        if form.is_valid():
            base = form.cleaned_data["base_version"]
            try:
                version = services.save_plan(
                    episode=episode, base_version=base, by=request.user, **form.plan_fields()
                )
            except services.StalePlan as error:
                stale_version, their_changes = _their_changes(episode, base)
                form = _rebased(request.POST, stale_version, services_offered, error, name)
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, f"Plan saved as version {version.number}")
                return redirect(PLAN_ROUTE, person_id=access.person.pk)
    else:
        current = queries.current_version(episode)
        form = PlanForm(
            initial=PlanForm.initial_from(current),
            services=services_offered,
            actions=current.actions if current else [],
            person_name=name,
        )
    goals = queries.goals(episode)
    return render(
        request,
        "care/plan/edit.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PLAN_ROUTE,
            episode=episode,
            form=form,
            base_version=form["base_version"].value(),
            goals=goal_lines(goals),
            stale_version=stale_version,
            their_changes=[c for c in their_changes if c.changed],
            page_has_errors=bool(form.errors),
        ),
    )


def _rebased(
    data: QueryDict,
    current: CarePlanVersion | None,
    services_offered: QuerySet[Service],
    error: ValidationError,
    person_name: str = "",
) -> PlanForm:
    """The user's form again, with their text (and who they said wrote each part), now based on
    the version saved meanwhile (which the page shows): saving it again is a decision made with
    the other changes in view."""
    data = data.copy()
    data["base_version"] = str(current.number if current else 0)
    form = PlanForm(data, services=services_offered, person_name=person_name)
    form.is_valid()
    form.add_validation_error(error)
    form.non_field_href = "#their-changes"
    return form


@person_data(Part.PLAN, action=Action.CHANGE)
def record_agreement(request: HttpRequest, access: Access) -> HttpResponse:
    """Record that the person agreed the current version of their plan, and when."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Record the person's agreement", route=PLAN_ROUTE)
    current = queries.current_version(episode)
    form = None
    if (current is not None and current.agreed_on is None) or request.method == "POST":
        initial = {"version": current.number if current else 0, "agreed_on": timezone.localdate()}
        form = AgreementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form is not None and form.is_valid():
        version = queries.version_numbered(episode, form.cleaned_data["version"])
        try:
            if version is None:
                raise ValidationError("There is no plan to agree yet.")
            services.record_plan_agreement(
                version=version,
                agreed_on=form.cleaned_data["agreed_on"],
                method=form.cleaned_data["method"],
                by=request.user,
            )
        except ValidationError as error:
            form = _agreement_again(request.POST, current, error)
        else:
            messages.success(
                request, f"The person's agreement to version {version.number} recorded"
            )
            return redirect(PLAN_ROUTE, person_id=access.person.pk)
    return render(
        request,
        "care/plan/agree.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PLAN_ROUTE,
            episode=episode,
            plan=PlanPresenter(current) if current else None,
            form=form,
            page_has_errors=bool(form and form.errors),
        ),
    )


def _agreement_again(
    data: QueryDict, current: CarePlanVersion | None, error: ValidationError
) -> AgreementForm:
    """The form with the refusal. If the plan changed meanwhile, the form now names the current
    version (shown on the page), so the user can record agreement to it once they have read it
    with the person."""
    data = data.copy()
    stale = current is not None and data.get("version") != str(current.number)
    if current is not None:
        data["version"] = str(current.number)
    form = AgreementForm(data)
    form.is_valid()
    form.add_validation_error(error)
    if stale and current is not None:
        form.add_error(
            None,
            f"Version {current.number} is now the current version of the plan: read it with "
            "the person before you record their agreement.",
        )
    return form


@person_data(Part.PLAN)
def versions(request: HttpRequest, access: Access) -> HttpResponse:
    """Every version of the plan, and what changed between any two of them."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Versions of the plan", route=PLAN_ROUTE)
    all_versions = queries.versions(episode)
    by_number = {v.number: v for v in all_versions}
    numbers = list(by_number)
    form, diff, compared = None, [], None
    if len(numbers) >= 2:
        asked = "old" in request.GET or "new" in request.GET
        form = CompareForm(
            request.GET if asked else None,
            initial={"old": numbers[-2], "new": numbers[-1]},
            numbers=numbers,
        )
        if not asked:
            compared = (numbers[-2], numbers[-1])
        elif form.is_valid():
            compared = tuple(sorted((form.cleaned_data["old"], form.cleaned_data["new"])))
        if compared:
            diff = version_diff(by_number[compared[0]], by_number[compared[1]])
    current = max(numbers) if numbers else 0
    return render(
        request,
        "care/plan/versions.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PLAN_ROUTE,
            episode=episode,
            rows=list(reversed(version_rows(all_versions, current))),
            form=form,
            compared=compared,
            changed=[d for d in diff if d.changed],
            unchanged=[d.heading for d in diff if not d.changed],
            page_has_errors=bool(form and form.is_bound and form.errors),
        ),
    )


@person_data(Part.PLAN)
def print_plan(request: HttpRequest, access: Access) -> HttpResponse:
    """The current plan for the person to keep, in plain English: print it or save it as a
    PDF from the browser."""
    episode = queries.open_episode(access.person)
    version = queries.current_version(episode) if episode else None
    key_worker = queries.key_worker(episode) if episode else None
    goals = queries.goals(episode) if episode else []
    return render(
        request,
        "care/plan/print.jinja",
        {
            "person": access.person,
            "episode": episode,
            "plan": PlanPresenter(version, goals=goals, key_worker=key_worker) if version else None,
            "key_worker": key_worker,
            "urgent_help": URGENT_HELP,
            "printed_at": timezone.now(),
            "back_href": _href(PLAN_ROUTE, access),
        },
    )


@person_data(Part.PLAN, action=Action.CHANGE)
def person_notes(request: HttpRequest, access: Access) -> HttpResponse:
    """The notes the person left in their portal for the next conversation; marking one read
    says that someone in the care team has seen it."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Notes from the person", route=PLAN_ROUTE)
    form = NoteReadForm(
        request.POST if request.method == "POST" else None, notes=queries.unread_notes(episode)
    )
    if request.method == "POST" and form.is_valid():
        services.mark_person_note_read(note=form.cleaned_data["note"], by=request.user)
        messages.success(request, "Note marked as read")
        route = "plans:notes" if form.cleaned_data.get("return_to") == "notes" else PLAN_ROUTE
        return redirect(route, person_id=access.person.pk)
    return render(
        request,
        "care/plan/notes.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PLAN_ROUTE,
            episode=episode,
            rows=note_rows(queries.notes(episode)),
            form=form,
            page_has_errors=bool(form.is_bound and form.errors),
        ),
    )


# --- Goals -------------------------------------------------------------------------------------


@person_data(Part.PLAN)
def goals(request: HttpRequest, access: Access) -> HttpResponse:
    """The person's goals, each with a chart of its ratings over time and a table beside it."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Goals", route=GOALS_ROUTE)
    shown = [GoalPresenter(g, person_id=access.person.pk) for g in queries.goals(episode)]
    return render(
        request,
        "care/plan/goals.jinja",
        _context(
            request,
            access,
            route=GOALS_ROUTE,
            episode=episode,
            current=[g for g in shown if not g.ended],
            ended=[g for g in shown if g.ended],
        ),
    )


@person_data(Part.PLAN, action=Action.CHANGE)
def add_goal(request: HttpRequest, access: Access) -> HttpResponse:
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title="Add a goal", route=GOALS_ROUTE)
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_goal(
                episode=episode,
                text=form.cleaned_data["text"],
                by=request.user,
                first_rating=form.cleaned_data["first_rating"],
                worded_by=form.cleaned_data.get("worded_by") or "",
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Goal added")
            return redirect(GOALS_ROUTE, person_id=access.person.pk)
    return render(
        request,
        "care/plan/goal_form.jinja",
        _context(
            request,
            access,
            route=GOALS_ROUTE,
            back=GOALS_ROUTE,
            episode=episode,
            form=form,
            heading="Add a goal",
            intro="A goal is something the person wants to work towards, in their own words. "
            "Goal Based Outcomes ratings then show, from 0 to 10, how close they feel to it.",
            submit="Add the goal",
            page_has_errors=bool(form.errors),
        ),
    )


def _goal_page(
    request: HttpRequest,
    access: Access,
    *,
    form_class: type[RateGoalForm] | type[EndGoalForm],
    heading: str,
    submit: str,
    act: Any,
    done: str,
) -> HttpResponse:
    """A page about one current goal: named by ``?goal=`` (from the goal's link) or chosen."""
    episode = queries.open_episode(access.person)
    if episode is None:
        return _no_episode(request, access, title=heading, route=GOALS_ROUTE)
    open_goals = queries.open_goals(episode)
    named: Goal | None = None
    if (request.GET.get("goal") or "").isdigit():
        named = open_goals.filter(pk=int(request.GET["goal"])).first()
    form = form_class(
        request.POST if request.method == "POST" else None,
        initial={"goal": named.pk} if named else None,
        goals=open_goals,
        fixed=named is not None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            act(episode, form)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, done)
            return redirect(GOALS_ROUTE, person_id=access.person.pk)
    return render(
        request,
        "care/plan/goal_form.jinja",
        _context(
            request,
            access,
            route=GOALS_ROUTE,
            back=GOALS_ROUTE,
            episode=episode,
            form=form,
            heading=heading,
            goal=named,
            no_goals=not open_goals.exists(),
            submit=submit,
            page_has_errors=bool(form.errors),
        ),
    )


@person_data(Part.PLAN, action=Action.CHANGE)
def rate_goal(request: HttpRequest, access: Access) -> HttpResponse:
    """A Goal Based Outcomes rating, 0 to 10, made with the person."""

    def act(episode: Episode, form: RateGoalForm) -> None:
        services.rate_goal(
            goal=form.cleaned_data["goal"],
            score=form.cleaned_data["score"],
            by=request.user,
            rated_by=RatedBy.WITH_WORKER,
        )

    return _goal_page(
        request,
        access,
        form_class=RateGoalForm,
        heading="Rate a goal",
        submit="Save the rating",
        act=act,
        done="Rating saved",
    )


@person_data(Part.PLAN, action=Action.CHANGE)
def end_goal(request: HttpRequest, access: Access) -> HttpResponse:
    """End a goal with the reason; its ratings are kept."""

    def act(episode: Episode, form: EndGoalForm) -> None:
        services.end_goal(goal=form.cleaned_data["goal"], because=form.reason(), by=request.user)

    return _goal_page(
        request,
        access,
        form_class=EndGoalForm,
        heading="End a goal",
        submit="End the goal",
        act=act,
        done="Goal ended",
    )


# --- How the person wants to be in touch ---------------------------------------------------------


@person_data(Part.PLAN)
def preferences(request: HttpRequest, access: Access) -> HttpResponse:
    """How the person said they want to be in touch: the ways and times that suit them, whether
    family, a carer or a friend may join, and who they want involved. It belongs to the person,
    not to an episode, so it shows with or without one."""
    return render(
        request,
        "care/plan/preferences.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PLAN_ROUTE,
            preferences=PreferencesPresenter(
                contact_preferences(access.person), person_name=access.person.given_name
            ),
        ),
    )


@person_data(Part.PLAN, action=Action.CHANGE)
def change_preferences(request: HttpRequest, access: Access) -> HttpResponse:
    """Record how the person wants to be in touch, as they say it. If they (in their portal) or
    someone else changed it while this page was open, nothing is overwritten: the user's answers
    stay in the form, beside what it says now."""
    person = access.person
    current = contact_preferences(person)
    name = person.given_name
    form = ContactPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=ContactPreferencesForm.initial_from(current, seen_at=timezone.now()),
        person_name=name,
    )
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            services.set_contact_preferences(
                person=person, by=request.user, in_portal=False, **form.service_fields()
            )
        except services.StalePreferences as error:
            stale = True
            data = request.POST.copy()
            data["seen_at"] = timezone.now().isoformat()
            form = ContactPreferencesForm(data, person_name=name)
            form.is_valid()
            form.add_validation_error(error)
            form.non_field_href = "#their-changes"
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"How {name} wants to be in touch is saved")
            return redirect(PREFERENCES_ROUTE, person_id=person.pk)
    return render(
        request,
        "care/plan/preferences_form.jinja",
        _context(
            request,
            access,
            route=PLAN_ROUTE,
            back=PREFERENCES_ROUTE,
            form=form,
            stale=stale,
            preferences=PreferencesPresenter(current, person_name=name) if stale else None,
            page_has_errors=bool(form.errors),
        ),
    )
