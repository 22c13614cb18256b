"""The supervision basis: a supervisor may open the records of the people on a current
supervisee's caseload — nobody else's — to prepare for and record supervision. Each look is
audited with this basis, marked self-claimed where the episode was begun from a referral that
rests on a self-claimed relationship. It ends when the agreement ends. Registered from
``SupervisionConfig.ready``.
"""

from __future__ import annotations

from django.db.models import QuerySet

from alongside.accounts.models import User
from alongside.people.models import Person
from alongside.referrals.bases import claim_flag, only_claimed_people
from alongside.sharing import policy
from alongside.sharing.models import Basis, Part
from alongside.supervision import queries

SUPERVISION_VIEW = frozenset(
    {Part.DETAILS, Part.REFERRALS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.CLINICAL_NOTES}
)


class SupervisionBasis:
    basis = Basis.SUPERVISION

    def rights(self, user: User, person: Person) -> policy.Rights | None:
        if not policy.care_memberships(user).exists():
            return None
        episode = (
            queries.supervised_episodes(user)
            .filter(person=person)
            .annotate(claimed=claim_flag("referral_id"))
            .order_by("claimed")
            .values("lead_team__organisation_id", "claimed")
            .first()
        )
        if episode is None:
            return None
        return policy.Rights(
            self.basis,
            view=SUPERVISION_VIEW,
            change=frozenset({Part.CLINICAL_NOTES}),
            organisation_id=episode["lead_team__organisation_id"],
            self_claimed=episode["claimed"],
        )

    def people(self, user: User) -> QuerySet:
        return queries.supervised_episodes(user).values("person_id")

    def claimed_people(self, user: User) -> QuerySet:
        return only_claimed_people(queries.supervised_episodes(user), "referral_id")


policy.register(SupervisionBasis())
