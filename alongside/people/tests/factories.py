"""Factories for people who need support. Synthetic only: NHS numbers in the 999 range."""

from __future__ import annotations

import datetime as dt
import itertools

import factory
from factory.django import DjangoModelFactory

from alongside.core.validators import nhs_check_digit
from alongside.people.models import EthnicCategory, Person, StatedGender

_serial = itertools.count(1)


def synthetic_nhs_number() -> str:
    """A valid NHS number in the 999 range (never issued to a real person), new on every call."""
    while True:
        body = f"999{next(_serial) % 1_000_000:06d}"
        check = nhs_check_digit(body)
        if check != 10:
            return f"{body}{check}"


class PersonFactory(DjangoModelFactory):
    class Meta:
        model = Person

    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker(
        "date_between", start_date=dt.date(1940, 1, 1), end_date=dt.date(2004, 12, 31)
    )
    nhs_number = factory.LazyFunction(synthetic_nhs_number)
    stated_gender = factory.Iterator([StatedGender.FEMALE, StatedGender.MALE])
    ethnicity = EthnicCategory.WHITE_BRITISH
    postcode = factory.Iterator(["LS1 4AP", "LS6 2QD", "LS9 7TF", "LS11 5DX"])
    imd_decile = factory.Iterator([1, 3, 5, 8])
