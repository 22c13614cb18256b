"""The Django admin for people's records: for system administrators' corrections only.

The list never shows NHS numbers; searching by one needs the exact number. Every save goes
through the model's validation (the admin form runs ``full_clean``) and then through
``people.services``, so an invalid NHS number or postcode, or a date of birth in the future, is
refused with a message and the IMD decile is derived as everywhere else.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from alongside.core.validators import normalise_nhs_number, normalise_postcode
from alongside.people import services
from alongside.people.models import Person


class PersonAdminForm(forms.ModelForm):
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

    def clean_nhs_number(self) -> str | None:
        value = self.cleaned_data.get("nhs_number")
        return normalise_nhs_number(value) if value else None

    def clean_postcode(self) -> str:
        value = self.cleaned_data.get("postcode") or ""
        return normalise_postcode(value) if value.strip() else ""


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    form = PersonAdminForm
    list_display = ("id", "family_name", "given_name", "date_of_birth", "postcode")
    list_display_links = ("id", "family_name")
    list_filter = ("stated_gender", "ethnicity", "interpreter_needed", "imd_decile")
    search_fields = ("family_name", "given_name", "=nhs_number", "postcode")
    readonly_fields = ("imd_decile", "created_at", "updated_at")
    autocomplete_fields = ("registered_gp_practice", "user")
    fieldsets = (
        (None, {"fields": ("given_name", "family_name", "preferred_name", "date_of_birth")}),
        ("Identifiers", {"fields": ("nhs_number", "registered_gp_practice")}),
        ("Gender and ethnicity", {"fields": ("stated_gender", "gender_identity", "ethnicity")}),
        ("Contact", {"fields": ("address", "postcode", "phone", "email")}),
        (
            "Language, communication and access",
            {
                "fields": (
                    "preferred_language",
                    "interpreter_needed",
                    "communication_needs",
                    "access_needs",
                )
            },
        ),
        ("Carer", {"fields": ("carer_name", "carer_relationship", "carer_phone")}),
        ("Portal", {"fields": ("user",)}),
        ("Derived and audit", {"fields": ("imd_decile", "created_at", "updated_at")}),
    )

    def save_model(self, request: HttpRequest, obj: Person, form: Any, change: bool) -> None:
        # The service validates again and derives the IMD decile from the postcode.
        services.update_person(person=obj)
