"""System administrators' pages for organisations (list, add, change), and the approvals page
where a second person approves or refuses the memberships others asked for."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.core.access import no_person_data, requires
from alongside.organisations import access, queries, services
from alongside.organisations.forms import DutyShiftForm, MembershipDecisionForm, OrganisationForm
from alongside.organisations.models import DutyShift, Membership, Organisation, Role, Team
from alongside.organisations.permissions import Permission
from alongside.organisations.presenters import (
    OrganisationListPresenter,
    WaitingMembershipsPresenter,
    membership_summary,
)


@no_person_data
@requires(Permission.ADMINISTER_ORGANISATIONS)
def organisation_list(request: HttpRequest) -> HttpResponse:
    presenter = OrganisationListPresenter(queries.organisations_with_team_counts())
    return render(
        request,
        "organisations/list.jinja",
        {"page": presenter, "back_link": {"href": reverse("home"), "text": "Home"}},
    )


@no_person_data
@requires(Permission.ADMINISTER_ORGANISATIONS)
def add_organisation(request: HttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.create_organisation(**form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{organisation.name} added")
            return redirect("organisations:list")
    return _form_page(request, form, heading="Add an organisation", button="Add organisation")


@no_person_data
@requires(Permission.ADMINISTER_ORGANISATIONS)
def change_organisation(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(Organisation, pk=pk)
    heading = f"Change {organisation.name}"  # before the form applies the new values
    form = OrganisationForm(
        request.POST if request.method == "POST" else None, instance=organisation
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisation = services.update_organisation(
                organisation=organisation, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{organisation.name} changed")
            return redirect("organisations:list")
    return _form_page(request, form, heading=heading, button="Save changes")


def _form_page(
    request: HttpRequest, form: OrganisationForm, *, heading: str, button: str
) -> HttpResponse:
    return render(
        request,
        "organisations/form.jinja",
        {
            "form": form,
            "heading": heading,
            "button": button,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("organisations:list"), "text": "Back to organisations"},
        },
    )


# --- Memberships waiting for approval ----------------------------------------------------------


@no_person_data
@requires(Permission.DECIDE_MEMBERSHIPS)
def waiting_memberships(request: HttpRequest) -> HttpResponse:
    presenter = WaitingMembershipsPresenter(
        queries.waiting_memberships(request.user), viewer=request.user
    )
    return render(
        request,
        "organisations/waiting_memberships.jinja",
        {"page": presenter, "back_link": {"href": reverse("home"), "text": "Home"}},
    )


@no_person_data
@requires(Permission.DECIDE_MEMBERSHIPS)
def decide_membership(request: HttpRequest, pk: int) -> HttpResponse:
    membership = get_object_or_404(queries.waiting_memberships(request.user), pk=pk)
    may_decide = access.may_decide(request.user, membership)
    form = MembershipDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not may_decide:
        raise PermissionDenied
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "approve":
                services.approve_membership(membership=membership, by=request.user)
                done = "Membership approved"
            else:
                services.refuse_membership(
                    membership=membership, by=request.user, reason=form.cleaned_data["reason"]
                )
                done = "Membership refused"
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, done)
            return redirect("organisations:waiting-memberships")
    return render(
        request,
        "organisations/decide_membership.jinja",
        {
            "membership": membership,
            "summary": membership_summary(membership),
            "may_decide": may_decide,
            "is_theirs": request.user.pk == membership.user_id,
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": reverse("organisations:waiting-memberships"),
                "text": "Back to memberships waiting for approval",
            },
        },
    )


# --- The team's duty rota ----------------------------------------------------------------------


@no_person_data
@requires(Permission.SET_DUTY_ROTA)
def duty_rota(request: HttpRequest, team_id: int) -> HttpResponse:
    """The team lead sets who is on duty: the duty worker sees, with the team lead, referrals
    not triaged in time and risk flags nobody acted on."""
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    if (
        not Membership.objects.active()
        .filter(user=request.user, team=team, role=Role.TEAM_LEAD)
        .exists()
    ):
        raise PermissionDenied
    form = DutyShiftForm(request.POST if request.method == "POST" else None, team=team)
    if request.method == "POST" and "end" in request.POST:
        shift = get_object_or_404(DutyShift, pk=request.POST.get("end"), team=team)
        services.end_duty(shift=shift, by=request.user)
        messages.success(request, f"{shift.user.display_name}'s duty ended")
        return redirect("organisations:duty-rota", team_id=team.pk)
    if request.method == "POST" and form.is_valid():
        try:
            shift = services.set_duty(team=team, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{shift.user.display_name} is on duty")
            return redirect("organisations:duty-rota", team_id=team.pk)
    today = timezone.localdate()
    return render(
        request,
        "organisations/duty_rota.jinja",
        {
            "team": team,
            "form": form,
            "shifts": list(queries.duty_rota(team, from_day=today)),
            "today": today,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("home"), "text": "Home"},
        },
    )
