from __future__ import annotations

from typing import Any

from django import forms

from alongside.accounts.models import User
from alongside.core.forms import DateField, NhsForm, NhsModelForm, RadioSelect, Select, Textarea
from alongside.organisations.models import Organisation, OrganisationKind


class OrganisationForm(NhsModelForm):
    constraint_fields = {"organisation_ods_code_unique": "ods_code"}

    parent = forms.ModelChoiceField(
        queryset=Organisation.objects.none(),
        required=False,
        empty_label="None",
        label="Parent organisation (optional)",
        help_text="For a GP practice, its primary care network.",
        widget=Select,
    )

    website = forms.URLField(
        label="Website (optional)",
        required=False,
        assume_scheme="https",
        help_text="For example, https://www.example.org.uk",
        error_messages={"invalid": "Enter a web address, like https://www.example.org.uk"},
    )

    class Meta:
        model = Organisation
        fields = ["name", "kind", "ods_code", "parent", "website"]
        labels = {
            "name": "Name",
            "kind": "Type of organisation",
            "ods_code": "ODS code (optional)",
        }
        help_texts = {
            "ods_code": (
                "The Organisation Data Service code, if it has one. For example, RX4 or B82005."
            ),
        }
        error_messages = {
            "name": {"required": "Enter the organisation's name"},
            "kind": {"required": "Select the type of organisation"},
        }
        widgets = {"kind": RadioSelect}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        parents = Organisation.objects.order_by("name")
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents
        self.fields["kind"].choices = OrganisationKind.choices


class MembershipDecisionForm(NhsForm):
    """Approve or refuse a membership waiting for approval."""

    decision = forms.ChoiceField(
        choices=[
            ("approve", "Approve: the role is in force from now"),
            ("refuse", "Refuse: the role is never in force"),
        ],
        label="Your decision",
        widget=RadioSelect,
        error_messages={"required": "Select whether to approve or refuse the membership"},
    )
    reason = forms.CharField(
        label="Why it is refused",
        required=False,
        widget=Textarea,
        help_text="Needed if you refuse it. The person who asked for it will see this.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "Enter why the membership is refused")
        return cleaned


class DutyShiftForm(NhsForm):
    """Who is the team's duty worker, from which day to which."""

    user = forms.ModelChoiceField(
        queryset=None,
        label="Duty worker",
        empty_label="Choose one",
        widget=Select,
        error_messages={"required": "Choose the duty worker"},
    )
    starts_on = DateField(
        label="First day",
        label_name="First day",
        error_messages={"required": "Enter the first day of duty"},
    )
    ends_on = DateField(
        label="Last day",
        label_name="Last day",
        error_messages={"required": "Enter the last day of duty"},
    )

    def __init__(self, *args: Any, team: Any, **kwargs: Any) -> None:
        from alongside.organisations.models import Membership
        from alongside.organisations.services import DUTY_ROLES

        super().__init__(*args, **kwargs)
        members = Membership.objects.active().filter(team=team, role__in=DUTY_ROLES)
        self.fields["user"].queryset = User.objects.filter(
            pk__in=members.values("user_id")
        ).order_by("first_name", "last_name")
        self.fields["user"].label_from_instance = lambda u: u.display_name
