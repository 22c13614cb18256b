"""Importing Open Referral UK feeds: the project's own feed and, when a copy is present, the
official examples; idempotency, refusals and rejections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from alongside.directory import models as m
from alongside.directory.interchange.importer import import_feed
from alongside.directory.interchange.schema import EXAMPLES
from alongside.directory.tests.standards import WYVERN_CSV, needs_standards
from alongside.places.models import Postcode

SERVICE = "ac148810-d857-441c-9679-408f346de14b"
LOCATION = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
CIVIC_CENTRE = f"Location 'MyCity Civic Center' (id {LOCATION})"
LATITUDE_WARNING = (
    f"{CIVIC_CENTRE} has the latitude 100, which is not between -90 and 90; its coordinates "
    "were left out"
)
POSTCODE_REJECTION = (
    "Address '1-30 Main Street' (id 74706e55-df26-4b84-80fe-ecc30b5befb4) of location "
    f"'MyCity Civic Center' (id {LOCATION}) has the postcode 'ABC 1234', which is not a UK "
    "postcode; the address was not imported (its location was)"
)
TERM = "Taxonomy term 'name' (id 3f7b145d-84af-42d7-8fae-eaca714b02b2)"
PARENT_WARNING = (
    f"{TERM} names the parent term id 0bc248fa-dc27-4650-9ba4-8f1a24ef16a2, which is not in the "
    "feed or the directory; it was imported without a parent"
)
FULL_SERVICE = {
    "taxonomy_term": 1,
    "organization": 1,
    "service": 1,
    "location": 1,
    "accessibility": 1,
    "service_at_location": 1,
    "contact": 1,
    "schedule": 1,
    "language": 1,
    "cost_option": 1,
    "service_area": 1,
    "attribute": 1,
}
# What each shared example creates in an empty directory, what it rejects, and its warnings.
EXPECTED = {
    "service_full.json": (
        FULL_SERVICE,
        {"address": 1},
        [PARENT_WARNING, LATITUDE_WARNING],
        [POSTCODE_REJECTION],
    ),
    "organization_full.json": (
        FULL_SERVICE,
        {"address": 1},
        [PARENT_WARNING, LATITUDE_WARNING],
        [POSTCODE_REJECTION],
    ),
    "service_at_location_full.json": (
        FULL_SERVICE,
        {"address": 1},
        [PARENT_WARNING, LATITUDE_WARNING],
        [POSTCODE_REJECTION],
    ),
    "service_list.json": ({"organization": 1, "service": 1}, {}, [], []),
    "service_at_location_list.json": (
        {"organization": 1, "service": 1, "location": 1, "service_at_location": 1},
        {},
        [LATITUDE_WARNING],
        [],
    ),
    "organization_list.json": ({"organization": 1}, {}, [], []),
    "taxonomy.json": ({"taxonomy": 1, "taxonomy_term": 1}, {}, [PARENT_WARNING], []),
    "taxonomy_list.json": ({"taxonomy": 1}, {}, [], []),
    "taxonomy_term.json": ({"taxonomy_term": 1}, {}, [PARENT_WARNING], []),
    "taxonomy_term_list.json": ({"taxonomy_term": 1}, {}, [PARENT_WARNING], []),
}


def messages(problems) -> list[str]:
    return [str(p).split(" [")[0] for p in problems]


def created(report) -> dict[str, int]:
    return {e: c["created"] for e, c in report.counts.items() if c["created"]}


def rejected(report) -> dict[str, int]:
    return {e: c["rejected"] for e, c in report.counts.items() if c["rejected"]}


@needs_standards
def test_every_json_example_is_covered():
    assert sorted(EXPECTED) == sorted(p.name for p in EXAMPLES.glob("*.json"))


@pytest.mark.django_db
@needs_standards
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_json_example_imports_with_its_warnings(name):
    counts, rejects, warnings, rejections = EXPECTED[name]
    report = import_feed(EXAMPLES / name)
    assert not report.refused
    assert created(report) == counts
    assert rejected(report) == rejects
    assert messages(report.warnings) == warnings
    assert messages(report.rejections) == rejections
    for warning in report.warnings:
        assert warning.source.startswith(f"{name} item 1")


@pytest.mark.django_db
@needs_standards
def test_service_full_keeps_the_service_despite_latitude_100():
    report = import_feed(EXAMPLES / "service_full.json")
    assert LATITUDE_WARNING in messages(report.warnings)
    service = m.Service.objects.get(pk=SERVICE)
    assert service.name == "Community Counselling"
    assert service.fees_description == "fees_description"
    assert service.last_modified.isoformat() == "2023-03-15T10:30:45.123000+00:00"
    location = m.Location.objects.get(pk=LOCATION)
    assert (location.latitude, location.longitude) == (None, None)
    assert location.name == "MyCity Civic Center"
    assert service.service_at_locations.get().location == location
    assert service.attributes.get().taxonomy_term.name == "name"
    assert not m.Address.objects.exists()


@pytest.mark.django_db
@needs_standards
def test_csv_example_folder_imports_with_file_and_line_numbers():
    report = import_feed(EXAMPLES / "csv")
    assert not report.refused
    assert created(report) == {
        "taxonomy": 1,
        "taxonomy_term": 1,
        "organization": 1,
        "service": 1,
        "location": 1,
        "accessibility": 1,
        "service_at_location": 1,
        "contact": 1,
        "phone": 1,
        "schedule": 1,
        "language": 1,
        "cost_option": 1,
        "service_area": 1,
    }
    assert rejected(report) == {"address": 1, "attribute": 1}
    assert [str(w) for w in report.warnings] == [
        f"{TERM} names taxonomy id 07ff6aee-a219-438c-b694-d2fcb6c5373b, which is not in the "
        "feed or the directory; it was imported without that link [taxonomy_terms.csv line 2]",
        f"{PARENT_WARNING} [taxonomy_terms.csv line 2]",
        f"{LATITUDE_WARNING} [locations.csv line 2]",
    ]
    assert [str(r) for r in report.rejections] == [
        f"{POSTCODE_REJECTION} [addresses.csv line 2]",
        "Service's taxonomy term (id ae58cc39-8b70-4ab1-8aea-786882e5ac8e) linking taxonomy "
        "term 'name' (id 3f7b145d-84af-42d7-8fae-eaca714b02b2) belongs to service id "
        "f28dd44b-0c4d-479f-8e90-4c52219a8b3c, which is not in the feed or the directory; it "
        "was not imported [attribute.csv line 2]",
    ]
    assert "funding.csv" in report.notes[0]
    phone = m.Phone.objects.get()
    assert phone.number == "01234 234567"  # given as "+44 1234 234567"
    assert phone.contact.service_id is not None
    schedule = m.Schedule.objects.get()
    assert schedule.byweekno == "41,42"  # from schedules.csv, the fuller of the two tables


@pytest.mark.django_db
def test_the_projects_csv_feed_imports_with_each_fault_named_by_file_and_line():
    report = import_feed(WYVERN_CSV)
    assert not report.refused
    assert created(report) == {
        "taxonomy": 1,
        "taxonomy_term": 2,
        "organization": 2,
        "service": 2,
        "location": 2,
        "address": 1,
        "service_at_location": 2,
        "contact": 1,
        "phone": 1,
        "schedule": 1,
        "attribute": 1,
    }
    assert rejected(report) == {"address": 1, "attribute": 1}
    assert [str(w) for w in report.warnings] == [
        "Taxonomy term 'Money' (id c454cac4-2c78-59e4-8ca6-df33b0cf5370) names the parent term "
        "id 63ce5593-8133-5b71-a435-c14d30a1c959, which is not in the feed or the directory; it "
        "was imported without a parent [taxonomy_terms.csv line 3]",
        "Location 'Wyvern Library' (id 1c21f98e-6394-5a6f-83f7-f8df03ba996c) has the latitude "
        "100, which is not between -90 and 90; its coordinates were left out "
        "[locations.csv line 3]",
    ]
    assert [str(r) for r in report.rejections] == [
        "Address '1 Library Lane' (id ed63b010-6343-5823-aefe-0715b9c15082) of location "
        "'Wyvern Library' (id 1c21f98e-6394-5a6f-83f7-f8df03ba996c) has the postcode "
        "'ABC 1234', which is not a UK postcode; the address was not imported (its location "
        "was) [addresses.csv line 3]",
        "Service's taxonomy term (id 9a0c8240-ed28-5627-8a57-5286e736e723) linking taxonomy "
        "term 'Money' (id c454cac4-2c78-59e4-8ca6-df33b0cf5370) belongs to service id "
        "62e38bbf-fb26-580c-aa12-bb6547d02c73, which is not in the feed or the directory; it "
        "was not imported [attribute.csv line 3]",
    ]
    assert report.notes == ["Not kept by this directory: funding.csv."]
    library = m.Location.objects.get(pk="1c21f98e-6394-5a6f-83f7-f8df03ba996c")
    assert (library.name, library.latitude, library.longitude) == ("Wyvern Library", None, None)
    assert not library.addresses.exists()  # its address was refused, the location kept
    peer = m.Service.objects.get(pk="9ad0ea86-8f16-5032-a660-f213d88cb618")
    assert peer.organization.name == "Wyvern Mind"
    assert m.Phone.objects.get().number == "01632 960123"
    assert peer.attributes.get().taxonomy_term.name == "Wellbeing"


OFFICIAL = needs_standards


@pytest.mark.django_db
@pytest.mark.parametrize(
    "feed",
    [
        WYVERN_CSV,
        pytest.param(EXAMPLES / "service_full.json", marks=OFFICIAL, id="service_full.json"),
        pytest.param(EXAMPLES / "csv", marks=OFFICIAL, id="csv"),
        pytest.param(EXAMPLES / "organization_full.json", marks=OFFICIAL, id="organization_full"),
    ],
    ids=str,
)
def test_importing_twice_updates_the_same_rows(feed):
    first = import_feed(feed)
    rows = {model: model.objects.count() for model in (m.Service, m.Location, m.ServiceTerm)}
    second = import_feed(feed)
    assert {model: model.objects.count() for model in rows} == rows
    for entity, counts in first.counts.items():
        again = second.counts[entity]
        assert again["created"] == 0
        assert again["updated"] == counts["created"] + counts["updated"]
        assert again["rejected"] == counts["rejected"]


def write(tmp_path: Path, name: str, payload) -> Path:
    path = tmp_path / name
    path.write_text(payload if isinstance(payload, str) else json.dumps(payload))
    return path


@pytest.mark.django_db
def test_malformed_json_is_refused_and_nothing_written(tmp_path, capsys):
    path = write(tmp_path, "services.json", '{"id": "ac148810-d857-441c-9679-408f346de14b",')
    report = import_feed(path)
    assert report.refused.startswith("services.json: not valid JSON")
    assert report.lines() == [f"Feed refused, nothing imported: {report.refused}"]
    assert not m.Service.objects.exists()
    with pytest.raises(CommandError):
        call_command("directory", "import", str(path))
    assert "Feed refused" in capsys.readouterr().out


@pytest.mark.django_db
def test_a_feed_with_a_bad_file_writes_nothing_from_its_good_files(tmp_path):
    write(tmp_path, "a_taxonomies.json", [{"id": "5c4d79d7-cc55-470e-9f1f-8cad074e4892"}])
    write(tmp_path, "b_organizations.json", "[{")
    assert import_feed(tmp_path).refused
    assert not m.Taxonomy.objects.exists()


@pytest.mark.django_db
def test_csv_without_required_columns_is_refused(tmp_path):
    (tmp_path / "organizations.csv").write_text(
        "id,name,description\nd9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610,Org,About\n"
    )
    (tmp_path / "services.csv").write_text("id,organization_id,status\n1,2,active\n")
    report = import_feed(tmp_path)
    assert report.refused == "services.csv: missing required columns name"
    assert not m.DirectoryOrganization.objects.exists()


ORG = "11111111-1111-4111-8111-111111111111"


def service_json(number: int, **fields) -> dict:
    return {
        "id": f"22222222-2222-4222-8222-{number:012d}",
        "name": f"Service {number}",
        "status": "active",
        "organization": {"id": ORG, "name": "Wellspring", "description": "A charity"},
        **fields,
    }


@pytest.mark.django_db
def test_a_record_missing_a_required_field_is_rejected_and_the_rest_imported(tmp_path):
    bad = service_json(2)
    del bad["name"]
    report = import_feed(write(tmp_path, "services.json", [service_json(1), bad, service_json(3)]))
    assert report.count("service", "created") == 2
    assert report.count("service", "rejected") == 1
    assert messages(report.rejections) == [
        "Service (id 22222222-2222-4222-8222-000000000002) has no name, so it cannot be listed; "
        "it was not imported"
    ]
    assert str(report.rejections[0]).endswith("[services.json item 2]")
    assert set(m.Service.objects.values_list("name", flat=True)) == {"Service 1", "Service 3"}


@pytest.mark.django_db
def test_unknown_taxonomy_term_and_broken_references_are_rejected(tmp_path):
    term = "33333333-3333-4333-8333-333333333333"
    feed = [
        service_json(
            1,
            attributes=[{"id": "44444444-4444-4444-8444-444444444444", "taxonomy_term_id": term}],
            phones=[{"id": "55555555-5555-4555-8555-555555555555", "number": "01632 960000"}],
        ),
        {
            "id": "22222222-2222-4222-8222-000000000009",
            "name": "Orphan",
            "status": "active",
            "organization_id": "66666666-6666-4666-8666-666666666666",
        },
        {
            "id": "77777777-7777-4777-8777-777777777777",
            "location": {"id": "88888888-8888-4888-8888-888888888888", "location_type": "physical"},
            "service_id": "99999999-9999-4999-8999-999999999999",
        },
    ]
    report = import_feed(write(tmp_path, "services.json", feed))
    assert messages(report.rejections) == [
        "Service 'Orphan' (id 22222222-2222-4222-8222-000000000009) belongs to organisation id "
        "66666666-6666-4666-8666-666666666666, which is not in the feed or the directory; it "
        "was not imported",
        "Service (id 99999999-9999-4999-8999-999999999999) at location (id "
        "88888888-8888-4888-8888-888888888888) belongs to service id "
        "99999999-9999-4999-8999-999999999999, which is not in the feed or the directory; it "
        "was not imported",
        f"The taxonomy term (id {term}) of service 'Service 1' (id "
        f"22222222-2222-4222-8222-000000000001) belongs to taxonomy term id {term}, which is not "
        "in the feed or the directory; it was not imported",
    ]
    assert m.Service.objects.get().name == "Service 1"
    assert m.Phone.objects.get().number == "01632 960000"
    assert m.Location.objects.count() == 1


@pytest.mark.django_db
def test_field_problems_are_warnings_and_locality_comes_from_the_postcode(tmp_path):
    from alongside.organisations.models import Locality

    locality = Locality.objects.create(name="Wyvernbridge")
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.8, longitude=-1.55, locality=locality)
    location = {
        "id": "88888888-8888-4888-8888-888888888888",
        "location_type": "physical",
        "latitude": 53.8,
        "longitude": -1.55,
        "addresses": [
            {
                "id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa",
                "address_1": "1 Park Row",
                "city": "Leeds",
                "state_province": "West Yorkshire",
                "postal_code": "ls14ap",
                "country": "GB",
                "address_type": "physical",
            }
        ],
    }
    feed = service_json(
        1,
        email="not an email",
        minimum_age=-3,
        maximum_age=18,
        service_at_locations=[{"id": "77777777-7777-4777-8777-777777777777", "location": location}],
    )
    report = import_feed(write(tmp_path, "service.json", feed))
    assert not report.rejections
    assert [w.field for w in report.warnings] == ["email", "minimum_age"]
    service = m.Service.objects.get()
    assert (service.email, service.minimum_age, service.maximum_age) == ("", None, 18)
    stored = m.Location.objects.get()
    assert stored.locality == locality
    assert stored.addresses.get().postal_code == "LS1 4AP"


@pytest.mark.django_db
def test_the_command_prints_the_report(capsys):
    call_command("directory", "import", str(WYVERN_CSV))
    out = capsys.readouterr().out
    assert "Services: 2 new, 0 updated, 0 of them with warnings; 0 rejected" in out
    assert "Imported with warnings:\n- Taxonomy term 'Money'" in out
    assert "- Location 'Wyvern Library' (id 1c21f98e-6394-5a6f-83f7-f8df03ba996c) has the " in out
