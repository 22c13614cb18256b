"""Lockout after repeated failures: wrong passwords and wrong two-factor codes alike."""

import datetime as dt
import logging

import pytest
import time_machine
from axes.models import AccessAttempt
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from alongside.organisations.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def sign_in(client, username, password):
    return client.post(reverse("accounts:sign-in"), {"username": username, "password": password})


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def test_five_wrong_passwords_lock_sign_in_until_the_cool_off_ends(client, clock, caplog):
    user = UserFactory(username="priya")
    for attempt in range(4):
        response = sign_in(client, "priya", f"wrong password {attempt}")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()

    with caplog.at_level(logging.DEBUG):
        locked = sign_in(client, "priya", "wrong password 4")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "<title>You cannot sign in for 15 minutes – Alongside</title>" in html
    assert "Wait 15 minutes" in html
    assert "no-store" in locked["Cache-Control"]
    # Neither the password nor the username reaches the logs.
    assert "wrong password" not in caplog.text
    assert "priya" not in caplog.text
    stored = AccessAttempt.objects.get(username="priya")
    assert "wrong password" not in stored.post_data

    # Even the right password is refused now.
    response = sign_in(client, "priya", PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    clock.shift(dt.timedelta(minutes=14))
    assert sign_in(client, "priya", PASSWORD).status_code == 429

    clock.shift(dt.timedelta(minutes=2))
    response = sign_in(client, "priya", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_lockout_is_for_that_username_only(client, clock):
    UserFactory(username="priya")
    other = UserFactory(username="tomasz")
    for attempt in range(5):
        sign_in(client, "priya", f"wrong {attempt}")
    assert sign_in(client, "priya", PASSWORD).status_code == 429
    assert sign_in(client, other.username, PASSWORD).status_code == 302


def test_a_full_sign_in_forgets_earlier_failures(client, clock):
    UserFactory(username="priya")
    for attempt in range(4):
        sign_in(client, "priya", f"wrong {attempt}")
    assert sign_in(client, "priya", PASSWORD).status_code == 302
    client.post(reverse("accounts:sign-out"))
    for attempt in range(4):
        assert sign_in(client, "priya", f"wrong again {attempt}").status_code == 200


def test_wrong_two_factor_codes_lock_out_and_end_the_half_sign_in(client, clock):
    user = UserFactory(username="priya")
    device = TOTPDevice.objects.create(user=user, confirmed=True)
    right = f"{TOTP(device.bin_key).token():06d}"
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    sign_in(client, "priya", "a wrong password")  # failures of either kind add up
    assert sign_in(client, "priya", PASSWORD).url == reverse("accounts:two-factor")
    for _ in range(3):
        clock.shift(dt.timedelta(seconds=20))  # past django-otp's own slow-down
        response = client.post(reverse("accounts:two-factor"), {"code": wrong})
        assert response.status_code == 200
        assert "Security code is not correct" in response.content.decode()

    clock.shift(dt.timedelta(seconds=20))
    response = client.post(reverse("accounts:two-factor"), {"code": wrong})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session

    # Signing in with the password again does not give more guesses.
    assert sign_in(client, "priya", PASSWORD).status_code == 429

    clock.shift(dt.timedelta(minutes=16))
    assert sign_in(client, "priya", PASSWORD).url == reverse("accounts:two-factor")
    code = f"{TOTP(device.bin_key).token():06d}"
    assert client.post(reverse("accounts:two-factor"), {"code": code}).url == reverse("home")


def test_guessing_the_current_password_when_changing_it_locks_out(client, clock):
    user = UserFactory(username="priya")
    client.force_login(user)
    for attempt in range(4):
        response = client.post(
            reverse("accounts:password-change"),
            {
                "old_password": f"guess {attempt}",
                "new_password1": "a new and long password",
                "new_password2": "a new and long password",
            },
        )
        assert response.status_code == 200
    response = client.post(
        reverse("accounts:password-change"),
        {
            "old_password": "guess 4",
            "new_password1": "a new and long password",
            "new_password2": "a new and long password",
        },
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
