"""Reads about sharing and access, shared by pages, exports and commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Organisation, OrganisationKind, Role
from alongside.people.models import Person
from alongside.sharing.models import (
    AccessEvent,
    Basis,
    BreakGlass,
    ClaimedRelationship,
    Consent,
    RequestStatus,
    SubjectAccessRequest,
)
from alongside.sharing.policy import care_memberships

AUDIT_PAGE_SIZE = 100


def consents_for(person: Person) -> QuerySet[Consent]:
    """Every consent the person has given, newest first, withdrawn ones included."""
    return (
        Consent.objects.filter(person=person)
        .select_related("organisation", "recorded_by", "withdrawn_by")
        .order_by("withdrawn_at", "-recorded_at")
    )


def looks_at(person: Person, *, include_own: bool = False) -> QuerySet[AccessEvent]:
    """Who looked at or changed the person's record (refused attempts left out)."""
    events = (
        AccessEvent.objects.filter(person_id=person.pk, allowed=True)
        .select_related("user", "organisation")
        .order_by("-occurred_at", "-id")
    )
    if not include_own:
        events = events.exclude(basis=Basis.SELF)
    return events


def privacy_lead_organisation_ids(user: User) -> list[int]:
    return list(
        Membership.objects.active()
        .filter(user=user, role=Role.PRIVACY_LEAD)
        .values_list("team__organisation_id", flat=True)
    )


# --- Who reviews: an organisation's privacy lead, or the place's --------------------------------


def _organisations_with_a_privacy_lead() -> QuerySet:
    return (
        Membership.objects.active().filter(role=Role.PRIVACY_LEAD).values("team__organisation_id")
    )


def break_glass_organisation(user: User) -> Organisation | None:
    """The organisation a user acts for when they break glass: that of their longest-standing
    membership in a role that works with people."""
    organisation_id = (
        care_memberships(user)
        .order_by("started_on", "id")
        .values_list("team__organisation_id", flat=True)
        .first()
    )
    return Organisation.objects.filter(pk=organisation_id).first() if organisation_id else None


def has_privacy_lead(organisation_id: int) -> bool:
    return (
        Membership.objects.active()
        .filter(role=Role.PRIVACY_LEAD, team__organisation_id=organisation_id)
        .exists()
    )


def place_privacy_organisation() -> Organisation | None:
    """The organisation whose privacy lead acts for the place: they review what an organisation
    without a privacy lead of its own does (a voluntary sector partner's break-glass, a request
    for a copy of a record no organisation with a privacy lead holds).

    ``ALONGSIDE_PLACE_PRIVACY_ORGANISATION`` names it by ODS code; when it is not set, it is the
    place's NHS trust, if exactly one NHS trust has a privacy lead. ``None`` when neither names
    one (a place with several trusts must set it).
    """
    code = getattr(settings, "PLACE_PRIVACY_ORGANISATION", "")
    if code:
        return Organisation.objects.filter(ods_code=code).first()
    trusts = list(
        Organisation.objects.filter(
            kind=OrganisationKind.NHS_TRUST, pk__in=_organisations_with_a_privacy_lead()
        ).order_by("pk")[:2]
    )
    return trusts[0] if len(trusts) == 1 else None


def reviewing_organisation(organisation: Organisation) -> Organisation | None:
    """Whose privacy lead reviews what is done for ``organisation``: its own privacy lead's, or
    when it has none, the place's; ``None`` when no privacy lead can (nothing is set up)."""
    if has_privacy_lead(organisation.pk):
        return organisation
    place = place_privacy_organisation()
    if place is not None and has_privacy_lead(place.pk):
        return place
    return None


def reviewed_by(organisation_ids: list[int]) -> Q:
    """A condition on ``organisation_id``: what privacy leads of these organisations review.
    Their own organisations' records; and, for the place's privacy lead, those of every
    organisation that has no privacy lead of its own."""
    condition = Q(organisation_id__in=organisation_ids)
    place = place_privacy_organisation()
    if place is not None and place.pk in organisation_ids:
        condition |= ~Q(organisation_id__in=_organisations_with_a_privacy_lead())
    return condition


def break_glass_to_review(organisation_ids: list[int]) -> QuerySet[BreakGlass]:
    """Break-glass accesses waiting for a review by a privacy lead of these organisations."""
    return (
        BreakGlass.objects.awaiting_review()
        .filter(reviewed_by(organisation_ids))
        .select_related("user", "organisation")
        .order_by("opened_at")
    )


def break_glass_for_review(organisation_ids: list[int], grant_id: int) -> BreakGlass | None:
    return (
        BreakGlass.objects.select_related("user", "organisation")
        .filter(reviewed_by(organisation_ids), pk=grant_id)
        .first()
    )


def claims_to_review(organisation_ids: list[int]) -> QuerySet[ClaimedRelationship]:
    """Self-claimed relationships waiting for a review by a privacy lead of these
    organisations, oldest first."""
    return (
        ClaimedRelationship.objects.awaiting_review()
        .filter(reviewed_by(organisation_ids))
        .select_related("user", "organisation")
        .order_by("claimed_at", "id")
    )


def claim_for_review(organisation_ids: list[int], claim_id: int) -> ClaimedRelationship | None:
    return (
        ClaimedRelationship.objects.select_related("user", "organisation", "reviewed_by")
        .filter(reviewed_by(organisation_ids), pk=claim_id)
        .first()
    )


# --- Subject access requests -------------------------------------------------------------------


def subject_access_due(organisation_ids: list[int]) -> QuerySet[SubjectAccessRequest]:
    """Requests waiting for an answer from a privacy lead of these organisations, soonest due
    first."""
    return (
        SubjectAccessRequest.objects.open()
        .filter(reviewed_by(organisation_ids))
        .select_related("organisation", "reviewer")
        .order_by("due_on", "id")
    )


def subject_access_for_review(
    organisation_ids: list[int], request_id: int
) -> SubjectAccessRequest | None:
    """One request a privacy lead of these organisations answers (open or answered)."""
    return (
        SubjectAccessRequest.objects.filter(reviewed_by(organisation_ids), pk=request_id)
        .select_related("organisation", "reviewer", "recorded_by")
        .prefetch_related("withheld")
        .first()
    )


def answers_request(user: User, request: SubjectAccessRequest) -> bool:
    """Whether ``user`` is a privacy lead who answers this request (their organisation's, or the
    place's for an organisation without a privacy lead)."""
    organisation_ids = privacy_lead_organisation_ids(user)
    return bool(organisation_ids) and (
        SubjectAccessRequest.objects.filter(reviewed_by(organisation_ids), pk=request.pk).exists()
    )


def subject_access_requests_of(person: Person) -> QuerySet[SubjectAccessRequest]:
    """The person's own requests, newest first."""
    return (
        SubjectAccessRequest.objects.filter(person=person)
        .select_related("organisation")
        .order_by("-asked_at", "-id")
    )


def released_request(person: Person, request_id: int) -> SubjectAccessRequest | None:
    """One of the person's own requests, if it has been released; ``None`` for anything else."""
    return (
        SubjectAccessRequest.objects.filter(
            person=person, pk=request_id, status=RequestStatus.RELEASED
        )
        .prefetch_related("withheld")
        .first()
    )


def audit_search(
    organisation_ids: list[int],
    *,
    person_id: int | None = None,
    username: str = "",
    basis: str = "",
    refused_only: bool = False,
    since: dt.date | None = None,
) -> QuerySet[AccessEvent]:
    """Access events by staff acting for the given organisations, filtered, newest first."""
    events = AccessEvent.objects.filter(organisation_id__in=organisation_ids)
    if person_id:
        events = events.filter(person_id=person_id)
    if username:
        events = events.filter(user__username__iexact=username)
    if basis:
        events = events.filter(basis=basis)
    if refused_only:
        events = events.filter(allowed=False)
    if since:
        events = events.filter(occurred_at__date__gte=since)
    return events.select_related("user", "organisation").order_by("-occurred_at", "-id")[
        :AUDIT_PAGE_SIZE
    ]


def record_history(person: Person) -> list[Any]:
    """Every change to the person's record and to their consents, as stored by the database's
    history triggers: who (when known), when, what changed from what."""
    import pghistory.models

    consent_ids = list(Consent.objects.filter(person=person).values_list("pk", flat=True))
    events = pghistory.models.MiddlewareEvents.objects.tracks(person)
    history = list(events.order_by("pgh_created_at"))
    if consent_ids:
        consents = Consent.objects.filter(pk__in=consent_ids)
        history += list(
            pghistory.models.MiddlewareEvents.objects.tracks(consents).order_by("pgh_created_at")
        )
    return sorted(history, key=lambda e: (e.pgh_created_at, e.pgh_id))
