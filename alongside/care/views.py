"""Key-working pages: a person's episode of care and contacts, the forms that change them, a key
worker's caseload and a team lead's view of the team's caseloads.

Every page about one person names them in its URL and is opened with ``person_data`` (decided
and audited by the sharing module); everything the page acts on (an episode, an appointment, a
care team place) is looked up among that person's own records, so an id from another record is
never used. The caseload pages list several people: they are scoped to the people the user may
reach and audited with ``record_list_view``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.care import forms, hooks, presenters, queries, services
from alongside.care.bases import CARE_TEAM_CHANGE, CARE_TEAM_VIEW
from alongside.care.models import Episode, RiskFlag, RiskSource
from alongside.core.navigation import opens
from alongside.core.paging import paginate
from alongside.organisations.models import Team
from alongside.organisations.permissions import Permission, has_permission, permissions_of
from alongside.sharing.access import (
    Access,
    person_data,
    person_list,
    record_list_view,
    serve,
)
from alongside.sharing.models import Action, Basis, Part
from alongside.sharing.presenters import RecordNavigation

CONTACTS_PAGE_SIZE = 50


def works_with_people(user: Any) -> bool:
    return has_permission(user, Permission.WORK_WITH_PEOPLE)


def may_see(request: HttpRequest, access: Access, part: Part) -> bool:
    """Whether the user may also see ``part`` of this person's record (to show what another
    app adds to the page; not audited)."""
    if part == access.part or (access.basis == Basis.CARE_TEAM and part in CARE_TEAM_VIEW):
        return True
    return access.may(request.user, part)


def may_change_contacts(request: HttpRequest, access: Access) -> bool:
    """Whether the user may also change this person's contacts and episode. When the page was
    opened on the care-team basis, that basis already says so (no second decision is needed);
    otherwise the policy decides (not audited: this only chooses which links to show)."""
    if access.basis == Basis.CARE_TEAM:
        return Part.CONTACTS in CARE_TEAM_CHANGE
    return access.may(request.user, Part.CONTACTS, Action.CHANGE)


# --- A person's episode of care ----------------------------------------------------------------


def _record_context(request: HttpRequest, access: Access, **extra: Any) -> dict[str, Any]:
    return {
        "person": access.person,
        "access": access,
        "record_nav": RecordNavigation(request.user, access),
        "back_link": {"href": reverse("care:caseload"), "text": "Back to caseload"}
        if works_with_people(request.user)
        else {"href": reverse("people:record", kwargs={"person_id": access.person.pk})},
        **extra,
    }


@person_data(Part.CONTACTS)
def episode_page(request: HttpRequest, access: Access) -> HttpResponse:
    """The person's episode of care: lead team, key worker and its history, intensity and its
    history, the care team, and (once ended) the discharge."""
    person = access.person
    episodes = queries.episodes_of(person)
    episode = queries.choose_episode(episodes, request.GET.get("episode"), open_only=False)
    context = _record_context(request, access, episode=None, episodes=episodes)
    if episode is not None:
        key_worker = queries.current_key_worker(episode)
        history = list(queries.allocation_history(episode))
        if key_worker is None and episode.ended_at and history:
            key_worker = history[-1].key_worker
        presenter = presenters.EpisodePresenter(episode, key_worker=key_worker)
        may_change = episode.ended_at is None and may_change_contacts(request, access)
        context.update(
            {
                "episode": episode,
                "presenter": presenter,
                "summary_rows": presenter.summary_rows(
                    partner_teams=list(episode.partner_teams.select_related("organisation"))
                ),
                "allocations": [presenters.AllocationRow(a) for a in history],
                "intensity_rows": [
                    presenters.IntensityRow(s) for s in queries.intensity_steps(episode)
                ],
                "care_team": [presenters.CareTeamRow(m) for m in queries.care_team_of(episode)],
                "other_episodes": [
                    {
                        "title": presenters.EpisodePresenter(e, key_worker=None).title,
                        "href": presenters.record_href("care:episode", person.pk, e),
                    }
                    for e in episodes
                    if e.pk != episode.pk
                ],
                "may_change": may_change,
                "links": _episode_links(person.pk, episode) if may_change else [],
                "summary_href": presenters.record_href("care:discharge-summary", person.pk, episode)
                if episode.ended_at
                else None,
            }
        )
    return render(request, "care/episode.jinja", context)


def _episode_links(person_id: int, episode: Episode) -> list[dict[str, str]]:
    def href(route: str) -> str:
        return presenters.record_href(route, person_id, episode)

    return [
        {"text": "Change intensity", "href": href("care:intensity")},
        {"text": "Change key worker", "href": href("care:reallocate")},
        {"text": "Add to the care team", "href": href("care:care-team")},
        {"text": "Discharge", "href": href("care:discharge")},
    ]


# --- Contacts ----------------------------------------------------------------------------------


@person_data(Part.CONTACTS)
def contacts(request: HttpRequest, access: Access) -> HttpResponse:
    """The person's contacts, newest first, with the appointments still to come (or to record)
    above them. A note shows only to those its sharing level allows."""
    person = access.person
    episodes = queries.episodes_of(person)
    reader = queries.NoteReader.for_user(request.user, access.basis)
    page = Paginator(queries.contacts_of(person), CONTACTS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    shown = list(page.object_list)
    appointments = list(queries.appointments_of(person))
    marks = presenters.milestones(episodes, shown)
    is_open = any(e.ended_at is None for e in episodes)
    may_change = is_open and may_change_contacts(request, access)
    return render(
        request,
        "care/contacts.jinja",
        _record_context(
            request,
            access,
            rows=[presenters.ContactRow(c, reader, person.pk, marks) for c in shown],
            appointments=[presenters.ContactRow(c, reader, person.pk, {}) for c in appointments],
            page=page,
            has_episode=bool(episodes),
            may_change=may_change,
            preferences_href=reverse("plans:contact-preferences", kwargs={"person_id": person.pk})
            if may_see(request, access, Part.PLAN)
            else None,
        ),
    )


def _form_page(
    request: HttpRequest,
    access: Access,
    *,
    title: str,
    form: Any,
    back: str,
    act: Callable[[Any], Any] | None = None,
    done: str = "",
    after: str | None = None,
    intro: str = "",
    template: str = "care/form.jinja",
    warn: Callable[[Any], Iterable[str]] | None = None,
    **extra: Any,
) -> HttpResponse:
    """One form page about a person: on POST, call the service (``act``) and go back (or to
    ``after``); a service's refusal shows on the form, and nothing is saved. Without ``act``, the
    page is only drawn (the view handled the POST itself). ``warn`` says what to mention about
    the result (shown, never a block)."""
    if act is not None and request.method == "POST" and form is not None and form.is_valid():
        try:
            result = act(form)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, done)
            # Warnings the change came back with (a key worker lacking a competency the
            # episode needs): shown, never a block.
            for warning in getattr(result, "warnings", ()):
                messages.warning(request, warning)
            for warning in warn(result) if warn is not None else ():
                messages.warning(request, warning)
            return redirect(after or back)
    context = _record_context(request, access)
    context.update(
        {
            "title": title,
            "intro": intro,
            "form": form,
            "page_has_errors": bool(form is not None and form.errors),
            "back_link": {"href": back, "text": "Back"},
            **extra,
        }
    )
    return render(request, template, context)


def _unavailable(
    request: HttpRequest, access: Access, *, title: str, back: str, why: str
) -> HttpResponse:
    context = _record_context(request, access)
    context.update(
        {
            "title": title,
            "form": None,
            "unavailable": why,
            "back_link": {"href": back, "text": "Back"},
        }
    )
    return render(request, "care/form.jinja", context)


def _open_episode_or_reason(
    request: HttpRequest, access: Access
) -> tuple[Episode | None, str | None]:
    """The open episode the page is about, or why the page has nothing to change."""
    episode = queries.episode_for(
        request.user, queries.episodes_of(access.person), request.GET.get("episode")
    )
    if episode is None:
        return None, "There is no open episode of care for this person."
    if request.method == "GET" and not may_change_contacts(request, access):
        return None, "You can see this person's contacts but not change them."
    return episode, None


def _record_page(person_id: int, route: str, episode: Episode | None = None) -> str:
    return presenters.record_href(route, person_id, episode)


def _keeping_in_touch(request: HttpRequest, access: Access) -> dict[str, Any]:
    """What the contact forms show beside them (how the person said they want to be in touch),
    and ``warn``: the gentle word for a contact that did not keep to it."""
    preferences = queries.contact_preferences(access.person)
    name = access.person.given_name
    href = None
    if may_see(request, access, Part.PLAN):
        href = reverse("plans:contact-preferences", kwargs={"person_id": access.person.pk})

    def warn(contact: Any) -> list[str]:
        found = presenters.preference_warning(preferences, contact, person_name=name)
        return [found] if found else []

    return {
        "preferences": presenters.PreferencesPresenter(preferences, person_name=name),
        "preferences_href": href,
        "warn": warn,
    }


@person_data(Part.CONTACTS, action=Action.CHANGE)
def contact_new(request: HttpRequest, access: Access) -> HttpResponse:
    """Record a contact that has happened (or was missed or cancelled)."""
    title = "Record a contact"
    back = _record_page(access.person.pk, "care:contacts")
    episode, why = _open_episode_or_reason(request, access)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    now = timezone.localtime()
    form = forms.ContactForm(
        request.POST if request.method == "POST" else None,
        initial={"on": now.date(), "note_sharing": "care_team"},
    )

    def act(form: forms.ContactForm) -> Any:
        team = queries.contact_team_for(request.user, episode)
        if team is None:
            raise ValidationError("You need a care role in a team to record a contact.")
        return services.record_contact(
            episode=episode,
            practitioner=request.user,
            team=team,
            by=request.user,
            **form.service_fields(),
        )

    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=act,
        done="Contact recorded",
        back=back,
        intro=f"With {episode.lead_team.name}. You are recorded as the practitioner.",
        template="care/contact_form.jinja",
        **_keeping_in_touch(request, access),
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def appointment_new(request: HttpRequest, access: Access) -> HttpResponse:
    """Book an appointment: a planned contact, whose outcome is recorded after it."""
    title = "Book an appointment"
    back = _record_page(access.person.pk, "care:contacts")
    episode, why = _open_episode_or_reason(request, access)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    form = forms.AppointmentForm(request.POST if request.method == "POST" else None)

    def act(form: forms.AppointmentForm) -> Any:
        team = queries.contact_team_for(request.user, episode)
        if team is None:
            raise ValidationError("You need a care role in a team to book an appointment.")
        return services.record_contact(
            episode=episode,
            practitioner=request.user,
            team=team,
            by=request.user,
            **form.service_fields(),
        )

    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=act,
        done="Appointment booked",
        back=back,
        template="care/contact_form.jinja",
        **_keeping_in_touch(request, access),
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def contact_outcome(request: HttpRequest, access: Access) -> HttpResponse:
    """Say what happened to an appointment: attended, did not attend, or cancelled. The
    appointment is chosen among the person's own (``?contact=`` preselects one)."""
    title = "Record what happened at an appointment"
    back = _record_page(access.person.pk, "care:contacts")
    episode, why = _open_episode_or_reason(request, access)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    appointments = list(queries.appointments_of(access.person))
    if not appointments:
        return _unavailable(
            request, access, title=title, back=back, why="There are no appointments to record."
        )
    wanted = request.GET.get("contact")
    if wanted is None and len(appointments) == 1:
        wanted = str(appointments[0].pk)
    form = forms.OutcomeForm(
        request.POST if request.method == "POST" else None,
        appointments=appointments,
        initial={"contact": wanted, "note_sharing": "care_team"},
    )

    def act(form: forms.OutcomeForm) -> Any:
        data = form.cleaned_data
        return services.record_contact_outcome(
            contact=form.chosen(),
            outcome=data["outcome"],
            by=request.user,
            duration_minutes=data.get("duration_minutes"),
            note=data.get("note", ""),
            note_sharing=data["note_sharing"],
            others_present=bool(data.get("others_present")),
        )

    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=act,
        done="What happened is recorded",
        back=back,
        template="care/contact_form.jinja",
        **_keeping_in_touch(request, access),
    )


# --- Changing the episode ----------------------------------------------------------------------


@person_data(Part.CONTACTS, action=Action.CHANGE)
def intensity(request: HttpRequest, access: Access) -> HttpResponse:
    """Step support up or down, with the reason; the history stays on the episode page."""
    title = "Change intensity"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    form = forms.IntensityForm(
        request.POST if request.method == "POST" else None, current=episode.intensity
    )
    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=lambda f: services.change_intensity(
            episode=episode,
            intensity=f.cleaned_data["intensity"],
            reason=f.cleaned_data["reason"],
            by=request.user,
        ),
        done="Intensity changed",
        back=back,
        intro=f"Support is {episode.get_intensity_display().lower()} now.",
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def reallocate(request: HttpRequest, access: Access) -> HttpResponse:
    """Allocate a key worker, or change them with a reason; the allocation history is kept."""
    title = "Change key worker"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    now = queries.current_key_worker(episode)
    form = forms.KeyWorkerForm(
        request.POST if request.method == "POST" else None,
        candidates=queries.possible_key_workers(episode),
    )
    return _form_page(
        request,
        access,
        title=title if now else "Allocate a key worker",
        form=form,
        act=lambda f: services.allocate_key_worker(
            episode=episode,
            key_worker=f.cleaned_data["key_worker"].user,
            by=request.user,
            reason=f.cleaned_data["reason"],
        ),
        done="Key worker allocated",
        back=back,
        intro=f"The key worker now is {now.display_name}." if now else "No key worker yet.",
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def care_team(request: HttpRequest, access: Access) -> HttpResponse:
    """Add a practitioner, from any organisation working in the area, to the care team."""
    title = "Add to the care team"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    form = forms.CareTeamForm(
        request.POST if request.method == "POST" else None,
        candidates=queries.teams_for_care_team(episode),
    )
    members = list(queries.care_team_of(episode, current_only=True))
    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=lambda f: services.add_care_team_member(
            episode=episode,
            user=f.cleaned_data["membership"].user,
            team=f.cleaned_data["membership"].team,
            role=f.cleaned_data["role"],
            by=request.user,
        ),
        done="Added to the care team",
        back=back,
        template="care/care_team.jinja",
        members=[presenters.CareTeamRow(m) for m in members],
        leave_href=_record_page(access.person.pk, "care:care-team-leave", episode)
        if members
        else None,
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def care_team_leave(request: HttpRequest, access: Access) -> HttpResponse:
    """Someone leaves the care team (their place is kept in the history)."""
    title = "Someone leaves the care team"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    members = queries.care_team_of(episode, current_only=True)
    if not members.exists():
        return _unavailable(
            request, access, title=title, back=back, why="No one is in the care team now."
        )
    form = forms.LeaveCareTeamForm(
        request.POST if request.method == "POST" else None, members=members
    )
    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=lambda f: services.end_care_team_member(
            member=f.cleaned_data["member"], by=request.user
        ),
        done="They have left the care team",
        back=back,
    )


# --- Discharge ---------------------------------------------------------------------------------


def _render_summary(
    request: HttpRequest, access: Access, episode: Episode, *, just_discharged: bool
) -> HttpResponse:
    return render(
        request,
        "care/discharge_summary.jinja",
        {
            "person": access.person,
            "summary": presenters.discharge_summary(episode),
            "episode": episode,
            "just_discharged": just_discharged,
            "printed_at": timezone.now(),
            "back_href": _record_page(access.person.pk, "care:episode", episode)
            if not just_discharged
            else reverse("care:caseload"),
        },
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def discharge(request: HttpRequest, access: Access) -> HttpResponse:
    """End the episode with a reason and a summary for the person and their GP. Open
    appointments must be resolved first: they are listed here with a link to each."""
    title = "Discharge"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    reader = queries.NoteReader.for_user(request.user, access.basis)
    open_appointments = [
        presenters.ContactRow(c, reader, access.person.pk, {})
        for c in queries.open_appointments(episode)
    ]
    form = forms.DischargeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ended = services.discharge_episode(
                episode=episode,
                reason=form.cleaned_data["reason"],
                summary=form.cleaned_data["summary"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            # Once the episode ends, the care team's basis for this record ends with it: the
            # summary is shown now, to print for the person and their GP.
            return _render_summary(request, access, ended, just_discharged=True)
    return _form_page(
        request,
        access,
        title=f"Discharge from {episode.lead_team.name}",
        form=form,
        back=back,
        template="care/discharge.jinja",
        open_appointments=open_appointments,
        # What other apps remind of (measures to complete at discharge): never a block.
        reminders=hooks.DischargeReminders.for_episode(
            episode, may_see=lambda part: may_see(request, access, part)
        ),
    )


@person_data(Part.CONTACTS)
def discharge_summary(request: HttpRequest, access: Access) -> HttpResponse:
    """The printable discharge summary of an ended episode (``?episode=``, else the latest)."""
    episodes = [e for e in queries.episodes_of(access.person) if e.ended_at is not None]
    episode = queries.choose_episode(episodes, request.GET.get("episode"), open_only=False)
    if episode is None:
        back = _record_page(access.person.pk, "care:episode")
        return _unavailable(
            request,
            access,
            title="Discharge summary",
            back=back,
            why="There is no discharge summary: no episode of care has ended.",
        )
    return _render_summary(request, access, episode, just_discharged=False)


# --- Caseloads ---------------------------------------------------------------------------------


@person_list(Permission.WORK_WITH_PEOPLE)
def caseload(request: HttpRequest) -> HttpResponse:
    """The signed-in key worker's caseload: everyone they are key worker for now, with when they
    were last seen, the next appointment, the plan's review date and what needs attention."""
    now = timezone.now()
    episodes = list(queries.caseload(request.user, now=now))
    record_list_view(request, [e.person_id for e in episodes])
    hrefs = presenters.person_hrefs("care:episode")
    extras = hooks.CaseloadExtras(episodes)
    return render(
        request,
        "care/caseload.jinja",
        {
            "rows": [
                presenters.CaseloadRow(e, now, hrefs=hrefs, extras=extras.cells(e.pk))
                for e in episodes
            ],
            "extra_headings": extras.headings,
            "counts": queries.intensity_counts(episodes),
            "weeks": queries.NOT_SEEN_WEEKS,
            "teams": list(queries.teams_led_by(request.user)),
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )


@person_list(Permission.LEAD_TEAM)
def team_caseloads(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team lead's (or supervisor's) view of the team's caseloads: size and intensity mix per
    key worker, people not seen in N weeks, people waiting for allocation, and reallocation.

    The page lists people, so it is scoped and audited as a list. A reallocation changes one
    person's episode: it goes through ``sharing.access.serve`` for that person, decided and
    audited in one transaction with the change, exactly as a person's own pages are."""
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    if not queries.teams_led_by(request.user).filter(pk=team.pk).exists():
        raise PermissionDenied
    now = timezone.now()
    filters = forms.CaseloadFilterForm(request.GET or None)
    weeks = filters.weeks_or_default(queries.NOT_SEEN_WEEKS)
    cutoff = now - dt.timedelta(weeks=weeks)
    episodes = queries.team_open_episodes(team, request.user)
    choices = list(queries.reallocatable(episodes))
    form = forms.ReallocateForm(
        request.POST if request.method == "POST" else None,
        episodes=queries.reallocatable(episodes),
        candidates=queries.team_key_workers(team),
        initial={"episode": request.GET.get("reallocate")},
    )
    # Back to this page as it was (its filter and the pages of its lists) after a reallocation.
    kept = {k: request.GET[k] for k in ("weeks", "page", "waiting_page") if request.GET.get(k)}
    here = request.path + ("?" + urlencode(kept) if kept else "")
    if request.method == "POST" and form.is_valid():
        chosen = form.cleaned_data["episode"]

        def act(request: HttpRequest, access: Access) -> HttpResponse | None:
            try:
                allocation = services.allocate_key_worker(
                    episode=chosen,
                    key_worker=form.cleaned_data["key_worker"].user,
                    by=request.user,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                form.add_validation_error(error)
                return None
            messages.success(
                request,
                f"{form.cleaned_data['key_worker'].user.display_name} is now the key worker",
            )
            for warning in allocation.warnings:
                messages.warning(request, warning)
            return redirect(here)

        response = serve(request, chosen.person_id, Part.CONTACTS, Action.CHANGE, act)
        if response is not None:
            return response
    unseen_paged = paginate(
        request,
        queries.not_seen(episodes, cutoff=cutoff),
        one="person",
        many="people",
        anchor="#not-seen",
        label="Pages of people not seen",
    )
    waiting_paged = paginate(
        request,
        queries.waiting_allocation(episodes),
        one="person",
        many="people",
        param="waiting_page",
        anchor="#waiting",
        label="Pages of people waiting for a key worker",
    )
    unseen = list(unseen_paged.page.object_list)
    waiting = list(waiting_paged.page.object_list)
    record_list_view(request, {e.person_id for e in choices})
    today = timezone.localdate()
    hrefs = presenters.person_hrefs("care:episode")
    extras = hooks.CaseloadExtras(unseen + waiting)
    return render(
        request,
        "care/team_caseloads.jinja",
        {
            "team": team,
            "filters": filters,
            "weeks": weeks,
            "workers": [
                presenters.WorkerRow(w) for w in queries.worker_caseloads(team, cutoff=cutoff)
            ],
            "unseen": [
                presenters.NotSeenRow(
                    e, now, weeks, hrefs, extras=extras.cells(e.pk), reallocate_base=here
                )
                for e in unseen
            ],
            "waiting": [
                presenters.WaitingRow(e, today, here, extras=extras.cells(e.pk)) for e in waiting
            ],
            "unseen_paged": unseen_paged,
            "waiting_paged": waiting_paged,
            "extra_headings": extras.headings,
            "team_links": hooks.TeamLinks.for_team(
                team.pk, may_open=partial(opens, permissions_of(request.user))
            ),
            "total": len(choices),
            "counts": queries.intensity_counts(choices),
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("care:caseload"), "text": "Back to my caseload"},
        },
    )


# --- Risk flags ----------------------------------------------------------------------------------


@person_data(Part.CONTACTS, action=Action.CHANGE)
def raise_risk(request: HttpRequest, access: Access) -> HttpResponse:
    """Anyone in the care team raises a risk flag: the key worker sees it at once."""
    title = "Raise a risk flag"
    episode, why = _open_episode_or_reason(request, access)
    back = _record_page(access.person.pk, "care:episode", episode)
    if episode is None:
        return _unavailable(request, access, title=title, back=back, why=why)
    form = forms.RaiseRiskForm(request.POST if request.method == "POST" else None)
    return _form_page(
        request,
        access,
        title=title,
        form=form,
        act=lambda f: services.raise_risk_flag(
            episode=episode,
            source=RiskSource.PRACTITIONER,
            said=f.cleaned_data["said"],
            by=request.user,
        ),
        done="Risk flag raised: the key worker sees it on their home page and caseload",
        back=back,
        intro="If the person is in immediate danger, call 999 now.",
    )


@person_data(Part.CONTACTS, action=Action.CHANGE)
def risk_flag(request: HttpRequest, access: Access, flag_id: int) -> HttpResponse:
    """One risk flag: what was said and when, and recording what was done about it."""
    flag = get_object_or_404(
        RiskFlag.objects.select_related("raised_by", "acted_by"),
        pk=flag_id,
        person_id=access.person.pk,
    )
    back = _record_page(access.person.pk, "care:episode", flag.episode)
    form = forms.RiskActionForm(request.POST if request.method == "POST" else None)
    return _form_page(
        request,
        access,
        title="Risk flag",
        form=form if flag.is_open else None,
        act=(
            (
                lambda f: services.record_risk_action(
                    flag=flag, by=request.user, action=f.cleaned_data["action"]
                )
            )
            if flag.is_open
            else None
        ),
        done="Recorded what was done: the flag is closed",
        back=back,
        template="care/risk_flag.jinja",
        flag=presenters.RiskFlagPresenter(flag),
    )
