"""The person's own copy of their record (``sharing.subject_access.own_copy``): what their portal
shows them, read with the same queries the portal's pages use, so that the file holds nothing the
pages hide. A contact's note is there only when it was shared with the person (``queries``
never selects any other); notes kept to the care team or to one organisation, supervision
discussions, referrals and everything else the portal does not show stay out, and come only in
the copy the privacy lead reviews and releases when the person asks for everything.

The plan, goals and care team are those of the person's current episode of care, as in the
portal; contacts, questionnaires and notes for the next conversation are all of theirs.
"""

from __future__ import annotations

from typing import Any

from alongside.care import subject_access as care_sections
from alongside.care.models import Episode
from alongside.people.models import Person
from alongside.portal import presenters, queries
from alongside.sharing.subject_access import coded, iso, staff_name


def _current(person: Person) -> Episode | None:
    return queries.current_episode(person)


def your_care(person: Person) -> dict[str, Any] | None:
    """Who is supporting the person now: the lead team, key worker and care team (the portal's
    care team page)."""
    episode = _current(person)
    if episode is None:
        return None
    worker = queries.key_worker(episode)
    members = presenters.care_team(episode, worker, queries.care_team_members(episode))
    return {
        "team": episode.lead_team.name,
        "organisation": episode.lead_team.organisation.name,
        "since": iso(episode.started_at),
        "people": [
            {"name": m.name, "role": m.role, "team": m.team, "organisation": m.organisation}
            for m in members
        ],
    }


def plan(person: Person) -> dict[str, Any] | None:
    """The current version of the plan, with the sections the portal's plan page shows."""
    episode = _current(person)
    version = queries.plan_version(episode) if episode else None
    if version is None:
        return None
    shown = presenters.ABOUT_SECTIONS + presenters.SAFETY_SECTIONS
    return {
        "version": version.number,
        "written_at": iso(version.created_at),
        "written_by": staff_name(version.created_by),
        "agreed_on": iso(version.agreed_on),
        "review_on": iso(version.review_on),
        "sections": [{"heading": h, "text": getattr(version, n)} for n, h in shown],
        "goals": [str(g.get("text", "")) for g in (version.goals or []) if isinstance(g, dict)],
        "actions": [
            {"who": str(a.get("who", "")), "what": str(a.get("what", ""))}
            for a in (version.actions or [])
            if isinstance(a, dict)
        ],
    }


def goals(person: Person) -> list[dict[str, Any]]:
    """The goals of the current episode, each with its ratings (the portal's goals page)."""
    episode = _current(person)
    if episode is None:
        return []
    return [
        {
            "text": g.text,
            "ended_at": iso(g.ended_at),
            "ended_because": g.ended_because,
            "ratings": [
                {
                    "score": r.score,
                    "rated_at": iso(r.rated_at),
                    "rated_by": coded(r.rated_by, r.get_rated_by_display()),
                }
                for r in g.ratings_newest_first
            ],
        }
        for g in queries.goals(episode)
    ]


def contacts(person: Person) -> list[dict[str, Any]]:
    """Appointments and contacts, oldest first, each with its note only when it was shared with
    the person (the portal's appointments page)."""
    return [
        {
            "starts_at": iso(c.starts_at),
            "mode": coded(c.mode, c.get_mode_display()),
            "kind": coded(c.kind, c.get_kind_display()),
            "outcome": coded(c.outcome, c.get_outcome_display()),
            "with": staff_name(c.practitioner),
            "team": c.team.name,
            "organisation": c.team.organisation.name,
            "note": c.shared_note,
        }
        for c in queries.all_contacts(person)
    ]


def notes_for_next_time(person: Person) -> list[dict[str, Any]]:
    """What the person wrote for their next conversation, newest first."""
    return [
        {
            "text": n.text,
            "written_at": iso(n.written_at),
            "read_at": iso(n.read_at),
            "read_by": staff_name(n.read_by),
        }
        for n in queries.plan_notes(person, limit=None)
    ]


def questionnaires(person: Person) -> list[dict[str, Any]]:
    """Completed questionnaires, newest first, with their current scores (the portal's
    questionnaires page)."""
    return [
        {
            "questionnaire": r.questionnaire.title,
            "completed_at": iso(r.completed_at),
            "mode": coded(r.mode, r.get_mode_display()),
            "scores": [
                {"score": s.key, "value": str(s.value), "band": s.band} for s in r.scores.all()
            ],
            "goals_rated": [link.goal.text for link in r.goal_links.all()],
        }
        for r in queries.completed_responses(person, limit=None)
    ]


#: The portal's sections of the person's own copy, in the order of its pages.
SECTIONS = (
    ("your_care", your_care),
    ("plan", plan),
    ("goals", goals),
    ("questionnaires", questionnaires),
    ("contacts", contacts),
    ("notes_for_next_time", notes_for_next_time),
    ("how_you_want_to_be_in_touch", care_sections.contact_preferences),
)
