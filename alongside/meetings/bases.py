"""The locality-meeting basis: people on a meeting's agenda may be discussed by the teams that
serve the locality, from a week before the meeting until a week after it.

An item for a referral, or for an episode begun from one, that rests on a self-claimed
relationship gives access marked self-claimed. Registered with the sharing policy from
``MeetingsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.meetings.models import AgendaItem
from alongside.people.models import Person
from alongside.referrals.bases import claim_flag, claimed
from alongside.sharing import policy
from alongside.sharing.models import Basis, Part

MEETING_VIEW = frozenset({Part.DETAILS, Part.REFERRALS})
WINDOW = dt.timedelta(days=7)
CLAIM_FIELDS = ("referral_id", "episode__referral_id")


def _items_for(user: User) -> QuerySet[AgendaItem]:
    now = timezone.now()
    localities = policy.care_memberships(user).values("team__localities")
    return AgendaItem.objects.filter(
        meeting__locality_id__in=localities,
        meeting__starts_at__gte=now - WINDOW,
        meeting__starts_at__lte=now + WINDOW,
    )


class MeetingBasis:
    basis = Basis.MEETING

    def rights(self, user: User, person: Person) -> policy.Rights | None:
        item = (
            _items_for(user)
            .filter(Q(referral__person=person) | Q(episode__person=person))
            .annotate(claimed=claim_flag(*CLAIM_FIELDS))
            .order_by("claimed")
            .values_list("claimed", flat=True)
            .first()
        )
        if item is None:
            return None
        return policy.Rights(self.basis, view=MEETING_VIEW, self_claimed=item)

    def people(self, user: User) -> QuerySet:
        return _people_on(_items_for(user)).values("id")

    def claimed_people(self, user: User) -> QuerySet:
        items = _items_for(user)
        condition = claimed(*CLAIM_FIELDS)
        unclaimed = _people_on(items.exclude(condition)).values("id")
        return _people_on(items.filter(condition)).exclude(pk__in=unclaimed).values("id")


def _people_on(items: QuerySet[AgendaItem]) -> QuerySet[Person]:
    return Person.objects.filter(
        Q(pk__in=items.values("referral__person_id")) | Q(pk__in=items.values("episode__person_id"))
    )


policy.register(MeetingBasis())
