"""``alongside directory import PATH`` and ``alongside directory export DIR``: Open Referral UK
feeds in and out of the directory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.directory.interchange.exporter import export_feed
from alongside.directory.interchange.importer import import_feed


class Command(BaseCommand):
    help = "Import or export the directory as an Open Referral UK feed."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        imp = actions.add_parser("import", help="Import a JSON file, or a folder of JSON or CSV.")
        imp.add_argument("path")
        exp = actions.add_parser("export", help="Write the directory as JSON files to a folder.")
        exp.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        if options["action"] == "export":
            written = export_feed(path)
            for name, count in written.items():
                self.stdout.write(f"{name}: {count} records")
            return
        report = import_feed(path)
        for line in report.lines():
            self.stdout.write(line)
        if report.refused:
            raise CommandError("The feed was refused; nothing was imported.")
