"""The one way Alongside writes CSV: cells that a spreadsheet would run as formulas are defused.

A spreadsheet opening a CSV runs any cell that begins with ``=``, ``+``, ``-`` or ``@`` as a
formula (and some treat a leading tab or carriage return the same way), so a team, locality or
expert renamed ``=HYPERLINK("https://…", "Click")`` would become a live link, or worse, in the
file someone downloads. Every CSV the app writes, on a page or from a command, goes through
``writer`` or ``dict_writer`` here, which put a ``'`` before such a cell so that it opens as the
text it is.

Numbers stay numbers: a value of a numeric type (``-3``, ``Decimal("-1.50")``) is written as it
is, and so is text that is nothing but a number (``"-2.5"``), since no formula can hide in one.
``None`` is written as an empty cell.
"""

from __future__ import annotations

import csv
import numbers
import re
from collections.abc import Iterable, Sequence
from typing import IO, Any

# What a spreadsheet takes as the start of a formula (OWASP, "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# A plain number written as text: a sign, digits, a decimal point, an exponent; nothing else.
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def cell(value: object) -> object:
    """``value`` as it is safe to write: numbers as they are, formula-like text quoted."""
    if value is None:
        return ""
    if isinstance(value, numbers.Number):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class SafeWriter:
    """A ``csv.writer`` whose every cell passes through ``cell`` first."""

    def __init__(self, out: IO[str], **options: Any) -> None:
        options.setdefault("lineterminator", "\r\n")
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[object]) -> Any:
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


class SafeDictWriter(csv.DictWriter):
    """A ``csv.DictWriter`` writing through ``SafeWriter``: header and rows alike."""

    def __init__(self, out: IO[str], fieldnames: Sequence[str], **options: Any) -> None:
        extrasaction = options.pop("extrasaction", "raise")
        super().__init__(out, fieldnames, extrasaction=extrasaction)
        self.writer = SafeWriter(out, **options)


def writer(out: IO[str], **options: Any) -> SafeWriter:
    """Rows of cells to ``out`` (lines end ``\\r\\n``, as RFC 4180 has it)."""
    return SafeWriter(out, **options)


def dict_writer(out: IO[str], fieldnames: Sequence[str], **options: Any) -> SafeDictWriter:
    """Rows given as dictionaries to ``out``, in the order of ``fieldnames``."""
    return SafeDictWriter(out, fieldnames, **options)
