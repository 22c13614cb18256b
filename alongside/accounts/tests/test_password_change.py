"""Changing a password: the current one first, then a new one that follows the rules."""

import pytest
from django.urls import reverse

from alongside.organisations.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW = "kettle orchard lantern"


def change(client, old, new1, new2=None):
    return client.post(
        reverse("accounts:password-change"),
        {"old_password": old, "new_password1": new1, "new_password2": new2 or new1},
    )


def test_the_page_explains_the_rules(client):
    client.force_login(UserFactory())
    html = client.get(reverse("accounts:password-change")).content.decode()
    assert "<title>Change your password – Alongside</title>" in html
    assert "Must be 12 characters or more" in html
    assert 'autocomplete="new-password"' in html


def test_a_good_new_password_is_saved_and_the_session_kept(client):
    user = UserFactory()
    client.force_login(user)
    response = change(client, PASSWORD, NEW)
    assert response.status_code == 302
    assert response.url == reverse("accounts:account")
    user.refresh_from_db()
    assert user.check_password(NEW)
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    assert "Your password has been changed" in page.content.decode()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("short pass", "New password must be 12 characters or more"),
        ("password1234", "New password is too common"),
        ("839201748392", "New password must include letters, not only numbers"),
        ("priya.shah.nhs", "New password must not be like your username, name or email"),
    ],
)
def test_each_rule_has_a_clear_message(client, new, message):
    user = UserFactory(username="priya.shah.nhs", first_name="Priya", last_name="Shah")
    client.force_login(user)
    response = change(client, PASSWORD, new)
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert message in html
    assert 'href="#id_new_password1"' in html
    assert "<title>Error: Change your password – Alongside</title>" in html


def test_a_wrong_current_password_and_a_mismatch_are_explained(client):
    client.force_login(UserFactory())
    html = change(client, "not my password", NEW, NEW + " typo").content.decode()
    assert "Current password is not correct" in html
    assert "Passwords do not match" in html


def test_the_page_needs_a_sign_in(client):
    response = client.get(reverse("accounts:password-change"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:sign-in"))
