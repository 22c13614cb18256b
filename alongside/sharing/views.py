"""Pages for consent, break-glass, the audit of access, and subject access: the export, a request
recorded by staff, and the privacy lead's review and release of a request."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from alongside.core import formats
from alongside.core.access import requires
from alongside.core.validators import normalise_nhs_number
from alongside.organisations.permissions import Permission
from alongside.sharing import queries, services, subject_access
from alongside.sharing.access import (
    PRIVACY,
    RECORD_OR_PRIVACY,
    Access,
    client_address,
    no_person_data,
    person_data,
)
from alongside.sharing.forms import (
    AuditSearchForm,
    BreakGlassForm,
    ConsentForm,
    RefuseRequestForm,
    ReviewForm,
    SubjectAccessRequestForm,
    WithdrawForm,
    WithholdForm,
)
from alongside.sharing.models import Action, BreakGlass, Part, RequestStatus
from alongside.sharing.presenters import (
    RecordNavigation,
    access_rows,
    consent_rows,
    history_rows,
    request_rows,
    review_sections,
    reviewer_for,
    withheld_rows,
)


def _record_context(request: HttpRequest, access: Access, **extra: Any) -> dict[str, Any]:
    return {
        "person": access.person,
        "access": access,
        "record_nav": RecordNavigation(request.user, access),
        "back_link": {"href": reverse("people:list"), "text": "Back to people"},
        **extra,
    }


@person_data(Part.SHARING, permissions=RECORD_OR_PRIVACY)
def consents(request: HttpRequest, access: Access) -> HttpResponse:
    person = access.person
    may_change = access.may(request.user, Part.SHARING, Action.CHANGE)
    rows = consent_rows(queries.consents_for(person), may_change=may_change, person_id=person.pk)
    return render(
        request,
        "sharing/consents.jinja",
        _record_context(request, access, rows=rows, may_change=may_change),
    )


@person_data(Part.SHARING, action=Action.CHANGE)
def record_consent(request: HttpRequest, access: Access) -> HttpResponse:
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_consent(
                person=access.person,
                organisation=form.cleaned_data["organisation"],
                parts=form.cleaned_data["parts"],
                method=form.cleaned_data["method"],
                ends_on=form.cleaned_data["ends_on"],
                note=form.cleaned_data["note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Consent recorded")
            return redirect("sharing:consents", person_id=access.person.pk)
    back = reverse("sharing:consents", kwargs={"person_id": access.person.pk})
    return render(
        request,
        "sharing/record_consent.jinja",
        _record_context(
            request,
            access,
            form=form,
            page_has_errors=bool(form.errors),
            back_link={"href": back},
        ),
    )


@person_data(Part.SHARING, action=Action.CHANGE)
def withdraw_consent(request: HttpRequest, access: Access, consent_id: int) -> HttpResponse:
    consent = get_object_or_404(
        queries.consents_for(access.person), pk=consent_id, withdrawn_at__isnull=True
    )
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(
                consent=consent, withdrawn_by=request.user, method=form.cleaned_data["method"]
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"Consent withdrawn: {consent.organisation.name}")
            return redirect("sharing:consents", person_id=access.person.pk)
    back = reverse("sharing:consents", kwargs={"person_id": access.person.pk})
    return render(
        request,
        "sharing/withdraw_consent.jinja",
        _record_context(
            request,
            access,
            consent=consent,
            form=form,
            page_has_errors=bool(form.errors),
            back_link={"href": back},
        ),
    )


@person_data(Part.AUDIT, permissions=PRIVACY)
def looks(request: HttpRequest, access: Access) -> HttpResponse:
    rows = access_rows(queries.looks_at(access.person, include_own=True)[:200])
    return render(request, "sharing/looks.jinja", _record_context(request, access, rows=rows))


@person_data(Part.AUDIT, permissions=PRIVACY)
def history(request: HttpRequest, access: Access) -> HttpResponse:
    rows = history_rows(queries.record_history(access.person))
    return render(request, "sharing/history.jinja", _record_context(request, access, rows=rows))


def json_download(document: dict[str, Any], filename: str) -> HttpResponse:
    """A JSON document as a file to save (the subject access exports and copies)."""
    response = HttpResponse(
        json.dumps(document, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@person_data(Part.DETAILS, action=Action.EXPORT, permissions=PRIVACY)
def export(request: HttpRequest, access: Access) -> HttpResponse:
    """The full export, for a privacy lead. The person's own copy is in their portal; the full
    export is theirs only once a privacy lead has reviewed and released it in answer to their
    request."""
    return json_download(
        subject_access.export(access.person), f"subject-access-{access.person.pk}.json"
    )


@person_data(Part.SHARING, action=Action.CHANGE)
def record_subject_access_request(request: HttpRequest, access: Access) -> HttpResponse:
    """Record a request for a copy of the record that the person made by letter, email, phone
    or in person. The privacy lead answering it sees it in their list."""
    person = access.person
    form = SubjectAccessRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = services.ask_for_subject_access(
                person=person,
                recorded_by=request.user,
                channel=form.cleaned_data["channel"],
                asked_at=form.asked_at(),
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request,
                "Request recorded: the privacy lead answering it will review the record before "
                f"it is released. It is due by {formats.date(made.due_on)}.",
            )
            return redirect("sharing:consents", person_id=person.pk)
    back = reverse("sharing:consents", kwargs={"person_id": person.pk})
    return render(
        request,
        "sharing/record_subject_access_request.jinja",
        _record_context(
            request,
            access,
            form=form,
            requests=request_rows(queries.subject_access_requests_of(person)),
            page_has_errors=bool(form.errors),
            back_link={"href": back},
        ),
    )


# Where the break-glass form leaves its answer for the page after it: the grant's id, or None
# when no record has the number.
BREAK_GLASS_ANSWER = "sharing:break-glass"


@no_person_data
@requires(Permission.WORK_WITH_PEOPLE)
def break_glass(request: HttpRequest) -> HttpResponse:
    """Open a record the user has no basis for: NHS number and a reason, nothing to browse.

    A request that passes answers with the same redirect whether or not a record has the
    number, once it is audited either way; the page after it says which.
    """
    form = BreakGlassForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            nhs_number = normalise_nhs_number(form.cleaned_data["nhs_number"])
        except ValidationError as error:
            form.add_error("nhs_number", error)
        else:
            try:
                grant = services.request_break_glass(
                    user=request.user,
                    nhs_number=nhs_number,
                    reason=form.cleaned_data["reason"],
                    ip_address=client_address(request),
                )
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                request.session[BREAK_GLASS_ANSWER] = grant.pk if grant is not None else None
                return redirect("sharing:break-glass-opened")
    return render(
        request,
        "sharing/break_glass.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "hours": services.break_glass_hours(),
            "reviewer": reviewer_for(queries.break_glass_organisation(request.user)),
            "back_link": {"href": reverse("home")},
        },
    )


@no_person_data
@requires(Permission.WORK_WITH_PEOPLE)
def break_glass_opened(request: HttpRequest) -> HttpResponse:
    """The answer to a break-glass request, once, for the one who made it: to the record it
    opened, or a page saying no record has the number."""
    if BREAK_GLASS_ANSWER not in request.session:
        return redirect("sharing:break-glass")
    grant_id = request.session.pop(BREAK_GLASS_ANSWER)
    if grant_id is not None:
        grant = BreakGlass.objects.filter(pk=grant_id, user=request.user).first()
        if grant is None:
            return redirect("sharing:break-glass")
        reviewer = reviewer_for(queries.break_glass_organisation(request.user))
        messages.warning(
            request,
            f"Break-glass access is open for {services.break_glass_hours()} hours. "
            f"{reviewer.sentence}.",
        )
        return redirect("people:record", person_id=grant.person_id)
    return render(
        request,
        "sharing/break_glass_unmatched.jinja",
        {"back_link": {"href": reverse("sharing:break-glass")}},
    )


def _privacy_organisations(request: HttpRequest) -> list[int]:
    organisations = queries.privacy_lead_organisation_ids(request.user)
    if not organisations:
        raise PermissionDenied
    return organisations


@no_person_data
@requires(Permission.REVIEW_PRIVACY)
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy lead's page: break-glass to review, and the audit search (by POST)."""
    organisations = _privacy_organisations(request)
    form = AuditSearchForm(request.POST if request.method == "POST" else None)
    events = None
    if request.method == "POST" and form.is_valid():
        events = access_rows(queries.audit_search(organisations, **form.cleaned_data))
    return render(
        request,
        "sharing/privacy.jinja",
        {
            "to_review": queries.break_glass_to_review(organisations),
            "claims": queries.claims_to_review(organisations),
            "requests": request_rows(queries.subject_access_due(organisations)),
            "form": form,
            "events": events,
            "page_has_errors": bool(form.errors),
        },
    )


@no_person_data
@requires(Permission.REVIEW_PRIVACY)
def review_break_glass(request: HttpRequest, grant_id: int) -> HttpResponse:
    organisations = _privacy_organisations(request)
    grant = queries.break_glass_for_review(organisations, grant_id)
    if grant is None:
        raise Http404("No such break-glass access")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_break_glass(
                grant=grant,
                reviewer=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Review recorded")
            return redirect("sharing:privacy")
    return render(
        request,
        "sharing/review_break_glass.jinja",
        {
            "grant": grant,
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("sharing:privacy")},
        },
    )


@no_person_data
@requires(Permission.REVIEW_PRIVACY)
def review_claim(request: HttpRequest, claim_id: int) -> HttpResponse:
    """The privacy lead reviews a relationship a member of staff made for themselves: who,
    which record (by reference), when, through which referral."""
    organisations = _privacy_organisations(request)
    claim = queries.claim_for_review(organisations, claim_id)
    if claim is None:
        raise Http404("No such relationship")
    form = ReviewForm(request.POST if request.method == "POST" else None)
    form.fields["outcome"].label = "Was the relationship appropriate?"
    if request.method == "POST" and claim.reviewed_at is None and form.is_valid():
        try:
            services.review_claim(
                claim=claim,
                reviewer=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                ip_address=client_address(request),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Review recorded")
            return redirect("sharing:privacy")
    return render(
        request,
        "sharing/review_claim.jinja",
        {
            "claim": claim,
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("sharing:privacy")},
        },
    )


@person_data(Part.AUDIT, permissions=PRIVACY)
def subject_access_review(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """The privacy lead answers a request for a copy of a record: sees the full export (each
    opening audited as an export on the privacy-review basis), withholds items with a reason,
    puts them back, and releases the copy or refuses the request.

    The record is opened through the policy like any other: a request their organisation
    answers (or they answer for the place) gives the privacy lead the privacy-review basis."""
    organisations = _privacy_organisations(request)
    sar = queries.subject_access_for_review(organisations, request_id)
    if sar is None or sar.person_id != access.person.pk:
        raise Http404("No such request")
    address = client_address(request)
    withhold_form = refuse_form = None
    if request.method == "POST" and sar.is_open:
        try:
            if "put_back" in request.POST:
                item = sar.withheld.filter(pk=_number(request.POST["put_back"])).first()
                if item is not None:
                    services.put_back_item(item=item, by=request.user, ip_address=address)
                    messages.success(request, "Item put back: it will be released")
                return redirect(
                    "sharing:subject-access", person_id=sar.person_id, request_id=sar.pk
                )
            if "release" in request.POST:
                services.release_subject_access(request=sar, by=request.user, ip_address=address)
                messages.success(request, "Released: the person can now download their copy")
                return redirect("sharing:privacy")
            if "refuse" in request.POST:
                refuse_form = RefuseRequestForm(request.POST, prefix="refuse")
                if refuse_form.is_valid():
                    services.refuse_subject_access(
                        request=sar,
                        by=request.user,
                        reason=refuse_form.cleaned_data["reason"],
                        ip_address=address,
                    )
                    messages.success(request, "Request refused: the person is told why")
                    return redirect("sharing:privacy")
            elif sar.status == RequestStatus.IN_REVIEW:
                withhold_form = WithholdForm(request.POST, sections=review_sections(sar))
                if withhold_form.is_valid():
                    services.withhold_items(
                        request=sar,
                        keys=withhold_form.chosen(),
                        reason=withhold_form.cleaned_data["reason"],
                        note=withhold_form.cleaned_data["note"],
                        by=request.user,
                        ip_address=address,
                    )
                    messages.success(request, "Withheld: the released copy will leave it out")
                    return redirect(
                        "sharing:subject-access", person_id=sar.person_id, request_id=sar.pk
                    )
        except ValidationError as error:
            form = refuse_form or withhold_form
            if form is None:
                raise Http404("This request can no longer be changed") from None
            form.add_validation_error(error)
    if sar.status != RequestStatus.REFUSED:
        sar = services.open_subject_access_review(
            request=sar, reviewer=request.user, ip_address=address
        )
    sar = queries.subject_access_for_review(organisations, sar.pk)
    if withhold_form is None and sar.status == RequestStatus.IN_REVIEW:
        withhold_form = WithholdForm(sections=review_sections(sar))
    return render(
        request,
        "sharing/subject_access_review.jinja",
        {
            "sar": sar,
            "row": request_rows([sar])[0],
            "withhold_form": withhold_form,
            "refuse_form": refuse_form or RefuseRequestForm(prefix="refuse"),
            "withheld": withheld_rows(sar),
            "page_has_errors": bool(
                (withhold_form and withhold_form.errors) or (refuse_form and refuse_form.errors)
            ),
            "back_link": {"href": reverse("sharing:privacy")},
        },
    )


def _number(value: str) -> int:
    return int(value) if value.isdigit() else 0
