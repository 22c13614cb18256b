"""The header navigation offers each role the sections it should have, and every link in it and
in the sub-navigations of the pages it leads to opens."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.home.navigation import SECTIONS, current_section, sections_for
from alongside.organisations.models import Role
from alongside.organisations.permissions import PERSON, SYSTEM_ADMIN, permissions_for
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from alongside.portal.tests.factories import person_in_care
from alongside.referrals.tests.factories import ReferralFactory
from alongside.supervision.models import Kind
from alongside.supervision.services import make_agreement

pytestmark = pytest.mark.django_db

CARE_WORK = ["Home", "Caseload", "Referrals", "People", "Meetings", "Supervision", "Co-production"]
PORTAL = ["Home", "Plan", "Goals", "Questionnaires", "Appointments", "Care team", "Next time"]

#: What each holder should find in the header, written from who does what (DESIGN.md and
#: issue 20), not read from the code: care staff work caseloads, referrals, people, meetings and
#: supervision; the team lead also sees the dashboards (waits, coverage, co-production); the
#: analyst aggregates and the workforce; the privacy lead the audit and approvals; the
#: organisation administrator the directory, approvals and the workforce; the system
#: administrator organisations too but no person's record; the person their portal; a user with
#: no role nothing to navigate.
SHOULD_SEE: dict[str, list[str]] = {
    Role.PRACTITIONER: CARE_WORK,
    Role.COORDINATOR: CARE_WORK,
    Role.SUPERVISOR: CARE_WORK,
    Role.TEAM_LEAD: [*CARE_WORK, "Insights"],
    Role.ANALYST: ["Home", "Supervision", "Co-production", "Insights", "Workforce"],
    Role.PRIVACY_LEAD: ["Home", "Supervision", "Co-production", "Insights", "Privacy", "Approvals"],
    Role.ORG_ADMIN: [
        "Home",
        "Supervision",
        "Co-production",
        "Insights",
        "Workforce",
        "Service directory",
        "Approvals",
    ],
    SYSTEM_ADMIN: [
        "Home",
        "Supervision",
        "Co-production",
        "Workforce",
        "Service directory",
        "Organisations",
        "Approvals",
    ],
    PERSON: PORTAL,
    "no role": [],
}


class Links(HTMLParser):
    """The links of a page: those in the header's navigation, those in a navigation inside
    ``<main>`` (a page's sub-navigation), and every other link inside ``<main>``."""

    def __init__(self) -> None:
        super().__init__()
        self.header: list[tuple[str, str]] = []
        self.sub_nav: list[str] = []
        self.main: list[str] = []
        self.current: list[str] = []
        self._where: list[str] = []
        self._href: str | None = None
        self._text = ""
        self._current = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "nav" and "nhsuk-header__navigation" in (found.get("class") or ""):
            self._where.append("header")
        elif tag == "nav":
            self._where.append("nav")
        elif tag == "main":
            self._where.append("main")
        elif tag == "a":
            self._href = found.get("href")
            self._text = ""
            self._current = found.get("aria-current") in {"page", "true"}

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag in {"nav", "main"} and self._where:
            self._where.pop()
        elif tag == "a" and self._href is not None:
            href, self._href = self._href, None
            if "header" in self._where:
                self.header.append((" ".join(self._text.split()), href))
                if self._current:
                    self.current.append(" ".join(self._text.split()))
            elif "main" in self._where and "nav" in self._where:
                self.sub_nav.append(href)
            elif "main" in self._where:
                self.main.append(href)


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


@pytest.fixture
def place():
    """The portal person in care with their key worker, and one of each role in the key
    worker's team, with a referral waiting and a supervision agreement."""
    scene = person_in_care("")
    team = scene.episode.lead_team
    team.localities.add(LocalityFactory(name="Brookfield"))
    users = {Role.PRACTITIONER: scene.key_worker}
    for role in Role:
        if role != Role.PRACTITIONER:
            users[role] = MembershipFactory(team=team, role=role).user
    users[SYSTEM_ADMIN] = UserFactory(is_superuser=True, is_staff=True)
    users[PERSON] = scene.user
    users["no role"] = UserFactory()
    ReferralFactory(team=team)
    make_agreement(
        supervisee=scene.key_worker,
        supervisor=users[Role.SUPERVISOR],
        starts_on=timezone.localdate() - dt.timedelta(days=90),
        terms={Kind.INDIVIDUAL: 4},
        by=users[Role.TEAM_LEAD],
    )
    return users


def is_internal(href: str) -> bool:
    parts = urlsplit(href)
    return not parts.scheme and not parts.netloc and parts.path.startswith("/")


def opened(client, href: str) -> str:
    response = client.get(href, follow=True)
    assert response.status_code == 200, f"{href} answered {response.status_code}"
    return response.content.decode() if "html" in response.get("Content-Type", "") else ""


@pytest.mark.parametrize("holder", list(SHOULD_SEE))
def test_each_role_sees_its_sections_and_every_link_opens(client, place, holder):
    client.force_login(place[holder])
    start = reverse("accounts:account") if holder in {PERSON, "no role"} else reverse("home")
    page = links(opened(client, start))
    assert [text for text, _href in page.header] == SHOULD_SEE[holder]
    # The header's sections and every link on the home page; then every link on those pages
    # (their sub-navigations included): each must open.
    level_one = [href for _text, href in page.header]
    if holder not in {PERSON, "no role"}:
        level_one += page.main + page.sub_nav
    level_one = [h for h in dict.fromkeys(level_one) if is_internal(h)]
    checked: set[str] = set(level_one)
    for href in level_one:
        found = links(opened(client, href))
        for sub in found.sub_nav + found.main:
            if is_internal(sub) and sub not in checked:
                checked.add(sub)
                opened(client, sub)
    assert checked or holder == "no role"


def test_the_current_section_is_marked(client, place):
    client.force_login(place[Role.TEAM_LEAD])
    page = links(opened(client, reverse("referrals:worklists")))
    assert page.current == ["Referrals"]
    page = links(opened(client, reverse("supervision:coverage")))
    assert page.current == ["Supervision"]


def test_a_page_about_a_person_belongs_to_people():
    everyone = sections_for(permissions_for(frozenset({Role.TEAM_LEAD})))
    assert current_section("care:episode", everyone).text == "People"
    assert current_section("care:team-caseloads", everyone).text == "Caseload"
    assert current_section("sharing:privacy", SECTIONS).text == "Privacy"
    assert current_section("sharing:consents", SECTIONS).text == "People"
    assert current_section("home", everyone).text == "Home"


def test_a_user_signed_in_without_a_role_has_no_sections():
    assert sections_for(permissions_for(frozenset())) == []


def test_a_key_worker_whose_team_serves_no_locality_is_not_offered_meetings(client):
    worker = MembershipFactory(team=TeamFactory(), role=Role.PRACTITIONER).user
    client.force_login(worker)
    assert client.get(reverse("meetings:list")).status_code == 403
    page = links(opened(client, reverse("home")))
    assert "Meetings" not in [text for text, _href in page.header]
    assert "Caseload" in [text for text, _href in page.header]
