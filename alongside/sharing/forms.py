from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

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
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    Basis,
    ConsentMethod,
    RequestChannel,
    ReviewOutcome,
    WithholdReason,
)
from alongside.sharing.services import MINIMUM_REASON_LENGTH, MINIMUM_REFUSAL_LENGTH

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
            f"At least {MINIMUM_REASON_LENGTH} characters. The privacy lead named above will "
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


class SubjectAccessRequestForm(NhsForm):
    """Staff record a request for a copy of the record that the person made outside the portal."""

    channel = forms.ChoiceField(
        choices=[c for c in RequestChannel.choices if c[0] != RequestChannel.PORTAL],
        label="How did the person ask?",
        widget=RadioSelect,
        error_messages={"required": "Select how the person asked"},
    )
    asked_on = DateField(
        label="When did we receive the request?",
        label_name="Date received",
        help_text=("The answer is due one calendar month after this day. For example, 3 11 2025."),
        error_messages={"required": "Enter the date we received the request"},
    )
    note = forms.CharField(
        label="What did they ask for? (optional)",
        required=False,
        widget=Textarea,
        help_text="In their words, if they said, for example the dates or the kind of records.",
    )

    def asked_at(self) -> dt.datetime:
        """When the request was received: now if today, midday on an earlier day."""
        asked_on = self.cleaned_data["asked_on"]
        now = timezone.localtime()
        if asked_on >= now.date():
            return now
        return now.replace(
            year=asked_on.year, month=asked_on.month, day=asked_on.day, hour=12, minute=0
        )


class PortalSubjectAccessForm(NhsForm):
    note = forms.CharField(
        label="Is there anything in particular you are looking for? (optional)",
        required=False,
        widget=Textarea,
        help_text="For example, notes from a time or a service. You get everything either way.",
    )


class WithholdForm(NhsForm):
    """Mark items of a reviewed export to withhold: one group of checkboxes per section (named
    ``items_<section>``), the reason and a note for the record."""

    reason = forms.ChoiceField(
        choices=WithholdReason.choices,
        label="Why are the selected items withheld?",
        widget=RadioSelect,
        error_messages={"required": "Select why the items are withheld"},
    )
    note = forms.CharField(
        label="Note for the record (optional)",
        required=False,
        widget=Textarea,
        help_text="Not released to the person: for example, who was consulted about serious harm.",
    )

    def __init__(
        self, *args: Any, sections: list[tuple[str, str, list[tuple[str, str]]]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.section_names = []
        for name, title, choices in sections:
            if not choices:
                continue
            field_name = f"items_{name}"
            self.fields[field_name] = forms.MultipleChoiceField(
                choices=choices, label=title, required=False, widget=CheckboxSelectMultiple
            )
            self.fields[field_name].widget.choices = choices
            self.section_names.append(field_name)
        self.order_fields([*self.section_names, "reason", "note"])

    def item_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.section_names]

    def chosen(self) -> list[str]:
        return [key for name in self.section_names for key in self.cleaned_data.get(name, [])]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.section_names and not self.chosen():
            self.add_error(self.section_names[0], "Select the items to withhold")
        return cleaned


class RefuseRequestForm(NhsForm):
    reason = forms.CharField(
        label="Why is the request refused?",
        widget=Textarea,
        help_text=(
            f"At least {MINIMUM_REFUSAL_LENGTH} characters. The person is shown this: for "
            "example, that we could not confirm who asked, or why the request is manifestly "
            "unfounded or excessive. They are told of their right to complain."
        ),
        error_messages={"required": "Explain why the request is refused"},
    )
