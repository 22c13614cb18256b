"""Signing in, in a real browser, with an accessibility check."""

import pytest
from playwright.sync_api import Page, expect

from alongside.organisations.models import OrganisationKind, Role, TeamType
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_a_practitioner_signs_in_and_sees_their_home_page(page: Page, live_server, screenshots):
    organisation = OrganisationFactory(
        name="Wyvern Wellbeing", kind=OrganisationKind.VCSE, ods_code="NQM01"
    )
    team = TeamFactory(
        organisation=organisation,
        name="Wellbeing Partners North",
        team_type=TeamType.VCSE_SERVICE,
        localities=[LocalityFactory(name="Brookfield"), LocalityFactory(name="Millbank")],
    )
    user = UserFactory(username="amara", first_name="Amara", last_name="Okafor")
    MembershipFactory(user=user, team=team, role=Role.PRACTITIONER, job_title="Care Partner")
    MembershipFactory(
        user=UserFactory(first_name="Tomasz", last_name="Nowak"),
        team=team,
        role=Role.PRACTITIONER,
    )

    sign_in(page, live_server, "amara", PASSWORD)

    expect(page).to_have_title("Home – Alongside")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text("Amara Okafor")
    expect(main).to_contain_text("Wellbeing Partners North")
    expect(main).to_contain_text("Wyvern Wellbeing")
    expect(main).to_contain_text("Tomasz Nowak")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "practitioner-home.png", full_page=True)
    assert_accessible(page)

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_title("Sign in – Alongside")


def test_a_wrong_password_shows_the_error_summary(page: Page, live_server, screenshots):
    UserFactory(username="amara")
    sign_in(page, live_server, "amara", "not the password")

    expect(page).to_have_title("Error: Sign in – Alongside")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("Enter a correct username and password")
    expect(summary).to_be_focused()
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "sign-in-error.png", full_page=True)
    assert_accessible(page)
