"""Staff pages for referrals: the worklists, making a referral, a referral's page and each triage
decision. Views parse with a form, call one service, and render; every page that shows a
referral is opened through ``referrals.access`` (decided and audited by the sharing module).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.core.access import requires
from alongside.core.paging import paginate
from alongside.organisations.models import Team
from alongside.organisations.permissions import Permission
from alongside.people.models import Person
from alongside.referrals import forms, queries, services
from alongside.referrals.access import (
    TRIAGE,
    ReferralAccess,
    record_referral_list_view,
    referral_data,
)
from alongside.referrals.models import AWAITING_DECISION, Handover
from alongside.referrals.presenters import (
    FollowUpRow,
    HandoverRow,
    HistoryRow,
    ReferralPresenter,
    ReferralRow,
    candidate_label,
)
from alongside.sharing import audit, policy
from alongside.sharing.access import (
    Access,
    client_address,
    no_person_data,
    person_data,
    person_list,
)
from alongside.sharing.models import Action, Basis, Part
from alongside.sharing.presenters import RecordNavigation

PAGE_SIZE = 50


def my_teams(user: Any) -> list[Team]:
    return list(
        Team.objects.filter(pk__in=policy.care_memberships(user).values("team_id")).order_by("name")
    )


# --- Worklists ---------------------------------------------------------------------------------


@person_list(Permission.WORK_WITH_PEOPLE)
def worklists(request: HttpRequest) -> HttpResponse:
    """Referrals waiting for triage, follow-ups due, and accepted people waiting for their first
    and second contact: for the user's teams, filterable, oldest first."""
    services.escalate_overdue_referrals()  # on page view too, as well as the scheduled job
    teams = my_teams(request.user)
    form = forms.WorklistFilterForm(request.GET, my_teams=teams)
    form.is_valid()
    data = form.cleaned_data if form.is_bound else {}
    name = data.get("list") or queries.Worklist.TRIAGE
    # Triage and its follow-ups are for the teams where the user triages (ADR-009); the
    # first- and second-contact lists, of people the team accepted, for every care team.
    triaging = set(policy.triage_memberships(request.user).values_list("team_id", flat=True))

    def filters_for(key: str) -> queries.WorklistFilter:
        triage_list = key in (queries.Worklist.TRIAGE, queries.Worklist.FOLLOW_UPS)
        return queries.WorklistFilter(
            team_ids=tuple(t.pk for t in teams if not triage_list or t.pk in triaging),
            team_id=data.get("team"),
            locality_id=data.get("locality"),
            source=data.get("source") or None,
        )

    filters = filters_for(name)
    rows_query = queries.worklist(name, filters)
    paged = paginate(
        request,
        rows_query,
        one="referral" if name != queries.Worklist.FOLLOW_UPS else "follow-up",
        many="referrals" if name != queries.Worklist.FOLLOW_UPS else "follow-ups",
        size=PAGE_SIZE,
        label=f"Pages of the list: {queries.Worklist.LABELS[name]}",
    )
    page = paged.page
    today = timezone.localdate()
    if name == queries.Worklist.FOLLOW_UPS:
        rows = [FollowUpRow(h, today) for h in page.object_list]
        shown = [h.referral for h in page.object_list]
    else:
        rows = [ReferralRow(r, today) for r in page.object_list]
        shown = list(page.object_list)
    record_referral_list_view(request, shown)
    counts = {key: queries.worklist(key, filters_for(key)).count() for key in queries.Worklist.ALL}
    query = {k: v for k, v in request.GET.items() if k not in {"list", "page"} and v}
    tabs = [
        {
            "key": key,
            "label": queries.Worklist.LABELS[key],
            "count": counts[key],
            "href": "?" + _encode({**query, "list": key}),
            "current": key == name,
        }
        for key in queries.Worklist.ALL
    ]
    return render(
        request,
        "referrals/worklists.jinja",
        {
            "form": form,
            "name": name,
            "label": queries.Worklist.LABELS[name],
            "tabs": tabs,
            "rows": rows,
            "paged": paged,
            "bounces": queries.bounces_for(filters_for(queries.Worklist.TRIAGE).team_ids).count(),
        },
    )


def _encode(query: dict[str, Any]) -> str:
    return urlencode(query)


# --- Making a referral -------------------------------------------------------------------------


def _refer(request: HttpRequest, *, person: Person | None, back: str) -> HttpResponse:
    form = forms.ReferralForm(
        request.POST if request.method == "POST" else None, known_person=person is not None
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.refer(
                by=request.user,
                person=person,
                referring_organisation_id=policy.acting_organisation_id(request.user),
                **form.service_fields(),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"Referral sent – reference {referral.reference}")
            return redirect(back)
    return render(
        request,
        "referrals/refer.jinja",
        {
            "form": form,
            "known_person": person,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": back, "text": "Back"},
        },
    )


@no_person_data
@requires(Permission.WORK_WITH_PEOPLE)
def refer(request: HttpRequest) -> HttpResponse:
    """A referral for someone not (knowingly) known here: triage matches them to a record."""
    return _refer(request, person=None, back=reverse("home"))


@person_data(Part.DETAILS)
def refer_person(request: HttpRequest, access: Access) -> HttpResponse:
    """A referral for someone whose record the user may see: linked to it at once. Making it
    is a look at their details; the referral keeps its own history of who made it."""
    back = reverse("people:record", kwargs={"person_id": access.person.pk})
    return _refer(request, person=access.person, back=back)


@person_data(Part.REFERRALS)
def person_referrals(request: HttpRequest, access: Access) -> HttpResponse:
    """The part of a person's record that holds their referrals, newest first."""
    today = timezone.localdate()
    return render(
        request,
        "referrals/person.jinja",
        {
            "person": access.person,
            "access": access,
            "record_nav": RecordNavigation(request.user, access),
            "rows": [ReferralRow(r, today) for r in queries.referrals_of(access.person)],
            "may_refer": access.may(request.user, Part.DETAILS),
            "back_link": {"href": reverse("people:list"), "text": "Back to people"},
        },
    )


# --- A referral --------------------------------------------------------------------------------


def _referral_context(access: ReferralAccess, request: HttpRequest) -> dict[str, Any]:
    referral = access.referral
    return {
        "referral": referral,
        "presenter": ReferralPresenter(referral, needs=list(referral.needs.order_by("name"))),
        "back_link": {"href": reverse("referrals:worklists"), "text": "Back to referrals"},
    }


@referral_data(Part.REFERRALS)
def referral_page(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    referral = access.referral
    context = _referral_context(access, request)
    candidates: list[Person] = []
    if referral.person_id is None and access.may(request.user, Part.REFERRALS, Action.CHANGE):
        candidates = list(queries.duplicates_of(referral)[:10])
        _audit_candidates(request, referral, candidates)
    context.update(
        {
            "history": [HistoryRow(t) for t in queries.history(referral)],
            "handovers": [HandoverRow(h) for h in queries.handovers(referral)],
            "candidates": candidates,
            "has_other_referral": queries.open_referrals_for(candidates, excluding=referral),
            "identify_form": forms.IdentifyForm(
                initial={"version": referral.version},
                candidates=[(str(p.pk), candidate_label(p, referral)) for p in candidates],
            )
            if referral.person_id is None and referral.state in ("received", "in_triage")
            else None,
            "may_change": access.may(request.user, Part.REFERRALS, Action.CHANGE),
            "person_href": reverse("people:record", kwargs={"person_id": referral.person_id})
            if referral.person_id and access.may(request.user, Part.DETAILS)
            else None,
        }
    )
    return render(request, "referrals/referral.jinja", context)


def _audit_candidates(request: HttpRequest, referral: Any, candidates: list[Person]) -> None:
    """Showing a possible match is a look at that person's details, for identifying whom the
    referral is about: audited, so their privacy lead can see it."""
    for person in candidates:
        audit.record(
            user_id=request.user.pk,
            person_id=person.pk,
            organisation_id=referral.team.organisation_id,
            part=Part.DETAILS,
            action=Action.VIEW,
            basis=Basis.OPEN_REFERRAL,
            allowed=True,
            route="referrals:referral",
            ip_address=client_address(request),
            reason=f"Possible match for referral {referral.reference}",
        )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def identify(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    """Say whom the referral is about: one of the likely matches, or a new person."""
    referral = access.referral
    candidates = list(queries.duplicates_of(referral)[:10])
    choices = [(str(p.pk), candidate_label(p, referral)) for p in candidates]
    if request.method == "POST":
        form = forms.IdentifyForm(request.POST, candidates=choices)
        if form.is_valid():
            choice = form.cleaned_data["match"]
            person = next((p for p in candidates if str(p.pk) == choice), None)
            try:
                services.identify_person(
                    referral=referral,
                    by=request.user,
                    person=person,
                    version=form.cleaned_data["version"],
                )
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, "The referral is linked to the person's record")
                return redirect("referrals:referral", referral_id=referral.pk)
    else:
        form = forms.IdentifyForm(initial={"version": referral.version}, candidates=choices)
        _audit_candidates(request, referral, candidates)
    context = _referral_context(access, request)
    context.update(
        {
            "form": form,
            "action_title": "Who is this referral about?",
            "intro": "Records with the same NHS number, or the same name, date of birth and "
            "postcode, each shown by its reference, initials, year of birth and postcode "
            "district, with which of the referral's details agree. Check with the person "
            "before you match: nothing is merged unless you choose.",
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": reverse("referrals:referral", kwargs={"referral_id": referral.pk}),
                "text": "Back to the referral",
            },
        }
    )
    return render(request, "referrals/decision.jinja", context)


# --- Decisions ---------------------------------------------------------------------------------


def _decision(
    request: HttpRequest,
    access: ReferralAccess,
    *,
    title: str,
    form_class: Callable[..., forms.NhsForm],
    act: Callable[[forms.NhsForm], Any],
    done: str,
    form_kwargs: dict[str, Any] | None = None,
    intro: str = "",
    template: str = "referrals/decision.jinja",
) -> HttpResponse:
    """One triage decision page: the form, the service call, and the referral's page after."""
    referral = access.referral
    kwargs = form_kwargs or {}
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                result = act(form)
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, done)
                # Warnings the decision came back with (a key worker allocated on acceptance
                # lacking a competency the episode needs): shown, never a block.
                for warning in getattr(result, "warnings", ()):
                    messages.warning(request, warning)
                return redirect("referrals:referral", referral_id=referral.pk)
    else:
        form = form_class(initial={"version": referral.version}, **kwargs)
    context = _referral_context(access, request)
    context["back_link"] = {
        "href": reverse("referrals:referral", kwargs={"referral_id": referral.pk}),
        "text": "Back to the referral",
    }
    context.update(
        {
            "form": form,
            "action_title": title,
            "intro": intro,
            "page_has_errors": bool(form.errors),
        }
    )
    return render(request, template, context)


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def start_triage(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Start triage",
        intro="You will hold this referral until the person has a named next step.",
        form_class=forms.StartTriageForm,
        act=lambda f: services.start_triage(
            referral=access.referral, by=request.user, version=f.cleaned_data["version"]
        ),
        done="Triage started",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def accept(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    """Accept to a team that provides care, with a key worker from that team. Choosing the team
    lists its key workers: at once with HTMX (the key-worker field alone comes back), or, with
    no script, through "Show key workers for this team", which shows the form again with nothing
    typed lost."""
    if request.method == "POST" and (
        request.POST.get("show_key_workers") or getattr(request, "htmx", False)
    ):
        form = forms.AcceptForm(request.POST)
        template = (
            "referrals/_key_worker_field.jinja"
            if getattr(request, "htmx", False)
            else "referrals/accept.jinja"
        )
        context = _referral_context(access, request)
        context.update(
            {
                "form": _unchecked(form),
                "action_title": "Accept to a team",
                "intro": "Accepting opens an episode of care with the team.",
                "page_has_errors": False,
                "back_link": {
                    "href": reverse(
                        "referrals:referral", kwargs={"referral_id": access.referral.pk}
                    ),
                    "text": "Back to the referral",
                },
            }
        )
        return render(request, template, context)
    return _decision(
        request,
        access,
        title="Accept to a team",
        intro="Accepting opens an episode of care with the team.",
        form_class=forms.AcceptForm,
        act=lambda f: services.accept_referral(
            referral=access.referral,
            by=request.user,
            team=f.cleaned_data["team"],
            key_worker=f.cleaned_data.get("key_worker"),
            reason=f.cleaned_data.get("reason", ""),
            version=f.cleaned_data["version"],
        ),
        done="Referral accepted",
        template="referrals/accept.jinja",
    )


def _unchecked(form: forms.AcceptForm) -> forms.AcceptForm:
    """The accept form with what was typed, shown again without errors (choosing the team is
    not sending the decision)."""
    return forms.AcceptForm(
        initial={k: form.data.get(k) for k in ("team", "key_worker", "reason", "version")},
        chosen_team=form.chosen_team,
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def change_urgency(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Change urgency",
        intro=f"It is {access.referral.get_urgency_display().lower()} now. The change and its "
        "reason are kept in the referral's history; the due time starts again from now.",
        form_class=forms.ChangeUrgencyForm,
        act=lambda f: services.change_urgency(
            referral=access.referral,
            by=request.user,
            urgency=f.cleaned_data["urgency"],
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        done="Urgency changed",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def signpost(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Signpost with a warm handover",
        intro="Pass the person on to a service or team yourself, and set a date to check that "
        "they connected. A team you choose receives the referral to triage.",
        form_class=forms.SignpostForm,
        form_kwargs={"locality_id": access.referral.locality_id},
        act=lambda f: services.signpost_referral(
            referral=access.referral,
            by=request.user,
            version=f.cleaned_data["version"],
            **f.handover(),
        ),
        done="Signposted: the follow-up will show on your worklist when it is due",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def decline(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Decline, offering an alternative",
        intro="A referral can only be declined with a named alternative offered to the person, "
        "and a date to check that they connected.",
        form_class=forms.DeclineForm,
        form_kwargs={"locality_id": access.referral.locality_id},
        act=lambda f: services.decline_referral(
            referral=access.referral,
            by=request.user,
            rejection_reason=f.cleaned_data["rejection_reason"],
            version=f.cleaned_data["version"],
            **f.handover(),
        ),
        done="Declined with an alternative: the follow-up will show on your worklist",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def for_meeting(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Take to the locality meeting",
        intro="The referral goes on the agenda of the next integrated locality meeting.",
        form_class=forms.MeetingForm,
        act=lambda f: services.mark_for_meeting(
            referral=access.referral,
            by=request.user,
            why=f.cleaned_data["why"],
            version=f.cleaned_data["version"],
        ),
        done="Marked for the locality meeting",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def return_to_triage(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    return _decision(
        request,
        access,
        title="Bring back to triage",
        form_class=forms.ReturnToTriageForm,
        act=lambda f: services.return_to_triage(
            referral=access.referral,
            by=request.user,
            reason=f.cleaned_data["reason"],
            version=f.cleaned_data["version"],
        ),
        done="The referral is back in triage",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def close(request: HttpRequest, access: ReferralAccess) -> HttpResponse:
    before_decision = access.referral.state in AWAITING_DECISION
    intro = (
        "Before a decision, only the person can end a referral. A referral closed with no next "
        "step named is reported as a bounce."
        if before_decision
        else ""
    )
    return _decision(
        request,
        access,
        title="Close the referral",
        intro=intro,
        form_class=forms.CloseForm,
        form_kwargs={"before_decision": before_decision},
        act=lambda f: services.close_referral(
            referral=access.referral,
            by=request.user,
            closure_reason=f.cleaned_data["closure_reason"],
            reason=f.cleaned_data.get("reason", ""),
            version=f.cleaned_data["version"],
        ),
        done="Referral closed",
    )


@referral_data(Part.REFERRALS, action=Action.CHANGE, permissions=TRIAGE)
def follow_up(request: HttpRequest, access: ReferralAccess, handover_id: int) -> HttpResponse:
    handover = Handover.objects.filter(pk=handover_id, referral=access.referral).first()
    if handover is None or handover.outcome:
        raise Http404("No follow-up to record")

    def act(form: forms.NhsForm) -> Any:
        return services.record_follow_up(
            handover=handover,
            by=request.user,
            outcome=form.cleaned_data["outcome"],
            note=form.cleaned_data.get("note", ""),
        )

    referral = access.referral
    form = forms.FollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            act(form)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Follow-up recorded")
            return redirect("referrals:referral", referral_id=referral.pk)
    context = _referral_context(access, request)
    context.update(
        {
            "form": form,
            "action_title": "Record the follow-up",
            "intro": f"Did the person connect with {HandoverRow(handover).destination}?",
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": reverse("referrals:referral", kwargs={"referral_id": referral.pk}),
                "text": "Back to the referral",
            },
        }
    )
    return render(request, "referrals/decision.jinja", context)
