"""Export the directory as an Open Referral UK feed: JSON files the importer reads back.

``services.json`` is a list of ``service_full`` objects (every service, whatever its status);
``organizations.json``, ``taxonomies.json`` and ``taxonomy_terms.json`` hold the rest, so
organisations without services and terms no service uses survive a round trip.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db.models import Prefetch

from alongside.directory.interchange import serialise
from alongside.directory.models import (
    DirectoryOrganization,
    Location,
    ServiceTerm,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.directory.queries import ServiceSearch, search_services, with_details

# What a location shows beyond what ``with_details`` fetches.
LOCATION_DETAILS = (
    "service_at_locations__location__phones",
    "service_at_locations__location__schedules",
    "service_at_locations__location__languages",
    "service_at_locations__location__contacts__phones",
    "service_at_locations__contacts__phones",
)


def services_with_details(criteria: ServiceSearch) -> Any:
    """The one search, with what ``service_full`` needs (attributes included)."""
    return with_details(search_services(criteria)).prefetch_related(
        Prefetch("attributes", queryset=ServiceTerm.objects.select_related("taxonomy_term")),
        *LOCATION_DETAILS,
    )


def feed() -> dict[str, list[dict[str, Any]]]:
    """The whole directory as Open Referral UK objects, one list per file."""
    services = services_with_details(ServiceSearch(include_inactive=True))
    terms = TaxonomyTerm.objects.order_by("id")
    organizations = [
        serialise.organization_with_contacts(o)
        for o in DirectoryOrganization.objects.order_by("id").prefetch_related(
            "phones", "contacts__phones"
        )
    ]
    # Locations at no service still belong in the feed: list them under their organisation.
    loose = Location.objects.filter(service_at_locations__isnull=True).prefetch_related(
        "addresses", "accessibility", "phones", "schedules", "languages", "contacts__phones"
    )
    by_org: dict[str, list[dict[str, Any]]] = {}
    for location in loose:
        by_org.setdefault(str(location.organization_id), []).append(serialise.location(location))
    for org in organizations:
        if org["id"] in by_org:
            org["locations"] = by_org[org["id"]]
    return {
        "taxonomies.json": [serialise.taxonomy(t) for t in Taxonomy.objects.order_by("id")],
        "taxonomy_terms.json": [serialise.taxonomy_term(t) for t in terms],
        "organizations.json": organizations,
        "services.json": [serialise.service_full(s) for s in services.order_by("id")],
    }


def export_feed(folder: str | Path) -> dict[str, int]:
    """Write the directory to ``folder`` as JSON files; return how many records each holds."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name, records in feed().items():
        (folder / name).write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n")
        written[name] = len(records)
    return written
