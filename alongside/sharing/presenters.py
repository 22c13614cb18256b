"""What the sharing pages show: rows for tables and the record's navigation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.core import formats
from alongside.organisations.models import Organisation
from alongside.sharing import queries, subject_access
from alongside.sharing.access import Access
from alongside.sharing.models import (
    AccessEvent,
    Action,
    Basis,
    Consent,
    Part,
    RequestStatus,
    SubjectAccessRequest,
    WithholdReason,
)


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
    self_claimed: bool = False

    @property
    def claim_note(self) -> str:
        """Beside a look that rested on a relationship its holder made for themselves."""
        if not self.self_claimed:
            return ""
        return (
            "they linked themselves to this record, by matching a referral they made to it; "
            "a privacy lead reviews it"
        )


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
            self_claimed=e.self_claimed,
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


# --- Subject access requests --------------------------------------------------------------------

REQUEST_STATUS_COLOURS = {
    RequestStatus.ASKED: "blue",
    RequestStatus.IN_REVIEW: "yellow",
    RequestStatus.RELEASED: "green",
    RequestStatus.REFUSED: "grey",
}


def _compact(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def item_text(value: Any) -> str:
    """One item of an export as a line the privacy lead reads in full: each field that holds
    something, as ``name: value``."""
    if isinstance(value, dict):
        return "; ".join(
            f"{key.replace('_', ' ')}: {_compact(v)}"
            for key, v in value.items()
            if v not in (None, "", [], {})
        )
    return _compact(value)


def review_sections(request: SubjectAccessRequest) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """The reviewed export's sections, each with the items still in it (key, text), for the
    withholding form: ``(name, title, items)``."""
    withheld = {w.key for w in request.withheld.all()}
    sections: dict[str, list[tuple[str, str]]] = {}
    for name, index, value in subject_access.items_of(request.reviewed_export or {}):
        key = name if index is None else f"{name}:{index}"
        items = sections.setdefault(name, [])
        if key not in withheld:
            number = "" if index is None else f"{index + 1}. "
            items.append((key, f"{number}{item_text(value)}"))
    return [(n, subject_access.section_title(n), items) for n, items in sections.items()]


@dataclass(frozen=True)
class WithheldRow:
    id: int
    item: str
    text: str
    reason: str
    note: str
    by: str


def withheld_rows(request: SubjectAccessRequest) -> list[WithheldRow]:
    document = request.reviewed_export or {}
    rows = []
    for w in request.withheld.select_related("withheld_by"):
        value = document.get(w.section)
        if w.index is not None and isinstance(value, list) and w.index < len(value):
            value = value[w.index]
        title = subject_access.section_title(w.section)
        rows.append(
            WithheldRow(
                id=w.pk,
                item=title if w.index is None else f"{title}, item {w.index + 1}",
                text=item_text(value),
                reason=WithholdReason(w.reason).label,
                note=w.note,
                by=w.withheld_by.display_name,
            )
        )
    return rows


@dataclass(frozen=True)
class RequestRow:
    id: int
    person_id: int
    asked: str
    how: str
    due: str
    overdue: bool
    status: str
    status_colour: str
    answering: str
    reviewer: str
    refusal_reason: str
    download_href: str


def request_rows(
    requests: Iterable[SubjectAccessRequest], *, download_route: str = ""
) -> list[RequestRow]:
    """Requests for a table: the privacy lead's list, or the person's own (with the link to
    download a released copy, ``download_route`` taking the request's id)."""
    today = timezone.localdate()
    return [
        RequestRow(
            id=r.pk,
            person_id=r.person_id,
            asked=formats.date(r.asked_at),
            how=r.get_channel_display(),
            due=formats.date(r.due_on),
            overdue=r.is_open and r.due_on < today,
            status=r.get_status_display(),
            status_colour=REQUEST_STATUS_COLOURS[RequestStatus(r.status)],
            answering=r.organisation.name,
            reviewer=r.reviewer.display_name if r.reviewer_id and r.reviewer else "",
            refusal_reason=r.refusal_reason,
            download_href=(
                reverse(download_route, kwargs={"request_id": r.pk})
                if download_route and r.status == RequestStatus.RELEASED
                else ""
            ),
        )
        for r in requests
    ]


@dataclass(frozen=True)
class Reviewer:
    """Who reviews what staff of an organisation do: for the pages that say so."""

    organisation: str
    reviewing: str
    for_the_place: bool

    @property
    def sentence(self) -> str:
        if not self.reviewing:
            return (
                f"{self.organisation} has no privacy lead, and none is named to review for the "
                "place: tell your organisation administrator, who must arrange one"
            )
        if self.for_the_place:
            return (
                f"{self.organisation} has no privacy lead of its own, so the privacy lead of "
                f"{self.reviewing}, who reviews for the place, reviews every use"
            )
        return f"The privacy lead of {self.reviewing} reviews every use"


def reviewer_for(organisation: Organisation | None) -> Reviewer | None:
    if organisation is None:
        return None
    reviewing = queries.reviewing_organisation(organisation)
    return Reviewer(
        organisation=organisation.name,
        reviewing=reviewing.name if reviewing else "",
        for_the_place=reviewing is not None and reviewing.pk != organisation.pk,
    )
