"""Shared test set-up. Tests run against the real PostgreSQL (the embedded server unless
DATABASE_URL is set); pytest-django creates and drops a test database on it."""

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def _insights_always_fresh(settings: Settings) -> None:
    """Each test's figures come from its own data: the analysis tables' copies are refreshed by
    every new engine (the site default lets them be 5 minutes old)."""
    settings.ALONGSIDE_INSIGHTS_MAX_AGE = 0
