"""The dashboards: who may open them, the filters and their defaults, small numbers suppressed on
the page and in every CSV, each CSV matching its table, bad filters answered in words (never a
server error), and every view declared."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alongside.core.access import declaration
from alongside.insights import metrics, presenters
from alongside.insights.engines import PostgresEngine
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.referrals.models import Source
from alongside.referrals.tests.factories import ReferralFactory
from alongside.sharing.tests.test_matrix import app_patterns

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
_LAST = TODAY().replace(day=1) - dt.timedelta(days=1)
MONTH = metrics.Period.month(_LAST.year, _LAST.month)
MONTH_TEXT = f"{MONTH.start:%Y-%m}"
OVERVIEW = reverse("insights:overview")


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


def received(day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(MONTH.start.year, MONTH.start.month, day, 10))


@pytest.fixture
def place():
    """Ten referrals to one team last month, three of them self-referrals; one GP referral to
    a VCSE team in another locality."""
    north = LocalityFactory(name="North")
    south = LocalityFactory(name="South")
    team = TeamFactory(name="North CMHT", organisation__name="Trust", localities=[north])
    other = TeamFactory(
        name="Peer support",
        organisation=OrganisationFactory(name="Charity", kind=OrganisationKind.VCSE),
    )
    for n in range(10):
        ReferralFactory(
            team=team,
            locality=north,
            source=Source.SELF if n < 3 else Source.GP,
            received_at=received(2 + n),
        )
    ReferralFactory(team=other, locality=north, source=Source.GP, received_at=received(5))
    return {"team": team, "other": other, "north": north, "south": south}


def user_with(role, team=None):
    return MembershipFactory(role=role, team=team or TeamFactory()).user


def get(client, url, **params):
    return client.get(url, params)


def body(response) -> str:
    return response.content.decode()


def page_table(text: str, slug: str) -> list[list[str]]:
    """A table's head and rows as the page shows them, cell by cell."""
    found = re.search(rf'<table[^>]*id="table-{re.escape(slug)}".*?</table>', text, re.S)
    assert found, f"no table {slug}"
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append([html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in cells])
    return rows


def csv_rows(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def as_page(cell: str) -> str:
    """A CSV cell as the page writes it: thousands commas, '–' for nothing."""
    if cell == "":
        return "–"
    if re.fullmatch(r"-?\d+", cell):
        return f"{int(cell):,}"
    return cell


# --- who may open them -------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.ANALYST, Role.ORG_ADMIN, Role.PRIVACY_LEAD])
def test_the_roles_that_oversee_services_open_the_dashboards(client, place, role):
    client.force_login(user_with(role))
    for url in (
        OVERVIEW,
        reverse("insights:metric", kwargs={"key": "self_referrals"}),
        reverse("insights:representation"),
        reverse("insights:coproduction"),
        reverse("insights:overview-csv"),
        reverse("insights:table-csv", kwargs={"key": "bounces", "table": "trend"}),
        reverse("insights:coproduction-csv", kwargs={"table": "by-team"}),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR])
def test_other_roles_are_refused(client, place, role):
    client.force_login(user_with(role))
    assert client.get(OVERVIEW).status_code == 403
    url = reverse("insights:table-csv", kwargs={"key": "bounces", "table": "trend"})
    assert client.get(url).status_code == 403
    assert client.get(reverse("insights:coproduction")).status_code == 403


def test_someone_not_signed_in_is_sent_to_sign_in(client):
    response = client.get(OVERVIEW)
    assert response.status_code == 302
    assert "sign-in" in response["Location"]


def test_an_ended_role_no_longer_opens_them(client, place):
    membership = MembershipFactory(role=Role.ANALYST)
    membership.ended_on = TODAY()
    membership.save()
    client.force_login(membership.user)
    assert client.get(OVERVIEW).status_code == 403


def test_every_insights_view_declares_it_shows_no_person_data():
    ours = [(route, p) for route, ns, p in app_patterns() if ns == "insights"]
    assert len(ours) == 9
    assert {declaration(p.callback) for _route, p in ours} == {"no_person_data"}
    undeclared = [route for route, _ns, p in app_patterns() if declaration(p.callback) is None]
    assert undeclared == []


def test_home_links_the_dashboards_for_a_team_lead(client, place):
    client.force_login(user_with(Role.TEAM_LEAD, place["team"]))
    assert f'href="{OVERVIEW}"' in body(client.get(reverse("home")))


# --- filters -----------------------------------------------------------------------------------


def test_a_team_lead_sees_their_own_team_by_default(client, place):
    client.force_login(user_with(Role.TEAM_LEAD, place["team"]))
    text = body(client.get(OVERVIEW))
    assert "Team: North CMHT" in text
    assert f'<option value="{place["team"].pk}" selected' in text
    # Choosing "All teams" is kept as a choice, not replaced by the default.
    text = body(get(client, OVERVIEW, team=""))
    assert "everyone, every team" in text


def test_the_default_month_is_the_latest_whole_month(client, place):
    client.force_login(user_with(Role.ANALYST))
    text = body(client.get(OVERVIEW))
    assert f"{MONTH.label}: everyone, every team" in text


def test_filters_narrow_the_figures(client, place):
    client.force_login(user_with(Role.ANALYST))
    url = reverse("insights:table-csv", kwargs={"key": "self_referrals", "table": "trend"})
    everyone = csv_rows(get(client, url, month=MONTH_TEXT))
    assert everyone[-1][:2] == [MONTH.label, "10"]  # 11 referrals, rounded to the nearest 5
    team = csv_rows(get(client, url, month=MONTH_TEXT, team=place["team"].pk))
    assert team[-1][:2] == [MONTH.label, "10"]
    vcse = csv_rows(get(client, url, month=MONTH_TEXT, provider_type="VCSE"))
    assert vcse[-1][:4] == [MONTH.label, "*", "*", "*"]  # one referral, none by self: hidden


def test_a_filter_matching_nothing_says_so(client, place):
    client.force_login(user_with(Role.ANALYST))
    text = body(get(client, OVERVIEW, month=MONTH_TEXT, locality="South"))
    assert "Nothing matches these filters in " + MONTH.label in text


# --- suppression -------------------------------------------------------------------------------


def test_a_count_of_three_is_hidden_on_the_page_and_in_the_csv(client, place):
    client.force_login(user_with(Role.ANALYST))
    metric_url = reverse("insights:metric", kwargs={"key": "self_referrals"})
    query = {"month": MONTH_TEXT, "team": place["team"].pk}
    text = body(get(client, metric_url, **query))
    assert "Counts below 5, zero included, are hidden (shown as *)" in text
    trend = page_table(text, "trend")
    assert trend[0][:4] == ["Month", "Referrals", "Self-referrals", "Per cent"]
    assert trend[-1][:4] == [MONTH.label, "10", "*", "*"]
    by_source = {row[0]: row for row in page_table(text, "by-referral_source")[1:]}
    assert by_source["Self-referral"][1:5] == ["*", "*", "*", "–"]
    # None of five GP referrals is a self-referral: a zero is hidden, as NHS England hides it.
    assert by_source["GP practice"][1:4] == ["5", "*", "*"]
    # The confidence interval of a hidden share is hidden too.
    assert trend[-1][4] == "–"
    url = reverse("insights:table-csv", kwargs={"key": "self_referrals", "table": "trend"})
    rows = csv_rows(get(client, url, **query))
    assert rows[-1][:4] == [MONTH.label, "10", "*", "*"]
    overview = csv_rows(get(client, reverse("insights:overview-csv"), **query))
    self_row = next(r for r in overview if r[0] == "Self-referrals")
    assert self_row[2:5] == ["10", "*", "*"]


def test_every_csv_matches_its_table_on_the_page(client, place):
    client.force_login(user_with(Role.ANALYST))
    query = {"month": MONTH_TEXT}
    for key in ("self_referrals", "bounces", "access_nhs", "still_waiting", "outcome_change"):
        text = body(get(client, reverse("insights:metric", kwargs={"key": key}), **query))
        slugs = re.findall(r'<table[^>]*id="table-([^"]+)"', text)
        assert "trend" in slugs[0]
        assert f"by-{next(iter(metrics.BY_KEY[key].breakdowns))}" in slugs
        for slug in slugs:
            url = reverse("insights:table-csv", kwargs={"key": key, "table": slug})
            downloaded = csv_rows(get(client, url, **query))
            shown = page_table(text, slug)
            if len(shown) == 2 and shown[1][0] == "Nothing to count.":
                assert downloaded == [shown[0]]
                continue
            assert [[as_page(c) for c in row] for row in downloaded] == shown, (key, slug)
    text = body(get(client, OVERVIEW, **query))
    downloaded = csv_rows(get(client, reverse("insights:overview-csv"), **query))
    assert [[as_page(c) for c in row] for row in downloaded] == page_table(text, "overview")


def test_a_name_that_starts_like_a_formula_downloads_as_text(client, place):
    """A locality renamed to a spreadsheet formula stays text in the CSV; numbers stay numbers."""
    place["north"].name = '=HYPERLINK("https://example.invalid/","North")'
    place["north"].save()
    client.force_login(user_with(Role.ANALYST))
    url = reverse("insights:table-csv", kwargs={"key": "self_referrals", "table": "by-locality"})
    rows = csv_rows(get(client, url, month=MONTH_TEXT))
    names = [row[0] for row in rows[1:]]
    assert "'" + place["north"].name in names
    assert place["north"].name not in names
    assert all(not cell.startswith("=") for row in rows for cell in row)


def test_the_metrics_command_writes_a_formula_like_name_as_text(place, capsys):
    place["north"].name = "@SUM(1+1)"
    place["north"].save()
    call_command("metrics", "--month", MONTH_TEXT, "--metric", "self_referrals", "--by",
                 "locality", "--format", "csv")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "'@SUM(1+1)" in [row["group"] for row in rows]
    assert all(not value.startswith("@") for row in rows for value in row.values() if value)


def test_the_representation_page_hides_small_groups(client, place):
    client.force_login(user_with(Role.ANALYST))
    response = get(client, reverse("insights:representation"), month=MONTH_TEXT)
    assert response.status_code == 200
    url = reverse("insights:representation-csv", kwargs={"dimension": "sex"})
    rows = csv_rows(get(client, url, month=MONTH_TEXT))
    assert rows[0][:2] == ["Sex", "People reached"]
    assert get(client, reverse("insights:representation-csv", kwargs={"dimension": "x"}))


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"month": "2001-01"}, "January 2001 is outside it"),
        ({"month": "last month"}, "is not a month: write it as YYYY-MM"),
        ({"team": "999999"}, "There is no such team"),
        ({"team": "north"}, "Choose a team from the list"),
        ({"organisation": "999999"}, "There is no such organisation"),
        ({"locality": "Atlantis"}, "There is no locality called"),
        ({"provider_type": "Pirates"}, "Choose a provider type from the list"),
    ],
)
def test_bad_filters_are_explained_on_the_page(client, place, params, message):
    client.force_login(user_with(Role.ANALYST))
    for url in (OVERVIEW, reverse("insights:metric", kwargs={"key": "bounces"})):
        response = get(client, url, **params)
        assert response.status_code == 200
        text = html.unescape(body(response))
        assert "There is a problem" in text
        assert message in text
        assert "<title>Error:" in text


def test_a_team_outside_the_chosen_organisation_is_explained(client, place):
    client.force_login(user_with(Role.ANALYST))
    charity = place["other"].organisation_id
    text = html.unescape(body(get(client, OVERVIEW, team=place["team"].pk, organisation=charity)))
    assert "North CMHT is not a team of Charity" in text
    text = html.unescape(body(get(client, OVERVIEW, team=place["team"].pk, provider_type="VCSE")))
    assert "North CMHT is not a VCSE team" in text


def test_a_csv_with_bad_filters_is_refused_in_words(client, place):
    client.force_login(user_with(Role.ANALYST))
    url = reverse("insights:table-csv", kwargs={"key": "bounces", "table": "trend"})
    response = get(client, url, month="2001-01")
    assert response.status_code == 400
    assert "January 2001 is outside it" in body(response)


def test_unknown_measures_and_tables_are_not_found(client, place):
    client.force_login(user_with(Role.ANALYST))
    assert client.get(reverse("insights:metric", kwargs={"key": "nope"})).status_code == 404
    url = reverse("insights:table-csv", kwargs={"key": "bounces", "table": "by-nothing"})
    assert client.get(url).status_code == 404
    url = reverse("insights:table-csv", kwargs={"key": "nope", "table": "trend"})
    assert client.get(url).status_code == 404


def test_with_no_referrals_the_page_says_there_is_nothing_to_measure(client):
    client.force_login(user_with(Role.ANALYST))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "There are no referrals yet" in body(response)


def test_a_team_link_opens_the_overview_for_that_team(client, place):
    client.force_login(user_with(Role.TEAM_LEAD, place["team"]))
    response = client.get(reverse("insights:team", kwargs={"team_id": place["team"].pk}))
    assert response.status_code == 302
    assert response["Location"] == f"{OVERVIEW}?team={place['team'].pk}"


# --- the figures ----------------------------------------------------------------------------------


#: One of each kind, with an own dimension, a split and a unit without a referral.
SAMPLE = ("self_referrals", "still_waiting", "open_episodes", "outcome_change", "caseload_size")


def test_every_breakdown_in_one_query_matches_compute(place):
    engine = PostgresEngine()
    for metric in (metrics.BY_KEY[key] for key in SAMPLE):
        together = presenters.all_breakdowns(engine, metric, MONTH, metrics.NO_FILTERS)
        for by in metric.breakdowns:
            alone = metrics.compute(engine, metric, MONTH, by=by)
            assert together[by] == alone, (metric.key, by)


def test_figures_are_cached_for_the_same_choice(client, place, django_assert_max_num_queries):
    client.force_login(user_with(Role.ANALYST))
    url = reverse("insights:metric", kwargs={"key": "bounces"})
    client.get(url, {"month": MONTH_TEXT})
    with django_assert_max_num_queries(12):
        assert client.get(url, {"month": MONTH_TEXT}).status_code == 200


def test_warming_works_out_the_overview_before_the_first_visit(client, place, monkeypatch):
    call_command("insights", "warm")

    def not_again(*args, **kwargs):
        raise AssertionError("the overview worked a figure out again")

    monkeypatch.setattr(metrics, "compute", not_again)
    monkeypatch.setattr(metrics, "coverage", not_again)
    client.force_login(user_with(Role.ANALYST))
    response = client.get(OVERVIEW)
    assert response.status_code == 200
    assert "Self-referrals" in response.content.decode()
