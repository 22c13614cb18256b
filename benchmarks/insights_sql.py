"""Hand-written SQL for the metric pack's headline figures, to time the metrics beside.

``postgres(key, period)`` is one statement over the platform's own tables (not the
``insights_*`` views), written as someone would write it for that one figure: only the joins it
needs, and period filters on the stored timestamps (local midnight as a ``timestamptz``) so that
their indexes can be used. ``duckdb(key, period)`` is one statement over a research extract's
tables (the views ``DuckDBEngine`` makes), written directly in DuckDB's SQL.

Every statement returns the figures ``metrics.compute_many`` does for the headline: ``split``
(outcome change only), ``denominator``, ``numerator`` and, as the metric has them, ``median``
and ``p90`` or ``mean``. The benchmarks check they equal the metrics' own before timing them.
"""

from __future__ import annotations

import datetime as dt

from alongside.insights.metrics import SPELL_GAP_DAYS, WITHIN_DAYS, Metric, Period

TZ = "AT TIME ZONE 'Europe/London'"
#: Platform team types whose MHSDS codes are in the adult community mental health scope.
IN_SCOPE_TEAMS = (
    "('community_mental_health', 'primary_care_mental_health', 'assertive_outreach', "
    "'community_rehabilitation', 'psychological_therapy', 'personality_disorder', "
    "'early_intervention', 'individual_placement_support')"
)
IN_SCOPE_CODES = "('A05', 'A06', 'A08', 'A09', 'A12', 'A13', 'A16', 'C10', 'A14', 'D05')"
#: Referral sources with an MHSDS SourceOfReferralMH code (a referral without one is a record
#: NHS England rejects).
CODED_SOURCES = "('self', 'gp', 'vcse', 'social_care', 'secondary_care')"
DIRECT_MODES = "('face_to_face', 'phone', 'video')"
INTERVENTIONS = "('coaching', 'peer_support', 'group')"
#: Age at referral from the date of birth MHSDS submits: the person's, once matched.
BORN = (
    "coalesce((SELECT p.date_of_birth FROM people_person p WHERE p.id = r.person_id), "
    "r.date_of_birth)"
)
ADULT = f"date_part('year', age((r.received_at {TZ})::date, {BORN})) >= 18"


#: The metrics written here by hand: every metric of the pack.
HAND_WRITTEN = (
    "access_nhs",
    "access_with_vcse",
    "waiting_clock_stop",
    "waiting_second_contact",
    "still_waiting",
    "bounces",
    "warm_handovers",
    "self_referrals",
    "plan_within_four_weeks",
    "plans_reviewed_on_time",
    "did_not_attend",
    "open_episodes",
    "caseload_size",
    "paired_outcomes",
    "outcome_change",
    "supervision_coverage",
    "meta_supervision_coverage",
)


def measured() -> list[Metric]:
    """The metrics with a hand-written statement, in the pack's order."""
    from alongside.insights.metrics import METRICS

    return [m for m in METRICS if m.key in HAND_WRITTEN]


def _d(day: dt.date) -> str:
    return f"DATE '{day.isoformat()}'"


def _midnight(day: dt.date) -> str:
    """Local midnight starting ``day``, as the instant PostgreSQL stores."""
    return f"(TIMESTAMP '{day.isoformat()}' {TZ})"


def _window(period: Period) -> Period:
    return period.twelve_months_to_end()


def _distribution(value: str = "value") -> str:
    return (
        f"percentile_cont(0.5) WITHIN GROUP (ORDER BY {value}) AS median, "
        f"percentile_cont(0.9) WITHIN GROUP (ORDER BY {value}) AS p90"
    )


# --- referral spells, shared by the three waiting-time figures -----------------------------------

#: The spells (of referrals to in-scope team types only) and their clock stops from four inputs
#: each engine provides as CTEs:
#: ``ref(referral_key, owner, received_at, received_on, ended_at, adult, in_scope)`` (local
#: times), ``att(referral_key, contact_key, starts_at, contact_on, direct, assessment,
#: intervention)`` (attended contacts), ``sco(referral_key, completed_on)`` and
#: ``pla(referral_key, agreed_on)``.
SPELLS = f"""
marked AS (
  SELECT *, max(coalesce(ended_at, TIMESTAMP '2999-12-31')) OVER (
    PARTITION BY owner ORDER BY received_at, referral_key
    ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS latest_end
  FROM ref WHERE in_scope),
started AS (
  SELECT *, CASE WHEN latest_end IS NULL
    OR received_at > latest_end + INTERVAL '{SPELL_GAP_DAYS} days' THEN 1 ELSE 0 END AS starts
  FROM marked),
numbered AS (
  SELECT *, sum(starts) OVER (PARTITION BY owner ORDER BY received_at, referral_key
    ROWS UNBOUNDED PRECEDING) AS spell_no
  FROM started),
span AS (
  SELECT owner, spell_no, bool_or(ended_at IS NULL) AS still_open, max(ended_at) AS last_end
  FROM numbered GROUP BY owner, spell_no),
member AS (SELECT referral_key, owner, spell_no FROM numbered),
seen AS (SELECT m.owner, m.spell_no, a.* FROM att a JOIN member m USING (referral_key)),
second AS (
  SELECT owner, spell_no, contact_on AS second_on FROM (
    SELECT owner, spell_no, contact_on, row_number() OVER (
      PARTITION BY owner, spell_no ORDER BY starts_at, contact_key) AS n
    FROM seen WHERE direct) x
  WHERE n = 2),
kinds AS (
  SELECT owner, spell_no,
    min(contact_on) FILTER (WHERE assessment) AS assessed_on,
    min(contact_on) FILTER (WHERE intervention) AS intervention_on
  FROM seen GROUP BY owner, spell_no),
baseline AS (
  SELECT m.owner, m.spell_no, min(s.completed_on) AS baseline_on
  FROM sco s JOIN member m USING (referral_key) GROUP BY m.owner, m.spell_no),
plan AS (
  SELECT m.owner, m.spell_no, min(p.agreed_on) AS plan_on
  FROM pla p JOIN member m USING (referral_key) GROUP BY m.owner, m.spell_no),
events AS (
  SELECT f.received_on, sp.still_open, sp.last_end, s2.second_on, k.assessed_on,
    b.baseline_on,
    least(coalesce(p.plan_on, k.intervention_on), coalesce(k.intervention_on, p.plan_on))
      AS care_on
  FROM numbered f
  JOIN span sp USING (owner, spell_no)
  LEFT JOIN second s2 USING (owner, spell_no)
  LEFT JOIN kinds k USING (owner, spell_no)
  LEFT JOIN baseline b USING (owner, spell_no)
  LEFT JOIN plan p USING (owner, spell_no)
  WHERE f.starts = 1 AND f.adult AND f.in_scope),
spells AS (
  SELECT received_on, second_on,
    CASE WHEN second_on IS NOT NULL AND assessed_on IS NOT NULL AND baseline_on IS NOT NULL
      AND care_on IS NOT NULL THEN greatest(second_on, assessed_on, baseline_on, care_on)
    END AS stop_on,
    CASE WHEN still_open THEN NULL ELSE CAST(last_end AS DATE) END AS ended_on
  FROM events)
"""


def _spell_figures(key: str, period: Period) -> str:
    s, e = _d(period.start), _d(period.end)
    if key == "still_waiting":
        days = f"({e} - received_on)"
        where = (
            f"received_on <= {e} AND (ended_on IS NULL OR ended_on > {e}) "
            f"AND (stop_on IS NULL OR stop_on > {e})"
        )
        num = f"{days} > {WITHIN_DAYS}"
    else:
        column = "stop_on" if key == "waiting_clock_stop" else "second_on"
        days = f"({column} - received_on)"
        where = f"{column} BETWEEN {s} AND {e}"
        num = f"{days} <= {WITHIN_DAYS}"
    return (
        f"SELECT count(*) AS denominator, count(*) FILTER (WHERE {num}) AS numerator, "
        f"{_distribution(f'CAST({days} AS DOUBLE PRECISION)')} FROM spells WHERE {where}"
    )


# --- PostgreSQL, over the platform's tables ------------------------------------------------------

PG_SPELL_INPUTS = f"""
ref AS (
  SELECT r.id AS referral_key, coalesce(r.person_id, -r.id) AS owner,
    (r.received_at {TZ}) AS received_at, (r.received_at {TZ})::date AS received_on,
    (coalesce(r.closed_at, r.rejected_at) {TZ}) AS ended_at, {ADULT} AS adult,
    t.team_type IN {IN_SCOPE_TEAMS} AS in_scope
  FROM referrals_referral r
  JOIN organisations_team t ON t.id = coalesce(r.accepted_team_id, r.team_id)),
att AS (
  SELECT e.referral_id AS referral_key, c.id AS contact_key, (c.starts_at {TZ}) AS starts_at,
    (c.starts_at {TZ})::date AS contact_on, c.mode IN {DIRECT_MODES} AS direct,
    c.kind = 'assessment' AS assessment, c.kind IN {INTERVENTIONS} AS intervention
  FROM care_contact c JOIN care_episode e ON e.id = c.episode_id WHERE c.outcome = 'attended'),
sco AS (
  SELECT e.referral_id AS referral_key, (s.completed_at {TZ})::date AS completed_on
  FROM outcomes_score s JOIN care_episode e ON e.id = s.episode_id WHERE s.current AND s.in_change),
pla AS (
  SELECT e.referral_id AS referral_key, v.agreed_on
  FROM care_careplanversion v JOIN care_careplan cp ON cp.id = v.plan_id
  JOIN care_episode e ON e.id = cp.episode_id WHERE v.agreed_on IS NOT NULL),
"""


def _pg_access(period: Period, *, with_vcse: bool) -> str:
    w = _window(period)
    since, until = _midnight(w.start), _midnight(w.end + dt.timedelta(days=1))
    scope = f"t.team_type IN {IN_SCOPE_TEAMS}"
    carried = ""
    if with_vcse:
        scope = f"({scope} OR o.kind = 'vcse')"
    else:
        # As the submission carries them: a coded source, no contact after the referral ended.
        carried = (
            f"AND r.source IN {CODED_SOURCES} AND (coalesce(r.closed_at, r.rejected_at) IS NULL "
            "OR c.starts_at <= coalesce(r.closed_at, r.rejected_at))"
        )
    return f"""
SELECT count(DISTINCT r.person_id) AS denominator
FROM referrals_referral r
JOIN organisations_team t ON t.id = coalesce(r.accepted_team_id, r.team_id)
JOIN organisations_organisation o ON o.id = t.organisation_id
WHERE r.person_id IS NOT NULL AND {ADULT} AND {scope} AND r.id IN (
  SELECT e.referral_id FROM care_contact c JOIN care_episode e ON e.id = c.episode_id
  JOIN referrals_referral r ON r.id = e.referral_id
  WHERE c.outcome = 'attended' AND c.mode IN {DIRECT_MODES}
    AND c.starts_at >= {since} AND c.starts_at < {until} {carried}
  GROUP BY e.referral_id HAVING count(*) >= 2)
"""


def _pg_supervision(period: Period, *, meta: bool) -> str:
    """Each supervisee's most overdue term of an agreement current on the period's last day:
    from the later of the agreement's start and the last session of that kind with that
    supervisor they attended, less the term's weeks × 7 (``greatest`` passes over a missing
    session). Whether a supervisee is a supervisor too is read as of today, as the analysis
    table has it."""
    e = _d(period.end)
    also = ""
    if meta:
        also = f"""
    AND t.kind = 'meta' AND (EXISTS (
      SELECT 1 FROM organisations_membership m WHERE m.user_id = a.supervisee_id
        AND m.role = 'supervisor' AND m.ended_on IS NULL)
    OR EXISTS (
      SELECT 1 FROM supervision_supervisionagreement s WHERE s.supervisor_id = a.supervisee_id
        AND (s.ends_on IS NULL OR s.ends_on >= (now() {TZ})::date)))"""
    overdue = "CASE WHEN overdue > 0 THEN overdue::double precision END"
    return f"""
WITH terms AS (
  SELECT a.supervisee_id, a.supervisor_id, t.kind, t.every_weeks, a.starts_on
  FROM supervision_agreementterm t
  JOIN supervision_supervisionagreement a ON a.id = t.agreement_id
  WHERE a.starts_on <= {e} AND (a.ends_on IS NULL OR a.ends_on >= {e}){also}),
last AS (
  SELECT at.user_id AS supervisee_id, s.supervisor_id, s.kind, max(s.held_on) AS held_on
  FROM supervision_attendee at JOIN supervision_supervisionsession s ON s.id = at.session_id
  WHERE s.held_on <= {e} AND at.user_id IN (SELECT supervisee_id FROM terms)
  GROUP BY 1, 2, 3),
per AS (
  SELECT t.supervisee_id,
    max({e} - greatest(t.starts_on, l.held_on) - 7 * t.every_weeks) AS overdue
  FROM terms t LEFT JOIN last l USING (supervisee_id, supervisor_id, kind)
  GROUP BY t.supervisee_id)
SELECT count(*) AS denominator, count(*) FILTER (WHERE overdue <= 0) AS numerator,
  {_distribution(overdue)}
FROM per
"""


#: Statements run with nested loops off, as ``PostgresEngine`` runs every metric: the spells'
#: joins of window-function results are under-estimated and rescanned in nested loops otherwise.
PG_WITHOUT_NESTLOOP = frozenset({"waiting_clock_stop", "waiting_second_contact", "still_waiting"})


def postgres(key: str, period: Period) -> str:
    """The hand-written PostgreSQL statement for one metric's headline figures."""
    s, e = _d(period.start), _d(period.end)
    since, until = _midnight(period.start), _midnight(period.end + dt.timedelta(days=1))
    ended = "coalesce(r.closed_at, r.rejected_at)"
    match key:
        case "access_nhs":
            return _pg_access(period, with_vcse=False)
        case "access_with_vcse":
            return _pg_access(period, with_vcse=True)
        case "waiting_clock_stop" | "waiting_second_contact" | "still_waiting":
            return "WITH " + PG_SPELL_INPUTS + SPELLS + _spell_figures(key, period)
        case "bounces":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE r.state = 'closed' AND NOT EXISTS (
  SELECT 1 FROM referrals_handover h WHERE h.referral_id = r.id)) AS numerator
FROM referrals_referral r
WHERE r.accepted_team_id IS NULL AND {ended} >= {since} AND {ended} < {until}
"""
        case "warm_handovers":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE EXISTS (
  SELECT 1 FROM referrals_handover h WHERE h.referral_id = r.id AND h.outcome = 'connected'))
  AS numerator
FROM referrals_referral r
WHERE {ended} >= {since} AND {ended} < {until} AND EXISTS (
  SELECT 1 FROM referrals_handover h WHERE h.referral_id = r.id AND h.kind = 'signpost')
"""
        case "self_referrals":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE r.source = 'self') AS numerator
FROM referrals_referral r WHERE r.received_at >= {since} AND r.received_at < {until}
"""
        case "plan_within_four_weeks":
            first = _midnight(period.start - dt.timedelta(days=WITHIN_DAYS))
            last = _midnight(period.end + dt.timedelta(days=1 - WITHIN_DAYS))
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE EXISTS (
  SELECT 1 FROM care_careplan cp JOIN care_careplanversion v ON v.plan_id = cp.id
  WHERE cp.episode_id = e.id
    AND v.agreed_on <= (e.started_at {TZ})::date + {WITHIN_DAYS})) AS numerator
FROM care_episode e WHERE e.started_at >= {first} AND e.started_at < {last}
"""
        case "plans_reviewed_on_time":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (
  WHERE (nv.created_at {TZ})::date <= v.review_on) AS numerator
FROM care_careplanversion v
JOIN care_careplan cp ON cp.id = v.plan_id
JOIN care_episode e ON e.id = cp.episode_id
LEFT JOIN care_careplanversion nv ON nv.plan_id = v.plan_id AND nv.number = v.number + 1
WHERE v.review_on BETWEEN {s} AND {e}
  AND (e.ended_at IS NULL OR (e.ended_at {TZ})::date >= v.review_on)
"""
        case "did_not_attend":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE c.outcome = 'did_not_attend')
  AS numerator
FROM care_contact c
WHERE c.starts_at >= {since} AND c.starts_at < {until}
  AND c.outcome IN ('attended', 'did_not_attend')
"""
        case "open_episodes":
            return f"""
SELECT count(*) AS denominator,
  count(*) FILTER (WHERE coalesce(now_.intensity, 'medium') = 'high') AS numerator
FROM care_episode e
LEFT JOIN LATERAL (
  SELECT i.intensity FROM care_intensitychange i
  WHERE i.episode_id = e.id AND i.changed_at < {until}
  ORDER BY i.changed_at DESC LIMIT 1) now_ ON true
WHERE e.started_at < {until} AND (e.ended_at IS NULL OR e.ended_at >= {until})
"""
        case "caseload_size":
            return f"""
WITH held AS (
  SELECT a.key_worker_id, count(*)::double precision AS value
  FROM care_allocation a JOIN care_episode e ON e.id = a.episode_id
  WHERE a.started_at < {until} AND (a.ended_at IS NULL OR a.ended_at >= {until})
    AND e.started_at < {until} AND (e.ended_at IS NULL OR e.ended_at >= {until})
  GROUP BY a.key_worker_id)
SELECT count(*) AS denominator, count(*) FILTER (WHERE value > 30) AS numerator,
  {_distribution()}
FROM held
"""
        case "paired_outcomes":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE EXISTS (
  SELECT 1 FROM outcomes_score s
  WHERE s.episode_id = e.id AND s.current AND s.in_change AND s.completed_at < {until}
  GROUP BY s.measure HAVING count(DISTINCT s.response_id) >= 2)) AS numerator
FROM care_episode e WHERE e.ended_at >= {since} AND e.ended_at < {until}
"""
        case "outcome_change":
            return f"""
WITH pairs AS (
  SELECT s.measure,
    (array_agg(s.value ORDER BY s.completed_at, s.response_id))[1] AS first_value,
    (array_agg(s.value ORDER BY s.completed_at DESC, s.response_id DESC))[1] AS last_value,
    (array_agg(s.key ORDER BY s.completed_at DESC, s.response_id DESC))[1] AS score_key,
    max(s.completed_at) AS last_at, count(*) AS responses
  FROM outcomes_score s WHERE s.current AND s.in_change AND s.completed_at < {until}
  GROUP BY s.episode_id, s.measure),
rules AS (
  SELECT q.name AS measure, sc ->> 'id' AS score_key,
    coalesce(sc ->> 'better', 'higher') AS better,
    (sc -> 'reliableChange' ->> 'threshold')::double precision AS reliable
  FROM outcomes_questionnaire q, jsonb_array_elements(q.definition -> 'scoring' -> 'scores') sc
  WHERE q.is_current AND coalesce((sc ->> 'change')::boolean, false)),
changes AS (
  SELECT p.measure, p.last_value - p.first_value AS change, r.better, r.reliable
  FROM pairs p JOIN rules r USING (measure, score_key)
  WHERE p.responses >= 2 AND p.last_at >= {since})
SELECT measure AS split, count(*) AS denominator, count(*) FILTER (WHERE reliable IS NOT NULL
  AND CASE WHEN better = 'lower' THEN -change ELSE change END >= reliable) AS numerator,
  avg(change) AS mean
FROM changes GROUP BY measure
"""
        case "supervision_coverage":
            return _pg_supervision(period, meta=False)
        case "meta_supervision_coverage":
            return _pg_supervision(period, meta=True)
    raise KeyError(key)


# --- DuckDB, over a research extract -------------------------------------------------------------

DUCK_SPELL_INPUTS = f"""
ref AS (
  SELECT referral_key, coalesce(person_key, -referral_key) AS owner, received_at, received_on,
    ended_at, adult, team_type_code IN {IN_SCOPE_CODES} AS in_scope
  FROM referrals),
att AS (
  SELECT referral_key, contact_key, starts_at, contact_on, direct, assessment, intervention
  FROM contacts WHERE attended),
sco AS (SELECT referral_key, CAST(completed_at AS DATE) AS completed_on FROM scores),
pla AS (
  SELECT referral_key, first_plan_agreed_on AS agreed_on FROM episodes
  WHERE first_plan_agreed_on IS NOT NULL),
"""


def _duck_access(period: Period, *, with_vcse: bool) -> str:
    w = _window(period)
    scope = f"team_type_code IN {IN_SCOPE_CODES}"
    carried = ""
    if with_vcse:
        scope = f"({scope} OR provider_type = 'VCSE')"
    else:
        carried = (
            "AND referral_key IN (SELECT referral_key FROM referrals WHERE source_code <> '') "
            "AND NOT EXISTS (SELECT 1 FROM referrals r WHERE r.referral_key = c.referral_key "
            "AND c.starts_at > r.ended_at)"
        )
    return f"""
SELECT count(DISTINCT person_key) AS denominator
FROM referrals
WHERE adult AND person_key IS NOT NULL AND {scope} AND referral_key IN (
  SELECT referral_key FROM contacts c
  WHERE attended AND direct AND contact_on BETWEEN {_d(w.start)} AND {_d(w.end)} {carried}
  GROUP BY referral_key HAVING count(*) >= 2)
"""


def _duck_supervision(period: Period, *, meta: bool) -> str:
    e = _d(period.end)
    also = " AND kind = 'meta' AND supervisee_is_supervisor" if meta else ""
    return f"""
WITH terms AS (
  SELECT supervisee_key, supervisor_key, kind, every_weeks, starts_on FROM supervision_terms
  WHERE starts_on <= {e} AND (ends_on IS NULL OR ends_on >= {e}){also}),
last AS (
  SELECT supervisee_key, supervisor_key, kind, max(held_on) AS held_on
  FROM supervision_attendance WHERE held_on <= {e}
  GROUP BY supervisee_key, supervisor_key, kind),
per AS (
  SELECT t.supervisee_key, max({e} - greatest(t.starts_on, coalesce(l.held_on, t.starts_on))
    - 7 * t.every_weeks) AS overdue
  FROM terms t LEFT JOIN last l USING (supervisee_key, supervisor_key, kind)
  GROUP BY t.supervisee_key)
SELECT count(*) AS denominator, count(*) FILTER (WHERE overdue <= 0) AS numerator,
  {_distribution("CASE WHEN overdue > 0 THEN CAST(overdue AS DOUBLE) END")}
FROM per
"""


def duckdb(key: str, period: Period) -> str:
    """The hand-written DuckDB statement for one metric's headline figures."""
    s, e = _d(period.start), _d(period.end)
    during = f"BETWEEN {s} AND {e}"
    match key:
        case "access_nhs":
            return _duck_access(period, with_vcse=False)
        case "access_with_vcse":
            return _duck_access(period, with_vcse=True)
        case "waiting_clock_stop" | "waiting_second_contact" | "still_waiting":
            return "WITH " + DUCK_SPELL_INPUTS + SPELLS + _spell_figures(key, period)
        case "bounces":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE bounce) AS numerator FROM referrals
WHERE NOT accepted AND CAST(ended_at AS DATE) {during}
"""
        case "warm_handovers":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE handover_connected) AS numerator
FROM referrals WHERE signposted AND CAST(ended_at AS DATE) {during}
"""
        case "self_referrals":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE self_referral) AS numerator
FROM referrals WHERE received_on {during}
"""
        case "plan_within_four_weeks":
            due = f"CAST(started_at AS DATE) + {WITHIN_DAYS}"
            return f"""
SELECT count(*) AS denominator,
  count(*) FILTER (WHERE first_plan_agreed_on <= {due}) AS numerator
FROM episodes WHERE {due} {during}
"""
        case "plans_reviewed_on_time":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (
  WHERE CAST(nv.created_at AS DATE) <= v.review_on) AS numerator
FROM plan_versions v
JOIN episodes e USING (episode_key)
LEFT JOIN plan_versions nv ON nv.episode_key = v.episode_key AND nv.number = v.number + 1
WHERE v.review_on {during}
  AND (e.ended_at IS NULL OR CAST(e.ended_at AS DATE) >= v.review_on)
"""
        case "did_not_attend":
            return f"""
SELECT count(*) AS denominator, count(*) FILTER (WHERE outcome = 'did_not_attend')
  AS numerator
FROM contacts WHERE contact_on {during} AND outcome IN ('attended', 'did_not_attend')
"""
        case "open_episodes":
            return f"""
WITH open_ AS (
  SELECT episode_key FROM episodes
  WHERE CAST(started_at AS DATE) <= {e} AND (ended_at IS NULL OR CAST(ended_at AS DATE) > {e})),
now_ AS (
  SELECT episode_key, arg_max(intensity, changed_at) AS intensity FROM intensity
  WHERE CAST(changed_at AS DATE) <= {e} GROUP BY episode_key)
SELECT count(*) AS denominator,
  count(*) FILTER (WHERE coalesce(now_.intensity, 'medium') = 'high') AS numerator
FROM open_ LEFT JOIN now_ USING (episode_key)
"""
        case "caseload_size":
            return f"""
WITH held AS (
  SELECT a.key_worker_key, CAST(count(*) AS DOUBLE) AS value
  FROM allocations a JOIN episodes e USING (episode_key)
  WHERE CAST(a.started_at AS DATE) <= {e}
    AND (a.ended_at IS NULL OR CAST(a.ended_at AS DATE) > {e})
    AND CAST(e.started_at AS DATE) <= {e}
    AND (e.ended_at IS NULL OR CAST(e.ended_at AS DATE) > {e})
  GROUP BY a.key_worker_key)
SELECT count(*) AS denominator, count(*) FILTER (WHERE value > 30) AS numerator,
  {_distribution()}
FROM held
"""
        case "paired_outcomes":
            return f"""
WITH paired AS (
  SELECT DISTINCT episode_key FROM (
    SELECT episode_key FROM scores WHERE CAST(completed_at AS DATE) <= {e}
    GROUP BY episode_key, measure HAVING count(DISTINCT response_key) >= 2))
SELECT count(*) AS denominator, count(p.episode_key) AS numerator
FROM episodes e LEFT JOIN paired p USING (episode_key)
WHERE CAST(e.ended_at AS DATE) {during}
"""
        case "outcome_change":
            return f"""
WITH pairs AS (
  SELECT episode_key, measure,
    arg_min(value, (completed_at, response_key)) AS first_value,
    arg_max(value, (completed_at, response_key)) AS last_value,
    arg_max(score_key, (completed_at, response_key)) AS score_key,
    max(completed_at) AS last_at, count(*) AS responses
  FROM scores WHERE CAST(completed_at AS DATE) <= {e}
  GROUP BY episode_key, measure),
changes AS (
  SELECT p.measure, p.last_value - p.first_value AS change, r.better, r.reliable_change
  FROM pairs p JOIN measure_rules r USING (measure, score_key)
  WHERE p.responses >= 2 AND CAST(p.last_at AS DATE) {during})
SELECT measure AS split, count(*) AS denominator, count(*) FILTER (
  WHERE reliable_change IS NOT NULL
    AND CASE WHEN better = 'lower' THEN -change ELSE change END >= reliable_change)
  AS numerator,
  avg(change) AS mean
FROM changes GROUP BY measure
"""
        case "supervision_coverage":
            return _duck_supervision(period, meta=False)
        case "meta_supervision_coverage":
            return _duck_supervision(period, meta=True)
    raise KeyError(key)


# --- comparing figures ---------------------------------------------------------------------------

Figures = list[tuple]


def _round(value: object) -> float | None:
    return None if value is None else round(float(value), 2)


def figures(metric: Metric, rows: list[dict]) -> Figures:
    """Headline rows (ours from ``compute_many``, or a hand-written statement's) as comparable
    tuples: (split, denominator, numerator, median, p90, mean), rounded as the pack rounds."""
    out = []
    for row in rows:
        denominator = int(row.get("denominator") or 0)
        numerator = row.get("numerator")
        numerator = None if metric.kind == "count" else int(numerator or 0)
        out.append(
            (
                row.get("split"),
                denominator,
                numerator,
                *(_round(row.get(name)) for name in ("median", "p90", "mean")),
            )
        )
    return sorted(out, key=str)


def shown(found: Figures) -> str:
    """The figures as the report shows them: 'n/d', 'n', median and p90, or the mean."""
    parts = []
    for split, denominator, numerator, median, p90, mean in found:
        text = f"{denominator:,}" if numerator is None else f"{numerator:,}/{denominator:,}"
        if median is not None:
            text += f", median {median:g}, p90 {p90:g}"
        if mean is not None:
            text += f", mean {mean:g}"
        parts.append(f"{split} {text}" if split else text)
    return "; ".join(parts)
