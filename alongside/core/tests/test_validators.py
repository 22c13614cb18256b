import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from alongside.core.validators import (
    normalise_nhs_number,
    normalise_ods_code,
    normalise_postcode,
    validate_not_future,
)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("9434765919", "9434765919"), ("943 476 5919", "9434765919"), ("943-476-5919", "9434765919")],
)
def test_valid_nhs_numbers_are_normalised(given, expected):
    assert normalise_nhs_number(given) == expected


@pytest.mark.parametrize(
    ("given", "code"),
    [
        ("9434765918", "nhs_number_check_digit"),  # wrong check digit
        ("943476591", "nhs_number_length"),  # nine digits
        ("94347659190", "nhs_number_length"),  # eleven digits
        ("94347659AB", "nhs_number_format"),
        (
            "1000000010",
            "nhs_number_check_digit_10",
        ),  # the first nine digits give a check digit of 10
    ],
)
def test_invalid_nhs_numbers_are_refused_with_a_reason(given, code):
    with pytest.raises(ValidationError) as caught:
        normalise_nhs_number(given)
    assert caught.value.code == code


def test_check_digit_ten_case_really_has_check_digit_ten():
    import nhs_number

    assert nhs_number.calculate_checksum("100000001") == 10


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("ls14ap", "LS1 4AP"),
        (" sw1a 1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("b338th", "B33 8TH"),
    ],
)
def test_postcodes_are_normalised(given, expected):
    assert normalise_postcode(given) == expected


@pytest.mark.parametrize("given", ["", "LS1", "12345", "LS1 4A", "QQ1 1AA", "LS1 4CI"])
def test_malformed_postcodes_are_refused(given):
    with pytest.raises(ValidationError, match="Enter a full UK postcode"):
        normalise_postcode(given)


def test_ods_codes_are_upper_cased_and_checked():
    assert normalise_ods_code(" rx4 ") == "RX4"
    with pytest.raises(ValidationError):
        normalise_ods_code("R!")


def test_future_dates_are_refused():
    validate_not_future(dt.date.today())
    with pytest.raises(ValidationError, match="today or in the past"):
        validate_not_future(dt.date.today() + dt.timedelta(days=1))
