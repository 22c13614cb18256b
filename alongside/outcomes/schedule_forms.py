"""The form a team lead sets a measure's schedule with: which measure, when it is due (at the
start, every N weeks, at discharge; at least one) and how many days later it is overdue.

The form checks what the page asks for; ``services.save_schedule`` has the last word, and its
refusals show on the form."""

from __future__ import annotations

from typing import Any

from django import forms

from alongside.core.forms import CheckboxSelectMultiple, NhsForm, Select
from alongside.outcomes.models import MeasureSchedule

AT_START = "at_start"
EVERY = "every"
AT_DISCHARGE = "at_discharge"
TIMINGS = [
    (AT_START, "At the start of the episode"),
    (EVERY, "Every few weeks during the episode"),
    (AT_DISCHARGE, "At discharge"),
]
WEEKS = "Enter a number of weeks from 1 to 104"
DAYS = "Enter a number of days from 0 to 90"


class ScheduleForm(NhsForm):
    measure = forms.ChoiceField(
        label="Measure",
        widget=Select,
        error_messages={
            "required": "Choose a measure",
            "invalid_choice": "Choose one of the measures this place uses",
        },
    )
    when = forms.MultipleChoiceField(
        label="When is it due?",
        choices=TIMINGS,
        widget=CheckboxSelectMultiple,
        required=False,
        help_text="Choose all that apply.",
        error_messages={"invalid_choice": "Choose when the measure is due from the list"},
    )
    every_weeks = forms.IntegerField(
        label="How many weeks apart?",
        help_text="From 1 to 104. Counted from the last time it was completed, or from the start "
        "of the episode if it is not asked for then.",
        required=False,
        min_value=1,
        max_value=104,
        error_messages={
            "invalid": "Enter a whole number of weeks, like 12",
            "min_value": WEEKS,
            "max_value": WEEKS,
        },
    )
    grace_days = forms.IntegerField(
        label="Overdue after how many days?",
        help_text="How long after it falls due the measure shows as overdue, from 0 to 90 days.",
        initial=14,
        min_value=0,
        max_value=90,
        error_messages={
            "required": DAYS,
            "invalid": "Enter a whole number of days, like 14",
            "min_value": DAYS,
            "max_value": DAYS,
        },
    )

    def __init__(self, *args: Any, measures: list[tuple[str, str]], **kwargs: Any) -> None:
        """``measures``: (name, title) of each measure that can be chosen."""
        super().__init__(*args, **kwargs)
        self.fields["measure"].choices = [("", "Choose a measure"), *measures]

    @staticmethod
    def initial_for(schedule: MeasureSchedule | None) -> dict[str, Any]:
        """What the form starts with: the schedule being changed, or a new one's defaults."""
        if schedule is None:
            return {"when": [AT_START], "grace_days": 14}
        when = [
            value
            for value, wanted in (
                (AT_START, schedule.at_start),
                (EVERY, schedule.every_weeks is not None),
                (AT_DISCHARGE, schedule.at_discharge),
            )
            if wanted
        ]
        return {
            "measure": schedule.measure,
            "when": when,
            "every_weeks": schedule.every_weeks,
            "grace_days": schedule.grace_days,
        }

    # The checks run field by field, in the page's order, so the error summary lists them in
    # the order the fields appear.
    def clean_when(self) -> list[str]:
        when = self.cleaned_data["when"]
        if not when:
            raise forms.ValidationError("Choose at least one time the measure is due")
        return when

    def clean_every_weeks(self) -> int | None:
        weeks = self.cleaned_data["every_weeks"]
        if not self._every_ticked():
            return None
        if weeks is None:
            raise forms.ValidationError(WEEKS)
        return weeks

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self._every_ticked():
            # The number of weeks is asked for only with "every few weeks" (and hidden without
            # it): whatever was left in the box is ignored, neither saved nor refused.
            self._errors.pop("every_weeks", None)
            data["every_weeks"] = None
        return data

    def _every_ticked(self) -> bool:
        return EVERY in (self["when"].value() or [])

    def service_fields(self) -> dict[str, Any]:
        """The keyword arguments ``services.save_schedule`` takes from the form."""
        data = self.cleaned_data
        return {
            "measure": data["measure"],
            "at_start": AT_START in data["when"],
            "every_weeks": data["every_weeks"],
            "at_discharge": AT_DISCHARGE in data["when"],
            "grace_days": data["grace_days"],
        }

    def when_items(self, weeks_html: str) -> list[dict[str, Any]]:
        """The "when" checkboxes, with the number of weeks revealed under "every few weeks"."""
        bound = self["when"]
        items = bound.field.widget.nhsuk_items(bound.value() or [])
        return [
            {**item, "conditional": {"html": weeks_html}} if item["value"] == EVERY else item
            for item in items
        ]
