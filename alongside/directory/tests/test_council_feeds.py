"""Importing feeds shaped like councils' real ones: what is kept, put right, warned about and
rejected (with reasons a directory manager can act on), in bulk and in a fixed number of
statements."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.validators import URLValidator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alongside.directory import models as m
from alongside.directory.interchange.importer import import_feed, key
from alongside.directory.tests.council_feed import ident, write_council_feed
from alongside.organisations.models import Locality
from alongside.places.models import Postcode


@pytest.fixture
def council(tmp_path):
    feed = write_council_feed(tmp_path / "feed", services=200, organisations=40, locations=300)
    return feed, import_feed(feed.folder)


@pytest.mark.django_db
def test_organisations_without_a_description_are_kept_with_their_services(council):
    feed, report = council
    assert feed.faults["organisation without description"] > 0
    assert report.count("organization", "rejected") == 0
    assert m.DirectoryOrganization.objects.count() == feed.organisations
    undescribed = m.DirectoryOrganization.objects.filter(description="")
    assert undescribed.count() == feed.faults["organisation without description"]
    assert report.count("organization", "warned") == undescribed.count()
    org = undescribed.first()
    assert f"- Organisation '{org.name}' (id {org.id}) has no description; it was imported " in (
        "\n".join(report.lines())
    )
    assert m.Service.objects.filter(organization__description="").exists()


@pytest.mark.django_db
def test_only_services_that_cannot_be_listed_are_rejected_each_with_its_reason(council):
    feed, report = council
    services = [r for r in report.rejections if r.entity == "service"]
    assert len(services) == report.count("service", "rejected") > 0
    for rejection in services:
        assert re.search(
            r"has no id, so a later import could not update it|has no name, so it cannot be "
            r"listed|belongs to organisation id \S+, which is not in the feed or the directory",
            rejection.message,
        ), rejection.message
        assert rejection.message.startswith("Service ")
        assert rejection.source.startswith("services_page_")
    kept = report.count("service", "created")
    assert kept + len(services) == feed.services
    assert m.Service.objects.count() == kept
    # Their phones, schedules and terms are not listed one by one, only counted with them.
    lines = "\n".join(report.lines())
    assert "records that belong to it)" in lines
    not_imported = lines.split("Not imported:")[1].split("Imported with warnings:")[0]
    assert "- Phone number" not in not_imported


@pytest.mark.django_db
def test_fields_are_put_right_on_the_way_in(council):
    _feed, report = council
    check = URLValidator()
    for url in m.Service.objects.values_list("url", flat=True):
        check(url)
        assert url.startswith("https://") and not url.endswith(".")
    emails = list(m.Service.objects.values_list("email", flat=True))
    assert all("mailto:" not in e and " " not in e for e in emails)
    assert not m.Service.objects.filter(description__contains="<").exists()
    assert m.Service.objects.filter(description__contains="&amp;").count() == 0
    assert m.Service.objects.filter(description__contains=" & more.").exists()
    numbers = set(m.Phone.objects.values_list("number", flat=True))
    assert not any(n.startswith(("+", "tel:", "(")) for n in numbers)
    drama = [n for n in numbers if n.startswith("01632")]
    assert drama and all(re.fullmatch(r"01632 96\d{4}", n) for n in drama)
    assert m.Phone.objects.filter(extension="12").exists()  # from "01632 96xxxx ext 12"
    for code in m.Address.objects.values_list("postal_code", flat=True):
        assert re.fullmatch(r"WY\d{1,2} \d[A-Z]{2}", code)
    assert not m.Location.objects.filter(latitude=0, longitude=0).exists()
    for lat, lon in m.Location.objects.filter(latitude__isnull=False).values_list(
        "latitude", "longitude"
    ):
        assert 49 < lat < 61 and -9 < lon < 2  # swapped ones swapped back
    assert not m.Location.objects.filter(location_type="").exists()
    assert (
        m.Service.objects.filter(last_modified__isnull=False).count() == m.Service.objects.count()
    )
    lines = "\n".join(report.lines())
    assert "services: web address https:// added (for example 'www.wyvern-org-" in lines
    assert "addresses: country not given, so taken as GB" in lines


@pytest.mark.django_db
def test_a_second_import_updates_every_row_and_creates_none(council):
    feed, first = council
    rows = {model: model.objects.count() for model in (m.Service, m.Location, m.Phone, m.Schedule)}
    second = import_feed(feed.folder)
    assert {model: model.objects.count() for model in rows} == rows
    for entity, counts in first.counts.items():
        assert second.count(entity, "created") == 0
        assert second.count(entity, "updated") == counts["created"] + counts["updated"]


@pytest.mark.django_db
def test_the_import_is_bulk_its_statements_do_not_grow_with_the_feed(tmp_path):
    small = write_council_feed(tmp_path / "small", services=40, organisations=8, locations=60)
    large = write_council_feed(tmp_path / "large", services=160, organisations=32, locations=240)
    with CaptureQueriesContext(connection) as few:
        import_feed(small.folder)
    m.ServiceTerm.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        report = import_feed(large.folder)
    assert report.count("service", "created") + report.count("service", "updated") > 150
    # Every entity: one look-up of what is there, one upsert per batch of 1,000 (in a savepoint).
    assert len(many.captured_queries) <= len(few.captured_queries) + 4
    assert len(many.captured_queries) < 100


@pytest.mark.django_db
def test_our_own_fields_and_fields_the_feed_leaves_out_are_kept(council):
    feed, _report = council
    service = m.Service.objects.get(pk=ident("service", 0))
    m.Service.objects.filter(pk=service.pk).update(
        how_to_refer="Ring the duty line first", accepts_self_referral=True, alternate_name="PSG"
    )
    import_feed(feed.folder)
    service.refresh_from_db()
    assert (service.how_to_refer, service.accepts_self_referral) == (
        "Ring the duty line first",
        True,
    )
    assert service.alternate_name == "PSG"  # the feed gives none: left as it was


@pytest.mark.django_db
def test_each_service_written_has_a_history_event_naming_the_import(council):
    feed, _report = council
    from alongside.directory.models import ServiceEvent  # made by pghistory

    event = ServiceEvent.objects.filter(pgh_obj_id=ident("service", 0)).get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["directory_import"] == feed.folder.name


def write(tmp_path: Path, name: str, payload) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload))
    return path


ORG = {"id": "7", "name": "Wyvern Befrienders", "description": "Befriending across Wyvern"}


@pytest.mark.django_db
def test_ids_that_are_not_uuids_and_children_without_ids_import_again_onto_the_same_rows(
    tmp_path,
):
    feed = [
        {
            "id": "123",
            "name": "Talk Together",
            "status": "active",
            "organization": ORG,
            "phones": [{"number": "01632 960111"}, {"number": "01632 960112"}],
        },
        {"id": "124", "status": "active", "organization": ORG},
    ]
    path = write(tmp_path, "services.json", feed)
    report = import_feed(path)
    service = m.Service.objects.get()
    assert str(service.pk) == key("service", "123")
    assert sorted(service.phones.values_list("number", flat=True)) == [
        "01632 960111",
        "01632 960112",
    ]
    assert [r.message for r in report.rejections] == [
        "Service (id 124) has no name, so it cannot be listed; it was not imported"
    ]
    assert any("had ids that are not UUIDs (like 123)" in n for n in report.notes)
    again = import_feed(path)
    assert again.count("phone", "updated") == 2 and again.count("phone", "created") == 0
    assert m.Phone.objects.count() == 2


@pytest.mark.django_db
def test_a_service_without_a_status_is_listed_as_active_with_a_warning_to_check_it(tmp_path):
    feed = [
        {"id": "1", "name": "Talk Together", "organization": ORG},
        {"id": "2", "name": "Walk Together", "status": "Temporarily_Closed", "organization": ORG},
        {"id": "3", "name": "Old group", "status": "closed down", "organization": ORG},
    ]
    report = import_feed(write(tmp_path, "services.json", feed))
    statuses = dict(m.Service.objects.values_list("name", "status"))
    assert statuses == {"Talk Together": "active", "Walk Together": "temporarily closed"}
    assert [w.message for w in report.warnings] == [
        "Service 'Talk Together' (id 1) has no status; it was imported as active, as feeds list "
        "the services they run. Check it is still open"
    ]
    assert [r.message for r in report.rejections] == [
        "Service 'Old group' (id 3) has the status 'closed down', which is not one of active, "
        "inactive, defunct or temporarily closed; it was not imported"
    ]


@pytest.mark.django_db
def test_open_referral_uk_1_0_names_are_read(tmp_path):
    feed = {
        "totalElements": 1,
        "totalPages": 1,
        "number": 0,
        "content": [
            {
                "id": "s1",
                "name": "Talk Together",
                "status": "active",
                "organization": ORG,
                "eligibilitys": [{"id": "e1", "minimum_age": 16, "maximum_age": 25}],
                "service_taxonomys": [
                    {
                        "id": "st1",
                        "taxonomy": {"id": "esd-1", "name": "Befriending", "vocabulary": "esd"},
                    }
                ],
                "regular_schedules": [
                    {"id": "r1", "weekday": "Tuesday", "opens_at": "10am", "closes_at": "2pm"}
                ],
                "languages": [{"id": "l1", "language": "Welsh"}],
                "service_at_locations": [
                    {
                        "id": "sal1",
                        "location": {
                            "id": "loc1",
                            "name": "Kingsmead Hub",
                            "physical_addresses": [
                                {
                                    "id": "a1",
                                    "address_1": "12 Market Street",
                                    "city": "Kingsmead",
                                    "postal_code": "wy12ab",
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    report = import_feed(write(tmp_path, "services.json", feed))
    assert not report.rejections, report.lines()
    service = m.Service.objects.get()
    assert (service.minimum_age, service.maximum_age) == (16, 25)
    assert list(service.taxonomy_terms.values_list("name", flat=True)) == ["Befriending"]
    schedule = service.schedules.get()
    assert (schedule.byday, str(schedule.opens_at), str(schedule.closes_at)) == (
        "TU",
        "10:00:00",
        "14:00:00",
    )
    assert service.languages.get().name == "Welsh"
    address = m.Address.objects.get()
    assert (address.postal_code, address.country, address.location.location_type) == (
        "WY1 2AB",
        "GB",
        "physical",
    )


@pytest.mark.django_db
def test_a_location_without_coordinates_is_placed_at_its_postcode(tmp_path):
    locality = Locality.objects.create(name="Kingsmead", code="kingsmead")
    Postcode.objects.create(postcode="WY1 2AB", latitude=52.33, longitude=-2.41, locality=locality)
    location = {
        "id": "loc1",
        "name": "Kingsmead Hub",
        "latitude": 0,
        "longitude": 0,
        "addresses": [
            {"id": "a1", "address_1": "12 Market St", "city": "Kingsmead", "postal_code": "WY1 2AB"}
        ],
    }
    feed = [
        {
            "id": "1",
            "name": "Talk Together",
            "status": "active",
            "organization": ORG,
            "service_at_locations": [{"id": "sal1", "location": location}],
        }
    ]
    report = import_feed(write(tmp_path, "services.json", feed))
    stored = m.Location.objects.get()
    assert (stored.latitude, stored.longitude, stored.locality) == (52.33, -2.41, locality)
    assert any(
        line.startswith(
            "- 1 location: coordinates none usable, so placed at the postcode ('WY1 2AB'"
        )
        for line in report.lines()
    )


@pytest.mark.django_db
def test_missing_pages_and_a_record_repeated_with_other_details_are_reported(tmp_path):
    page = {
        "total_items": 30,
        "total_pages": 3,
        "page_number": 1,
        "contents": [
            {"id": "1", "name": "Talk Together", "status": "active", "organization": ORG},
            {
                "id": "1",
                "name": "Talk Together (Tuesdays)",
                "status": "active",
                "organization": ORG,
            },
        ],
    }
    report = import_feed(write(tmp_path, "services_page_1.json", page))
    assert report.notes[0].startswith(
        "The feed says it has 3 pages, but pages 2, 3 are not among the files imported"
    )
    assert [w.message for w in report.warnings] == [
        "Service 'Talk Together' (id 1) is in the feed more than once with a different name "
        "(also at services_page_1.json item 2); the first was imported"
    ]
    assert m.Service.objects.get().name == "Talk Together"
