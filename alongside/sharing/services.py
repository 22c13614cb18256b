"""Writes about sharing: consent given and withdrawn, break-glass opened and reviewed.

Each runs in one transaction. Changes made from a page are audited by the access door
(``access.person_data`` / ``own_record``) in that same transaction; the database keeps the
history of every row (django-pghistory triggers).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Organisation
from alongside.people.models import Person
from alongside.sharing import audit, policy
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    Action,
    Basis,
    BreakGlass,
    Consent,
    ConsentMethod,
    Part,
    ReviewOutcome,
)

MINIMUM_REASON_LENGTH = 20


@transaction.atomic
def record_consent(
    *,
    person: Person,
    organisation: Organisation,
    parts: Iterable[str],
    method: str,
    recorded_by: User,
    starts_on: dt.date | None = None,
    ends_on: dt.date | None = None,
    note: str = "",
) -> Consent:
    """Record what the person agreed to share with one organisation."""
    parts = sorted(set(parts))
    unknown = [p for p in parts if p not in {str(s) for s in SHAREABLE_PARTS}]
    if not parts:
        raise ValidationError({"parts": "Select what the person agreed to share"})
    if unknown:
        raise ValidationError({"parts": "Select only parts of the record that can be shared"})
    consent = Consent(
        person=person,
        organisation=organisation,
        parts=parts,
        method=method,
        recorded_by=recorded_by,
        starts_on=starts_on or timezone.localdate(),
        ends_on=ends_on,
        note=note,
    )
    consent.full_clean()
    try:
        with transaction.atomic():
            consent.save()
    except IntegrityError:  # two people recorded the same consent at the same moment
        raise ValidationError(
            "The person already has a consent with this organisation: withdraw it first."
        ) from None
    return consent


@transaction.atomic
def withdraw_consent(*, consent: Consent, withdrawn_by: User, method: str) -> Consent:
    """Withdraw a consent: it stops counting at once and stays in the history."""
    locked = Consent.objects.select_for_update().get(pk=consent.pk)
    if locked.withdrawn_at is not None:
        raise ValidationError("This consent has already been withdrawn.")
    if method not in ConsentMethod.values:
        raise ValidationError({"withdrawal_method": "Select how the person told us"})
    locked.withdrawn_at = timezone.now()
    locked.withdrawn_by = withdrawn_by
    locked.withdrawal_method = method
    locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_method"])
    return locked


def break_glass_hours() -> int:
    return int(getattr(settings, "BREAK_GLASS_HOURS", 4))


@transaction.atomic
def request_break_glass(
    *, user: User, nhs_number: str, reason: str, ip_address: str | None = None
) -> BreakGlass | None:
    """Open time-limited access, with a reason, to the record with this NHS number (already
    checked and normalised), for someone who has no basis for it.

    Only people who work with people may break glass. The access is flagged to the privacy lead
    of the organisation the user acts for, and the person sees it in their portal.

    Whether a record has the number is decided only after the reason has passed, and either way
    the request is audited before anything is answered: a number with a record opens it (an
    allowed break-glass look at the person); a number without one is refused, recorded with no
    person (the number itself is not kept: it is someone the service does not know). Both do the
    same reads and one audit row each, so the answer to the request says nothing on its own;
    ``None`` means no record has the number.
    """
    reason = (reason or "").strip()
    if len(reason) < MINIMUM_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": "Explain why you need this record now, in at least "
                f"{MINIMUM_REASON_LENGTH} characters"
            }
        )
    organisation_id = (
        policy.care_memberships(user)
        .order_by("started_on", "id")
        .values_list("team__organisation_id", flat=True)
        .first()
    )
    if organisation_id is None:
        raise ValidationError("Only staff who work with people can use break-glass access.")
    person = Person.objects.filter(nhs_number=nhs_number).first()
    grant = None
    if person is not None:
        opened_at = timezone.now()
        grant = BreakGlass(
            user=user,
            person=person,
            organisation_id=organisation_id,
            reason=reason,
            opened_at=opened_at,
            expires_at=opened_at + dt.timedelta(hours=break_glass_hours()),
        )
        grant.full_clean()
        grant.save()
    audit.record(
        user_id=user.pk,
        person_id=person.pk if person is not None else None,
        organisation_id=organisation_id,
        part=Part.DETAILS,
        action=Action.VIEW,
        basis=Basis.BREAK_GLASS,
        allowed=person is not None,
        route="sharing:break-glass",
        ip_address=ip_address,
        reason=reason,
    )
    return grant


@transaction.atomic
def review_break_glass(
    *, grant: BreakGlass, reviewer: User, outcome: str, note: str = ""
) -> BreakGlass:
    """A privacy lead of the organisation records the review of a break-glass access."""
    locked = BreakGlass.objects.select_for_update().get(pk=grant.pk)
    if locked.reviewed_at is not None:
        raise ValidationError("This access has already been reviewed.")
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": "Select whether the access was appropriate"})
    if outcome == ReviewOutcome.INAPPROPRIATE and not note.strip():
        raise ValidationError({"note": "Say what follow-up was agreed"})
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = reviewer
    locked.review_outcome = outcome
    locked.review_note = note.strip()
    locked.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
    return locked
