"""Importing a county council's Open Referral UK feed: services a second, queries, what is kept.

The feed is ``alongside.directory.tests.council_feed``'s: the ORUK API's paged ``/services``
answer of a made-up county (2,000 services, 400 organisations, 3,000 locations), with the faults
councils' real feeds have. A fresh database is migrated and given the feed's postcodes (with a
locality each), then the feed is imported twice: into the empty directory (every record new) and
again (every record an update). Each import is timed whole (reading, checking and writing, in one
transaction), its statements counted, and what it kept and rejected reported.

``python -m benchmarks directory_import`` writes the section of ``docs/benchmarks.md``;
``--json`` prints the figures only, and ``ALONGSIDE_BENCH_BASELINE`` may name a JSON file of the
same figures from another version of the code, shown beside these.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.coproduction_county import _remove
from benchmarks.process import ROOT, measure

SERVICES, ORGANISATIONS, LOCATIONS = 2000, 400, 3000


def _version() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "alongside"], cwd=ROOT, capture_output=True, text=True
    )
    return done.stdout.strip() + (" with changes" if dirty.stdout.strip() else "")


def _timed_import(folder: Path) -> dict:
    from django.db import connection

    from alongside.directory.interchange.importer import import_feed

    statements = 0

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        started = time.perf_counter()
        report = import_feed(folder)
        seconds = time.perf_counter() - started
    kept = report.count("service", "created") + report.count("service", "updated")
    return {
        "seconds": round(seconds, 2),
        "statements": statements,
        "services_kept": kept,
        "services_rejected": report.count("service", "rejected"),
        "organisations_kept": report.count("organization", "created")
        + report.count("organization", "updated"),
        "locations_kept": report.count("location", "created") + report.count("location", "updated"),
        "rate": round(kept / seconds) if seconds else 0,
    }


def timings() -> dict:
    data_dir = ROOT / "var" / "bench-directory-import"
    _remove(data_dir)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([sys.executable, "-m", "alongside", "migrate", "--no-input", "-v", "0"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from alongside.directory.models import Location, Service
    from alongside.directory.tests.council_feed import write_council_feed
    from alongside.organisations.models import Locality
    from alongside.places.models import Postcode

    try:
        with tempfile.TemporaryDirectory() as folder:
            feed = write_council_feed(
                folder, services=SERVICES, organisations=ORGANISATIONS, locations=LOCATIONS
            )
            localities = Locality.objects.bulk_create(
                [Locality(name=f"Wyvern locality {n}", code=f"wyvern-{n}") for n in range(8)]
            )
            Postcode.objects.bulk_create(
                [
                    Postcode(
                        postcode=code,
                        latitude=52.0 + n / 1000,
                        longitude=-2.5 + n / 1000,
                        locality=localities[n % len(localities)],
                    )
                    for n, code in enumerate(feed.postcodes)
                ]
            )
            first = _timed_import(Path(folder))
            second = _timed_import(Path(folder))
        located = Location.objects.filter(latitude__isnull=False).count()
        figures = {
            "version": _version(),
            "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "pages": feed.pages,
            "first": first,
            "second": second,
            "services_in_directory": Service.objects.count(),
            "locations_with_coordinates": located,
            "locations_in_directory": Location.objects.count(),
        }
    finally:
        _remove(data_dir)
    return figures


def _rows(label: str, figures: dict) -> list[str]:
    out = []
    for run, name in (("first", "into an empty directory"), ("second", "again (all updates)")):
        f = figures[run]
        out.append(
            f"| {label} | {name} | {f['seconds']:.1f} s | {f['rate']:,} services/s | "
            f"{f['statements']:,} | {f['services_kept']:,} kept, {f['services_rejected']:,} "
            f"rejected | {f['organisations_kept']:,} | {f['locations_kept']:,} |"
        )
    return out


def run() -> None:
    from benchmarks.report import write_section

    now = timings()
    print(json.dumps(now), flush=True)
    baseline_path = os.environ.get("ALONGSIDE_BENCH_BASELINE")
    before = json.loads(Path(baseline_path).read_text()) if baseline_path else None
    rows = []
    if before:
        rows += _rows(f"before ({before['version']}, {before['measured']})", before)
    rows += _rows(f"now ({now['version']})", now)
    write_section(
        "directory_import",
        "Importing a council's Open Referral UK feed",
        f"A made-up county council's paged `/services` feed ({now['pages']} pages; "
        f"{SERVICES:,} services, {ORGANISATIONS:,} organisations, {LOCATIONS:,} locations, "
        "written by `alongside.directory.tests.council_feed` with the faults councils' real "
        "feeds have: a quarter of organisations without a description, web addresses without "
        "`https://`, untidy emails, phones and postcodes, dates in several formats, swapped or "
        "missing coordinates, services repeated across pages or without an id or name) imported "
        "with `import_feed` into a freshly migrated database holding the feed's postcodes, then "
        "imported again. Each import is timed whole, in one transaction; 'statements' counts "
        "every SQL statement it sent. 'Kept' is services created or updated; the rest were "
        "rejected, each with its reason in the report. Target: hundreds of services a second."
        + (
            " 'Before' is the same benchmark on the code before the bulk importer, same machine."
            if before
            else ""
        )
        + "\n\n| code | import | time | rate | statements | services | organisations | "
        "locations |\n| --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + f"\n\nAfter the imports: {now['services_in_directory']:,} services and "
        f"{now['locations_in_directory']:,} locations in the directory, "
        f"{now['locations_with_coordinates']:,} of them with coordinates"
        + (
            f" (before: {before['services_in_directory']:,} services, "
            f"{before['locations_in_directory']:,} locations, "
            f"{before['locations_with_coordinates']:,} with coordinates)."
            if before
            else "."
        )
        + "\n",
    )


if __name__ == "__main__" and "--json" in sys.argv:
    print(json.dumps(timings()), flush=True)
