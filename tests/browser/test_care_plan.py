"""A key worker writes the care and support plan with the person, in a real browser: the
person's goal in their own words with a first rating, the plan's sections, the person's
agreement, and the printable copy; and a stale edit that is refused without losing a word.
An accessibility check runs on each page."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.care import services
from alongside.care.models import CarePlanVersion, Goal
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.directory.tests import factories as directory
from alongside.organisations.models import OrganisationKind
from alongside.organisations.tests.factories import PASSWORD, OrganisationFactory
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_url}")
    page.get_by_label("Username").fill("tom")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_key_worker_writes_the_plan_with_the_persons_goal(page: Page, live_server, screenshots):
    place = make_plan_place(given_name="Dafydd", family_name="Rees")
    provider = directory.organisation(
        "Wellspring Wyvern",
        organisation=OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE),
    )
    directory.service("Peer Support Circle, Wyvernbridge", organization=provider)
    services.add_person_note(
        episode=place.episode, text="Can we talk about going back to work next time?"
    )
    plan_url = reverse("plans:plan", kwargs={"person_id": place.person.pk})

    sign_in(page, live_server, plan_url)
    main = page.locator("main")
    expect(page).to_have_title(f"Care and support plan – Record {place.person.pk} – Alongside")
    expect(main).to_contain_text("Dafydd left a note for your next conversation")
    expect(main).to_contain_text("No plan has been written for this episode of care yet")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-empty.png", full_page=True)

    # The person's goal, in their own words, with where they are now.
    page.get_by_role("link", name="Goals and their ratings over time").click()
    page.get_by_role("button", name="Add a goal").click()
    page.get_by_role("button", name="Add the goal").click()  # nothing written: refused
    expect(page.locator(".nhsuk-error-summary")).to_contain_text(
        "Write the goal in the person's own words"
    )
    assert Goal.objects.count() == 0
    page.get_by_label("The goal, in the person's own words").fill(
        "I want to feel able to go to the shops on my own"
    )
    page.get_by_role("group", name="How close is the person to this goal now?").get_by_label(
        "3", exact=True
    ).check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-add-goal.png", full_page=True)
    page.get_by_role("button", name="Add the goal").click()
    expect(main).to_contain_text("Goal added")
    expect(main.locator("h2.app-goal__text")).to_contain_text(
        "I want to feel able to go to the shops on my own"
    )
    expect(main.locator("svg.app-chart")).to_be_visible()

    # Rated again as the conversation goes on: a rating is 0 to 10, and must be chosen.
    main.get_by_role("link", name=re.compile("^Rate this goal")).click()
    expect(main).to_contain_text("I want to feel able to go to the shops on my own")
    page.get_by_role("button", name="Save the rating").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose a number from 0 to 10")
    page.get_by_role("group", name="How close is the person to this goal now?").get_by_label(
        "5", exact=True
    ).check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-rate.png", full_page=True)
    page.get_by_role("button", name="Save the rating").click()
    expect(main).to_contain_text("Rating saved")
    expect(main.locator("svg.app-chart circle")).to_have_count(2)
    expect(main.get_by_role("table")).to_contain_text("With the key worker")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-goals.png", full_page=True)
    main.locator(".app-goal").screenshot(path=screenshots / "care-plan-goal-chart.png")

    # The plan's sections, written together; the goal comes with it.
    page.goto(f"{live_server.url}{plan_url}")
    page.get_by_role("button", name="Write the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Write the care and support plan")
    page.get_by_label("About me and what matters to me").fill(
        "I grew up in Wyvernbridge and have lived here all my life.\n"
        "What matters most to me is my dog, Mabli, and seeing my sister."
    )
    page.get_by_label("Our shared understanding").fill(
        "Since my wife died I have stopped going out, and the less I go out the harder it gets."
    )
    page.get_by_label("My strengths and what helps").fill(
        "I am good with my hands. Walking Mabli helps, and so does talking to my sister."
    )
    first = page.get_by_role("group", name="Action 1")
    first.get_by_label("What will be done").fill("Walk Mabli to the park every morning")
    first.get_by_label("Who will do it").select_option(label="Me (the person)")
    second = page.get_by_role("group", name="Action 2")
    second.get_by_label("What will be done").fill("Go to the circle on Thursdays at 2pm")
    second.get_by_label("Who will do it").select_option(
        label="Peer Support Circle, Wyvernbridge (Wellspring Wyvern)"
    )
    third = page.get_by_role("group", name="Action 3")
    third.get_by_label("What will be done").fill("Come with me to the circle the first time")
    third.get_by_label("Who will do it").select_option(label="My key worker")
    page.get_by_label("My warning signs").fill("Staying in bed all day; not feeding Mabli")
    page.get_by_label("What I can do").fill("Ring my sister; take Mabli out, even for 5 minutes")
    page.get_by_label("Who I can contact").fill("My sister Sian, 07700 900456, any time")
    page.get_by_label("Making my surroundings safer").fill(
        "Sian keeps my spare tablets at her house"
    )
    page.get_by_label("Crisis numbers").fill("Wyvern crisis line: 0800 000 0000, 24 hours")
    review = timezone.localdate() + dt.timedelta(days=90)
    page.get_by_label("Day").fill(str(review.day))
    page.get_by_label("Month").fill(str(review.month))
    page.get_by_label("Year").fill(str(review.year))
    page.get_by_label("What changed in this version (optional)").fill("Our first plan")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-edit.png", full_page=True)
    page.get_by_role("group", name="Action 2").screenshot(path=screenshots / "care-plan-action.png")
    page.get_by_role("button", name="Save the plan").click()

    expect(main).to_contain_text("Plan saved as version 1")
    expect(main).to_contain_text("Not yet agreed")
    expect(main).to_contain_text("What matters most to me is my dog, Mabli")
    expect(main).to_contain_text("Peer Support Circle, Wyvernbridge")
    expect(main).to_contain_text("5 out of 10")
    version = CarePlanVersion.objects.get()
    assert [g["text"] for g in version.goals] == [
        "I want to feel able to go to the shops on my own"
    ]
    assert [a["who"] for a in version.actions] == [
        "me",
        "Peer Support Circle, Wyvernbridge",
        "key worker",
    ]

    # The person's agreement, with its date.
    page.get_by_role("button", name="Record the person's agreement").click()
    expect(main).to_contain_text("You are recording agreement to version 1 of the plan")
    today = timezone.localdate()
    expect(page.get_by_label("Day")).to_have_value(str(today.day))
    page.get_by_label("Agreed in conversation").check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-agree.png", full_page=True)
    page.get_by_role("button", name="Record agreement").click()
    expect(main).to_contain_text("The person's agreement to version 1 recorded")
    expect(main).to_contain_text(f"Agreed on {today.day} {today:%B %Y}, in conversation")
    expect(main).to_contain_text("Mark as read")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-agreed.png", full_page=True)

    # The note the person left is read.
    page.get_by_role("button", name="Mark as read").click()
    expect(main).to_contain_text("Note marked as read")
    expect(main).not_to_contain_text("Can we talk about going back to work")

    # A copy for the person, to print or save as a PDF.
    page.get_by_role("link", name="Printable copy for Dafydd").click()
    expect(page).to_have_title("Care and support plan for Dafydd Rees – Alongside")
    expect(main).to_contain_text("Print or save as PDF")
    expect(main.get_by_role("heading", level=1)).to_have_text("My care and support plan")
    expect(main).to_contain_text("I agreed it on")
    expect(main).to_contain_text("How close I am now (0 to 10): 5 out of 10")
    expect(main).to_contain_text("call NHS 111 and choose the mental health option")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-print-screen.png", full_page=True)
    page.emulate_media(media="print")
    expect(page.get_by_text("Print or save as PDF")).to_be_hidden()
    page.screenshot(path=screenshots / "care-plan-print-paper.png", full_page=True)
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    (screenshots / "care-plan.pdf").write_bytes(pdf)


def test_a_stale_edit_is_refused_and_nothing_typed_is_lost(page: Page, live_server, screenshots):
    place = make_plan_place(given_name="Dafydd", family_name="Rees")
    place.save(about_me="I like walking.", by=place.colleague)
    edit_url = reverse("plans:edit", kwargs={"person_id": place.person.pk})

    sign_in(page, live_server, edit_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit the care and support plan")
    page.get_by_label("About me and what matters to me").fill("I like swimming.")
    # Meanwhile Ana saves version 2 from version 1.
    place.save(about_me="I like walking my dog.", base=1, by=place.colleague)
    page.get_by_role("button", name="Save the plan").click()

    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_contain_text("Ana Lind saved version 2 of the plan while you were editing")
    expect(page.get_by_label("About me and what matters to me")).to_have_value("I like swimming.")
    expect(page.locator("#their-changes")).to_contain_text("walking my dog.")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-stale.png", full_page=True)
    page.locator("#their-changes").screenshot(path=screenshots / "care-plan-stale-changes.png")
    assert CarePlanVersion.objects.count() == 2

    summary.get_by_role("link").first.click()
    expect(page.locator("#their-changes")).to_be_focused()
    page.get_by_label("About me and what matters to me").fill("I like swimming and walking my dog.")
    page.get_by_role("button", name="Save the plan").click()
    expect(page.locator("main")).to_contain_text("Plan saved as version 3")

    # Every version is kept, and any two can be compared.
    page.get_by_role("link", name="Versions, and what changed").click()
    expect(page.locator("main")).to_contain_text("Changes from version 2 to version 3")
    assert_accessible(page)
    page.screenshot(path=screenshots / "care-plan-versions.png", full_page=True)
    page.get_by_label("Compare version").select_option(label="Version 1")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("main")).to_contain_text("Changes from version 1 to version 3")
