"""A subject access export: everything Alongside holds about one person, in one JSON document.

Each part of the platform adds its own section with ``register`` (later apps: referrals, care,
outcomes…), so the export grows with the record and nothing is left out by forgetting a page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.models import model_to_dict
from django.utils import timezone

from alongside.people.models import Person
from alongside.sharing.models import AccessEvent, BreakGlass
from alongside.sharing.queries import consents_for, record_history

Section = Callable[[Person], Any]
_sections: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    _sections[name] = section


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _details(person: Person) -> dict[str, Any]:
    data = model_to_dict(person, exclude=["user"])
    data["id"] = person.pk
    data["date_of_birth"] = _when(person.date_of_birth)
    data["created_at"] = _when(person.created_at)
    data["updated_at"] = _when(person.updated_at)
    data["ethnicity"] = {"code": person.ethnicity, "label": person.get_ethnicity_display()}
    return data


def _consents(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": c.organisation.name,
            "parts": c.parts,
            "starts_on": _when(c.starts_on),
            "ends_on": _when(c.ends_on),
            "method": c.method,
            "recorded_by": c.recorded_by.display_name,
            "recorded_at": _when(c.recorded_at),
            "withdrawn_at": _when(c.withdrawn_at),
            "withdrawal_method": c.withdrawal_method,
        }
        for c in consents_for(person)
    ]


def _break_glass(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "by": g.user.display_name,
            "organisation": g.organisation.name,
            "reason": g.reason,
            "opened_at": _when(g.opened_at),
            "expires_at": _when(g.expires_at),
            "reviewed_at": _when(g.reviewed_at),
            "review_outcome": g.review_outcome,
        }
        for g in BreakGlass.objects.filter(person=person).select_related("user", "organisation")
    ]


def _access(person: Person) -> list[dict[str, Any]]:
    events = (
        AccessEvent.objects.filter(person_id=person.pk)
        .select_related("user", "organisation")
        .order_by("occurred_at", "id")
    )
    return [
        {
            "when": _when(e.occurred_at),
            "who": e.user.display_name if e.user else None,
            "organisation": e.organisation.name if e.organisation else None,
            "part": e.part,
            "action": e.action,
            "basis": e.basis,
            "allowed": e.allowed,
            "reason": e.reason,
        }
        for e in events
    ]


def _history(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "when": _when(e.pgh_created_at),
            "record": e.pgh_obj_model,
            "event": e.pgh_label,
            "changes": e.pgh_diff,
            "by_user_id": (e.pgh_context or {}).get("user"),
        }
        for e in record_history(person)
    ]


for _name, _section in (
    ("details", _details),
    ("consents", _consents),
    ("break_glass", _break_glass),
    ("access_to_the_record", _access),
    ("history_of_changes", _history),
):
    register(_name, _section)


def export(person: Person) -> dict[str, Any]:
    """The whole export. The audit row for making it is written by the caller's access check,
    before this runs, so the export includes its own making."""
    return {
        "generated_at": timezone.now().isoformat(),
        "about": "Everything Alongside holds about this person (a subject access export).",
        **{name: section(person) for name, section in _sections.items()},
    }
