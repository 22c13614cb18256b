"""``alongside insights refresh``: copy the live records into the analysis tables now (for a
scheduled job, so that no one opening a dashboard waits for the copy)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alongside.insights import snapshots


class Command(BaseCommand):
    help = "Refresh the analysis tables the metrics read."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("refresh", help="Copy the live records into the analysis tables.")

    def handle(self, *args: Any, **options: Any) -> None:
        done = snapshots.refresh()
        if done is None:
            self.stdout.write("Another process is refreshing the analysis tables.")
        else:
            self.stdout.write(f"Analysis tables refreshed in {done.seconds:.1f} s.")
