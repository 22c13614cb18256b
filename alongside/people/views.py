"""Pages about people who need support: finding them, opening their record, adding one.

A person's record is only ever reached through the sharing module: lists are scoped to the
people a basis reaches, and each record page is opened with ``person_data`` (decide and audit).
Searches by name or NHS number are sent by POST, so they never sit in a URL or a server log.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from alongside.core.access import requires
from alongside.organisations.models import Organisation
from alongside.organisations.permissions import Permission, has_permission
from alongside.people import queries, services
from alongside.people.forms import PersonForm, PersonSearchForm
from alongside.people.presenters import PersonPresenter
from alongside.sharing import policy
from alongside.sharing import services as sharing_services
from alongside.sharing.access import (
    RECORD_OR_PRIVACY,
    Access,
    no_person_data,
    person_data,
    person_list,
    record_list_view,
)
from alongside.sharing.models import SHAREABLE_PARTS, Part
from alongside.sharing.presenters import RecordNavigation

#: The roles that may register a new person.
PAGE_SIZE = 25


def can_register_people(user: Any) -> bool:
    return has_permission(user, Permission.REGISTER_PEOPLE)


def _care_organisation(user: Any) -> Organisation:
    membership = policy.care_memberships(user).select_related("team__organisation").first()
    return membership.team.organisation


@no_person_data
@requires(Permission.REGISTER_PEOPLE)
def add_person(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        fields = dict(form.cleaned_data)
        consent = fields.pop("consent")
        try:
            with transaction.atomic():
                person = services.register_person(**fields)
                if consent != "no":
                    sharing_services.record_consent(
                        person=person,
                        organisation=_care_organisation(request.user),
                        parts=SHAREABLE_PARTS,
                        method=consent,
                        recorded_by=request.user,
                    )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            # No name or NHS number here: banners are seen over shoulders and end up in logs.
            # Registering gives no relationship with the record (ADR-009), consent or not: the
            # care starts with a referral, matched to this record like any other.
            messages.success(
                request,
                f"Person record created – reference {person.pk}. Make a referral for them to "
                "start their care",
            )
            return redirect("referrals:refer")
    return render(
        request,
        "people/add.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )


@person_list(Permission.WORK_WITH_PEOPLE)
def people_list(request: HttpRequest) -> HttpResponse:
    """The people this user can reach, with a search by name or NHS number (sent by POST)."""
    form = PersonSearchForm(request.POST if request.method == "POST" else None)
    people = queries.reachable(policy.visible_people(request.user))
    searched = request.method == "POST" and form.is_valid()
    if searched:
        people = queries.search(people, form.cleaned_data["query"])
    page = Paginator(people, PAGE_SIZE).get_page(request.GET.get("page"))
    record_list_view(request, page.object_list)  # audited: one row for each person shown
    return render(
        request,
        "people/list.jinja",
        {
            "form": form,
            "page": page,
            "rows": [PersonPresenter(p) for p in page.object_list],
            "searched": searched,
            "may_add": can_register_people(request.user),
            "page_has_errors": bool(form.errors),
        },
    )


@person_data(Part.DETAILS, permissions=RECORD_OR_PRIVACY)
def record(request: HttpRequest, access: Access) -> HttpResponse:
    return render(
        request,
        "people/record.jinja",
        {
            "person": access.person,
            "access": access,
            "record_nav": RecordNavigation(request.user, access),
            "details": PersonPresenter(access.person),
            "back_link": {"href": reverse("people:list"), "text": "Back to people"},
        },
    )
