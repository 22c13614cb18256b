"""The analysis tables every metric reads: one shape, on every engine.

Live, these are PostgreSQL views over the platform's own tables (``insights_*``, made by this
app's migrations). In a research extract (``alongside export research``) they are Parquet files
of exactly the same columns, with every key replaced by a salted hash. The national-scale
generator writes the same files directly. The metrics (``metrics.py``) are written once against
these tables and so run unchanged on PostgreSQL, DuckDB and Spark.

The tables hold no names, dates of birth, NHS numbers, addresses, postcodes, phone numbers or free
text: age is an age band, where a person lives is their LSOA, IMD decile and locality, and every
coded value is a label or a national code. ``TABLES`` is also the extract's data dictionary: an
extract holds these columns and no others, and a test scans for anything more.

Conventions: keys are 64-bit integers; every timestamp is local time in England (Europe/London),
without a zone; every grouping column (``DIMENSIONS``) is a non-empty string, 'Not known' when the
record does not say.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

#: Bumped when a column is added, removed or changes meaning; an extract records it.
SCHEMA_VERSION = 3

NOT_KNOWN = "Not known"

#: Age bands, youngest first. A referral's band is the person's age when it was received; a
#: person's band is their age on the extract's reference date.
AGE_BANDS: tuple[tuple[int, int | None, str], ...] = (
    (0, 17, "Under 18"),
    (18, 24, "18 to 24"),
    (25, 34, "25 to 34"),
    (35, 44, "35 to 44"),
    (45, 54, "45 to 54"),
    (55, 64, "55 to 64"),
    (65, 74, "65 to 74"),
    (75, None, "75 and over"),
)

#: What kind of organisation provides a team, from ``Organisation.kind``.
PROVIDER_TYPES: dict[str, str] = {
    "nhs_trust": "NHS",
    "vcse": "VCSE",
    "local_authority": "Local authority",
    "public_health": "Local authority",
    "gp_practice": "Primary care",
    "pcn": "Primary care",
    "other": "Other",
}

#: Stated gender (MHSDS 'gender') as it is grouped.
SEXES: dict[str, str] = {"1": "Male", "2": "Female", "9": "Indeterminate", "X": NOT_KNOWN}


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # an ibis data type name
    description: str
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    #: Columns holding keys that a research extract replaces with a salted hash.
    hashed: tuple[str, ...] = ()

    @property
    def schema(self) -> ibis.Schema:
        return ibis.schema({c.name: c.type for c in self.columns})

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def unbound(self) -> ir.Table:
        """The table as an ibis expression not bound to any engine."""
        return ibis.table(self.schema, name=self.name)

    @property
    def view(self) -> str:
        """The PostgreSQL view that presents it live."""
        return f"insights_{self.name}"


def C(name: str, type_: str, description: str, nullable: bool = True) -> Column:
    return Column(name, type_, description, nullable)


_DEMOGRAPHICS = (
    C("ethnic_group", "string", "Ethnic group (the 2001 Census groups MHSDS uses).", False),
    C(
        "imd_quintile",
        "string",
        "Index of Multiple Deprivation quintile, '1' most deprived.",
        False,
    ),
    C("sex", "string", "Stated gender: Male, Female, Indeterminate, Not known.", False),
    C("locality", "string", "The locality the person lives in (from the postcode).", False),
)

PEOPLE = Table(
    "people",
    "One row per person with at least one referral.",
    (
        C("person_key", "int64", "The person (a salted hash in an extract).", False),
        C("age_band", "string", "Age band on the reference date.", False),
        C("ethnic_category", "string", "NHS ethnic category code (A–S, Z stated not, 99).", False),
        *_DEMOGRAPHICS,
        C("lsoa_code", "string", "Lower layer super output area of residence, if known."),
        C("imd_decile", "int64", "IMD decile of the LSOA, 1 most deprived, if known."),
    ),
    hashed=("person_key",),
)

REFERRALS = Table(
    "referrals",
    "One row per referral. Carries the person's groups, so each metric can break down by them.",
    (
        C("referral_key", "int64", "The referral (a salted hash in an extract).", False),
        C("person_key", "int64", "The person, once triage has identified them."),
        C("received_at", "timestamp", "When the referral was received.", False),
        C("received_on", "date", "The day it was received (the waiting-time clock start).", False),
        C(
            "age_band",
            "string",
            "Age band when the referral was received (from the person's date of birth once "
            "matched, as MHSDS submits it; the referrer's before).",
            False,
        ),
        C("adult", "boolean", "18 or over when the referral was received (likewise).", False),
        *_DEMOGRAPHICS,
        C("referral_source", "string", "Who referred: Self-referral, GP practice, ….", False),
        C(
            "source_code",
            "string",
            "MHSDS SourceOfReferralMH, '' when there is none (a record NHS England rejects). An "
            "NHS mental health trust is P1 here; the export gives another trust I2.",
            False,
        ),
        C("self_referral", "boolean", "The person referred themself.", False),
        C(
            "team_key",
            "int64",
            "The team holding the referral (the accepting team once accepted).",
            False,
        ),
        C("organisation_key", "int64", "That team's organisation.", False),
        C(
            "provider_type",
            "string",
            "That organisation's kind: NHS, VCSE, Local authority, ….",
            False,
        ),
        C(
            "team_type_code",
            "string",
            "MHSDS ServTeamTypeRefToMH of that team, '' for none.",
            False,
        ),
        C(
            "state",
            "string",
            "received, in_triage, for_meeting, accepted, signposted, declined, closed.",
            False,
        ),
        C("accepted", "boolean", "Accepted into an episode of care.", False),
        C("accepted_at", "timestamp", "When the episode of care began."),
        C("ended_at", "timestamp", "When the referral was rejected, closed or discharged."),
        C("rejection_reason", "string", "MHSDS ReferRejectReason, '' for none.", False),
        C("closure_reason", "string", "MHSDS ReferClosReason, '' for none.", False),
        C("bounce", "boolean", "Closed without acceptance and with no named next step.", False),
        C(
            "signposted",
            "boolean",
            "Passed to a directory service or team with a warm handover.",
            False,
        ),
        C(
            "handover_connected",
            "boolean",
            "A follow-up recorded that the person connected.",
            False,
        ),
        C("onward_from_key", "int64", "The referral whose warm handover made this one."),
    ),
    hashed=("referral_key", "person_key", "onward_from_key"),
)

CONTACTS = Table(
    "contacts",
    "One row per contact with a person in an episode of care, planned or past.",
    (
        C("contact_key", "int64", "The contact (a salted hash in an extract).", False),
        C("referral_key", "int64", "The referral whose episode the contact belongs to.", False),
        C("episode_key", "int64", "The episode of care.", False),
        C("person_key", "int64", "The person.", False),
        C("practitioner_key", "int64", "The practitioner (a salted hash in an extract).", False),
        C("team_key", "int64", "The team the practitioner worked for in the contact.", False),
        C("provider_type", "string", "The kind of organisation that team belongs to.", False),
        C("team_type_code", "string", "MHSDS team type of that team, '' for none.", False),
        C("starts_at", "timestamp", "When the contact began (or is planned to).", False),
        C("contact_on", "date", "The day of the contact.", False),
        C("mode", "string", "face_to_face, phone, video or text.", False),
        C("direct", "boolean", "Face to face, by telephone or by video.", False),
        C(
            "outcome",
            "string",
            "planned, attended, did_not_attend, cancelled_by_person, cancelled_by_service.",
            False,
        ),
        C("attended", "boolean", "The person attended.", False),
        C("kind", "string", "assessment, coaching, review, peer_support, group, other.", False),
        C("assessment", "boolean", "Coded as an assessment procedure.", False),
        C(
            "intervention",
            "boolean",
            "Coded as an intervention (coaching, peer support, group).",
            False,
        ),
        C("duration_minutes", "int64", "Length of the contact in minutes, if recorded."),
    ),
    hashed=("contact_key", "referral_key", "episode_key", "person_key", "practitioner_key"),
)

EPISODES = Table(
    "episodes",
    "One row per episode of care (an accepted referral).",
    (
        C("episode_key", "int64", "The episode (a salted hash in an extract).", False),
        C("referral_key", "int64", "The referral that opened it.", False),
        C("person_key", "int64", "The person.", False),
        C("team_key", "int64", "The lead team.", False),
        C("organisation_key", "int64", "The lead team's organisation.", False),
        C("provider_type", "string", "The lead organisation's kind.", False),
        C("started_at", "timestamp", "When the episode began (the referral was accepted).", False),
        C("ended_at", "timestamp", "When the person was discharged, if they have been."),
        C("first_plan_agreed_on", "date", "The day a care plan version was first agreed."),
    ),
    hashed=("episode_key", "referral_key", "person_key"),
)

PLAN_VERSIONS = Table(
    "plan_versions",
    "One row per version of a care and support plan.",
    (
        C("episode_key", "int64", "The episode the plan belongs to.", False),
        C("number", "int64", "The version number, from 1.", False),
        C("created_at", "timestamp", "When the version was written.", False),
        C("agreed_on", "date", "The day the person agreed this version, if they have."),
        C("review_on", "date", "The review date this version set, if any."),
        C(
            "sections_recorded",
            "int64",
            "How many of this version's sections (and its actions) have their author recorded.",
            False,
        ),
        C(
            "sections_with_person",
            "int64",
            "Of those, how many the person wrote, or wrote together with their key worker.",
            False,
        ),
        C(
            "person_present",
            "boolean",
            "Whether the person took part in writing or reviewing this version; empty when not "
            "recorded.",
        ),
    ),
    hashed=("episode_key",),
)

INTENSITY = Table(
    "intensity",
    "Every intensity an episode has had: the starting one and each step up or down.",
    (
        C("episode_key", "int64", "The episode.", False),
        C("intensity", "string", "low, medium or high.", False),
        C("changed_at", "timestamp", "From when.", False),
    ),
    hashed=("episode_key",),
)

ALLOCATIONS = Table(
    "allocations",
    "Who was the key worker of each episode, from when to when.",
    (
        C("episode_key", "int64", "The episode.", False),
        C("key_worker_key", "int64", "The key worker (a salted hash in an extract).", False),
        C("started_at", "timestamp", "From when.", False),
        C("ended_at", "timestamp", "Until when, if it has ended."),
    ),
    hashed=("episode_key", "key_worker_key"),
)

SCORES = Table(
    "scores",
    "One row per completed outcome measure's change score (the score a measure's change is "
    "judged on: PHQ-9 total, DIALOG quality of life, the Goal Based Outcomes mean, …).",
    (
        C("episode_key", "int64", "The episode the measure was completed in.", False),
        C("referral_key", "int64", "That episode's referral.", False),
        C("person_key", "int64", "The person.", False),
        C("response_key", "int64", "The completed response (a salted hash in an extract).", False),
        C("measure", "string", "The measure's short name: phq9, gad7, dialog, gbo, ….", False),
        C("score_key", "string", "Which of the measure's scores this is.", False),
        C("snomed", "string", "The score's SNOMED CT code, '' for none.", False),
        C("value", "float64", "The score.", False),
        C("completed_at", "timestamp", "When the measure was completed.", False),
    ),
    hashed=("episode_key", "referral_key", "person_key", "response_key"),
)

MEASURE_RULES = Table(
    "measure_rules",
    "For each measure's change score: which way is better and how far is a reliable change.",
    (
        C("measure", "string", "The measure's short name.", False),
        C("score_key", "string", "The change score.", False),
        C("better", "string", "'higher' or 'lower'.", False),
        C("reliable_change", "float64", "The reliable change threshold, if the measure has one."),
    ),
)

TEAMS = Table(
    "teams",
    "Every team, its type and its organisation (no personal data).",
    (
        C("team_key", "int64", "The team.", False),
        C("team_name", "string", "The team's name.", False),
        C("team_type_code", "string", "MHSDS team type, '' for none.", False),
        C("organisation_key", "int64", "The organisation.", False),
        C("organisation_name", "string", "The organisation's name.", False),
        C("provider_type", "string", "The organisation's kind.", False),
    ),
)

RESIDENTS = Table(
    "residents",
    "How many people live in each locality, per group of one dimension (for representation).",
    (
        C("locality", "string", "The locality.", False),
        C("dimension", "string", "age_band, sex, ethnic_group or imd_quintile.", False),
        C("group_name", "string", "The group within the dimension.", False),
        C("residents", "int64", "Residents aged 18 and over in that group.", False),
    ),
)

SUPERVISION_TERMS = Table(
    "supervision_terms",
    "One row per term of a supervision agreement: who supervises whom, in which kind of "
    "supervision, at most how many weeks apart, from when to when. The supervisee's team, "
    "organisation and provider type are those of their first active care membership (a "
    "practitioner, coordinator, supervisor or team lead role not ended, the earliest started) "
    "when the table was read.",
    (
        C("agreement_key", "int64", "The agreement.", False),
        C("supervisee_key", "int64", "The member of staff supervised.", False),
        C("supervisor_key", "int64", "Their supervisor (who may work elsewhere).", False),
        C("kind", "string", "individual, group, meta or case_review.", False),
        C("every_weeks", "int64", "At most how many weeks apart, 1 to 52.", False),
        C("starts_on", "date", "The day the agreement starts.", False),
        C("ends_on", "date", "The last day of the agreement, if it has one."),
        C(
            "team_key",
            "int64",
            "The supervisee's team: their first active care membership's, if they have one.",
        ),
        C("organisation_key", "int64", "That team's organisation."),
        C(
            "provider_type",
            "string",
            "That organisation's kind: NHS, VCSE, …; 'Not known' without a membership.",
            False,
        ),
        C(
            "supervisee_is_supervisor",
            "boolean",
            "The supervisee is a supervisor too: holds an active supervisor role or supervises "
            "someone under an agreement not yet ended (for meta-supervision coverage).",
            False,
        ),
    ),
    hashed=("agreement_key", "supervisee_key", "supervisor_key"),
)

SUPERVISION_ATTENDANCE = Table(
    "supervision_attendance",
    "One row per supervisee attending a supervision session held: a group session has a row "
    "for each of those who attended.",
    (
        C("session_key", "int64", "The session.", False),
        C("supervisee_key", "int64", "The member of staff who attended.", False),
        C("supervisor_key", "int64", "The session's supervisor.", False),
        C("kind", "string", "individual, group, meta or case_review.", False),
        C("held_on", "date", "The day it was held.", False),
    ),
    hashed=("session_key", "supervisee_key", "supervisor_key"),
)

# --- co-production ------------------------------------------------------------------------------

GOALS = Table(
    "goals",
    "One row per goal of an episode (its words are not in the extract): when it was set, "
    "when it ended, and whose words it is in.",
    (
        C("episode_key", "int64", "The episode.", False),
        C("created_at", "timestamp", "When the goal was set.", False),
        C("ended_at", "timestamp", "When it ended (reached, replaced or let go), if it has."),
        C(
            "worded_by",
            "string",
            "Whose words it is in: person, together or practitioner; '' when not recorded.",
            False,
        ),
    ),
    hashed=("episode_key",),
)

MEETING_DECISIONS = Table(
    "meeting_decisions",
    "One row per decision an integrated locality meeting made about an open episode, and "
    "whether the person (or their advocate) took part.",
    (
        C("episode_key", "int64", "The episode decided about.", False),
        C("meeting_at", "timestamp", "When the meeting began.", False),
        C(
            "person_present",
            "boolean",
            "Whether the person or their advocate took part when it was decided; empty when "
            "not recorded.",
        ),
    ),
    hashed=("episode_key",),
)

PREFERENCE_CHECKS = Table(
    "preference_checks",
    "One row per attended contact of a person who has stated their contact preferences (the "
    "modes and times of day that suit them, and whether others may join), held at or after "
    "they last stated them: whether the contact kept to every preference stated. Times of day "
    "are in England: before 12 noon morning, 12 noon to 5pm afternoon, from 5pm evening. Only "
    "the person's current preferences are kept, so a contact is judged against them.",
    (
        C("contact_key", "int64", "The contact.", False),
        C("episode_key", "int64", "The episode it belongs to.", False),
        C("starts_at", "timestamp", "When the contact began.", False),
        C(
            "preferences_stated_at",
            "timestamp",
            "When the person last stated their contact preferences.",
            False,
        ),
        C(
            "honoured",
            "boolean",
            "The contact kept to every preference stated: its mode, the time of day it began, "
            "and no one else joining when the person said no.",
            False,
        ),
    ),
    hashed=("contact_key", "episode_key"),
)

COLLABORATE = Table(
    "collaborate",
    "One row per completed CollaboRATE response (shared decision-making, three questions "
    "answered 0 to 9) with current scores: a corrected response's retired scores are left out.",
    (
        C("episode_key", "int64", "The episode it was completed in.", False),
        C("response_key", "int64", "The response.", False),
        C("completed_at", "timestamp", "When it was completed.", False),
        C("top", "boolean", "It got the top score (every answer 9); empty without that score."),
        C("total", "float64", "The total score, 0 to 27; empty without that score."),
    ),
    hashed=("episode_key", "response_key"),
)

REVIEW_RATINGS = Table(
    "review_ratings",
    "One row per rating in a co-production review of a team: staff and experts by experience "
    "each rate the six core characteristics of co-production from 1 (not yet) to 5 "
    "(embedded). Reviews of a whole organisation or alliance are not in it.",
    (
        C("review_key", "int64", "The review.", False),
        C("team_key", "int64", "The team reviewed.", False),
        C("held_on", "date", "The day the review was held.", False),
        C("raters", "string", "Who rated: staff or experts (experts by experience).", False),
        C(
            "characteristic",
            "string",
            "assets, capabilities, mutuality, peer_support, blurring or facilitating.",
            False,
        ),
        C("score", "int64", "The rating, 1 to 5.", False),
    ),
    hashed=("review_key",),
)

INVOLVEMENTS = Table(
    "involvements",
    "One row per piece of work an expert by experience took part in (who they are is not in "
    "the extract), and whether what changed because of it was recorded ('you said, we did').",
    (
        C("involvement_key", "int64", "The involvement.", False),
        C(
            "team_key",
            "int64",
            "The team the work was for; empty when it was for the whole organisation.",
        ),
        C("organisation_key", "int64", "The organisation the work was for.", False),
        C(
            "kind",
            "string",
            "strategic, recruitment, co_trainer, peer_researcher or service_design.",
            False,
        ),
        C("involved_on", "date", "The day of the work.", False),
        C("hours", "float64", "How many hours it took.", False),
        C("changed", "boolean", "What changed because of it is recorded.", False),
        C("changed_on", "date", "The day that change was recorded, if it has been."),
    ),
    hashed=("involvement_key",),
)

TEAM_LOCALITIES = Table(
    "team_localities",
    "Which localities each team serves: a row per team and locality (a team may serve several, "
    "or none).",
    (
        C("team_key", "int64", "The team.", False),
        C("locality", "string", "A locality it serves.", False),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        PEOPLE,
        REFERRALS,
        CONTACTS,
        EPISODES,
        PLAN_VERSIONS,
        INTENSITY,
        ALLOCATIONS,
        SCORES,
        MEASURE_RULES,
        TEAMS,
        RESIDENTS,
        SUPERVISION_TERMS,
        SUPERVISION_ATTENDANCE,
        GOALS,
        MEETING_DECISIONS,
        PREFERENCE_CHECKS,
        COLLABORATE,
        REVIEW_RATINGS,
        INVOLVEMENTS,
        TEAM_LOCALITIES,
    )
}

#: What a metric can be broken down by, with its heading. Every one is a column of ``referrals``.
DIMENSIONS: dict[str, str] = {
    "ethnic_group": "Ethnic group",
    "imd_quintile": "Deprivation (IMD quintile)",
    "age_band": "Age band",
    "sex": "Sex",
    "locality": "Locality",
    "referral_source": "Referral source",
    "provider_type": "Provider type",
}

#: The dimensions the place's resident population is known by.
RESIDENT_DIMENSIONS = ("age_band", "sex", "ethnic_group", "imd_quintile")


def unbound_tables() -> dict[str, ir.Table]:
    """Every analysis table as an unbound ibis table, for building expressions."""
    return {name: table.unbound() for name, table in TABLES.items()}
