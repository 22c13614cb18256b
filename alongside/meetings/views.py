"""Pages of the integrated locality meetings: the list, scheduling, the meeting itself (attendees
and agenda), the decision on each item, and a printable agenda and decision record.

Who may take part: care staff in a team serving the meeting's locality; a meeting of another
locality is answered with 404, so its existence is not revealed. Team leads and triage
coordinators may schedule.

The agenda shows people's names, so every page that shows it is a list in the sense of the
sharing module: a person is named only if ``visible_people`` reaches them (during the week
either side of the meeting the meeting basis does, for everyone taking part), and each person
named is audited with ``record_list_view``. Anyone else is 'Person not shared with you'.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.core.access import no_person_data, requires, user_passes_or_403
from alongside.meetings import presenters, queries, services
from alongside.meetings.forms import AttendeeForm, DecisionForm, EpisodeItemForm, ScheduleForm
from alongside.meetings.models import AgendaItem, LocalityMeeting
from alongside.organisations.permissions import Permission
from alongside.people.models import Person
from alongside.sharing import policy
from alongside.sharing.access import Access, person_list, record_list_view, serve
from alongside.sharing.models import Action, Part

takes_part = user_passes_or_403(queries.works_in_localities)


def _meeting(request: HttpRequest, meeting_id: int) -> LocalityMeeting:
    meeting = queries.meeting_for(request.user, meeting_id)
    if meeting is None:
        raise Http404("No meeting you take part in")
    return meeting


def _person(item: AgendaItem) -> Person:
    return item.referral.person if item.referral_id else item.episode.person


def _shown(request: HttpRequest, people: Iterable[Person]) -> set[int]:
    """The ids of the people the user may see; each of them is audited as shown."""
    people = list(people)
    wanted = {p.pk for p in people}
    visible = set(
        policy.visible_people(request.user).filter(pk__in=wanted).values_list("pk", flat=True)
    )
    record_list_view(request, [p for p in people if p.pk in visible])
    return visible


def _agenda(request: HttpRequest, meeting: LocalityMeeting) -> list[presenters.AgendaItemPresenter]:
    items = list(meeting.agenda_items.all())
    visible = _shown(request, {_person(item).pk: _person(item) for item in items}.values())
    return presenters.agenda(meeting, items, visible, timezone.localdate())


def _back_to(meeting: LocalityMeeting, anchor: str = "") -> str:
    url = reverse("meetings:meeting", kwargs={"meeting_id": meeting.pk})
    return f"{url}#{anchor}" if anchor else url


@no_person_data
@requires(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def meeting_list(request: HttpRequest) -> HttpResponse:
    upcoming, recent = queries.upcoming_and_recent(request.user, timezone.now())
    return render(
        request,
        "meetings/list.jinja",
        {
            "upcoming": [presenters.MeetingPresenter(m) for m in upcoming],
            "recent": [presenters.MeetingPresenter(m) for m in recent],
            "may_schedule": queries.may_schedule(request.user),
            "localities": list(
                queries.care_localities(request.user).values_list("name", flat=True)
            ),
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )


@no_person_data
@requires(Permission.SCHEDULE_MEETINGS)
@user_passes_or_403(queries.may_schedule)
def schedule(request: HttpRequest) -> HttpResponse:
    form = ScheduleForm(request.POST if request.method == "POST" else None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.schedule_meeting(by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Meeting scheduled")
            return redirect(_back_to(meeting))
    return render(
        request,
        "meetings/schedule.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("meetings:list"), "text": "Back to meetings"},
        },
    )


def _meeting_page(
    request: HttpRequest, meeting: LocalityMeeting, attendee_form: AttendeeForm
) -> HttpResponse:
    return render(
        request,
        "meetings/meeting.jinja",
        {
            "meeting": presenters.MeetingPresenter(meeting),
            "attendees": [presenters.AttendeePresenter(a) for a in meeting.attendees.all()],
            "attendee_form": attendee_form,
            "items": _agenda(request, meeting),
            "awaiting": queries.awaiting_a_meeting(meeting.locality_id).count(),
            "page_has_errors": bool(attendee_form.errors),
            "back_link": {"href": reverse("meetings:list"), "text": "Back to meetings"},
        },
    )


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def meeting_page(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    return _meeting_page(request, meeting, AttendeeForm(meeting=meeting))


@no_person_data
@requires(Permission.TAKE_PART_IN_MEETINGS)
@require_POST
@takes_part
def add_attendee(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    form = AttendeeForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            attendee = services.record_attendee(
                meeting=meeting, by=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{attendee.name} added to the attendees")
            return redirect(_back_to(meeting, "attendees"))
    return _meeting_page(request, meeting, form)


@no_person_data
@requires(Permission.TAKE_PART_IN_MEETINGS)
@require_POST
@takes_part
def remove_attendee(request: HttpRequest, meeting_id: int, attendee_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    attendee = get_object_or_404(meeting.attendees.all(), pk=attendee_id)
    services.remove_attendee(attendee=attendee, by=request.user)
    messages.success(request, f"{attendee.name} removed from the attendees")
    return redirect(_back_to(meeting, "attendees"))


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@require_POST
@takes_part
def add_referrals(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    added = services.add_referral_items(meeting=meeting, by=request.user)
    if added:
        messages.success(
            request, f"{presenters.plural(len(added), 'referral')} added to the agenda"
        )
    else:
        messages.info(request, "No more referrals are marked for this locality's meeting")
    return redirect(_back_to(meeting, "agenda"))


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def add_episode(request: HttpRequest, meeting_id: int) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    episodes = queries.open_episodes_to_add(meeting, policy.visible_people(request.user))
    form = EpisodeItemForm(request.POST if request.method == "POST" else None, episodes=episodes)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_episode_item(meeting=meeting, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Added to the agenda")
            return redirect(_back_to(meeting, "agenda"))
    record_list_view(request, [e.person for e in episodes])  # the choices name people
    return render(
        request,
        "meetings/add_episode.jinja",
        {
            "meeting": presenters.MeetingPresenter(meeting),
            "form": form,
            "has_choices": bool(form.fields["episode"].queryset),
            "page_has_errors": bool(form.errors),
            "back_link": {"href": _back_to(meeting, "agenda"), "text": "Back to the meeting"},
        },
    )


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def decide(request: HttpRequest, meeting_id: int, item_id: int) -> HttpResponse:
    """The meeting's decision on one item. Anyone taking part who may see the person sees the
    page; recording the decision changes the person's referral (or episode), so it needs the
    right to change their referrals (the team holding the referral has it), and is audited as a
    change in one transaction with it, exactly as a triage decision is."""
    meeting = _meeting(request, meeting_id)
    items = list(meeting.agenda_items.all())
    item = next((i for i in items if i.pk == item_id), None)
    if item is None:
        raise Http404("No such item on this meeting's agenda")
    person = _person(item)
    if request.method == "POST":
        return serve(
            request, person.pk, Part.REFERRALS, Action.CHANGE, _decision_page, meeting, items, item
        )
    if not _shown(request, [person]):
        raise PermissionDenied("Only staff who can see this person's record can open this page")
    return _decision_page(request, None, meeting, items, item)


def _decision_page(
    request: HttpRequest,
    access: Access | None,
    meeting: LocalityMeeting,
    items: list[AgendaItem],
    item: AgendaItem,
) -> HttpResponse:
    person = _person(item)
    shown = presenters.AgendaItemPresenter(
        item, number=items.index(item) + 1, visible={person.pk}, today=timezone.localdate()
    )
    may_record = (
        access is not None
        or policy.decide(request.user, person, Part.REFERRALS, Action.CHANGE).allowed
    )
    initial: dict[str, Any] = {"version": item.referral.version} if item.referral_id else {}
    if item.episode_id:
        lead = item.episode.lead_team_id
        initial.update(allocate_team=lead, joint_team=lead)
    form = DecisionForm(
        request.POST if request.method == "POST" else None, item=item, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_decision(item=item, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Decision recorded for item {shown.number}")
            return redirect(_back_to(meeting, f"item-{item.pk}"))
    holder = item.referral.team if item.referral_id else item.episode.lead_team
    return render(
        request,
        "meetings/decide.jinja",
        {
            "meeting": presenters.MeetingPresenter(meeting),
            "item": shown,
            "form": form,
            "may_record": may_record,
            "holder": holder.name,
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": _back_to(meeting, f"item-{item.pk}"),
                "text": "Back to the meeting",
            },
        },
    )


def _print(request: HttpRequest, meeting_id: int, template: str) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    return render(
        request,
        template,
        {
            "meeting": presenters.MeetingPresenter(meeting),
            "attendees": [presenters.AttendeePresenter(a) for a in meeting.attendees.all()],
            "items": _agenda(request, meeting),
            "printed_at": timezone.now(),
            "back_href": _back_to(meeting),
        },
    )


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def print_agenda(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _print(request, meeting_id, "meetings/print_agenda.jinja")


@person_list(Permission.TAKE_PART_IN_MEETINGS)
@takes_part
def print_decisions(request: HttpRequest, meeting_id: int) -> HttpResponse:
    return _print(request, meeting_id, "meetings/print_decisions.jinja")
