"""``alongside migrate``: Django's migrate, run as the owner role, then the app role's grants.

The migrations, the audit's monthly partitions made after them (``post_migrate``) and
``db_roles.secure_database`` all run on a connection made as the owner (``DATABASE_OWNER``); the
site itself never holds that role.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections

from alongside.core import db_roles


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Runs as the database owner and then sets the app role's grants."

    def handle(self, *args: Any, **options: Any) -> None:
        using = options["database"]
        with db_roles.as_owner(using):
            self._refuse_unless_owner(using)
            super().handle(*args, **options)
            app = db_roles.secure_database(using)
        if app is None and options["verbosity"]:
            self.stderr.write(
                self.style.WARNING(
                    "The site connects as the tables' owner: give it a role that owns nothing "
                    "(DATABASE_URL) and the owner to migrate (DATABASE_OWNER_URL)."
                )
            )

    def _refuse_unless_owner(self, using: str) -> None:
        with connections[using].cursor() as cursor:
            cursor.execute(
                "SELECT current_user, pg_has_role(current_user, relowner, 'MEMBER') "
                "FROM pg_class WHERE oid = to_regclass('django_migrations')"
            )
            row = cursor.fetchone()
        if row is not None and not row[1]:
            raise CommandError(
                f"Migrations run as the tables' owner, not as {row[0]} (the site's role): set "
                "DATABASE_OWNER_URL for this command (see docs/security.md)."
            )
