"""The local service directory's pages: a public search and service page, and the editing of
entries by organisation administrators.

The search is sent by GET: it carries no personal data (a postcode is a place, not a person), so
results can be bookmarked and shared. Staff signed in see, besides, each service's internal notes
on how to refer.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode
from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from alongside.core.access import no_person_data, public, requires
from alongside.core.paging import paginate
from alongside.directory import queries, services
from alongside.directory.access import (
    is_staff_member,
    managed_organizations,
    managed_services,
)
from alongside.directory.forms import ServiceForm, ServiceSearchForm
from alongside.directory.models import Service, ServiceStatus
from alongside.directory.presenters import ServicePresenter
from alongside.organisations.permissions import Permission

PAGE_SIZE = 20
REVIEW_MONTHS_DAYS = 183  # six months


#: The query-string keys of a search: carried from the results to a service page and back, so
#: that "Back to search results" returns to the same search, filters and page.
SEARCH_KEYS = (*ServiceSearchForm.SEARCH_FIELDS, *ServiceSearchForm.FILTER_FIELDS, "page")


def search_query(request: HttpRequest) -> str:
    """The search in this request's query string, and nothing else, ready to put after '?'."""
    return urlencode(
        [(key, value) for key in SEARCH_KEYS for value in request.GET.getlist(key) if value.strip()]
    )


def _page_links(request: HttpRequest, page: Page) -> dict:
    params = [(k, v) for k, values in request.GET.lists() if k != "page" for v in values]

    def href(number: int) -> str:
        return "?" + urlencode([*params, ("page", number)])

    return {
        "previous": {"href": href(page.previous_page_number())} if page.has_previous() else None,
        "next": {"href": href(page.next_page_number())} if page.has_next() else None,
    }


@no_person_data
@public
def search(request: HttpRequest) -> HttpResponse:
    form = ServiceSearchForm(request.GET or None)
    searched = bool(request.GET) and form.is_valid()
    criteria = form.criteria() if searched else queries.ServiceSearch()
    results = queries.search_results(criteria) if searched or not request.GET else None
    page = links = None
    rows: list[ServicePresenter] = []
    if results is not None:
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        query = search_query(request)
        rows = [ServicePresenter(service, search=query) for service in page.object_list]
        links = _page_links(request, page)
    return render(
        request,
        "directory/search.jinja",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "links": links,
            "searched": searched,
            "near": bool(searched and criteria.near),
            "filters_chosen": form.filters_chosen(),
            # Filters given wrongly stay open, so that the error summary's links reach them.
            "filters_open": form.filter_errors(),
            "page_has_errors": bool(form.errors),
        },
    )


@no_person_data
@public
def service(request: HttpRequest, service_id: UUID) -> HttpResponse:
    staff = is_staff_member(request.user)
    services_shown = Service.objects.all()
    if not staff:
        services_shown = services_shown.exclude(status=ServiceStatus.DEFUNCT)
    found = get_object_or_404(queries.with_details(services_shown), pk=service_id)
    return render(
        request,
        "directory/service.jinja",
        {
            "service": ServicePresenter(found, show_staff_notes=staff),
            "staff": staff,
            "may_edit": managed_services(request.user).filter(pk=found.pk).exists()
            if staff
            else False,
            "back_link": _back_to_results(request),
        },
    )


def _back_to_results(request: HttpRequest) -> dict[str, str]:
    """Back to the search the visitor came from: the results link here with their search in the
    query string, which goes back the same way (only ever to our own search page)."""
    query = search_query(request)
    if not query:
        return {"href": reverse("directory:search"), "text": "Back to the directory"}
    return {"href": f"{reverse('directory:search')}?{query}", "text": "Back to search results"}


def _review_due(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=REVIEW_MONTHS_DAYS)


@no_person_data
@requires(Permission.MANAGE_DIRECTORY)
def manage(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    organisations = managed_organizations(request.user)
    own = managed_services(request.user).select_related("organization").order_by("name", "id")
    overdue = queries.not_reviewed_since(_review_due(today)).filter(organization__in=organisations)
    own_paged = paginate(
        request,
        own,
        one="service",
        many="services",
        anchor="#all-services",
        label="Pages of your services",
    )
    overdue_paged = paginate(
        request,
        overdue,
        one="service",
        many="services",
        param="overdue_page",
        anchor="#not-reviewed",
        label="Pages of services not reviewed",
    )
    return render(
        request,
        "directory/manage.jinja",
        {
            "services": [ServicePresenter(s) for s in own_paged.page.object_list],
            "overdue": [ServicePresenter(s) for s in overdue_paged.page.object_list],
            "services_paged": own_paged,
            "overdue_paged": overdue_paged,
            "organisations": list(organisations.values_list("name", flat=True)[:20]),
        },
    )


@no_person_data
@requires(Permission.MANAGE_DIRECTORY)
def edit(request: HttpRequest, service_id: UUID) -> HttpResponse:
    found = get_object_or_404(managed_services(request.user), pk=service_id)
    if request.method == "POST":
        form = ServiceForm(request.POST)
        if form.is_valid():
            try:
                services.update_service(service=found, **form.cleaned_data)
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                messages.success(request, f"{found.name} updated")
                return redirect("directory:manage")
    else:
        form = ServiceForm(initial=ServiceForm.initial_for(found))
    return render(
        request,
        "directory/edit.jinja",
        {
            "form": form,
            "service": found,
            "page_has_errors": bool(form.errors),
        },
    )


@no_person_data
@requires(Permission.MANAGE_DIRECTORY)
@require_POST
def mark_reviewed(request: HttpRequest, service_id: UUID) -> HttpResponse:
    found = get_object_or_404(managed_services(request.user), pk=service_id)
    services.confirm_service_reviewed(service=found)
    messages.success(request, f"{found.name} marked as reviewed")
    return redirect("directory:manage")
