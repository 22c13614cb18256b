"""Sessions end after 30 minutes without activity, and when the browser closes."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from alongside.organisations.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_the_limit_is_30_minutes_and_the_cookie_ends_with_the_browser():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_session_idle_for_longer_than_the_limit_is_signed_out(client, clock):
    client.post(
        reverse("accounts:sign-in"), {"username": UserFactory().username, "password": PASSWORD}
    )
    assert client.get(reverse("accounts:account")).status_code == 200

    clock.shift(dt.timedelta(minutes=31))
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))


def test_activity_keeps_a_session_going(client, clock):
    client.force_login(UserFactory())
    for _ in range(4):
        clock.shift(dt.timedelta(minutes=20))
        assert client.get(reverse("home")).status_code == 200


def test_the_session_cookie_is_http_only_lax_and_has_no_lasting_expiry(client):
    response = client.post(
        reverse("accounts:sign-in"), {"username": UserFactory().username, "password": PASSWORD}
    )
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["max-age"] and not cookie["expires"]
