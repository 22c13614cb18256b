"""Timing a page beside the SQL it runs, shared by the page benchmarks."""

from __future__ import annotations

import statistics
import time
from typing import Any

#: Statements a page runs that are not its reads: left out when its SQL is run directly.
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "FETCH", "CLOSE")


def runnable(statements: list[str]) -> list[str]:
    """The page's statements to run directly: transaction control left out, and a server-side
    cursor (a form's choices are read through one) run as its query."""
    found = []
    for sql in statements:
        if sql.startswith(TRANSACTION_CONTROL):
            continue
        if sql.startswith("DECLARE "):
            sql = sql.split(" CURSOR WITH HOLD FOR ", 1)[-1].split(" CURSOR FOR ", 1)[-1]
        found.append(sql)
    return found


def measure_page(client: Any, path: str, repeats: int) -> tuple[float, float, int, int]:
    """(median ms of the page, median ms of its SQL run directly, status, queries).

    The page and its SQL are timed in turn, request then statements, so that both meet the same
    machine (other work on it slows both alike)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(path)  # warm-up: the first request of a session does a little more
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    captured = [q["sql"] for q in queries.captured_queries]
    statements = runnable(captured)
    page_times, sql_times = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(path)
        page_times.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                if cursor.description:
                    cursor.fetchall()
        sql_times.append((time.perf_counter() - started) * 1000)
    return (
        statistics.median(page_times),
        statistics.median(sql_times),
        response.status_code,
        len(captured),
    )
