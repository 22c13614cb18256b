"""How dates, numbers and identifiers are shown, the NHS.UK way ("23 November 2026")."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def date(value: dt.date | dt.datetime | None, empty: str = "Not known") -> str:
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return f"{value.day} {value:%B %Y}"


def datetime(value: dt.datetime | None, empty: str = "Not known") -> str:
    if value is None:
        return empty
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{date(local)} at {hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


def nhs_number(value: str | None, empty: str = "Not known") -> str:
    """Show an NHS number in the 3-3-4 groups people read it in."""
    if not value:
        return empty
    digits = "".join(c for c in value if c.isdigit())
    if len(digits) != 10:
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def number(value: int | float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,}"


def mid_sentence(text: str) -> str:
    """A label as it reads inside a sentence ("Change phone number"): its first letter in lower
    case, unless its first word is an abbreviation ("GP practice", "NHS number", "PHQ-9"),
    which keeps its capitals."""
    first = text.split(" ", 1)[0]
    if sum(1 for c in first if c.isupper()) >= 2 or first == "I" or first.startswith("I'"):
        return text
    return text[:1].lower() + text[1:]
