"""Shared test set-up. Tests run against the real PostgreSQL (the embedded server unless
DATABASE_URL is set); pytest-django creates and drops a test database on it.

The test database is made, migrated and dropped by the owner role, as a deployment's release
step would; the tests themselves connect as the app role, which owns nothing, so the suite
shows the site works with only the grants ``alongside.core.db_roles.secure_database`` gives.
``owner_connection`` opens the owner's own connection for a test that needs one (the audit's).
"""

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from pytest_django.fixtures import Settings

from alongside.core import db_roles


@pytest.fixture(scope="session")
def django_db_modify_db_settings(
    django_db_modify_db_settings_parallel_suffix: None,
) -> Iterator[None]:
    """The test database is created, migrated and dropped as the owner role."""
    with db_roles.as_owner():
        yield


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> Iterator[None]:
    """Once the test database is ready, the tests connect as the app role."""
    with db_roles.as_app():
        yield


@pytest.fixture
def owner_connection(django_db_setup: None) -> Iterator[psycopg.Connection[Any]]:
    """A connection of its own to the test database as the owner role (not the test's
    transaction: what it does is its own, and rolled back at the end)."""
    if not settings.DATABASE_OWNER:
        pytest.skip("no owner role configured (DATABASE_OWNER_URL)")
    owner = {k: settings.DATABASE_OWNER.get(k, "") for k in db_roles.CREDENTIALS}
    ours = {**connection.settings_dict, **owner}
    params = {
        "dbname": ours["NAME"],
        "user": ours["USER"],
        "password": ours["PASSWORD"],
        "host": ours["HOST"],
        "port": ours["PORT"],
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}) as conn:
        yield conn
        conn.rollback()


@pytest.fixture(autouse=True)
def _insights_always_fresh(settings: Settings) -> None:
    """Each test's figures come from its own data: the analysis tables' copies are refreshed by
    every new engine (the site default lets them be 5 minutes old)."""
    settings.ALONGSIDE_INSIGHTS_MAX_AGE = 0
