"""Shared test set-up. Tests run against the real PostgreSQL (the embedded server unless
DATABASE_URL is set); pytest-django creates and drops a test database on it."""
