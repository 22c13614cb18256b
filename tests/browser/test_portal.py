"""The person's own view on a phone (390 × 844): they sign in, look at their plan and rate a goal;
and they sign in with a one-time code from their email. An accessibility check on each page."""

import datetime as dt
import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from alongside.care.models import CarePlanVersion, GoalRating, RatedBy
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.organisations.tests.factories import PASSWORD
from alongside.people.tests.factories import PersonFactory
from alongside.portal.tests.factories import person_in_care
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context.new_page()
    context.close()


def test_the_person_signs_in_on_a_phone_and_rates_their_goal(phone: Page, live_server, screenshots):
    scene = person_in_care("", username="sam", given_name="Sam")
    page = phone

    page.goto(f"{live_server.url}/portal/sign-in/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to see your care")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-sign-in.png", full_page=True)
    page.get_by_role("link", name="Sign in with your username and password").click()
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Your care – Alongside")
    main = page.locator("main")
    expect(main.get_by_role("heading", level=1)).to_have_text("Hello Sam")
    expect(main).to_contain_text("Your key worker is Priya Shah")
    expect(main).to_contain_text("Video call with Priya Shah")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-home.png", full_page=True)

    main.get_by_role("link", name="Your plan").click()
    expect(page).to_have_title("Your care and support plan – Alongside")
    expect(main).to_contain_text("Walking my dog Biscuit matters to me")
    expect(main.get_by_role("link", name="0800 123 4567")).to_have_attribute(
        "href", "tel:08001234567"
    )
    expect(main.get_by_role("link", name="NHS 111")).to_have_attribute("href", "tel:111")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-plan.png", full_page=True)

    page.get_by_role("link", name="Back").click()
    main.get_by_role("link", name="Your goals").click()
    expect(page).to_have_title("Your goals – Alongside")
    expect(main).to_contain_text("Last rated 3 out of 10")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-goals.png", full_page=True)

    main.get_by_role("button", name=re.compile("^Rate this goal")).click()
    expect(page).to_have_title("Rate your goal – Alongside")
    page.get_by_role("button", name="Save my rating").click()  # nothing chosen: an error
    expect(page).to_have_title("Error: Rate your goal – Alongside")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a number from 0 to 10")
    page.get_by_label("7", exact=True).check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-rate-goal.png", full_page=True)
    page.get_by_role("button", name="Save my rating").click()

    expect(page).to_have_title("Your goals – Alongside")
    expect(main).to_contain_text("You rated this goal 7 out of 10")
    expect(main).to_contain_text("Last rated 7 out of 10")
    page.screenshot(path=screenshots / "portal-goal-rated.png", full_page=True)
    rating = GoalRating.objects.filter(goal=scene.goal).latest("id")
    assert (rating.score, rating.rated_by, rating.recorded_by) == (7, RatedBy.PERSON, scene.user)

    page.goto(f"{live_server.url}/portal/appointments/")
    expect(main).to_contain_text("We talked about the allotment and sleep")
    expect(main).not_to_contain_text("Care team only")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-appointments.png", full_page=True)

    page.goto(f"{live_server.url}/portal/next-time/")
    page.get_by_label("What would you like to talk about next time?").fill(
        "Whether I could try a volunteering role"
    )
    page.get_by_role("button", name="Add my note").click()
    expect(main).to_contain_text("Your note has been added")
    expect(main).to_contain_text("Whether I could try a volunteering role")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-notes.png", full_page=True)


def test_the_person_signs_in_with_a_code_from_their_email(phone: Page, live_server, screenshots):
    person_in_care("", username="sam", given_name="Sam")
    page = phone

    page.goto(f"{live_server.url}/portal/sign-in/")
    page.get_by_role("link", name="Get a code by email").click()
    expect(page).to_have_title("Get a code to sign in – Alongside")
    page.get_by_label("Your username or email address").fill("sam")
    page.get_by_role("button", name="Send me a code").click()

    expect(page).to_have_title("Check your email – Alongside")
    assert_accessible(page)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Sign-in code").fill(code)
    page.screenshot(path=screenshots / "portal-code.png", full_page=True)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Your care – Alongside")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello Sam")


def test_the_key_worker_invites_the_person_who_sets_up_their_account_on_a_phone(
    page: Page, phone: Page, live_server, screenshots
):
    person = PersonFactory(
        given_name="Dafydd", family_name="Rees", date_of_birth=dt.date(1979, 2, 14), email=""
    )
    episode = EpisodeFactory(person=person)
    key_worker_for(episode, user__username="priya", user__first_name="Priya")

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/people/{person.pk}/")
    page.get_by_role("link", name="Portal account").click()
    expect(page).to_have_title("Portal account – Alongside")
    page.get_by_role("button", name="Make an invitation link").click()
    link = page.get_by_label("Link to copy").input_value()
    assert link.startswith(f"{live_server.url}/portal/join/")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-invite.png", full_page=True)

    phone.goto(link)
    expect(phone).to_have_title("Set up your account – Alongside")
    phone.get_by_label("Day").fill("14")
    phone.get_by_label("Month").fill("2")
    phone.get_by_label("Year").fill("1979")
    assert_accessible(phone)
    phone.screenshot(path=screenshots / "portal-join-birth-date.png", full_page=True)
    phone.get_by_role("button", name="Continue").click()

    expect(phone).to_have_title("Choose a username and password – Alongside")
    phone.get_by_label("Choose a username").fill("dafydd")
    phone.get_by_label("Choose a password", exact=True).fill("lantern orchard biscuit")
    phone.get_by_label("Enter the password again", exact=True).fill("lantern orchard biscuit")
    assert_accessible(phone)
    phone.screenshot(path=screenshots / "portal-join-account.png", full_page=True)
    phone.get_by_role("button", name="Make my account").click()

    expect(phone).to_have_title("Your care – Alongside")
    expect(phone.locator("main")).to_contain_text("Your account is ready")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Hello Dafydd")
    person.refresh_from_db()
    assert person.user.username == "dafydd"


def test_the_person_typing_a_staff_page_for_their_own_record_finds_nothing(
    phone: Page, live_server, screenshots
):
    """The portal is the person's door: the staff pages that edit their plan, add a goal or
    read their outcome measures answer as if they did not exist, and nothing is saved."""
    scene = person_in_care("", username="sam", given_name="Sam")
    person_id = scene.episode.person_id
    page = phone
    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Your care – Alongside")
    versions = CarePlanVersion.objects.filter(plan__episode__person_id=person_id).count()
    for path in (
        f"/care/person/{person_id}/plan/edit/",
        f"/care/person/{person_id}/plan/agreement/",
        f"/care/person/{person_id}/goals/new/",
        f"/outcomes/person/{person_id}/",
        f"/people/{person_id}/",
        "/care/caseload/",
    ):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    page.screenshot(path=screenshots / "portal-staff-page-refused.png", full_page=True)
    assert_accessible(page)
    assert CarePlanVersion.objects.filter(plan__episode__person_id=person_id).count() == versions


def test_a_person_who_lost_their_password_chooses_a_new_one_from_the_care_teams_link(
    page: Page, phone: Page, live_server, screenshots
):
    scene = person_in_care("A")
    key_worker = scene.key_worker
    key_worker.username = "priya"
    key_worker.set_password(PASSWORD)
    key_worker.save()
    person = scene.person

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("priya")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/portal/invite/{person.pk}/")
    expect(page.locator("main")).to_contain_text("has a portal account")
    page.get_by_role("button", name="Make a link to choose a new password").click()
    link = page.get_by_label("Link to copy").input_value()
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-new-password-link.png", full_page=True)

    phone.goto(link)
    expect(phone).to_have_title("Choose a new password – Alongside")
    born = person.date_of_birth
    phone.get_by_label("Day").fill(str(born.day))
    phone.get_by_label("Month").fill(str(born.month))
    phone.get_by_label("Year").fill(str(born.year))
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    expect(phone.locator("main")).to_contain_text(scene.user.username)
    phone.get_by_label("Choose a new password", exact=True).fill("harbour violet pancake")
    phone.get_by_label("Enter the password again", exact=True).fill("harbour violet pancake")
    assert_accessible(phone)
    phone.screenshot(path=screenshots / "portal-new-password.png", full_page=True)
    phone.get_by_role("button", name="Set my new password").click()

    expect(phone).to_have_title("Your care – Alongside")
    expect(phone.locator("main")).to_contain_text("Your new password is set")
    scene.user.refresh_from_db()
    assert scene.user.check_password("harbour violet pancake")
