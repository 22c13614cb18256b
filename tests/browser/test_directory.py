"""A member of the public finds support in the directory, in a real browser."""

import datetime as dt

import pytest
from playwright.sync_api import Page, expect

from alongside.directory.tests import factories as f
from alongside.organisations.tests.factories import LocalityFactory
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_of_the_public_finds_support_near_them(page: Page, live_server, screenshots):
    central = LocalityFactory(name="Wyvern Central")
    f.postcode("WY1 1AA", 52.33, -2.42, central)
    provider = f.organisation("Wellspring Wyvern")
    f.service(
        "Community Counselling, Wyvernbridge",
        organization=provider,
        description="Low-cost counselling with trained volunteer counsellors.",
        needs=("Anxiety", "Low mood"),
        at=f.postcode("WY1 2AB", 52.335, -2.42, central),
        schedule=("MO,TH", dt.time(10), dt.time(18)),
        accepts_self_referral=True,
        minimum_age=18,
        email="counselling@wellspring-wyvern.example",
        last_reviewed_on=dt.date(2026, 9, 14),
        how_to_refer="Staff only: email the duty counsellor.",
    )
    f.service(
        "Debt Advice, Castlegate",
        description="Free, confidential debt and benefits advice.",
        needs=("Debt and money",),
        at=f.postcode("WY2 3CD", 52.36, -2.38, central),
    )
    f.service(
        "Walk and Talk, Hallowmere",
        description="Gentle group walks with a chance to talk.",
        needs=("Anxiety", "Physical activity"),
        at=f.postcode("WY4 5EF", 52.45, -2.50, central),
        schedule=("SA", dt.time(10), dt.time(13)),
        accepts_self_referral=True,
    )

    page.goto(f"{live_server.url}/")
    expect(page).to_have_title("Mental health support in Wyvern – Alongside")
    expect(page.locator("main")).to_contain_text("Samaritans on 116 123")
    expect(page.get_by_role("link", name="Staff sign in", exact=False)).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "start.png", full_page=True)

    page.get_by_role("link", name="Find support near you").click()
    expect(page).to_have_title("Find mental health support near you – Alongside")
    page.get_by_label("Postcode (optional)").fill("wy1 1aa")
    page.get_by_label("Anxiety").check()
    page.get_by_role("button", name="Apply filters").click()

    expect(page).to_have_title("Search results – Alongside")
    results = page.locator(".directory-result")
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text("Community Counselling, Wyvernbridge")
    expect(results.first).to_contain_text("0.3 miles away")
    expect(results.first).to_contain_text("Takes self-referrals")
    expect(page.locator("main")).not_to_contain_text("Debt Advice")
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-search.png", full_page=True)

    page.get_by_role("link", name="Community Counselling, Wyvernbridge").click()
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Community Counselling, Wyvernbridge")
    expect(main).to_contain_text("Mondays and Thursdays, 10am to 6pm")
    expect(main).to_contain_text("01632 960123")
    expect(main).to_contain_text("1 High Street, Wyvernbridge, WY1 2AB")
    expect(main).to_contain_text("14 September 2026")
    expect(main).not_to_contain_text("duty counsellor")
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-service.png", full_page=True)


def test_the_demo_directory_searches_by_postcode_and_pages(page: Page, live_server, screenshots):
    from alongside.demo.generator import generate
    from alongside.places.models import Postcode

    generate(7, 2_000, as_of=dt.date(2026, 11, 1))
    postcode = Postcode.objects.filter(postcode__startswith="WY1 ").order_by("postcode").first()

    page.goto(f"{live_server.url}/directory/")
    page.get_by_label("Postcode (optional)").fill(postcode.postcode)
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator(".directory-result")
    expect(results).to_have_count(20)
    expect(results.first).to_contain_text("miles away")
    expect(page.get_by_role("navigation", name="Pagination")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-search-demo.png", full_page=True)

    page.get_by_role("link", name="Next").click()
    expect(page.locator(".directory-result")).to_have_count(20)
    page.locator(".directory-result a").first.click()
    expect(page.locator("main")).to_contain_text("How to get in touch")
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-service-demo.png", full_page=True)


def test_an_organisation_administrator_keeps_their_entries_current(
    page: Page, live_server, screenshots
):
    from alongside.organisations.models import OrganisationKind, Role
    from alongside.organisations.tests.factories import (
        PASSWORD,
        MembershipFactory,
        OrganisationFactory,
        TeamFactory,
        UserFactory,
    )

    organisation = OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE)
    provider = f.organisation("Wellspring Wyvern", organisation=organisation)
    f.service("Community Counselling", organization=provider, last_reviewed_on=dt.date(2025, 1, 6))
    f.service("Wellbeing Drop-in", organization=provider, last_reviewed_on=dt.date.today())
    admin = UserFactory(username="olu", first_name="Olu", last_name="Adeyemi")
    MembershipFactory(user=admin, team=TeamFactory(organisation=organisation), role=Role.ORG_ADMIN)

    page.goto(f"{live_server.url}/account/sign-in/?next=/directory/manage/")
    page.get_by_label("Username").fill("olu")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Your services in the directory – Alongside")
    expect(page.locator("#not-reviewed")).to_contain_text("(1)")
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-manage.png", full_page=True)

    page.get_by_role("link", name="Community Counselling").first.click()
    page.get_by_label("Youngest age (optional)").fill("65")
    page.get_by_label("Oldest age (optional)").fill("18")
    page.get_by_label("Email address (optional)").fill("not an email")
    page.get_by_role("button", name="Save changes").click()
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Youngest age must not be above the oldest age")
    expect(summary).to_contain_text("Enter an email address in the correct format")
    assert_accessible(page)
    page.screenshot(path=screenshots / "directory-edit-errors.png", full_page=True)

    page.goto(f"{live_server.url}/directory/manage/")
    page.get_by_role(
        "button", name="Mark as reviewed – still correct for Community Counselling"
    ).click()
    expect(page.locator("main")).to_contain_text("Community Counselling marked as reviewed")
    expect(page.locator("main")).to_contain_text(
        "All your services were reviewed in the last 6 months"
    )
