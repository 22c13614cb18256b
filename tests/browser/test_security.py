"""Under the Content Security Policy the pages still run their scripts, and two-factor sign-in
works end to end, in a real browser."""

import base64

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from alongside.organisations.tests.factories import PASSWORD, UserFactory
from tests.browser.accessibility import assert_accessible
from tests.browser.test_sign_in import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_console(page: Page) -> list[str]:
    messages: list[str] = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def csp_violations(messages: list[str]) -> list[str]:
    return [m for m in messages if "Content Security Policy" in m or "Content-Security" in m]


def code(key: bytes) -> str:
    return f"{TOTP(key).token():06d}"


def test_scripts_run_under_the_policy_and_an_app_can_be_set_up(
    page: Page, live_server, screenshots
):
    messages = watch_console(page)
    UserFactory(username="amara", first_name="Amara", last_name="Okafor")

    page.goto(f"{live_server.url}/account/sign-in/")
    body_classes = page.evaluate("document.body.className")
    assert "js-enabled" in body_classes  # the design system's inline script ran, with its nonce
    assert "nhsuk-frontend-supported" in body_classes
    # The password's Show button is hidden until the NHS.UK JavaScript (our nonce'd module) runs.
    expect(page.get_by_role("button", name="Show password")).to_be_visible()

    sign_in(page, live_server, "amara", PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/")

    page.get_by_role("link", name="Amara Okafor").click()
    expect(page).to_have_title("Your account – Alongside")
    page.get_by_role("link", name="Set up two-factor sign-in").click()
    expect(page).to_have_title("Set up two-factor sign-in – Alongside")
    expect(page.get_by_role("img", name="QR code for adding Alongside")).to_be_visible()
    page.get_by_text("I cannot scan the QR code").click()
    secret = page.locator("#setup-key").inner_text().replace(" ", "")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "two-factor-set-up.png", full_page=True)
    assert_accessible(page)

    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    page.get_by_label("Security code").fill(code(key))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page).to_have_title("Your account – Alongside")
    expect(page.locator("main")).to_contain_text("Two-factor sign-in is set up")

    assert csp_violations(messages) == []


def test_a_user_with_an_app_gives_a_code_after_the_password(page: Page, live_server, screenshots):
    messages = watch_console(page)
    user = UserFactory(username="tomasz", first_name="Tomasz", last_name="Nowak")
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    sign_in(page, live_server, "tomasz", PASSWORD)
    expect(page).to_have_title("Enter your security code – Alongside")

    page.get_by_label("Security code").fill("000000" if code(device.bin_key) != "000000" else "1")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Error: Enter your security code – Alongside")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_focused()  # focused by the NHS.UK JavaScript
    expect(summary).to_contain_text("Security code is not correct")
    page.evaluate("document.fonts.ready")
    page.screenshot(path=screenshots / "two-factor-code-error.png", full_page=True)
    assert_accessible(page)

    page.wait_for_timeout(1100)  # django-otp makes a second guess wait a second
    page.get_by_label("Security code").fill(code(device.bin_key))
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("main")).to_contain_text("Tomasz Nowak")

    assert csp_violations(messages) == []
