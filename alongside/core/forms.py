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
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


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

    def add_validation_error(self, error: ValidationError) -> None:
        """Show a ``ValidationError`` raised by a service on this form, field by field.

        Errors for fields the form does not have go to the top of the form.
        """
        form: forms.BaseForm = self  # type: ignore[assignment]
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            form.add_error(None, error)
        self._move_constraint_errors()

    def _move_constraint_errors(self) -> None:
        pass


class NhsForm(ErrorSummaryMixin, forms.Form):
    pass


class NhsModelForm(ErrorSummaryMixin, forms.ModelForm):
    """A model form whose constraint errors land beside the field they are about.

    Django reports a constraint on an expression (``UniqueConstraint("nhs_number")``,
    ``UniqueConstraint(Lower("email"))``) as an error for the whole form. ``constraint_fields``
    names the field each such constraint belongs to, so its message shows inline there too.
    """

    constraint_fields: dict[str, str] = {}

    def _post_clean(self) -> None:
        super()._post_clean()
        self._move_constraint_errors()

    def _move_constraint_errors(self) -> None:
        if not self.constraint_fields or NON_FIELD_ERRORS not in self._errors:
            return
        field_for_message = {
            str(constraint.get_violation_error_message()): self.constraint_fields[constraint.name]
            for constraint in self._meta.model._meta.constraints
            if constraint.name in self.constraint_fields
        }
        keep, move = [], []
        for error in self._errors[NON_FIELD_ERRORS].as_data():
            message = " ".join(error.messages)
            field = field_for_message.get(message)
            if field and field in self.fields:
                move.append((field, error))
            else:
                keep.append(error)
        if not move:
            return
        if keep:
            self._errors[NON_FIELD_ERRORS] = self.error_class(keep, error_class="nonfield")
        else:
            del self._errors[NON_FIELD_ERRORS]
        for field, error in move:
            self.add_error(field, error)


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

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        # The NHS.UK macro gives the first item the prefix itself as its id, so the error
        # summary's link and the macro's ``idPrefix`` both use the field's own id.
        return id_


class CheckboxSelectMultiple(_ChoiceItems, forms.CheckboxSelectMultiple):
    nhsuk_kind = "checkboxes"

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_  # as for RadioSelect


class LabelledChoice(forms.ModelChoiceField):
    """A model chosen from a list whose labels the form sets (``labels``: pk → text); a user
    without one is shown by the name they go by."""

    widget = Select

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.labels: dict[int, str] = {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return self.labels.get(obj.pk) or getattr(obj, "display_name", str(obj))


class LabelledChoices(forms.ModelMultipleChoiceField):
    """Several models chosen with checkboxes, labelled as :class:`LabelledChoice` is."""

    widget = CheckboxSelectMultiple

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.labels: dict[int, str] = {}
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        return self.labels.get(obj.pk) or getattr(obj, "display_name", str(obj))


class CheckboxInput(forms.CheckboxInput):
    nhsuk_kind = "checkbox"


class Textarea(forms.Textarea):
    nhsuk_kind = "textarea"


class TelInput(forms.TextInput):
    input_type = "tel"


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
