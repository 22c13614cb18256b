"""Loading the postcode lookup: coordinates, small area and deprivation decile per postcode."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from alongside.core.validators import normalise_postcode
from alongside.places.models import Postcode

REQUIRED_COLUMNS = {"postcode", "latitude", "longitude"}
BATCH_SIZE = 5_000


class MalformedFile(Exception):
    """The file cannot be read as a postcode table at all; nothing was loaded."""


@dataclass
class LoadReport:
    loaded: int = 0
    rejected: list[str] = field(default_factory=list)
    people_updated: int = 0

    def lines(self) -> list[str]:
        return [
            f"Loaded {self.loaded:,} postcodes; rejected {len(self.rejected):,}.",
            *(f"rejected: {line}" for line in self.rejected),
            f"Deprivation deciles brought up to date for {self.people_updated:,} people.",
        ]


def _row(number: int, raw: dict[str, str]) -> Postcode:
    try:
        postcode = normalise_postcode(raw["postcode"])
    except ValidationError:
        raise ValueError(
            f"line {number}: postcode: {raw['postcode']!r} is not a UK postcode"
        ) from None
    try:
        latitude, longitude = float(raw["latitude"]), float(raw["longitude"])
    except (TypeError, ValueError):
        raise ValueError(
            f"line {number}: {postcode}: latitude and longitude must be numbers"
        ) from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise ValueError(f"line {number}: {postcode}: coordinates out of range")
    decile_text = (raw.get("imd_decile") or "").strip()
    decile = None
    if decile_text:
        if not decile_text.isdigit() or not 1 <= int(decile_text) <= 10:
            raise ValueError(f"line {number}: {postcode}: imd_decile must be a whole number 1–10")
        decile = int(decile_text)
    return Postcode(
        postcode=postcode,
        latitude=latitude,
        longitude=longitude,
        lsoa_code=(raw.get("lsoa_code") or "").strip()[:9],
        imd_decile=decile,
    )


@transaction.atomic
def load_postcodes(path: str | Path) -> LoadReport:
    """Load (or update) postcodes from a CSV with columns postcode, latitude, longitude and,
    optionally, lsoa_code and imd_decile. Bad rows are reported and skipped; the rest load in
    one transaction. People's deprivation deciles are then derived again from the lookup."""
    report = LoadReport()
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = REQUIRED_COLUMNS - {c.strip() for c in reader.fieldnames or []}
            if missing:
                raise MalformedFile(f"the file has no {', '.join(sorted(missing))} column")
            rows: dict[str, Postcode] = {}
            for number, raw in enumerate(reader, start=2):
                try:
                    row = _row(number, {k.strip(): v for k, v in raw.items() if k})
                except ValueError as problem:
                    report.rejected.append(str(problem))
                    continue
                rows[row.postcode] = row
    except (OSError, UnicodeDecodeError, csv.Error) as problem:
        raise MalformedFile(str(problem)) from problem
    Postcode.objects.bulk_create(
        rows.values(),
        batch_size=BATCH_SIZE,
        update_conflicts=True,
        unique_fields=["postcode"],
        update_fields=["latitude", "longitude", "lsoa_code", "imd_decile"],
    )
    report.loaded = len(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE people_person p SET imd_decile = pc.imd_decile FROM places_postcode pc "
            "WHERE p.postcode = pc.postcode AND p.imd_decile IS DISTINCT FROM pc.imd_decile"
        )
        report.people_updated = cursor.rowcount
    return report
