"""The directory's public Open Referral UK API: read-only JSON, no sign-in.

Lists are paged in the standard's envelope (``total_items``, ``total_pages``, ``page_number``,
``size``, ``first_page``, ``last_page``, ``empty``, ``contents``). Services are found with the
one search (``queries.search_services``) and shown with ``queries.with_details``, so a page costs
the same number of queries whatever its size. A bad parameter is answered with a 400 problem
object naming it; an unknown id with a 404.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from alongside.core.access import no_person_data, public
from alongside.core.validators import normalise_postcode
from alongside.directory.interchange import serialise
from alongside.directory.interchange.exporter import services_with_details
from alongside.directory.models import (
    DirectoryOrganization,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.directory.queries import (
    ServiceSearch,
    distance_to,
    point_for_postcode,
    search_services,
)

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100
MAX_AGE = 150
MAX_PROXIMITY = 1_000_000  # metres: Great Britain fits in this
NOT_SUPPORTED = ("start_time", "end_time", "day")


class BadParameter(Exception):
    def __init__(self, name: str, reason: str) -> None:
        super().__init__(f"{name}: {reason}")
        self.name = name
        self.reason = reason


class NotFound(Exception):
    pass


def problem(status: int, title: str, detail: str, **extra: Any) -> JsonResponse:
    """An RFC 9457 problem object."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def api_view(view: Callable[..., Any]) -> Callable[..., JsonResponse]:
    """A public, read-only API view: GET only, problems as JSON, never a person's record."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
        try:
            for name, values in request.GET.lists():
                if any("\x00" in v for v in values) or "\x00" in name:
                    raise BadParameter(name.replace("\x00", ""), "must not contain a NUL character")
            return JsonResponse(view(request, *args, **kwargs), json_dumps_params={"indent": None})
        except BadParameter as bad:
            return problem(
                400, "Bad request parameter", f"{bad.name}: {bad.reason}", parameter=bad.name
            )
        except NotFound as missing:
            return problem(404, "Not found", str(missing))

    return no_person_data(public(require_GET(wrapped)))


# --- parameters --------------------------------------------------------------------------------


def _int(request: HttpRequest, name: str, default: int | None, low: int, high: int) -> int | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(name, f"must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise BadParameter(name, f"must be between {low} and {high}")
    return value


def _number(request: HttpRequest, name: str, limit: float = MAX_AGE) -> float | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise BadParameter(name, f"must be a number, not {raw!r}") from None
    if not math.isfinite(value):
        raise BadParameter(name, f"must be a number, not {raw!r}")
    if value < 0:
        raise BadParameter(name, "must not be negative")
    if value > limit:
        raise BadParameter(name, f"must not be above {limit:g}")
    return value


def _uuids(request: HttpRequest, name: str) -> list[uuid.UUID]:
    raw = request.GET.get(name, "").strip()
    values = []
    for part in filter(None, (p.strip() for p in raw.split(","))):
        try:
            values.append(uuid.UUID(part))
        except ValueError:
            raise BadParameter(name, f"{part!r} is not a UUID") from None
    return values


def _uuid(request: HttpRequest, name: str) -> uuid.UUID | None:
    values = _uuids(request, name)
    if len(values) > 1:
        raise BadParameter(name, "give one id")
    return values[0] if values else None


def _page(request: HttpRequest) -> tuple[int, int]:
    page = _int(request, "page", 1, 1, 1_000_000)
    per_page = _int(request, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    return page or 1, per_page or DEFAULT_PER_PAGE


def service_search(request: HttpRequest) -> ServiceSearch:
    """The API's query parameters as a ``ServiceSearch``."""
    for name in NOT_SUPPORTED:
        if request.GET.get(name):
            raise BadParameter(name, "not supported by this directory yet")
    text = request.GET.get("search", "") or request.GET.get("text", "")
    term_ids = _uuids(request, "taxonomy_term_id")
    if term_ids:
        known = set(TaxonomyTerm.objects.filter(id__in=term_ids).values_list("id", flat=True))
        unknown = [str(t) for t in term_ids if t not in known]
        if unknown:
            raise BadParameter("taxonomy_term_id", f"no taxonomy term {', '.join(unknown)}")
    taxonomy_id = _uuid(request, "taxonomy_id")
    if taxonomy_id:
        if not Taxonomy.objects.filter(id=taxonomy_id).exists():
            raise BadParameter("taxonomy_id", f"no taxonomy {taxonomy_id}")
        in_taxonomy = TaxonomyTerm.objects.filter(taxonomy_id=taxonomy_id)
        if term_ids:
            in_taxonomy = in_taxonomy.filter(id__in=term_ids)
        term_ids = list(in_taxonomy.values_list("id", flat=True)) or [uuid.UUID(int=0)]
    minimum_age = _number(request, "minimum_age")
    maximum_age = _number(request, "maximum_age")
    near = None
    postcode = request.GET.get("postcode", "").strip()
    proximity = _number(request, "proximity", MAX_PROXIMITY)
    if postcode:
        try:
            postcode = normalise_postcode(postcode)
        except ValidationError:
            raise BadParameter("postcode", f"{postcode!r} is not a full UK postcode") from None
        near = point_for_postcode(postcode)
        if near is None:
            raise BadParameter("postcode", f"{postcode} is not in our postcode lookup")
    elif proximity is not None:
        raise BadParameter("proximity", "needs a postcode to measure from")
    return ServiceSearch(
        text=text.strip(),
        term_ids=tuple(term_ids),
        minimum_age=None if minimum_age is None else int(minimum_age),
        maximum_age=None if maximum_age is None else math.ceil(maximum_age),
        near=near,
        within_metres=proximity,
        organization_id=_uuid(request, "organization_id"),
    )


def paged(items: QuerySet, page: int, per_page: int, show: Callable[[Any], Any]) -> dict:
    """One page of ``items`` in the standard's envelope."""
    total = items.count()
    total_pages = math.ceil(total / per_page)
    start = (page - 1) * per_page
    contents = [show(item) for item in items[start : start + per_page]] if start < total else []
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": page,
        "size": per_page,
        "first_page": page == 1,
        "last_page": page >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _id(value: str, entity: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"No {entity} {value}: ids are UUIDs") from None


# --- views -------------------------------------------------------------------------------------


@api_view
def services(request: HttpRequest) -> dict:
    """Active services matching the query, best match (or nearest) first (list shape)."""
    criteria = service_search(request)
    page, per_page = _page(request)
    found = search_services(criteria).select_related("organization")
    return paged(found, page, per_page, serialise.service)


@api_view
def service(request: HttpRequest, id: str) -> dict:
    found = services_with_details(ServiceSearch(include_inactive=True)).filter(
        id=_id(id, "service")
    )
    obj = next(iter(found), None)
    if obj is None:
        raise NotFound(f"No service {id}")
    return serialise.service_full(obj)


@api_view
def service_at_locations(request: HttpRequest) -> dict:
    """Services at their locations, nearest first when a postcode is given."""
    criteria = service_search(request)
    page, per_page = _page(request)
    matching = search_services(criteria).order_by().values("id")
    items = (
        ServiceAtLocation.objects.filter(service_id__in=matching)
        .select_related("location", "service__organization")
        .prefetch_related(
            "location__addresses",
            "location__accessibility",
            "location__phones",
            "location__schedules",
            "location__languages",
            "location__contacts__phones",
            "schedules",
            "phones",
            "contacts__phones",
        )
    )
    if criteria.near is not None:
        items = items.annotate(distance=distance_to(*criteria.near, "location__"))
        if criteria.within_metres is not None:
            items = items.filter(distance__lte=criteria.within_metres)
        items = items.order_by(F("distance").asc(nulls_last=True), "service__name", "id")
    else:
        items = items.order_by("service__name", "location__name", "id")
    return paged(
        items, page, per_page, lambda s: serialise.service_at_location(s, with_service=True)
    )


@api_view
def organizations(request: HttpRequest) -> dict:
    page, per_page = _page(request)
    items = DirectoryOrganization.objects.order_by("name", "id")
    text = request.GET.get("search", "").strip()
    if text:
        items = items.filter(name__icontains=text)
    return paged(items, page, per_page, serialise.organization)


@api_view
def organization(request: HttpRequest, id: str) -> dict:
    obj = DirectoryOrganization.objects.filter(id=_id(id, "organization")).first()
    if obj is None:
        raise NotFound(f"No organization {id}")
    its_services = services_with_details(ServiceSearch(organization_id=obj.id))
    return serialise.organization_full(obj, list(its_services))


@api_view
def taxonomies(request: HttpRequest) -> dict:
    page, per_page = _page(request)
    return paged(Taxonomy.objects.order_by("name", "id"), page, per_page, serialise.taxonomy)


@api_view
def taxonomy_terms(request: HttpRequest) -> dict:
    page, per_page = _page(request)
    items = TaxonomyTerm.objects.order_by("name", "id")
    taxonomy_id = _uuid(request, "taxonomy_id")
    if taxonomy_id:
        items = items.filter(taxonomy_id=taxonomy_id)
    parent_id = _uuid(request, "parent_id")
    if parent_id:
        items = items.filter(parent_id=parent_id)
    top_only = request.GET.get("top_only", "").strip().lower()
    if top_only not in ("", "true", "false", "1", "0"):
        raise BadParameter("top_only", "must be true or false")
    if top_only in ("true", "1"):
        items = items.filter(parent__isnull=True)
    return paged(items, page, per_page, serialise.taxonomy_term)
