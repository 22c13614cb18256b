"""The co-production pages' forms. Each checks only what the page itself must (a choice from its
list, a date that is a date); the service has the last word on everything else, and its
refusals show beside the field they are about (field names match the service's keys)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import QuerySet

from alongside.accounts.models import User
from alongside.coproduction.models import (
    SCALE,
    Characteristic,
    Expert,
    Naming,
    Reward,
    RoleKind,
)
from alongside.coproduction.services import Given, parse_hours
from alongside.core.forms import (
    CheckboxInput,
    DateField,
    LabelledChoice,
    LabelledChoices,
    NhsForm,
    RadioSelect,
    Select,
    Textarea,
)
from alongside.organisations.models import Organisation, Team

#: What each characteristic means, as a hint beside its rating (after the New Economics
#: Foundation's descriptions).
MEANING = {
    Characteristic.ASSETS: "People who use services are equal partners in designing and "
    "delivering them, not passive recipients.",
    Characteristic.CAPABILITIES: "We start from what people can do, and support them to use "
    "and grow it.",
    Characteristic.MUTUALITY: "Everyone gives and receives: shared responsibilities and "
    "expectations, and something in it for each person.",
    Characteristic.PEER_SUPPORT: "Peers and people's own networks work alongside "
    "professionals, sharing what they know.",
    Characteristic.BLURRING: "The line between those who provide and those who use services "
    "fades: decisions, roles and resources are shared.",
    Characteristic.FACILITATING: "We help things happen and let people lead, rather than doing "
    "things to or for them.",
}

SCALE_CHOICES = [(str(score), f"{score} – {label}") for score, label in SCALE.items()]


# --- Reviews -----------------------------------------------------------------------------------


class OpenReviewForm(NhsForm):
    held_on = DateField(
        label="Date of the review",
        label_name="Date of the review",
        help_text="When staff and experts by experience met to rate the team, or the first of "
        "the meetings. For example, 20 11 2026",
        error_messages={"required": "Enter the date of the review"},
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="For example, how the review was run and who facilitated it.",
    )


class RatingsForm(NhsForm):
    """All six characteristics, each a score on the scale and the evidence behind it. The staff
    form says how many staff took part; the experts' form who the experts were."""

    def __init__(
        self,
        *args: Any,
        raters: str,
        experts: Mapping[int, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.raters = raters
        if raters == "staff":
            self.fields["staff_raters"] = forms.IntegerField(
                label="How many staff took part in the rating",
                required=False,
                min_value=1,
                max_value=999,
                help_text="Count everyone who rated, including you",
                error_messages={
                    "invalid": "Give how many staff took part as a number, like 6",
                    "min_value": "Say how many staff took part in the rating",
                    "max_value": "Give how many staff took part as a number, like 6",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
        else:
            field = LabelledChoices(
                Expert.objects.none(),
                label="The experts by experience who made the rating",
                required=False,
                help_text="From the register of experts by experience. Choose everyone who "
                "took part.",
                error_messages={
                    "invalid_choice": "Choose the experts by experience from the list",
                    "invalid_pk_value": "Choose the experts by experience from the list",
                },
            )
            field.queryset = Expert.objects.filter(pk__in=list(experts or {}))
            field.labels = dict(experts or {})
            self.fields["experts"] = field
        for characteristic in Characteristic:
            self.fields[characteristic.value] = forms.TypedChoiceField(
                label=f"{characteristic.label}",
                choices=SCALE_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                widget=RadioSelect,
                help_text=MEANING[characteristic],
                error_messages={
                    "invalid_choice": f"Rate '{characteristic.label}' from 1 to 5",
                },
            )
            self.fields[f"{characteristic.value}_evidence"] = forms.CharField(
                label=f"Evidence for '{characteristic.label}'",
                required=False,
                widget=Textarea,
                max_length=4000,
                help_text="What happened that shows it: examples, not opinions.",
            )

    @property
    def characteristic_fields(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [(self[c.value], self[f"{c.value}_evidence"]) for c in Characteristic]

    def ratings(self) -> list[Given]:
        data = self.cleaned_data
        return [
            Given(c.value, data.get(c.value), data.get(f"{c.value}_evidence") or "")
            for c in Characteristic
        ]

    def service_arguments(self) -> dict[str, Any]:
        if self.raters == "staff":
            return {"staff_raters": self.cleaned_data.get("staff_raters")}
        return {"experts": list(self.cleaned_data.get("experts") or [])}


class ActionForm(NhsForm):
    text = forms.CharField(
        label="What will be done",
        required=False,
        widget=Textarea,
        max_length=2000,
        help_text="Something specific that someone will do, for example 'Invite two experts by "
        "experience to co-chair the team's service meeting'.",
    )
    characteristic = forms.ChoiceField(
        label="The characteristic it is about (optional)",
        required=False,
        choices=[("", "None in particular"), *Characteristic.choices],
        widget=Select,
    )
    owner = LabelledChoice(
        User.objects.none(),
        label="Who owns it",
        required=False,
        empty_label="Choose who owns it",
        error_messages={"invalid_choice": "Choose who owns it from the list"},
    )
    due_on = DateField(
        label="When it is due",
        label_name="Due date",
        required=False,
        help_text="For example, 27 2 2027",
    )

    def __init__(self, *args: Any, owners: Mapping[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=list(owners))
        self.fields["owner"].labels = dict(owners)


class CompleteActionForm(NhsForm):
    what_changed = forms.CharField(
        label="What changed because of it",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="What is different now, as the people it affects would notice it.",
    )


# --- The register ------------------------------------------------------------------------------


class ExpertForm(NhsForm):
    given_name = forms.CharField(label="First name", required=False, max_length=100)
    family_name = forms.CharField(label="Last name", required=False, max_length=100)
    naming = forms.ChoiceField(
        label="How they wish to be named",
        choices=Naming.choices,
        widget=RadioSelect,
        help_text="In minutes, reports and 'you said, we did'. Only those who manage the "
        "register see the full name.",
        error_messages={"required": "Choose how they wish to be named"},
    )
    organisation = LabelledChoice(
        Organisation.objects.none(),
        label="Organisation that supports and pays them",
        empty_label="Choose the organisation",
        error_messages={
            "required": "Choose the organisation that supports them",
            "invalid_choice": "Choose an organisation you manage the register of",
        },
    )
    consent_on = DateField(
        label="Date they agreed to these details being kept",
        label_name="Date of consent",
        required=False,
        help_text="For example, 3 9 2026",
    )
    consent_note = forms.CharField(
        label="What they agreed to (optional)",
        required=False,
        widget=Textarea,
        max_length=2000,
        help_text="For example, how they gave consent and anything they asked us not to do.",
    )
    reward = forms.ChoiceField(
        label="How they are thanked for their time",
        choices=Reward.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose how they are thanked for their time"},
    )
    email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address like name@example.com"},
    )
    phone = forms.CharField(label="Phone number (optional)", required=False, max_length=30)

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if editing:
            self.fields["left_on"] = DateField(
                label="Date they left the register (optional)",
                label_name="Date they left",
                required=False,
                help_text="Leave blank while they still take part. For example, 31 1 2027",
            )

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        texts = ("given_name", "family_name", "naming", "consent_note", "reward", "email", "phone")
        arguments: dict[str, Any] = {name: data.get(name) or "" for name in texts}
        arguments["organisation"] = data.get("organisation")
        arguments["consent_on"] = data.get("consent_on")
        if "left_on" in self.fields:
            arguments["left_on"] = data.get("left_on")
        return arguments


class FindPersonForm(NhsForm):
    nhs_number = forms.CharField(
        label="Their NHS number",
        max_length=20,
        help_text="A 10 digit number, like 999 123 4567. Only records you may already open "
        "are found.",
        error_messages={"required": "Enter their NHS number"},
    )


class LinkPersonForm(NhsForm):
    chose = forms.BooleanField(
        label="They have chosen to link their involvement to their own care record",
        required=True,
        widget=CheckboxInput,
        error_messages={"required": "Confirm that they chose this: link only when they ask you to"},
    )


class RoleForm(NhsForm):
    kind = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose the role"), *RoleKind.choices],
        widget=Select,
        required=False,
    )
    where = forms.ChoiceField(
        label="For",
        widget=Select,
        required=False,
        help_text="A team, an organisation, or the whole place",
        error_messages={"invalid_choice": "Choose where the role is from the list"},
    )
    started_on = DateField(
        label="Date the role started",
        label_name="Start date",
        required=False,
        help_text="For example, 1 10 2026",
    )

    def __init__(
        self,
        *args: Any,
        teams: QuerySet[Team],
        organisations: QuerySet[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._teams = {t.pk: t for t in teams.select_related("organisation")}
        self._organisations = {o.pk: o for o in organisations}
        self.fields["where"].choices = [
            ("", "The whole place"),
            *[(f"organisation-{o.pk}", o.name) for o in self._organisations.values()],
            *[(f"team-{t.pk}", f"{t.name} ({t.organisation.name})") for t in self._teams.values()],
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        where = data.get("where") or ""
        team = organisation = None
        if where.startswith("team-"):
            team = self._teams[int(where.removeprefix("team-"))]
        elif where.startswith("organisation-"):
            organisation = self._organisations[int(where.removeprefix("organisation-"))]
        return {
            "kind": data.get("kind") or "",
            "started_on": data.get("started_on"),
            "team": team,
            "organisation": organisation,
        }


class EndRoleForm(NhsForm):
    ended_on = DateField(
        label="Last day of the role",
        label_name="Last day",
        help_text="For example, 30 11 2026",
        error_messages={"required": "Enter the last day of the role"},
    )


class InvolvementForm(NhsForm):
    kind = forms.ChoiceField(
        label="Kind of involvement",
        choices=[("", "Choose the kind"), *RoleKind.choices],
        widget=Select,
        required=False,
        help_text="The organisation's hourly rate for this kind, on the day, is what is owed",
    )
    on = DateField(
        label="Date", label_name="Date", required=False, help_text="For example, 12 11 2026"
    )
    hours = forms.CharField(
        label="Hours",
        required=False,
        max_length=10,
        help_text="In quarters of an hour, for example 1.5 or 2.25; up to 12",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    organisation = LabelledChoice(
        Organisation.objects.none(),
        label="Organisation the work was for",
        empty_label="Choose the organisation",
        help_text="It owes the payment or vouchers",
        error_messages={
            "required": "Choose the organisation the work was for",
            "invalid_choice": "Choose an organisation from the list",
        },
    )
    team = LabelledChoice(
        Team.objects.none(),
        label="Team (optional)",
        required=False,
        empty_label="Not one team",
        error_messages={"invalid_choice": "Choose a team from the list"},
    )
    what = forms.CharField(
        label="What the work was",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="For example, 'Interview panel for two peer support workers'.",
    )
    decided = forms.CharField(
        label="What was decided (optional)",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="You said: what they said and what was agreed.",
    )
    changed = forms.CharField(
        label="What changed because of it (optional)",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="We did: fill this in now if something has already changed, or later.",
    )

    def __init__(
        self,
        *args: Any,
        organisations: QuerySet[Organisation],
        teams: QuerySet[Team],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("name")
        self.fields["team"].queryset = teams.select_related("organisation").order_by("name")
        self.fields["team"].labels = {
            t.pk: f"{t.name} ({t.organisation.name})" for t in self.fields["team"].queryset
        }

    def clean_hours(self) -> Any:
        value = (self.cleaned_data.get("hours") or "").strip()
        if not value:
            return value
        hours = parse_hours(value)
        if hours is None or not hours.is_finite():
            raise forms.ValidationError("Enter the hours as a number, for example 1.5")
        if hours > 0 and (hours * 4) % 1:
            # The service's own check rounds to two places; a quarter is checked here too.
            raise forms.ValidationError("Give hours in quarters of an hour, for example 1.25")
        return value

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "kind": data.get("kind") or "",
            "on": data.get("on"),
            "hours": parse_hours(data["hours"]) if data.get("hours") else None,
            "organisation": data["organisation"],
            "team": data.get("team"),
            "what": data.get("what") or "",
            "decided": data.get("decided") or "",
            "changed": data.get("changed") or "",
        }


class ChangeForm(NhsForm):
    changed = forms.CharField(
        label="What changed because of it",
        required=False,
        widget=Textarea,
        max_length=4000,
        help_text="We did: what is different now because of what they said.",
    )


class PlaceFilterForm(NhsForm):
    """'You said, we did' for one team, the teams of one locality, or the whole place."""

    where = forms.ChoiceField(label="Show", required=False, widget=Select)

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["where"].choices = choices


# --- Rates and payments ------------------------------------------------------------------------


class RateForm(NhsForm):
    organisation = LabelledChoice(
        Organisation.objects.none(),
        label="Organisation",
        empty_label="Choose the organisation",
        error_messages={
            "required": "Choose the organisation",
            "invalid_choice": "Choose an organisation you manage",
        },
    )
    kind = forms.ChoiceField(
        label="Kind of involvement",
        choices=[("", "Choose the kind"), *RoleKind.choices],
        widget=Select,
        required=False,
    )
    hourly = forms.DecimalField(
        label="Hourly rate, in pounds",
        min_value=0,
        max_digits=6,
        decimal_places=2,
        required=False,
        help_text="For example, 18.50. Use 0 for unpaid involvement.",
        error_messages={
            "invalid": "Enter the hourly rate in pounds, like 18.50",
            "min_value": "Enter the hourly rate in pounds, 0 or more",
            "max_digits": "Enter an hourly rate under £10,000",
            "max_decimal_places": "Enter the hourly rate in pounds and pence, like 18.50",
            "max_whole_digits": "Enter an hourly rate under £10,000",
        },
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    valid_from = DateField(
        label="From",
        label_name="Start date",
        help_text="Involvements on or after this date are owed at this rate. For example, 1 4 2027",
        error_messages={"required": "Enter the date the rate starts"},
    )

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations.order_by("name")


class PaymentsFilterForm(NhsForm):
    organisation = forms.ChoiceField(label="Organisation", required=False, widget=Select)
    first_month = forms.ChoiceField(label="From", widget=Select)
    last_month = forms.ChoiceField(label="To", widget=Select)

    def __init__(
        self,
        *args: Any,
        organisations: list[tuple[str, str]],
        months: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "All you manage"), *organisations]
        self.fields["first_month"].choices = months
        self.fields["last_month"].choices = months

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        first, last = data.get("first_month"), data.get("last_month")
        if first and last and first > last:
            self.add_error("last_month", "The last month must be the same as or after the first")
        return data


class MarkPaidForm(NhsForm):
    paid_on = DateField(
        label="Date paid",
        label_name="Date paid",
        help_text="For example, 28 11 2026",
        error_messages={"required": "Enter the date it was paid"},
    )
