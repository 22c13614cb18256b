"""A team lead opens the dashboards in a real browser: the overview for their own team, then a
measure with its charts and tables, then downloads a table and finds in it what the page
shows. An accessibility check runs on each page."""

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    LocalityFactory,
    MembershipFactory,
    TeamFactory,
)
from alongside.referrals.models import Source
from alongside.referrals.tests.factories import ReferralFactory
from tests.browser.accessibility import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def last_month_day(day: int) -> dt.datetime:
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime(first.year, first.month, day, 11))


def test_a_team_lead_opens_a_measure_and_downloads_its_table(page: Page, live_server, screenshots):
    north = LocalityFactory(name="North")
    team = TeamFactory(name="North CMHT", organisation__name="Wyvern Trust", localities=[north])
    for n in range(12):
        ReferralFactory(
            team=team,
            locality=north,
            source=Source.SELF if n < 3 else Source.GP,
            received_at=last_month_day(2 + n),
        )
    MembershipFactory(role=Role.TEAM_LEAD, team=team, user__username="lead", user__first_name="Lee")

    page.goto(f"{live_server.url}/account/sign-in/?next=/")
    page.get_by_label("Username").fill("lead")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    main = page.locator("main")
    main.get_by_role("link", name="Insights: how services are doing").click()

    expect(main.get_by_role("heading", level=1)).to_contain_text("How services are doing")
    expect(main).to_contain_text("Team: North CMHT")
    expect(main).to_contain_text("Counts below 5, zero included, are hidden")
    expect(main.get_by_label("Team")).to_have_value(str(team.pk))
    assert_accessible(page)
    page.screenshot(path=screenshots / "insights-overview.png", full_page=True)

    main.get_by_role("link", name="Self-referrals").click()
    expect(main.get_by_role("heading", level=1)).to_contain_text("Self-referrals")
    expect(main.get_by_role("img", name=re.compile("by month"))).to_be_visible()
    expect(main.get_by_role("img", name=re.compile("by referral source"))).to_be_visible()
    trend = main.get_by_role("table", name=re.compile(r"Self-referrals, by month"))
    last_row = trend.locator("tbody tr").last
    expect(last_row).to_contain_text("10")
    expect(last_row.locator("td").nth(1)).to_have_text("*")  # 3 self-referrals: hidden
    assert_accessible(page)
    page.screenshot(path=screenshots / "insights-metric.png", full_page=True)
    main.locator("section[aria-labelledby='heading-by-referral_source']").screenshot(
        path=screenshots / "insights-metric-by-source.png"
    )

    with page.expect_download() as info:
        main.get_by_role("link", name=re.compile(r"Download this table.*by month")).click()
    download = info.value
    assert download.suggested_filename.startswith("alongside-self_referrals-trend-")
    rows = list(csv.reader(io.StringIO(download.path().read_text())))
    assert rows[0][:4] == ["Month", "Referrals", "Self-referrals", "Per cent"]
    assert rows[-1][1:4] == ["10", "*", "*"]

    # A month the data does not cover is explained, not an error page.
    page.goto(f"{live_server.url}/insights/self_referrals/?month=2001-01")
    expect(main.locator(".nhsuk-error-summary")).to_contain_text("January 2001 is outside it")
    assert_accessible(page)
    page.screenshot(path=screenshots / "insights-bad-month.png", full_page=True)
