"""Co-production's analysis tables (``schema.GOALS``, ``MEETING_DECISIONS``,
``PREFERENCE_CHECKS``, ``COLLABORATE``, ``REVIEW_RATINGS``, ``INVOLVEMENTS``,
``TEAM_LOCALITIES``) and three new columns of ``plan_versions`` (who wrote its sections, whether
the person took part): the live views and their indexed materialised copies, as 0001 to 0003
made the others.

``plan_versions`` keeps its columns in order and gains three at the end, so its view is replaced
in place; its copy is made again, since a materialised view's columns are fixed when it is
made. The new copies are made empty, and the record of the last refresh is cleared, so the next
figure read refreshes every copy first.

What the co-production signals (``coproduction.signals``) decide in Python is written out here
as it was when the views were made: the authorship that counts as written with the person, the
hours of the times of day, CollaboRATE's name and its top score; a test compares them with the
Python constants.
"""

from django.db import migrations

LOCAL = "AT TIME ZONE 'Europe/London'"
WITH_THE_PERSON = "('person', 'together')"
COLLABORATE = "collaborate"


def time_of_day(at: str) -> str:
    hour = f"extract(hour FROM ({at} {LOCAL}))"
    return (
        f"CASE WHEN {hour} < 12 THEN 'morning' WHEN {hour} < 17 THEN 'afternoon' ELSE 'evening' END"
    )


def authored(where: str = "") -> str:
    return (
        "CASE WHEN jsonb_typeof(v.authorship) = 'object' THEN "
        f"(SELECT count(*) FROM jsonb_each_text(v.authorship) a{where}) ELSE 0 END::bigint"
    )


OLD_PLAN_VERSIONS = f"""
CREATE VIEW insights_plan_versions AS
SELECT
  cp.episode_id::bigint AS episode_key,
  v.number::bigint AS number,
  (v.created_at {LOCAL}) AS created_at,
  v.agreed_on AS agreed_on,
  v.review_on AS review_on
FROM care_careplanversion v
JOIN care_careplan cp ON cp.id = v.plan_id
"""

PLAN_VERSIONS = f"""
CREATE OR REPLACE VIEW insights_plan_versions AS
SELECT
  cp.episode_id::bigint AS episode_key,
  v.number::bigint AS number,
  (v.created_at {LOCAL}) AS created_at,
  v.agreed_on AS agreed_on,
  v.review_on AS review_on,
  {authored()} AS sections_recorded,
  {authored(f" WHERE a.value IN {WITH_THE_PERSON}")} AS sections_with_person,
  v.person_present AS person_present
FROM care_careplanversion v
JOIN care_careplan cp ON cp.id = v.plan_id
"""

GOALS = f"""
CREATE VIEW insights_goals AS
SELECT
  g.episode_id::bigint AS episode_key,
  (g.created_at {LOCAL}) AS created_at,
  (g.ended_at {LOCAL}) AS ended_at,
  g.worded_by::text AS worded_by
FROM care_goal g
"""

MEETING_DECISIONS = f"""
CREATE VIEW insights_meeting_decisions AS
SELECT
  i.episode_id::bigint AS episode_key,
  (m.starts_at {LOCAL}) AS meeting_at,
  i.person_present AS person_present
FROM meetings_agendaitem i
JOIN meetings_localitymeeting m ON m.id = i.meeting_id
WHERE i.episode_id IS NOT NULL AND i.decision <> ''
"""

STATED = (
    "(coalesce(cardinality(p.modes), 0) > 0 OR coalesce(cardinality(p.times), 0) > 0 "
    "OR p.others_may_join IS NOT NULL)"
)
HONOURED = (
    "((coalesce(cardinality(p.modes), 0) = 0 OR c.mode::text = ANY (p.modes::text[])) "
    "AND (coalesce(cardinality(p.times), 0) = 0 "
    f"OR ({time_of_day('c.starts_at')}) = ANY (p.times::text[])) "
    "AND NOT (p.others_may_join IS FALSE AND c.others_present))"
)

PREFERENCE_CHECKS = f"""
CREATE VIEW insights_preference_checks AS
SELECT
  c.id::bigint AS contact_key,
  c.episode_id::bigint AS episode_key,
  (c.starts_at {LOCAL}) AS starts_at,
  (p.updated_at {LOCAL}) AS preferences_stated_at,
  {HONOURED} AS honoured
FROM care_contact c
JOIN care_episode e ON e.id = c.episode_id
JOIN care_contactpreferences p ON p.person_id = e.person_id
WHERE c.outcome = 'attended' AND c.starts_at >= p.updated_at AND {STATED}
"""

COLLABORATE_VIEW = f"""
CREATE VIEW insights_collaborate AS
SELECT
  s.episode_id::bigint AS episode_key,
  r.id::bigint AS response_key,
  (r.completed_at {LOCAL}) AS completed_at,
  (max(s.value) FILTER (WHERE s.key = 'top') = 1) AS top,
  (max(s.value) FILTER (WHERE s.key = 'total'))::double precision AS total
FROM outcomes_score s
JOIN outcomes_response r ON r.id = s.response_id
WHERE s.measure = '{COLLABORATE}' AND s.key IN ('top', 'total') AND s.current
  AND r.status = 'completed'
GROUP BY s.episode_id, r.id, r.completed_at
"""

REVIEW_RATINGS = """
CREATE VIEW insights_review_ratings AS
SELECT
  rv.id::bigint AS review_key,
  rv.team_id::bigint AS team_key,
  rv.held_on AS held_on,
  ra.raters::text AS raters,
  ra.characteristic::text AS characteristic,
  ra.score::bigint AS score
FROM coproduction_rating ra
JOIN coproduction_review rv ON rv.id = ra.review_id
WHERE rv.team_id IS NOT NULL
"""

INVOLVEMENTS = """
CREATE VIEW insights_involvements AS
SELECT
  i.id::bigint AS involvement_key,
  i.team_id::bigint AS team_key,
  i.organisation_id::bigint AS organisation_key,
  i.kind::text AS kind,
  i."on" AS involved_on,
  i.hours::double precision AS hours,
  (i.changed <> '') AS changed,
  i.changed_on AS changed_on
FROM coproduction_involvement i
"""

TEAM_LOCALITIES = """
CREATE VIEW insights_team_localities AS
SELECT
  tl.team_id::bigint AS team_key,
  l.name::text AS locality
FROM organisations_team_localities tl
JOIN organisations_locality l ON l.id = tl.locality_id
"""

VIEWS = {
    "insights_goals": GOALS,
    "insights_meeting_decisions": MEETING_DECISIONS,
    "insights_preference_checks": PREFERENCE_CHECKS,
    "insights_collaborate": COLLABORATE_VIEW,
    "insights_review_ratings": REVIEW_RATINGS,
    "insights_involvements": INVOLVEMENTS,
    "insights_team_localities": TEAM_LOCALITIES,
}
INDEXES = {
    "goals": ["episode_key"],
    "meeting_decisions": ["episode_key"],
    "preference_checks": ["episode_key"],
    "collaborate": ["episode_key"],
    "review_ratings": ["team_key"],
    "involvements": ["team_key"],
    "team_localities": ["team_key"],
}
PLAN_INDEXES = ["episode_key", "review_on"]


def snapshot(table: str, columns: list[str]) -> list[str]:
    name = f"insights_snap_{table}"
    sql = [f"CREATE MATERIALIZED VIEW {name} AS SELECT * FROM insights_{table} WITH NO DATA"]
    return sql + [f"CREATE INDEX {name}_{column}_idx ON {name} ({column})" for column in columns]


def snapshot_sql() -> list[migrations.RunSQL]:
    return [
        migrations.RunSQL(
            snapshot(table, columns),
            reverse_sql=f"DROP MATERIALIZED VIEW IF EXISTS insights_snap_{table}",
        )
        for table, columns in INDEXES.items()
    ]


DROP_PLAN_SNAPSHOT = "DROP MATERIALIZED VIEW IF EXISTS insights_snap_plan_versions"
#: The next figure read refreshes every copy (the new ones are empty until then).
FORGET_REFRESH = "DELETE FROM insights_snapshot"


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_supervision_tables"),
        ("care", "0004_coproduction_signals"),
        ("meetings", "0003_agendaitem_person_present"),
        ("coproduction", "0001_initial"),
        ("outcomes", "0001_initial"),
        ("organisations", "0002_privacy_lead_role"),
    ]

    operations = [
        migrations.RunSQL(
            [DROP_PLAN_SNAPSHOT, PLAN_VERSIONS, *snapshot("plan_versions", PLAN_INDEXES)],
            reverse_sql=[
                DROP_PLAN_SNAPSHOT,
                "DROP VIEW IF EXISTS insights_plan_versions",
                OLD_PLAN_VERSIONS,
                *snapshot("plan_versions", PLAN_INDEXES),
            ],
        ),
        *[
            migrations.RunSQL(sql, reverse_sql=f"DROP VIEW IF EXISTS {name}")
            for name, sql in VIEWS.items()
        ],
        *snapshot_sql(),
        migrations.RunSQL(FORGET_REFRESH, reverse_sql=FORGET_REFRESH),
    ]
