"""The key-working parts of a person's subject access export (``sharing.subject_access``): their
episodes of care (with who was their key worker, how intensive their support was and who was in
their care team, over time), their contacts, every version of their care and support plan, their
goals and ratings, the notes they left for plan conversations, and how they want to be in touch.

Every row is reached from the person (``episode__person``), a fixed number of queries per section
whatever the size of the record.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from alongside.care.models import (
    Allocation,
    Authorship,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    ContactPreferences,
    Episode,
    Goal,
    GoalRating,
    IntensityChange,
    Mode,
    PlanNote,
    RiskFlag,
    TimeOfDay,
)
from alongside.care.plan_presenters import SECTIONS
from alongside.organisations.models import Team
from alongside.people.models import Person
from alongside.referrals.models import ClosureReason
from alongside.sharing.subject_access import coded, iso, staff_name, team_entry

_CLOSURE_REASONS = dict(ClosureReason.choices)
_MODES = dict(Mode.choices)
_TIMES = dict(TimeOfDay.choices)
_AUTHORSHIP = dict(Authorship.choices)


def organisations_holding_care(person: Person) -> list[int]:
    """The organisations of the lead teams holding the person's care, most current first: of
    each open episode (newest first), then of the episode that ended last."""
    rows = Episode.objects.filter(person=person).values_list(
        "lead_team__organisation_id", "ended_at"
    )
    open_ones = [org for org, ended in rows.order_by("-started_at", "-id") if ended is None]
    last_ended = rows.filter(ended_at__isnull=False).order_by("-ended_at", "-id").first()
    found = list(dict.fromkeys(open_ones))
    if last_ended is not None and last_ended[0] not in found:
        found.append(last_ended[0])
    return found


def episodes_of_care(person: Person) -> list[dict[str, Any]]:
    """Each episode of care, oldest first: its lead and partner teams, dates and discharge, and
    its key workers, intensity changes and care team over time."""
    rows = (
        Episode.objects.filter(person=person)
        .select_related("referral", "lead_team__organisation", "discharged_by")
        .prefetch_related(
            Prefetch(
                "partner_teams",
                queryset=Team.objects.select_related("organisation").order_by("name", "id"),
            ),
            Prefetch(
                "allocations",
                queryset=Allocation.objects.select_related("key_worker", "allocated_by").order_by(
                    "started_at", "id"
                ),
            ),
            Prefetch(
                "intensity_changes",
                queryset=IntensityChange.objects.select_related("changed_by").order_by(
                    "changed_at", "id"
                ),
            ),
            Prefetch(
                "care_team",
                queryset=CareTeamMember.objects.select_related(
                    "user", "team__organisation", "added_by"
                ).order_by("started_at", "id"),
            ),
        )
        .order_by("started_at", "id")
    )
    return [
        {
            "id": e.pk,
            "referral": e.referral.reference,
            "lead_team": team_entry(e.lead_team),
            "partner_teams": [team_entry(t) for t in e.partner_teams.all()],
            "started_at": iso(e.started_at),
            "ended_at": iso(e.ended_at),
            "intensity": coded(e.intensity, e.get_intensity_display()),
            "discharge_reason": coded(
                e.discharge_reason, _CLOSURE_REASONS.get(e.discharge_reason, "")
            ),
            "discharge_summary": e.discharge_summary,
            "discharged_by": staff_name(e.discharged_by),
            "key_workers": [
                {
                    "key_worker": staff_name(a.key_worker),
                    "started_at": iso(a.started_at),
                    "ended_at": iso(a.ended_at),
                    "reason": a.reason,
                    "allocated_by": staff_name(a.allocated_by),
                }
                for a in e.allocations.all()
            ],
            "intensity_changes": [
                {
                    "intensity": coded(c.intensity, c.get_intensity_display()),
                    "changed_at": iso(c.changed_at),
                    "reason": c.reason,
                    "changed_by": staff_name(c.changed_by),
                }
                for c in e.intensity_changes.all()
            ],
            "care_team": [
                {
                    "member": staff_name(m.user),
                    "team": team_entry(m.team),
                    "role": m.role,
                    "started_at": iso(m.started_at),
                    "ended_at": iso(m.ended_at),
                    "added_by": staff_name(m.added_by),
                }
                for m in e.care_team.all()
            ],
        }
        for e in rows
    ]


def contacts(person: Person) -> list[dict[str, Any]]:
    """Every contact, planned or recorded, oldest first, with its note whatever its sharing."""
    rows = (
        Contact.objects.filter(episode__person=person)
        .select_related("practitioner", "team__organisation", "recorded_by")
        .order_by("starts_at", "id")
    )
    return [
        {
            "episode": c.episode_id,
            "starts_at": iso(c.starts_at),
            "mode": coded(c.mode, c.get_mode_display()),
            "kind": coded(c.kind, c.get_kind_display()),
            "outcome": coded(c.outcome, c.get_outcome_display()),
            "duration_minutes": c.duration_minutes,
            "practitioner": staff_name(c.practitioner),
            "team": team_entry(c.team),
            "others_present": c.others_present,
            "note": c.note,
            "note_sharing": coded(c.note_sharing, c.get_note_sharing_display()),
            "recorded_by": staff_name(c.recorded_by),
            "recorded_at": iso(c.recorded_at),
        }
        for c in rows
    ]


def _authorship(version: CarePlanVersion, name: str) -> dict[str, str] | None:
    code = (version.authorship or {}).get(name, "")
    return coded(code, _AUTHORSHIP.get(code, code))


def care_and_support_plan(person: Person) -> list[dict[str, Any]]:
    """Every version of the plan of each episode, oldest first: each section's words and who
    wrote them, the goals and actions at that version, and whether and how it was agreed."""
    rows = (
        CarePlanVersion.objects.filter(plan__episode__person=person)
        .select_related("plan", "created_by", "agreement_recorded_by")
        .order_by("plan__episode__started_at", "plan__episode_id", "number")
    )
    return [
        {
            "episode": v.plan.episode_id,
            "version": v.number,
            "current": v.number == v.plan.current_version,
            "sections": [
                {
                    "name": s.name,
                    "heading": s.heading,
                    "text": getattr(v, s.name),
                    "written_by": _authorship(v, s.name),
                }
                for s in SECTIONS
            ],
            "goals": list(v.goals),
            "actions": list(v.actions),
            "actions_written_by": _authorship(v, "actions"),
            "review_on": iso(v.review_on),
            "person_present": v.person_present,
            "change_note": v.change_note,
            "created_by": staff_name(v.created_by),
            "created_at": iso(v.created_at),
            "agreed_on": iso(v.agreed_on),
            "agreement_method": coded(v.agreement_method, v.get_agreement_method_display()),
            "agreement_recorded_by": staff_name(v.agreement_recorded_by),
        }
        for v in rows
    ]


def goals(person: Person) -> list[dict[str, Any]]:
    """Every goal, open and ended, oldest first, with each rating of it (0 to 10)."""
    rows = (
        Goal.objects.filter(episode__person=person)
        .select_related("created_by")
        .prefetch_related(
            Prefetch(
                "ratings",
                queryset=GoalRating.objects.select_related("recorded_by").order_by(
                    "rated_at", "id"
                ),
            )
        )
        .order_by("created_at", "id")
    )
    return [
        {
            "id": g.pk,
            "episode": g.episode_id,
            "text": g.text,
            "worded_by": coded(g.worded_by, g.get_worded_by_display()),
            "created_at": iso(g.created_at),
            "created_by": staff_name(g.created_by),
            "ended_at": iso(g.ended_at),
            "ended_because": g.ended_because,
            "ratings": [
                {
                    "score": r.score,
                    "rated_at": iso(r.rated_at),
                    "rated_by": coded(r.rated_by, r.get_rated_by_display()),
                    "recorded_by": staff_name(r.recorded_by),
                }
                for r in g.ratings.all()
            ],
        }
        for g in rows
    ]


def notes_for_plan_conversations(person: Person) -> list[dict[str, Any]]:
    """What the person wrote in their portal for the next conversation about their plan."""
    rows = (
        PlanNote.objects.filter(episode__person=person)
        .select_related("read_by")
        .order_by("written_at", "id")
    )
    return [
        {
            "episode": n.episode_id,
            "text": n.text,
            "urgent": n.urgent,
            "written_at": iso(n.written_at),
            "read_at": iso(n.read_at),
            "read_by": staff_name(n.read_by),
        }
        for n in rows
    ]


def risk_flags(person: Person) -> list[dict[str, Any]]:
    """What was raised about the person's safety, by whom, and what was done."""
    rows = (
        RiskFlag.objects.filter(person=person)
        .select_related("raised_by", "acted_by")
        .order_by("raised_at", "id")
    )
    return [
        {
            "episode": f.episode_id,
            "source": coded(f.source, f.get_source_display()),
            "said": f.said,
            "raised_at": iso(f.raised_at),
            "raised_by": staff_name(f.raised_by),
            "escalated_at": iso(f.escalated_at),
            "acted_at": iso(f.acted_at),
            "acted_by": staff_name(f.acted_by),
            "what_was_done": f.action,
        }
        for f in rows
    ]


def contact_preferences(person: Person) -> dict[str, Any] | None:
    """How the person wants to be in touch (``None`` when never stated)."""
    p = ContactPreferences.objects.filter(person=person).select_related("updated_by").first()
    if p is None:
        return None
    return {
        "modes": [{"code": m, "label": _MODES.get(m, m)} for m in p.modes],
        "times": [{"code": t, "label": _TIMES.get(t, t)} for t in p.times],
        "others_may_join": p.others_may_join,
        "who_may_be_involved": p.who_may_be_involved,
        "stated_in_portal": p.stated_in_portal,
        "updated_at": iso(p.updated_at),
        "updated_by": staff_name(p.updated_by),
    }
