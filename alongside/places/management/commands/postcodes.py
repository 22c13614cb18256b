"""``alongside postcodes load FILE.csv``: load the postcode lookup (see ``places.services``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.places.services import MalformedFile, load_postcodes


class Command(BaseCommand):
    help = (
        "Load postcodes and their coordinates (and optionally LSOA code and IMD decile) from a "
        "CSV file with columns postcode, latitude, longitude[, lsoa_code, imd_decile]."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Load or update postcodes from a CSV file.")
        load.add_argument("path")

    def handle(self, *args: Any, action: str, path: str, **options: Any) -> None:
        try:
            report = load_postcodes(path)
        except MalformedFile as problem:
            raise CommandError(f"Not loaded, nothing changed: {problem}") from problem
        for line in report.lines():
            self.stdout.write(line)
