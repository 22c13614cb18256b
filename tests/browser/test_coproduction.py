"""A team lead opens a co-production review of their team, records the staff rating and the
experts by experience's rating (choosing the experts from the register), and the gap shows on
the team's co-production page: in a real browser, with an accessibility check on each page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.coproduction import services
from alongside.coproduction.models import Characteristic, Naming, Rating
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF = [4, 4, 3, 3, 4, 3]  # mean 3.5
EXPERTS = [2, 3, 2, 3, 1, 2]  # mean 13/6 = 2.2; gaps 2 1 1 0 3 1, mean 8/6 = +1.3


def sign_in(page: Page, live_server, username: str, next_path: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def make_place():
    """A trust community mental health team and its lead; a VCSE administrator who has put two
    experts by experience on the register (one named by first name, one by initials)."""
    today = timezone.localdate()
    team = TeamFactory(
        name="Central CMHT",
        organisation=OrganisationFactory(
            name="Wyvern Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST
        ),
    )
    MembershipFactory(
        team=team,
        role=Role.TEAM_LEAD,
        user__username="lena",
        user__first_name="Lena",
        user__last_name="Ford",
    )
    MembershipFactory(team=team, role=Role.PRACTITIONER)
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    admin = MembershipFactory(
        team=TeamFactory(organisation=vcse, name="Involvement"), role=Role.ORG_ADMIN
    ).user
    for given, family, naming in (
        ("Priya", "Nair", Naming.FIRST),
        ("Sam", "Okafor", Naming.INITIALS),
    ):
        services.register_expert(
            given_name=given,
            family_name=family,
            organisation=vcse,
            consent_on=today - dt.timedelta(days=60),
            by=admin,
            naming=naming,
        )
    return team


def rate_all(page: Page, scores: list[int]) -> None:
    for characteristic, score in zip(Characteristic, scores, strict=True):
        group = page.get_by_role("group", name=characteristic.label, exact=True)
        group.get_by_label(f"{score} –").check()
        page.get_by_label(f"Evidence for '{characteristic.label}'").fill(
            f"What happened: an example of {characteristic.label.lower()}"
        )


def test_a_team_lead_records_a_review_and_the_gap_shows(page: Page, live_server, screenshots):
    team = make_place()
    sign_in(page, live_server, "lena", f"/care/team/{team.pk}/caseloads/")
    main = page.locator("main")
    # From the team's caseloads, its co-production page: never reviewed, so due now.
    page.get_by_role("link", name="Co-production reviews").click()
    expect(page).to_have_title("Co-production – Central CMHT – Alongside")
    expect(main).to_contain_text("Due now")
    expect(main).to_contain_text("No review has been rated yet.")
    assert_accessible(page)
    page.get_by_role("button", name="Record a review").click()

    # Open the review.
    expect(page).to_have_title("Record a co-production review – Central CMHT – Alongside")
    page.get_by_label("Notes (optional)").fill("Facilitated by the peer support lead")
    assert_accessible(page)
    page.get_by_role("button", name="Open the review").click()
    expect(main).to_contain_text("Review opened: now record the two groups' ratings")
    expect(main).to_contain_text("Not rated yet")

    # The staff rating: a problem first (no evidence for one characteristic), then all six.
    page.get_by_role("button", name="Record the staff rating").click()
    expect(main.get_by_role("heading", name="Rating by staff")).to_be_visible()
    page.get_by_label("How many staff took part in the rating").fill("7")
    rate_all(page, STAFF)
    page.get_by_label("Evidence for 'Peer support networks'").fill("")
    page.get_by_role("button", name="Save the ratings").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text(
        "Give the evidence behind the rating of 'Peer support networks'"
    )
    expect(page).to_have_title("Error: Rating by staff – Central CMHT – Alongside")
    assert Rating.objects.count() == 0
    assert_accessible(page)
    page.screenshot(path=screenshots / "coproduction-staff-rating-error.png", full_page=True)
    page.get_by_label("Evidence for 'Peer support networks'").fill("Peer workers run the group")
    page.get_by_role("button", name="Save the ratings").click()
    expect(main).to_contain_text("Staff rating saved")
    expect(main).to_contain_text("Waiting for the experts' rating")

    # The experts by experience's rating, choosing who took part from the register: named as
    # they asked to be (the team lead does not manage the register, so no full names).
    page.get_by_role("button", name="Record the experts by experience rating").click()
    experts = page.get_by_role("group", name="The experts by experience who made the rating")
    expect(experts).to_contain_text("Priya (ref.")
    expect(experts).to_contain_text("SO (ref.")
    expect(experts).not_to_contain_text("Okafor")
    experts.get_by_label("Priya", exact=False).check()
    experts.get_by_label("SO (ref.", exact=False).check()
    rate_all(page, EXPERTS)
    assert_accessible(page)
    page.screenshot(path=screenshots / "coproduction-experts-rating.png", full_page=True)
    page.get_by_role("button", name="Save the ratings").click()
    expect(main).to_contain_text("Experts by experience rating saved")
    expect(main).to_contain_text("Both groups rated")
    expect(main).to_contain_text("Priya, SO")
    assert_accessible(page)
    page.screenshot(path=screenshots / "coproduction-review.png", full_page=True)

    # The team's co-production page: both ratings side by side, the gap, the trend.
    page.get_by_role("link", name="Back to Central CMHT").click()
    expect(page).to_have_title("Co-production – Central CMHT – Alongside")
    expect(main).to_contain_text("On average staff rate co-production 1.3 points higher")
    table = page.locator("#comparison")
    blurring = table.get_by_role("row").filter(has_text="Blurring distinctions")
    expect(blurring).to_contain_text("4")
    expect(blurring).to_contain_text("1")
    expect(blurring).to_contain_text("+3 staff higher")
    expect(table.get_by_role("row").filter(has_text="Peer support networks")).to_contain_text(
        "No gap"
    )
    mean = table.get_by_role("row").filter(has_text="Mean of the six")
    expect(mean).to_contain_text("3.5")
    expect(mean).to_contain_text("2.2")
    expect(mean).to_contain_text("+1.3 staff higher")
    chart = page.get_by_role("img", name="Staff and experts by experience's ratings")
    expect(chart).to_be_visible()
    expect(page.locator("#trend")).to_contain_text("3.5")
    assert_accessible(page)
    page.screenshot(path=screenshots / "coproduction-team.png", full_page=True)
