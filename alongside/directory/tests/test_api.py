"""The public Open Referral UK API: shapes checked against the UK profile, parameters, errors."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from alongside.core.access import declaration
from alongside.directory import models as m
from alongside.directory.api_urls import urlpatterns
from alongside.directory.interchange import schema
from alongside.directory.tests.standards import needs_standards
from alongside.places.models import Postcode

API = "/directory/api"


def build_service(
    name: str,
    *,
    organization: m.DirectoryOrganization | None = None,
    term: m.TaxonomyTerm | None = None,
    point: tuple[float, float] | None = (53.80, -1.55),
    status: str = m.ServiceStatus.ACTIVE,
    **fields,
) -> m.Service:
    """A service with one of everything the full shape shows."""
    organization = organization or m.DirectoryOrganization.objects.create(
        name=f"{name} provider", description="A provider"
    )
    service = m.Service.objects.create(
        organization=organization,
        name=name,
        description=f"{name} for adults.",
        status=status,
        how_to_refer="STAFF-ONLY referral route",
        last_modified=dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        **fields,
    )
    if term is not None:
        m.ServiceTerm.objects.create(service=service, taxonomy_term=term, link_type="need")
    location = m.Location.objects.create(
        organization=organization,
        name=f"{name} centre",
        latitude=point[0] if point else None,
        longitude=point[1] if point else None,
    )
    m.Address.objects.create(
        location=location,
        address_1="1 Park Row",
        city="Leeds",
        state_province="West Yorkshire",
        postal_code="LS1 4AP",
    )
    m.Accessibility.objects.create(location=location, description="Step-free")
    sal = m.ServiceAtLocation.objects.create(service=service, location=location)
    m.Schedule.objects.create(
        service_at_location=sal,
        freq="WEEKLY",
        byday="MO",
        opens_at=dt.time(9),
        closes_at=dt.time(17),
    )
    m.Phone.objects.create(service=service, number="01632 960123")
    contact = m.Contact.objects.create(service=service, name="Reception")
    m.Phone.objects.create(contact=contact, number="01632 960124")
    m.Schedule.objects.create(service=service, freq="WEEKLY", byday="TU")
    m.Language.objects.create(service=service, name="English", code="en")
    m.CostOption.objects.create(service=service, option="Free", amount=0)
    m.ServiceArea.objects.create(service=service, name="Leeds")
    return service


@pytest.fixture
def term():
    taxonomy = m.Taxonomy.objects.create(name="Needs", description="What people need")
    parent = m.TaxonomyTerm.objects.create(taxonomy=taxonomy, name="Wellbeing", description="-")
    return m.TaxonomyTerm.objects.create(
        taxonomy=taxonomy, name="Low mood", description="Feeling low", parent=parent
    )


def get(client, path: str, status: int = 200) -> dict:
    response = client.get(f"{API}{path}")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(
        "application/json" if status == 200 else "application/problem+json"
    )
    return response.json()


def test_every_api_view_declares_it_reaches_no_person():
    for pattern in urlpatterns:
        assert declaration(pattern.callback) == "no_person_data"


@pytest.mark.django_db
@needs_standards
def test_service_full_is_valid_against_the_profile(client, term):
    service = build_service("Talking Therapies", term=term, accepts_self_referral=True)
    assert schema.errors("service", get(client, f"/services/{service.id}")) == []


@pytest.mark.django_db
def test_service_full_never_shows_how_to_refer(client, term):
    service = build_service("Talking Therapies", term=term, accepts_self_referral=True)
    body = get(client, f"/services/{service.id}")
    assert body["last_modified"] == "2026-01-02T03:04:05Z"
    assert body["organization"]["id"] == str(service.organization_id)
    assert body["attributes"][0] == {
        "id": str(service.attributes.get().id),
        "link_id": str(service.id),
        "link_entity": "service",
        "taxonomy_term_id": str(term.id),
        "taxonomy_term": {
            "id": str(term.id),
            "name": "Low mood",
            "description": "Feeling low",
            "parent_id": str(term.parent_id),
            "taxonomy_id": str(term.taxonomy_id),
            "term": "Low mood",
        },
        "link_type": "need",
    }
    location = body["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "LS1 4AP"
    assert body["contacts"][0]["phones"][0]["number"] == "01632 960124"
    text = str(body)
    assert "STAFF-ONLY" not in text
    assert "how_to_refer" not in text
    assert "accepts_self_referral" not in text
    assert "" not in [v for v in body.values() if isinstance(v, str)]


@pytest.mark.django_db
@needs_standards
def test_every_list_is_valid_against_the_profile(client, term):
    service = build_service("Talking Therapies", term=term)
    for path, entity in [
        ("/services", "service"),
        ("/service_at_locations", "service_at_location"),
        ("/organizations", "organization"),
        ("/taxonomies", "taxonomy"),
        ("/taxonomy_terms", "taxonomy_term"),
    ]:
        body = get(client, path)
        assert schema.validate_page(entity, body) == [], path
        assert body["total_items"] >= 1
    org = get(client, f"/organizations/{service.organization_id}")
    assert schema.errors("organization", org) == []
    assert [s["id"] for s in org["services"]] == [str(service.id)]


@pytest.mark.django_db
def test_paging_envelope(client):
    organization = m.DirectoryOrganization.objects.create(name="Org", description="-")
    for number in range(5):
        m.Service.objects.create(organization=organization, name=f"Service {number}")
    m.Service.objects.create(organization=organization, name="Closed", status="defunct")
    body = get(client, "/services?per_page=2&page=2")
    assert {k: v for k, v in body.items() if k != "contents"} == {
        "total_items": 5,
        "total_pages": 3,
        "page_number": 2,
        "size": 2,
        "first_page": False,
        "last_page": False,
        "empty": False,
    }
    assert [s["name"] for s in body["contents"]] == ["Service 2", "Service 3"]
    beyond = get(client, "/services?per_page=2&page=4")
    assert beyond["empty"] is True and beyond["last_page"] is True and beyond["contents"] == []


@pytest.mark.django_db
def test_search_finds_by_name_and_terms_filter(client, term):
    build_service("Talking Therapies", term=term)
    build_service("Debt Advice")
    names = [s["name"] for s in get(client, "/services?search=therapies")["contents"]]
    assert names == ["Talking Therapies"]
    names = [s["name"] for s in get(client, f"/services?taxonomy_term_id={term.id}")["contents"]]
    assert names == ["Talking Therapies"]
    tid = term.taxonomy_id
    assert get(client, f"/services?taxonomy_id={tid}")["total_items"] == 1
    assert get(client, "/services?minimum_age=18")["total_items"] == 2
    sals = get(client, f"/service_at_locations?taxonomy_term_id={term.id}")["contents"]
    assert [s["service"]["name"] for s in sals] == ["Talking Therapies"]


@pytest.mark.django_db
def test_ages_filter(client):
    build_service("Young People", minimum_age=11, maximum_age=18)
    build_service("Older People", minimum_age=65)
    assert [s["name"] for s in get(client, "/services?minimum_age=30")["contents"]] == [
        "Older People"
    ]
    assert [s["name"] for s in get(client, "/services?maximum_age=20")["contents"]] == [
        "Young People"
    ]


@pytest.mark.django_db
def test_postcode_and_proximity_order_by_distance(client):
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.7997, longitude=-1.5492)
    build_service("Far", point=(53.95, -1.08))  # York, about 35 km
    build_service("Near", point=(53.80, -1.55))
    build_service("Middle", point=(53.69, -1.50))  # about 12 km
    names = [s["name"] for s in get(client, "/services?postcode=ls14ap")["contents"]]
    assert names == ["Near", "Middle", "Far"]
    sals = get(client, "/service_at_locations?postcode=LS1%204AP&proximity=20000")["contents"]
    assert [s["service"]["name"] for s in sals] == ["Near", "Middle"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "parameter", "reason"),
    [
        ("page=two", "page", "must be a whole number, not 'two'"),
        ("page=0", "page", "must be between 1 and 1000000"),
        ("per_page=0", "per_page", "must be between 1 and 100"),
        ("per_page=101", "per_page", "must be between 1 and 100"),
        ("taxonomy_term_id=abc", "taxonomy_term_id", "'abc' is not a UUID"),
        (
            "taxonomy_term_id=00000000-0000-4000-8000-000000000000",
            "taxonomy_term_id",
            "no taxonomy term 00000000-0000-4000-8000-000000000000",
        ),
        ("postcode=NOTAPOSTCODE", "postcode", "'NOTAPOSTCODE' is not a full UK postcode"),
        ("postcode=ZE1%200AA", "postcode", "ZE1 0AA is not in our postcode lookup"),
        ("proximity=500", "proximity", "needs a postcode to measure from"),
        ("minimum_age=-1", "minimum_age", "must not be negative"),
        ("maximum_age=old", "maximum_age", "must be a number, not 'old'"),
        ("day=MO", "day", "not supported by this directory yet"),
        ("minimum_age=1e308", "minimum_age", "must not be above 150"),
        ("maximum_age=nan", "maximum_age", "must be a number, not 'nan'"),
        ("search=a%00b", "search", "must not contain a NUL character"),
        ("organization_id=7", "organization_id", "'7' is not a UUID"),
    ],
)
def test_bad_parameters_are_400_with_a_reason(client, query, parameter, reason):
    for path in ("/services", "/service_at_locations"):
        body = get(client, f"{path}?{query}", status=400)
        assert body == {
            "type": "about:blank",
            "title": "Bad request parameter",
            "status": 400,
            "detail": f"{parameter}: {reason}",
            "parameter": parameter,
        }


@pytest.mark.django_db
def test_taxonomy_terms_filters(client, term):
    assert get(client, "/taxonomy_terms?top_only=true")["contents"][0]["name"] == "Wellbeing"
    children = get(client, f"/taxonomy_terms?parent_id={term.parent_id}")["contents"]
    assert [t["name"] for t in children] == ["Low mood"]
    assert get(client, f"/taxonomy_terms?taxonomy_id={uuid.uuid4()}")["total_items"] == 0
    get(client, "/taxonomy_terms?per_page=500", status=400)
    get(client, "/taxonomy_terms?top_only=maybe", status=400)


@pytest.mark.django_db
def test_unknown_ids_are_404_json(client):
    for path in (
        f"/services/{uuid.uuid4()}",
        "/services/not-a-uuid",
        f"/organizations/{uuid.uuid4()}",
    ):
        body = get(client, path, status=404)
        assert body["status"] == 404 and body["title"] == "Not found"


@pytest.mark.django_db
def test_inactive_services_are_left_out_of_lists_but_found_by_id(client):
    closed = build_service("Closed", status=m.ServiceStatus.DEFUNCT)
    assert get(client, "/services")["total_items"] == 0
    assert get(client, "/service_at_locations")["total_items"] == 0
    assert get(client, f"/services/{closed.id}")["status"] == "defunct"


@pytest.mark.django_db
def test_the_api_is_read_only(client):
    assert client.post(f"{API}/services").status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    ["/services", "/service_at_locations?postcode=LS1%204AP", "/organizations", "/taxonomy_terms"],
)
def test_query_count_does_not_grow_with_the_page(client, term, django_assert_max_num_queries, path):
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.7997, longitude=-1.5492)
    organization = m.DirectoryOrganization.objects.create(name="Org", description="-")
    for number in range(5):
        build_service(f"Service {number:02d}", organization=organization, term=term)
    with django_assert_max_num_queries(20) as few:
        get(client, f"{path}&per_page=100" if "?" in path else f"{path}?per_page=100")
    for number in range(5, 50):
        build_service(f"Service {number:02d}", organization=organization, term=term)
    with django_assert_max_num_queries(len(few.captured_queries)):
        get(client, f"{path}&per_page=100" if "?" in path else f"{path}?per_page=100")


@pytest.mark.django_db
def test_service_full_query_count_is_fixed(client, term, django_assert_max_num_queries):
    service = build_service("One", term=term)
    with django_assert_max_num_queries(25):
        get(client, f"/services/{service.id}")
