"""Supervision's analysis tables (``schema.SUPERVISION_TERMS``, ``SUPERVISION_ATTENDANCE``):
the live views and their indexed materialised copies, as 0001 and 0002 made the others.

The care roles (``sharing.policy.CARE_ROLES``) and the provider types are written out as they
were when the views were made; a test compares them with the Python constants.
"""

from django.db import migrations

LOCAL = "AT TIME ZONE 'Europe/London'"
TODAY = f"(now() {LOCAL})::date"
CARE_ROLES = "('coordinator', 'practitioner', 'supervisor', 'team_lead')"


def provider_type(kind: str) -> str:
    return (
        f"CASE WHEN {kind} IS NULL THEN 'Not known' WHEN {kind} = 'nhs_trust' THEN 'NHS' "
        f"WHEN {kind} = 'vcse' THEN 'VCSE' "
        f"WHEN {kind} IN ('local_authority', 'public_health') THEN 'Local authority' "
        f"WHEN {kind} IN ('gp_practice', 'pcn') THEN 'Primary care' ELSE 'Other' END"
    )


SUPERVISION_TERMS = f"""
CREATE VIEW insights_supervision_terms AS
SELECT
  a.id::bigint AS agreement_key,
  a.supervisee_id::bigint AS supervisee_key,
  a.supervisor_id::bigint AS supervisor_key,
  t.kind::text AS kind,
  t.every_weeks::bigint AS every_weeks,
  a.starts_on AS starts_on,
  a.ends_on AS ends_on,
  m.team_id::bigint AS team_key,
  o.id::bigint AS organisation_key,
  {provider_type("o.kind")}::text AS provider_type,
  (EXISTS (SELECT 1 FROM organisations_membership sm
           WHERE sm.user_id = a.supervisee_id AND sm.role = 'supervisor'
             AND sm.ended_on IS NULL)
   OR EXISTS (SELECT 1 FROM supervision_supervisionagreement s
              WHERE s.supervisor_id = a.supervisee_id
                AND (s.ends_on IS NULL OR s.ends_on >= {TODAY}))) AS supervisee_is_supervisor
FROM supervision_agreementterm t
JOIN supervision_supervisionagreement a ON a.id = t.agreement_id
LEFT JOIN LATERAL (
  SELECT cm.team_id FROM organisations_membership cm
  WHERE cm.user_id = a.supervisee_id AND cm.ended_on IS NULL AND cm.role IN {CARE_ROLES}
  ORDER BY cm.started_on, cm.id
  LIMIT 1
) m ON true
LEFT JOIN organisations_team tm ON tm.id = m.team_id
LEFT JOIN organisations_organisation o ON o.id = tm.organisation_id
"""

SUPERVISION_ATTENDANCE = """
CREATE VIEW insights_supervision_attendance AS
SELECT
  s.id::bigint AS session_key,
  at.user_id::bigint AS supervisee_key,
  s.supervisor_id::bigint AS supervisor_key,
  s.kind::text AS kind,
  s.held_on AS held_on
FROM supervision_attendee at
JOIN supervision_supervisionsession s ON s.id = at.session_id
"""

VIEWS = {
    "insights_supervision_terms": SUPERVISION_TERMS,
    "insights_supervision_attendance": SUPERVISION_ATTENDANCE,
}
INDEXES = {
    "supervision_terms": ["supervisee_key", "starts_on"],
    "supervision_attendance": ["supervisee_key", "held_on"],
}


def snapshot_sql() -> list[migrations.RunSQL]:
    operations = []
    for table, columns in INDEXES.items():
        name = f"insights_snap_{table}"
        sql = [f"CREATE MATERIALIZED VIEW {name} AS SELECT * FROM insights_{table} WITH NO DATA"]
        sql += [f"CREATE INDEX {name}_{column}_idx ON {name} ({column})" for column in columns]
        operations.append(
            migrations.RunSQL(sql, reverse_sql=f"DROP MATERIALIZED VIEW IF EXISTS {name}")
        )
    return operations


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0002_snapshots"),
        ("supervision", "0001_initial"),
        ("organisations", "0002_privacy_lead_role"),
    ]

    operations = [
        *[
            migrations.RunSQL(sql, reverse_sql=f"DROP VIEW IF EXISTS {name}")
            for name, sql in VIEWS.items()
        ],
        *snapshot_sql(),
    ]
