"""Validation of identifiers that every app shares: NHS numbers, UK postcodes, ODS codes.

Each ``normalise_*`` returns the canonical form or raises ``ValidationError`` with a message a
person can act on (the NHS.UK error message style: say what is wrong and how to fix it).
"""

from __future__ import annotations

import datetime as dt
import re

import nhs_number as nhs_number_lib
from django.core.exceptions import ValidationError
from django.utils import timezone

# The shapes Royal Mail allows: no Q, V or X first; no I, J or Z second; restricted inward letters.
_POSTCODE = re.compile(
    r"^(GIR0AA|[A-PR-UWYZ]([0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


def nhs_check_digit(nine_digits: str) -> int:
    """The modulus 11 check digit of an NHS number's first nine digits; 10 means no NHS number
    can start with them."""
    return nhs_number_lib.calculate_checksum(nine_digits)


def normalise_nhs_number(value: str) -> str:
    """Return the 10 digits of a valid NHS number; refuse anything else with a reason."""
    digits = re.sub(r"[\s-]", "", value or "")
    if not digits.isdigit():
        raise ValidationError(
            "NHS number must only include numbers, spaces and dashes", code="nhs_number_format"
        )
    if len(digits) != 10:
        raise ValidationError("NHS number must be 10 numbers", code="nhs_number_length")
    check = nhs_check_digit(digits[:9])
    if check == 10:
        raise ValidationError(
            "Enter a valid NHS number: this number cannot be an NHS number (its check digit "
            "would be 10)",
            code="nhs_number_check_digit_10",
        )
    if check != int(digits[9]) or not nhs_number_lib.is_valid(digits):
        raise ValidationError(
            "Enter a valid NHS number: the last digit does not match the others. Check it "
            "against a letter from the NHS or the NHS App",
            code="nhs_number_check_digit",
        )
    return digits


def validate_nhs_number(value: str) -> None:
    normalise_nhs_number(value)


def normalise_postcode(value: str) -> str:
    """Return a UK postcode in capitals with one space before the last three characters."""
    compact = re.sub(r"\s+", "", value or "").upper()
    if not _POSTCODE.match(compact):
        raise ValidationError("Enter a full UK postcode, like LS1 4AP", code="postcode")
    return f"{compact[:-3]} {compact[-3:]}"


def validate_postcode(value: str) -> None:
    normalise_postcode(value)


def normalise_ods_code(value: str) -> str:
    code = (value or "").strip().upper()
    if not _ODS_CODE.match(code):
        raise ValidationError(
            "ODS code must be 3 to 10 letters and numbers, like RX4 or B82005", code="ods_code"
        )
    return code


def validate_ods_code(value: str) -> None:
    normalise_ods_code(value)


def validate_not_future(value: dt.date) -> None:
    if value and value > timezone.localdate():
        raise ValidationError("Date must be today or in the past", code="future_date")
