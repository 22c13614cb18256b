"""The person who needs support.

Person data is reached through the sharing module's access check, never ``Person.objects`` in a
view. Writes go through ``people.services``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pghistory
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models

from alongside.core.validators import (
    normalise_nhs_number,
    normalise_postcode,
    validate_nhs_number,
    validate_not_future,
    validate_postcode,
)


class EthnicCategory(models.TextChoices):
    """NHS Data Dictionary ETHNIC CATEGORY codes (the 2001 Census classification MHSDS uses)."""

    WHITE_BRITISH = "A", "White – British"
    WHITE_IRISH = "B", "White – Irish"
    WHITE_OTHER = "C", "White – any other White background"
    MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed – White and Black Caribbean"
    MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed – White and Black African"
    MIXED_WHITE_ASIAN = "F", "Mixed – White and Asian"
    MIXED_OTHER = "G", "Mixed – any other mixed background"
    ASIAN_INDIAN = "H", "Asian or Asian British – Indian"
    ASIAN_PAKISTANI = "J", "Asian or Asian British – Pakistani"
    ASIAN_BANGLADESHI = "K", "Asian or Asian British – Bangladeshi"
    ASIAN_OTHER = "L", "Asian or Asian British – any other Asian background"
    BLACK_CARIBBEAN = "M", "Black or Black British – Caribbean"
    BLACK_AFRICAN = "N", "Black or Black British – African"
    BLACK_OTHER = "P", "Black or Black British – any other Black background"
    CHINESE = "R", "Other ethnic groups – Chinese"
    OTHER = "S", "Other ethnic groups – any other ethnic group"
    NOT_STATED = "Z", "Not stated"
    NOT_KNOWN = "99", "Not known"


ETHNIC_GROUPS: dict[str, str] = {
    **dict.fromkeys("ABC", "White"),
    **dict.fromkeys("DEFG", "Mixed"),
    **dict.fromkeys("HJKL", "Asian or Asian British"),
    **dict.fromkeys("MNP", "Black or Black British"),
    **dict.fromkeys("RS", "Other ethnic groups"),
    "Z": "Not stated",
    "99": "Not known",
}


class StatedGender(models.TextChoices):
    """NHS Data Dictionary PERSON STATED GENDER CODE (MHSDS MPI 'gender')."""

    MALE = "1", "Male"
    FEMALE = "2", "Female"
    INDETERMINATE = "9", "Indeterminate (unable to be classified as male or female)"
    NOT_KNOWN = "X", "Not known"


class GenderIdentity(models.TextChoices):
    """NHS Data Dictionary GENDER IDENTITY CODE."""

    MALE = "1", "Male, including trans man"
    FEMALE = "2", "Female, including trans woman"
    NON_BINARY = "3", "Non-binary"
    OTHER = "4", "Other"
    NOT_KNOWN = "X", "Not known"
    NOT_STATED = "Z", "Not stated"


EARLIEST_BIRTH_DATE = dt.date(1900, 1, 1)


def _normalised_or_as_given(normalise: Callable[[str], str], value: str) -> str:
    """The canonical form when the value is valid; otherwise leave it for the field validator."""
    try:
        return normalise(value)
    except ValidationError:
        return value


@pghistory.track()
class Person(models.Model):
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(
        validators=[
            validate_not_future,
            MinValueValidator(
                EARLIEST_BIRTH_DATE, message="Date of birth must be after 1 January 1900"
            ),
        ]
    )
    nhs_number = models.CharField(
        "NHS number", max_length=10, null=True, blank=True, validators=[validate_nhs_number]
    )
    stated_gender = models.CharField(
        "gender", max_length=1, choices=StatedGender.choices, default=StatedGender.NOT_KNOWN
    )
    gender_identity = models.CharField(
        max_length=1, choices=GenderIdentity.choices, default=GenderIdentity.NOT_STATED
    )
    ethnicity = models.CharField(
        max_length=2, choices=EthnicCategory.choices, default=EthnicCategory.NOT_KNOWN
    )
    address = models.TextField(blank=True)
    postcode = models.CharField(max_length=8, blank=True, validators=[validate_postcode])
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    preferred_language = models.CharField(max_length=60, default="English")
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(
        blank=True, help_text="For example British Sign Language, easy read, large print."
    )
    access_needs = models.TextField(blank=True)
    carer_name = models.CharField(max_length=200, blank=True)
    carer_relationship = models.CharField(max_length=60, blank=True)
    carer_phone = models.CharField(max_length=30, blank=True)
    registered_gp_practice = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registered_people",
        limit_choices_to={"kind": "gp_practice"},
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="person",
        help_text="The person's own sign-in to the portal, once they have one.",
    )
    imd_decile = models.PositiveSmallIntegerField(
        "IMD decile",
        null=True,
        blank=True,
        editable=False,
        help_text="Derived from the postcode where the lookup data is loaded.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name_plural = "people"
        constraints = [
            models.UniqueConstraint(
                "nhs_number",
                name="person_nhs_number_unique",
                violation_error_message="Another person already has this NHS number.",
            ),
            models.CheckConstraint(
                condition=models.Q(nhs_number__isnull=True)
                | models.Q(nhs_number__regex=r"^\d{10}$"),
                name="person_nhs_number_ten_digits",
            ),
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="person_date_of_birth_plausible",
            ),
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="person_imd_decile_1_to_10",
            ),
            models.CheckConstraint(
                condition=models.Q(ethnicity__in=EthnicCategory.values),
                name="person_ethnicity_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["family_name", "date_of_birth"], name="person_name_dob_idx"),
            models.Index(fields=["postcode"], name="person_postcode_idx"),
        ]

    def __str__(self) -> str:
        # Opaque on purpose: this string reaches logs and admin history.
        return f"Person {self.pk}"

    def clean_fields(self, exclude: list[str] | None = None) -> None:
        """Put identifiers in their canonical form first, so validation sees what is saved."""
        if self.nhs_number is not None and not self.nhs_number.strip():
            self.nhs_number = None
        if self.nhs_number:
            self.nhs_number = _normalised_or_as_given(normalise_nhs_number, self.nhs_number)
        if self.postcode:
            self.postcode = _normalised_or_as_given(normalise_postcode, self.postcode)
        super().clean_fields(exclude=exclude)

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def ethnic_group(self) -> str:
        return ETHNIC_GROUPS[self.ethnicity]

    def age_on(self, day: dt.date) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))
