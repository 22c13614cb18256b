"""The one form that draws any measure from its definition, for staff (every question on one
screen) and for the portal (one question a page): radios for choices and yes/no, a number box
for a rating, a text box for text.

Fields are never ``required`` here: answers may be saved part-way, and on completion the engine
says which required questions are missing (``show_answer_errors`` puts its messages inline).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms

from alongside.core import forms as nhs
from alongside.outcomes.engine import AnswerError, Item, Measure

PREFIX = "q-"
YES_NO = [("yes", "Yes"), ("no", "No")]


def field_name(link_id: str) -> str:
    return f"{PREFIX}{link_id}"


class _Choice(forms.ChoiceField):
    """Radios whose answer the engine checks (so its message, not Django's, is shown)."""

    def valid_value(self, value: str) -> bool:
        return True


def _field(item: Item) -> forms.Field:
    label = item.text
    if item.type == "choice":
        return _Choice(
            label=label,
            choices=[(o.code, o.display or o.code) for o in item.options],
            widget=nhs.RadioSelect,
            required=False,
            help_text=item.hint,
        )
    if item.type == "boolean":
        return forms.ChoiceField(
            label=label,
            choices=YES_NO,
            widget=nhs.RadioSelect,
            required=False,
            help_text=item.hint,
        )
    if item.type == "integer":
        hint = item.hint or f"A number from {item.min_value} to {item.max_value}"
        return forms.CharField(label=label, required=False, help_text=hint)
    return forms.CharField(label=label, required=False, widget=nhs.Textarea, help_text=item.hint)


def _initial(item: Item, value: Any) -> Any:
    if item.type == "boolean" and isinstance(value, bool):
        return "yes" if value else "no"
    return value


@dataclass(frozen=True)
class Part:
    """What a page shows in order: a display text, or a question's bound field."""

    item: Item
    field: forms.BoundField | None


class MeasureForm(nhs.NhsForm):
    """Questions of ``measure`` (all of them, or only ``link_ids``), filled with ``answers``."""

    def __init__(
        self,
        data: Mapping[str, Any] | None,
        *,
        measure: Measure,
        answers: Mapping[str, Any] | None = None,
        link_ids: Iterable[str] | None = None,
    ) -> None:
        super().__init__(data)
        self.measure = measure
        wanted = set(link_ids) if link_ids is not None else None
        self.items = [i for i in measure.items if wanted is None or i.link_id in wanted]
        answers = answers or {}
        for item in self.items:
            if item.answerable:
                self.fields[field_name(item.link_id)] = _field(item)
                self.initial[field_name(item.link_id)] = _initial(item, answers.get(item.link_id))

    def parts(self) -> list[Part]:
        return [
            Part(item, self[field_name(item.link_id)] if item.answerable else None)
            for item in self.items
        ]

    def answers(self) -> dict[str, Any]:
        """The answers on this page, link id → raw value ('' for a question left blank)."""
        assert self.is_bound
        return {
            item.link_id: (self.data.get(field_name(item.link_id)) or "").strip()
            for item in self.items
            if item.answerable
        }

    def show_answer_errors(self, error: AnswerError) -> None:
        """The engine's problems, each beside its question (or at the top for others)."""
        for link_id, message in error.by_item().items():
            name = field_name(link_id)
            self.add_error(name if name in self.fields else None, message[:1].upper() + message[1:])
