"""The Django admin for people: validated saves, an error summary, no NHS numbers in lists."""

import datetime as dt

import pytest
from django.urls import reverse

from alongside.organisations.tests.factories import UserFactory
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory
from alongside.places.models import Postcode

pytestmark = pytest.mark.django_db

ADD = reverse("admin:people_person_add")

VALID = {
    "given_name": "Zebedee",
    "family_name": "Quartermaine",
    "date_of_birth": "1980-05-17",
    "nhs_number": "943 476 5919",
    "stated_gender": "2",
    "gender_identity": "Z",
    "ethnicity": "A",
    "postcode": "ls1 4ap",
    "preferred_language": "English",
}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_a_valid_person_is_saved_through_the_service(admin_client):
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.8, longitude=-1.55, imd_decile=3)
    response = admin_client.post(ADD, VALID)
    assert response.status_code == 302, response.content.decode()[:3000]
    person = Person.objects.get()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 4AP"
    assert person.imd_decile == 3  # derived by people.services


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"nhs_number": "943 476 5918"}, "nhs_number", "the last digit does not match"),
        ({"nhs_number": "12345"}, "nhs_number", "NHS number must be 10 numbers"),
        ({"postcode": "nowhere"}, "postcode", "Enter a full UK postcode"),
        (
            {"date_of_birth": (dt.date.today() + dt.timedelta(days=3)).isoformat()},
            "date_of_birth",
            "Date must be today or in the past",
        ),
    ],
)
def test_invalid_values_are_refused_with_an_error_summary(admin_client, changes, field, message):
    response = admin_client.post(ADD, {**VALID, **changes})
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('class="app-error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert "There is a problem" in summary
    assert f'href="#id_{field}"' in summary
    assert message in summary
    assert not Person.objects.exists()


def test_a_duplicate_nhs_number_is_refused(admin_client):
    PersonFactory(nhs_number="9434765919")
    response = admin_client.post(ADD, VALID)
    assert response.status_code == 200
    assert "Another person already has this NHS number." in response.content.decode()
    assert Person.objects.count() == 1
