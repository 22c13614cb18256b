"""A supervisor reviews a caseload, records a session discussing one person with an action and a
step-down, and the action shows on the supervisee's worklist: in a real browser, with an
accessibility check on each page."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.care.models import Episode, Intensity
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, allocate, practitioner_in
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.supervision import services
from alongside.supervision.models import Kind
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, username: str, next_path: str = "/") -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_path}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def make_place() -> tuple[Episode, Episode]:
    """A VCSE Care Partner (Ana Lind) supervised by a trust clinician (Sunita Rao), with two
    people on her caseload: Ada, not seen for seven weeks, and Bryn, seen last week."""
    today = timezone.localdate()
    vcse = TeamFactory(
        name="Wellspring Care Partners",
        organisation=OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE),
    )
    trust = TeamFactory(
        name="Central CMHT",
        organisation=OrganisationFactory(
            name="Wyvern Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST
        ),
    )
    ana = practitioner_in(
        vcse, user__username="ana", user__first_name="Ana", user__last_name="Lind"
    )
    sunita = MembershipFactory(
        team=trust,
        role=Role.SUPERVISOR,
        user__username="sunita",
        user__first_name="Sunita",
        user__last_name="Rao",
    ).user
    services.make_agreement(
        supervisee=ana,
        supervisor=sunita,
        starts_on=today - dt.timedelta(days=120),
        terms={Kind.INDIVIDUAL: 4, Kind.GROUP: 12},
        by=sunita,
    )
    episodes = []
    for given, family, weeks in (("Ada", "Quartermaine", 7), ("Bryn", "Featherstone", 1)):
        episode = EpisodeFactory(
            person=PersonFactory(given_name=given, family_name=family),
            lead_team=vcse,
            intensity=Intensity.MEDIUM,
            started_at=timezone.now() - dt.timedelta(weeks=20),
        )
        allocate(episode, ana)
        ContactFactory(
            episode=episode,
            practitioner=ana,
            starts_at=timezone.now() - dt.timedelta(weeks=weeks),
        )
        episodes.append(episode)
    return episodes[0], episodes[1]


def test_a_supervisor_reviews_records_a_session_and_the_action_reaches_the_worklist(
    page: Page, live_server, screenshots
):
    ada, _bryn = make_place()
    sign_in(page, live_server, "sunita")
    main = page.locator("main")
    expect(page).to_have_title("Home – Alongside")
    page.get_by_role("link", name="Caseload review for supervision").first.click()

    # The caseload review: Ada calls for a discussion; Bryn, seen last week, does not.
    expect(page).to_have_title("Caseload review – Alongside")
    expect(main.get_by_role("heading", name="Ana Lind")).to_be_visible()
    expect(main).to_contain_text("2 people on the caseload; 1 with something to discuss")
    expect(main).to_contain_text("No contact for 7 weeks")
    expect(main.get_by_role("link", name="Bryn Featherstone")).to_have_count(0)
    assert_accessible(page)
    page.screenshot(path=screenshots / "supervision-review.png", full_page=True)
    page.get_by_role("link", name="Show everyone on the caseload").click()
    expect(main.get_by_role("link", name="Bryn Featherstone")).to_be_visible()

    page.get_by_label("Discuss Ada Quartermaine").check()
    page.get_by_role("button", name="Record a session with the people ticked").click()

    # The session form, prefilled with Ada's case and Ana as the attendee.
    expect(page).to_have_title("Record a supervision session – Alongside")
    expect(
        page.get_by_label("Ana Lind – Wellspring Care Partners (Wellspring Wyvern)")
    ).to_be_checked()
    person = page.get_by_label("Person discussed")
    expect(person.locator("option:checked")).to_contain_text("Ada Quartermaine")
    page.get_by_label("How long it lasted, in minutes").fill("50")
    page.get_by_label("Goals and progress, in the person's words").fill(
        "'I got to the allotment twice this month' – goal 1 now 7 out of 10"
    )
    page.get_by_label("What is working (optional)").fill("Walking meetings by the canal")
    page.get_by_label("Step support down").check()
    page.get_by_label("Action agreed about this person (optional)").fill(
        "Talk with Ada about the last sessions and what comes after"
    )
    page.get_by_label("Who will do it").first.select_option(
        label="Ana Lind – Wellspring Care Partners (Wellspring Wyvern)"
    )
    due = timezone.localdate() + dt.timedelta(days=14)
    action_due = page.locator("#id_discussion-1-action_due_on-date")
    action_due.get_by_label("Day").fill(str(due.day))
    action_due.get_by_label("Month").fill(str(due.month))
    action_due.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Record session").click()

    # Stepping down needs a reason: the message shows beside the field, nothing is saved.
    expect(page).to_have_title("Error: Record a supervision session – Alongside")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why support steps up or down")
    expect(page.locator("#id_discussion-1-step_reason")).to_have_class(
        "nhsuk-textarea nhsuk-textarea--error"
    )
    assert_accessible(page)
    page.screenshot(path=screenshots / "supervision-session-error.png", full_page=True)
    ada.refresh_from_db()
    assert ada.intensity == Intensity.MEDIUM

    page.get_by_label("Why support steps up or down").fill(
        "Goals nearly met and Ada asked for fewer sessions"
    )
    page.get_by_role("button", name="Record session").click()

    # The session's page: the discussion, the step-down, the action.
    expect(main).to_contain_text("Session recorded")
    expect(main.get_by_role("heading", level=1)).to_contain_text("Individual supervision")
    expect(main).to_contain_text("now low intensity")
    expect(main).to_contain_text("Talk with Ada about the last sessions")
    expect(main.get_by_role("link", name="Ada Quartermaine")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "supervision-session.png", full_page=True)
    ada.refresh_from_db()
    assert ada.intensity == Intensity.LOW

    # The action is on Ana's worklist, on her home page.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "ana")
    expect(page).to_have_title("Home – Alongside")
    worklist = page.locator("#supervision-actions")
    expect(worklist.get_by_role("heading", name="Your supervision actions")).to_be_visible()
    expect(worklist).to_contain_text("Talk with Ada about the last sessions")
    expect(worklist).to_contain_text("Individual supervision with Sunita Rao")
    assert_accessible(page)
    page.screenshot(path=screenshots / "supervision-worklist.png", full_page=True)
    worklist.get_by_role("button", name="Mark as done").click()
    expect(main).to_contain_text("Marked as done")
    expect(page.locator("#supervision-actions")).to_have_count(0)
