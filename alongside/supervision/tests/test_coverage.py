"""Who is overdue for supervision (the team lead's list) agrees with the insights metric: the
same people counted, the same people covered, the same days overdue."""

import datetime as dt
import re
import statistics

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care.tests.factories import practitioner_in
from alongside.insights import snapshots
from alongside.insights.engines import PostgresEngine
from alongside.insights.metrics import BY_KEY, NO_FILTERS, Filters, Period, compute
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.supervision import coverage, services
from alongside.supervision.models import Kind

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def ago(days: int) -> dt.date:
    return TODAY() - dt.timedelta(days=days)


@pytest.fixture
def place():
    """A trust and a VCSE team; a trust supervisor for both teams' practitioners, and their
    meta-supervisor."""
    trust = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.NHS_TRUST))
    vcse = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE))
    supervisor = MembershipFactory(team=trust, role=Role.SUPERVISOR).user
    meta = MembershipFactory(team=trust, role=Role.SUPERVISOR).user
    a, b, c, d = (practitioner_in(t) for t in (trust, vcse, vcse, vcse))
    monthly_and_group = {Kind.INDIVIDUAL: 4, Kind.GROUP: 13}

    def agree(who, by, starts, **kwargs):
        kwargs.setdefault("terms", monthly_and_group)
        services.make_agreement(supervisee=who, supervisor=by, starts_on=starts, by=by, **kwargs)

    def held(by, kind, on, *who):
        services.record_session(
            supervisor=by, kind=kind, held_on=on, duration_minutes=60, attendees=who, by=by
        )

    agree(a, supervisor, ago(200))
    agree(b, supervisor, ago(200))
    agree(c, supervisor, ago(14), terms={Kind.INDIVIDUAL: 4})  # too new to be due
    agree(d, supervisor, ago(200), ends_on=ago(5))  # ended: not counted
    agree(supervisor, meta, ago(200), terms={Kind.META: 8})  # never met: 144 days overdue
    held(supervisor, Kind.INDIVIDUAL, ago(10), a)
    held(supervisor, Kind.INDIVIDUAL, ago(40), b)  # due 12 days ago
    held(supervisor, Kind.GROUP, ago(20), a, b)  # counts for both
    held(supervisor, Kind.CASE_REVIEW, ago(3), b)  # not individual supervision
    return {"trust": trust, "vcse": vcse, "a": a, "b": b, "c": c, "supervisor": supervisor}


def _metric(key, filters=NO_FILTERS):
    snapshots.refresh()
    period = Period(TODAY().replace(day=1), TODAY())
    [row] = compute(PostgresEngine(), BY_KEY[key], period, filters=filters)
    return row


def test_the_overdue_list_names_each_overdue_term_and_by_how_long(place):
    with CaptureQueriesContext(connection) as queries:
        found = coverage.overdue(None, TODAY())
    assert [(o.supervisee, o.supervisor, o.kind, o.days_overdue) for o in found] == [
        (place["supervisor"], found[0].supervisor, Kind.META, 144),
        (place["b"], place["supervisor"], Kind.INDIVIDUAL, 12),
    ]
    assert found[1].due_on == ago(12)
    assert found[1].kind_label == "Individual supervision"
    assert len(queries) == 2


def test_the_overdue_list_agrees_with_the_metric(place):
    counted = coverage.supervisee_ids(None, TODAY())
    behind = coverage.overdue(None, TODAY())
    worst: dict[int, int] = {}
    for item in behind:
        worst[item.supervisee.pk] = max(item.days_overdue, worst.get(item.supervisee.pk, 0))
    row = _metric("supervision_coverage")
    assert row["denominator"] == len(counted) == 4
    assert row["numerator"] == len(counted) - len(worst) == 2
    assert row["median"] == statistics.median(worst.values()) == 78.0
    meta = _metric("meta_supervision_coverage")
    assert (meta["denominator"], meta["numerator"], meta["median"]) == (1, 0, 144.0)


def test_a_team_leads_list_and_the_metrics_team_filter_agree(place):
    vcse = place["vcse"].pk
    counted = coverage.supervisee_ids([vcse], TODAY())
    behind = coverage.overdue([vcse], TODAY())
    assert counted == {place["b"].pk, place["c"].pk}
    assert [o.supervisee for o in behind] == [place["b"]]
    row = _metric("supervision_coverage", Filters(team_key=vcse))
    assert (row["denominator"], row["numerator"]) == (len(counted), len(counted) - len(behind))
    vcse_staff = _metric("supervision_coverage", Filters(provider_type="VCSE"))
    assert vcse_staff["denominator"] == 2
    assert coverage.overdue([], TODAY()) == []


def test_standings_give_each_supervisee_once_with_their_most_overdue_term(place):
    found = {s.supervisee: s for s in coverage.standings(None, TODAY())}
    assert set(found) == {place["a"], place["b"], place["c"], place["supervisor"]}
    assert (found[place["a"]].covered, found[place["a"]].days_overdue) == (True, 0)
    assert (found[place["b"]].covered, found[place["b"]].days_overdue) == (False, 12)
    assert found[place["b"]].team_id == place["vcse"].pk
    assert found[place["supervisor"]].days_overdue == 144
    [meta] = coverage.standings(None, TODAY(), meta=True)
    assert (meta.supervisee, meta.covered, meta.days_overdue) == (place["supervisor"], False, 144)


def test_the_coverage_page_heads_with_the_covered_share_and_names_who_is_overdue(client, place):
    lead = MembershipFactory(team=place["vcse"], role=Role.TEAM_LEAD).user
    client.force_login(lead)
    response = client.get("/supervision/coverage/")
    assert response.status_code == 200
    page = response.content.decode()
    # The VCSE team: b (12 days overdue) and c (too new to be due): 1 of 2.
    assert 'data-testid="coverage">50%<' in page
    assert "1 of 2 supervised within their agreement" in page
    assert place["b"].display_name in page and "1 week and 5 days" in page
    assert place["a"].display_name not in page  # another team's
    assert client.get("/supervision/coverage/?scope=place").status_code == 404
    other = TeamFactory()
    assert client.get(f"/supervision/coverage/?scope=team-{other.pk}").status_code == 404


def test_commissioners_see_the_place_split_by_nhs_and_vcse(client, place):
    analyst = MembershipFactory(team=TeamFactory(), role=Role.ANALYST).user
    client.force_login(analyst)
    page = client.get("/supervision/coverage/").content.decode()
    # a (trust, covered), b and c (VCSE), the supervisor (trust, meta overdue): 2 of 4.
    assert 'data-testid="coverage">50%<' in page
    assert 'data-testid="meta-coverage">0%<' in page
    rows = {
        cells[0]: cells[1:]
        for cells in (
            [c.strip() for c in row.split("|")] for row in _table_rows(page, "NHS and VCSE")
        )
    }
    assert rows == {"NHS": ["1", "2", "50%"], "VCSE": ["1", "2", "50%"]}


def test_practitioners_may_not_see_coverage(client, place):
    client.force_login(place["a"])
    assert client.get("/supervision/coverage/").status_code == 403


def _table_rows(page: str, caption: str) -> list[str]:
    """The body rows of the table with this caption, each as 'cell | cell | …' (the responsive
    headings left out)."""
    table = page[page.index(caption) :]
    table = table[: table.index("</table>")]
    rows = []
    for row in re.findall(r"<tr class=\"nhsuk-table__row\">(.*?)</tr>", table, re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        rows.append(
            " | ".join(re.sub(r"<span[^>]*>.*?</span>", "", c, flags=re.S).strip() for c in cells)
        )
    return rows
