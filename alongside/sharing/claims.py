"""Relationships a member of staff made for themselves (ADR-009).

When the maker of a referral matches it, on its identify page, to a record that already
existed, nobody but them vouches that the referral is about that person: the relationship the
referral gives is *self-claimed*. ``record_claim`` writes it down, in the transaction of the
match; the referral's basis (and the care team, meetings and supervision built on it) then mark
every access resting on it ``self_claimed`` in the audit until the privacy lead of the holding
team's organisation (or the place's) records it appropriate (``services.review_claim``). The
person sees each marked look on their "who has looked".
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from alongside.accounts.models import User
from alongside.people.models import Person
from alongside.sharing.models import ClaimedRelationship


@transaction.atomic
def record_claim(
    *,
    user: User,
    person: Person,
    organisation_id: int,
    referral_id: int,
    referral_reference: str,
    referral_made_at: dt.datetime,
    how: str,
) -> ClaimedRelationship:
    """Record that ``user`` made their own relationship with ``person``'s record through the
    referral named (by id, reference and when it was made: the referrals app sits above this
    one). ``organisation_id`` is the holding team's: its privacy lead reviews the claim."""
    claim = ClaimedRelationship(
        user=user,
        person=person,
        organisation_id=organisation_id,
        referral_id=referral_id,
        referral_reference=referral_reference,
        referral_made_at=referral_made_at,
        how=how,
    )
    claim.full_clean()
    claim.save()
    return claim
