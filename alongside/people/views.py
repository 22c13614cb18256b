"""Pages about people who need support."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from alongside.core.access import user_passes_or_403
from alongside.organisations.models import Role
from alongside.organisations.queries import has_active_role
from alongside.people import services
from alongside.people.forms import PersonForm

#: The roles that may register a new person.
REGISTERING_ROLES = (Role.COORDINATOR, Role.TEAM_LEAD)


def can_register_people(user: Any) -> bool:
    return has_active_role(user, REGISTERING_ROLES)


@user_passes_or_403(can_register_people)
def add_person(request: HttpRequest) -> HttpResponse:
    form = PersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.register_person(**form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            # No name or NHS number here: banners are seen over shoulders and end up in logs.
            messages.success(request, f"Person record created – reference {person.pk}")
            return redirect("home")
    return render(
        request,
        "people/add.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )
