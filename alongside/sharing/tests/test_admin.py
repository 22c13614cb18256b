"""The admin page for people goes through the access policy like every other page."""

import pytest
from django.urls import reverse

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import AccessEvent, Basis
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db

LIST = reverse("admin:people_person_changelist")


@pytest.fixture
def admin_user():
    return UserFactory(is_superuser=True, is_staff=True)


def test_a_system_administrator_without_a_basis_sees_no_one(client, admin_user):
    person = PersonFactory(family_name="Quartermaine")
    client.force_login(admin_user)
    assert "Quartermaine" not in client.get(LIST).content.decode()
    change = reverse("admin:people_person_change", args=[person.pk])
    assert client.get(change).status_code == 404
    assert client.post(change, {"given_name": "Changed"}).status_code == 404
    refused = AccessEvent.objects.filter(user=admin_user, person_id=person.pk, allowed=False)
    assert refused.count() == 2  # the look and the attempted change are both on record


def test_with_a_basis_the_list_and_record_open_audited_and_without_nhs_numbers(client, admin_user):
    membership = MembershipFactory(role=Role.PRACTITIONER, user=admin_user)
    person = PersonFactory(family_name="Quartermaine", nhs_number="9434765919")
    hidden = PersonFactory(family_name="Elsewhere")
    record_consent(
        person=person,
        organisation=membership.team.organisation,
        parts=["plan"],
        method="spoken",
        recorded_by=UserFactory(),
    )
    client.force_login(admin_user)
    html = client.get(LIST).content.decode()
    assert "Quartermaine" in html and "Elsewhere" not in html
    assert "9434765919" not in html and "943 476 5919" not in html
    assert 'id="searchbar"' not in html  # a search would put names in the URL
    assert AccessEvent.objects.filter(
        user=admin_user, person_id=person.pk, basis=Basis.CONSENT
    ).exists()
    assert not AccessEvent.objects.filter(person_id=hidden.pk).exists()
    change = reverse("admin:people_person_change", args=[person.pk])
    assert client.get(change).status_code == 200
