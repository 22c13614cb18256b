"""A key worker reviews a person's outcome measures in a real browser: two DIALOGs side by side,
a domain the person wants more help with turned into a plan goal in one step, then a PHQ-9
completed with the person, its prompt acknowledged. An accessibility check runs on each page."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.care.models import Episode, Goal
from alongside.care.tests.plan_fixtures import make_plan_place
from alongside.organisations.tests.factories import PASSWORD
from alongside.outcomes.models import Response, Status
from alongside.outcomes.tests.factories import DIALOG_MIDDLING, answered
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page: Page, live_server, next_url: str) -> None:
    page.goto(f"{live_server.url}/account/sign-in/?next={next_url}")
    page.get_by_label("Username").fill("tom")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def test_a_dialog_domain_becomes_a_plan_goal_and_a_phq9_is_completed(
    page: Page, live_server, screenshots
):
    place = make_plan_place(given_name="Dafydd", family_name="Rees")
    Episode.objects.filter(pk=place.episode.pk).update(started_at=ago(200))
    place.episode.refresh_from_db()
    before = {**DIALOG_MIDDLING, "4": "5", "6": "3", "1": "3"}
    latest = {**DIALOG_MIDDLING, "4": "2", "4-help": True, "6": "5", "1": "4", "1-help": True}
    answered(place.episode, "dialog", before, by=place.worker, at=ago(90))
    answered(place.episode, "dialog", latest, by=place.worker, at=ago(3))
    for days, answers in ((150, "2222222 10"), (100, "2211111 00"), (40, "1111000 11")):
        codes = list(answers.replace(" ", ""))
        answered(place.episode, "phq9", codes, by=place.worker, at=ago(days))
    outcomes_url = reverse("outcomes:person", kwargs={"person_id": place.person.pk})

    sign_in(page, live_server, outcomes_url)
    main = page.locator("main")
    expect(page).to_have_title(f"Outcome measures – Record {place.person.pk} – Alongside")
    expect(main.get_by_role("heading", level=1)).to_have_text("Outcome measures")
    # The latest PHQ-9 answered question 9 above "not at all": a prompt to act on.
    expect(main.locator(".nhsuk-card--warning")).to_contain_text("review their safety plan today")
    # DIALOG: each part of life, before and now, and where the person wants more help.
    domains = main.get_by_role("table", name=re.compile("each part of life"))
    accommodation = domains.get_by_role("row", name=re.compile("^Accommodation"))
    expect(accommodation).to_contain_text("Very dissatisfied")
    expect(accommodation).to_contain_text("−3 (worse)")
    expect(accommodation).to_contain_text("Wants more help")
    expect(main.get_by_role("img", name=re.compile("PHQ-9 total score over time"))).to_be_visible()
    expect(main).to_contain_text("Reliable improvement")
    assert_accessible(page)
    page.screenshot(path=screenshots / "outcomes-person.png", full_page=True)
    page.screenshot(path=screenshots / "outcomes-person-top.png")
    for name in ("dialog", "phq9"):
        main.locator(f"section[aria-labelledby='measure-{name}']").screenshot(
            path=screenshots / f"outcomes-{name}.png"
        )

    # One step: the box starts with the part of life; the worker writes the rest with Dafydd.
    box = main.get_by_label("Goal about accommodation, in Dafydd's own words")
    expect(box).to_have_value("Accommodation: ")
    box.fill("Accommodation: find somewhere quieter to live, away from the main road")
    main.get_by_role("button", name="Add to the plan as a goal about accommodation").click()
    expect(main).to_contain_text("Goal added to the plan")
    goal = Goal.objects.get()
    assert (goal.episode_id, goal.text) == (
        place.episode.pk,
        "Accommodation: find somewhere quieter to live, away from the main road",
    )
    assert_accessible(page)
    main.get_by_role("link", name="See Dafydd's goals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Goals")
    expect(main.locator("h2.app-goal__text")).to_contain_text(
        "Accommodation: find somewhere quieter to live"
    )

    # A PHQ-9 with Dafydd: every question on one screen.
    page.goto(f"{live_server.url}{outcomes_url}")
    main.get_by_role("radio", name="PHQ-9").check()
    main.get_by_role("button", name="Start").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Patient Health Questionnaire (PHQ-9)"
    )
    first = main.get_by_role("group", name=re.compile("^1. Little interest"))
    first.get_by_label("Several days").check()
    assert_accessible(page)
    page.screenshot(path=screenshots / "outcomes-fill.png", full_page=True)
    main.get_by_role("button", name="Save and finish later").click()
    expect(main).to_contain_text("PHQ-9 saved: you can finish it later")
    expect(main).to_contain_text("1 answer saved")
    main.get_by_role("link", name="Continue PHQ-9").click()
    main.get_by_role("button", name="Finish and score").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Answer this question")
    for n in range(2, 10):
        group = main.get_by_role("group", name=re.compile(f"^{n}\\. "))
        group.get_by_label("Not at all" if n != 9 else "Several days").check()
    page.screenshot(path=screenshots / "outcomes-fill-errors.png", full_page=True)
    main.get_by_role("button", name="Finish and score").click()
    expect(main).to_contain_text("PHQ-9 completed and scored")
    expect(main).to_contain_text("Total score")
    expect(main).to_contain_text("2 (from 0 to 27)")
    done = Response.objects.filter(status=Status.COMPLETED).order_by("-id").first()
    assert done.flags == ["self-harm-thoughts"]
    assert_accessible(page)
    page.screenshot(path=screenshots / "outcomes-response.png", full_page=True)

    # The prompt is acknowledged: who and when are recorded and shown.
    main.get_by_role("button", name="I have seen this and will review the safety plan").click()
    expect(main).to_contain_text("Recorded that you have seen this")
    expect(main).to_contain_text("Seen by Tom Okafor on")
    done.refresh_from_db()
    assert done.prompt_seen_by_id == place.worker.pk


def test_five_years_of_monthly_measures_stay_readable(page: Page, live_server, screenshots):
    """Sixty monthly PHQ-9s and GAD-7s: the charts label the years, the tables list every
    score, and the page still passes the accessibility check."""
    place = make_plan_place(given_name="Dafydd", family_name="Rees")
    Episode.objects.filter(pk=place.episode.pk).update(started_at=ago(5 * 366))
    place.episode.refresh_from_db()
    for month in range(60):
        level = max(0, 3 - month // 15)
        when = ago(5 * 365 - 30 * month)
        answered(place.episode, "phq9", [str(level)] * 8 + ["0"], by=place.worker, at=when)
        answered(place.episode, "gad7", [str(max(0, level - 1))] * 7, by=place.worker, at=when)
    sign_in(page, live_server, reverse("outcomes:person", kwargs={"person_id": place.person.pk}))
    main = page.locator("main")
    phq9 = main.locator("section[aria-labelledby='measure-phq9']")
    expect(phq9.locator("svg.app-chart circle")).to_have_count(60)
    expect(phq9.locator("svg.app-chart text", has_text=str(timezone.now().year))).to_have_count(1)
    tables = phq9.get_by_role("table")
    expect(tables.first.locator("tbody tr")).to_have_count(12)
    phq9.get_by_text("Earlier scores (48)").click()
    expect(tables.nth(1).locator("tbody tr")).to_have_count(48)
    expect(phq9).to_contain_text("Reliable improvement")
    assert_accessible(page)
    phq9.screenshot(path=screenshots / "outcomes-five-years.png")
