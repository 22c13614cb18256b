"""What the organisation pages show."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from alongside.core import formats
from alongside.organisations.models import Organisation


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
