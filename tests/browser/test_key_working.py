"""A key worker records a contact: from their caseload to the person's record, an attended
coaching session with a note, seen in the contacts list. In a real browser, with an
accessibility check on each page. (The care plan part of key working is in the plan's own
browser test.)"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.care.models import Contact, Intensity, Kind, NoteSharing, Outcome
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    allocate,
)
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
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_key_worker_records_an_attended_coaching_contact(page: Page, live_server, screenshots):
    central = LocalityFactory(name="Wyvern Central")
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust")
    team = TeamFactory(
        organisation=trust,
        name="Wyvern Central Community Mental Health Team",
        team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        localities=[central],
    )
    worker = UserFactory(username="sam", first_name="Sam", last_name="Okafor")
    MembershipFactory(user=worker, team=team, role=Role.PRACTITIONER)
    now = timezone.now()
    person = PersonFactory(given_name="Megan", family_name="Hughes")
    episode = EpisodeFactory(
        person=person,
        lead_team=team,
        intensity=Intensity.MEDIUM,
        started_at=now - dt.timedelta(days=70),
    )
    allocate(episode, worker)
    ContactFactory(
        episode=episode,
        practitioner=worker,
        starts_at=now - dt.timedelta(days=35),
        kind=Kind.ASSESSMENT,
        note="First meeting: Megan wants to get back to swimming.",
    )
    # Two more people, so the caseload is a list: one seen last week, one with an appointment.
    for given, family, seen in (("Tomos", "Price", 6), ("Aisha", "Rahman", 12)):
        other = EpisodeFactory(
            person=PersonFactory(given_name=given, family_name=family),
            lead_team=team,
            started_at=now - dt.timedelta(days=40),
        )
        allocate(other, worker)
        ContactFactory(episode=other, practitioner=worker, starts_at=now - dt.timedelta(days=seen))
    PlannedContactFactory(episode=other, practitioner=worker)

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Home – Alongside")

    page.goto(f"{live_server.url}/care/caseload/")
    expect(page).to_have_title("My caseload – Alongside")
    row = page.locator("tr", has_text="Megan Hughes")
    expect(row).to_contain_text("Not seen in 4 weeks")
    expect(row).to_contain_text("Medium")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-caseload.png", full_page=True)

    page.get_by_role("link", name="Megan Hughes").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Episode of care with")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-episode.png", full_page=True)

    page.get_by_role("button", name="Record a contact").click()
    expect(page).to_have_title(f"Record a contact – Record {person.pk} – Alongside")
    # A contact said to be attended in the future is refused, and nothing is saved.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    page.get_by_label("Day").fill(str(tomorrow.day))
    page.get_by_label("Month").fill(str(tomorrow.month))
    page.get_by_label("Year").fill(str(tomorrow.year))
    page.get_by_label("Time").fill("10:00")
    page.get_by_label("Face to face").check()
    page.get_by_label("Coaching session").check()
    page.get_by_label("Attended").check()
    page.get_by_label("How long did it last, in minutes?").fill("50")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "A contact in the future cannot have been attended"
    )
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-contact-errors.png", full_page=True)
    assert not Contact.objects.filter(kind=Kind.COACHING, episode=episode).exists()

    earlier = timezone.localtime(now - dt.timedelta(hours=2))
    page.get_by_label("Day").fill(str(earlier.day))
    page.get_by_label("Month").fill(str(earlier.month))
    page.get_by_label("Year").fill(str(earlier.year))
    page.get_by_label("Time").fill(earlier.strftime("%H:%M"))
    page.get_by_label("Note (optional)").fill(
        "Coaching session: Megan went swimming twice this week and wants to try the Saturday club."
    )
    page.get_by_label("The care team and the person").check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-contact-form.png", full_page=True)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_title(f"Contacts – Record {person.pk} – Alongside")
    expect(page.locator("main")).to_contain_text("Contact recorded")
    newest = page.locator("tbody tr").filter(has_text="Coaching session").first
    expect(newest).to_contain_text("Attended")
    expect(newest).to_contain_text("50 minutes")
    expect(newest).to_contain_text("Megan went swimming twice this week")
    expect(newest).to_contain_text("Shared with: care team and the person")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-contacts.png", full_page=True)

    contact = Contact.objects.get(episode=episode, kind=Kind.COACHING)
    assert (contact.outcome, contact.duration_minutes, contact.note_sharing) == (
        Outcome.ATTENDED,
        50,
        NoteSharing.PERSON,
    )
    assert contact.practitioner == worker


def test_a_team_lead_allocates_someone_waiting_from_the_team_caseloads(
    page: Page, live_server, screenshots
):
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust")
    team = TeamFactory(organisation=trust, name="Wyvern North Community Mental Health Team")
    lead = UserFactory(username="rhian", first_name="Rhian", last_name="Evans")
    MembershipFactory(user=lead, team=team, role=Role.TEAM_LEAD)
    ada = UserFactory(first_name="Ada", last_name="Ashworth")
    MembershipFactory(user=ada, team=team, role=Role.PRACTITIONER)
    bea = UserFactory(first_name="Bea", last_name="Birch")
    MembershipFactory(user=bea, team=team, role=Role.PRACTITIONER)
    now = timezone.now()
    for given, intensity, seen in (("Owen", Intensity.LOW, 40), ("Nia", Intensity.HIGH, 3)):
        episode = EpisodeFactory(
            person=PersonFactory(given_name=given, family_name="Jones"),
            lead_team=team,
            intensity=intensity,
            started_at=now - dt.timedelta(days=90),
        )
        allocate(episode, ada)
        ContactFactory(episode=episode, practitioner=ada, starts_at=now - dt.timedelta(days=seen))
    waiting = EpisodeFactory(
        person=PersonFactory(given_name="Carys", family_name="Morgan"),
        lead_team=team,
        started_at=now - dt.timedelta(days=6),
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("rhian")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/care/caseload/")
    page.get_by_role("link", name="Wyvern North Community Mental Health Team").click()
    expect(page).to_have_title("Caseloads – Wyvern North Community Mental Health Team – Alongside")
    ada_row = page.locator("table").first.locator("tr", has_text="Ada Ashworth")
    expect(ada_row.locator("td")).to_have_text(
        [
            "Key worker Ada Ashworth",
            *[
                f"{heading} {n}"
                for heading, n in (
                    ("Caseload", 2),
                    ("Low", 1),
                    ("Medium", 0),
                    ("High", 1),
                    ("Not seen in 4 weeks", 1),
                )
            ],
        ]
    )
    expect(page.locator("main")).to_contain_text("Carys Morgan")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-team-caseloads.png", full_page=True)

    page.get_by_role("link", name="Allocate a key worker to Carys Morgan").click()
    page.get_by_label("New key worker").select_option(label=f"Bea Birch – {team.name}")
    page.get_by_label("Why is the key worker changing?").fill("First allocation: Bea has room")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Bea Birch is now the key worker")
    expect(page.locator("main")).to_contain_text("No one is waiting for a key worker")
    assert_accessible(page)
    assert waiting.allocations.get().key_worker == bea


def test_a_key_worker_resolves_an_open_appointment_then_discharges(
    page: Page, live_server, screenshots
):
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Foundation Trust")
    team = TeamFactory(organisation=trust, name="Wyvern South Community Mental Health Team")
    worker = UserFactory(username="jo", first_name="Jo", last_name="Lewis")
    MembershipFactory(user=worker, team=team, role=Role.PRACTITIONER)
    now = timezone.now()
    person = PersonFactory(given_name="Huw", family_name="Davies")
    episode = EpisodeFactory(person=person, lead_team=team, started_at=now - dt.timedelta(days=200))
    allocate(episode, worker)
    ContactFactory(episode=episode, practitioner=worker, starts_at=now - dt.timedelta(days=20))
    PlannedContactFactory(
        episode=episode, practitioner=worker, starts_at=now - dt.timedelta(days=2)
    )

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("jo")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/care/person/{person.pk}/episode/")
    page.get_by_role("link", name="Discharge").click()
    expect(page.locator("main")).to_contain_text("Appointments still open")
    page.get_by_label("Treatment complete").check()
    page.get_by_label("Discharge summary").fill(
        "Huw came to us feeling low and cut off.\nHe now swims twice a week and is back at work."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("1 planned contact still open")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-discharge-refused.png", full_page=True)

    page.locator(".nhsuk-warning-callout").get_by_role("link").click()
    page.get_by_label("Did not attend").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("What happened is recorded")
    expect(page.locator("main")).to_contain_text("No appointments booked")

    page.goto(f"{live_server.url}/care/person/{person.pk}/episode/discharge/")
    page.get_by_label("Treatment complete").check()
    page.get_by_label("Discharge summary").fill(
        "Huw came to us feeling low and cut off.\nHe now swims twice a week and is back at work."
    )
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Discharge summary: Huw Davies")
    expect(page.locator("main")).to_contain_text("He now swims twice a week")
    assert_accessible(page)
    page.screenshot(path=screenshots / "key-working-discharge-summary.png", full_page=True)
    page.emulate_media(media="print")
    page.screenshot(path=screenshots / "key-working-discharge-summary-print.png", full_page=True)
    episode.refresh_from_db()
    assert episode.ended_at is not None
