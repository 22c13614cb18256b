"""What the organisation pages show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from alongside.accounts.models import User
from alongside.core import formats
from alongside.organisations.models import Membership, Organisation


class OrganisationListPresenter:
    head = [
        {"text": "Name"},
        {"text": "Type"},
        {"text": "ODS code"},
        {"text": "Teams", "format": "numeric"},
    ]

    def __init__(self, organisations: Iterable[Organisation]) -> None:
        self.organisations = list(organisations)

    @property
    def count(self) -> int:
        return len(self.organisations)

    @property
    def rows(self) -> list[list[dict[str, Any]]]:
        return [
            [
                {
                    "text": org.name,
                    "href": reverse("organisations:change", args=[org.pk]),
                    "visuallyHiddenText": "(change)",
                },
                {"text": org.get_kind_display()},
                {"text": org.ods_code or "None"},
                {"text": formats.number(org.team_count)},
            ]
            for org in self.organisations
        ]


class WaitingMembershipsPresenter:
    """The approvals page: memberships waiting for a second person, each linked to its
    decision page, with whether the viewer may decide it."""

    head = [
        {"text": "Staff member"},
        {"text": "Role"},
        {"text": "Team"},
        {"text": "Asked for by"},
        {"text": "Asked on"},
    ]

    def __init__(self, memberships: Iterable[Membership], *, viewer: User) -> None:
        self.memberships = list(memberships)
        self.viewer = viewer

    @property
    def count(self) -> int:
        return len(self.memberships)

    def _asked_by(self, membership: Membership) -> str:
        if membership.created_by is None:
            return "Not recorded"
        if membership.created_by_id == self.viewer.pk:
            return "You"
        return membership.created_by.display_name

    @property
    def rows(self) -> list[list[dict[str, Any]]]:
        return [
            [
                {
                    "text": m.user.display_name,
                    "href": reverse("organisations:decide-membership", args=[m.pk]),
                    "visuallyHiddenText": "(decide)",
                },
                {"text": m.get_role_display()},
                {"text": f"{m.team.name}, {m.team.organisation.name}"},
                {"text": self._asked_by(m)},
                {"text": formats.date(m.created_at)},
            ]
            for m in self.memberships
        ]


def membership_summary(membership: Membership) -> list[dict[str, Any]]:
    """The summary list of a membership on its decision page."""
    asked_by = membership.created_by.display_name if membership.created_by else "Not recorded"
    pairs = [
        ("Staff member", f"{membership.user.display_name} ({membership.user.username})"),
        ("Role", membership.get_role_display()),
        ("Job title", membership.job_title or "Not given"),
        ("Team", membership.team.name),
        ("Organisation", membership.team.organisation.name),
        ("Starts", formats.date(membership.started_on)),
        ("Asked for by", asked_by),
        ("Asked on", formats.datetime(membership.created_at)),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]
