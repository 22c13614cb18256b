"""The admin form for a person's record.

The admin page itself is registered by the sharing module (``sharing/admin.py``), because every
read of a person's record goes through its access check; this module keeps only the form, which
validates like everywhere else.
"""

from __future__ import annotations

from django import forms

from alongside.people.forms import IdentifierFieldsMixin
from alongside.people.models import Person


class PersonAdminForm(IdentifierFieldsMixin, forms.ModelForm):
    # Wider than the stored 10 digits, so "943 476 5919" reaches the NHS number check.
    nhs_number = forms.CharField(
        label="NHS number", required=False, empty_value=None, max_length=20
    )
    postcode = forms.CharField(required=False, max_length=10)

    class Meta:
        model = Person
        fields = (
            "given_name",
            "family_name",
            "preferred_name",
            "date_of_birth",
            "nhs_number",
            "registered_gp_practice",
            "stated_gender",
            "gender_identity",
            "ethnicity",
            "address",
            "postcode",
            "phone",
            "email",
            "preferred_language",
            "interpreter_needed",
            "communication_needs",
            "access_needs",
            "carer_name",
            "carer_relationship",
            "carer_phone",
            "user",
        )
        labels = {
            "registered_gp_practice": "Registered GP practice",
            "user": "Portal sign-in",
        }
