"""Directory rows as Open Referral UK JSON (HSDS 3.0, UK profile).

Empty text is left out rather than sent as ``""``; dates and times are ISO 8601 strings. Our own
fields are never published — above all ``how_to_refer``, which is for staff only. Callers pass
querysets prefetched with ``queries.with_details`` so that a page costs a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from alongside.directory.models import (
    Accessibility,
    Address,
    Contact,
    CostOption,
    DirectoryOrganization,
    Language,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceArea,
    ServiceAtLocation,
    ServiceTerm,
    Taxonomy,
    TaxonomyTerm,
)


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "hex") and not isinstance(value, str | bytes | float | int):
        return str(value)  # UUID
    return value


def _fields(obj: Any, names: list[str]) -> dict[str, Any]:
    """The named fields of ``obj``, leaving out empty strings and nulls."""
    out: dict[str, Any] = {}
    for name in names:
        value = getattr(obj, name)
        if value is None or value == "":
            continue
        out[name] = _value(value)
    return out


TAXONOMY_FIELDS = ["id", "name", "description", "uri", "version"]
TERM_FIELDS = ["id", "code", "name", "description", "parent_id", "taxonomy_id", "language"]
ORGANIZATION_FIELDS = [
    "id",
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "logo",
    "uri",
    "legal_status",
    "year_incorporated",
]
SERVICE_FIELDS = [
    "id",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "url",
    "email",
    "status",
    "interpretation_services",
    "application_process",
    "fees_description",
    "accreditations",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "assurer_email",
    "alert",
    "last_modified",
]
LOCATION_FIELDS = [
    "id",
    "location_type",
    "url",
    "organization_id",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "latitude",
    "longitude",
    "external_identifier",
    "external_identifier_type",
]
ADDRESS_FIELDS = [
    "id",
    "location_id",
    "attention",
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
    "address_type",
]
ACCESSIBILITY_FIELDS = ["id", "location_id", "description", "details", "url"]
PHONE_FIELDS = [
    "id",
    "location_id",
    "service_id",
    "organization_id",
    "contact_id",
    "service_at_location_id",
    "number",
    "extension",
    "type",
    "description",
]
CONTACT_FIELDS = [
    "id",
    "organization_id",
    "service_id",
    "service_at_location_id",
    "location_id",
    "name",
    "title",
    "department",
    "email",
]
SCHEDULE_FIELDS = [
    "id",
    "service_id",
    "location_id",
    "service_at_location_id",
    "valid_from",
    "valid_to",
    "dtstart",
    "timezone",
    "until",
    "count",
    "wkst",
    "freq",
    "interval",
    "byday",
    "byweekno",
    "bymonthday",
    "byyearday",
    "description",
    "opens_at",
    "closes_at",
    "schedule_link",
    "attending_type",
    "notes",
]
LANGUAGE_FIELDS = ["id", "service_id", "location_id", "phone_id", "name", "code", "note"]
COST_OPTION_FIELDS = [
    "id",
    "service_id",
    "valid_from",
    "valid_to",
    "option",
    "currency",
    "amount",
    "amount_description",
]
SERVICE_AREA_FIELDS = ["id", "service_id", "name", "description", "extent", "extent_type", "uri"]


def taxonomy(obj: Taxonomy) -> dict[str, Any]:
    return _fields(obj, TAXONOMY_FIELDS)


def taxonomy_term(obj: TaxonomyTerm) -> dict[str, Any]:
    out = _fields(obj, TERM_FIELDS)
    out["term"] = obj.name  # the UK profile's name for the term itself
    if obj.term_uri:
        out["term_uri"] = obj.term_uri
    return out


def organization(obj: DirectoryOrganization) -> dict[str, Any]:
    """An organisation without its services (the list and the ``organization`` of a service)."""
    return _fields(obj, ORGANIZATION_FIELDS)


def organization_with_contacts(obj: DirectoryOrganization) -> dict[str, Any]:
    """An organisation with its own phones and contacts (for a full export)."""
    out = organization(obj)
    out["phones"] = [phone(p) for p in obj.phones.all()]
    out["contacts"] = [contact(c) for c in obj.contacts.all()]
    return out


def organization_full(obj: DirectoryOrganization, services: list[Service]) -> dict[str, Any]:
    out = organization(obj)
    out["services"] = [service(s) for s in services]
    return out


def phone(obj: Phone) -> dict[str, Any]:
    return _fields(obj, PHONE_FIELDS)


def schedule(obj: Schedule) -> dict[str, Any]:
    return _fields(obj, SCHEDULE_FIELDS)


def contact(obj: Contact) -> dict[str, Any]:
    out = _fields(obj, CONTACT_FIELDS)
    out["phones"] = [phone(p) for p in obj.phones.all()]
    return out


def address(obj: Address) -> dict[str, Any]:
    return _fields(obj, ADDRESS_FIELDS)


def accessibility(obj: Accessibility) -> dict[str, Any]:
    return _fields(obj, ACCESSIBILITY_FIELDS)


def language(obj: Language) -> dict[str, Any]:
    return _fields(obj, LANGUAGE_FIELDS)


def cost_option(obj: CostOption) -> dict[str, Any]:
    return _fields(obj, COST_OPTION_FIELDS)


def service_area(obj: ServiceArea) -> dict[str, Any]:
    return _fields(obj, SERVICE_AREA_FIELDS)


def location(obj: Location) -> dict[str, Any]:
    out = _fields(obj, LOCATION_FIELDS)
    out["addresses"] = [address(a) for a in obj.addresses.all()]
    out["accessibility"] = [accessibility(a) for a in obj.accessibility.all()]
    out["phones"] = [phone(p) for p in obj.phones.all()]
    out["schedules"] = [schedule(s) for s in obj.schedules.all()]
    out["languages"] = [language(lang) for lang in obj.languages.all()]
    out["contacts"] = [contact(c) for c in obj.contacts.all()]
    return out


def attribute(obj: ServiceTerm) -> dict[str, Any]:
    """A service's taxonomy term, as the standard's ``attribute`` linking the two."""
    out: dict[str, Any] = {
        "id": str(obj.id),
        "link_id": str(obj.service_id),
        "link_entity": "service",
        "taxonomy_term_id": str(obj.taxonomy_term_id),
        "taxonomy_term": taxonomy_term(obj.taxonomy_term),
    }
    if obj.link_type:
        out["link_type"] = obj.link_type
    if obj.value:
        out["value"] = obj.value
    return out


def service_at_location(obj: ServiceAtLocation, *, with_service: bool = False) -> dict[str, Any]:
    """A service at a location: the location in full; in the list shape, also the service."""
    out = _fields(obj, ["id", "service_id", "location_id", "description"])
    out["location"] = location(obj.location)
    out["schedules"] = [schedule(s) for s in obj.schedules.all()]
    out["phones"] = [phone(p) for p in obj.phones.all()]
    out["contacts"] = [contact(c) for c in obj.contacts.all()]
    if with_service:
        out["service"] = service(obj.service)
    return out


def service(obj: Service) -> dict[str, Any]:
    """The list shape: the service and its organisation (brief)."""
    out = _fields(obj, SERVICE_FIELDS)
    out["organization"] = organization(obj.organization)
    return out


def service_full(obj: Service) -> dict[str, Any]:
    """The ``service_full`` shape, with everything published about the service."""
    out = service(obj)
    out["service_at_locations"] = [service_at_location(s) for s in obj.service_at_locations.all()]
    out["phones"] = [phone(p) for p in obj.phones.all()]
    out["contacts"] = [contact(c) for c in obj.contacts.all()]
    out["schedules"] = [schedule(s) for s in obj.schedules.all()]
    out["languages"] = [language(lang) for lang in obj.languages.all()]
    out["cost_options"] = [cost_option(c) for c in obj.cost_options.all()]
    out["service_areas"] = [service_area(a) for a in obj.service_areas.all()]
    out["attributes"] = [attribute(a) for a in obj.attributes.all()]
    return out
