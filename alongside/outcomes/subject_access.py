"""The outcome measures part of a person's subject access export (``sharing.subject_access``):
every questionnaire response of theirs, completed or in progress, with its answers as stored (by
item), the scores it got, and the goals it rated. Corrected responses stay in, beside the
corrections that replaced them, as they do in the record.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Prefetch

from alongside.outcomes.models import Response, ResponseGoal, Score
from alongside.people.models import Person
from alongside.sharing.subject_access import coded, iso, staff_name


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def outcome_measures(person: Person) -> list[dict[str, Any]]:
    """Every response, in the order it was started."""
    rows = (
        Response.objects.filter(person=person)
        .select_related(
            "questionnaire", "started_by", "completed_by", "prompt_seen_by", "plan_version"
        )
        .prefetch_related(
            Prefetch("scores", queryset=Score.objects.order_by("id")),
            Prefetch(
                "goal_links",
                queryset=ResponseGoal.objects.select_related("goal", "rating").order_by("link_id"),
            ),
        )
        .order_by("started_at", "id")
    )
    return [
        {
            "id": r.pk,
            "measure": {
                "name": r.questionnaire.name,
                "version": r.questionnaire.version,
                "title": r.questionnaire.title,
            },
            "episode": r.episode_id,
            "contact": r.contact_id,
            "plan_version": r.plan_version.number if r.plan_version_id else None,
            "status": coded(r.status, r.get_status_display()),
            "mode": coded(r.mode, r.get_mode_display()),
            "answers": r.answers,
            "started_at": iso(r.started_at),
            "started_by": staff_name(r.started_by),
            "updated_at": iso(r.updated_at),
            "completed_at": iso(r.completed_at),
            "completed_by": staff_name(r.completed_by),
            "corrects": r.corrects_id,
            "correction_reason": r.correction_reason,
            "flags": r.flags,
            "more_help": r.more_help,
            "prompt_seen_at": iso(r.prompt_seen_at),
            "prompt_seen_by": staff_name(r.prompt_seen_by),
            "scores": [
                {
                    "key": s.key,
                    "value": _number(s.value),
                    "band": s.band,
                    "snomed": s.snomed,
                    "used_for_change": s.in_change,
                    "current": s.current,
                }
                for s in r.scores.all()
            ],
            "goals_rated": [
                {
                    "item": g.link_id,
                    "goal": g.goal_id,
                    "goal_text": g.goal.text,
                    "rating": g.rating.score if g.rating else None,
                }
                for g in r.goal_links.all()
            ],
        }
        for r in rows
    ]
