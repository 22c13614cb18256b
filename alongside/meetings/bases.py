"""The locality-meeting basis: people on a meeting's agenda may be discussed by the teams that
serve the locality, from a week before the meeting until a week after it.

Registered with the sharing policy from ``MeetingsConfig.ready``.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.meetings.models import AgendaItem
from alongside.people.models import Person
from alongside.sharing import policy
from alongside.sharing.models import Basis, Part

MEETING_VIEW = frozenset({Part.DETAILS, Part.REFERRALS})
WINDOW = dt.timedelta(days=7)


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
            .values_list("meeting__created_by_id", flat=True)
            .first()
        )
        if item is None:
            return None
        return policy.Rights(self.basis, view=MEETING_VIEW)

    def people(self, user: User) -> QuerySet:
        items = _items_for(user)
        return Person.objects.filter(
            Q(pk__in=items.values("referral__person_id"))
            | Q(pk__in=items.values("episode__person_id"))
        ).values("id")


policy.register(MeetingBasis())
