"""What reaches the logs: never the secret in an invitation link, whatever the answer was."""

from __future__ import annotations

import contextlib
import io
import logging
import re
from types import SimpleNamespace

import pytest
from django.core.servers.basehttp import WSGIRequestHandler
from django.urls import URLResolver, get_resolver, reverse

from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.core.logs import _secret_prefixes, redact_secrets
from alongside.portal import services

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def written_by(handler_name: str):
    """What the configured handler of that name writes, while the block runs."""
    configured = logging.getLogger().handlers + logging.getLogger("django.server").handlers
    handler = next(h for h in configured if h.name == handler_name)
    out = io.StringIO()
    previous = handler.setStream(out)
    try:
        yield out
    finally:
        handler.setStream(previous)


def development_server_logs(request_line: str, status: str) -> None:
    """The development server's own request line (``alongside serve``), as it writes it."""
    server = SimpleNamespace(request=None, log_date_time_string=lambda: "23/Nov/2026 09:00:00")
    WSGIRequestHandler.log_message(server, '"%s" %s %s', request_line, status, "0")


@pytest.fixture
def invitation():
    episode = EpisodeFactory()
    made = services.create_invitation(person=episode.person, by=key_worker_for(episode))
    return made


def test_opening_an_invitation_link_logs_no_token(client, invitation):
    link = reverse("portal:join-link", kwargs={"token": invitation.token})
    with written_by("django.server") as lines:
        assert client.get(link).status_code == 302
        development_server_logs(f"GET {link} HTTP/1.1", "302")
        development_server_logs(f"GET {link.rstrip('/')} HTTP/1.1", "301")  # no final slash
        development_server_logs(f"GET {link}?from=email HTTP/1.1", "302")
    text = lines.getvalue()
    assert "/portal/join/" in text
    assert invitation.token not in text
    assert text.count("/portal/join/…") == 3


@pytest.mark.parametrize("state", ["used", "unknown"])
def test_a_link_that_does_not_work_is_logged_without_its_token(client, invitation, state):
    token = invitation.token
    if state == "used":
        services.accept_invitation(
            invitation=invitation.invitation, username="sam", password="lantern orchard biscuit"
        )
    else:
        token = token[::-1]
    with written_by("console") as lines:
        response = client.get(reverse("portal:join-link", kwargs={"token": token}))
    assert response.status_code in (404, 410)
    text = lines.getvalue()
    assert "/portal/join/…" in text  # Django's "Not Found" or "Gone" line, path without token
    assert token not in text


def test_paths_without_a_secret_are_logged_as_they_are(client):
    with written_by("console") as lines:
        client.get("/people/999999/no-such-page/")
    assert "/people/999999/no-such-page/" in lines.getvalue()


def test_the_secret_paths_come_from_the_url_table():
    assert _secret_prefixes(get_resolver().url_patterns) == ["portal/join/"]
    assert redact_secrets("Not Found: /portal/join/") == "Not Found: /portal/join/"
    assert redact_secrets('"GET /portal/join/abc HTTP/1.1"') == '"GET /portal/join/… HTTP/1.1"'


def test_every_route_argument_that_looks_like_a_secret_is_declared_one():
    """A token, one-time code or password in a URL is declared with ``<secret:…>``, so it
    never reaches a log."""

    def arguments(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                yield from arguments(entry.url_patterns, route)
            else:
                yield from re.findall(r"<(?:(\w+):)?(\w+)>", route)

    undeclared = [
        (converter, name)
        for converter, name in arguments(get_resolver().url_patterns)
        if re.search(r"(^|_)(token|secret|password|otp|code)$", name) and converter != "secret"
    ]
    assert undeclared == []
