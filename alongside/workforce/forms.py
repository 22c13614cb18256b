"""The team lead's forms: a training completion, a post's whole-time equivalent, a vacancy and
its filling. Each checks what the page asks; the service has the last word, and its refusals show
on the form."""

from __future__ import annotations

from typing import Any

from django import forms

from alongside.core.forms import DateField, NhsForm, Select, Textarea
from alongside.organisations.models import Membership, Role
from alongside.workforce.models import WTE_HIGH, WTE_LOW, WTE_MESSAGE, Course

_WTE_ERRORS = {
    "required": "Enter the whole-time equivalent, like 0.8",
    "invalid": "Enter the whole-time equivalent as a number, like 0.8",
    "min_value": WTE_MESSAGE,
    "max_value": WTE_MESSAGE,
    "max_decimal_places": "Enter the whole-time equivalent to 2 decimal places at most",
    "max_digits": WTE_MESSAGE,
    "max_whole_digits": WTE_MESSAGE,
}


def _wte_field(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        help_text="1.0 is full time; 0.5 is half time. From 0.1 to 1.0.",
        min_value=WTE_LOW,
        max_value=WTE_HIGH,
        max_digits=3,
        decimal_places=2,
        error_messages=_WTE_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class _MemberChoice(forms.ModelChoiceField):
    widget = Select

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "Choose one")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} – {obj.get_role_display()}"


class _CourseChoice(forms.ModelChoiceField):
    widget = Select

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "Choose one")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Course) -> str:
        return obj.title


class TrainingForm(NhsForm):
    membership = _MemberChoice(
        Membership.objects.none(),
        label="Who completed it?",
        error_messages={
            "required": "Choose who completed the course",
            "invalid_choice": "Choose someone in this team",
        },
    )
    course = _CourseChoice(
        Course.objects.order_by("title"),
        label="Course",
        error_messages={
            "required": "Choose the course",
            "invalid_choice": "Choose a course this place recognises",
        },
    )
    completed_on = DateField(
        label="Date completed",
        label_name="Date completed",
        help_text="For example, 15 3 2026",
        error_messages={"required": "Enter the date the course was completed"},
    )
    evidence = forms.CharField(
        label="Evidence (optional)",
        required=False,
        widget=Textarea,
        max_length=1000,
        help_text="For example: certificate seen; provider and course reference.",
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = members


class WteForm(NhsForm):
    membership = _MemberChoice(
        Membership.objects.none(),
        label="Post",
        error_messages={
            "required": "Choose whose post it is",
            "invalid_choice": "Choose someone in this team",
        },
    )
    wte = _wte_field("Whole-time equivalent")
    effective_from = DateField(
        label="From (optional)",
        label_name="The date the change takes effect",
        required=False,
        help_text="The first day at the new whole-time equivalent; leave empty for today. "
        "For example, 1 4 2026",
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = members


class VacancyForm(NhsForm):
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose one"), *Role.choices],
        widget=Select,
        error_messages={
            "required": "Choose the role the post is for",
            "invalid_choice": "Choose the role the post is for",
        },
    )
    job_title = forms.CharField(label="Job title (optional)", required=False, max_length=120)
    wte = _wte_field("Whole-time equivalent of the post")
    since = DateField(
        label="Vacant since",
        label_name="Vacant since",
        help_text="For example, 1 9 2026",
        error_messages={"required": "Enter the date the post fell vacant"},
    )


class FilledForm(NhsForm):
    filled_on = DateField(
        label="Date filled",
        label_name="Date filled",
        help_text="The first day someone was in post. For example, 1 11 2026",
        error_messages={"required": "Enter the date the vacancy was filled"},
    )
