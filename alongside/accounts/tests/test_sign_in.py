"""Signing in and out."""

import pytest
from django.urls import reverse

from alongside.organisations.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_has_a_title_and_form(client):
    response = client.get(reverse("accounts:sign-in"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Sign in – Alongside</title>" in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signing_in_with_the_right_password_goes_home(client):
    user = UserFactory(first_name="Priya", last_name="Shah")
    response = client.post(
        reverse("accounts:sign-in"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")
    home = client.get(reverse("home"))
    assert "Priya Shah" in home.content.decode()


def test_a_wrong_password_shows_the_error_summary(client):
    user = UserFactory()
    response = client.post(
        reverse("accounts:sign-in"), {"username": user.username, "password": "not it at all"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "nhsuk-error-summary" in html
    assert "There is a problem" in html
    assert "Enter a correct username and password" in html
    assert "<title>Error: Sign in – Alongside</title>" in html
    assert "_auth_user_id" not in client.session


def test_empty_fields_are_each_named_in_the_error_summary(client):
    response = client.post(reverse("accounts:sign-in"), {"username": "", "password": ""})
    html = response.content.decode()
    assert 'href="#id_username"' in html and "Enter your username" in html
    assert 'href="#id_password"' in html and "Enter your password" in html


def test_the_header_signs_out_with_a_post_form_carrying_the_csrf_token(client):
    user = UserFactory()
    client.force_login(user)
    html = client.get(reverse("home")).content.decode()
    form_start = html.index(f'action="{reverse("accounts:sign-out")}"')
    form_html = html[html.rindex("<form", 0, form_start) : html.index("</form>", form_start)]
    assert 'method="post"' in form_html
    assert 'name="csrfmiddlewaretoken"' in form_html
    assert "Sign out" in form_html


def test_signing_out_ends_the_session(client):
    client.force_login(UserFactory())
    response = client.post(reverse("accounts:sign-out"))
    assert response.status_code == 302
    assert response.url == reverse("accounts:sign-in")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:account")).status_code == 302


def test_signing_out_needs_csrf(client):
    from django.test import Client

    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(UserFactory())
    assert csrf_client.post(reverse("accounts:sign-out")).status_code == 403
    assert "_auth_user_id" in csrf_client.session


def test_anonymous_home_shows_the_public_start_page(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Find support near you" in response.text
    assert "Samaritans on" in response.text
    assert reverse("accounts:sign-in") in response.text


def test_the_sign_in_page_links_back_to_the_public_start(client):
    response = client.get(reverse("accounts:sign-in"))
    assert 'href="/">Go to the start page</a>' in response.text
