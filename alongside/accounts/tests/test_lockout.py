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


# --- behind a reverse proxy --------------------------------------------------------------------

PROXY = "10.0.0.2"
X = "203.0.113.9"
Y = "198.51.100.7"


def sign_in_from(client, username, password, *, remote=PROXY, forwarded=None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(
        reverse("accounts:sign-in"), {"username": username, "password": password}, **extra
    )


@pytest.fixture
def behind_proxy(settings):
    settings.ALONGSIDE_TRUSTED_PROXIES = ["10.0.0.0/8"]


def test_behind_the_proxy_a_lockout_is_for_one_username_from_one_address(
    client, clock, behind_proxy
):
    priya = UserFactory(username="priya")
    UserFactory(username="tomasz")
    for attempt in range(5):
        sign_in_from(client, "priya", f"wrong {attempt}", forwarded=X)
    assert sign_in_from(client, "priya", PASSWORD, forwarded=X).status_code == 429
    stored = AccessAttempt.objects.get(username="priya")
    assert stored.ip_address == X
    # The same person from another address, and another person from the same address, are not
    # locked out: everyone behind the proxy does not share one lockout.
    assert sign_in_from(client, "priya", PASSWORD, forwarded=Y).status_code == 302
    assert client.session["_auth_user_id"] == str(priya.pk)
    client.logout()
    assert sign_in_from(client, "tomasz", PASSWORD, forwarded=X).status_code == 302


def test_a_forged_forwarded_address_from_outside_the_proxy_changes_nothing(
    client, clock, behind_proxy
):
    UserFactory(username="priya")
    # A client reaching the app directly names a new address in every try: still one lockout,
    # kept under the address it really came from.
    for attempt in range(5):
        sign_in_from(client, "priya", f"wrong {attempt}", remote=Y, forwarded=f"192.0.2.{attempt}")
    assert sign_in_from(
        client, "priya", PASSWORD, remote=Y, forwarded="192.0.2.99"
    ).status_code == (429)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {Y}
    # The same header through the proxy cannot reach a lockout kept for another address either.
    assert sign_in_from(client, "priya", PASSWORD, forwarded=f"{Y}, {X}").status_code == 302


def test_no_one_behind_the_proxy_can_lock_out_someone_elses_address(client, clock, behind_proxy):
    UserFactory(username="priya")
    # An attacker at X writes Priya's address Y into the header; the proxy adds X after it.
    for attempt in range(6):
        sign_in_from(client, "priya", f"wrong {attempt}", forwarded=f"{Y}, {X}")
    assert sign_in_from(client, "priya", PASSWORD, forwarded=f"{Y}, {X}").status_code == 429
    assert sign_in_from(client, "priya", PASSWORD, forwarded=Y).status_code == 302
