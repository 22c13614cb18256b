"""The person fills in DIALOG on a phone (390 × 844): from the reminder on their home page, one
domain a page, saying they want more help with one; they check their answers, send them and see
the confirmation. An accessibility check on each kind of page."""

import pytest
from playwright.sync_api import Browser, Page, expect

from alongside.organisations.tests.factories import PASSWORD
from alongside.outcomes import registry, services
from alongside.outcomes.models import Mode, Response, Score, Status
from alongside.portal.tests.factories import person_in_care
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

DOMAINS = [
    "your mental health",
    "your physical health",
    "your job situation",
    "your accommodation",
    "your leisure activities",
    "your friendships",
    "your relationship with your partner or family",
    "your personal safety",
    "your medication",
    "the practical help you receive",
    "your meetings with mental health professionals",
]
RATINGS = [
    "Fairly dissatisfied",
    "In the middle",
    "Fairly satisfied",
    "Very dissatisfied",
    "Fairly satisfied",
    "Very satisfied",
    "In the middle",
    "Totally satisfied",
    "Fairly satisfied",
    "In the middle",
    "Very satisfied",
]
MORE_HELP_WITH = 4  # accommodation


@pytest.fixture
def phone(browser: Browser):
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True, device_scale_factor=2
    )
    yield context.new_page()
    context.close()


def test_the_person_fills_in_dialog_on_a_phone(phone: Page, live_server, screenshots):
    scene = person_in_care("", username="sam", given_name="Sam")
    services.save_schedule(
        team=scene.episode.lead_team,
        measure="dialog",
        at_start=True,
        every_weeks=12,
        at_discharge=False,
        grace_days=90,
        by=scene.key_worker,
    )
    page = phone
    main = page.locator("main")

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Your care – Alongside")
    expect(main).to_contain_text("Questionnaires to fill in")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-home.png")

    main.get_by_role("link", name="DIALOG: please fill this in by").click()
    expect(page).to_have_title("DIALOG – Alongside")
    expect(main).to_contain_text("There are 11 questions, one on each page.")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-start.png", full_page=True)
    main.get_by_role("button", name="Start now").click()

    # The first page: nothing chosen is an error, then one domain a page.
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "How satisfied are you with your mental health?"
    )
    main.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Choose an answer")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-question-error.png", full_page=True)

    for n, (domain, rating) in enumerate(zip(DOMAINS, RATINGS, strict=True), start=1):
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(f"DIALOG: question {n} of 11")
        expect(heading).to_contain_text(f"How satisfied are you with {domain}?")
        main.get_by_label(rating, exact=True).check()
        help_question = main.get_by_role("group", name="Do you want more help with")
        help_question.get_by_label("Yes" if n == MORE_HELP_WITH else "No", exact=True).check()
        if n == 2:
            assert_accessible(page)
            page.screenshot(path=screenshots / "portal-measures-question.png", full_page=True)
        main.get_by_role("button", name="Continue").click()

    expect(page).to_have_title("Check your answers – DIALOG – Alongside")
    expect(main).to_contain_text("How satisfied are you with your accommodation?")
    expect(main).to_contain_text("You want more help with this")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-check.png", full_page=True)

    # Change one answer: it comes back to check your answers.
    main.get_by_role("link", name="Change how satisfied are you with your mental health?").click()
    main.get_by_label("In the middle", exact=True).check()
    main.get_by_role("button", name="Continue").click()
    expect(page).to_have_title("Check your answers – DIALOG – Alongside")
    main.get_by_role("button", name="Send my answers").click()

    expect(page).to_have_title("Answers sent – DIALOG – Alongside")
    expect(main.get_by_role("heading", level=1)).to_have_text("Answers sent")
    expect(main).to_contain_text("Where you want more help")
    expect(main.get_by_role("listitem").filter(has_text="Your accommodation")).to_be_visible()
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-done.png", full_page=True)

    response = Response.objects.get(person=scene.person)
    assert (response.status, response.mode, response.completed_by) == (
        Status.COMPLETED,
        Mode.SELF,
        scene.user,
    )
    assert response.more_help == [str(MORE_HELP_WITH)]
    assert response.answers["1"] == "4" and response.answers[f"{MORE_HELP_WITH}-help"] is True
    assert set(Score.objects.filter(response=response).values_list("key", flat=True)) == {
        "quality-of-life",
        "treatment-satisfaction",
    }

    # The results on the questionnaires page; nothing left to fill in on the home page.
    main.get_by_role("link", name="See your questionnaires and results").click()
    expect(main).to_contain_text("Your accommodation")
    expect(main).to_contain_text("You asked for more help with this")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-results.png", full_page=True)
    page.goto(f"{live_server.url}/portal/")
    expect(main).not_to_contain_text("Questionnaires to fill in")


def test_the_person_finishes_a_phq9_they_started_and_is_shown_where_to_get_help(
    phone: Page, live_server, screenshots
):
    scene = person_in_care("", username="sam", given_name="Sam")
    services.save_schedule(
        team=scene.episode.lead_team,
        measure="phq9",
        at_start=True,
        every_weeks=None,
        at_discharge=False,
        grace_days=90,
        by=scene.key_worker,
    )
    response = services.start_response(
        episode=scene.episode, questionnaire=registry.current("phq9"), mode=Mode.SELF, by=scene.user
    )
    answers = {str(n): "1" for n in range(1, 9)} | {"9": "2"}  # question 9: more than half the days
    services.save_answers(response=response, answers=answers, by=scene.user)
    page = phone
    main = page.locator("main")

    page.goto(f"{live_server.url}/account/sign-in/")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    main.get_by_role("link", name="PHQ-9: please fill this in by").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("PHQ-9: question 10 of 10")
    main.get_by_label("Somewhat difficult", exact=True).check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-phq9-question.png", full_page=True)
    main.get_by_role("button", name="Continue").click()

    expect(page).to_have_title("Check your answers – PHQ-9 – Alongside")
    main.get_by_role("button", name="Send my answers").click()

    expect(page).to_have_title("Answers sent – PHQ-9 – Alongside")
    expect(main).to_contain_text("Your care team will be in touch")
    expect(main.get_by_role("link", name="NHS 111")).to_have_attribute("href", "tel:111")
    expect(main).to_contain_text("Your score was 10 out of 27.")
    assert_accessible(page)
    page.screenshot(path=screenshots / "portal-measures-phq9-done.png", full_page=True)
    response.refresh_from_db()
    assert response.status == Status.COMPLETED and response.flags == ["self-harm-thoughts"]
