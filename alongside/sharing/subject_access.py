"""A subject access export: everything Alongside holds about one person, in one JSON document.

Each part of the platform adds its own section with ``register``, from its ``AppConfig.ready``
(referrals; care: episodes, plan, goals, contacts, contact preferences; meetings; outcomes;
supervision's case discussions; a linked co-production register entry), so the export grows with
the record and nothing is left out by forgetting a page. The person's details and consents come
first, the sections of the record next, and the record of access to it and changes to it last.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.forms.models import model_to_dict
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Team
from alongside.people.models import Person
from alongside.sharing.models import AccessEvent, BreakGlass
from alongside.sharing.queries import consents_for, record_history

Section = Callable[[Person], Any]
_sections: dict[str, Section] = {}


def register(name: str, section: Section) -> None:
    _sections[name] = section


# --- How sections write what they hold (every app's section uses these) -------------------------


def iso(value: Any) -> str | None:
    """A date or time as ISO 8601, or ``None``."""
    return value.isoformat() if value is not None else None


def staff_name(user: User | None) -> str | None:
    """A member of staff by the name they go by, or ``None``."""
    return user.display_name if user is not None else None


def team_entry(team: Team | None) -> dict[str, str] | None:
    """A team with its organisation, or ``None``."""
    if team is None:
        return None
    return {"name": team.name, "organisation": team.organisation.name}


def coded(code: str, label: str) -> dict[str, str] | None:
    """A choice as its code and label, or ``None`` when blank."""
    return {"code": code, "label": label} if code or label else None


def _details(person: Person) -> dict[str, Any]:
    data = model_to_dict(person, exclude=["user"])
    data["id"] = person.pk
    data["date_of_birth"] = iso(person.date_of_birth)
    data["created_at"] = iso(person.created_at)
    data["updated_at"] = iso(person.updated_at)
    data["ethnicity"] = {"code": person.ethnicity, "label": person.get_ethnicity_display()}
    return data


def _consents(person: Person) -> list[dict[str, Any]]:
    return [
        {
            "organisation": c.organisation.name,
            "parts": c.parts,
            "starts_on": iso(c.starts_on),
            "ends_on": iso(c.ends_on),
            "method": c.method,
            "recorded_by": c.recorded_by.display_name,
            "recorded_at": iso(c.recorded_at),
            "withdrawn_at": iso(c.withdrawn_at),
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
            "opened_at": iso(g.opened_at),
            "expires_at": iso(g.expires_at),
            "reviewed_at": iso(g.reviewed_at),
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
            "when": iso(e.occurred_at),
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
            "when": iso(e.pgh_created_at),
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


#: The sections about access to the record and changes to it, which close the export.
_LAST = ("break_glass", "access_to_the_record", "history_of_changes")


def export(person: Person) -> dict[str, Any]:
    """The whole export. The audit row for making it is written by the caller's access check,
    before this runs, so the export includes its own making."""
    names = [n for n in _sections if n not in _LAST] + [n for n in _LAST if n in _sections]
    return {
        "generated_at": timezone.now().isoformat(),
        "about": "Everything Alongside holds about this person (a subject access export).",
        **{name: _sections[name](person) for name in names},
    }
