"""Design-system form fields.

``NhsForm`` and ``NhsModelForm`` give every form an error summary in the NHS.UK pattern (each
error links to its field). Widgets say which NHS.UK component draws them (``nhsuk_kind``), and
``core/forms.jinja``'s ``field()`` macro renders any bound field from that. ``DateField`` takes a
date as three boxes (day, month, year), as the design system asks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class ErrorSummaryMixin:
    """The list the NHS.UK error summary shows: every error, linked to its field."""

    def error_summary_items(self) -> list[dict[str, str]]:
        items: list[dict[str, str]] = []
        form: forms.BaseForm = self  # type: ignore[assignment]
        for name, errors in form.errors.items():
            if name == forms.forms.NON_FIELD_ERRORS:
                first = next(iter(form.fields), None)
                href = f"#{form[first].id_for_label}" if first else "#maincontent"
            else:
                href = f"#{form[name].id_for_label}"
            items.extend({"text": str(message), "href": href} for message in errors)
        return items


class NhsForm(ErrorSummaryMixin, forms.Form):
    pass


class NhsModelForm(ErrorSummaryMixin, forms.ModelForm):
    pass


class _ChoiceItems:
    def nhsuk_items(self, value: Any) -> list[dict[str, Any]]:
        selected = {str(v) for v in value} if isinstance(value, list | tuple) else {str(value)}
        key = "selected" if self.nhsuk_kind == "select" else "checked"  # type: ignore[attr-defined]
        return [
            {"value": str(v), "text": str(label), key: str(v) in selected}
            for v, label in self.choices  # type: ignore[attr-defined]
        ]


class Select(_ChoiceItems, forms.Select):
    nhsuk_kind = "select"


class RadioSelect(_ChoiceItems, forms.RadioSelect):
    nhsuk_kind = "radios"


class CheckboxSelectMultiple(_ChoiceItems, forms.CheckboxSelectMultiple):
    nhsuk_kind = "checkboxes"


class CheckboxInput(forms.CheckboxInput):
    nhsuk_kind = "checkbox"


class Textarea(forms.Textarea):
    nhsuk_kind = "textarea"


class PasswordInput(forms.PasswordInput):
    nhsuk_kind = "password"


class DateInput(forms.Widget):
    """Three boxes: ``<name>-day``, ``<name>-month``, ``<name>-year``."""

    nhsuk_kind = "date"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        return {part: (data.get(f"{name}-{part}") or "").strip() for part in DATE_PARTS}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return not any(f"{name}-{part}" in data for part in DATE_PARTS)

    def nhsuk_parts(self, name: str, value: Any) -> dict[str, dict[str, str]]:
        if isinstance(value, dt.date):
            value = {"day": str(value.day), "month": str(value.month), "year": str(value.year)}
        value = value or {}
        return {
            part: {"name": f"{name}-{part}", "value": value.get(part, "")} for part in DATE_PARTS
        }


DATE_PARTS = ("day", "month", "year")


class DateField(forms.Field):
    widget = DateInput

    def __init__(self, *, label_name: str = "Date", **kwargs: Any) -> None:
        self.label_name = label_name
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> dt.date | None:
        if isinstance(value, dt.date) or value is None:
            return value
        if not any(value.values()):
            return None
        missing = [part for part in DATE_PARTS if not value.get(part)]
        if missing:
            raise ValidationError(
                f"{self.label_name} must include a {' and a '.join(missing)}", code="incomplete"
            )
        try:
            day, month, year = (int(value[part]) for part in DATE_PARTS)
        except ValueError:
            raise ValidationError(
                f"{self.label_name} must be a real date, written in numbers", code="invalid"
            ) from None
        if year < 1000:
            raise ValidationError(f"Year must include 4 numbers, like {dt.date.today().year}")
        try:
            return dt.date(year, month, day)
        except ValueError:
            raise ValidationError(
                f"{self.label_name} must be a real date", code="invalid"
            ) from None

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != initial
        except ValidationError:
            return True
