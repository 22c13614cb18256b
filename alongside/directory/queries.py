"""Reads of the directory, shared by the public and staff pages and the Open Referral UK API.

``search_services`` is the one search: free text (PostgreSQL full-text search, with trigram
similarity on the name so that misspellings still find a service), filters by need, locality,
self-referral, age, language and open now, and distance from a point. It builds a single SQL
statement; ``with_details`` adds a fixed number of prefetch queries for a page of results,
whatever its size.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank, TrigramWordSimilarity
from django.db.models import (
    Exists,
    F,
    FloatField,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import ASin, Coalesce, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone

from alongside.directory.models import (
    Language,
    Schedule,
    Service,
    ServiceAtLocation,
    ServiceStatus,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.organisations.models import Locality
from alongside.places.models import Postcode

EARTH_RADIUS_METRES = 6_371_000
# How alike a misspelt word must be to a word of the service's name to count as a match.
NAME_SIMILARITY = 0.4
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class ServiceSearch:
    """What someone is looking for. Every field is optional."""

    text: str = ""
    term_ids: tuple[UUID, ...] = ()
    locality_id: int | None = None
    self_referral: bool | None = None
    age: int | None = None  # the person's age: the service takes people of this age
    minimum_age: int | None = None  # Open Referral: services for people this age or older
    maximum_age: int | None = None  # Open Referral: services for people this age or younger
    language: str = ""
    open_now: bool = False
    near: tuple[float, float] | None = None  # latitude, longitude
    within_metres: float | None = None
    include_inactive: bool = False
    organization_id: UUID | None = None
    extra: dict = field(default_factory=dict, compare=False)


def point_for_postcode(postcode: str) -> tuple[float, float] | None:
    """The coordinates of a (normalised) postcode from the lookup table, if it has them."""
    row = Postcode.objects.filter(postcode=postcode).values_list("latitude", "longitude").first()
    return (row[0], row[1]) if row else None


def distance_to(latitude: float, longitude: float, prefix: str) -> Sqrt:
    """Great-circle distance in metres from a point to ``prefix``'s latitude and longitude."""
    lat = Radians(F(f"{prefix}latitude"))
    lon = Radians(F(f"{prefix}longitude"))
    here_lat = math.radians(latitude)
    half_dlat = (lat - Value(here_lat)) / 2
    half_dlon = (lon - Value(math.radians(longitude))) / 2
    inner = Power(Sin(half_dlat), 2) + Value(math.cos(here_lat)) * Cos(lat) * Power(
        Sin(half_dlon), 2
    )
    return Value(2.0 * EARTH_RADIUS_METRES) * ASin(Sqrt(inner))


def _open_at(moment: dt.datetime) -> Q:
    local = timezone.localtime(moment)
    day = local.date()
    schedules = Schedule.objects.filter(
        Q(service=OuterRef("pk")) | Q(service_at_location__service=OuterRef("pk")),
        Q(valid_from__isnull=True) | Q(valid_from__lte=day),
        Q(valid_to__isnull=True) | Q(valid_to__gte=day),
        freq="WEEKLY",
        byday__contains=DAY_CODES[day.weekday()],
        opens_at__lte=local.time(),
        closes_at__gt=local.time(),
    )
    return Q(Exists(schedules))


def search_services(criteria: ServiceSearch, *, now: dt.datetime | None = None) -> QuerySet:
    """Services matching ``criteria``, best first, annotated with ``rank`` and ``distance``
    (metres to the nearest location; ``None`` without a point)."""
    services = Service.objects.all()
    if not criteria.include_inactive:
        services = services.filter(status=ServiceStatus.ACTIVE)
    if criteria.organization_id:
        services = services.filter(organization_id=criteria.organization_id)
    if criteria.term_ids:
        services = services.filter(
            Exists(
                Service.taxonomy_terms.through.objects.filter(
                    service=OuterRef("pk"), taxonomy_term_id__in=criteria.term_ids
                )
            )
        )
    if criteria.locality_id:
        services = services.filter(
            Q(localities__id=criteria.locality_id)
            | Q(
                Exists(
                    ServiceAtLocation.objects.filter(
                        service=OuterRef("pk"), location__locality_id=criteria.locality_id
                    )
                )
            )
        ).distinct()
    if criteria.self_referral is not None:
        services = services.filter(accepts_self_referral=criteria.self_referral)
    if criteria.age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=criteria.age),
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=criteria.age),
        )
    if criteria.minimum_age is not None:
        services = services.filter(
            Q(maximum_age__isnull=True) | Q(maximum_age__gte=criteria.minimum_age)
        )
    if criteria.maximum_age is not None:
        services = services.filter(
            Q(minimum_age__isnull=True) | Q(minimum_age__lte=criteria.maximum_age)
        )
    if criteria.language:
        name = criteria.language.strip()
        services = services.filter(
            Exists(
                Language.objects.filter(
                    Q(name__iexact=name) | Q(code__iexact=name), service=OuterRef("pk")
                )
            )
        )
    if criteria.open_now:
        services = services.filter(_open_at(now or timezone.now()))

    order: list = []
    text = criteria.text.strip()
    if text:
        query = SearchQuery(text, search_type="websearch", config="english")
        services = services.annotate(
            similarity=TrigramWordSimilarity(text, "name"),
            rank=SearchRank(F("search_vector"), query) + F("similarity"),
        ).filter(Q(search_vector=query) | Q(similarity__gte=NAME_SIMILARITY))
        order.append(F("rank").desc())
    else:
        services = services.annotate(rank=Value(0.0, output_field=FloatField()))

    if criteria.near is not None:
        latitude, longitude = criteria.near
        services = services.annotate(
            distance=Min(
                distance_to(latitude, longitude, "service_at_locations__location__"),
                filter=Q(service_at_locations__location__latitude__isnull=False),
            )
        )
        if criteria.within_metres is not None:
            services = services.filter(distance__lte=criteria.within_metres)
        order.insert(0 if not text else 1, F("distance").asc(nulls_last=True))
    else:
        services = services.annotate(distance=Value(None, output_field=FloatField()))
    return services.order_by(*order, "name", "id")


def search_results(criteria: ServiceSearch, *, now: dt.datetime | None = None) -> QuerySet:
    """``search_services`` with what a list of results shows (organisation, needs, localities)
    gathered in the same single statement, so a page of results is one query."""
    return (
        search_services(criteria, now=now)
        .select_related("organization")
        .annotate(
            need_names=ArraySubquery(
                TaxonomyTerm.objects.filter(services=OuterRef("pk")).order_by("name").values("name")
            ),
            locality_names=ArraySubquery(
                Locality.objects.filter(services=OuterRef("pk")).order_by("name").values("name")
            ),
        )
    )


def with_details(services: QuerySet) -> QuerySet:
    """What a page or a feed shows of each service, in a fixed number of queries."""
    return services.select_related("organization").prefetch_related(
        Prefetch("taxonomy_terms", queryset=TaxonomyTerm.objects.order_by("name")),
        "localities",
        "languages",
        "phones",
        "contacts__phones",
        "schedules",
        "cost_options",
        "service_areas",
        Prefetch(
            "service_at_locations",
            queryset=ServiceAtLocation.objects.select_related("location").prefetch_related(
                "location__addresses", "location__accessibility", "schedules", "phones"
            ),
        ),
    )


def needs_terms() -> QuerySet[TaxonomyTerm]:
    """The needs taxonomy's terms, for filters: every term that some service is linked to."""
    return TaxonomyTerm.objects.filter(services__isnull=False).distinct().order_by("name")


def taxonomies() -> QuerySet[Taxonomy]:
    return Taxonomy.objects.order_by("name")


def not_reviewed_since(day: dt.date) -> QuerySet[Service]:
    """Services whose entry has not been checked since ``day`` (or never), oldest first."""
    return (
        Service.objects.filter(Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lt=day))
        .select_related("organization")
        .order_by(Coalesce("last_reviewed_on", Value(dt.date(1900, 1, 1))), "name", "id")
    )
