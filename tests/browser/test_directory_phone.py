"""The directory on a phone: the results come first, the filters wait behind their toggle, and
"Back to search results" from a service page returns to the same search; on a desktop the
filters sit open beside the results; without JavaScript the toggle still works."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from alongside.directory.tests import factories as f
from alongside.organisations.tests.factories import LocalityFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
NEEDS = (
    "Anxiety",
    "Low mood",
    "Stress",
    "Loneliness",
    "Debt and money",
    "Housing",
    "Employment",
    "Bereavement",
    "Sleep",
    "Physical activity",
    "Alcohol",
    "Drugs",
    "Eating",
    "Relationships",
    "Caring for someone",
    "Trauma",
    "Self-harm",
    "Psychosis",
    "Benefits",
    "Parenting",
)


def violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
    ]


def top_of_first_result(page: Page) -> float:
    """Where the first result starts, from the top of the page (not of the window)."""
    page.locator(".directory-result").first.wait_for()
    return page.evaluate(
        "document.querySelector('.directory-result').getBoundingClientRect().top + scrollY"
    )


@pytest.fixture
def place():
    central = LocalityFactory(name="Wyvern Central")
    here = f.postcode("WY1 1AA", 52.33, -2.42, central)
    for need in NEEDS:
        f.term(need)
    for n in range(24):
        f.service(
            f"Wellbeing Group {n:02d}",
            description="A friendly weekly group to talk and share ideas for coping.",
            needs=(NEEDS[n % len(NEEDS)], "Anxiety"),
            at=f.postcode(f"WY1 {n}BB", 52.33 + n / 500, -2.42, central),
            accepts_self_referral=n % 2 == 0,
        )
    f.service("Debt Advice, Castlegate", needs=("Debt and money",), at=here)
    return here


def test_on_a_phone_the_results_come_first_and_back_keeps_the_search(
    page: Page, live_server, place, screenshots
):
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/directory/")
    filters = page.locator("details.directory-filters")
    expect(filters).not_to_have_attribute("open", "")
    expect(page.get_by_label("Anxiety")).to_be_hidden()
    assert top_of_first_result(page) < PHONE["height"], "the first result is below the fold"
    assert violations(page) == []
    page.screenshot(path=screenshots / "directory-phone.png", full_page=True)

    # Search, then filter: the results are still first after each.
    page.get_by_label("What are you looking for?").fill("wellbeing group")
    page.get_by_label("Postcode (optional)").fill("wy1 1aa")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page).to_have_title("Search results – Alongside")
    assert top_of_first_result(page) < PHONE["height"]

    filters.locator("summary").click()
    expect(page.get_by_label("Anxiety")).to_be_visible()
    page.get_by_label("Anxiety").check()
    page.get_by_label("I can refer myself (no GP referral needed)").check()
    assert violations(page) == []
    page.screenshot(path=screenshots / "directory-phone-filters.png", full_page=True)
    page.get_by_role("button", name="Apply filters").click()

    expect(page.locator("details.directory-filters summary")).to_contain_text("(2 chosen)")
    expect(page.get_by_label("Anxiety")).to_be_hidden()
    results = page.locator(".directory-result")
    expect(results).to_have_count(12)
    expect(page.locator("#results")).to_have_text("12 services found, nearest first")
    # After a search, the first result starts on the first screen, its name (the link) whole.
    assert top_of_first_result(page) < PHONE["height"]
    name = results.first.locator("h3").bounding_box()
    assert name["y"] + name["height"] < PHONE["height"], f"the first result's name is at {name}"
    expect(results.first).to_contain_text("Takes self-referrals")
    found = results.locator("h3").all_inner_texts()
    assert violations(page) == []
    page.screenshot(path=screenshots / "directory-phone-results.png", full_page=False)

    results.nth(2).get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(found[2])
    assert violations(page) == []
    page.screenshot(path=screenshots / "directory-phone-service.png", full_page=True)
    page.get_by_role("link", name="Back to search results").click()

    expect(page).to_have_title("Search results – Alongside")
    assert page.locator(".directory-result h3").all_inner_texts() == found
    expect(page.get_by_label("What are you looking for?")).to_have_value("wellbeing group")
    postcode = page.get_by_label("Postcode (optional)")
    expect(postcode).to_have_value("wy1 1aa")  # as the visitor typed it
    expect(page.locator("details.directory-filters summary")).to_contain_text("(2 chosen)")
    assert page.get_by_label("Anxiety").is_checked()


def test_on_a_desktop_the_filters_sit_open_beside_the_results(
    page: Page, live_server, place, screenshots
):
    page.set_viewport_size(DESKTOP)
    page.goto(f"{live_server.url}/directory/?q=wellbeing+group&page=2")
    expect(page.locator("details.directory-filters")).to_have_attribute("open", "")
    expect(page.get_by_label("Anxiety")).to_be_visible()
    assert top_of_first_result(page) < DESKTOP["height"]
    filters_box = page.locator("details.directory-filters").bounding_box()
    results_box = page.locator(".directory-results").bounding_box()
    assert filters_box["x"] + filters_box["width"] <= results_box["x"]  # side by side
    assert violations(page) == []
    page.screenshot(path=screenshots / "directory-desktop.png", full_page=True)

    page.locator(".directory-result a").first.click()
    back = page.get_by_role("link", name="Back to search results")
    expect(back).to_have_attribute("href", "/directory/?q=wellbeing+group&page=2")
    back.click()
    expect(page.locator(".directory-result")).to_have_count(4)


def test_without_javascript_the_filters_toggle_still_works(browser, live_server, place):
    context = browser.new_context(java_script_enabled=False, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/directory/")
    filters = page.locator("details.directory-filters")
    expect(page.get_by_label("Low mood")).to_be_hidden()
    filters.locator("summary").click()
    page.get_by_label("Low mood").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page.locator(".directory-result")).to_have_count(2)
    expect(filters.locator("summary")).to_contain_text("(1 chosen)")
    context.close()
