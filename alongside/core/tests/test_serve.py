"""``alongside serve`` serves as a deployment would: gunicorn with several workers, static files
collected with hashed names, the cache shared by every worker. The server itself is started and
stopped by ``tests/browser`` (its live server is Django's); here, what the command decides."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection

from alongside.core.jinja2 import static_folder
from alongside.core.management.commands.serve import default_workers


def test_more_than_one_worker_unless_told(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    assert 2 <= default_workers() <= 4
    monkeypatch.setenv("WEB_CONCURRENCY", "6")
    assert default_workers() == 6


def test_it_will_not_serve_static_files_from_the_packages(settings):
    settings.COLLECTED_STATIC = False  # as under `runserver` and the tests
    with pytest.raises(CommandError, match="collected"):
        call_command("serve", "--port", "8999")


def test_bad_workers_are_refused(settings):
    settings.COLLECTED_STATIC = True
    with pytest.raises(CommandError, match="at least 1"):
        call_command("serve", "--workers", "0")


def test_a_folder_keeps_its_name_where_files_get_hashed_ones(settings):
    # The design system's assetPath is a folder: static() would ask the manifest for it.
    assert static_folder("nhsuk/assets") == "/static/nhsuk/assets"
    assert static_folder("/nhsuk/assets/") == "/static/nhsuk/assets"


@pytest.mark.django_db
def test_the_cache_is_a_table_every_worker_shares():
    cache.set("alongside-test", {"figures": [1, 2]}, 60)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM alongside_cache")
        assert cursor.fetchone()[0] >= 1
    assert cache.get("alongside-test") == {"figures": [1, 2]}


def test_gunicorns_request_lines_never_hold_an_invitations_secret(capsys):
    from gunicorn.config import Config

    from alongside.core.management.commands.serve import RedactedLogger

    config = Config()
    config.set("accesslog", "-")
    logger = RedactedLogger(config)
    atoms = {"m": "GET", "U": "/portal/join/s3cr3t-token-value/", "s": "200"}
    logger.access_log.info('"%(m)s %(U)s" %(s)s', atoms)
    out = capsys.readouterr()
    line = out.out + out.err
    assert '"GET /portal/join/…/" 200' in line
    assert "s3cr3t" not in line
