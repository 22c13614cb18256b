"""``alongside audit partitions``: make the audit's monthly partitions ahead of time, as the owner.

``alongside migrate`` does this too; a deployment that migrates less often than every three
months runs this monthly (a scheduled job with ``DATABASE_OWNER_URL``), so that each month's
rows land in their own partition rather than the default one.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from alongside.core import db_roles
from alongside.sharing import audit


class Command(BaseCommand):
    help = "Audit upkeep: 'partitions' makes the monthly partitions of the access audit."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        partitions = actions.add_parser("partitions", help="Make the monthly partitions.")
        partitions.add_argument("--months-back", type=int, default=24)
        partitions.add_argument("--months-ahead", type=int, default=3)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with db_roles.as_owner():
            created = audit.ensure_partitions(
                months_back=options["months_back"], months_ahead=options["months_ahead"]
            )
            db_roles.secure_database()
        if created:
            self.stdout.write(f"Made {len(created)} partitions: {', '.join(created)}.")
        else:
            self.stdout.write("Every partition was already there.")
