"""The key worker's and the triage coordinator's home pages in a real browser, on a desktop and on
a phone (390 px): the header's sections, the day's lists naming people with links, no sideways
scroll and no accessibility violation."""

from __future__ import annotations

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alongside.care.models import CarePlan, CarePlanVersion
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    allocate,
)
from alongside.organisations.models import Role, TeamType
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import Urgency
from alongside.referrals.tests.factories import ReferralFactory
from alongside.supervision.models import Kind
from alongside.supervision.services import make_agreement

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth > window.innerWidth")


def place() -> None:
    """A community team with a key worker (Sam) and a coordinator (Chen): three people on
    Sam's caseload, one seen today, one not seen for weeks, one whose plan review is overdue;
    two referrals waiting, one urgent."""
    now = timezone.now()
    team = TeamFactory(
        organisation=OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust"),
        name="Wyvern Central Community Mental Health Team",
        team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        localities=[LocalityFactory(name="Wyvern Central")],
    )
    worker = UserFactory(username="sam", first_name="Sam", last_name="Okafor")
    MembershipFactory(user=worker, team=team, role=Role.PRACTITIONER, job_title="Care Partner")
    coordinator = UserFactory(username="chen", first_name="Chen", last_name="Li")
    MembershipFactory(user=coordinator, team=team, role=Role.COORDINATOR)
    end_of_day = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23, 0)))
    for given, family, seen_days, opened in (
        ("Priya", "Sandhu", 5, 40),
        ("Megan", "Hughes", 40, 90),
        ("Tomos", "Price", 8, 120),
    ):
        episode = EpisodeFactory(
            person=PersonFactory(given_name=given, family_name=family),
            lead_team=team,
            started_at=now - dt.timedelta(days=opened),
        )
        allocate(episode, worker)
        ContactFactory(
            episode=episode, practitioner=worker, starts_at=now - dt.timedelta(days=seen_days)
        )
        if given == "Priya":
            PlannedContactFactory(
                episode=episode,
                practitioner=worker,
                starts_at=min(now + dt.timedelta(hours=2), end_of_day),
            )
        if given == "Tomos":
            plan = CarePlan.objects.create(episode=episode, current_version=1)
            CarePlanVersion.objects.create(
                plan=plan,
                number=1,
                review_on=timezone.localdate() - dt.timedelta(days=6),
                created_by=worker,
            )
    lead = UserFactory(username="fatima", first_name="Fatima", last_name="Begum")
    MembershipFactory(user=lead, team=team, role=Role.TEAM_LEAD)
    supervisor = UserFactory(username="grace", first_name="Grace", last_name="Adeyemi")
    MembershipFactory(user=supervisor, team=team, role=Role.SUPERVISOR)
    make_agreement(
        supervisee=worker,
        supervisor=supervisor,
        starts_on=timezone.localdate() - dt.timedelta(days=60),
        terms={Kind.INDIVIDUAL: 4},
        by=lead,
    )
    EpisodeFactory(
        person=PersonFactory(given_name="Owen", family_name="Jones"),
        lead_team=team,
        started_at=now - dt.timedelta(days=3),
    )
    ReferralFactory(team=team, urgency=Urgency.URGENT, given_name="Maya", family_name="Okonjo")
    ReferralFactory(
        team=team,
        given_name="Rhys",
        family_name="Evans",
        received_at=now - dt.timedelta(days=30),
        due_at=now - dt.timedelta(days=1),
    )


def sign_in(browser: Browser, url: str, username: str, viewport: dict[str, int]) -> Page:
    context = browser.new_context(viewport=viewport, locale="en-GB")
    page = context.new_page()
    page.goto(f"{url}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Home – Alongside")
    return page


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_the_key_worker_and_the_coordinator_home_pages(
    browser: Browser, live_server, screenshots, size
):
    place()
    viewport = VIEWPORTS[size]

    page = sign_in(browser, live_server.url, "sam", viewport)
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")
    expect(page.locator("#appointments-today")).to_contain_text("Priya Sandhu")
    expect(page.locator("#needs-attention")).to_contain_text("Megan Hughes")
    expect(page.locator("#needs-attention")).to_contain_text("Not seen in 4 weeks")
    expect(page.locator("#plan-reviews")).to_contain_text("Tomos Price")
    expect(page.locator("#answers-to-review")).to_contain_text("No answers to review.")
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / f"home-key-worker-{size}.png", full_page=True)
    page.locator("#needs-attention").get_by_role("link", name="Megan Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Episode of care with")
    page.context.close()

    page = sign_in(browser, live_server.url, "chen", viewport)
    due = page.locator("#due-referrals")
    expect(due).to_contain_text("Maya Okonjo")
    expect(due).to_contain_text("Urgent")
    expect(due).to_contain_text("Rhys Evans")
    expect(page.locator("#follow-ups")).to_contain_text("No follow-ups due.")
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / f"home-coordinator-{size}.png", full_page=True)
    if size == "desktop":
        # The header leads to the coordinator's referrals, marked as the section in view.
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals").click()
        expect(
            page.get_by_role("navigation", name="Menu").get_by_role("link", name="Referrals")
        ).to_have_attribute("aria-current", "page")
    page.context.close()


def test_the_team_lead_and_the_supervisor_home_pages(browser: Browser, live_server, screenshots):
    place()
    page = sign_in(browser, live_server.url, "fatima", VIEWPORTS["desktop"])
    expect(page.locator("#waiting-allocation")).to_contain_text("Owen Jones")
    teams = page.locator("#your-teams")
    expect(teams).to_contain_text("Wyvern Central Community Mental Health Team")
    expect(teams.get_by_role("link", name="Supervision coverage in Wyvern Central")).to_be_visible()
    expect(teams.get_by_role("link", name="Co-production in Wyvern Central")).to_be_visible()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="Insights")).to_be_visible()
    assert violations(page) == []
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "home-team-lead-desktop.png", full_page=True)
    page.context.close()

    page = sign_in(browser, live_server.url, "grace", VIEWPORTS["phone"])
    expect(page.locator("#sessions-due")).to_contain_text("Sam Okafor")
    expect(page.locator("#sessions-due")).to_contain_text("Overdue by")
    assert not scrolls_sideways(page)
    assert violations(page) == []
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "home-supervisor-phone.png", full_page=True)
    page.context.close()
