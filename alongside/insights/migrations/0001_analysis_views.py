"""The analysis tables (``alongside.insights.schema``) as PostgreSQL views over the live tables.

Each view has exactly the columns its ``schema.TABLES`` entry lists, in that order; a test holds
them to it. Codes that live in Python elsewhere (provider types, MHSDS team types and sources,
assessment and intervention kinds) are written out here as they were when the view was made, and
tests compare them with the Python constants, so a change to one shows up as a failing test and a
new migration.
"""

from django.db import migrations

LOCAL = "AT TIME ZONE 'Europe/London'"


def age_band(age: str) -> str:
    return (
        f"CASE WHEN {age} < 18 THEN 'Under 18' WHEN {age} < 25 THEN '18 to 24' "
        f"WHEN {age} < 35 THEN '25 to 34' WHEN {age} < 45 THEN '35 to 44' "
        f"WHEN {age} < 55 THEN '45 to 54' WHEN {age} < 65 THEN '55 to 64' "
        f"WHEN {age} < 75 THEN '65 to 74' ELSE '75 and over' END"
    )


def provider_type(kind: str) -> str:
    return (
        f"CASE {kind} WHEN 'nhs_trust' THEN 'NHS' WHEN 'vcse' THEN 'VCSE' "
        "WHEN 'local_authority' THEN 'Local authority' WHEN 'public_health' THEN 'Local authority' "
        "WHEN 'gp_practice' THEN 'Primary care' WHEN 'pcn' THEN 'Primary care' ELSE 'Other' END"
    )


def team_type_code(team_type: str) -> str:
    return (
        f"CASE {team_type} WHEN 'community_mental_health' THEN 'A06' "
        "WHEN 'primary_care_mental_health' THEN 'A05' WHEN 'assertive_outreach' THEN 'A08' "
        "WHEN 'community_rehabilitation' THEN 'A09' WHEN 'psychological_therapy' THEN 'A13' "
        "WHEN 'personality_disorder' THEN 'A16' WHEN 'early_intervention' THEN 'A14' "
        "WHEN 'individual_placement_support' THEN 'D05' ELSE '' END"
    )


def ethnic_group(code: str) -> str:
    return (
        f"CASE WHEN {code} IN ('A', 'B', 'C') THEN 'White' "
        f"WHEN {code} IN ('D', 'E', 'F', 'G') THEN 'Mixed' "
        f"WHEN {code} IN ('H', 'J', 'K', 'L') THEN 'Asian or Asian British' "
        f"WHEN {code} IN ('M', 'N', 'P') THEN 'Black or Black British' "
        f"WHEN {code} IN ('R', 'S') THEN 'Other ethnic groups' "
        f"WHEN {code} = 'Z' THEN 'Not stated' ELSE 'Not known' END"
    )


def imd_quintile(decile: str) -> str:
    return f"coalesce((({decile} + 1) / 2)::text, 'Not known')"


def sex(code: str) -> str:
    return (
        f"CASE {code} WHEN '1' THEN 'Male' WHEN '2' THEN 'Female' "
        "WHEN '9' THEN 'Indeterminate' ELSE 'Not known' END"
    )


PEOPLE = f"""
CREATE VIEW insights_people AS
SELECT
  p.id::bigint AS person_key,
  {age_band("date_part('year', age((now() " + LOCAL + ")::date, p.date_of_birth))")} AS age_band,
  p.ethnicity::text AS ethnic_category,
  {ethnic_group("p.ethnicity")} AS ethnic_group,
  {imd_quintile("p.imd_decile")} AS imd_quintile,
  {sex("p.stated_gender")} AS sex,
  coalesce(l.name, 'Not known')::text AS locality,
  nullif(pc.lsoa_code, '')::text AS lsoa_code,
  p.imd_decile::bigint AS imd_decile
FROM people_person p
LEFT JOIN places_postcode pc ON pc.postcode = p.postcode
LEFT JOIN organisations_locality l ON l.id = pc.locality_id
WHERE EXISTS (SELECT 1 FROM referrals_referral r WHERE r.person_id = p.id)
"""

REFERRAL_AGE = "date_part('year', age((r.received_at " + LOCAL + ")::date, r.date_of_birth))"

REFERRALS = f"""
CREATE VIEW insights_referrals AS
SELECT
  r.id::bigint AS referral_key,
  r.person_id::bigint AS person_key,
  (r.received_at {LOCAL}) AS received_at,
  (r.received_at {LOCAL})::date AS received_on,
  {age_band(REFERRAL_AGE)} AS age_band,
  ({REFERRAL_AGE} >= 18) AS adult,
  {ethnic_group("coalesce(p.ethnicity, '99')")} AS ethnic_group,
  {imd_quintile("p.imd_decile")} AS imd_quintile,
  {sex("coalesce(p.stated_gender, 'X')")} AS sex,
  coalesce(pl.name, rl.name, 'Not known')::text AS locality,
  CASE r.source WHEN 'self' THEN 'Self-referral' WHEN 'gp' THEN 'GP practice'
       WHEN 'vcse' THEN 'Voluntary sector' WHEN 'social_care' THEN 'Adult social care'
       WHEN 'secondary_care' THEN 'NHS mental health trust' ELSE 'Other' END AS referral_source,
  CASE r.source WHEN 'self' THEN 'B1' WHEN 'gp' THEN 'A1' WHEN 'vcse' THEN 'G4'
       WHEN 'social_care' THEN 'C1' WHEN 'secondary_care' THEN 'P1' ELSE '' END AS source_code,
  (r.source = 'self') AS self_referral,
  t.id::bigint AS team_key,
  o.id::bigint AS organisation_key,
  {provider_type("o.kind")} AS provider_type,
  {team_type_code("t.team_type")} AS team_type_code,
  r.state::text AS state,
  (r.accepted_team_id IS NOT NULL) AS accepted,
  (e.started_at {LOCAL}) AS accepted_at,
  (coalesce(r.closed_at, r.rejected_at) {LOCAL}) AS ended_at,
  r.rejection_reason::text AS rejection_reason,
  r.closure_reason::text AS closure_reason,
  (r.state = 'closed' AND r.accepted_team_id IS NULL
   AND NOT EXISTS (SELECT 1 FROM referrals_handover h WHERE h.referral_id = r.id)) AS bounce,
  EXISTS (SELECT 1 FROM referrals_handover h
          WHERE h.referral_id = r.id AND h.kind = 'signpost') AS signposted,
  EXISTS (SELECT 1 FROM referrals_handover h
          WHERE h.referral_id = r.id AND h.outcome = 'connected') AS handover_connected,
  r.onward_from_id::bigint AS onward_from_key
FROM referrals_referral r
LEFT JOIN care_episode e ON e.referral_id = r.id
JOIN organisations_team t ON t.id = coalesce(r.accepted_team_id, r.team_id)
JOIN organisations_organisation o ON o.id = t.organisation_id
LEFT JOIN organisations_locality rl ON rl.id = r.locality_id
LEFT JOIN people_person p ON p.id = r.person_id
LEFT JOIN places_postcode pc ON pc.postcode = p.postcode
LEFT JOIN organisations_locality pl ON pl.id = pc.locality_id
"""

CONTACTS = f"""
CREATE VIEW insights_contacts AS
SELECT
  c.id::bigint AS contact_key,
  e.referral_id::bigint AS referral_key,
  c.episode_id::bigint AS episode_key,
  e.person_id::bigint AS person_key,
  c.practitioner_id::bigint AS practitioner_key,
  c.team_id::bigint AS team_key,
  {provider_type("o.kind")} AS provider_type,
  {team_type_code("t.team_type")} AS team_type_code,
  (c.starts_at {LOCAL}) AS starts_at,
  (c.starts_at {LOCAL})::date AS contact_on,
  c.mode::text AS mode,
  (c.mode IN ('face_to_face', 'phone', 'video')) AS direct,
  CASE WHEN c.outcome = '' THEN 'planned' ELSE c.outcome END::text AS outcome,
  (c.outcome = 'attended') AS attended,
  c.kind::text AS kind,
  (c.kind = 'assessment') AS assessment,
  (c.kind IN ('coaching', 'peer_support', 'group')) AS intervention,
  c.duration_minutes::bigint AS duration_minutes
FROM care_contact c
JOIN care_episode e ON e.id = c.episode_id
JOIN organisations_team t ON t.id = c.team_id
JOIN organisations_organisation o ON o.id = t.organisation_id
"""

EPISODES = f"""
CREATE VIEW insights_episodes AS
SELECT
  e.id::bigint AS episode_key,
  e.referral_id::bigint AS referral_key,
  e.person_id::bigint AS person_key,
  t.id::bigint AS team_key,
  o.id::bigint AS organisation_key,
  {provider_type("o.kind")} AS provider_type,
  (e.started_at {LOCAL}) AS started_at,
  (e.ended_at {LOCAL}) AS ended_at,
  fp.first_agreed_on AS first_plan_agreed_on
FROM care_episode e
LEFT JOIN (
  SELECT cp.episode_id, min(v.agreed_on) AS first_agreed_on
  FROM care_careplan cp JOIN care_careplanversion v ON v.plan_id = cp.id
  GROUP BY cp.episode_id
) fp ON fp.episode_id = e.id
JOIN organisations_team t ON t.id = e.lead_team_id
JOIN organisations_organisation o ON o.id = t.organisation_id
"""

PLAN_VERSIONS = f"""
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

INTENSITY = f"""
CREATE VIEW insights_intensity AS
SELECT
  i.episode_id::bigint AS episode_key,
  i.intensity::text AS intensity,
  (i.changed_at {LOCAL}) AS changed_at
FROM care_intensitychange i
"""

ALLOCATIONS = f"""
CREATE VIEW insights_allocations AS
SELECT
  a.episode_id::bigint AS episode_key,
  a.key_worker_id::bigint AS key_worker_key,
  (a.started_at {LOCAL}) AS started_at,
  (a.ended_at {LOCAL}) AS ended_at
FROM care_allocation a
"""

SCORES = f"""
CREATE VIEW insights_scores AS
SELECT
  s.episode_id::bigint AS episode_key,
  e.referral_id::bigint AS referral_key,
  s.person_id::bigint AS person_key,
  s.response_id::bigint AS response_key,
  s.measure::text AS measure,
  s.key::text AS score_key,
  s.snomed::text AS snomed,
  s.value::double precision AS value,
  (s.completed_at {LOCAL}) AS completed_at
FROM outcomes_score s
JOIN care_episode e ON e.id = s.episode_id
WHERE s.current AND s.in_change
"""

MEASURE_RULES = """
CREATE VIEW insights_measure_rules AS
SELECT
  q.name::text AS measure,
  (s ->> 'id')::text AS score_key,
  coalesce(s ->> 'better', 'higher')::text AS better,
  (s -> 'reliableChange' ->> 'threshold')::double precision AS reliable_change
FROM outcomes_questionnaire q,
     jsonb_array_elements(q.definition -> 'scoring' -> 'scores') AS s
WHERE q.is_current AND coalesce((s ->> 'change')::boolean, false)
"""

TEAMS = f"""
CREATE VIEW insights_teams AS
SELECT
  t.id::bigint AS team_key,
  t.name::text AS team_name,
  {team_type_code("t.team_type")} AS team_type_code,
  o.id::bigint AS organisation_key,
  o.name::text AS organisation_name,
  {provider_type("o.kind")} AS provider_type
FROM organisations_team t
JOIN organisations_organisation o ON o.id = t.organisation_id
"""

RESIDENTS = """
CREATE VIEW insights_residents AS
SELECT
  l.name::text AS locality,
  r.dimension::text AS dimension,
  r.group_name::text AS group_name,
  r.residents::bigint AS residents
FROM places_residents r
JOIN organisations_locality l ON l.id = r.locality_id
"""

VIEWS = {
    "insights_people": PEOPLE,
    "insights_referrals": REFERRALS,
    "insights_contacts": CONTACTS,
    "insights_episodes": EPISODES,
    "insights_plan_versions": PLAN_VERSIONS,
    "insights_intensity": INTENSITY,
    "insights_allocations": ALLOCATIONS,
    "insights_scores": SCORES,
    "insights_measure_rules": MEASURE_RULES,
    "insights_teams": TEAMS,
    "insights_residents": RESIDENTS,
}


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_record_history"),
        ("places", "0002_residents"),
        ("referrals", "0001_initial"),
        ("care", "0003_key_working"),
        ("outcomes", "0001_initial"),
        ("organisations", "0002_privacy_lead_role"),
    ]

    operations = [
        migrations.RunSQL(sql, reverse_sql=f"DROP VIEW IF EXISTS {name}")
        for name, sql in VIEWS.items()
    ]
