"""The demo's service directory: reproducible, realistic, and safe to flush."""

import datetime as dt

import pytest

from alongside.demo import data
from alongside.demo.directory import TAXONOMY_NAME, service_count
from alongside.demo.generator import flush, generate
from alongside.demo.tests.pinned import AS_OF
from alongside.directory import queries
from alongside.directory.models import (
    DirectoryOrganization,
    Location,
    Phone,
    Schedule,
    Service,
    ServiceAtLocation,
    Taxonomy,
    TaxonomyTerm,
)
from alongside.organisations.models import OrganisationKind
from alongside.places.models import Postcode

SMALL = 300


def directory_snapshot() -> list:
    return sorted(
        Service.objects.values_list(
            "name",
            "organization__name",
            "minimum_age",
            "maximum_age",
            "accepts_self_referral",
            "last_reviewed_on",
            "email",
            "service_at_locations__location__latitude",
            "attributes__taxonomy_term__code",
        ),
        key=repr,
    )


def test_the_number_of_services_grows_with_the_place():
    assert service_count(2_000) == 150
    assert service_count(25_000) == 1_500
    assert 150 < service_count(10_000) < 1_500
    assert service_count(300) >= 20


@pytest.mark.django_db
def test_the_directory_has_needs_organisations_and_services():
    counts = generate(7, SMALL, as_of=AS_OF)
    assert counts["services"] == service_count(SMALL) == Service.objects.count()
    taxonomy = Taxonomy.objects.get(name=TAXONOMY_NAME)
    names = set(taxonomy.terms.values_list("name", flat=True))
    assert {"Low mood", "Anxiety", "Loneliness", "Debt and money", "Housing", "Crisis"} <= names
    kinds = set(DirectoryOrganization.objects.values_list("organisation__kind", flat=True))
    assert {OrganisationKind.NHS_TRUST, OrganisationKind.VCSE, OrganisationKind.PCN} <= kinds
    assert not DirectoryOrganization.objects.filter(organisation__isnull=True).exists()


@pytest.mark.django_db
def test_every_service_has_a_need_and_a_location_in_the_place():
    generate(7, SMALL, as_of=AS_OF)
    for service in Service.objects.prefetch_related(
        "taxonomy_terms", "service_at_locations__location__addresses", "localities"
    ):
        assert 1 <= len(service.taxonomy_terms.all()) <= 3
        (link,) = service.service_at_locations.all()
        location = link.location
        assert location.locality.code.startswith(data.LOCALITY_CODE_PREFIX)
        (address,) = location.addresses.all()
        postcode = Postcode.objects.get(postcode=address.postal_code)
        assert (location.latitude, location.longitude) == (postcode.latitude, postcode.longitude)
        assert postcode.locality_id == location.locality_id
        assert [loc.pk for loc in service.localities.all()] == [location.locality_id]
        assert service.email.endswith(data.DOMAIN_SUFFIX)
        assert AS_OF - dt.timedelta(days=548) <= service.last_reviewed_on
        assert service.last_reviewed_on <= AS_OF


@pytest.mark.django_db
def test_the_directory_is_realistic():
    generate(7, 2_000, as_of=AS_OF)
    services = Service.objects.all()
    total = services.count()
    assert total == 150
    self_referral = services.filter(accepts_self_referral=True).count() / total
    assert 0.3 < self_referral < 0.8
    assert services.filter(minimum_age=18).count() > total / 2
    assert services.filter(minimum_age=16, maximum_age=25).exists()
    assert services.filter(minimum_age=65).exists()
    assert queries.not_reviewed_since(AS_OF - dt.timedelta(days=183)).exists()
    for phone in Phone.objects.values_list("number", flat=True):
        assert phone.startswith(("01632 960", "07700 900")), phone
    assert Schedule.objects.filter(byday__contains="SA").exists()
    assert Schedule.objects.filter(opens_at__gte=dt.time(18)).exists()
    assert services.filter(languages__name="Urdu").exists()
    assert services.exclude(languages__name="English").count() == 0
    localities = Location.objects.values("locality").distinct().count()
    assert localities == len(data.LOCALITIES)
    organisations = services.values("organization").distinct().count()
    assert organisations >= 10
    sample = services.first()
    sample.full_clean(exclude=["search_vector"])


@pytest.mark.django_db
def test_the_directory_is_reproducible_and_flushed():
    generate(7, SMALL, as_of=AS_OF)
    first = directory_snapshot()
    flush()
    for model in (Service, Location, ServiceAtLocation, DirectoryOrganization, TaxonomyTerm):
        assert not model.objects.exists(), model
    generate(7, SMALL, as_of=AS_OF)
    assert directory_snapshot() == first
