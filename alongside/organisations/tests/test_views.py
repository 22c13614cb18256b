"""The system administrator's organisation pages."""

import pytest
from django.urls import reverse

from alongside.core.tests.html import tables
from alongside.organisations.models import Organisation, OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

VALID = {"name": "Brookfield GP Surgery", "kind": "gp_practice", "ods_code": "b82005"}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_list_shows_name_kind_ods_code_and_teams(admin_client):
    trust = OrganisationFactory(name="Wyvern Partnership Trust", ods_code="RX9")
    TeamFactory.create_batch(2, organisation=trust)
    OrganisationFactory(name="Wyvern Wellbeing", kind=OrganisationKind.VCSE, ods_code=None)
    response = admin_client.get(reverse("organisations:list"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Organisations – Alongside</title>" in html
    rows = tables(html)["All organisations (2)"]
    assert rows[0] == ["Name", "Type", "ODS code", "Teams"]
    assert ["Wyvern Partnership Trust (change)", "NHS trust", "RX9", "2"] in rows
    vcse = "Voluntary, community and social enterprise"
    assert ["Wyvern Wellbeing (change)", vcse, "None", "0"] in rows
    assert reverse("organisations:add") in html


def test_add_form_has_title_back_link_and_fields(admin_client):
    html = admin_client.get(reverse("organisations:add")).content.decode()
    assert "<title>Add an organisation – Alongside</title>" in html
    assert "nhsuk-back-link" in html
    assert 'name="ods_code"' in html
    assert 'type="radio"' in html and 'value="gp_practice"' in html


def test_a_valid_organisation_is_added_with_its_ods_code_normalised(admin_client):
    response = admin_client.post(reverse("organisations:add"), VALID)
    assert response.status_code == 302
    assert response.url == reverse("organisations:list")
    organisation = Organisation.objects.get()
    assert organisation.ods_code == "B82005"
    assert organisation.kind == OrganisationKind.GP_PRACTICE
    assert "Brookfield GP Surgery added" in admin_client.get(response.url).content.decode()


def test_ods_code_is_optional(admin_client):
    response = admin_client.post(reverse("organisations:add"), {**VALID, "ods_code": ""})
    assert response.status_code == 302
    assert Organisation.objects.get().ods_code is None


def _assert_refused(response, field_id, message):
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert f'href="#{field_id}"' in html
    assert html.count(message) >= 2  # in the summary and beside the field
    error_at = html.index(f'id="{field_id}-error"')  # the inline message, beside the field
    assert message in html[error_at : html.index("</span>", html.index("</span>", error_at) + 1)]
    assert "<title>Error: " in html


def test_a_malformed_ods_code_is_refused(admin_client):
    response = admin_client.post(reverse("organisations:add"), {**VALID, "ods_code": "B8-2005!"})
    _assert_refused(response, "id_ods_code", "ODS code must be 3 to 10 letters and numbers")
    assert not Organisation.objects.exists()


def test_a_duplicate_ods_code_is_refused_beside_the_field(admin_client):
    OrganisationFactory(name="The first one", ods_code="B82005")
    response = admin_client.post(reverse("organisations:add"), VALID)
    _assert_refused(response, "id_ods_code", "Another organisation already has this ODS code.")
    assert Organisation.objects.count() == 1


def test_missing_name_and_type_are_refused(admin_client):
    response = admin_client.post(reverse("organisations:add"), {"name": "", "ods_code": ""})
    html = response.content.decode()
    assert "Enter the organisation&#39;s name" in html or "Enter the organisation's name" in html
    assert 'href="#id_kind"' in html and "Select the type of organisation" in html
    assert not Organisation.objects.exists()


def test_change_saves_new_values(admin_client):
    organisation = OrganisationFactory(name="Old name", ods_code="RX4")
    url = reverse("organisations:change", args=[organisation.pk])
    html = admin_client.get(url).content.decode()
    assert "<title>Change Old name – Alongside</title>" in html
    assert 'value="RX4"' in html
    response = admin_client.post(
        url, {"name": "New name", "kind": "nhs_trust", "ods_code": "rx4", "website": ""}
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "New name"
    assert organisation.ods_code == "RX4"


def test_change_refuses_another_organisations_ods_code(admin_client):
    OrganisationFactory(ods_code="RX4")
    organisation = OrganisationFactory(name="Mine", ods_code="RX9")
    url = reverse("organisations:change", args=[organisation.pk])
    response = admin_client.post(url, {"name": "Mine", "kind": "nhs_trust", "ods_code": "RX4"})
    _assert_refused(response, "id_ods_code", "Another organisation already has this ODS code.")
    assert "<title>Error: Change Mine – Alongside</title>" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.ods_code == "RX9"


def test_a_gp_practice_can_name_its_primary_care_network(admin_client):
    pcn = OrganisationFactory(name="Wyvern Central PCN", kind=OrganisationKind.PCN)
    response = admin_client.post(reverse("organisations:add"), {**VALID, "parent": str(pcn.pk)})
    assert response.status_code == 302
    assert Organisation.objects.get(ods_code="B82005").parent == pcn


@pytest.mark.parametrize(
    "url",
    [
        reverse("organisations:list"),
        reverse("organisations:add"),
        reverse("organisations:change", args=[1]),
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("role", [Role.ORG_ADMIN, Role.TEAM_LEAD, Role.PRACTITIONER])
def test_anyone_but_a_system_admin_is_refused(client, role):
    membership = MembershipFactory(role=role)
    client.force_login(membership.user)
    for url in [reverse("organisations:list"), reverse("organisations:add")]:
        response = client.get(url)
        assert response.status_code == 403
        assert "You cannot open this page" in response.content.decode()
    response = client.post(reverse("organisations:add"), VALID)
    assert response.status_code == 403
    assert not Organisation.objects.filter(ods_code="B82005").exists()
