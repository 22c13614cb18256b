"""A person refers themselves, in a real browser, using only the keyboard."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from alongside.directory.tests import factories as directory
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.referrals.models import Referral, Source
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SERVICE = "Ask for mental health support – Alongside"
PHONE = {"width": 390, "height": 844}


def tab_to(page: Page, selector: str, *, limit: int = 120) -> None:
    """Press Tab until the element matching ``selector`` has the focus. The honeypot must never
    get it on the way."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """(selector) => {
                const el = document.activeElement;
                return {match: !!el && el.matches(selector), name: el && el.name};
            }""",
            selector,
        )
        assert focused["name"] != "website", "the honeypot took the keyboard focus"
        if focused["match"]:
            return
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page: Page, selector: str, value: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(value)


def press_button(page: Page, key: str = "Enter") -> None:
    tab_to(page, "main button[type=submit], main button:not([type])")
    page.keyboard.press(key)


def test_a_person_refers_themself_with_the_keyboard_alone(page: Page, live_server, screenshots):
    locality = LocalityFactory(name="Wyvern Central")
    directory.postcode("WY1 1AA", 52.33, -2.42, locality)
    directory.service("Talking Therapies", needs=("Anxiety", "Low mood"))
    team = TeamFactory(name="Wyvern Central CMHT", localities=[locality])
    MembershipFactory(role=Role.COORDINATOR, team=team)
    OrganisationFactory(name="Castlegate Surgery", kind=OrganisationKind.GP_PRACTICE)

    page.goto(f"{live_server.url}/")
    tab_to(page, 'a[href="/refer-yourself/"]')
    page.keyboard.press("Enter")

    expect(page).to_have_title(SERVICE)
    expect(page.locator("main")).to_contain_text("This form is not for emergencies")
    expect(page.locator("main")).to_contain_text("Samaritans on 116 123")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-start.png", full_page=True)
    tab_to(page, "main a.nhsuk-button")  # Start now
    page.keyboard.press("Enter")

    # About you: first sent empty, to see the errors.
    expect(page).to_have_title(f"About you – {SERVICE}")
    page.screenshot(path=screenshots / "self-referral-about-you.png", full_page=True)
    tab_to(page, "#id_given_name")
    page.keyboard.press("Enter")
    expect(page).to_have_title(f"Error: About you – {SERVICE}")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Enter your first name")
    expect(summary).to_contain_text("Enter your date of birth")
    expect(summary).to_be_focused()
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-about-you-errors.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "self-referral-about-you-errors-phone.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})

    type_into(page, "#id_given_name", "Jordan")
    type_into(page, "#id_family_name", "Achterberg")
    type_into(page, "#id_date_of_birth", "14")
    type_into(page, "#id_date_of_birth-month", "7")
    type_into(page, "#id_date_of_birth-year", "1990")
    press_button(page)

    expect(page).to_have_title(f"Where do you live? – {SERVICE}")
    type_into(page, "#id_postcode", "wy1 1aa")
    type_into(page, "#id_address_line_1", "12 Mill Lane")
    type_into(page, "#id_town", "Wyvernbridge")
    page.screenshot(path=screenshots / "self-referral-where-you-live.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"How can we contact you safely? – {SERVICE}")
    tab_to(page, "input[name=contact_methods][value=phone]")
    page.keyboard.press("Space")
    tab_to(page, "input[name=contact_methods][value=text]")
    page.keyboard.press("Space")
    type_into(page, "#id_phone", "07700 900982")
    tab_to(page, "input[name=may_leave_message][value=yes]")
    page.keyboard.press("ArrowDown")  # moves to, and chooses, "No"
    expect(page.locator("input[name=may_leave_message][value=no]")).to_be_checked()
    type_into(page, "#id_contact_safety", "Please do not call before 10am.")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-contact.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"What is going on for you? – {SERVICE}")
    type_into(page, "#id_concerns", "I have felt low for months and cannot face going out.")
    type_into(page, "#id_what_would_help", "Someone to talk to.")
    tab_to(page, f"input[name=needs][value='{directory.term('Low mood').pk}']")
    page.keyboard.press("Space")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-what-is-going-on.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"Your safety – {SERVICE}")
    tab_to(page, "input[name=self_harm_thoughts][value=yes]")
    page.keyboard.press("ArrowDown")  # moves to, and chooses, "No"
    expect(page.locator("input[name=self_harm_thoughts][value=no]")).to_be_checked()
    assert_accessible(page)
    press_button(page)

    expect(page).to_have_title(f"Communication and access needs – {SERVICE}")
    tab_to(page, "input[name=interpreter_needed][value=yes]")
    page.keyboard.press("ArrowDown")
    type_into(page, "#id_access_needs", "A quiet place to wait.")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-communication.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"Your GP practice and NHS number – {SERVICE}")
    type_into(page, "#id_gp_practice", "Castlegate Surgery")
    page.screenshot(path=screenshots / "self-referral-gp.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"Agreeing to be contacted – {SERVICE}")
    tab_to(page, "input[name=consent_to_contact][value=yes]")
    page.keyboard.press("Space")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-consent.png", full_page=True)
    press_button(page)

    expect(page).to_have_title(f"Check your answers before sending your request – {SERVICE}")
    main = page.locator("main")
    for shown in ["Jordan Achterberg", "14 July 1990", "WY1 1AA", "07700 900982", "Low mood"]:
        expect(main).to_contain_text(shown)
    expect(page.locator("input[name=website]")).to_be_hidden()
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-check.png", full_page=True)

    # Change an answer, and come back to check your answers.
    tab_to(page, 'a[href="/refer-yourself/gp/?return=check"]')
    page.keyboard.press("Enter")
    expect(page).to_have_title(f"Your GP practice and NHS number – {SERVICE}")
    type_into(page, "#id_nhs_number", "943 476 5919")
    press_button(page)
    expect(page).to_have_title(f"Check your answers before sending your request – {SERVICE}")
    expect(main).to_contain_text("943 476 5919")

    press_button(page)  # Send request
    expect(page).to_have_title(f"Request sent – {SERVICE}")
    referral = Referral.objects.get()
    assert referral.source == Source.SELF
    assert referral.team == team
    assert referral.nhs_number == "9434765919"
    assert referral.contact_methods == ["phone", "text"]
    panel = page.locator(".nhsuk-panel")
    expect(panel).to_contain_text("Request sent")
    expect(panel).to_contain_text(referral.reference)
    expect(main).to_contain_text("What happens next")
    expect(main).to_contain_text("Samaritans on 116 123")
    assert_accessible(page)
    page.screenshot(path=screenshots / "self-referral-sent.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "self-referral-sent-phone.png", full_page=True)

    # Going back to check your answers shows the same confirmation: nothing is sent twice.
    page.go_back()
    expect(page).to_have_title(f"Request sent – {SERVICE}")
    assert Referral.objects.count() == 1
