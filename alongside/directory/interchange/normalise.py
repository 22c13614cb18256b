"""Putting right what councils' feeds get wrong in ways that leave the meaning plain.

Each function takes a value as a feed gives it and returns what the directory stores, or raises
``Unusable`` with a reason a directory manager can read ("is not a web address"). A value that
is changed on the way in comes back with a short note of what was done, so the import report can
say how many records were put right and how. No database: the importer calls these for every
field of every record, so they are kept cheap.
"""

from __future__ import annotations

import datetime as dt
import html
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime, parse_time


class Unusable(ValueError):
    """The value cannot be read as what the field holds; ``reason`` says why, in plain words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


Fixed = tuple[object, str]  # (the value to store, what was done to it, or "")

_url = URLValidator()
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.[a-z]{2,}(:\d+)?([/?#].*)?$", re.I)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.I)


def url(value: str) -> Fixed:
    """A web address: spaces and trailing punctuation dropped, ``https://`` added when missing."""
    text = value.strip().strip("<>\"'").strip()
    note = ""
    trimmed = text.rstrip(".,;:")
    if trimmed != text:
        text, note = trimmed, "trailing punctuation removed"
    if re.search(r"\s", text):
        text = re.sub(r"\s+", "%20", text)
        note = note or "spaces written as %20"
    if text.startswith("//"):
        text, note = f"https:{text}", "https:// added"
    elif not _SCHEME.match(text) and _HOST.match(text):
        text, note = f"https://{text}", "https:// added"
    elif _SCHEME.match(text) and text != (lower := _lower_scheme(text)):
        text = lower
    try:
        _url(text)
    except ValidationError:
        raise Unusable("is not a web address") from None
    return text, note


def _lower_scheme(text: str) -> str:
    scheme, rest = text.split("://", 1)
    return f"{scheme.lower()}://{rest}"


def email(value: str) -> Fixed:
    """An email address: ``mailto:``, brackets and spaces dropped; the first of several kept."""
    text = value.strip()
    note = ""
    if text.lower().startswith("mailto:"):
        text, note = text[7:], "mailto: removed"
    text = text.split("?", 1)[0].strip().strip("<>").strip()
    several = [part for part in re.split(r"[;,/\s]+(?:or\s+)?", text) if "@" in part]
    if len(several) > 1:
        text, note = several[0], f"several given; the first ({several[0]}) kept"
    elif re.search(r"\s", text):
        text, note = re.sub(r"\s+", "", text), note or "spaces removed"
    try:
        validate_email(text)
    except ValidationError:
        raise Unusable("is not an email address") from None
    if value.strip() != text and not note:
        note = "tidied"
    return text, note


_EXTENSION = re.compile(r"\s*(?:ext\.?|extension|x)\s*(\d{1,6})\s*$", re.I)


def phone(value: str) -> tuple[str, str, str]:
    """A phone number and its extension; a UK number written the usual way (``01632 960123``).

    Returns ``(number, extension, note)``. A number that is not a UK one of the usual length is
    kept as given, tidied; one with no digits at all is ``Unusable``.
    """
    text = value.strip().strip('"').strip()
    if text.lower().startswith("tel:"):
        text = text[4:]
    extension = ""
    found = _EXTENSION.search(text)
    if found:
        extension, text = found.group(1), text[: found.start()]
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    if not digits:
        raise Unusable("has no digits, so it is not a phone number")
    if digits.startswith("44") and len(digits) == 12 and text.lstrip().startswith(("+", "00")):
        digits = "0" + digits[2:]
    elif digits.startswith("0044") and len(digits) == 14:
        digits = "0" + digits[4:]
    number = _uk(digits) if len(digits) == 11 and digits.startswith("0") else None
    if number is None:
        number = re.sub(r"\s+", " ", text).strip()
    note = "" if number == value.strip() and not extension else "written the usual UK way"
    return number, extension, note


def _uk(d: str) -> str:
    """Eleven digits grouped as the UK writes them."""
    if d.startswith("02"):
        return f"{d[:3]} {d[3:7]} {d[7:]}"
    if d.startswith(("011", "03", "08", "09")) or (d.startswith("01") and d[3] == "1"):
        return f"{d[:4]} {d[4:7]} {d[7:]}"
    return f"{d[:5]} {d[5:]}"


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})", re.I)
_SLASHED_ISO = re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})")


def date(value: str) -> Fixed:
    """A date from ISO 8601, ``05/10/2026`` (the day first, as in the UK, unless it cannot be),
    ``5 October 2026`` or ``2026/10/05``; the time of a date and time is dropped."""
    text = str(value).strip()
    parsed = _iso_date(text)
    if parsed:
        return parsed, ""
    day = month = year = None
    if found := _NUMERIC.match(text):
        day, month, year = (int(g) for g in found.groups())
        if month > 12 >= day:
            day, month = month, day
    elif found := _WORDS.match(text):
        day, year = int(found.group(1)), int(found.group(3))
        month = _MONTHS.get(found.group(2).lower())
    elif found := _SLASHED_ISO.match(text):
        year, month, day = (int(g) for g in found.groups())
    try:
        parsed = dt.date(year, month, day) if year and month and day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise Unusable("is not a date")
    return parsed, "read as a date written another way"


def _iso_date(text: str) -> dt.date | None:
    try:
        return parse_date(text[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", text) else None
    except ValueError:
        return None


def datetime(value: str) -> Fixed:
    """A date and time; one without a time zone is taken as UK time, a date alone as midnight."""
    text = str(value).strip()
    try:
        parsed = parse_datetime(text)
    except ValueError:
        parsed = None
    note = ""
    if parsed is None:
        day, _ = date(text)
        parsed = dt.datetime.combine(day, dt.time())
        note = "read as a date written another way"
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed, note


_CLOCK = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*([ap])\.?m\.?$", re.I)


def time(value: str) -> Fixed:
    """A time of day: ``10:00``, ``10:00:00``, ``9.30am`` or ``2pm``."""
    text = str(value).strip()
    try:  # "14.15" is a time written with a dot, not 14 hours and 0.15 of a second
        parsed = None if re.match(r"^\d{1,2}\.\d{2}$", text) else parse_time(text)
    except ValueError:
        parsed = None
    if parsed is not None:
        return parsed, ""
    found = _CLOCK.match(text) or re.match(r"^(\d{1,2})\.(\d{2})()$", text)
    if found:
        hour, minute = int(found.group(1)), int(found.group(2) or 0)
        if found.group(3).lower() == "p" and hour < 12:
            hour += 12
        elif found.group(3).lower() == "a" and hour == 12:
            hour = 0
        if hour < 24 and minute < 60:
            return dt.time(hour, minute), "read as a time written another way"
    raise Unusable("is not a time of day")


_TAG = re.compile(r"<[a-z!/][^>]*>", re.I)
_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr)\s*/?>", re.I)
_ENTITY = re.compile(r"&(#\d+|#x[0-9a-f]+|[a-z]+);", re.I)


def text(value: str) -> Fixed:
    """Text with any HTML made plain: tags dropped, line breaks kept, ``&amp;`` read as ``&``."""
    if not (_TAG.search(value) or _ENTITY.search(value)):
        return value.strip(), ""
    plain = _BREAKS.sub("\n", value)
    plain = re.sub(r"<\s*li[^>]*>", "- ", plain, flags=re.I)
    plain = html.unescape(_TAG.sub("", plain))
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in plain.splitlines()]
    plain = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return plain, "HTML made plain text" if plain != value.strip() else ""


def shorten(value: str, limit: int) -> str:
    """``value`` cut at a word to fit ``limit`` characters, ending with an ellipsis."""
    if len(value) <= limit:
        return value
    cut = value[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–-") + "…"


# Where a place in the United Kingdom (with the Channel Islands and Isle of Man) can be.
UK_LATITUDE = (49.0, 61.0)
UK_LONGITUDE = (-8.7, 2.0)


def in_uk(latitude: float, longitude: float) -> bool:
    return (
        UK_LATITUDE[0] <= latitude <= UK_LATITUDE[1]
        and UK_LONGITUDE[0] <= longitude <= UK_LONGITUDE[1]
    )
