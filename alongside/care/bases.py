"""The care-team basis: the people working with the person in an open episode of care.

That is the key worker, the care team (from any organisation), and care staff of the episode's
lead team. They may see and change the plan, contacts and outcomes. Clinical notes are for NHS
staff in the care team; voluntary sector and council staff see them only where the person agreed
to share them with their organisation (the policy widens the relationship by that consent).
An episode begun by accepting a referral that rests on a self-claimed relationship gives access
marked self-claimed, to everyone in its care team, until the claim is found appropriate.
Registered from ``CareConfig.ready``.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.care.models import Allocation, CareTeamMember, Episode
from alongside.organisations.models import Organisation
from alongside.people.models import Person
from alongside.referrals.bases import claim_flag, only_claimed_people
from alongside.sharing import policy
from alongside.sharing.models import Basis, Part

CARE_TEAM_VIEW = frozenset(
    {
        Part.DETAILS,
        Part.REFERRALS,
        Part.PLAN,
        Part.CONTACTS,
        Part.OUTCOMES,
        Part.SHARING,
    }
)
CARE_TEAM_CHANGE = frozenset(
    {Part.DETAILS, Part.REFERRALS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.SHARING}
)


def open_episodes_of(user: User) -> QuerySet[Episode]:
    """Open episodes where the user is key worker, in the care team, or care staff of the lead
    team."""
    return Episode.objects.open().filter(
        Q(
            pk__in=Allocation.objects.filter(key_worker=user, ended_at__isnull=True).values(
                "episode"
            )
        )
        | Q(
            pk__in=CareTeamMember.objects.filter(user=user, ended_at__isnull=True).values("episode")
        )
        | Q(lead_team_id__in=policy.care_memberships(user).values("team_id"))
    )


class CareTeamBasis:
    basis = Basis.CARE_TEAM

    def rights(self, user: User, person: Person) -> policy.Rights | None:
        if not policy.care_memberships(user).exists():
            return None
        episode = (
            open_episodes_of(user)
            .filter(person=person)
            .annotate(claimed=claim_flag("referral_id"))
            .order_by("claimed")
            .values("lead_team__organisation_id", "claimed")
            .first()
        )
        if episode is None:
            return None
        organisation_id = episode["lead_team__organisation_id"]
        view = set(CARE_TEAM_VIEW)
        nhs = Organisation.objects.filter(
            pk__in=policy.care_memberships(user).values("team__organisation_id")
        )
        if any(org.is_nhs for org in nhs):
            view.add(Part.CLINICAL_NOTES)
        return policy.Rights(
            self.basis,
            view=frozenset(view),
            change=CARE_TEAM_CHANGE,
            organisation_id=organisation_id,
            self_claimed=episode["claimed"],
        )

    def people(self, user: User) -> QuerySet:
        return open_episodes_of(user).values("person_id")

    def claimed_people(self, user: User) -> QuerySet:
        return only_claimed_people(open_episodes_of(user), "referral_id")


policy.register(CareTeamBasis())
