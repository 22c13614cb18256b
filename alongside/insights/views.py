"""The dashboards: an overview of every metric, a page per metric, the representation page, the
co-production index's page, and a CSV of every table on them.

They show aggregates only, suppressed with the site's rule, so they declare ``no_person_data``;
they are open to team leads, analysts (commissioners and alliance leads), organisation
administrators and privacy leads. Bad filters are answered on the page with the NHS.UK error
summary (and in words, with a 400, for a CSV), never with a server error.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from alongside.core.access import no_person_data, requires
from alongside.insights import presenters
from alongside.insights.engines import PostgresEngine
from alongside.insights.forms import FilterForm
from alongside.insights.metrics import BY_KEY, Metric
from alongside.insights.schema import RESIDENT_DIMENSIONS
from alongside.insights.suppression import Rule, site_rule
from alongside.organisations.permissions import Permission


@dataclass
class Context:
    """What every dashboard page starts from: the form, and if it is valid, the figures."""

    form: FilterForm | None
    selection: presenters.Selection | None
    figures: presenters.Figures | None
    rule: Rule
    options: presenters.FilterOptions
    no_data: bool

    def page(self, **extra: object) -> dict[str, object]:
        return {
            "form": self.form,
            "selection": self.selection,
            "rule": self.rule,
            "no_data": self.no_data,
            **extra,
        }


def _context(request: HttpRequest) -> Context:
    engine = PostgresEngine()
    rule = site_rule()
    options = presenters.filter_options(engine)
    covered = presenters.coverage(engine)
    if covered is None:
        return Context(None, None, None, rule, options, no_data=True)
    form = FilterForm(
        request.GET,
        options=options,
        covered=covered,
        default_month=presenters.default_month(covered),
        default_team=presenters.led_team(request.user),
    )
    if not form.is_valid():
        return Context(form, None, None, rule, options, no_data=False)
    selection = presenters.Selection(
        period=form.period,
        filters=form.filters,
        query=form.query,
        covered=covered,
        described=presenters.describe_filters(form.filters, options),
    )
    figures = presenters.Figures(engine, selection.period, selection.filters)
    return Context(form, selection, figures, rule, options, no_data=False)


def _metric(key: str) -> Metric:
    metric = BY_KEY.get(key)
    if metric is None:
        raise Http404("There is no such measure")
    return metric


def _timed(request: HttpRequest, response: HttpResponse, started: float) -> HttpResponse:
    response["Server-Timing"] = f"app;dur={1000 * (time.perf_counter() - started):.0f}"
    return response


def _csv(table: presenters.Table, name: str) -> HttpResponse:
    response = HttpResponse(table.csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _csv_refused(context: Context) -> HttpResponse:
    if context.no_data:
        message = "There are no referrals yet, so there is nothing to measure."
    else:
        assert context.form is not None
        message = "These filters cannot be used: " + "; ".join(
            item["text"] for item in context.form.error_summary_items()
        )
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")


def _file_name(selection: presenters.Selection, *parts: str) -> str:
    return "-".join(["alongside", *parts, f"{selection.period.start:%Y-%m}"])


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def overview(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    context = _context(request)
    page = None
    if context.selection is not None and context.figures is not None:
        page = presenters.overview_page(context.figures, context.selection, context.rule)
    response = render(request, "insights/overview.jinja", context.page(page=page))
    return _timed(request, response, started)


def _to_index_page(
    request: HttpRequest, name: str = "insights:coproduction", **kwargs: str
) -> HttpResponse:
    """A metric of teams has its own page: the generic one's links lead there."""
    query = request.GET.urlencode()
    return redirect(reverse(name, kwargs=kwargs or None) + (f"?{query}" if query else ""))


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def metric(request: HttpRequest, key: str) -> HttpResponse:
    started = time.perf_counter()
    measure = _metric(key)
    if measure.team_units:
        return _to_index_page(request)
    context = _context(request)
    page = None
    if context.selection is not None and context.figures is not None:
        page = presenters.metric_page(measure, context.figures, context.selection, context.rule)
    overview_href = reverse("insights:overview")
    if context.selection is not None:
        overview_href += f"?{context.selection.query}"
    response = render(
        request,
        "insights/metric.jinja",
        context.page(
            metric=measure,
            page=page,
            back_link={"href": overview_href, "text": "All measures"},
        ),
    )
    return _timed(request, response, started)


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def representation(request: HttpRequest) -> HttpResponse:
    started = time.perf_counter()
    context = _context(request)
    page = None
    if context.selection is not None and context.figures is not None:
        page = presenters.representation_page(context.figures, context.selection, context.rule)
    overview_href = reverse("insights:overview")
    if context.selection is not None:
        overview_href += f"?{context.selection.query}"
    response = render(
        request,
        "insights/representation.jinja",
        context.page(page=page, back_link={"href": overview_href, "text": "All measures"}),
    )
    return _timed(request, response, started)


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def overview_csv(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    if context.selection is None or context.figures is None:
        return _csv_refused(context)
    page = presenters.overview_page(context.figures, context.selection, context.rule)
    return _csv(page.table, _file_name(context.selection, "overview"))


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def table_csv(request: HttpRequest, key: str, table: str) -> HttpResponse:
    measure = _metric(key)
    if measure.team_units:
        return _to_index_page(request, "insights:coproduction-csv", table=table)
    context = _context(request)
    if context.selection is None or context.figures is None:
        return _csv_refused(context)
    tables = presenters.metric_tables(measure, context.figures, context.selection, context.rule)
    found = tables.get(table)
    if found is None:
        raise Http404("This measure has no such table")
    return _csv(found, _file_name(context.selection, measure.key, table))


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def representation_csv(request: HttpRequest, dimension: str) -> HttpResponse:
    if dimension not in RESIDENT_DIMENSIONS:
        raise Http404("Representation is not known by this dimension")
    context = _context(request)
    if context.selection is None or context.figures is None:
        return _csv_refused(context)
    page = presenters.representation_page(context.figures, context.selection, context.rule)
    table = next(t for t in page.tables if t.slug == dimension)
    return _csv(table, _file_name(context.selection, "representation", dimension))


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def coproduction(request: HttpRequest) -> HttpResponse:
    """The co-production index: the place's (or the filters'), its components beside it, by
    team, provider type and locality, and over the last eight quarters."""
    started = time.perf_counter()
    context = _context(request)
    page = None
    if context.selection is not None and context.figures is not None:
        page = presenters.index_page(context.figures, context.selection, context.rule)
    overview_href = reverse("insights:overview")
    if context.selection is not None:
        overview_href += f"?{context.selection.query}"
    response = render(
        request,
        "insights/coproduction.jinja",
        context.page(
            metric=presenters.index_metric(),
            page=page,
            back_link={"href": overview_href, "text": "All measures"},
        ),
    )
    return _timed(request, response, started)


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def coproduction_csv(request: HttpRequest, table: str) -> HttpResponse:
    context = _context(request)
    if context.selection is None or context.figures is None:
        return _csv_refused(context)
    tables = presenters.index_tables(context.figures, context.selection, context.rule)
    found = tables.get(table)
    if found is None:
        raise Http404("The co-production index has no such table")
    return _csv(found, _file_name(context.selection, "coproduction-index", table))


@no_person_data
@requires(Permission.SEE_DASHBOARDS)
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's dashboards: the overview filtered to the team (a link for ``care.hooks``)."""
    return redirect(f"{reverse('insights:overview')}?team={team_id}")
