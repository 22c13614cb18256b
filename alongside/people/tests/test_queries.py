"""Counts of people: the figures analysts see, worked out in the database."""

import datetime as dt

import pytest

from alongside.core.validators import nhs_check_digit
from alongside.people import queries
from alongside.people.models import EthnicCategory, StatedGender
from alongside.people.tests.factories import PersonFactory, synthetic_nhs_number

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_age_bands_change_on_the_birthday():
    PersonFactory(date_of_birth=dt.date(2008, 11, 23))  # 18 today
    PersonFactory(date_of_birth=dt.date(2008, 11, 24))  # 18 tomorrow
    PersonFactory(date_of_birth=dt.date(1951, 11, 23))  # 75 today
    PersonFactory(date_of_birth=dt.date(1990, 1, 1))  # 36
    bands = queries.counts_by_age_band(today=TODAY)
    assert bands == {
        "Under 18": 1,
        "18 to 24": 1,
        "25 to 34": 0,
        "35 to 44": 1,
        "45 to 54": 0,
        "55 to 64": 0,
        "65 to 74": 0,
        "75 and over": 1,
    }


def test_age_bands_on_29_february():
    PersonFactory(date_of_birth=dt.date(2000, 2, 28))
    assert queries.counts_by_age_band(today=dt.date(2024, 2, 29))["18 to 24"] == 1


def test_ethnic_categories_are_counted_in_their_groups():
    PersonFactory(ethnicity=EthnicCategory.WHITE_BRITISH)
    PersonFactory(ethnicity=EthnicCategory.WHITE_OTHER)
    PersonFactory(ethnicity=EthnicCategory.BLACK_AFRICAN)
    PersonFactory(ethnicity=EthnicCategory.NOT_STATED)
    counts = queries.counts_by_ethnic_group()
    assert list(counts) == [
        "White",
        "Mixed",
        "Asian or Asian British",
        "Black or Black British",
        "Other ethnic groups",
        "Not stated",
        "Not known",
    ]
    assert counts["White"] == 2
    assert counts["Black or Black British"] == 1
    assert counts["Not stated"] == 1
    assert counts["Mixed"] == 0


def test_deciles_include_not_known():
    PersonFactory(imd_decile=1)
    PersonFactory(imd_decile=None)
    counts = queries.counts_by_imd_decile()
    assert list(counts) == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, None]
    assert counts[1] == 1 and counts[None] == 1 and counts[10] == 0


def test_stated_gender_counts():
    PersonFactory.create_batch(2, stated_gender=StatedGender.FEMALE)
    assert queries.counts_by_stated_gender() == {"2": 2}


def test_registration_counts():
    PersonFactory.create_batch(3)
    counts = queries.registration_counts(today=dt.date.today())
    assert counts == {"total": 3, "recent": 3}


def test_synthetic_nhs_numbers_are_valid_and_in_the_999_range():
    from alongside.core.validators import normalise_nhs_number

    numbers = {synthetic_nhs_number() for _ in range(200)}
    assert len(numbers) == 200
    for number in numbers:
        assert number.startswith("999")
        assert normalise_nhs_number(number) == number
        assert nhs_check_digit(number[:9]) == int(number[9])
