"""The crisis self-referral from issue 18, end to end in a real browser: a person writes that
they have been cutting themselves and thought about ending their life, ticks Crisis and
Self-harm, leaves the safety question at first (it is asked again, gently) and then answers it;
the confirmation leads with what to do now; the coordinator finds it tagged urgent in the first
row of the worklist, above an older routine referral; and accepting it offers only teams that
provide care, with the key workers of the team chosen (instantly, with HTMX)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.directory.tests import factories as directory
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
from alongside.referrals.models import Referral, State, Urgency
from alongside.referrals.tests.factories import ReferralFactory
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "Ask for mental health support – Alongside"
WORDS = "I have been cutting myself and last night I thought about ending my life"


def test_the_crisis_self_referral_reaches_the_top_of_the_worklist_marked_urgent(
    page: Page, live_server, screenshots
):
    locality = LocalityFactory(name="Wyvern Central")
    directory.postcode("WY1 1AA", 52.33, -2.42, locality)
    directory.service("Crisis Cafe", needs=("Crisis",))
    directory.service("Harm Reduction Group", needs=("Self-harm",))
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust")
    team = TeamFactory(
        organisation=trust,
        name="Wyvern Central CMHT",
        team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        localities=[locality],
    )
    TeamFactory(organisation=trust, name="Information Governance", team_type=TeamType.OTHER)
    coordinator = UserFactory(username="priya", first_name="Priya", last_name="Shah")
    MembershipFactory(user=coordinator, team=team, role=Role.COORDINATOR)
    MembershipFactory(team=team, user=UserFactory(first_name="Nia", last_name="Okoro"))
    MembershipFactory(user=UserFactory(first_name="Zed", last_name="Elsewhere"))
    older = ReferralFactory(
        team=team,
        locality=locality,
        given_name="Rowan",
        family_name="Older",
        received_at=timezone.now() - dt.timedelta(days=10),
    )

    page.goto(f"{live_server.url}/refer-yourself/")
    page.get_by_role("button", name="Start now").click()
    page.fill("#id_given_name", "Alex")
    page.fill("#id_family_name", "Morgan")
    page.fill("#id_date_of_birth", "3")
    page.fill("#id_date_of_birth-month", "5")
    page.fill("#id_date_of_birth-year", "1992")
    page.get_by_role("button", name="Continue").click()
    page.fill("#id_postcode", "WY1 1AA")
    page.get_by_role("button", name="Continue").click()
    page.check("input[name=contact_methods][value=phone]")
    page.fill("#id_phone", "07700 900982")
    page.check("input[name=may_leave_message][value=yes]")
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_title(f"What is going on for you? – {SERVICE}")
    page.fill("#id_concerns", WORDS)
    page.get_by_label("Crisis").check()
    page.get_by_label("Self-harm").check()
    page.get_by_role("button", name="Continue").click()

    # The safety question left unanswered: asked again once, kindly, not as an error.
    expect(page).to_have_title(f"Your safety – {SERVICE}")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(f"Your safety – {SERVICE}")
    expect(page.locator("#ask-again")).to_contain_text("You do not have to")
    expect(page.locator(".nhsuk-error-summary")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=screenshots / "crisis-asked-again.png", full_page=True)
    page.check("input[name=self_harm_thoughts][value=yes]")
    page.check("input[name=safe_now][value=yes]")
    page.get_by_role("button", name="Continue").click()

    page.check("input[name=interpreter_needed][value=no]")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Continue").click()  # GP practice: optional
    page.check("input[name=consent_to_contact][value=yes]")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(f"Check your answers before sending your request – {SERVICE}")
    expect(page.locator("main")).to_contain_text(WORDS)  # nothing typed was lost
    page.get_by_role("button", name="Send request").click()

    # The confirmation leads with what to do now.
    expect(page).to_have_title(f"Request sent – {SERVICE}")
    main = page.locator("main")
    first = page.locator("main .nhsuk-card--care--urgent").first
    expect(first).to_contain_text("999")
    expect(first).to_contain_text("NHS 111")
    expect(first).to_contain_text("option 2")
    expect(first).to_contain_text("Samaritans")
    expect(first).to_contain_text("0808 157 0000")
    expect(main).not_to_contain_text("a few working days")
    expect(main).not_to_contain_text("flag")
    assert_accessible(page)
    page.screenshot(path=screenshots / "crisis-sent.png", full_page=True)
    referral = Referral.objects.get(given_name="Alex")
    assert referral.urgency == Urgency.URGENT

    # The coordinator: the first row of the worklist, tagged urgent, with the time left.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/referrals/")
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(referral.reference)
    expect(rows.first).to_contain_text("Urgent")
    expect(rows.first).to_contain_text("hours left")
    expect(rows.nth(1)).to_contain_text(older.reference)
    assert_accessible(page)
    page.screenshot(path=screenshots / "crisis-worklist.png", full_page=True)

    # The referral says why it is urgent; accepting offers care teams and their key workers.
    rows.first.get_by_role("link", name=referral.reference).click()
    expect(page.locator("main")).to_contain_text("Urgent referral")
    expect(page.locator("main")).to_contain_text("Asked for help with: Crisis, Self-harm")
    page.screenshot(path=screenshots / "crisis-referral.png", full_page=True)
    Referral.objects.filter(pk=referral.pk).update(
        person=PersonFactory(), state=State.IN_TRIAGE, version=2
    )
    page.goto(f"{live_server.url}/referrals/{referral.pk}/accept/")
    teams = page.locator("#id_team option").all_inner_texts()
    assert any("Wyvern Central CMHT" in t for t in teams)
    assert not any("Information Governance" in t for t in teams)
    page.select_option("#id_team", label=next(t for t in teams if "Wyvern Central CMHT" in t))
    # HTMX swaps the key-worker list in without a page load (the CSP allows it).
    expect(page.locator("#id_key_worker")).to_contain_text("Nia Okoro – Key worker, caseload 0")
    expect(page.locator("#id_key_worker")).not_to_contain_text("Zed Elsewhere")
    assert_accessible(page)
    page.screenshot(path=screenshots / "crisis-accept.png", full_page=True)
