"""The Django admin for organisations, teams and memberships, and for postcodes."""

import pytest
from django.urls import reverse

from alongside.organisations.models import Organisation, Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.places.models import Postcode

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "model",
    [
        "organisations_organisation",
        "organisations_alliance",
        "organisations_locality",
        "organisations_team",
        "organisations_membership",
        "places_postcode",
    ],
)
def test_every_list_and_add_page_opens(admin_client, model):
    TeamFactory(localities=[LocalityFactory()])
    MembershipFactory(role=Role.TEAM_LEAD)
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.8, longitude=-1.55)
    assert admin_client.get(reverse(f"admin:{model}_changelist")).status_code == 200
    assert admin_client.get(reverse(f"admin:{model}_add")).status_code == 200


def test_a_duplicate_ods_code_is_refused_with_an_error_summary(admin_client):
    OrganisationFactory(ods_code="RX4")
    response = admin_client.post(
        reverse("admin:organisations_organisation_add"),
        {"name": "Copy", "kind": "nhs_trust", "ods_code": "rx4", "website": ""},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="app-error-summary"' in html
    assert "Another organisation already has this ODS code." in html
    assert Organisation.objects.count() == 1


def test_a_valid_organisation_is_saved_with_its_code_normalised(admin_client):
    response = admin_client.post(
        reverse("admin:organisations_organisation_add"),
        {"name": "New practice", "kind": "gp_practice", "ods_code": "b82005", "website": ""},
    )
    assert response.status_code == 302
    assert Organisation.objects.get().ods_code == "B82005"


def test_the_admin_change_form_is_not_read_by_the_jinja2_backend():
    from django.template import engines
    from django.template.exceptions import TemplateDoesNotExist

    with pytest.raises(TemplateDoesNotExist):
        engines["jinja2"].get_template("admin/change_form.html")
    template = engines["django"].get_template("admin/change_form.html")
    assert "django_templates" in template.origin.name
