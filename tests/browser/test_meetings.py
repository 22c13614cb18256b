"""A triage coordinator runs a locality meeting, in a real browser, with an accessibility check."""

import pytest
from playwright.sync_api import Page, expect

from alongside.meetings.tests.factories import make_place
from alongside.organisations.tests.factories import PASSWORD
from alongside.referrals.models import State
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_runs_a_locality_meeting(page: Page, live_server, screenshots):
    place = make_place()
    first = place.marked(
        days_ago=12,
        given_name="Ada",
        family_name="Quartermaine",
        why="Low mood and rent arrears: CMHT, or the Care Partners with debt advice?",
    )
    place.marked(days_ago=5, given_name="Bryn", family_name="Featherstone")
    meeting = place.meeting()
    place.coordinator.username = "priya"
    place.coordinator.save()

    page.goto(f"{live_server.url}/account/sign-in/?next=/meetings/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Locality meetings – Alongside")
    expect(page.get_by_role("button", name="Schedule a meeting")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "meetings-list.png", full_page=True)
    page.locator(f"a[href='/meetings/{meeting.pk}/']").click()

    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_contain_text("Wyvern Central")
    expect(main).to_contain_text("2 referrals marked for the Wyvern Central meeting")
    page.get_by_role("button", name="Add referrals marked for this meeting").click()
    expect(main).to_contain_text("2 referrals added to the agenda")
    expect(main.get_by_role("heading", name="1. Ada Quartermaine")).to_be_visible()
    expect(main).to_contain_text("waited 12 days")

    page.get_by_label("Member of staff").select_option(
        label="Ana Lind – Wellspring Care Partners (Wellspring Wyvern)"
    )
    page.get_by_label("Role at the meeting (optional)").fill("Care Partner")
    page.get_by_role("button", name="Add attendee").click()
    expect(main).to_contain_text("Ana Lind added to the attendees")
    attendees = main.locator("#attendees + table")
    expect(attendees).to_contain_text("Wellspring Wyvern")
    assert_accessible(page)
    page.screenshot(path=screenshots / "meeting.png", full_page=True)

    page.get_by_role("link", name="Record decision for item 1").click()
    expect(page).to_have_title("Record the decision – Ada Quartermaine – Alongside")
    page.get_by_label("Allocate to a team and key worker").check()
    expect(page.get_by_label("Key worker", exact=True)).to_be_visible()
    expect(page.locator("#conditional-id_decision-2")).to_be_hidden()  # joint offer's fields
    page.get_by_label("Team", exact=True).select_option(
        label="Central CMHT (Wyvern Mental Health NHS Trust)"
    )
    page.get_by_role("button", name="Record decision").click()

    expect(page).to_have_title("Error: Record the decision – Ada Quartermaine – Alongside")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Choose the key worker")
    expect(page.get_by_label("Key worker", exact=True)).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "meeting-decision-error.png", full_page=True)

    page.get_by_label("Key worker", exact=True).select_option(
        label="Tom Okafor – Central CMHT (Wyvern Mental Health NHS Trust)"
    )
    page.get_by_label("Notes on the decision").fill("First contact within two weeks")
    page.get_by_role("button", name="Record decision").click()
    expect(main).to_contain_text("Decision recorded for item 1")
    expect(main).to_contain_text("Key worker: Tom Okafor")
    first.refresh_from_db()
    assert first.state == State.ACCEPTED

    page.get_by_role("link", name="Record decision for item 2").click()
    # Each choice's fields are asked beside the choices, under their own legend.
    expect(page.get_by_role("group", name="If a joint offer")).to_contain_text("Wellspring")
    page.get_by_label("Signpost with a warm handover").check()
    signposted = page.get_by_role("group", name="If signposted")
    expect(signposted.get_by_label("What was passed on, and how")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "meeting-decision-signpost.png", full_page=True)
    page.get_by_role("link", name="Back to the meeting").click()

    page.get_by_role("link", name="Printable decision record").click()
    expect(page.locator("h1")).to_contain_text("Decision record: Wyvern Central locality meeting")
    expect(page.locator("main")).to_contain_text("1 of 2 items decided")
    expect(page.locator("header")).to_have_count(0)
    assert_accessible(page)
    page.emulate_media(media="print")
    page.screenshot(path=screenshots / "meeting-decision-record-print.png", full_page=True)
    page.emulate_media(media="screen")
    page.screenshot(path=screenshots / "meeting-decision-record.png", full_page=True)
