"""The published figures of a demo-shaped place, attacked as a reader would: every metric's page
tables as downloaded (the CSVs the pages show, see ``test_views``), the overview's CSV, who the
services reach and ``alongside metrics --by all``, for the demo's last whole month, parsed from
their text and given to the adversary in ``attack.py``, which tries to recover each hidden count
by subtraction (from the totals and the sibling groups of every breakdown together) and by the
shares. It finds none. The same adversary, given the place's figures with small counts hidden
and nothing else, recovers some: the attack can succeed on this place.

Not attacked here: differences between two filtered views (a team's figures beside the whole
place's), which ``docs/security.md`` names as a limit of the rule, and the co-production index's
figures of teams (``test_suppression`` attacks their episode counts)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from alongside.demo.generator import flush, generate
from alongside.insights import metrics, presenters
from alongside.insights.engines import PostgresEngine
from alongside.insights.management.commands.metrics import last_whole_month
from alongside.insights.suppression import HIDDEN, Rule, site_rule
from alongside.insights.tests import attack
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory

PEOPLE = 400
SEED = 23
AS_OF = dt.date(2026, 11, 1)  # the day the place is made as of: the test reads no clock
MEASURES = [m for m in metrics.METRICS if not m.team_units]


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        generate(SEED, PEOPLE, as_of=AS_OF)
        engine = PostgresEngine()
        period = last_whole_month(AS_OF)  # the demo's last whole month
        truth = {
            m.key: metrics.compute_many(engine, m, period, [None, *m.breakdowns]) for m in MEASURES
        }
        try:
            yield period, truth
        finally:
            flush()


#: The default rule (NHS England's: below 5 hidden, the rest rounded to 5) and a site's rule
#: with exact counts, where secondary suppression has the most to do.
RULES = [None, {"below": 5, "round_to": 1}]


@pytest.fixture(params=RULES, ids=["nhs-england", "exact-counts"])
def rule(request, settings) -> Rule:
    if request.param is not None:
        settings.ALONGSIDE_SUPPRESSION = request.param
    cache.clear()
    yield site_rule()
    cache.clear()


def published(text: str) -> object:
    """A cell's text as a reader takes it: hidden, nothing, or a count."""
    text = text.strip().replace(",", "")
    if text == HIDDEN:
        return HIDDEN
    if text in ("", "–"):
        return None
    return int(text) if re.fullmatch(r"\d+", text) else float(text)


def _csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.content[:300]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _key(metric: metrics.Metric, row: dict, titles: dict[str, str]) -> tuple[str, str, str]:
    dimension = row.get("dimension")
    group = presenters.group_label(dimension, row.get("group")) if dimension else ""
    return (presenters.split_label(row.get("split"), titles), dimension or "", group)


def _cells(metric: metrics.Metric, row: dict[str, str], names: tuple[str, str, str]) -> dict:
    denominator, numerator, share = names
    out = {"denominator": published(row[denominator])}
    if metric.kind != "count":
        out["numerator"] = published(row[numerator])
        out["share"] = published(row[share])
    return out


def _grids(raw: list[dict], safe: list[dict], metric: metrics.Metric, rule: Rule):
    return attack.from_rows(
        raw, safe, below=rule.below, round_to=rule.round_to, count=metric.kind == "count"
    )


def _shares_add_nothing(safe: list[dict], rule: Rule) -> None:
    for row in safe:
        if row.get("share") not in (None, HIDDEN):
            assert row["share"] == rule.share(row["numerator"], row["denominator"]), row


def _pages(
    client, period: metrics.Period, truth: dict[str, list[dict]]
) -> dict[str, dict[tuple[str, str, str], dict]]:
    """Every published row of every measure, from the pages' CSVs and the overview's CSV, keyed
    by (measure shown, breakdown, group), with whether the page says the breakdown is withheld."""
    query = {"month": f"{period.start:%Y-%m}"}
    titles = presenters.measure_titles()
    out: dict[str, dict[tuple[str, str, str], dict]] = {m.key: {} for m in MEASURES}
    by_title = {}
    for metric in MEASURES:
        for row in truth[metric.key]:
            label = presenters.split_label(row.get("split"), titles)
            by_title[f"{metric.title} – {label}" if label else metric.title] = (metric, label)
    overview = _csv(client.get(reverse("insights:overview-csv"), query))
    for row in overview:
        if row["Measure"] not in by_title:
            continue
        metric, label = by_title[row["Measure"]]
        out[metric.key][(label, "", "")] = _cells(
            metric, row, ("Denominator", "Numerator", "Per cent")
        )
    for metric in MEASURES:
        page = client.get(reverse("insights:metric", kwargs={"key": metric.key}), query)
        text = page.content.decode()
        names = (
            presenters.denominator_heading(metric),
            presenters.numerator_heading(metric),
            "Per cent",
        )
        for dimension, heading in metric.breakdowns.items():
            slug = f"by-{dimension}"
            section = re.search(
                rf'id="table-{slug}".*?Download this table', text, re.S
            )  # the table and the notes under it
            assert section, f"{metric.key}: no table {slug}"
            withheld = presenters.WITHHELD in section.group(0).replace("&#39;", "'")
            url = reverse("insights:table-csv", kwargs={"key": metric.key, "table": slug})
            for row in _csv(client.get(url, query)):
                label = row.get("Measure", "") if metric.split_by else ""
                cells = _cells(metric, row, names)
                cells["withheld"] = withheld
                out[metric.key][(label, dimension, row[heading])] = cells
    return out


@pytest.mark.django_db
def test_no_hidden_count_can_be_recovered_from_the_pages_and_their_csvs(client, place, rule):
    period, truth = place
    client.force_login(MembershipFactory(role=Role.ANALYST).user)
    shown = _pages(client, period, truth)
    titles = presenters.measure_titles()
    hidden = 0
    for metric in MEASURES:
        raw = truth[metric.key]
        safe = []
        for row in raw:
            key = _key(metric, row, titles)
            assert key in shown[metric.key], f"{metric.key}: {key} is not published"
            cells = shown[metric.key][key]
            safe.append(cells)
            hidden += sum(cells.get(name) == HIDDEN for name in ("denominator", "numerator"))
        _shares_add_nothing(safe, rule)
        for grid in _grids(raw, safe, metric, rule):
            assert attack.recovered(grid) == {}, metric.key
    assert hidden > 100  # the place's figures have small numbers to protect


def _text(value: object) -> str:
    """A value as the command's CSV prints it."""
    return "" if value is None else str(value)


@pytest.mark.django_db
def test_no_hidden_count_can_be_recovered_from_alongside_metrics(place, capsys, rule):
    period, truth = place
    call_command("metrics", "--month", f"{period.start:%Y-%m}", "--by", "all", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    printed: dict[tuple[str, str, str, str], dict] = {}
    for row in rows:
        metric = metrics.BY_KEY[row["metric"]]
        cells = _cells(metric, row, ("denominator", "numerator", "share"))
        cells["withheld"] = row["withheld"] == "True"
        printed[(row["metric"], row["split"], row["dimension"], row["group"])] = cells
    withheld = 0
    for metric in MEASURES:
        raw = truth[metric.key]
        safe = [
            printed[(metric.key, *map(_text, (r["split"], r["dimension"], r["group"])))]
            for r in raw
        ]
        withheld += sum(bool(s["withheld"]) for s in safe)
        _shares_add_nothing(safe, rule)
        for grid in _grids(raw, safe, metric, rule):
            assert attack.recovered(grid) == {}, metric.key
    assert withheld < len(printed) / 10  # withholding is the last resort, not the rule


@pytest.mark.django_db
def test_the_adversary_recovers_counts_from_this_place_with_small_counts_hidden_alone(place):
    _period, truth = place
    rule = Rule(below=5, round_to=1)
    found = 0
    for metric in MEASURES:
        raw = truth[metric.key]
        primary = [
            {
                "denominator": rule.count(r.get("denominator")),
                "numerator": rule.count(r.get("numerator")),
            }
            for r in raw
        ]
        for grid in _grids(raw, primary, metric, rule):
            found += len(attack.recovered(grid))
    assert found > 0


@pytest.mark.django_db
def test_no_hidden_count_can_be_recovered_from_who_the_services_reach(client, place, rule):
    # The representation page: people reached by each group of every resident dimension, the
    # groups of each adding up to everyone reached (whose rounded count the shares rest on).
    period, _truth = place
    client.force_login(MembershipFactory(role=Role.ANALYST).user)
    query = {"month": f"{period.start:%Y-%m}"}
    engine = PostgresEngine()
    raw: list[dict] = []
    safe: list[dict] = []
    for dimension in presenters.RESIDENT_DIMENSIONS:
        found = metrics.representation(engine, period, dimension)
        if not raw:
            total = sum(r["reached"] for r in found)
            raw.append({"dimension": None, "denominator": total})
            safe.append({"denominator": rule.count(total)})
        url = reverse("insights:representation-csv", kwargs={"dimension": dimension})
        rows = {r[presenters.DIMENSIONS[dimension]]: r for r in _csv(client.get(url, query))}
        page = client.get(reverse("insights:representation"), query).content.decode()
        section = re.search(rf'id="table-{dimension}".*?Download this table', page, re.S)
        assert section, dimension
        withheld = presenters.WITHHELD in section.group(0).replace("&#39;", "'")
        for row in found:
            shown = rows[presenters.group_label(dimension, row["group"])]
            reached = published(shown["People reached"])
            share = published(shown["Share of people reached (per cent)"])
            assert share == rule.share(reached, safe[0]["denominator"])
            raw.append({"dimension": dimension, "denominator": row["reached"]})
            safe.append({"denominator": reached, "withheld": withheld})
    assert sum(s["denominator"] == HIDDEN for s in safe) > 0
    (grid,) = attack.from_rows(raw, safe, below=rule.below, round_to=rule.round_to, count=True)
    assert attack.recovered(grid) == {}
