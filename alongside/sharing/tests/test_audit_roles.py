"""The audit cannot be changed by the app: every way round its triggers, tried as the app's role.

The tests' own connection is the site's (the app role, see conftest.py). Each statement below
would empty, rewrite or silence the audit or the record history if the site's role owned the
tables or were a superuser; each must be refused, and the audit row must still be there.
"""

import datetime as dt
import logging

import psycopg
import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from alongside.core import db_roles
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import audit
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db


def an_event(**changes) -> AccessEvent:
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


def this_months_partition() -> str:
    return audit.partition_name(timezone.now().astimezone(dt.UTC).date().replace(day=1))


def one(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def test_the_app_role_is_no_superuser_and_owns_nothing():
    role, superuser, createrole, createdb = one(
        "SELECT rolname, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname = current_user"
    )
    assert role == db_roles.app_role()
    assert not (superuser or createrole or createdb)
    owned = one(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') "
        "AND pg_has_role(current_user, c.relowner, 'MEMBER')"
    )[0]
    functions = one(
        "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND pg_has_role(current_user, p.proowner, 'MEMBER')"
    )[0]
    database, schema = one(
        "SELECT pg_has_role(current_user, d.datdba, 'MEMBER'), "
        "pg_has_role(current_user, s.nspowner, 'MEMBER') FROM pg_database d, pg_namespace s "
        "WHERE d.datname = current_database() AND s.nspname = 'public'"
    )
    assert (owned, functions, database, schema) == (0, 0, False, False)
    # ...and the tables it works on are the owner's, which it is no member of.
    owner = one("SELECT relowner::regrole::text FROM pg_class WHERE relname = %s", [audit.TABLE])
    assert owner[0] != role
    assert not one("SELECT pg_has_role(current_user, %s, 'MEMBER')", [owner[0]])[0]


BYPASSES = [
    "SET session_replication_role = replica",
    "ALTER TABLE sharing_accessevent DISABLE TRIGGER ALL",
    "ALTER TABLE sharing_accessevent DISABLE TRIGGER sharing_accessevent_append_only",
    "ALTER TABLE sharing_accessevent DISABLE TRIGGER sharing_accessevent_stamp_time",
    "ALTER TABLE {partition} DISABLE TRIGGER ALL",
    "ALTER TABLE {partition} DISABLE TRIGGER {partition}_no_truncate",
    "ALTER TABLE sharing_accessevent DETACH PARTITION {partition}",
    "ALTER TABLE sharing_accessevent DETACH PARTITION sharing_accessevent_default",
    "DROP TABLE {partition}",
    "DROP TABLE sharing_accessevent_default",
    "DROP TABLE sharing_accessevent CASCADE",
    "TRUNCATE sharing_accessevent",
    "TRUNCATE {partition}",
    "TRUNCATE sharing_accessevent_default",
    "UPDATE sharing_accessevent SET allowed = NOT allowed",
    "UPDATE {partition} SET reason = 'rewritten'",
    "DELETE FROM sharing_accessevent",
    "DELETE FROM {partition}",
    "ALTER TABLE sharing_accessevent ADD COLUMN forged boolean",
    "ALTER TABLE sharing_accessevent RENAME TO sharing_accessevent_gone",
    "ALTER TABLE sharing_accessevent ALTER COLUMN occurred_at DROP DEFAULT",
    "ALTER TABLE {partition} NO INHERIT sharing_accessevent",
    "CREATE TRIGGER forged BEFORE INSERT ON sharing_accessevent "
    "FOR EACH ROW EXECUTE FUNCTION sharing_accessevent_refuse_change()",
    "DROP TRIGGER sharing_accessevent_append_only ON sharing_accessevent",
    "DROP TRIGGER sharing_accessevent_stamp_time ON sharing_accessevent",
    "DROP TRIGGER {partition}_no_truncate ON {partition}",
    "DROP FUNCTION sharing_accessevent_refuse_change() CASCADE",
    "CREATE OR REPLACE FUNCTION sharing_accessevent_refuse_change() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$",
    "CREATE OR REPLACE FUNCTION sharing_accessevent_stamp_time() RETURNS trigger "
    "LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    "CREATE TABLE sharing_accessevent_y2000m01 PARTITION OF sharing_accessevent "
    "FOR VALUES FROM ('2000-01-01') TO ('2000-02-01')",
    "CREATE TABLE public.forged (id int)",
    "SET ROLE {owner}",
    "ALTER DATABASE {database} OWNER TO CURRENT_USER",
    # The record history: its tables and the triggers on the records that feed it.
    "UPDATE people_personevent SET given_name = 'rewritten'",
    "DELETE FROM people_personevent",
    "TRUNCATE people_personevent",
    "ALTER TABLE people_personevent DISABLE TRIGGER ALL",
    "ALTER TABLE people_person DISABLE TRIGGER ALL",
    "DROP TABLE people_personevent",
    "DROP TRIGGER alongside_stamp_time ON people_personevent",
    "DROP TRIGGER {history_trigger} ON people_person",
    "DELETE FROM pghistory_context",
    "TRUNCATE pghistory_context",
]


@pytest.mark.parametrize("statement", BYPASSES)
def test_each_way_round_the_audit_is_refused_to_the_app(statement):
    event = an_event()
    PersonFactory()  # a history row to rewrite
    history_trigger = one(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'people_person'::regclass "
        "AND tgname LIKE 'pgtrigger_insert%%'"
    )[0]
    sql = statement.format(
        partition=this_months_partition(),
        owner=one("SELECT relowner::regrole::text FROM pg_class WHERE relname = %s", [audit.TABLE])[
            0
        ],
        database=connection.ops.quote_name(settings.DATABASES["default"]["NAME"]),
        history_trigger=history_trigger,
    )
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    # Nothing changed: the row is there as written, and the triggers still stand.
    assert AccessEvent.objects.filter(pk=event.pk, allowed=True, reason="").exists()
    assert one("SHOW session_replication_role")[0] == "origin"
    enabled = one(
        "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgenabled = 'O'",
        [audit.TABLE],
    )[0]
    assert enabled >= 3


def test_a_back_dated_insert_is_stamped_with_the_databases_time():
    long_ago = dt.datetime(2020, 1, 15, tzinfo=dt.UTC)
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        now = cursor.fetchone()[0]
        for table in (audit.TABLE, this_months_partition(), f"{audit.TABLE}_default"):
            cursor.execute(
                f"INSERT INTO {table} (occurred_at, part, action, basis, allowed, route, reason) "
                "VALUES (%s, 'details', 'view', 'none', false, %s, '')",
                [long_ago, f"back-dated into {table}"],
            )
    stamped = AccessEvent.objects.filter(route__startswith="back-dated")
    assert stamped.count() == 3
    assert set(stamped.values_list("occurred_at", flat=True)) == {now}
    # ...and they sit in this month's partition, not in 2020's or the default one.
    assert (
        one(f"SELECT count(*) FROM {this_months_partition()} WHERE route LIKE 'back-dated%%'")[0]
        == 3
    )


def test_a_written_event_carries_the_databases_time():
    event = an_event()
    assert event.occurred_at == one("SELECT now()")[0]


def test_a_back_dated_history_row_is_stamped_with_the_databases_time():
    person = PersonFactory()
    event_model = apps.get_model("people", "PersonEvent")
    columns = [f.column for f in event_model._meta.concrete_fields if f.column != "pgh_id"]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    chosen = ", ".join(
        "%s" if c == "pgh_created_at" else connection.ops.quote_name(c) for c in columns
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO people_personevent ({quoted}) SELECT {chosen} "
            "FROM people_personevent WHERE pgh_obj_id = %s RETURNING pgh_created_at",
            [dt.datetime(2020, 1, 15, tzinfo=dt.UTC), person.pk],
        )
        stamped = cursor.fetchone()[0]
    assert stamped == one("SELECT now()")[0]


def test_the_app_may_read_and_add_to_the_audit_and_history_but_no_more():
    app = db_roles.app_role()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relid::regclass::text FROM pg_partition_tree(%s::regclass)", [audit.TABLE]
        )
        partitions = [row[0] for row in cursor.fetchall()]
    assert this_months_partition() in partitions and len(partitions) > 20
    for table in partitions + db_roles.history_tables():
        held = {
            p
            for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
            if one("SELECT has_table_privilege(%s, %s, %s)", [app, table, p])[0]
        }
        assert held == {"SELECT", "INSERT"}, table


def test_tables_a_later_migration_makes_get_the_ordinary_grants(owner_connection):
    owner_connection.execute("CREATE TABLE later_migration_table (id int)")
    owner_connection.execute("CREATE SEQUENCE later_migration_seq")
    app = db_roles.app_role()
    row = owner_connection.execute(
        "SELECT has_table_privilege(%(app)s, 'later_migration_table',"
        " 'SELECT, INSERT, UPDATE, DELETE'),"
        " has_table_privilege(%(app)s, 'later_migration_table', 'TRUNCATE'),"
        " has_sequence_privilege(%(app)s, 'later_migration_seq', 'USAGE')",
        {"app": app},
    ).fetchone()
    assert row == (True, False, True)


def test_the_owner_cannot_change_audit_rows_either(owner_connection):
    """The triggers hold for the owner too (who could drop them, but only as the owner)."""
    owner_connection.execute(
        f"INSERT INTO {audit.TABLE} (part, action, basis, allowed, route, reason) "
        "VALUES ('details', 'view', 'none', false, 'owner', '')"
    )
    for statement in (
        f"UPDATE {audit.TABLE} SET allowed = true",
        f"DELETE FROM {audit.TABLE}",
        f"TRUNCATE {audit.TABLE}",
        f"TRUNCATE {this_months_partition()}",
    ):
        with pytest.raises(psycopg.Error, match="append-only"), owner_connection.transaction():
            owner_connection.execute(statement)


def test_a_connection_as_the_owner_is_refused_in_production(settings, caplog):
    from django.db import connections

    owner = settings.DATABASE_OWNER
    if owner is None:
        pytest.skip("no owner role configured")
    wrapper = connections.create_connection("default")
    wrapper.settings_dict = {**wrapper.settings_dict, **owner}
    settings.PRODUCTION = True
    try:
        with pytest.raises(ImproperlyConfigured, match="owner of the audit"):
            wrapper.connect()
    finally:
        wrapper.close()
    settings.PRODUCTION = False
    db_roles._checked.clear()
    with caplog.at_level(logging.WARNING, logger="alongside.core.db_roles"):
        wrapper.connect()
        wrapper.close()
    assert "owner of the audit" in caplog.text
    db_roles._checked.clear()


def test_the_app_role_connects_without_a_warning(caplog):
    from django.db import connections

    db_roles._checked.clear()
    wrapper = connections.create_connection("default")
    with caplog.at_level(logging.WARNING, logger="alongside.core.db_roles"):
        wrapper.connect()
        wrapper.close()
    assert caplog.text == ""


def test_the_role_cannot_change_inside_a_transaction():
    with pytest.raises(RuntimeError), transaction.atomic(), db_roles.as_owner():
        pass
