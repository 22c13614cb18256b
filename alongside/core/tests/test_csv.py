"""The one CSV writer: formula-like text is defused, numbers and plain text are left alone."""

import csv as stdlib_csv
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from alongside.core import csv


def written(rows, **options) -> str:
    out = io.StringIO()
    csv.writer(out, **options).writerows(rows)
    return out.getvalue()


def read(text: str) -> list[list[str]]:
    return list(stdlib_csv.reader(io.StringIO(text)))


@pytest.mark.parametrize(
    "dangerous",
    [
        '=HYPERLINK("https://example.invalid/","Click")',
        "+1+2",
        "-1+2",
        "-",
        "@SUM(A1:A2)",
        "\t=1+1",
        "\r=1+1",
        "=1",
    ],
)
def test_a_cell_that_starts_like_a_formula_is_written_as_text(dangerous):
    assert read(written([[dangerous]])) == [["'" + dangerous]]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-3, "-3"),
        (-2.5, "-2.5"),
        (Decimal("-1.50"), "-1.50"),
        ("-2.5", "-2.5"),
        ("+4", "+4"),
        ("-1e3", "-1e3"),
        (0, "0"),
        ("North", "North"),
        ("a = b", "a = b"),
        ("", ""),
        (None, ""),
    ],
)
def test_numbers_and_ordinary_text_are_written_as_they_are(value, expected):
    assert read(written([[value]])) == [[expected]]


def test_the_dictionary_writer_defuses_header_and_rows_and_ends_lines_the_csv_way():
    out = io.StringIO()
    writer = csv.dict_writer(out, ["name", "n"], extrasaction="ignore")
    writer.writeheader()
    writer.writerow({"name": "=cmd|' /C calc'!A0", "n": -5, "extra": "left out"})
    writer.writerows([{"name": "@me", "n": 3}])
    assert out.getvalue().endswith("\r\n")
    assert read(out.getvalue()) == [["name", "n"], ["'=cmd|' /C calc'!A0", "-5"], ["'@me", "3"]]


def test_no_other_module_writes_csv_itself():
    """Every CSV goes through ``alongside.core.csv``: a module importing the standard library's
    ``csv`` only reads with it."""
    root = Path(csv.__file__).resolve().parents[1]
    offenders = []
    for path in root.rglob("*.py"):
        if "tests" in path.parts or path == Path(csv.__file__).resolve():
            continue
        text = path.read_text()
        if re.search(r"^(import csv|from csv import)", text, re.M) and re.search(
            r"\b(writer|DictWriter)\(", text
        ):
            offenders.append(str(path.relative_to(root)))
    assert offenders == []
