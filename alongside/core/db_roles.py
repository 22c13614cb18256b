"""The two database roles: the owner, who runs migrations, and the app, which owns nothing.

The site and every ordinary command connect as the **app role** (``DATABASES['default']``). It
owns no table and is no superuser, so it cannot disable, drop or alter a trigger, detach or
drop one of the audit's partitions, or switch triggers off with ``session_replication_role``;
it holds ``SELECT, INSERT, UPDATE, DELETE`` on ordinary tables and only ``SELECT, INSERT`` on
the audit and the record history (``secure_database``, run by ``alongside migrate``).

The **owner role** (``settings.DATABASE_OWNER``: the embedded server's ``alongside_owner``, or
``DATABASE_OWNER_URL`` in a deployment) owns every table. ``as_owner()`` switches the default
connection to it for the commands that need it: ``migrate`` (and the partitions made after it),
``alongside audit partitions``, ``flush``, the demo load, and the test runner's database set-up.
A deployment gives ``DATABASE_OWNER_URL`` only to its release step, never to the web server.

``refuse_privileged_role`` (connected to ``connection_created``) checks every new connection of
the app: one made as a superuser or as the audit's owner is refused in production and warned
about elsewhere.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

logger = logging.getLogger(__name__)

#: The connection settings that differ between the two roles.
CREDENTIALS = ("USER", "PASSWORD", "HOST", "PORT")
AUDIT_TABLE = "sharing_accessevent"
#: Tables the app keeps up itself through upserts (pghistory's context of a request): no DELETE.
UPSERTED = ("pghistory_context",)

_state = threading.local()
_app_credentials: dict[str, dict[str, Any]] = {}


def acting_as_owner() -> bool:
    """Whether this thread's default connection is switched to the owner role."""
    return bool(getattr(_state, "owner", False))


def _switch(using: str, credentials: dict[str, Any] | None, owner: bool) -> Iterator[None]:
    connection = connections[using]
    if connection.in_atomic_block:
        raise RuntimeError("The database role cannot change inside a transaction.")
    _app_credentials.setdefault(using, {k: connection.settings_dict.get(k) for k in CREDENTIALS})
    saved = {k: connection.settings_dict.get(k) for k in CREDENTIALS}
    was_owner = acting_as_owner()
    connection.close()
    if credentials is not None:
        connection.settings_dict.update({k: credentials.get(k, "") for k in CREDENTIALS})
    _state.owner = owner
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        _state.owner = was_owner


@contextmanager
def as_owner(using: str = DEFAULT_DB_ALIAS, *, stay_in_transaction: bool = False) -> Iterator[None]:
    """Run the block with the default connection made as the owner role.

    Without ``DATABASE_OWNER`` (a deployment that gave no owner URL) the connection stays as it
    is: that role must then own the tables itself. The role cannot change inside a transaction:
    that is an error, unless ``stay_in_transaction`` lets the block run in it as it is (the demo
    load called inside a test's transaction, which the app role can do too).
    """
    if acting_as_owner() or (stay_in_transaction and connections[using].in_atomic_block):
        yield
        return
    yield from _switch(using, getattr(settings, "DATABASE_OWNER", None), owner=True)


@contextmanager
def as_app(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Undo an enclosing ``as_owner`` for the block (the test run: set up as the owner, tested
    as the app)."""
    if not acting_as_owner():
        yield
        return
    yield from _switch(using, _app_credentials.get(using), owner=False)


def app_role(using: str = DEFAULT_DB_ALIAS) -> str:
    """The role the site connects as."""
    credentials = _app_credentials.get(using) or connections[using].settings_dict
    return str(credentials.get("USER") or "")


def history_tables() -> list[str]:
    """The record-history tables (django-pghistory's event models)."""
    import pghistory.models

    return [
        m._meta.db_table
        for m in apps.get_models()
        if issubclass(m, pghistory.models.Event) and m._meta.managed and not m._meta.proxy
    ]


def audit_and_history_tables(cursor: Any) -> list[str]:
    """The tables the app may only read and add to: the access audit with every partition,
    and each record-history table."""
    cursor.execute(
        "SELECT relid::regclass::text FROM pg_partition_tree(to_regclass(%s))", [AUDIT_TABLE]
    )
    return [row[0] for row in cursor.fetchall()] + history_tables()


#: Made by sharing migration 0003: sets ``pgh_created_at`` to ``now()`` on every insert.
HISTORY_STAMP_FUNCTION = "alongside_history_stamp_time"


def secure_database(using: str = DEFAULT_DB_ALIAS) -> str | None:
    """Guard the audit and the history, and give the app role what it needs and no more.

    Run as the owner after every migrate (the ``migrate`` command does), in one transaction so
    the site never sees a grant missing. Every history table gets the trigger that stamps its
    rows with the database's time. Then, when the site connects as a role other than this one,
    that role gets: ``SELECT, INSERT, UPDATE, DELETE`` on ordinary tables (and, by default
    privileges, on tables later migrations make); ``SELECT, INSERT`` on the audit, each of its
    partitions and each history table; ``SELECT`` on views, with ``MAINTAIN`` on materialised
    views (PostgreSQL 17+) for their refresh; sequences to use; nothing else — no ``TRUNCATE``,
    ``TRIGGER`` or ``REFERENCES``, and no ``CREATE`` in the schema.

    Returns the app role's name, or ``None`` when there is no separate app role.
    """
    from psycopg import sql

    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:

        def run(statement: str, *parts: str, app: str = "") -> None:
            named = {"app": sql.Identifier(app)} if app else {}
            query = sql.SQL(statement).format(*(sql.SQL(p) for p in parts), **named)
            cursor.execute(query.as_string(cursor.connection))

        for name in history_tables():
            run(
                "CREATE OR REPLACE TRIGGER alongside_stamp_time BEFORE INSERT ON {} "
                f"FOR EACH ROW EXECUTE FUNCTION {HISTORY_STAMP_FUNCTION}()",
                connection.ops.quote_name(name),
            )
        cursor.execute("SELECT current_user")
        owner = cursor.fetchone()[0]
        app = app_role(using)
        if not app or app == owner:
            return None
        # No one but the owner makes objects in the schema.
        run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        run("REVOKE CREATE ON SCHEMA public FROM {app}", app=app)
        run("GRANT USAGE ON SCHEMA public TO {app}", app=app)
        # Tables made by later migrations get the ordinary grants as they are made; the next
        # migrate narrows the audit's, the history's and the views' again.
        run(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public "
            "GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {app}",
            app=app,
        )
        run(
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}",
            app=app,
        )
        run("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}", app=app)
        cursor.execute(
            "SELECT c.oid::regclass::text, c.relkind FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f')"
        )
        relations = cursor.fetchall()
        append_only = set(audit_and_history_tables(cursor))
        maintain = connection.pg_version >= 170000
        for name, kind in relations:  # regclass text: quoted where it needs to be
            run("REVOKE ALL ON {} FROM {app}", name, app=app)
            if maintain:
                run("REVOKE MAINTAIN ON {} FROM {app}", name, app=app)
            if kind in ("v", "m"):
                grant = "SELECT"
            elif name in append_only:
                grant = "SELECT, INSERT"
            elif name in UPSERTED:
                grant = "SELECT, INSERT, UPDATE"
            else:
                grant = "SELECT, INSERT, UPDATE, DELETE"
            run(f"GRANT {grant} ON {{}} TO {{app}}", name, app=app)
            if kind == "m" and maintain:
                # The analysis tables' copies are refreshed by the site (REFRESH, ANALYZE).
                run("GRANT MAINTAIN ON {} TO {app}", name, app=app)
    return app


_checked: set[tuple[str, str]] = set()


def refuse_privileged_role(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """Check each new connection of the site: not a superuser, not the audit's owner.

    In production such a connection is refused (``ImproperlyConfigured``); elsewhere a warning
    is logged once per process. Connections switched to the owner on purpose are let be.
    """
    if connection.alias != DEFAULT_DB_ALIAS or acting_as_owner():
        return
    key = (str(connection.settings_dict.get("HOST")), str(connection.settings_dict.get("USER")))
    if key in _checked:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_user, r.rolsuper, "
            "COALESCE(pg_has_role(current_user, c.relowner, 'MEMBER'), false) "
            "FROM pg_roles r LEFT JOIN pg_class c ON c.oid = to_regclass(%s) "
            "WHERE r.rolname = current_user",
            [AUDIT_TABLE],
        )
        role, superuser, owns_audit = cursor.fetchone()
    if not (superuser or owns_audit):
        _checked.add(key)
        return
    what = "a superuser" if superuser else "the owner of the audit table"
    message = (
        f"The site connects to PostgreSQL as {role}, {what}: it could switch off or drop "
        "the audit's triggers. Connect the site (DATABASE_URL) as a role that owns nothing, "
        "and run migrations as the owner (DATABASE_OWNER_URL); see docs/security.md."
    )
    if settings.PRODUCTION:
        raise ImproperlyConfigured(message)
    _checked.add(key)
    logger.warning(message)
