"""Building the UK profile's schemas from HSDS 3.0, and validating with them."""

from __future__ import annotations

import json

import pytest

from alongside.directory.interchange import schema
from alongside.directory.interchange.schema import EXAMPLES
from alongside.directory.tests.standards import needs_standards

pytestmark = needs_standards


def test_the_profile_removes_replaces_and_adds_properties():
    service = schema.profile_schema("service")
    assert "wait_time" not in service["properties"]  # null in the profile: removed
    assert "allOf" not in service
    assert service["required"] == ["id", "name", "status"]
    assert schema.profile_schema("taxonomy_term")["properties"]["term"]["type"] == "string"
    assert "address_2" not in schema.profile_schema("address")["properties"]
    assert schema.required_fields("phone") == ("id", "number")


def test_nested_references_are_followed():
    bad = {
        "id": "ac148810-d857-441c-9679-408f346de14b",
        "name": "A service",
        "status": "open",
        "service_at_locations": [{"id": "x", "location": {"id": "y", "latitude": "north"}}],
        "contacts": [{"name": "No id"}],
    }
    problems = schema.errors("service", bad)
    assert (
        "status: 'open' is not one of ['active', 'inactive', 'defunct', 'temporarily closed']"
        in (problems)
    )
    assert "contacts/0: 'id' is a required property" in problems
    assert "service_at_locations/0/location: 'location_type' is a required property" in problems
    assert "service_at_locations/0/location/latitude: 'north' is not of type 'number'" in problems


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("service_full.json", "service"),
        ("organization_full.json", "organization"),
        ("service_at_location_full.json", "service_at_location"),
        ("taxonomy.json", "taxonomy"),
        ("taxonomy_term.json", "taxonomy_term"),
    ],
)
def test_the_shared_examples_pass_the_schema(name, entity):
    # latitude 100 is not a schema error (the schema sets no range); the importer catches it.
    assert schema.errors(entity, json.loads((EXAMPLES / name).read_text())) == []


@pytest.mark.parametrize(
    ("name", "entity"),
    [
        ("service_list.json", "service"),
        ("organization_list.json", "organization"),
        ("service_at_location_list.json", "service_at_location"),
        ("taxonomy_list.json", "taxonomy"),
        ("taxonomy_term_list.json", "taxonomy_term"),
    ],
)
def test_the_shared_list_examples_pass_the_page_check(name, entity):
    assert schema.validate_page(entity, json.loads((EXAMPLES / name).read_text())) == []
    assert schema.validate_page(entity, {"contents": []})[0] == "envelope: missing total_items"


def test_the_importers_required_fields_are_the_profiles():
    # The importer reads REQUIRED_FIELDS, kept in the code, so that it needs no copy of the
    # standard: here they are checked against the official profile applied to HSDS 3.0.
    assert set(schema.REQUIRED_FIELDS) == set(schema.entities())
    for entity in schema.entities():
        assert schema.required_fields(entity) == schema.profile_required_fields(entity), entity
