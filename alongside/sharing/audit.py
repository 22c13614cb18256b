"""The audit of every look at a person's record: writing events and keeping the monthly partitions.

``sharing_accessevent`` is partitioned by month on ``occurred_at``. A DEFAULT partition catches any
month without its own, so an insert never fails for want of a partition; ``ensure_partitions``
creates each month's partition ahead of time (after every migrate and from
``alongside audit partitions``), and only for months the default partition holds no rows for.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from alongside.sharing.models import AccessEvent

TABLE = AccessEvent._meta.db_table
REFUSE_FUNCTION = "sharing_accessevent_refuse_change"


def record(
    *,
    user_id: int | None,
    person_id: int | None,
    part: str,
    action: str,
    basis: str,
    allowed: bool,
    route: str,
    organisation_id: int | None = None,
    ip_address: str | None = None,
    reason: str = "",
    self_claimed: bool = False,
) -> AccessEvent:
    """Write one audit row in the caller's transaction: it commits with the business change or
    not at all."""
    return AccessEvent.objects.create(
        user_id=user_id,
        person_id=person_id,
        organisation_id=organisation_id,
        part=part,
        action=action,
        basis=basis,
        allowed=allowed,
        route=route[:120],
        ip_address=ip_address,
        reason=reason,
        self_claimed=self_claimed,
    )


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def partition_name(month: dt.date) -> str:
    """The partition holding ``month``'s rows. Months are calendar months in UTC, the time zone
    the database session uses for the partition bounds."""
    return f"{TABLE}_y{month:%Y}m{month:%m}"


def ensure_partitions(*, months_back: int = 24, months_ahead: int = 3) -> list[str]:
    """Create the monthly partitions from ``months_back`` to ``months_ahead``; return new names.

    A month whose rows already sit in the default partition is left there (PostgreSQL would
    refuse to attach a partition over them); the rows stay readable all the same.
    """
    this_month = _month_start(timezone.now().astimezone(dt.UTC).date())
    created = []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s",
            [TABLE],
        )
        existing = {row[0] for row in cursor.fetchall()}
        for offset in range(-months_back, months_ahead + 1):
            start = _add_months(this_month, offset)
            name = partition_name(start)
            if name in existing:
                continue
            end = _add_months(start, 1)
            cursor.execute(
                f"SELECT EXISTS (SELECT 1 FROM {TABLE}_default "  # noqa: S608 - fixed names
                "WHERE occurred_at >= %s AND occurred_at < %s)",
                [start, end],
            )
            if cursor.fetchone()[0]:
                continue
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {TABLE} "
                f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
            )
            cursor.execute(
                f"CREATE TRIGGER {name}_no_truncate BEFORE TRUNCATE ON {name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}()"
            )
            created.append(name)
    return created


def ensure_partitions_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
        if not cursor.fetchone()[0]:
            return  # migrated backwards past the audit table
    ensure_partitions()
