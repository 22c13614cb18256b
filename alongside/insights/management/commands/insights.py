"""``alongside insights refresh``: copy the live records into the analysis tables now (for a
scheduled job, so that no one opening a dashboard waits for the copy). ``alongside insights
warm``: refresh them and work out the figures the dashboards open on (every measure's headline
for the latest whole month, place-wide), into the cache every worker shares; ``alongside serve``
runs it before the first visit."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alongside.insights import presenters, snapshots
from alongside.insights.engines import PostgresEngine


class Command(BaseCommand):
    help = "Refresh the analysis tables the metrics read."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("refresh", help="Copy the live records into the analysis tables.")
        actions.add_parser("warm", help="Refresh, then work out the dashboards' first figures.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "warm":
            started = time.perf_counter()
            month = presenters.warm(PostgresEngine())
            if month is None:
                self.stdout.write(
                    "There are no referrals yet, so there are no figures to work out."
                )
            else:
                took = time.perf_counter() - started
                self.stdout.write(f"Figures for {month.label} worked out in {took:.1f} s.")
            return
        done = snapshots.refresh()
        if done is None:
            self.stdout.write("Another process is refreshing the analysis tables.")
        else:
            self.stdout.write(f"Analysis tables refreshed in {done.seconds:.1f} s.")
