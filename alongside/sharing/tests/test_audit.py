"""The audit table: append-only in the database itself, partitioned by month, transactional."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from alongside.sharing import audit
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db


def an_event(**changes):
    fields = {
        "user_id": 1,
        "person_id": 1,
        "part": Part.DETAILS,
        "action": Action.VIEW,
        "basis": Basis.CONSENT,
        "allowed": True,
        "route": "test",
    }
    return audit.record(**{**fields, **changes})


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sharing_accessevent SET allowed = NOT allowed",
        "DELETE FROM sharing_accessevent",
        "TRUNCATE sharing_accessevent",
    ],
)
def test_raw_sql_cannot_change_or_delete_audit_rows(statement):
    """Refused to the site's role by its grants (and to the owner by the triggers: see
    test_audit_roles.py)."""
    an_event()
    with (
        pytest.raises(DatabaseError, match=r"append-only|permission denied"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement)
    assert AccessEvent.objects.count() >= 1


def test_each_monthly_partition_refuses_truncate_and_updates_too():
    event = an_event()
    partition = audit.partition_name(event.occurred_at.astimezone(dt.UTC).date().replace(day=1))
    for statement in (
        f"TRUNCATE {partition}",
        f"UPDATE {partition} SET reason = 'x'",
        f"DELETE FROM {partition} WHERE id = {event.pk}",
    ):
        with (
            pytest.raises(DatabaseError, match=r"append-only|permission denied"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement)


def test_the_orm_cannot_delete_audit_rows_either():
    event = an_event()
    with pytest.raises(DatabaseError), transaction.atomic():
        AccessEvent.objects.filter(pk=event.pk).delete()


def test_rows_land_in_this_months_partition():
    event = an_event()
    partition = audit.partition_name(event.occurred_at.astimezone(dt.UTC).date().replace(day=1))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {partition} WHERE id = %s", [event.pk])
        assert cursor.fetchone()[0] == 1


def test_a_month_without_a_partition_falls_into_the_default_one(owner_connection):
    """The time is the database's, so the month without a partition is made one: the owner
    detaches this month's (in its own transaction, rolled back)."""
    partition = audit.partition_name(timezone.now().astimezone(dt.UTC).date().replace(day=1))
    owner_connection.execute(f"ALTER TABLE {audit.TABLE} DETACH PARTITION {partition}")
    owner_connection.execute(
        f"INSERT INTO {audit.TABLE} (part, action, basis, allowed, route, reason) "
        "VALUES ('details', 'view', 'none', false, 'no partition', '')"
    )
    landed = owner_connection.execute(
        f"SELECT count(*) FROM {audit.TABLE}_default WHERE route = 'no partition'"
    ).fetchone()[0]
    assert landed == 1


def test_ensure_partitions_is_idempotent_and_plans_ahead():
    assert audit.ensure_partitions() == []
    ahead = timezone.localdate().replace(day=1) + dt.timedelta(days=62)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [audit.partition_name(ahead.replace(day=1))])
        assert cursor.fetchone()[0] is not None


def test_the_audit_row_commits_with_the_business_transaction_or_not_at_all():
    before = AccessEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        an_event()
        raise RuntimeError("the business change failed")
    assert AccessEvent.objects.count() == before


def test_a_failed_audit_write_fails_the_business_transaction():
    from alongside.people.models import Person
    from alongside.people.tests.factories import PersonFactory

    with pytest.raises(DatabaseError), transaction.atomic():
        PersonFactory(given_name="Kept only with its audit row")
        an_event(part="x" * 50)  # too long for the column: the audit insert fails
    assert not Person.objects.filter(given_name="Kept only with its audit row").exists()
