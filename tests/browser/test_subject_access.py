"""A copy of the record, in a browser: the person asks in their portal for everything held; the
privacy lead opens the request, withholds a note about someone else and releases it; the person
then downloads the released copy, which leaves the note out. An accessibility check on each page."""

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import PASSWORD, MembershipFactory, TeamFactory
from alongside.portal.tests.factories import person_in_care
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page) -> None:
    page.context.clear_cookies()


def test_the_person_asks_and_the_privacy_lead_releases(page: Page, live_server, screenshots):
    scene = person_in_care("", username="sam", given_name="Sam")
    trust = scene.episode.lead_team.organisation
    MembershipFactory(
        role=Role.PRIVACY_LEAD,
        team=TeamFactory(organisation=trust, name="Information Governance"),
        user__username="nadia",
        user__first_name="Nadia",
        user__last_name="Rahman",
    )

    sign_in(page, live_server, "sam", "/portal/your-record/")
    expect(page.get_by_role("heading", level=1)).to_have_text("A copy of your record")
    assert_accessible(page)
    with page.expect_download() as instant:
        page.get_by_role("link", name="Download what you can see").click()
    own = Path(instant.value.path()).read_text(encoding="utf-8")
    assert scene.texts["org_note"] not in own
    page.get_by_label("Is there anything in particular").fill("My notes from last winter")
    page.get_by_role("button", name="Ask for a copy of everything").click()
    expect(page.locator("main")).to_contain_text("We have your request")
    expect(page.locator("main")).to_contain_text("Asked")
    page.screenshot(path=screenshots / "portal-your-record-asked.png", full_page=True)
    sign_out(page)

    sign_in(page, live_server, "nadia", "/privacy/")
    page.get_by_role("link", name="Review").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Request for a copy of a record")
    main = page.locator("main")
    expect(main).to_contain_text(scene.texts["org_note"])  # the full export
    assert_accessible(page)
    page.get_by_role("group", name="Contacts").get_by_label(scene.texts["org_note"]).check()
    page.get_by_label("Information about someone else").check()
    page.get_by_role("button", name="Withhold the selected items").click()
    expect(page.locator("main table").first).to_contain_text("Information about someone else")
    page.screenshot(path=screenshots / "privacy-subject-access-review.png", full_page=True)
    page.get_by_role("button", name="Release the copy to the person").click()
    expect(page.locator("main")).to_contain_text("Released")
    sign_out(page)

    sign_in(page, live_server, "sam", "/portal/your-record/")
    with page.expect_download() as released:
        page.get_by_role("link", name="Download your copy").click()
    text = Path(released.value.path()).read_text(encoding="utf-8")
    assert scene.texts["org_note"] not in text
    assert scene.texts["team_note"] in text
    assert json.loads(text)["what_was_withheld"]["anything_withheld"] is True
    assert_accessible(page)
