"""A triage coordinator gives a self-referral a named next step: a warm handover to a voluntary
sector service, in a real browser, with an accessibility check on each page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.directory.tests import factories as directory
from alongside.organisations.models import OrganisationKind, Role, TeamType
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import Referral, Source, State
from alongside.referrals.tests.factories import ReferralFactory
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_signposts_a_self_referral_with_a_warm_handover(
    page: Page, live_server, screenshots
):
    central = LocalityFactory(name="Wyvern Central")
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust")
    team = TeamFactory(
        organisation=trust,
        name="Wyvern Central Community Mental Health Team",
        team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        localities=[central],
    )
    coordinator = UserFactory(username="priya", first_name="Priya", last_name="Shah")
    MembershipFactory(user=coordinator, team=team, role=Role.COORDINATOR)
    provider = directory.organisation(
        "Wellspring Wyvern",
        organisation=OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE),
    )
    directory.service(
        "Peer Support Circle, Wyvernbridge",
        organization=provider,
        needs=("Loneliness",),
        at=directory.postcode("WY1 2AB", 52.335, -2.42, central),
        accepts_self_referral=True,
    )
    known = PersonFactory(
        given_name="Dafydd",
        family_name="Rees",
        date_of_birth=dt.date(1979, 2, 14),
        postcode="WY1 1AA",
    )
    referral = ReferralFactory(
        source=Source.SELF,
        referred_by=None,
        given_name="Dafydd",
        family_name="Rees",
        date_of_birth=dt.date(1979, 2, 14),
        postcode="WY1 1AA",
        team=team,
        locality=central,
        received_at=timezone.now() - dt.timedelta(days=3),
        concerns="I have felt very alone since my wife died and I stopped going out.",
        what_would_help="Meeting people who understand",
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Home – Alongside")
    expect(page.locator("main")).to_contain_text("Waiting for triage")

    page.get_by_role(
        "link", name="Referrals held by Wyvern Central Community Mental Health Team"
    ).click()
    expect(page).to_have_title("Waiting for triage – Referrals – Alongside")
    row = page.locator("tr", has_text="Dafydd Rees")
    expect(row).to_contain_text("3")  # days waited
    assert_accessible(page)
    page.screenshot(path=screenshots / "triage-worklist.png", full_page=True)

    page.get_by_role("link", name=referral.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"Referral {referral.reference}")
    expect(page.locator("main")).to_contain_text("Who is this referral about?")
    assert_accessible(page)
    page.screenshot(path=screenshots / "triage-referral.png", full_page=True)

    # The likely match is offered, never merged silently: the coordinator chooses it. The record
    # is shown by its reference, initials, year of birth and postcode district only.
    page.get_by_label(f"Record {known.pk}: D. R., born 1979, postcode WY1 1", exact=False).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("linked to the person's record")

    page.get_by_role("link", name="Start triage").click()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Triage started")

    page.get_by_role("link", name="Signpost with a warm handover").click()
    page.get_by_role("button", name="Save").click()  # nothing chosen yet: errors, nothing saved
    expect(page).to_have_title(
        f"Error: Signpost with a warm handover – Referral {referral.reference} – Alongside"
    )
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a service or a team")
    page.screenshot(path=screenshots / "triage-signpost-errors.png", full_page=True)

    page.get_by_label("A service in the directory").check()
    page.get_by_label("Service", exact=True).select_option(
        label="Peer Support Circle, Wyvernbridge (Wellspring Wyvern)"
    )
    page.get_by_label("What was passed on, and how").fill(
        "Rang the circle's coordinator with Dafydd on the line and introduced him."
    )
    page.get_by_label("What the person was told (optional)").fill(
        "The circle meets on Thursdays at 2pm."
    )
    due = timezone.localdate() + dt.timedelta(days=14)
    page.get_by_label("Day").fill(str(due.day))
    page.get_by_label("Month").fill(str(due.month))
    page.get_by_label("Year").fill(str(due.year))
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()

    main = page.locator("main")
    expect(main).to_contain_text("Signposted: the follow-up will show on your worklist")
    expect(main).to_contain_text("Peer Support Circle, Wyvernbridge (Wellspring Wyvern)")
    expect(main).to_contain_text("Not yet due")
    page.screenshot(path=screenshots / "triage-signposted.png", full_page=True)

    referral.refresh_from_db()
    assert referral.state == State.SIGNPOSTED
    assert referral.person == known
    handover = referral.handovers.get()
    assert handover.follow_up_on == due
    assert Referral.objects.count() == 1
