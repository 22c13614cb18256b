"""The referrals part of a person's subject access export (``sharing.subject_access``): every
referral about them, as it was given, with each change of its state and each named next step.

The self-referral form's one-time key and the row version used for locking are the platform's own
machinery, not information about the person, and are left out.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from alongside.people.models import Person
from alongside.referrals.models import ContactMethod, Handover, Referral, State, Transition
from alongside.sharing.subject_access import coded, iso, staff_name, team_entry

_STATES = dict(State.choices)
_CONTACT_METHODS = dict(ContactMethod.choices)


def _transition(t: Transition) -> dict[str, Any]:
    return {
        "name": t.name,
        "from_state": coded(t.from_state, _STATES.get(t.from_state, t.from_state)),
        "to_state": coded(t.to_state, _STATES.get(t.to_state, t.to_state)),
        "by": staff_name(t.by),
        "at": iso(t.at),
        "reason": t.reason,
        "code": t.code,
    }


def _handover(h: Handover) -> dict[str, Any]:
    return {
        "kind": coded(h.kind, h.get_kind_display()),
        "service": h.service.name if h.service else None,
        "team": team_entry(h.team),
        "passed_on": h.passed_on,
        "told_person": h.told_person,
        "follow_up_on": iso(h.follow_up_on),
        "onward_referral": h.onward_referral.reference if h.onward_referral else None,
        "created_by": staff_name(h.created_by),
        "created_at": iso(h.created_at),
        "outcome": coded(h.outcome, h.get_outcome_display()),
        "outcome_note": h.outcome_note,
        "outcome_by": staff_name(h.outcome_by),
        "outcome_at": iso(h.outcome_at),
    }


def referrals(person: Person) -> list[dict[str, Any]]:
    """Every referral linked to the person, oldest first: the details as the referrer gave them,
    what was going on, where it was held and what became of it, its transitions and handovers."""
    rows = (
        Referral.objects.filter(person=person)
        .select_related(
            "referring_organisation",
            "referred_by",
            "gp_practice",
            "locality",
            "team__organisation",
            "accepted_team__organisation",
            "onward_from",
        )
        .prefetch_related(
            "needs",
            Prefetch(
                "transitions",
                queryset=Transition.objects.select_related("by").order_by("at", "id"),
            ),
            Prefetch(
                "handovers",
                queryset=Handover.objects.select_related(
                    "service",
                    "team__organisation",
                    "onward_referral",
                    "created_by",
                    "outcome_by",
                ).order_by("created_at", "id"),
            ),
        )
        .order_by("received_at", "id")
    )
    return [
        {
            "id": r.pk,
            "reference": r.reference,
            "source": coded(r.source, r.get_source_display()),
            "referring_organisation": (
                r.referring_organisation.name if r.referring_organisation else None
            ),
            "referred_by": staff_name(r.referred_by),
            "received_at": iso(r.received_at),
            "urgency": coded(r.urgency, r.get_urgency_display()),
            "urgency_reason": r.urgency_reason,
            "decision_due_at": iso(r.due_at),
            "escalated_at": iso(r.escalated_at),
            "thoughts_of_self_harm": coded(r.self_harm_thoughts, r.get_self_harm_thoughts_display())
            if r.self_harm_thoughts
            else None,
            "safe_now": coded(r.safe_now, r.get_safe_now_display()) if r.safe_now else None,
            "as_given": {
                "given_name": r.given_name,
                "family_name": r.family_name,
                "preferred_name": r.preferred_name,
                "date_of_birth": iso(r.date_of_birth),
                "nhs_number": r.nhs_number,
                "postcode": r.postcode,
                "address": r.address,
                "phone": r.phone,
                "email": r.email,
                "contact_methods": [
                    {"code": m, "label": _CONTACT_METHODS.get(m, m)} for m in r.contact_methods
                ],
                "may_leave_message": r.may_leave_message,
                "contact_safety": r.contact_safety,
                "consent_to_contact": r.consent_to_contact,
                "gp_practice": r.gp_practice.name if r.gp_practice else None,
                "gp_practice_name": r.gp_practice_name,
                "preferred_language": r.preferred_language,
                "interpreter_needed": r.interpreter_needed,
                "communication_needs": r.communication_needs,
                "access_needs": r.access_needs,
            },
            "concerns": r.concerns,
            "what_would_help": r.what_would_help,
            "needs": sorted(n.name for n in r.needs.all()),
            "person_knows": r.person_knows,
            "person_agreed": r.person_agreed,
            "locality": r.locality.name if r.locality else None,
            "team": team_entry(r.team),
            "state": coded(r.state, r.get_state_display()),
            "accepted_team": team_entry(r.accepted_team),
            "rejected_at": iso(r.rejected_at),
            "rejection_reason": coded(r.rejection_reason, r.get_rejection_reason_display()),
            "closed_at": iso(r.closed_at),
            "closure_reason": coded(r.closure_reason, r.get_closure_reason_display()),
            "onward_from": r.onward_from.reference if r.onward_from else None,
            "first_contact_at": iso(r.first_contact_at),
            "second_contact_at": iso(r.second_contact_at),
            "updated_at": iso(r.updated_at),
            "transitions": [_transition(t) for t in r.transitions.all()],
            "handovers": [_handover(h) for h in r.handovers.all()],
        }
        for r in rows
    ]
