"""A person's record: what is refused, with what message, and that nothing is saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alongside.people.models import Person
from alongside.people.services import register_person, update_person
from alongside.places.models import Postcode

pytestmark = pytest.mark.django_db

VALID = {
    "given_name": "Ada",
    "family_name": "Testperson",
    "date_of_birth": dt.date(1980, 5, 17),
}


def test_a_valid_person_is_saved_with_normalised_identifiers():
    person = register_person(**VALID, nhs_number="943 476 5919", postcode="ls14ap")
    person.refresh_from_db()
    assert person.nhs_number == "9434765919"
    assert person.postcode == "LS1 4AP"


def test_nhs_number_is_optional():
    person = register_person(**VALID, nhs_number="")
    assert person.nhs_number is None


@pytest.mark.parametrize(
    ("nhs_number", "message"),
    [
        ("9434765918", "the last digit does not match"),  # wrong check digit
        ("943476591", "must be 10 numbers"),  # wrong length
        ("1000000010", "check digit\nwould be 10".replace("\n", " ")),
    ],
)
def test_invalid_nhs_numbers_are_refused_and_nothing_is_saved(nhs_number, message):
    with pytest.raises(ValidationError) as caught:
        register_person(**VALID, nhs_number=nhs_number)
    assert message in " ".join(caught.value.message_dict["nhs_number"])
    assert Person.objects.count() == 0


def test_malformed_postcode_is_refused():
    with pytest.raises(ValidationError) as caught:
        register_person(**VALID, postcode="LS1 4")
    assert caught.value.message_dict["postcode"] == ["Enter a full UK postcode, like LS1 4AP"]
    assert Person.objects.count() == 0


def test_date_of_birth_in_the_future_is_refused():
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        register_person(**{**VALID, "date_of_birth": tomorrow})
    assert "today or in the past" in caught.value.message_dict["date_of_birth"][0]
    assert Person.objects.count() == 0


def test_date_of_birth_before_1900_is_refused():
    with pytest.raises(ValidationError) as caught:
        register_person(**{**VALID, "date_of_birth": dt.date(1899, 12, 31)})
    assert "after 1 January 1900" in caught.value.message_dict["date_of_birth"][0]


def test_unknown_ethnicity_code_is_refused():
    with pytest.raises(ValidationError) as caught:
        register_person(**VALID, ethnicity="Q")
    assert "ethnicity" in caught.value.message_dict


def test_a_second_person_with_the_same_nhs_number_is_refused_with_a_message():
    register_person(**VALID, nhs_number="9434765919")
    with pytest.raises(ValidationError) as caught:
        register_person(**{**VALID, "given_name": "Other"}, nhs_number="9434765919")
    assert "Another person already has this NHS number." in str(caught.value)
    assert Person.objects.count() == 1


def test_the_database_itself_refuses_a_malformed_nhs_number():
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.create(**VALID, nhs_number="12345")


def test_imd_decile_is_derived_from_the_postcode_when_the_lookup_has_it():
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.8, longitude=-1.55, imd_decile=3)
    person = register_person(**VALID, postcode="LS14AP")
    assert person.imd_decile == 3
    update_person(person=person, postcode="M1 1AE")
    assert person.imd_decile is None


def test_the_string_form_of_a_person_identifies_no_one():
    person = register_person(**VALID, nhs_number="9434765919")
    assert "Ada" not in str(person)
    assert "9434765919" not in str(person)


def test_age_on_a_day():
    person = Person(**VALID)
    assert person.age_on(dt.date(2026, 5, 16)) == 45
    assert person.age_on(dt.date(2026, 5, 17)) == 46
