"""The co-production part of a person's subject access export (``sharing.subject_access``).

The register of experts by experience is kept apart from Person records; an entry belongs in
this export only when the expert chose to link it to this person. It then comes with everything
the register holds about them: their details and consent, their roles, each involvement with
what was owed and paid for it, and the co-production reviews they helped rate. Money and hours
are strings with their stored decimal places, never rounded through a float.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from alongside.coproduction.models import Expert, ExpertRole, Involvement, Review
from alongside.organisations.models import Organisation
from alongside.people.models import Person
from alongside.sharing.subject_access import coded, iso, staff_name, team_entry


def _organisation(organisation: Organisation | None) -> str | None:
    return organisation.name if organisation is not None else None


def _role(role: ExpertRole) -> dict[str, Any]:
    return {
        "kind": coded(role.kind, role.get_kind_display()),
        "team": team_entry(role.team),
        "organisation": _organisation(role.organisation),
        "started_on": iso(role.started_on),
        "ended_on": iso(role.ended_on),
    }


def _involvement(i: Involvement) -> dict[str, Any]:
    return {
        "kind": coded(i.kind, i.get_kind_display()),
        "on": iso(i.on),
        "hours": str(i.hours),
        "team": team_entry(i.team),
        "organisation": _organisation(i.organisation),
        "what": i.what,
        "decided": i.decided,
        "changed": i.changed,
        "changed_on": iso(i.changed_on),
        "reward": coded(i.reward, i.get_reward_display()),
        "hourly": str(i.hourly),
        "owed": str(i.owed),
        "paid_on": iso(i.paid_on),
        "paid_by": staff_name(i.paid_by),
        "recorded_by": staff_name(i.recorded_by),
        "recorded_at": iso(i.recorded_at),
    }


def _review(review: Review) -> dict[str, Any]:
    subject = review.team or review.organisation or review.alliance
    return {"held_on": iso(review.held_on), "of": subject.name if subject else None}


def expert_by_experience(person: Person) -> dict[str, Any] | None:
    """The person's entry in the register of experts by experience, when they linked it to their
    record (``None`` otherwise)."""
    expert = (
        Expert.objects.filter(person=person)
        .select_related("organisation", "created_by")
        .prefetch_related(
            Prefetch(
                "roles",
                queryset=ExpertRole.objects.select_related(
                    "team__organisation", "organisation"
                ).order_by("started_on", "id"),
            ),
            Prefetch(
                "involvements",
                queryset=Involvement.objects.select_related(
                    "team__organisation", "organisation", "paid_by", "recorded_by"
                ).order_by("on", "id"),
            ),
            Prefetch(
                "reviews",
                queryset=Review.objects.select_related("team", "organisation", "alliance").order_by(
                    "held_on", "id"
                ),
            ),
        )
        .first()
    )
    if expert is None:
        return None
    return {
        "given_name": expert.given_name,
        "family_name": expert.family_name,
        "naming": coded(expert.naming, expert.get_naming_display()),
        "email": expert.email,
        "phone": expert.phone,
        "organisation": _organisation(expert.organisation),
        "consent_on": iso(expert.consent_on),
        "consent_note": expert.consent_note,
        "reward": coded(expert.reward, expert.get_reward_display()),
        "linked_on": iso(expert.linked_on),
        "left_on": iso(expert.left_on),
        "created_by": staff_name(expert.created_by),
        "created_at": iso(expert.created_at),
        "roles": [_role(r) for r in expert.roles.all()],
        "involvements": [_involvement(i) for i in expert.involvements.all()],
        "reviews_rated": [_review(r) for r in expert.reviews.all()],
    }
