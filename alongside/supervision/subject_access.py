"""The supervision part of a person's subject access export (``sharing.subject_access``).

What is said about a person in supervision belongs to that person's record: each
``CaseDiscussion`` on one of their episodes, and the actions agreed in it, are exported. What is
about the practitioner's own practice and wellbeing stays between supervisor and supervisee: the
session's ``reflections`` are never read here (the query defers them), nor the session's other
discussions (about other people), its actions not tied to this person, or who else attended.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from alongside.people.models import Person
from alongside.sharing.subject_access import coded, iso, staff_name
from alongside.supervision.models import CaseDiscussion, SupervisionAction


def supervision_discussions(person: Person) -> list[dict[str, Any]]:
    """Every supervision discussion of the person's care, oldest session first."""
    rows = (
        CaseDiscussion.objects.filter(episode__person=person)
        .select_related("session__supervisor", "supervisee", "intensity_change")
        .defer("session__reflections")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=SupervisionAction.objects.select_related("owner", "done_by").order_by(
                    "due_on", "id"
                ),
            )
        )
        .order_by("session__held_on", "session_id", "id")
    )
    return [
        {
            "episode": d.episode_id,
            "session": {
                "held_on": iso(d.session.held_on),
                "kind": coded(d.session.kind, d.session.get_kind_display()),
                "supervisor": staff_name(d.session.supervisor),
            },
            "supervisee": staff_name(d.supervisee),
            "goals_progress": d.goals_progress,
            "working": d.working,
            "risks": d.risks,
            "next_steps": d.next_steps,
            "step": coded(d.step, d.get_step_display()),
            "intensity_change": (
                {
                    "intensity": coded(
                        d.intensity_change.intensity, d.intensity_change.get_intensity_display()
                    ),
                    "changed_at": iso(d.intensity_change.changed_at),
                    "reason": d.intensity_change.reason,
                }
                if d.intensity_change
                else None
            ),
            "actions": [
                {
                    "text": a.text,
                    "owner": staff_name(a.owner),
                    "due_on": iso(a.due_on),
                    "done_at": iso(a.done_at),
                    "done_by": staff_name(a.done_by),
                }
                for a in d.actions.all()
            ],
        }
        for d in rows
    ]
