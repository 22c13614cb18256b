"""``alongside flush``: Django's flush (empty every table), run as the owner role.

``TRUNCATE`` is the owner's alone: the app role may not empty a table, least of all the
history's. The test runner flushes between transactional tests through this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as DjangoFlush

from alongside.core import db_roles


class Command(DjangoFlush):
    def handle(self, **options: Any) -> None:
        with db_roles.as_owner(options["database"]):
            super().handle(**options)
