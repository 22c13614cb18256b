"""Writes about sharing: consent given and withdrawn, break-glass opened and reviewed, and
requests for a copy of the record (subject access) asked, reviewed and released or refused.

Each runs in one transaction. Changes made from a page are audited by the access door
(``access.person_data`` / ``own_record``) in that same transaction; the database keeps the
history of every row (django-pghistory triggers).
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Organisation
from alongside.people.models import Person
from alongside.sharing import audit, policy, queries, subject_access
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    Action,
    Basis,
    BreakGlass,
    ClaimedRelationship,
    Consent,
    ConsentMethod,
    Part,
    RequestChannel,
    RequestStatus,
    ReviewOutcome,
    SubjectAccessRequest,
    WithheldItem,
    WithholdReason,
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
    of the organisation the user acts for, or the place's privacy lead when that organisation
    has none (``queries.reviewing_organisation``), and the person sees it in their portal.

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
    organisation = queries.break_glass_organisation(user)
    if organisation is None:
        raise ValidationError("Only staff who work with people can use break-glass access.")
    organisation_id = organisation.pk
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
    """A privacy lead of the organisation (or the place's) records the review of a break-glass
    access."""
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


CLAIM_ROUTE = "sharing:review-claim"


@transaction.atomic
def review_claim(
    *,
    claim: ClaimedRelationship,
    reviewer: User,
    outcome: str,
    note: str = "",
    ip_address: str | None = None,
) -> ClaimedRelationship:
    """A privacy lead of the organisation holding the referral (or the place's) records whether
    a self-claimed relationship was appropriate. Appropriate clears the mark from every access
    after it; not appropriate needs the follow-up agreed, and the mark stays until the follow-up
    ends the relationship. Audited on the privacy-review basis in the same transaction."""
    locked = ClaimedRelationship.objects.select_for_update().get(pk=claim.pk)
    organisations = queries.privacy_lead_organisation_ids(reviewer)
    if not organisations or queries.claim_for_review(organisations, locked.pk) is None:
        raise PermissionDenied("Only a privacy lead reviewing for this organisation can.")
    if locked.reviewed_at is not None:
        raise ValidationError("This relationship has already been reviewed.")
    if outcome not in ReviewOutcome.values:
        raise ValidationError({"outcome": "Select whether the relationship was appropriate"})
    if outcome == ReviewOutcome.INAPPROPRIATE and not note.strip():
        raise ValidationError({"note": "Say what follow-up was agreed"})
    locked.reviewed_at = timezone.now()
    locked.reviewed_by = reviewer
    locked.review_outcome = outcome
    locked.review_note = note.strip()
    locked.full_clean()
    locked.save(update_fields=["reviewed_at", "reviewed_by", "review_outcome", "review_note"])
    audit.record(
        user_id=reviewer.pk,
        person_id=locked.person_id,
        organisation_id=policy.acting_organisation_id(reviewer),
        part=Part.AUDIT,
        action=Action.VIEW,
        basis=Basis.PRIVACY_REVIEW,
        allowed=True,
        route=CLAIM_ROUTE,
        ip_address=ip_address,
        reason=(
            f"Reviewed the self-claimed relationship through referral "
            f"{locked.referral_reference}: {ReviewOutcome(outcome).label.lower()}"
        ),
    )
    return locked


# --- Subject access requests --------------------------------------------------------------------

SAR_ROUTE = "sharing:subject-access"
MINIMUM_REFUSAL_LENGTH = 20


def subject_access_due_on(received: dt.date) -> dt.date:
    """One calendar month after the day a request was received (UK GDPR article 12(3), as the
    ICO counts it): the same date next month, or that month's last day when it has no such date
    (31 January gives 28 or 29 February); a Saturday or Sunday moves on to the Monday."""
    year, month_index = divmod(received.year * 12 + received.month, 12)
    month = month_index + 1
    due = dt.date(year, month, min(received.day, calendar.monthrange(year, month)[1]))
    while due.weekday() >= 5:
        due += dt.timedelta(days=1)
    return due


@transaction.atomic
def ask_for_subject_access(
    *,
    person: Person,
    recorded_by: User,
    channel: str,
    asked_at: dt.datetime | None = None,
    note: str = "",
) -> SubjectAccessRequest:
    """Record the person's request for a copy of everything held about them: asked in their
    portal, or recorded by staff when they asked by letter, email, phone or in person. The
    privacy lead who answers it is chosen now (``subject_access.answering_organisation``); it
    is due one calendar month after it was received.

    Called from a page opened through the access door, which audits the change in this same
    transaction.
    """
    if channel not in RequestChannel.values:
        raise ValidationError({"channel": "Select how the person asked"})
    asked_at = asked_at or timezone.now()
    if asked_at > timezone.now():
        raise ValidationError({"asked_at": "The date they asked must be today or in the past"})
    if SubjectAccessRequest.objects.open().filter(person=person).exists():
        raise ValidationError(
            "A request from this person is already being answered: it covers everything held."
        )
    request = SubjectAccessRequest(
        person=person,
        organisation=subject_access.answering_organisation(person),
        channel=channel,
        asked_at=asked_at,
        recorded_by=recorded_by,
        note=note.strip(),
        due_on=subject_access_due_on(timezone.localdate(asked_at)),
    )
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:  # asked twice at the same moment
        raise ValidationError(
            "A request from this person is already being answered: it covers everything held."
        ) from None
    return request


def _audit_request(
    request: SubjectAccessRequest,
    *,
    by: User,
    part: str,
    action: str,
    what: str,
    ip_address: str | None,
) -> None:
    audit.record(
        user_id=by.pk,
        person_id=request.person_id,
        organisation_id=policy.acting_organisation_id(by),
        part=part,
        action=action,
        basis=Basis.PRIVACY_REVIEW,
        allowed=True,
        route=SAR_ROUTE,
        ip_address=ip_address,
        reason=f"Subject access request {request.pk}: {what}",
    )


def _locked_request(request: SubjectAccessRequest, by: User) -> SubjectAccessRequest:
    """The request, locked, if ``by`` is a privacy lead who answers it."""
    locked = SubjectAccessRequest.objects.select_for_update().get(pk=request.pk)
    if not queries.answers_request(by, locked):
        raise PermissionDenied("Only a privacy lead answering this request can review it.")
    return locked


@transaction.atomic
def open_subject_access_review(
    *, request: SubjectAccessRequest, reviewer: User, ip_address: str | None = None
) -> SubjectAccessRequest:
    """The privacy lead opens a request: every opening is audited as an export of the record
    on the privacy-review basis. The first opening begins the review: the full export is taken
    then (its own making included) and is what the privacy lead reviews and releases."""
    locked = _locked_request(request, reviewer)
    _audit_request(
        locked,
        by=reviewer,
        part=Part.DETAILS,
        action=Action.EXPORT,
        what="the full export, for review",
        ip_address=ip_address,
    )
    if locked.status == RequestStatus.ASKED:
        locked.status = RequestStatus.IN_REVIEW
        locked.reviewer = reviewer
        locked.review_started_at = timezone.now()
        locked.reviewed_export = subject_access.export(locked.person)
        locked.full_clean()
        locked.save(update_fields=["status", "reviewer", "review_started_at", "reviewed_export"])
    return locked


def _in_review(request: SubjectAccessRequest, by: User) -> SubjectAccessRequest:
    locked = _locked_request(request, by)
    if locked.status != RequestStatus.IN_REVIEW:
        raise ValidationError("This request is not in review: it can no longer be changed.")
    return locked


@transaction.atomic
def withhold_items(
    *,
    request: SubjectAccessRequest,
    keys: Iterable[str],
    reason: str,
    by: User,
    note: str = "",
    ip_address: str | None = None,
) -> list[WithheldItem]:
    """Keep items of the reviewed export out of the released copy, with the reason. ``keys``
    name items as ``section:index`` (or ``section`` for a section that is one item)."""
    locked = _in_review(request, by)
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise ValidationError({"items": "Select the items to withhold"})
    if reason not in WithholdReason.values:
        raise ValidationError({"reason": "Select why the items are withheld"})
    known = {
        (name if index is None else f"{name}:{index}"): (name, index)
        for name, index, _value in subject_access.items_of(locked.reviewed_export or {})
    }
    unknown = [k for k in keys if k not in known]
    if unknown:
        raise ValidationError({"items": "Select only items of this export"})
    already = {w.key for w in locked.withheld.all()}
    made = [
        WithheldItem(
            request=locked,
            section=known[key][0],
            index=known[key][1],
            reason=reason,
            note=note.strip(),
            withheld_by=by,
        )
        for key in keys
        if key not in already
    ]
    for item in made:
        item.full_clean(validate_constraints=False)
        item.save()
    _audit_request(
        locked,
        by=by,
        part=Part.SHARING,
        action=Action.CHANGE,
        what=f"withheld {', '.join(keys)} ({WithholdReason(reason).label.lower()})",
        ip_address=ip_address,
    )
    return made


@transaction.atomic
def put_back_item(*, item: WithheldItem, by: User, ip_address: str | None = None) -> None:
    """Undo a withholding while the request is still in review."""
    locked = _in_review(item.request, by)
    key = item.key
    WithheldItem.objects.filter(pk=item.pk, request=locked).delete()
    _audit_request(
        locked,
        by=by,
        part=Part.SHARING,
        action=Action.CHANGE,
        what=f"put back {key}",
        ip_address=ip_address,
    )


@transaction.atomic
def release_subject_access(
    *, request: SubjectAccessRequest, by: User, ip_address: str | None = None
) -> SubjectAccessRequest:
    """Release the reviewed copy: the person may download it from their portal."""
    locked = _in_review(request, by)
    locked.status = RequestStatus.RELEASED
    locked.released_at = timezone.now()
    locked.full_clean()
    locked.save(update_fields=["status", "released_at"])
    withheld = locked.withheld.count()
    _audit_request(
        locked,
        by=by,
        part=Part.SHARING,
        action=Action.CHANGE,
        what=f"released, {withheld} item{'s' if withheld != 1 else ''} withheld",
        ip_address=ip_address,
    )
    return locked


@transaction.atomic
def refuse_subject_access(
    *, request: SubjectAccessRequest, by: User, reason: str, ip_address: str | None = None
) -> SubjectAccessRequest:
    """Refuse a request (manifestly unfounded or excessive, or the person's identity not
    confirmed), with the reason the person is given."""
    locked = _locked_request(request, by)
    if not locked.is_open:
        raise ValidationError("This request has been answered already.")
    reason = (reason or "").strip()
    if len(reason) < MINIMUM_REFUSAL_LENGTH:
        raise ValidationError(
            {
                "reason": "Explain to the person why their request is refused, in at least "
                f"{MINIMUM_REFUSAL_LENGTH} characters"
            }
        )
    locked.status = RequestStatus.REFUSED
    locked.reviewer = locked.reviewer or by
    locked.refused_at = timezone.now()
    locked.refusal_reason = reason
    locked.full_clean()
    locked.save(update_fields=["status", "reviewer", "refused_at", "refusal_reason"])
    _audit_request(
        locked,
        by=by,
        part=Part.SHARING,
        action=Action.CHANGE,
        what="refused",
        ip_address=ip_address,
    )
    return locked
