"""The workforce in a real browser: a coordinator accepts a referral to a key worker who lacks a
course the team's episodes need, and is warned; the team lead later finds the kept warning on
the team's workforce page, records the training (the warning goes), a vacancy and a change of
whole-time equivalent, and reads the caseload per whole-time equivalent and its trend; a
commissioner reads NHS and VCSE side by side. An accessibility check on each page; screenshots
under /tmp/workforce-screenshots."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.care.models import Intensity
from alongside.care.tests.factories import EpisodeFactory, allocate
from alongside.organisations.models import OrganisationKind, Role, TeamType
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import Referral, State
from alongside.referrals.tests.factories import ReferralFactory
from alongside.workforce import services
from alongside.workforce.models import EpisodeRequirement, TrainingRecord, Vacancy
from alongside.workforce.tests.factories import course
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path("/tmp/workforce-screenshots")
STARTED = dt.date(2024, 1, 1)


def shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


def sign_in(page: Page, live_server, username: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/account/sign-in/?next=/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_title("Home – Alongside")


def make_place() -> Referral:
    """A trust's community mental health team (lead Lena Marsh; key workers Ada Byrne, 1.0 WTE
    until three months ago and 0.8 since, and Bea Cole, 0.5; coordinator Cora Finch) whose
    episodes need DIALOG+, a VCSE Care Partners team (Vic Hale, 0.6), a commissioner (Cam
    Ellis), and a referral in triage."""
    today = timezone.localdate()
    central = LocalityFactory(name="Wyvern Central")
    trust = OrganisationFactory(
        name="Wyvern Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST
    )
    cmht = TeamFactory(
        name="Central CMHT",
        organisation=trust,
        team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        localities=[central],
    )
    vcse = TeamFactory(
        name="Wellspring Care Partners",
        organisation=OrganisationFactory(
            name="Wellspring Wyvern", kind=OrganisationKind.VCSE, ods_code=None
        ),
        team_type=TeamType.VCSE_SERVICE,
        localities=[central],
    )

    def member(team, role, username, first, last):
        return MembershipFactory(
            team=team,
            role=role,
            started_on=STARTED,
            user__username=username,
            user__first_name=first,
            user__last_name=last,
        )

    lena = member(cmht, Role.TEAM_LEAD, "lena", "Lena", "Marsh")
    ada = member(cmht, Role.PRACTITIONER, "ada", "Ada", "Byrne")
    bea = member(cmht, Role.PRACTITIONER, "bea", "Bea", "Cole")
    member(cmht, Role.COORDINATOR, "cora", "Cora", "Finch")
    vic = member(vcse, Role.PRACTITIONER, "vic", "Vic", "Hale")
    MembershipFactory(
        role=Role.ANALYST,
        team__name="Wyvern commissioning",
        team__organisation=OrganisationFactory(
            name="Wyvern County Council", kind=OrganisationKind.LOCAL_AUTHORITY, ods_code=None
        ),
        team__team_type=TeamType.OTHER,
        user__username="cam",
        user__first_name="Cam",
        user__last_name="Ellis",
    )
    for who, wte, since in (
        (lena, "1.0", STARTED),
        (ada, "1.0", STARTED),
        (ada, "0.8", today - dt.timedelta(days=90)),
        (bea, "0.5", STARTED),
        (vic, "0.6", STARTED),
    ):
        services.set_wte(membership=who, wte=wte, effective_from=since, by=lena.user)
    EpisodeRequirement.objects.create(
        course=course("dialog-plus"), team_type=TeamType.COMMUNITY_MENTAL_HEALTH
    )
    started = timezone.now() - dt.timedelta(days=200)
    for holder, team, intensity in (
        (ada, cmht, Intensity.HIGH),
        (bea, cmht, Intensity.MEDIUM),
        (bea, cmht, Intensity.MEDIUM),
        (vic, vcse, Intensity.LOW),
        (vic, vcse, Intensity.LOW),
    ):
        allocate(
            EpisodeFactory(lead_team=team, intensity=intensity, started_at=started), holder.user
        )
    for who in (bea, vic):
        TrainingRecord.objects.create(
            user=who.user,
            course=course("dialog-plus"),
            completed_on=today - dt.timedelta(days=100),
            recorded_by=lena.user,
        )
    referral = ReferralFactory(
        person=PersonFactory(given_name="Megan", family_name="Hughes"),
        team=cmht,
        locality=central,
        given_name="Megan",
        family_name="Hughes",
    )
    Referral.objects.filter(pk=referral.pk).update(state=State.IN_TRIAGE)
    return referral


def test_a_warning_on_acceptance_is_kept_and_the_team_lead_settles_it(page: Page, live_server):
    referral = make_place()
    today = timezone.localdate()
    main = page.locator("main")

    # The coordinator accepts the referral to Ada, who has no DIALOG+: warned, not blocked.
    sign_in(page, live_server, "cora")
    page.goto(f"{live_server.url}/referrals/{referral.pk}/")
    main.get_by_role("link", name="Accept to a team").click()
    page.get_by_label("Team").select_option(label="Central CMHT (Wyvern Mental Health NHS Trust)")
    # The team's key workers come in as the team is chosen (HTMX), with role and caseload.
    ada = page.locator("#id_key_worker option", has_text="Ada Byrne")
    expect(ada).to_have_count(1)
    page.get_by_label("Key worker (optional)").select_option(value=ada.get_attribute("value"))
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(main).to_contain_text("Referral accepted")
    expect(main).to_contain_text(
        "Ada Byrne has no record of DIALOG+ training, which episodes led by a team of type "
        "'Community mental health team' need. Allocated anyway"
    )
    assert_accessible(page)
    shot(page, "1-referral-accepted-with-warning")

    # Later, the team lead opens the team's workforce page from home: the warning is there.
    sign_in(page, live_server, "lena")
    page.get_by_role("link", name="Workforce and training in Central CMHT").click()
    expect(page).to_have_title("Workforce – Central CMHT – Alongside")
    warnings = main.locator("table", has_text="Warned since")
    row = warnings.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Ada Byrne")
    expect(row).to_contain_text("DIALOG+")
    expect(row).to_contain_text("No record")
    expect(row.get_by_role("link", name=f"Referral {referral.reference}")).to_be_visible()
    expect(main).not_to_contain_text("Megan")  # the reference, never the person's name
    # Caseload per WTE, worked by hand: Ada high 3 + medium 2 at 0.8 WTE, Bea 2 + 2 at 0.5:
    # 9 / 1.3 = 6.9 (with Ada's old 1.0 it would be 9 / 1.5 = 6.0).
    summary = main.locator(".nhsuk-summary-list")
    expect(summary).to_contain_text("Caseload per WTE (weighted)")
    expect(
        summary.locator(".nhsuk-summary-list__row", has_text="Caseload per WTE")
    ).to_contain_text("6.9")
    expect(main.get_by_role("heading", name="Trend")).to_be_visible()
    assert_accessible(page)
    shot(page, "2-team-page-with-warning")

    # The lead records Ada's DIALOG+ completion: the warning no longer stands.
    main.get_by_role("link", name="Record training").click()
    expect(page).to_have_title("Record training – Central CMHT – Alongside")
    page.get_by_label("Who completed it?").select_option(label="Ada Byrne – Key worker")
    page.get_by_label("Course").select_option(label="DIALOG+")
    done = today - dt.timedelta(days=3)
    page.get_by_label("Day").fill(str(done.day))
    page.get_by_label("Month").fill(str(done.month))
    page.get_by_label("Year").fill(str(done.year))
    assert_accessible(page)
    shot(page, "3-record-training")
    page.get_by_role("button", name="Save").click()
    expect(main).to_contain_text("Training recorded")
    expect(main).to_contain_text("No key worker is allocated without training their episodes need.")
    expect(main.locator("table", has_text="Warned since")).to_have_count(0)

    # And a vacancy.
    main.get_by_role("link", name="Record a vacancy").click()
    page.get_by_label("Role").select_option(label="Key worker")
    page.get_by_label("Job title (optional)").fill("Mental health nurse")
    page.get_by_label("Whole-time equivalent of the post").fill("0.6")
    since = today - dt.timedelta(days=20)
    page.get_by_label("Day").fill(str(since.day))
    page.get_by_label("Month").fill(str(since.month))
    page.get_by_label("Year").fill(str(since.year))
    assert_accessible(page)
    page.get_by_role("button", name="Save").click()
    expect(main).to_contain_text("Vacancy recorded")
    vacancies = main.locator("table", has_text="Vacant since")
    expect(vacancies.locator("tbody tr")).to_contain_text("Mental health nurse")
    expect(main.locator(".nhsuk-summary-list")).to_contain_text("1 (0.6 WTE)")
    assert_accessible(page)
    shot(page, "4-team-page-after")
    assert Vacancy.objects.get().wte == Decimal("0.6")

    # Bea goes up to 0.6 WTE from the first of this month: this month counts at 0.6 (9 / 1.4 =
    # 6.4), last month still at 0.5 (Ada 3 + Bea 4 at 0.8 + 0.5: 7 / 1.3 = 5.4).
    main.get_by_role("link", name="Set a whole-time equivalent").click()
    page.get_by_label("Post").select_option(label="Bea Cole – Key worker")
    page.get_by_label("Whole-time equivalent").fill("0.6")
    first = today.replace(day=1)
    page.get_by_label("Day").fill(str(first.day))
    page.get_by_label("Month").fill(str(first.month))
    page.get_by_label("Year").fill(str(first.year))
    assert_accessible(page)
    shot(page, "5-set-wte")
    page.get_by_role("button", name="Save").click()
    expect(main).to_contain_text("Whole-time equivalent saved")
    expect(main.locator(".nhsuk-summary-list__row", has_text="Caseload per WTE")).to_contain_text(
        "6.4"
    )
    trend = main.locator("#table-trend")
    last_month = first - dt.timedelta(days=1)
    expect(trend.locator("tr", has_text=f"{first:%B %Y}")).to_contain_text("6.4")
    expect(trend.locator("tr", has_text=f"{last_month:%B %Y}")).to_contain_text("5.4")
    shot(page, "6-team-page-after-wte")

    # A commissioner reads the place, then NHS and VCSE side by side.
    sign_in(page, live_server, "cam")
    page.get_by_role("link", name="Workforce and training across the place").click()
    expect(page).to_have_title("Workforce across the place – Alongside")
    main.get_by_role("link", name="NHS and VCSE side by side").click()
    expect(page).to_have_title("Workforce: NHS and VCSE side by side – Alongside")
    sectors = main.locator("#table-sectors")
    # NHS: 9 / 1.4 = 6.4; VCSE: Vic's two low-intensity episodes, 2 / 0.6 = 3.3.
    expect(sectors.locator("tr", has_text="NHS")).to_contain_text("6.4")
    expect(sectors.locator("tr", has_text="VCSE")).to_contain_text("3.3")
    expect(main).to_contain_text("Trend by sector")
    expect(main).not_to_contain_text("Megan")
    assert_accessible(page)
    shot(page, "7-nhs-and-vcse")
