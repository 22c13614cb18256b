"""Reads about sharing and access, shared by pages, exports and commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Role
from alongside.people.models import Person
from alongside.sharing.models import AccessEvent, Basis, BreakGlass, Consent

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


def break_glass_to_review(organisation_ids: list[int]) -> QuerySet[BreakGlass]:
    return (
        BreakGlass.objects.awaiting_review()
        .filter(organisation_id__in=organisation_ids)
        .select_related("user", "organisation")
        .order_by("opened_at")
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
