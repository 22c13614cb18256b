"""What the sharing pages show: rows for tables and the record's navigation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from alongside.accounts.models import User
from alongside.core import formats
from alongside.sharing.access import Access
from alongside.sharing.models import AccessEvent, Action, Basis, Consent, Part


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    current: bool


class RecordNavigation:
    """Links to the parts of a person's record this user may see (decided, not audited).

    Apps further along the pathway add their part of the record with ``add`` from their
    ``AppConfig.ready`` (the referrals app adds "Referrals"), so this module never imports them.
    """

    ITEMS: list[tuple[str, Part, str]] = [
        ("people:record", Part.DETAILS, "Details"),
        ("sharing:consents", Part.SHARING, "Sharing and consent"),
        ("sharing:looks", Part.AUDIT, "Who has looked"),
        ("sharing:history", Part.AUDIT, "History of changes"),
    ]
    _added = 0

    @classmethod
    def add(cls, route: str, part: Part, label: str) -> None:
        """Add a part's page after the details and the parts added before it."""
        if all(item[0] != route for item in cls.ITEMS):
            cls._added += 1
            cls.ITEMS.insert(cls._added, (route, part, label))

    def __init__(self, user: User, access: Access) -> None:
        self.user = user
        self.access = access

    def items(self, current: str) -> list[NavItem]:
        allowed: dict[Part, bool] = {}
        result = []
        for route, part, label in self.ITEMS:
            if part not in allowed:
                allowed[part] = part == self.access.part or self.access.may(self.user, part)
            if allowed[part]:
                href = reverse(route, kwargs={"person_id": self.access.person.pk})
                result.append(NavItem(label, href, route == current))
        return result


@dataclass(frozen=True)
class ConsentRow:
    organisation: str
    parts: list[str]
    period: str
    recorded: str
    status: str
    status_colour: str
    withdraw_href: str | None


def consent_rows(
    consents: Iterable[Consent], *, may_change: bool, person_id: int
) -> list[ConsentRow]:
    rows = []
    for consent in consents:
        until = f" until {formats.date(consent.ends_on)}" if consent.ends_on else ""
        if consent.withdrawn_at:
            status, colour = f"Withdrawn {formats.date(consent.withdrawn_at)}", "grey"
        else:
            status, colour = "In force", "green"
        rows.append(
            ConsentRow(
                organisation=consent.organisation.name,
                parts=consent.part_labels(),
                period=f"From {formats.date(consent.starts_on)}{until}",
                recorded=(
                    f"{consent.get_method_display()}, recorded by "
                    f"{consent.recorded_by.display_name} on {formats.date(consent.recorded_at)}"
                ),
                status=status,
                status_colour=colour,
                withdraw_href=(
                    reverse(
                        "sharing:withdraw",
                        kwargs={"person_id": person_id, "consent_id": consent.pk},
                    )
                    if may_change and not consent.withdrawn_at
                    else None
                ),
            )
        )
    return rows


@dataclass(frozen=True)
class AccessRow:
    when: str
    who: str
    organisation: str
    what: str
    basis: str
    reason: str
    allowed: bool
    person_id: int | None


def access_rows(events: Iterable[AccessEvent]) -> list[AccessRow]:
    return [
        AccessRow(
            when=formats.datetime(e.occurred_at),
            who=e.user.display_name if e.user else "Unknown",
            organisation=e.organisation.name if e.organisation else "",
            what=f"{Action(e.action).label}: {Part(e.part).label.lower()}",
            basis=Basis(e.basis).label,
            reason=e.reason,
            allowed=e.allowed,
            person_id=e.person_id,
        )
        for e in events
    ]


@dataclass(frozen=True)
class HistoryRow:
    when: str
    record: str
    event: str
    changes: list[tuple[str, Any, Any]]
    by: str


def history_rows(events: Iterable[Any]) -> list[HistoryRow]:
    events = list(events)
    user_ids = {
        (e.pgh_context or {}).get("user") for e in events if (e.pgh_context or {}).get("user")
    }
    names = {u.pk: u.display_name for u in User.objects.filter(pk__in=user_ids)}
    rows = []
    for e in events:
        diff = e.pgh_diff or {}
        changes = [(field, old, new) for field, (old, new) in sorted(diff.items())]
        user_id = (e.pgh_context or {}).get("user")
        rows.append(
            HistoryRow(
                when=formats.datetime(e.pgh_created_at),
                record=e.pgh_obj_model.split(".")[-1].replace("person", "Person's details"),
                event="Created" if e.pgh_label == "insert" else "Changed",
                changes=changes,
                by=names.get(user_id, "System (no signed-in user)"),
            )
        )
    return rows
