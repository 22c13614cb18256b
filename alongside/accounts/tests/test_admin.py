"""The User admin holds staff accounts only: nobody sets a person's portal password, finds their
account by name or email, or reaches its two-factor device."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from alongside.organisations.tests.factories import PASSWORD, UserFactory
from alongside.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


@pytest.fixture
def portal_user():
    user = UserFactory(
        username="zephyrine.quill",
        first_name="Zephyrine",
        last_name="Quillfeather",
        email="zephyrine.quill@example.org.uk",
    )
    PersonFactory(user=user, given_name="Zephyrine", family_name="Quillfeather")
    return user


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def _password_form(password: str) -> dict[str, str]:
    return {"password1": password, "password2": password, "usable_password": "true"}


def test_an_administrator_cannot_set_a_portal_users_password(admin_client, portal_user):
    url = reverse("admin:auth_user_password_change", args=[portal_user.pk])
    assert admin_client.get(url).status_code == 404
    assert admin_client.post(url, _password_form(NEW_PASSWORD)).status_code == 404
    portal_user.refresh_from_db()
    assert portal_user.check_password(PASSWORD)
    assert not portal_user.check_password(NEW_PASSWORD)
    # Nor change the account's email (where one-time sign-in codes go) or anything else on it.
    change = reverse("admin:accounts_user_change", args=[portal_user.pk])
    assert admin_client.get(change).status_code in {302, 404}
    admin_client.post(change, {"username": portal_user.username, "email": "mine@example.org"})
    portal_user.refresh_from_db()
    assert portal_user.email == "zephyrine.quill@example.org.uk"


def test_a_staff_password_is_still_reset_by_an_administrator(admin_client):
    staff = UserFactory()
    url = reverse("admin:auth_user_password_change", args=[staff.pk])
    assert admin_client.post(url, _password_form(NEW_PASSWORD)).status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(NEW_PASSWORD)


def test_portal_accounts_are_not_listed_or_found(admin_client, portal_user):
    staff = UserFactory(username="staffer", last_name="Quillfeather")
    listing = reverse("admin:accounts_user_changelist")
    for term in ("zephyrine.quill@example.org.uk", "Zephyrine", "zephyrine.quill"):
        html = admin_client.get(listing, {"q": term}).content.decode()
        assert "0 results" in html
    html = admin_client.get(listing, {"q": "Quillfeather"}).content.decode()
    assert "1 result" in html and staff.username in html
    assert "zephyrine.quill" not in html
    assert "zephyrine.quill" not in admin_client.get(listing).content.decode()


def test_a_portal_accounts_two_factor_device_is_out_of_reach(admin_client, portal_user):
    device = TOTPDevice.objects.create(user=portal_user, name="Phone", confirmed=True)
    staff_device = TOTPDevice.objects.create(user=UserFactory(), name="Work phone")
    listing = reverse("admin:otp_totp_totpdevice_changelist")
    html = admin_client.get(listing, {"q": "zephyrine"}).content.decode()
    assert "0 results" in html and "zephyrine.quill" not in html.replace("zephyrine", "")
    assert "Work phone" in admin_client.get(listing).content.decode()
    for name in ("config", "qrcode"):
        url = reverse(f"admin:otp_totp_totpdevice_{name}", args=[device.pk])
        assert admin_client.get(url).status_code == 403
    # Nobody adds a device for someone else, or sees a staff device's key.
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[staff_device.pk]))
    assert staff_device.key not in page.content.decode()


def test_the_sign_in_failure_log_is_not_in_the_admin():
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert not admin.site.is_registered(model)
