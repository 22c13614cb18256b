"""The open-referral basis: the team holding a referral may see what triage needs.

A team holds a referral while it waits for a decision, and while a handover it made waits for its
follow-up. Once a referral is accepted, the episode of care it opened gives the care-team basis
instead (care.bases). Registered with the sharing policy from ``ReferralsConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.people.models import Person
from alongside.referrals.models import AWAITING_DECISION, Referral, State
from alongside.sharing import policy
from alongside.sharing.models import Basis, Part

OPEN_REFERRAL_VIEW = frozenset({Part.DETAILS, Part.REFERRALS, Part.SHARING})
OPEN_REFERRAL_CHANGE = frozenset({Part.REFERRALS, Part.SHARING})


def held_referrals() -> QuerySet[Referral]:
    """Referrals a team still holds: undecided, or with a follow-up to record."""
    return Referral.objects.filter(
        Q(state__in=AWAITING_DECISION)
        | Q(state__in=[State.SIGNPOSTED, State.DECLINED, State.ACCEPTED], handovers__outcome="")
    )


def care_teams(user: User) -> QuerySet:
    return policy.care_memberships(user).values("team_id")


class OpenReferralBasis:
    basis = Basis.OPEN_REFERRAL

    def rights(self, user: User, person: Person) -> policy.Rights | None:
        organisation_id = (
            held_referrals()
            .filter(person=person, team_id__in=care_teams(user))
            .values_list("team__organisation_id", flat=True)
            .first()
        )
        if organisation_id is None:
            return None
        return policy.Rights(
            self.basis,
            view=OPEN_REFERRAL_VIEW,
            change=OPEN_REFERRAL_CHANGE,
            organisation_id=organisation_id,
        )

    def people(self, user: User) -> QuerySet:
        return (
            held_referrals()
            .filter(team_id__in=care_teams(user), person__isnull=False)
            .values("person_id")
        )


policy.register(OpenReferralBasis())
