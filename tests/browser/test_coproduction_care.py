"""The person's voice in their own care, in a real browser: the key worker writes a plan section
marked as in the person's own words and adds a goal in the person's words; the person says in
their portal how they want to be in touch; the key worker sees that beside the contact form and
is told, gently, when a contact did not keep to it; and once the person agrees the plan, their
portal asks them CollaboRATE (under synthetic wording, as a site with the licence would load
it). An accessibility check runs on each page. Screenshots go to /tmp/care-coproduction/."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from alongside.care.models import Authorship, CarePlanVersion, ContactPreferences, Goal
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.organisations.tests.factories import PASSWORD, UserFactory
from alongside.outcomes.tests.factories import load_collaborate_wording
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/care-coproduction")


def sign_in(page: Page, live_server, username: str, next_url: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_url}")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def shot(page: Page, name: str) -> None:
    assert_accessible(page)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)


def test_the_persons_voice_in_their_plan_goals_and_contacts(
    page: Page, browser: Browser, live_server
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    place = make_plan_place(given_name="Dafydd", family_name="Rees")
    place.person.user = UserFactory(username="dafydd", first_name="Dafydd", last_name="Rees")
    place.person.save()
    person_id = place.person.pk
    plan_url = reverse("plans:plan", kwargs={"person_id": person_id})
    main = page.locator("main")

    # --- The key worker writes the plan: "About me" in Dafydd's own words. ---------------------
    sign_in(page, live_server, "tom", plan_url)
    page.get_by_role("button", name="Write the plan").click()
    page.get_by_label("About me and what matters to me").fill(
        "I grew up by the sea in Wyvernbridge. My dog Mabli gets me out of bed."
    )
    page.get_by_role(
        "group", name="Who wrote this? (About me and what matters to me)"
    ).get_by_label("Dafydd, in their own words").check()
    page.get_by_label("My strengths and what helps").fill("I am good with my hands.")
    page.get_by_role("group", name="Who wrote this? (My strengths and what helps)").get_by_label(
        "Written together"
    ).check()
    page.get_by_label("My warning signs").fill("Staying in bed all day.")
    page.get_by_role("group", name="Who wrote this? (My warning signs)").get_by_label(
        "The key worker or care team"
    ).check()
    page.get_by_role(
        "group", name="Did Dafydd take part in writing or reviewing this version?"
    ).get_by_label("Yes").check()
    shot(page, "01-plan-form")
    page.get_by_role("group", name="Who wrote this? (About me and what matters to me)").screenshot(
        path=SHOTS / "01b-plan-form-who-wrote.png"
    )
    page.get_by_role("button", name="Save the plan").click()

    expect(main).to_contain_text("Plan saved as version 1")
    about = main.locator("#about_me + p")
    expect(about).to_contain_text("In their own words")
    expect(main.locator("#strengths + p")).to_contain_text("Written together")
    expect(main.locator("#warning_signs + p")).to_contain_text("Written by the care team")
    expect(main).to_contain_text("Did Dafydd take part in this version? Yes")
    shot(page, "02-plan-with-authorship")
    version = CarePlanVersion.objects.get()
    assert version.authorship == {
        "about_me": Authorship.PERSON,
        "strengths": Authorship.TOGETHER,
        "warning_signs": Authorship.PRACTITIONER,
    }
    assert version.person_present is True

    main.get_by_role("link", name="Versions, and what changed").click()
    expect(main.get_by_role("table")).to_contain_text("Dafydd took part")
    expect(main.get_by_role("table")).to_contain_text("Yes")
    shot(page, "03-versions")

    # --- A goal in Dafydd's own words. ----------------------------------------------------------
    page.goto(f"{live_server.url}{reverse('plans:add-goal', kwargs={'person_id': person_id})}")
    page.get_by_label("The goal, in the person's own words").fill(
        "I want to walk Mabli to the harbour and back"
    )
    page.get_by_role("group", name="Whose words is the goal in?").get_by_label(
        "The person, in their own words"
    ).check()
    shot(page, "04-add-goal")
    page.get_by_role("button", name="Add the goal").click()
    expect(main).to_contain_text("Goal added")
    goal = main.locator(".app-goal").first
    expect(goal).to_contain_text("I want to walk Mabli to the harbour and back")
    expect(goal).to_contain_text("In their own words")
    shot(page, "05-goals")
    assert Goal.objects.get().worded_by == Authorship.PERSON

    # --- Dafydd says in his portal how he wants to be in touch. ---------------------------------
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    phone = context.new_page()
    phone.goto(f"{live_server.url}/portal/sign-in/")
    phone.get_by_role("link", name="Sign in with your username and password").click()
    phone.get_by_label("Username").fill("dafydd")
    phone.get_by_label("Password", exact=True).fill(PASSWORD)
    phone.get_by_role("button", name="Sign in").click()
    phone_main = phone.locator("main")
    phone_main.get_by_role("link", name="How you want to be in touch").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("How you want to be in touch")
    ways = phone.get_by_role("group", name="Which ways of being in touch suit you?")
    ways.get_by_label("Telephone").check()
    ways.get_by_label("Face to face").check()
    phone.get_by_role("group", name="Which times of day suit you?").get_by_label(
        "Mornings (before 12 noon)"
    ).check()
    phone.get_by_role(
        "group", name="Can family, a carer or a friend join your appointments?"
    ).get_by_label("No, I would rather it was just me").check()
    phone.get_by_label("Who would you like involved in your care? (optional)").fill(
        "My sister Sian. Please do not contact my brother."
    )
    shot(phone, "06-portal-keeping-in-touch")
    phone.get_by_role("button", name="Save").click()
    expect(phone_main).to_contain_text(
        "Thank you. Your care team can now see how you want to be in touch"
    )
    expect(phone_main).to_contain_text("Said by you in your portal on")
    shot(phone, "07-portal-keeping-in-touch-saved")
    saved = ContactPreferences.objects.get(person=place.person)
    assert (saved.modes, saved.times, saved.others_may_join, saved.stated_in_portal) == (
        ["face_to_face", "phone"],
        ["morning"],
        False,
        True,
    )

    # --- The key worker records a contact: the preferences beside, a gentle word after. ---------
    page.goto(f"{live_server.url}{reverse('care:contact-new', kwargs={'person_id': person_id})}")
    aside = page.locator("#keeping-in-touch")
    expect(aside).to_contain_text("How Dafydd wants to be in touch")
    expect(aside).to_contain_text("Face to face, Telephone")
    expect(aside).to_contain_text("Said by Dafydd in their portal on")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("Day").fill(str(yesterday.day))
    page.get_by_label("Month").fill(str(yesterday.month))
    page.get_by_label("Year").fill(str(yesterday.year))
    page.get_by_label("Time").fill("15:30")
    page.get_by_role("group", name="How did it happen?").get_by_label("Video").check()
    page.get_by_role("group", name="What kind of contact?").get_by_label("Coaching session").check()
    page.get_by_role("group", name="What happened?").get_by_label("Attended").check()
    page.get_by_label("How long did it last, in minutes?").fill("45")
    page.get_by_label("Family, a carer or a friend joined").check()
    shot(page, "08-contact-form-with-preferences")
    page.get_by_role("button", name="Save").click()
    expect(main).to_contain_text("Contact recorded")
    expect(main).to_contain_text(
        "This contact was not what Dafydd said suits them: it was by video, in the afternoon "
        "and with someone else there."
    )
    expect(main.get_by_role("table")).to_contain_text("Family, a carer or a friend joined")
    shot(page, "09-contact-warning")

    # --- Dafydd agrees the plan; his portal asks him CollaboRATE. --------------------------------
    load_collaborate_wording()
    page.goto(f"{live_server.url}{plan_url}")
    page.get_by_role("button", name="Record the person's agreement").click()
    page.get_by_role("group", name="How did they agree?").get_by_label(
        "Agreed in conversation"
    ).check()
    page.get_by_role("button", name=re.compile("agreement")).click()
    expect(main).to_contain_text("The person's agreement to version 1 recorded")
    outcomes_url = reverse("outcomes:person", kwargs={"person_id": person_id})
    page.goto(f"{live_server.url}{outcomes_url}")
    expect(main.locator("#due-collaborate")).to_contain_text("version 1 was agreed on")
    shot(page, "10-outcomes-collaborate-due")

    phone.goto(f"{live_server.url}/portal/")
    expect(phone_main).to_contain_text("CollaboRATE: please fill this in by")
    shot(phone, "11-portal-home-collaborate")
    phone_main.get_by_role("link", name=re.compile("^CollaboRATE")).click()
    expect(phone_main).to_contain_text("There are 3 questions")
    phone.get_by_role("button", name=re.compile("Start")).click()
    for n in (1, 2, 3):
        expect(phone_main).to_contain_text(f"Test question {n}")
        phone_main.get_by_role("textbox").fill("9")
        if n == 1:
            shot(phone, "12-portal-collaborate-question")
        phone.get_by_role("button", name="Continue").click()
    phone.get_by_role("button", name=re.compile("Send")).click()
    expect(phone_main).to_contain_text("CollaboRATE")
    shot(phone, "13-portal-collaborate-sent")
    phone.goto(f"{live_server.url}/portal/")
    expect(phone_main).not_to_contain_text("CollaboRATE: please fill this in by")
    context.close()
