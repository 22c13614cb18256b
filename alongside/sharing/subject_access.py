"""A subject access export: everything Alongside holds about one person, in one JSON document.

Each part of the platform adds its own section with ``register``, from its ``AppConfig.ready``
(referrals; care: episodes, plan, goals, contacts, contact preferences; meetings; outcomes;
supervision's case discussions; a linked co-production register entry), so the export grows with
the record and nothing is left out by forgetting a page. The person's details and consents come
first, the sections of the record next, and the record of access to it and changes to it last.

That full export is never handed to the person as it stands: it is what the privacy lead reviews
when the person asks (a ``SubjectAccessRequest``), and the person downloads the *released copy*
(``released_copy``): the export as reviewed, without the items withheld, with a statement of
what was withheld and why.

The person's *own copy* (``own_copy``), theirs to download at once, holds only what their portal
shows them. Its sections are registered apart with ``register_own``, by the portal from the
queries its pages use, so the file and the pages cannot disagree about what the person sees.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Organisation, Team
from alongside.people.models import Person
from alongside.sharing.models import (
    AccessEvent,
    BreakGlass,
    SubjectAccessRequest,
    WithholdReason,
)
from alongside.sharing.queries import (
    consents_for,
    has_privacy_lead,
    looks_at,
    place_privacy_organisation,
    record_history,
)

Section = Callable[[Person], Any]
_sections: dict[str, Section] = {}
_own_sections: dict[str, Section] = {}
_care_holders: list[Callable[[Person], list[int]]] = []


def register(name: str, section: Section) -> None:
    """Add a section to the full export (what the privacy lead reviews)."""
    _sections[name] = section


def register_own(name: str, section: Section) -> None:
    """Add a section to the person's own copy: only what their portal shows them."""
    _own_sections[name] = section


def register_care_holders(holders: Callable[[Person], list[int]]) -> None:
    """Add a source of the organisations holding the person's care, most current first (the
    care app gives the lead teams' organisations of the open and the last episodes)."""
    if holders not in _care_holders:
        _care_holders.append(holders)


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


def _own_details(person: Person) -> dict[str, Any]:
    """The details the portal's home page shows the person."""
    return {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_name": person.preferred_name,
        "date_of_birth": iso(person.date_of_birth),
        "nhs_number": person.nhs_number,
        "phone": person.phone,
        "email": person.email,
        "preferred_language": person.preferred_language,
    }


def _who_has_looked(person: Person) -> list[dict[str, Any]]:
    """The looks at the record the portal's "who has looked" page lists (the same query)."""
    return [
        {
            "when": iso(e.occurred_at),
            "who": e.user.display_name if e.user else None,
            "organisation": e.organisation.name if e.organisation else None,
            "part": e.part,
            "action": e.action,
            "basis": e.basis,
            "reason": e.reason,
        }
        for e in looks_at(person)
    ]


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

for _name, _section in (
    ("details", _own_details),
    ("sharing_choices", _consents),
    ("who_has_looked", _who_has_looked),
):
    register_own(_name, _section)


#: The sections about access to the record and changes to it, which close the export.
_LAST = ("break_glass", "access_to_the_record", "history_of_changes")


def _export_names() -> list[str]:
    return [n for n in _sections if n not in _LAST] + [n for n in _LAST if n in _sections]


def in_export_order(document: dict[str, Any]) -> list[str]:
    """The keys of a stored export in the order the export gives them (the database keeps a
    JSON document's keys in an order of its own)."""
    order = {name: i for i, name in enumerate(["generated_at", "about", *_export_names()])}
    return sorted(document, key=lambda k: (order.get(k, len(order)), k))


def export(person: Person) -> dict[str, Any]:
    """The whole export. The audit row for making it is written by the caller's access check,
    before this runs, so the export includes its own making."""
    names = _export_names()
    return {
        "generated_at": timezone.now().isoformat(),
        "about": "Everything Alongside holds about this person (a subject access export).",
        **{name: _sections[name](person) for name in names},
    }


#: The own copy's sections about access to the record, which close it.
_OWN_LAST = ("who_has_looked",)


def own_copy(person: Person) -> dict[str, Any]:
    """What the person's portal shows them, as one document: theirs to download at once."""
    names = [n for n in _own_sections if n not in _OWN_LAST] + [
        n for n in _OWN_LAST if n in _own_sections
    ]
    return {
        "generated_at": timezone.now().isoformat(),
        "about": (
            "What you can see about yourself in Alongside's portal, as a file. This is not "
            "everything held about you: to have a copy of everything, ask for one in your portal "
            "or write to the organisation supporting you (a subject access request)."
        ),
        **{name: _own_sections[name](person) for name in names},
    }


# --- Requests: who answers, and the copy released ------------------------------------------------


def answering_organisation(person: Person) -> Organisation:
    """The organisation whose privacy lead answers the person's request for a copy of their
    record: the first organisation holding their care that has a privacy lead (the lead team's
    of an open episode, then of the last one; then one the person agreed to share with), or
    the place's privacy lead's when none has one."""
    candidates: list[int] = []
    for holders in _care_holders:
        candidates += [pk for pk in holders(person) if pk not in candidates]
    for consent in consents_for(person).in_force().order_by("recorded_at", "id"):
        if consent.organisation_id not in candidates:
            candidates.append(consent.organisation_id)
    for pk in candidates:
        if has_privacy_lead(pk):
            return Organisation.objects.get(pk=pk)
    place = place_privacy_organisation()
    if place is not None:
        return place
    if candidates:  # reviewed once a privacy lead is appointed there, or for the place
        return Organisation.objects.get(pk=candidates[0])
    raise ValidationError(
        "No organisation with a privacy lead holds this record, and none is named to answer for "
        "the place (ALONGSIDE_PLACE_PRIVACY_ORGANISATION)."
    )


def section_title(name: str) -> str:
    """A section's name as a heading: ``episodes_of_care`` is "Episodes of care"."""
    return name.replace("_", " ").capitalize()


def items_of(document: dict[str, Any]) -> list[tuple[str, int | None, Any]]:
    """The items a privacy lead may withhold from an export, in order: each entry of a section
    that is a list, and each other section (the details, say) as one item."""
    found: list[tuple[str, int | None, Any]] = []
    for name in in_export_order(document):
        value = document[name]
        if name in {"generated_at", "about"}:
            continue
        if isinstance(value, list):
            found += [(name, index, entry) for index, entry in enumerate(value)]
        elif value is not None:
            found.append((name, None, value))
    return found


def released_copy(request: SubjectAccessRequest) -> dict[str, Any]:
    """The export as the privacy lead reviewed it, without the items withheld, and a statement
    of what was withheld and why in general terms: the kind of information (its section) and
    the reason, never the items themselves or how many."""
    document = copy.deepcopy(request.reviewed_export or {})
    withheld = list(request.withheld.all())
    by_section: dict[str, set[int | None]] = {}
    for item in withheld:
        by_section.setdefault(item.section, set()).add(item.index)
    for name, indexes in by_section.items():
        value = document.get(name)
        if None in indexes or not isinstance(value, list):
            document[name] = None
        else:
            document[name] = [entry for i, entry in enumerate(value) if i not in indexes]
    reasons: dict[str, set[str]] = {}
    for item in withheld:
        reasons.setdefault(item.reason, set()).add(section_title(item.section))
    statement = {
        "anything_withheld": bool(withheld),
        "reasons": [
            {
                "reason": WithholdReason(reason).label,
                "why": WithholdReason(reason).explanation,
                "from": sorted(sections),
            }
            for reason, sections in sorted(reasons.items())
        ],
        "your_rights": (
            "If you think something has been withheld that should not have been, or is wrong, "
            "you can ask the organisation's privacy lead to look again, and you have the right "
            "to complain to the Information Commissioner's Office (ico.org.uk, 0303 123 1113) "
            "and to go to court."
        ),
    }
    return {
        "about": (
            "A copy of everything Alongside holds about you, as the privacy lead answering your "
            "request reviewed it."
        ),
        "asked_at": iso(request.asked_at),
        "released_at": iso(request.released_at),
        "what_was_withheld": statement,
        **{k: document[k] for k in in_export_order(document) if k != "about"},
    }
