"""The Open Referral UK profile's JSON schemas, built by applying the profile to HSDS 3.0.

In the profile a property set to ``null`` is removed from the base schema, any other property is
added or replaced, and ``required`` replaces the base's list. The base schemas refer to each other
by file name (``"$ref": "phone.json"``); a ``referencing`` registry resolves those names, so
nested objects are checked too. Used by the tests (and available to tools); the API does not
validate on every request. The importer needs only :data:`REQUIRED_FIELDS`, which is kept here;
the rest needs a copy of the official schemas (``make standards``).
"""

from __future__ import annotations

import copy
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

_CHECKOUT = Path(__file__).resolve().parents[3]
#: Where a copy of the official schemas and examples may be: ALONGSIDE_STANDARDS_DIR alone when it
#: is set; else the shared folder beside the checkout, then the copy ``make standards`` fetches.
PLACES = (
    (Path(os.environ["ALONGSIDE_STANDARDS_DIR"]),)
    if os.environ.get("ALONGSIDE_STANDARDS_DIR")
    else (_CHECKOUT.parent / "shared" / "standards", _CHECKOUT / "var" / "standards")
)
STANDARDS = next(
    (p for p in PLACES if (p / "hsds-3.0" / "schema" / "service.json").exists()), PLACES[0]
)
EXAMPLES = STANDARDS / "open-referral-uk" / "examples"
BASE_DIR = STANDARDS / "hsds-3.0" / "schema"
PROFILE_DIR = STANDARDS / "open-referral-uk" / "profile"
BASE_URI = "https://alongside.invalid/oruk/"
#: Whether the official copy was found; the conformance tests skip with ``MISSING`` when not.
AVAILABLE = (BASE_DIR / "service.json").exists() and (PROFILE_DIR / "service.json").exists()
MISSING = (
    "the official Open Referral UK and HSDS 3.0 schemas and examples were not found (looked in "
    + ", ".join(str(p) for p in PLACES)
    + "): run `make standards`, or set ALONGSIDE_STANDARDS_DIR"
)

#: The fields the UK profile requires of each entity (profile commit ecdfabf), kept here so that
#: the importer needs no copy of the standard; ``test_schema`` checks them against the profile.
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "accessibility": ("id",),
    "address": (
        "id",
        "address_1",
        "city",
        "state_province",
        "postal_code",
        "country",
        "address_type",
    ),
    "attribute": ("id",),
    "contact": ("id",),
    "cost_option": ("id",),
    "funding": ("id",),
    "language": ("id",),
    "location": ("id", "location_type"),
    "meta_table_description": ("id",),
    "metadata": (
        "id",
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    ),
    "organization": ("id", "name", "description"),
    "organization_identifier": ("id", "identifier_type", "identifier"),
    "phone": ("id", "number"),
    "program": ("id", "name", "description"),
    "required_document": ("id",),
    "schedule": ("id",),
    "service": ("id", "name", "status"),
    "service_area": ("id",),
    "service_at_location": ("id",),
    "taxonomy": ("id", "name", "description"),
    "taxonomy_term": ("id", "name", "description"),
}


def _read(path: Path) -> Any:
    return json.loads(path.read_text()) if path.exists() else None


def profile_schema(entity: str) -> dict[str, Any]:
    """The UK profile schema for ``entity`` (``service``, ``organization`` …), refs unresolved."""
    base = _read(BASE_DIR / f"{entity}.json")
    if base is None:
        raise KeyError(f"No HSDS 3.0 schema for {entity!r}")
    schema = copy.deepcopy(base)
    profile = _read(PROFILE_DIR / f"{entity}.json") or {}
    for key, value in profile.items():
        if key == "properties":
            properties = schema.setdefault("properties", {})
            for name, spec in value.items():
                if spec is None:
                    properties.pop(name, None)
                else:
                    properties[name] = spec
        elif value is None:
            schema.pop(key, None)
        else:
            schema[key] = value
    schema.pop("$schema", None)
    schema["$id"] = f"{BASE_URI}{entity}.json"
    return schema


def entities() -> list[str]:
    """Every entity with a base schema (the profile may still drop some of them)."""
    return sorted(p.stem for p in BASE_DIR.glob("*.json") if p.stem != "openapi")


@cache
def _registry() -> Registry:
    resources = []
    for entity in entities():
        schema = profile_schema(entity)
        resources.append((schema["$id"], Resource.from_contents(schema, DRAFT202012)))
    return Registry().with_resources(resources)


@cache
def validator(entity: str) -> Draft202012Validator:
    """A validator of one ``entity`` against the profile-applied schema."""
    schema = profile_schema(entity)
    return Draft202012Validator(schema, registry=_registry(), format_checker=FormatChecker())


def required_fields(entity: str) -> tuple[str, ...]:
    """The fields the UK profile requires of ``entity`` (``id`` alone for one it does not list)."""
    return REQUIRED_FIELDS.get(entity, ("id",))


def profile_required_fields(entity: str) -> tuple[str, ...]:
    """The fields the official profile, applied to the base schema, requires of ``entity``."""
    return tuple(profile_schema(entity).get("required", []))


def errors(entity: str, instance: Any) -> list[str]:
    """Every way ``instance`` fails the profile's schema, as ``path: message`` lines."""
    found: list[ValidationError] = sorted(
        validator(entity).iter_errors(instance), key=lambda e: list(e.absolute_path)
    )
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def validate_page(entity: str, page: dict[str, Any]) -> list[str]:
    """Errors of a paged list: the envelope's fields, then each item of ``contents``."""
    problems = [
        f"envelope: missing {key}"
        for key in (
            "total_items",
            "total_pages",
            "page_number",
            "size",
            "first_page",
            "last_page",
            "empty",
            "contents",
        )
        if key not in page
    ]
    for index, item in enumerate(page.get("contents", [])):
        problems += [f"contents/{index}/{line}" for line in errors(entity, item)]
    return problems
