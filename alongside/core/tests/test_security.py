"""Transport security: headers on every response, CSRF, bad input, logs and production settings."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.template import loader
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from alongside.core.logs import DropQueryStrings
from alongside.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
NONCE = re.compile(r"script-src 'self' 'nonce-([A-Za-z0-9+/=]+)'")


def routes(patterns=None, prefix=""):
    """Every URL in the URL table, with 1 for each int argument; others are left out."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            yield from routes(p.url_patterns, route)
        elif isinstance(p, URLPattern):
            if route.startswith("^") or re.search(r"<(?!int:)[^>]+>", route):
                continue  # regular expressions and non-number arguments: not reachable as is
            yield "/" + re.sub(r"<int:[^>]+>", "1", route)


def assert_secure_headers(response, path, signed_in):
    assert response.status_code < 500, path
    csp = response.get("Content-Security-Policy", "")
    for directive in (
        "default-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ):
        assert directive in csp, (path, directive)
    assert NONCE.search(csp), path
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert response["X-Content-Type-Options"] == "nosniff", path
    assert response["Referrer-Policy"] == "same-origin", path
    assert response["X-Frame-Options"] == "DENY", path
    assert response["Cross-Origin-Opener-Policy"] == "same-origin", path
    assert "camera=()" in response["Permissions-Policy"], path
    assert "microphone=()" in response["Permissions-Policy"], path
    assert "geolocation=()" in response["Permissions-Policy"], path
    if signed_in:
        assert "no-store" in response.get("Cache-Control", ""), path


def test_the_walk_finds_the_pages():
    found = set(routes())
    assert {"/", "/account/sign-in/", "/account/", "/people/1/", "/admin/"} <= found


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_every_page_has_the_security_headers(client, signed_in):
    if signed_in:
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
    nonces = []
    for path in sorted(set(routes())):
        response = client.get(path)
        assert_secure_headers(response, path, signed_in)
        nonces.append(NONCE.search(response["Content-Security-Policy"]).group(1))
    assert len(nonces) > 10
    assert len(set(nonces)) == len(nonces), "a nonce was used twice"


def test_the_pages_own_inline_scripts_carry_the_nonce(client):
    response = client.get(reverse("accounts:sign-in"))
    nonce = NONCE.search(response["Content-Security-Policy"]).group(1)
    html = response.content.decode()
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline, "the page has inline scripts"
    assert all(f'nonce="{nonce}"' in attributes for attributes in inline)
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles": false}\'>' in html
    assert " style=" not in html


def test_fonts_may_come_from_the_nhs_assets_server_only(client):
    csp = client.get(reverse("accounts:sign-in"))["Content-Security-Policy"]
    assert "font-src 'self' https://assets.nhs.uk" in csp
    assert "img-src 'self' data:" in csp


def test_a_forged_csrf_token_gets_the_nhs_page_and_403():
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.get(reverse("accounts:sign-in"))  # sets the CSRF cookie
    response = csrf_client.post(
        reverse("accounts:sign-in"),
        {"username": "priya", "password": "x", "csrfmiddlewaretoken": "forged" * 8},
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "<title>Sorry, this form could not be sent – Alongside</title>" in html
    assert "nhsuk-header" in html
    assert "CSRF" not in html  # no reason given away
    assert_secure_headers(response, "csrf", signed_in=False)


def test_a_missing_csrf_cookie_gets_the_same_page():
    response = Client(enforce_csrf_checks=True).post(
        reverse("accounts:sign-in"), {"username": "priya", "password": "x"}
    )
    assert response.status_code == 403
    assert "Sorry, this form could not be sent" in response.content.decode()


def test_an_oversized_body_is_answered_with_400_not_500(client):
    client.force_login(UserFactory())
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Sorry, there is a problem with what was sent" in html
    assert "xxxxxxxx" not in html
    assert_secure_headers(response, "400", signed_in=True)


def test_too_many_fields_are_answered_with_400(client):
    data = {f"field{n}": "x" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)}
    response = client.post(reverse("accounts:sign-in"), data)
    assert response.status_code == 400


def test_script_in_a_text_field_is_shown_escaped(client):
    response = client.post(
        reverse("accounts:sign-in"),
        {"username": '<script>alert("x")</script>"><img src=x onerror=alert(1)>', "password": "x"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert '<script>alert("x")' not in html
    assert "<img src=x" not in html


def test_the_500_page_renders_without_a_request():
    html = loader.get_template("500.html").render()
    assert "Sorry, there is a problem with the service" in html
    assert "<script" not in html


def test_a_404_logs_the_path_but_never_the_query_string(client, caplog):
    client.force_login(UserFactory())
    with caplog.at_level(logging.INFO):
        response = client.get("/people/999999/no-such-page/?nhs_number=9434765919&name=Priya+Shah")
    assert response.status_code == 404
    assert "/people/999999/no-such-page/" in caplog.text
    assert "9434765919" not in caplog.text
    assert "Priya" not in caplog.text


def test_the_development_server_logs_request_lines_without_query_strings():
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        ("GET /people/?q=Priya+Shah&nhs=9434765919 HTTP/1.1", "200", "1234"),
        None,
    )
    assert DropQueryStrings().filter(record)
    assert record.getMessage() == '"GET /people/?… HTTP/1.1" 200 1234'


# --- Production settings ----------------------------------------------------------------------

GOOD_KEY = "k" * 64


def import_settings(**env: str) -> subprocess.CompletedProcess:
    """Import the settings in a fresh interpreter; a dummy DATABASE_URL keeps PostgreSQL off."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ALONGSIDE_") and k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    clean.update({"DATABASE_URL": "postgres://nobody:nothing@127.0.0.1:9/none", **env})
    code = (
        "import alongside.settings as s; "
        "print(s.ALONGSIDE_REQUIRE_2FA, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
        "getattr(s, 'SECURE_HSTS_SECONDS', 0))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "ALONGSIDE_DEBUG": "1"}, "DEBUG"),
        ({"SECRET_KEY": GOOD_KEY, "ALONGSIDE_REQUIRE_2FA": "0"}, "two-factor"),
    ],
    ids=["no-secret-key", "short-secret-key", "debug-on", "two-factor-off"],
)
def test_production_refuses_to_start_unsafely(env, reason):
    result = import_settings(ALONGSIDE_ENV="production", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert reason in result.stderr


def test_production_requires_two_factor_and_secure_cookies():
    result = import_settings(ALONGSIDE_ENV="production", SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "31536000"]


def test_the_demo_signs_in_with_a_password_unless_two_factor_is_turned_on():
    assert import_settings().stdout.split() == ["False", "False", "False", "0"]
    assert import_settings(ALONGSIDE_REQUIRE_2FA="1").stdout.split()[0] == "True"
