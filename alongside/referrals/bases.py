"""The open-referral basis: the triage roles of the team holding a referral may see what triage
needs; and which referrals rest on a self-claimed relationship.

A team holds a referral while it waits for a decision, and while a handover it made waits for its
follow-up. Only its coordinators and team leads (the roles that triage) hold it: not its
practitioners or supervisors (ADR-009). Once a referral is accepted, the episode of care it
opened gives the care-team basis instead (care.bases). Registered with the sharing policy from
``ReferralsConfig.ready``.

A referral its maker matched to an existing record is a claim (``sharing.claims``): until the
privacy lead finds it appropriate, access resting on it is marked self-claimed. ``claimed()``
says which records rest on one, for this basis and for those of the care team, meetings and
supervision built on the referral.
"""

from __future__ import annotations

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, When

from alongside.accounts.models import User
from alongside.people.models import Person
from alongside.referrals.models import AWAITING_DECISION, Referral, State
from alongside.sharing import policy
from alongside.sharing.models import Basis, ClaimedRelationship, Part

OPEN_REFERRAL_VIEW = frozenset({Part.DETAILS, Part.REFERRALS, Part.SHARING})
OPEN_REFERRAL_CHANGE = frozenset({Part.REFERRALS, Part.SHARING})


def held_referrals() -> QuerySet[Referral]:
    """Referrals a team still holds: undecided, or with a follow-up to record."""
    return Referral.objects.filter(
        Q(state__in=AWAITING_DECISION)
        | Q(state__in=[State.SIGNPOSTED, State.DECLINED, State.ACCEPTED], handovers__outcome="")
    )


def triage_teams(user: User) -> QuerySet:
    """The teams in which the user holds a role that triages."""
    return policy.triage_memberships(user).values("team_id")


def claimed_referrals() -> QuerySet[Referral]:
    """Referrals resting on a standing claim (not found appropriate): the referral its maker
    matched to an existing record; an onward referral a warm handover made from it; and a
    referral the claimant made later for the same person, from the record the claim reached.
    Chains beyond one onward referral are not followed."""
    standing = ClaimedRelationship.objects.standing()
    return Referral.objects.filter(
        Q(pk__in=standing.values("referral_id"))
        | Q(onward_from_id__in=standing.values("referral_id"))
        | Exists(
            standing.filter(
                person_id=OuterRef("person_id"),
                user_id=OuterRef("referred_by_id"),
                claimed_at__lte=OuterRef("received_at"),
            )
        )
    )


def claimed(*referral_fields: str) -> Q:
    """A condition on rows naming a referral (by each of ``referral_fields``): one of them
    rests on a standing claim."""
    condition = Q(pk__in=[])
    for name in referral_fields:
        condition |= Q(**{f"{name}__in": claimed_referrals().values("pk")})
    return condition


def claim_flag(*referral_fields: str) -> Case:
    """An annotation: whether the row rests on a standing claim (see ``claimed``); order by it
    to prefer a relationship that does not."""
    return Case(
        When(claimed(*referral_fields), then=True), default=False, output_field=BooleanField()
    )


def only_claimed_people(
    found: QuerySet, *referral_fields: str, person_field: str = "person_id"
) -> QuerySet:
    """The people ``found`` reaches only through rows that rest on a standing claim."""
    condition = claimed(*referral_fields)
    unclaimed = (
        found.exclude(condition).filter(**{f"{person_field}__isnull": False}).values(person_field)
    )
    return (
        found.filter(condition).exclude(**{f"{person_field}__in": unclaimed}).values(person_field)
    )


def _held_by(user: User) -> QuerySet[Referral]:
    return held_referrals().filter(team_id__in=triage_teams(user))


class OpenReferralBasis:
    basis = Basis.OPEN_REFERRAL

    def rights(self, user: User, person: Person) -> policy.Rights | None:
        held = (
            _held_by(user)
            .filter(person=person)
            .annotate(claimed=claim_flag("pk"))
            .order_by("claimed")
            .values_list("team__organisation_id", "claimed")
            .first()
        )
        if held is None:
            return None
        organisation_id, self_claimed = held
        return policy.Rights(
            self.basis,
            view=OPEN_REFERRAL_VIEW,
            change=OPEN_REFERRAL_CHANGE,
            organisation_id=organisation_id,
            self_claimed=self_claimed,
        )

    def people(self, user: User) -> QuerySet:
        return _held_by(user).filter(person__isnull=False).values("person_id")

    def claimed_people(self, user: User) -> QuerySet:
        return only_claimed_people(_held_by(user).filter(person__isnull=False), "pk")


policy.register(OpenReferralBasis())
