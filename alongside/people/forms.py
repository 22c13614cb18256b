from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from alongside.core.forms import (
    CheckboxInput,
    DateField,
    NhsForm,
    NhsModelForm,
    RadioSelect,
    Select,
    TelInput,
    Textarea,
)
from alongside.core.validators import normalise_nhs_number, normalise_postcode
from alongside.people.models import Person


class IdentifierFieldsMixin:
    """An optional NHS number and postcode, put in their canonical form (or refused with the
    validators' messages). Shared by the staff form and the admin form."""

    cleaned_data: dict

    def clean_nhs_number(self) -> str | None:
        value = self.cleaned_data.get("nhs_number")
        return normalise_nhs_number(value) if value else None

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode") or ""
        return normalise_postcode(value) if value.strip() else ""


class PersonForm(IdentifierFieldsMixin, NhsModelForm):
    """A new person's record, as a triage coordinator or team lead enters it."""

    constraint_fields = {"person_nhs_number_unique": "nhs_number"}

    date_of_birth = DateField(
        label="Date of birth",
        label_name="Date of birth",
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter the person's date of birth"},
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        empty_value=None,
        max_length=20,
        help_text=(
            "A 10 digit number, like 999 123 4567. Leave it empty if the person does not know it."
        ),
        error_messages={"max_length": "NHS number must be 10 numbers"},
    )
    consent = forms.ChoiceField(
        label="Has the person agreed that your organisation can see their record?",
        help_text=(
            "Ask them. If they say no, the record is still created, but no one can open it until "
            "they agree or a referral is made."
        ),
        choices=[
            ("spoken", "Yes, they told me (in person or by phone)"),
            ("written", "Yes, in writing"),
            ("no", "No, or not asked yet"),
        ],
        widget=RadioSelect,
        error_messages={"required": "Select whether the person agreed to share their record"},
    )
    postcode = forms.CharField(
        label="Postcode (optional)",
        required=False,
        max_length=10,
        error_messages={"max_length": "Enter a full UK postcode, like LS1 4AP"},
    )

    class Meta:
        model = Person
        fields = [
            "given_name",
            "family_name",
            "date_of_birth",
            "nhs_number",
            "stated_gender",
            "ethnicity",
            "postcode",
            "phone",
            "email",
            "preferred_language",
            "interpreter_needed",
            "communication_needs",
            "access_needs",
        ]
        labels = {
            "given_name": "Given name",
            "family_name": "Family name",
            "stated_gender": "Gender",
            "ethnicity": "Ethnic background",
            "phone": "Phone number (optional)",
            "email": "Email address (optional)",
            "preferred_language": "Preferred language",
            "interpreter_needed": "The person needs an interpreter",
            "communication_needs": "Communication needs (optional)",
            "access_needs": "Access needs (optional)",
        }
        help_texts = {
            "given_name": "Also called first name.",
            "family_name": "Also called surname or last name.",
            "stated_gender": "As the person states it.",
            "ethnicity": (
                "As the person describes it. Choose 'Not stated' if they prefer not to say."
            ),
            "communication_needs": "For example British Sign Language, easy read, large print.",
            "access_needs": "For example step-free access, or a quiet room to wait in.",
        }
        error_messages = {
            "given_name": {"required": "Enter the person's given name"},
            "family_name": {"required": "Enter the person's family name"},
            "stated_gender": {"required": "Select the person's gender"},
            "ethnicity": {"required": "Select the person's ethnic background"},
            "email": {
                "invalid": "Enter an email address in the correct format, like name@example.com"
            },
            "preferred_language": {"required": "Enter the person's preferred language"},
        }
        widgets = {
            "stated_gender": RadioSelect,
            "ethnicity": Select,
            "phone": TelInput,
            "interpreter_needed": CheckboxInput,
            "communication_needs": Textarea(attrs={"rows": 3}),
            "access_needs": Textarea(attrs={"rows": 3}),
        }

    def clean_date_of_birth(self) -> dt.date | None:
        born = self.cleaned_data.get("date_of_birth")
        if born and born > timezone.localdate():
            raise forms.ValidationError(
                "Date of birth must be today or in the past", code="future_date"
            )
        return born


class PersonSearchForm(NhsForm):
    query = forms.CharField(
        label="Search by name or NHS number",
        max_length=100,
        error_messages={"required": "Enter a name or an NHS number"},
    )
