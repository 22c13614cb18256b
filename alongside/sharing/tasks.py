"""The audit's scheduled work (see ``alongside.core.jobs``)."""

from __future__ import annotations

import datetime as dt

from alongside.core import db_roles
from alongside.core.jobs import scheduled
from alongside.sharing import audit


@scheduled(
    "sharing.audit_partitions",
    cron="10 2 * * *",
    every=dt.timedelta(days=1),
    every_text="every day at 02:10 UTC",
    purpose="Makes the access audit's monthly partitions three months ahead, so that each "
    "month's rows land in their own partition (it needs the owner's connection, "
    "DATABASE_OWNER_URL, where the database is not the embedded one).",
)
def make_audit_partitions() -> str:
    with db_roles.as_owner():
        created = audit.ensure_partitions()
        db_roles.secure_database()
    if not created:
        return "every partition was there"
    return f"made {len(created)} partition(s): {', '.join(created)}"
