"""'Add a person': who may use it, what it saves, and what it refuses."""

import datetime as dt

import pytest
from django.urls import reverse

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory, synthetic_nhs_number

pytestmark = pytest.mark.django_db

URL = reverse("people:add")

VALID = {
    "given_name": "Zebedee",
    "family_name": "Quartermaine",
    "date_of_birth-day": "17",
    "date_of_birth-month": "5",
    "date_of_birth-year": "1980",
    "nhs_number": "943 476 5919",
    "stated_gender": "2",
    "ethnicity": "R",
    "postcode": "ls1 4ap",
    "phone": "0113 496 0000",
    "email": "zq@example.org.uk",
    "preferred_language": "English",
    "interpreter_needed": "on",
    "communication_needs": "Large print",
    "access_needs": "Step-free access",
    "consent": "no",
}


@pytest.fixture
def coordinator_client(client):
    client.force_login(MembershipFactory(role=Role.COORDINATOR).user)
    return client


def test_the_form_has_a_title_back_link_and_three_date_boxes(coordinator_client):
    response = coordinator_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Add a person – Alongside</title>" in html
    assert "nhsuk-back-link" in html
    for name in ["date_of_birth-day", "date_of_birth-month", "date_of_birth-year"]:
        assert f'name="{name}"' in html
    assert 'id="id_stated_gender"' in html  # the first radio carries the field's id


def test_a_valid_person_is_registered_and_the_banner_names_no_one(coordinator_client):
    response = coordinator_client.post(URL, VALID)
    assert response.status_code == 302
    assert response.url == reverse("referrals:refer")
    person = Person.objects.get()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 4AP"
    assert person.date_of_birth == dt.date(1980, 5, 17)
    assert person.interpreter_needed is True
    assert person.ethnicity == "R"

    html = coordinator_client.get(response.url).content.decode()
    assert "nhsuk-notification-banner--success" in html
    assert f"Person record created – reference {person.pk}" in html
    assert "Quartermaine" not in html
    assert "Zebedee" not in html
    assert "9434765919" not in html and "943 476 5919" not in html


def test_only_name_date_of_birth_and_the_sharing_question_are_needed(coordinator_client):
    minimal = {
        key: VALID[key]
        for key in [
            "given_name",
            "family_name",
            "date_of_birth-day",
            "date_of_birth-month",
            "date_of_birth-year",
        ]
    }
    response = coordinator_client.post(
        URL,
        {
            **minimal,
            "stated_gender": "X",
            "ethnicity": "99",
            "preferred_language": "English",
            "consent": "no",
        },
    )
    assert response.status_code == 302
    person = Person.objects.get()
    assert person.nhs_number is None
    assert person.postcode == ""


def refused(client, changes, field_id, message):
    before = Person.objects.count()
    response = client.post(URL, {**VALID, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Add a person – Alongside</title>" in html
    assert "There is a problem" in html
    assert f'href="#{field_id}"' in html, f"no summary link to {field_id}"
    # A date's error belongs to its group of three boxes, whose id is the field's plus "-date".
    error_id = f"{field_id}-date-error" if "date_of_birth" in field_id else f"{field_id}-error"
    error_at = html.index(f'id="{error_id}"')
    inline = html[error_at : html.index("</span>", html.index("</span>", error_at) + 1)]
    assert message in inline, inline
    summary = html[html.index("nhsuk-error-summary") : html.index("<h1")]
    assert message in summary
    assert Person.objects.count() == before
    return html


@pytest.mark.parametrize(
    ("nhs_number", "message"),
    [
        ("943 476 5918", "the last digit does not match the others"),
        ("943476591", "NHS number must be 10 numbers"),
        ("94347659190", "NHS number must be 10 numbers"),
        ("943-476-591X", "NHS number must only include numbers, spaces and dashes"),
    ],
)
def test_an_invalid_nhs_number_is_refused(coordinator_client, nhs_number, message):
    html = refused(coordinator_client, {"nhs_number": nhs_number}, "id_nhs_number", message)
    assert f'value="{nhs_number}"' in html  # what was typed is kept, to be corrected


def test_a_duplicate_nhs_number_is_refused(coordinator_client):
    existing = PersonFactory(nhs_number=synthetic_nhs_number())
    refused(
        coordinator_client,
        {"nhs_number": existing.nhs_number},
        "id_nhs_number",
        "Another person already has this NHS number.",
    )


@pytest.mark.parametrize("postcode", ["LS1", "QQ1 1AA", "not a postcode", "LS1 4AP 9"])
def test_a_malformed_postcode_is_refused(coordinator_client, postcode):
    refused(coordinator_client, {"postcode": postcode}, "id_postcode", "Enter a full UK postcode")


def test_a_date_of_birth_in_the_future_is_refused(coordinator_client):
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    refused(
        coordinator_client,
        {
            "date_of_birth-day": str(tomorrow.day),
            "date_of_birth-month": str(tomorrow.month),
            "date_of_birth-year": str(tomorrow.year),
        },
        "id_date_of_birth",
        "Date of birth must be today or in the past",
    )


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ({"date_of_birth-year": ""}, "Date of birth must include a year"),
        (
            {"date_of_birth-month": "", "date_of_birth-year": ""},
            "Date of birth must include a month and a year",
        ),
        ({"date_of_birth-month": "13"}, "Date of birth must be a real date"),
        (
            {"date_of_birth-day": "31", "date_of_birth-month": "2"},
            "Date of birth must be a real date",
        ),
        ({"date_of_birth-year": "1850"}, "Date of birth must be after 1 January 1900"),
    ],
)
def test_an_incomplete_or_impossible_date_of_birth_is_refused(coordinator_client, parts, message):
    refused(coordinator_client, parts, "id_date_of_birth", message)


def test_a_missing_date_of_birth_and_names_are_refused(coordinator_client):
    html = refused(
        coordinator_client,
        {
            "given_name": "",
            "date_of_birth-day": "",
            "date_of_birth-month": "",
            "date_of_birth-year": "",
        },
        "id_date_of_birth",
        "Enter the person&#39;s date of birth",
    )
    assert 'href="#id_given_name"' in html


def test_a_bad_email_is_refused(coordinator_client):
    refused(coordinator_client, {"email": "not-an-email"}, "id_email", "Enter an email address")


def test_a_team_lead_may_add_a_person(client):
    client.force_login(MembershipFactory(role=Role.TEAM_LEAD).user)
    assert client.get(URL).status_code == 200
    assert client.post(URL, VALID).status_code == 302


def test_anonymous_people_are_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SUPERVISOR, Role.ANALYST, Role.ORG_ADMIN])
def test_other_roles_are_refused(client, role):
    client.force_login(MembershipFactory(role=role).user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert not Person.objects.exists()


def test_an_ended_coordinator_role_no_longer_counts(client):
    membership = MembershipFactory(role=Role.COORDINATOR, ended_on=dt.date(2025, 1, 1))
    client.force_login(membership.user)
    assert client.get(URL).status_code == 403


def test_a_system_admin_without_a_team_role_is_refused(client):
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(URL).status_code == 403


def test_the_sharing_question_must_be_answered(coordinator_client):
    response = coordinator_client.post(URL, {k: v for k, v in VALID.items() if k != "consent"})
    assert response.status_code == 200
    assert "Select whether the person agreed to share their record" in response.content.decode()
    assert Person.objects.count() == 0


def test_registering_with_consent_gives_no_relationship_with_the_new_record(client):
    """Consent is a lawful basis, not a relationship (ADR-009): the coordinator who registers a
    person is sent to make a referral for them, and the record stays closed to them until a
    relationship exists."""
    from alongside.sharing.models import AccessEvent, Basis, Consent

    membership = MembershipFactory(role=Role.COORDINATOR)
    client.force_login(membership.user)
    response = client.post(URL, {**VALID, "consent": "spoken"})
    person = Person.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("referrals:refer")
    consent = Consent.objects.get(person=person)
    assert consent.organisation == membership.team.organisation
    assert consent.method == "spoken" and consent.recorded_by == membership.user
    page = client.get(reverse("people:record", kwargs={"person_id": person.pk}))
    assert page.status_code == 404
    assert "Quartermaine" not in page.content.decode()
    assert AccessEvent.objects.filter(
        person_id=person.pk, user=membership.user, basis=Basis.NONE, allowed=False
    ).exists()
