"""The cookies page lists exactly the cookies the app sets: a visitor and a member of staff go
through the pages that set cookies, and every ``Set-Cookie`` is checked against the list."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse

from alongside.directory.tests import factories as directory
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.public.cookies import cookies

pytestmark = pytest.mark.django_db


class Recorder:
    """A test client that keeps the name of every cookie any response set."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.set: set[str] = set()

    def _keep(self, response):
        self.set |= {name for name, morsel in response.cookies.items() if morsel.value}
        return response

    def get(self, path: str, **kwargs):
        return self._keep(self.client.get(path, **kwargs))

    def post(self, path: str, data: dict, **kwargs):
        return self._keep(self.client.post(path, data, **kwargs))


def test_the_cookies_a_visit_sets_are_the_ones_listed(client):
    organisation = OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE)
    provider = directory.organisation("Wellspring Wyvern", organisation=organisation)
    service = directory.service(
        "Community Counselling", organization=provider, last_reviewed_on=dt.date(2025, 1, 6)
    )
    UserFactory(username="olu")
    admin = UserFactory(username="ade")
    MembershipFactory(user=admin, team=TeamFactory(organisation=organisation), role=Role.ORG_ADMIN)
    visit = Recorder(client)

    # The public side: pages, a search, the self-referral's first answer.
    for name in ["home", "public:cookies", "public:privacy-notice", "directory:search"]:
        assert visit.get(reverse(name)).status_code == 200
    assert visit.get(reverse("directory:search"), data={"q": "counselling"}).status_code == 200
    assert visit.get(reverse("self_referral:start")).status_code == 200
    assert visit.get(reverse("self_referral:about-you")).status_code == 200
    visit.post(reverse("self_referral:about-you"), {"given_name": "Jordan"})
    # Staff: sign in, save a change (which shows a message), sign out.
    visit.get(reverse("accounts:sign-in"))
    signed_in = visit.post(reverse("accounts:sign-in"), {"username": "ade", "password": PASSWORD})
    assert signed_in.status_code == 302
    visit.get(reverse("directory:manage"))
    visit.post(reverse("directory:reviewed", args=[service.pk]), {})
    assert "marked as reviewed" in visit.get(reverse("directory:manage")).content.decode()
    visit.post(reverse("accounts:sign-out"), {})

    listed = {cookie.name for cookie in cookies()}
    assert visit.set == listed == {"csrftoken", "sessionid", "messages"}


def test_the_cookies_page_shows_each_cookie_and_no_analytics(client):
    page = client.get(reverse("public:cookies")).content.decode()
    for cookie in cookies():
        assert f"<code>{cookie.name}</code>" in page
        assert cookie.expires in page
    assert "We do not use cookies to measure how you use the website (analytics)" in page
    assert "<code>htmx-current-path-for-history</code>" in page  # session storage, by htmx


def test_the_page_follows_the_settings(client, settings):
    settings.SESSION_COOKIE_NAME = "alongside_session"
    settings.SESSION_COOKIE_AGE = 15 * 60
    settings.MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
    names = [cookie.name for cookie in cookies()]
    assert names == ["csrftoken", "alongside_session"]
    page = client.get(reverse("public:cookies")).content.decode()
    assert "<code>alongside_session</code>" in page
    assert "after 15 minutes without using the service" in page
    assert "<code>messages</code>" not in page
