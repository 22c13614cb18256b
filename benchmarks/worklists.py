"""Referral worklists and waiting lists at county scale: queries per page and server time beside
the raw SQL the page runs.

The county place (`alongside demo --scale county`, 18 months of referral flows) is loaded. For the
coordinator and the team lead of the team holding the most referrals, every worklist page is
requested through Django's test client (the whole request: middleware, access checks, audit rows,
templates). The SQL statements the page ran are captured and then run again directly on the same
database, so the page's server time can be read beside the time its SQL alone takes; the target is
the page within 2× of its SQL. Then the waiting referrals are copied until the triage list is five
times as long, and the query counts are taken again: they must not change with the list's length.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time

from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REPEATS = 15
LISTS = ("triage", "follow-ups", "first-contact", "second-contact")


def _page(client, path: str, params: dict) -> tuple[float, list[str], int, int]:
    """(median ms, the SQL statements of one run, status, queries)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    captured = None
    status = 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(path, params)
            times.append((time.perf_counter() - started) * 1000)
        captured = [q["sql"] for q in queries.captured_queries]
        status = response.status_code
    return statistics.median(times), captured or [], status, len(captured or [])


def _raw(statements: list[str]) -> float:
    """Median ms to run the page's statements directly (transaction control left out)."""
    from django.db import connection

    runnable = [
        s for s in statements if not s.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN"))
    ]
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in runnable:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _busiest_team():
    from django.db.models import Count

    from alongside.organisations.models import Membership, Role
    from alongside.referrals.models import AWAITING_DECISION, Referral

    team_id = (
        Referral.objects.filter(state__in=AWAITING_DECISION)
        .values("team_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("team_id", flat=True)
        .first()
    )
    users = {
        role: Membership.objects.active()
        .filter(team_id=team_id, role=role)
        .values_list("user", flat=True)
        .first()
        for role in (Role.COORDINATOR, Role.TEAM_LEAD)
    }
    return team_id, users


def _lengthen_triage_list(team_id: int, factor: int) -> int:
    """Copy the team's waiting referrals until the list is ``factor`` times as long."""
    from alongside.referrals.models import AWAITING_DECISION, Referral
    from alongside.referrals.services import new_reference

    waiting = list(Referral.objects.filter(team_id=team_id, state__in=AWAITING_DECISION))
    copies = []
    for _ in range(factor - 1):
        for referral in waiting:
            copy = Referral(
                **{
                    f.attname: getattr(referral, f.attname)
                    for f in Referral._meta.concrete_fields
                    if f.attname not in {"id", "reference", "submission_key"}
                }
            )
            copy.reference = new_reference()
            copies.append(copy)
    Referral.objects.bulk_create(copies, batch_size=2000)
    return Referral.objects.filter(team_id=team_id, state__in=AWAITING_DECISION).count()


def _rows(name: str, filters) -> tuple[float, float]:
    """Median ms for the list's first page of rows through the ORM (models built, as the page
    gets them) and as the same single statement run directly."""
    from django.db import connection

    from alongside.referrals import queries

    query = queries.worklist(name, filters)[:50]
    sql, params = query.query.sql_with_params()
    orm_times, sql_times = [], []
    for _ in range(REPEATS):
        started = time.perf_counter()
        list(queries.worklist(name, filters)[:50])
        orm_times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()
        sql_times.append((time.perf_counter() - started) * 1000)
    return statistics.median(orm_times), statistics.median(sql_times)


def _measure(client, label: str, team_id: int, rows: list[str], counts: dict) -> None:
    from alongside.referrals import queries

    filters = queries.WorklistFilter(team_ids=(team_id,))
    for name in LISTS:
        length = queries.worklist(name, filters).count()
        page_ms, statements, status, n = _page(
            client, "/referrals/", {"list": name, "team": team_id}
        )
        sql_ms = _raw(statements)
        orm_ms, row_sql_ms = _rows(name, filters)
        counts[(label, name)] = (length, n)
        rows.append(
            f"| {label} | {queries.Worklist.LABELS[name]} | {length:,} | {status} | {n} | "
            f"{page_ms:.1f} ms | {sql_ms:.1f} ms | {page_ms / sql_ms:.2f}× | "
            f"{orm_ms:.1f} ms | {row_sql_ms:.1f} ms | {orm_ms / row_sql_ms:.2f}× |"
        )
        print(rows[-1], flush=True)


def run() -> None:
    data_dir = ROOT / "var" / "bench-worklists"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    measure([str(ALONGSIDE), "demo", "--scale", "county"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from alongside.accounts.models import User
    from alongside.referrals.models import Referral

    setup_test_environment()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    team_id, users = _busiest_team()
    rows: list[str] = []
    counts: dict = {}
    clients = {}
    for role, user_id in users.items():
        if user_id is None:
            continue
        client = Client()
        client.force_login(User.objects.get(pk=user_id))
        clients[role] = client
    total = Referral.objects.count()
    for role, client in clients.items():
        _measure(client, f"county, {role.replace('_', ' ')}", team_id, rows, counts)
    longer = _lengthen_triage_list(team_id, 5)
    from alongside.core import db_roles

    with db_roles.as_owner(), connection.cursor() as cursor:  # ANALYZE is the owner's
        cursor.execute("ANALYZE referrals_referral")
    for role, client in clients.items():
        _measure(client, f"triage list × 5, {role.replace('_', ' ')}", team_id, rows, counts)
    shutil.rmtree(data_dir, ignore_errors=True)
    write_section(
        "worklists",
        "Referral worklists and waiting lists",
        f"The county place ({total:,} referrals over 18 months). The pages of the team holding the "
        "most referrals, as its coordinator and its team lead see them (first page of 50, oldest "
        f"first), median over {REPEATS} requests through the test client: the whole request, "
        "with its access checks and audit rows. 'Its SQL' is every statement the page ran, run "
        "again directly on the same database. 'Rows' is the list's first page through the ORM "
        "(the statement the page runs for its rows, with the models built) beside that one "
        "statement run directly. Targets: within 2×, and the same number of queries whatever "
        f"the list's length (then {longer:,} waiting for triage after copying).\n\n"
        "| place, seen by | list | length | status | queries | page | its SQL | page ÷ SQL "
        "| rows (ORM) | rows (SQL) | ORM ÷ SQL |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows),
    )
