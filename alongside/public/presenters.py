"""The deployment's details (``settings.ALONGSIDE_DEPLOYMENT``) as the public pages show them."""

from __future__ import annotations

import re
from typing import Any

from alongside.core import formats


def tel(number: str) -> str:
    """A phone number as a ``tel:`` link wants it: digits, and a leading + if it has one."""
    digits = re.sub(r"[^\d+]", "", number)
    return f"tel:{digits}"


class DeploymentPresenter:
    """Who runs this service and how to reach them, from the settings."""

    def __init__(self, details: dict[str, Any]) -> None:
        self.details = details

    def __getattr__(self, name: str) -> Any:
        try:
            return self.details[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def contact_tel(self) -> str:
        return tel(self.details["contact_phone"])

    @property
    def dpo_tel(self) -> str:
        return tel(self.details["dpo_phone"])

    @property
    def ico_tel(self) -> str:
        return tel(self.details["ico_phone"])

    @property
    def accessibility_date_text(self) -> str:
        return formats.date(self.details["accessibility_date"])
