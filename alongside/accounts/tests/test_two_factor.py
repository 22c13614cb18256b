"""Two-factor sign-in: the code after the password, setting up an app, and who must."""

import base64
import datetime as dt
import re

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from alongside.accounts import two_factor
from alongside.organisations.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def code_for(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def sign_in(client, user, **extra):
    return client.post(
        reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD, **extra}
    )


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def user_with_app():
    user = UserFactory(first_name="Priya", last_name="Shah")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device


def test_with_an_app_the_password_alone_does_not_open_home(client, clock, user_with_app):
    user, _ = user_with_app
    response = sign_in(client, user)
    assert response.status_code == 302
    assert response.url == reverse("accounts:two-factor")

    home = client.get(reverse("home"))
    assert home.status_code == 302
    assert home.url == f"{reverse('accounts:two-factor')}?next=%2F"
    for blocked in ("accounts:account", "accounts:two-factor-set-up", "accounts:password-change"):
        assert client.get(reverse(blocked)).status_code == 302
    assert client.get("/admin/").url.startswith(reverse("accounts:two-factor"))

    page = client.get(reverse("accounts:two-factor"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<title>Enter your security code – Alongside</title>" in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html
    # Half signed in: the header offers signing out, not the account page.
    assert "Sign out" in html
    assert f'href="{reverse("accounts:account")}"' not in html


def test_a_wrong_code_is_refused_with_an_error_summary(client, clock, user_with_app):
    user, device = user_with_app
    sign_in(client, user)
    wrong = f"{(int(code_for(device.bin_key)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:two-factor"), {"code": wrong})
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Error: Enter your security code – Alongside</title>" in html
    assert "nhsuk-error-summary" in html
    assert 'href="#id_code"' in html
    assert "Security code is not correct" in html
    assert client.get(reverse("home")).status_code == 302


@pytest.mark.parametrize(
    ("given", "message"),
    [("", "Enter the 6-digit security code"), ("12ab56", "Security code must be 6 numbers")],
)
def test_a_missing_or_malformed_code_is_explained(client, clock, user_with_app, given, message):
    user, _ = user_with_app
    sign_in(client, user)
    html = client.post(reverse("accounts:two-factor"), {"code": given}).content.decode()
    assert "nhsuk-error-summary" in html
    assert message in html


def test_the_right_code_signs_in_and_goes_on_to_next(client, clock, user_with_app):
    user, device = user_with_app
    response = sign_in(client, user, next="/people/add/")
    assert response.url == f"{reverse('accounts:two-factor')}?next=%2Fpeople%2Fadd%2F"

    wrong = f"{(int(code_for(device.bin_key)) + 1) % 1_000_000:06d}"
    client.post(reverse("accounts:two-factor"), {"code": wrong, "next": "/people/add/"})
    clock.shift(dt.timedelta(seconds=2))  # django-otp slows down guessing after a wrong code

    code = code_for(device.bin_key)
    response = client.post(
        reverse("accounts:two-factor"), {"code": f"{code[:3]} {code[3:]}", "next": "/people/add/"}
    )
    assert response.status_code == 302
    assert response.url == "/people/add/"
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert "Priya Shah" in home.content.decode()


def test_a_code_is_accepted_once_only(client, clock, user_with_app):
    user, device = user_with_app
    sign_in(client, user)
    code = code_for(device.bin_key)
    assert client.post(reverse("accounts:two-factor"), {"code": code}).status_code == 302
    client.post(reverse("accounts:sign-out"))

    clock.shift(dt.timedelta(seconds=5))
    sign_in(client, user)
    response = client.post(reverse("accounts:two-factor"), {"code": code})
    assert response.status_code == 200
    assert "Security code is not correct" in response.content.decode()


def test_next_cannot_lead_off_the_site(client, clock, user_with_app):
    user, device = user_with_app
    sign_in(client, user)
    response = client.post(
        reverse("accounts:two-factor"),
        {"code": code_for(device.bin_key), "next": "https://evil.example/"},
    )
    assert response.url == reverse("home")


def test_in_the_demo_a_user_without_an_app_signs_in_with_the_password(client):
    user = UserFactory()
    response = sign_in(client, user)
    assert response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("accounts:account")).status_code == 200


@override_settings(ALONGSIDE_REQUIRE_2FA=True)
def test_when_required_a_user_without_an_app_must_set_one_up(client, clock):
    user = UserFactory(is_superuser=True, is_staff=True)  # system admins are no exception
    response = sign_in(client, user)
    assert response.url == reverse("accounts:two-factor-set-up")
    assert client.get(reverse("home")).url.startswith(reverse("accounts:two-factor-set-up"))
    assert client.get("/admin/").url.startswith(reverse("accounts:two-factor-set-up"))
    assert client.get(reverse("accounts:two-factor")).status_code == 302

    page = client.get(reverse("accounts:two-factor-set-up"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Set up two-factor sign-in" in html
    assert 'src="data:image/svg+xml' in html
    secret = re.search(r'<code id="setup-key">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))

    wrong = f"{(int(code_for(key)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:two-factor-set-up"), {"code": wrong})
    assert "Security code is not correct" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    response = client.post(
        reverse("accounts:two-factor-set-up"), {"code": code_for(key), "next": "/"}
    )
    assert response.status_code == 302
    assert response.url == "/"
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed
    assert device.bin_key == key
    assert client.get(reverse("home")).status_code == 200
    assert client.get("/admin/").status_code == 200

    # Next time, the code is asked for.
    client.post(reverse("accounts:sign-out"))
    clock.shift(dt.timedelta(minutes=1))
    assert sign_in(client, user).url == reverse("accounts:two-factor")


def test_a_half_signed_in_user_cannot_replace_the_app(client, clock, user_with_app):
    """Set-up is closed to someone who has given only the password: else a stolen password
    could add the thief's own app."""
    user, device = user_with_app
    sign_in(client, user)
    response = client.post(reverse("accounts:two-factor-set-up"), {"code": "123456"})
    assert response.status_code == 302
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


def test_in_the_demo_a_user_can_set_up_an_app_from_the_account_page(client, clock):
    user = UserFactory()
    client.force_login(user)
    account = client.get(reverse("accounts:account")).content.decode()
    assert f'href="{reverse("accounts:two-factor-set-up")}"' in account
    assert f'href="{reverse("accounts:password-change")}"' in account

    client.get(reverse("accounts:two-factor-set-up"))
    key = bytes.fromhex(client.session[two_factor.PENDING_KEY_SESSION_KEY])
    response = client.post(reverse("accounts:two-factor-set-up"), {"code": code_for(key)})
    assert response.url == reverse("accounts:account")
    assert TOTPDevice.objects.get(user=user).confirmed
    assert (
        "Two-factor sign-in is set up" in client.get(reverse("accounts:account")).content.decode()
    )


def test_the_admin_signs_in_through_alongside(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:sign-in')}?next=/admin/"
    client.force_login(UserFactory())  # signed in, but not staff
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_the_setup_uri_names_the_service_and_user():
    user = UserFactory.build(username="priya")
    uri = two_factor.setup_uri(user, "00" * 20)
    assert uri.startswith("otpauth://totp/Alongside%3Apriya?secret=")
    assert "issuer=Alongside" in uri


def test_the_admin_changes_passwords_through_alongside(admin_client):
    response = admin_client.get("/admin/password_change/")
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-change")


def test_htmx_requests_of_a_half_signed_in_user_move_the_whole_window(client, clock, user_with_app):
    user, _ = user_with_app
    sign_in(client, user)
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"].startswith(reverse("accounts:two-factor"))


def test_the_session_id_changes_when_the_code_is_accepted(client, clock, user_with_app):
    user, device = user_with_app
    sign_in(client, user)
    half = client.session.session_key
    client.post(reverse("accounts:two-factor"), {"code": code_for(device.bin_key)})
    assert client.session.session_key != half
    assert client.get(reverse("home")).status_code == 200
