from __future__ import annotations

from typing import Any

from django import forms

from alongside.core.forms import (
    CheckboxInput,
    CheckboxSelectMultiple,
    DateField,
    NhsForm,
    RadioSelect,
    Select,
    Textarea,
)
from alongside.organisations.models import Organisation
from alongside.sharing.models import SHAREABLE_PARTS, Basis, ConsentMethod, ReviewOutcome
from alongside.sharing.services import MINIMUM_REASON_LENGTH

PART_CHOICES = [(p.value, p.label) for p in SHAREABLE_PARTS]


class ConsentForm(NhsForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="Which organisation did the person agree to share with?",
        widget=Select,
        empty_label="Select an organisation",
        error_messages={
            "required": "Select the organisation",
            "invalid_choice": "Select the organisation",
        },
    )
    parts = forms.MultipleChoiceField(
        choices=PART_CHOICES,
        label="What did they agree to share?",
        help_text="Select all that apply.",
        widget=CheckboxSelectMultiple,
        error_messages={"required": "Select what the person agreed to share"},
    )
    method = forms.ChoiceField(
        choices=[c for c in ConsentMethod.choices if c[0] != ConsentMethod.PORTAL],
        label="How did they tell you?",
        widget=RadioSelect,
        error_messages={"required": "Select how the person told you"},
    )
    ends_on = DateField(
        label="Until when? (optional)",
        label_name="End date",
        required=False,
        help_text="Leave blank if the person did not set an end date. For example, 31 3 2027.",
    )
    note = forms.CharField(
        label="Anything else they said (optional)", required=False, widget=Textarea
    )


class PortalConsentForm(NhsForm):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        label="Which organisation do you want to share with?",
        widget=Select,
        empty_label="Select an organisation",
        error_messages={
            "required": "Select an organisation",
            "invalid_choice": "Select an organisation",
        },
    )
    parts = forms.MultipleChoiceField(
        choices=PART_CHOICES,
        label="What do you want them to see?",
        help_text="Select all that apply. You can change your mind at any time.",
        widget=CheckboxSelectMultiple,
        error_messages={"required": "Select what you want to share"},
    )


class WithdrawForm(NhsForm):
    method = forms.ChoiceField(
        choices=[c for c in ConsentMethod.choices if c[0] != ConsentMethod.PORTAL],
        label="How did the person tell you?",
        widget=RadioSelect,
        error_messages={"required": "Select how the person told you"},
    )


class BreakGlassForm(NhsForm):
    nhs_number = forms.CharField(
        label="NHS number",
        help_text="The record is found by its NHS number only, so no one can browse for records.",
        error_messages={"required": "Enter the person's NHS number"},
    )
    reason = forms.CharField(
        label="Why do you need this record now?",
        help_text=(
            f"At least {MINIMUM_REASON_LENGTH} characters. Your organisation's privacy lead will "
            "review this, and the person will see it."
        ),
        widget=Textarea,
        error_messages={"required": "Explain why you need this record now"},
    )


class ReviewForm(NhsForm):
    outcome = forms.ChoiceField(
        choices=ReviewOutcome.choices,
        label="Was the access appropriate?",
        widget=RadioSelect,
        error_messages={"required": "Select whether the access was appropriate"},
    )
    note = forms.CharField(
        label="Notes",
        required=False,
        widget=Textarea,
        help_text="Required if the access was not appropriate: say what follow-up was agreed.",
    )


class AuditSearchForm(NhsForm):
    """Filters for the privacy lead's audit search. Submitted by POST so that nothing about a
    person ever sits in a URL or a server log."""

    person_id = forms.IntegerField(label="Record reference (optional)", required=False, min_value=1)
    username = forms.CharField(label="Staff username (optional)", required=False)
    basis = forms.ChoiceField(label="Basis", required=False, widget=Select)
    refused_only = forms.BooleanField(
        label="Only refused requests", required=False, widget=CheckboxInput
    )
    since = DateField(label="From (optional)", label_name="From date", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["basis"].choices = [("", "Any basis"), *Basis.choices]
        self.fields["basis"].widget.choices = self.fields["basis"].choices

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()
