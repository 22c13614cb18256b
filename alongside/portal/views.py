"""The person's own pages: their details, their sharing choices, and who has looked.

Designed for a phone first. Every page opens the person's own record through the sharing
module (basis: the person themself), so their own looks are audited like anyone else's.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from alongside.sharing import queries, services
from alongside.sharing.access import Access, own_record
from alongside.sharing.forms import PortalConsentForm
from alongside.sharing.models import Action, ConsentMethod, Part
from alongside.sharing.presenters import access_rows, consent_rows


@own_record(Part.DETAILS)
def home(request: HttpRequest, access: Access) -> HttpResponse:
    return render(request, "portal/home.jinja", {"person": access.person})


@own_record(Part.SHARING, action=Action.CHANGE)
def sharing(request: HttpRequest, access: Access) -> HttpResponse:
    person = access.person
    form = PortalConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(
                person=person,
                organisation=form.cleaned_data["organisation"],
                parts=form.cleaned_data["parts"],
                method=ConsentMethod.PORTAL,
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request, f"You are now sharing with {form.cleaned_data['organisation'].name}"
            )
            return redirect("portal:sharing")
    rows = consent_rows(queries.consents_for(person), may_change=False, person_id=person.pk)
    return render(
        request,
        "portal/sharing.jinja",
        {
            "person": person,
            "rows": rows,
            "open_consents": queries.consents_for(person).filter(withdrawn_at__isnull=True),
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("portal:home")},
        },
    )


@own_record(Part.SHARING, action=Action.CHANGE)
def stop_sharing(request: HttpRequest, access: Access, consent_id: int) -> HttpResponse:
    consent = get_object_or_404(
        queries.consents_for(access.person), pk=consent_id, withdrawn_at__isnull=True
    )
    if request.method == "POST":
        services.withdraw_consent(
            consent=consent, withdrawn_by=request.user, method=ConsentMethod.PORTAL
        )
        messages.success(request, f"You have stopped sharing with {consent.organisation.name}")
        return redirect("portal:sharing")
    return render(
        request,
        "portal/stop_sharing.jinja",
        {"consent": consent, "back_link": {"href": reverse("portal:sharing")}},
    )


@own_record(Part.AUDIT)
def who_has_looked(request: HttpRequest, access: Access) -> HttpResponse:
    rows = access_rows(queries.looks_at(access.person)[:200])
    return render(
        request,
        "portal/who_has_looked.jinja",
        {"rows": rows, "back_link": {"href": reverse("portal:home")}},
    )
