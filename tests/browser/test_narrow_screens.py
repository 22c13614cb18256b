"""No page scrolls sideways on a phone: at 390 px wide, every page each role reaches from its
home page (following the links it is offered, to a few steps) and every public page is as
wide as the screen or narrower. A wide table scrolls inside its own box, not the page.

The place is built with factories: one team with every role the demo signs in as, a person in
care with a portal account, a plan, contacts and outcome measures, a referral waiting for
triage, a supervision agreement and services in the directory. Pages of the same shape (the
same path with other ids) are visited once."""

from __future__ import annotations

import datetime as dt
import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page

from alongside.directory.tests import factories as directory
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    UserFactory,
)
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, PHQ9_MILD, answered
from alongside.portal.tests.factories import person_in_care
from alongside.referrals.models import Source
from alongside.referrals.tests.factories import ReferralFactory
from alongside.supervision import services as supervision
from alongside.supervision.models import Kind
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
#: Pages of one role visited at most (each of a shape not seen before), and link steps from home.
MOST_PAGES = 45
STEPS = 2
#: Where someone who is not signed in starts; the walk follows their links too.
PUBLIC = "/"
#: Links not followed: they sign out, download, leave the site or open the Django admin.
SKIP = re.compile(r"^/(account/sign-out|admin/|static/|media/)|\.csv$|/download|/export")
ROLES = (
    Role.PRACTITIONER,
    Role.COORDINATOR,
    Role.TEAM_LEAD,
    Role.SUPERVISOR,
    Role.ANALYST,
    Role.ORG_ADMIN,
    Role.PRIVACY_LEAD,
)


def shape(path: str) -> str:
    """/people/12/plan/ and /people/13/plan/ are one shape; so are two services' addresses."""
    return re.sub(r"/[0-9a-f-]{8,}/|/\d+/", "/N/", path)


@pytest.fixture
def place():
    """Everyone the demo signs in as, around one person in care."""
    scene = person_in_care("")
    team = scene.episode.lead_team
    locality = LocalityFactory(name="Wyvern Central")
    team.localities.add(locality)
    users = {"person": scene.user.username, "practitioner": scene.key_worker.username}
    for role in ROLES[1:]:
        member = MembershipFactory(team=team, role=role, user__username=f"narrow-{role}")
        users[role] = member.user.username
    users["system"] = UserFactory(username="narrow-admin", is_superuser=True).username
    supervisor = MembershipFactory(team=team, role=Role.SUPERVISOR).user
    supervision.make_agreement(
        supervisee=scene.key_worker,
        supervisor=supervisor,
        starts_on=timezone.localdate() - dt.timedelta(days=60),
        terms={Kind.INDIVIDUAL: 4},
        by=supervisor,
    )
    users["supervisor"] = supervisor.username
    for days in (60, 10):
        answered(
            scene.episode,
            "phq9",
            PHQ9_MILD,
            by=scene.key_worker,
            at=timezone.now() - dt.timedelta(days=days),
        )
    answered(scene.episode, "dialog", DIALOG_MIDDLING, by=scene.key_worker)
    ReferralFactory(team=team, given_name="Rhiannon", family_name="Pryce-Llewellyn")
    # Last whole month's referrals, for the figures the insights pages show by default.
    last_month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    for n in range(12):
        ReferralFactory(
            team=team,
            locality=locality,
            source=Source.SELF if n < 3 else Source.GP,
            received_at=timezone.make_aware(
                dt.datetime(last_month.year, last_month.month, 2 + n, 11)
            ),
        )
    provider = directory.organisation("Wellspring Wyvern", organisation=team.organisation)
    directory.service("Community Counselling and Talking Therapies", organization=provider)
    return users


def too_wide(page: Page) -> str:
    """Empty when the page fits the screen; else how wide it is and what pokes out."""
    found = page.evaluate(
        """() => {
          const width = window.innerWidth;
          const scroll = document.documentElement.scrollWidth;
          if (scroll <= width) return "";
          const wide = [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > width + 1)
            .filter(e => !e.closest(".app-table-scroll"))
            .slice(0, 3)
            .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") +
                      (e.className && typeof e.className === "string"
                        ? "." + e.className.trim().split(/\\s+/).join(".") : ""));
          return `${scroll}px wide: ${wide.join(", ")}`;
        }"""
    )
    return found


def links(page: Page) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or not parts.path.startswith("/"):
            continue
        if SKIP.search(parts.path):
            continue
        out.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return out


def walk(page: Page, base: str, start: str, seen: set[str], problems: list[str]) -> int:
    """Visit ``start`` and the pages reachable from it in ``STEPS`` link steps, each shape not
    in ``seen`` once (``start`` always: each role's home page is its own)."""
    queue = deque([(start, 0)])
    visited = 0
    while queue and visited < MOST_PAGES:
        path, steps = queue.popleft()
        key = shape(path.split("?")[0]) + ("?" if "?" in path else "")
        if key in seen and visited:
            continue
        seen.add(key)
        response = page.goto(base + path)
        visited += 1
        if response is None or response.status >= 400:
            continue
        wide = too_wide(page)
        if wide:
            problems.append(f"{path} ({page.title()}): {wide}")
        if steps < STEPS:
            queue.extend((link, steps + 1) for link in links(page))
    return visited


def sign_in(page: Page, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    yield context.new_page()
    context.close()


def test_no_page_scrolls_sideways_on_a_phone(phone: Page, live_server, place):
    base = live_server.url
    seen: set[str] = set()
    problems: list[str] = []
    visited = walk(phone, base, PUBLIC, seen, problems)
    for username in place.values():
        sign_in(phone, base, username)
        visited += walk(phone, base, "/", seen, problems)
    assert visited > 40  # the walk reached the pages, not only the home pages
    assert problems == [], "Pages wider than a 390 px phone:\n" + "\n".join(problems)


def test_a_wide_figures_table_scrolls_in_its_own_box_not_the_page(phone: Page, live_server, place):
    """However many columns a breakdown has, its table scrolls inside a labelled region that
    takes the focus; the page itself stays as wide as the phone."""
    sign_in(phone, live_server.url, place[Role.ANALYST])
    phone.goto(f"{live_server.url}/insights/self_referrals/")
    boxes = phone.locator("main .app-table-scroll")
    assert boxes.count() >= 2
    box = boxes.first
    assert box.get_attribute("role") == "region"
    assert box.get_attribute("tabindex") == "0"
    label = box.get_attribute("aria-labelledby")
    assert phone.locator(f"#{label}").inner_text().strip()
    assert_accessible(phone)
    # Make every table far wider than a phone, as a breakdown with many groups would be.
    phone.evaluate(
        """() => document.querySelectorAll("main .app-table-scroll table tr").forEach(row => {
             for (let i = 0; i < 12; i++) row.appendChild(document.createElement("td"))
               .textContent = "Wide-column-" + i;
           })"""
    )
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert too_wide(phone) == ""
    box.focus()
    phone.keyboard.press("ArrowRight")  # the focused box scrolls from the keyboard
    phone.wait_for_function(
        "() => document.querySelector('main .app-table-scroll').scrollLeft > 0", timeout=3000
    )
