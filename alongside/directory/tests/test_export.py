"""Exporting the directory as Open Referral UK JSON, and importing it back unchanged."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from alongside.directory import models as m
from alongside.directory.interchange import schema
from alongside.directory.interchange.exporter import export_feed
from alongside.directory.interchange.importer import import_feed
from alongside.directory.tests.standards import WYVERN_CSV, needs_standards
from alongside.directory.tests.test_api import build_service

# Ours, never published (how_to_refer is for staff only), or derived again on import.
NOT_PUBLISHED = {
    m.Service: {"accepts_self_referral", "how_to_refer", "last_reviewed_on", "search_vector"},
    m.DirectoryOrganization: {"organisation"},
    m.Location: {"locality"},
}
# Children are deleted before parents.
DELETE_ORDER = [
    m.Language,
    m.Phone,
    m.Contact,
    m.Schedule,
    m.ServiceTerm,
    m.CostOption,
    m.ServiceArea,
    m.Accessibility,
    m.Address,
    m.ServiceAtLocation,
    m.Service,
    m.Location,
    m.DirectoryOrganization,
    m.TaxonomyTerm,
    m.Taxonomy,
]


def rows() -> dict[str, list[tuple]]:
    """Every directory row as a tuple of its published values."""
    out = {}
    for model in DELETE_ORDER:
        skip = NOT_PUBLISHED.get(model, set())
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skip]
        out[model.__name__] = sorted(model.objects.values_list(*names), key=repr)
    return out


def empty_directory() -> None:
    m.TaxonomyTerm.objects.update(parent=None)
    for model in DELETE_ORDER:
        model.objects.all().delete()


@pytest.fixture
def directory():
    """A directory with one of everything, loose records and the project's CSV feed included."""
    assert not import_feed(WYVERN_CSV).refused
    taxonomy = m.Taxonomy.objects.create(name="Needs", description="What people need")
    parent = m.TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Wellbeing", description="-")
    child = m.TaxonomyTerm.objects.create(
        taxonomy=taxonomy, name="Low mood", description="-", parent=parent, code="LM"
    )
    m.TaxonomyTerm.objects.create(name="Unused", description="No service uses it")
    service = build_service(
        "Talking Therapies", term=child, minimum_age=16, maximum_age=99, alert="Busy"
    )
    sal = service.service_at_locations.get()
    m.Contact.objects.create(service_at_location=sal, name="Desk", email="desk@example.org")
    m.Phone.objects.create(service_at_location=sal, number="01632 960555", extension="12")
    location = sal.location
    m.Phone.objects.create(location=location, number="01632 960556")
    m.Language.objects.create(location=location, name="Urdu", code="ur")
    m.Schedule.objects.create(location=location, freq="WEEKLY", byday="SA", timezone=0.0)
    build_service("Closed", status=m.ServiceStatus.DEFUNCT, point=None)
    lonely = m.DirectoryOrganization.objects.create(
        name="No services yet", description="-", year_incorporated=1999, legal_status="Charity"
    )
    m.Phone.objects.create(organization=lonely, number="01632 960777")
    spare = m.Location.objects.create(organization=lonely, name="Spare room", latitude=51.5)
    spare.longitude = -0.1
    spare.save()
    m.CostOption.objects.create(
        service=service,
        option="Sliding",
        amount="12.50",
        currency="GBP",
        valid_from=dt.date(2026, 1, 1),
    )


@pytest.mark.django_db
def test_export_then_import_into_an_empty_directory_gives_the_same_rows(directory, tmp_path):
    before = rows()
    written = export_feed(tmp_path)
    assert written == {
        "taxonomies.json": 2,
        "taxonomy_terms.json": 5,
        "organizations.json": 5,
        "services.json": 4,
    }
    empty_directory()
    assert not m.Service.objects.exists()
    report = import_feed(tmp_path)
    assert not report.refused
    assert report.rejections == [] and report.warnings == []
    assert rows() == before
    again = import_feed(tmp_path)
    assert all(c["created"] == 0 for c in again.counts.values())
    assert rows() == before


@pytest.mark.django_db
@needs_standards
def test_the_export_is_valid_against_the_profile(directory, tmp_path):
    call_command("directory", "export", str(tmp_path))
    for name, entity in [
        ("services.json", "service"),
        ("organizations.json", "organization"),
        ("taxonomies.json", "taxonomy"),
        ("taxonomy_terms.json", "taxonomy_term"),
    ]:
        records = json.loads((tmp_path / name).read_text())
        assert records
        for record in records:
            assert schema.errors(entity, record) == [], (name, record["id"])
    text = (tmp_path / "services.json").read_text()
    assert "STAFF-ONLY" not in text and "how_to_refer" not in text
