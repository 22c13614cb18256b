"""Directory search at county scale and at ten times that: latency and queries per page.

The county place (`alongside demo --scale county`, about 1,500 services) is loaded, then every
service is copied nine more times for the larger run. For a fixed set of searches, each is timed
two ways in the same run: through the app's search (``search_results``, the first page of 20, as
the search page runs it: one statement) and as that SQL statement run directly on the same
database. The target is the app within 1.5 times the
statement. The search page's query count is measured for searches returning few and many results.
"""

from __future__ import annotations

import os
import shutil
import statistics
import time
import uuid

from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REPEATS = 25
PAGE = 20


def _searches(ServiceSearch, point, term_ids, locality_id):
    return {
        "text 'debt advice'": ServiceSearch(text="debt advice"),
        "misspelt 'councelling'": ServiceSearch(text="councelling"),
        "need filter": ServiceSearch(term_ids=term_ids[:1]),
        "postcode, nearest first": ServiceSearch(near=point),
        "postcode within 5 km + need": ServiceSearch(
            near=point, within_metres=5000, term_ids=term_ids[:2]
        ),
        "locality + self-referral + age 30": ServiceSearch(
            locality_id=locality_id, self_referral=True, age=30
        ),
        "text + postcode + open now": ServiceSearch(text="support", near=point, open_now=True),
    }


def _percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _multiply_services(times: int) -> int:
    """Copy every service (with its terms, locations link, schedules, languages) ``times`` more
    times, in bulk. Returns the new total."""
    from alongside.directory.models import (
        Language,
        Schedule,
        Service,
        ServiceAtLocation,
        ServiceTerm,
    )

    originals = list(Service.objects.all())
    terms = list(ServiceTerm.objects.all())
    links = list(ServiceAtLocation.objects.all())
    schedules = list(Schedule.objects.filter(service__isnull=False))
    languages = list(Language.objects.filter(service__isnull=False))
    for n in range(times):
        mapping = {}
        copies = []
        for service in originals:
            copy = Service(
                **{
                    f.attname: getattr(service, f.attname)
                    for f in Service._meta.concrete_fields
                    if f.attname not in {"id", "search_vector"}
                }
            )
            copy.id = uuid.uuid4()
            copy.name = f"{service.name} ({n + 2})"
            mapping[service.id] = copy.id
            copies.append(copy)
        Service.objects.bulk_create(copies, batch_size=2000)
        ServiceTerm.objects.bulk_create(
            [
                ServiceTerm(
                    id=uuid.uuid4(),
                    service_id=mapping[t.service_id],
                    taxonomy_term_id=t.taxonomy_term_id,
                )
                for t in terms
            ],
            batch_size=5000,
        )
        ServiceAtLocation.objects.bulk_create(
            [
                ServiceAtLocation(
                    id=uuid.uuid4(), service_id=mapping[s.service_id], location_id=s.location_id
                )
                for s in links
            ],
            batch_size=5000,
        )
        Schedule.objects.bulk_create(
            [
                Schedule(
                    **{
                        f.attname: getattr(s, f.attname)
                        for f in Schedule._meta.concrete_fields
                        if f.attname != "id"
                    }
                    | {"id": uuid.uuid4(), "service_id": mapping[s.service_id]}
                )
                for s in schedules
            ],
            batch_size=5000,
        )
        Language.objects.bulk_create(
            [
                Language(
                    id=uuid.uuid4(),
                    service_id=mapping[lang.service_id],
                    name=lang.name,
                    code=lang.code,
                )
                for lang in languages
            ],
            batch_size=5000,
        )
    return Service.objects.count()


def _measure_searches(label_scale: str, rows: list[str]) -> None:
    from django.db import connection

    from alongside.directory.models import Service, TaxonomyTerm
    from alongside.directory.queries import ServiceSearch, search_results
    from alongside.organisations.models import Locality
    from alongside.places.models import Postcode

    point = tuple(Postcode.objects.values_list("latitude", "longitude").order_by("postcode")[0])
    term_ids = tuple(
        TaxonomyTerm.objects.filter(services__isnull=False)
        .distinct()
        .order_by("name")
        .values_list("id", flat=True)[:2]
    )
    locality_id = Locality.objects.order_by("name").values_list("id", flat=True).first()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total = Service.objects.count()
    for name, criteria in _searches(ServiceSearch, point, term_ids, locality_id).items():
        queryset = search_results(criteria)
        sql, params = queryset[:PAGE].query.sql_with_params()
        app_times, sql_times = [], []
        for _ in range(REPEATS):
            started = time.perf_counter()
            page = list(search_results(criteria)[:PAGE])
            app_times.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                cursor.fetchall()
            sql_times.append((time.perf_counter() - started) * 1000)
        app = statistics.median(app_times)
        raw = statistics.median(sql_times)
        rows.append(
            f"| {label_scale} ({total:,} services) | {name} | {len(page)} | {app:.1f} ms | "
            f"{_percentile(app_times, 95):.1f} ms | {raw:.1f} ms | {app / raw:.2f}× |"
        )
        print(rows[-1], flush=True)


def _page_queries(results: list[str]) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for query in ("debt advice", "support", ""):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/directory/", {"q": query} if query else {})
        count = len(captured.captured_queries)
        results.append(f"| `/directory/?q={query}` | {response.status_code} | {count} |")
        print(results[-1], flush=True)


def _import_speed(rows: list[str]) -> None:
    """Export the county directory, empty the directory, and import the feed back, timed."""
    import tempfile

    from django.db import connection

    from alongside.directory.interchange.exporter import export_feed
    from alongside.directory.interchange.importer import import_feed
    from alongside.directory.models import Service

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        export_feed(folder)
        exported = time.perf_counter() - started
        services = Service.objects.count()
        from alongside.core import db_roles

        with db_roles.as_owner(), connection.cursor() as cursor:  # TRUNCATE is the owner's
            cursor.execute(
                "TRUNCATE directory_serviceterm, directory_schedule, directory_language, "
                "directory_phone, directory_contact, directory_costoption, directory_servicearea, "
                "directory_accessibility, directory_address, directory_serviceatlocation, "
                "directory_location, directory_service_localities, directory_service, "
                "directory_directoryorganization, directory_taxonomyterm, directory_taxonomy "
                "CASCADE"
            )
        started = time.perf_counter()
        report = import_feed(folder)
        imported = time.perf_counter() - started
    created = Service.objects.count()
    rows.append(
        f"| {services:,} services | {exported:.1f} s | {imported:.1f} s | "
        f"{services / imported:,.0f} services/s | {created:,} services back |"
    )
    print(rows[-1], report if created != services else "", flush=True)


def run() -> None:
    data_dir = ROOT / "var" / "bench-directory"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    measure([str(ALONGSIDE), "demo", "--scale", "county"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    rows: list[str] = []
    page_rows: list[str] = []
    import_rows: list[str] = []
    # Import speed first: it empties the directory and imports the county feed again, which
    # leaves out our unpublished fields; the place is then generated afresh for the searches.
    _import_speed(import_rows)
    measure([str(ALONGSIDE), "demo", "--scale", "county", "--flush"], env)
    _measure_searches("county", rows)
    _page_queries(page_rows)
    _multiply_services(9)
    _measure_searches("10 × county", rows)
    _page_queries(page_rows)
    shutil.rmtree(data_dir, ignore_errors=True)
    write_section(
        "directory_search",
        "Directory search",
        "The county place's directory, then every service copied nine more times. Each search "
        f"is the first page of {PAGE} results, median and 95th percentile over {REPEATS} runs: "
        "through the app (`search_results`, as the search page runs it, models and all) and as "
        "the single SQL statement the search executes, run directly on the same database. "
        "Target: the app within 1.5× of the statement.\n\n"
        "| directory | search | results | app median | app p95 | SQL median | app ÷ SQL |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n\n"
        "Queries for the whole search page (the count does not grow with the results):\n\n"
        "| page | status | queries |\n| --- | --- | --- |\n" + "\n".join(page_rows) + "\n\n"
        "Import speed: the county directory exported with `alongside directory export`, the "
        "directory emptied, and the feed imported again:\n\n"
        "| feed | export | import | rate | result |\n| --- | --- | --- | --- | --- |\n"
        + "\n".join(import_rows),
    )
