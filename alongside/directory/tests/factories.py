"""Directory rows for tests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alongside.directory.models import (
    Address,
    DirectoryOrganization,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.places.models import Postcode


def organisation(name: str = "Wellspring Wyvern", **fields: Any) -> DirectoryOrganization:
    return DirectoryOrganization.objects.create(name=name, description=name, **fields)


def term(name: str) -> TaxonomyTerm:
    taxonomy, _ = Taxonomy.objects.get_or_create(name="Alongside needs", description="Needs")
    return TaxonomyTerm.objects.get_or_create(taxonomy=taxonomy, name=name, description=name)[0]


def postcode(code: str, latitude: float, longitude: float, locality=None) -> Postcode:
    return Postcode.objects.create(
        postcode=code, latitude=latitude, longitude=longitude, locality=locality
    )


def service(
    name: str = "Community Counselling",
    *,
    organization: DirectoryOrganization | None = None,
    needs: tuple[str, ...] = (),
    at: Postcode | None = None,
    languages: tuple[str, ...] = ("English",),
    schedule: tuple[str, dt.time, dt.time] | None = None,
    **fields: Any,
) -> Service:
    fields.setdefault("description", f"{name} for adults in Wyvern.")
    found = Service.objects.create(
        organization=organization or organisation(f"{name} provider"), name=name, **fields
    )
    for need in needs:
        found.taxonomy_terms.add(term(need))
    if at is not None:
        location = Location.objects.create(
            organization=found.organization,
            name=f"{name} centre",
            latitude=at.latitude,
            longitude=at.longitude,
            locality=at.locality,
        )
        Address.objects.create(
            location=location,
            address_1="1 High Street",
            city="Wyvernbridge",
            state_province="Wyvern",
            postal_code=at.postcode,
        )
        ServiceAtLocation.objects.create(service=found, location=location)
        if at.locality:
            found.localities.add(at.locality)
    for language in languages:
        Language.objects.create(service=found, name=language)
    if schedule:
        days, opens, closes = schedule
        Schedule.objects.create(
            service=found, freq="WEEKLY", byday=days, opens_at=opens, closes_at=closes
        )
    Phone.objects.create(service=found, number="01632 960123")
    return found
