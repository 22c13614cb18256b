"""The public side in a real browser: the footer's privacy notice, accessibility statement,
cookies and contact pages, on a desktop and a phone; the cookies a visit leaves; and the
self-referral's notice before the first question and its confirmation."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    TeamFactory,
)
from alongside.places.models import Postcode
from alongside.referrals.models import Referral

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
FOOTER = {
    "Contact us": "Contact us – Alongside",
    "Privacy notice": "Privacy notice – Alongside",
    "Cookies": "Cookies – Alongside",
    "Accessibility statement": "Accessibility statement – Alongside",
}


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def scrolls_sideways(page: Page) -> bool:
    return page.evaluate(
        "document.scrollingElement.scrollWidth > document.scrollingElement.clientWidth"
    )


def test_every_footer_page_opens_reads_well_and_passes_axe(page: Page, live_server, screenshots):
    for label, title in FOOTER.items():
        page.set_viewport_size(DESKTOP)
        page.goto(f"{live_server.url}/")
        page.locator("footer").get_by_role("link", name=label, exact=True).click()
        expect(page).to_have_title(title)
        expect(page.get_by_role("heading", level=1)).to_have_text(title.split(" – ")[0])
        assert violations(page) == [], label
        slug = label.lower().replace(" ", "-")
        page.screenshot(path=screenshots / f"public-{slug}.png", full_page=True)
        page.set_viewport_size(PHONE)
        assert not scrolls_sideways(page), label
        assert violations(page) == [], label
        page.screenshot(path=screenshots / f"public-{slug}-phone.png", full_page=True)

    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/privacy-notice/")
    main = page.locator("main")
    expect(main).to_contain_text("Wyvern Mental Health NHS Foundation Trust")
    expect(main).to_contain_text("Article 9(2)(h)")
    expect(main.get_by_role("link", name="0303 123 1113")).to_have_attribute(
        "href", "tel:03031231113"
    )
    page.goto(f"{live_server.url}/contact-us/")
    expect(page.locator("main")).to_contain_text("01632 960870")
    expect(page.locator("main .nhsuk-card--care--urgent")).to_contain_text("116 123")


def test_a_visit_leaves_only_the_cookies_the_cookies_page_lists(page: Page, live_server):
    locality = LocalityFactory(name="Wyvern Central")
    Postcode.objects.create(postcode="WY1 1AA", latitude=52.33, longitude=-2.42, locality=locality)
    MembershipFactory(role=Role.COORDINATOR, team=TeamFactory(localities=[locality]))

    page.goto(f"{live_server.url}/directory/?q=counselling")
    page.goto(f"{live_server.url}/refer-yourself/")
    page.get_by_role("button", name="Start now").click()
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Achterberg")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Where do you live? – Ask for mental health support – Alongside")

    set_by_the_app = {cookie["name"] for cookie in page.context.cookies()}
    stored = set(page.evaluate("[...Object.keys(localStorage), ...Object.keys(sessionStorage)]"))
    page.goto(f"{live_server.url}/cookies/")
    tables = page.locator("main table")
    listed = set(tables.nth(0).locator("tbody tr td:first-child code").all_inner_texts())
    listed_storage = set(tables.nth(1).locator("tbody tr td:first-child code").all_inner_texts())
    assert {"sessionid", "csrftoken"} <= set_by_the_app
    assert set_by_the_app <= listed, set_by_the_app - listed
    assert stored <= listed_storage, stored - listed_storage
    expect(page.locator("main")).to_contain_text("We do not use cookies to measure how you use")


def test_the_self_referral_says_who_will_see_the_answers_and_then_who_has_them(
    page: Page, live_server, screenshots
):
    locality = LocalityFactory(name="Wyvern Central")
    Postcode.objects.create(postcode="WY1 1AA", latitude=52.33, longitude=-2.42, locality=locality)
    team = TeamFactory(
        name="Wyvern Central Community Mental Health Team",
        localities=[locality],
        phone="01632 960456",
        email="central.cmht@wyvernmh.nhs.example",
    )
    MembershipFactory(role=Role.COORDINATOR, team=team)

    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/refer-yourself/")
    main = page.locator("main")
    notice = main.get_by_role("heading", name="Who will see your answers, and why")
    expect(notice).to_be_visible()
    start = main.get_by_role("button", name="Start now")
    assert notice.bounding_box()["y"] < start.bounding_box()["y"]
    assert violations(page) == []
    assert not scrolls_sideways(page)
    page.screenshot(path=screenshots / "public-self-referral-start-phone.png", full_page=True)
    main.get_by_role("link", name="Read our privacy notice").click()
    expect(page).to_have_title("Privacy notice – Alongside")
    page.go_back()

    start.click()
    page.get_by_label("First name").fill("Jordan")
    page.get_by_label("Last name").fill("Achterberg")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("7")
    page.get_by_label("Year").fill("1990")
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Postcode").fill("WY1 1AA")
    page.get_by_role("button", name="Continue").click()
    page.locator("input[name=contact_methods][value=phone]").check()
    page.get_by_label("Phone number").fill("07700 900982")
    page.locator("input[name=may_leave_message][value=no]").check()
    page.get_by_role("button", name="Continue").click()
    page.locator("#id_concerns").fill("I have felt low for months.")
    page.locator("#id_what_would_help").fill("Someone to talk to.")
    page.get_by_role("button", name="Continue").click()
    page.locator("input[name=self_harm_thoughts][value=no]").check()
    page.get_by_role("button", name="Continue").click()
    page.locator("input[name=interpreter_needed][value=no]").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # GP practice: optional
    page.locator("input[name=consent_to_contact][value=yes]").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(
        "Check your answers before sending your request – Ask for mental health support – Alongside"
    )
    page.get_by_role("button", name="Send request").click()

    expect(page).to_have_title("Request sent – Ask for mental health support – Alongside")
    referral = Referral.objects.get()
    main = page.locator("main")
    expect(main).to_contain_text(
        "Your request has gone to the Wyvern Central Community Mental Health Team"
    )
    expect(main).to_contain_text("within 4 weeks, by")
    expect(main.get_by_role("link", name="01632 960456")).to_have_attribute(
        "href", "tel:01632960456"
    )
    expect(main).to_contain_text("central.cmht@wyvernmh.nhs.example")
    expect(main.locator(".nhsuk-summary-list")).to_contain_text(referral.reference)
    expect(main.locator(".nhsuk-card--care--urgent")).to_contain_text("Samaritans on 116 123")
    expect(main).not_to_contain_text("call your GP practice or NHS 111")
    assert violations(page) == []
    assert not scrolls_sideways(page)
    page.screenshot(path=screenshots / "public-self-referral-sent-phone.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.screenshot(path=screenshots / "public-self-referral-sent.png", full_page=True)
