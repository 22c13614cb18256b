"""A locality with an NHS trust and a VCSE partner serving it, and the people and referrals a
meeting of it discusses (shared with the browser tests). Synthetic only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.meetings import services
from alongside.meetings.models import LocalityMeeting
from alongside.organisations.models import Locality, OrganisationKind, Role, Team, TeamType
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services as referral_services
from alongside.referrals.models import Referral, State
from alongside.referrals.tests.factories import ReferralFactory


@dataclass
class Place:
    locality: Locality
    elsewhere: Locality
    cmht: Team
    early_intervention: Team  # the same trust as the community mental health team
    care_partners: Team  # the voluntary sector partner
    coordinator: User
    worker: User
    partner_worker: User

    def marked(
        self,
        *,
        locality: Locality | None = None,
        why: str = "Needs housing and CMHT",
        days_ago: int = 10,
        **person: object,
    ) -> Referral:
        """A referral marked for the locality meeting, as triage does it."""
        referral = ReferralFactory(
            state=State.IN_TRIAGE,
            person=PersonFactory(**person),
            locality=locality or self.locality,
            team=self.cmht,
            received_at=timezone.now() - dt.timedelta(days=days_ago),
        )
        return referral_services.mark_for_meeting(referral=referral, by=self.coordinator, why=why)

    def episode(self, **person: object) -> Episode:
        """An open episode of care led by the community mental health team."""
        referral = ReferralFactory(
            state=State.IN_TRIAGE,
            person=PersonFactory(**person),
            locality=self.locality,
            team=self.cmht,
        )
        referral_services.accept_referral(
            referral=referral, team=self.cmht, by=self.coordinator, key_worker=self.worker
        )
        return Episode.objects.get(referral=referral)

    def meeting(self, *, days_ahead: int = 1, **fields: object) -> LocalityMeeting:
        fields.setdefault("locality", self.locality)
        starts_at = timezone.now().replace(hour=14, minute=0, second=0, microsecond=0)
        return services.schedule_meeting(
            starts_at=starts_at + dt.timedelta(days=days_ahead),
            place="Castlegate Community Hub, room 2",
            chair=self.coordinator,
            by=self.coordinator,
            **fields,
        )


def make_place() -> Place:
    locality = LocalityFactory(name="Wyvern Central", code="wyvern-central")
    elsewhere = LocalityFactory(name="Hallowmere", code="hallowmere")
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Trust")
    vcse = OrganisationFactory(name="Wellspring Wyvern", kind=OrganisationKind.VCSE)
    cmht = TeamFactory(organisation=trust, name="Central CMHT", localities=[locality])
    early = TeamFactory(
        organisation=trust,
        name="Early Intervention in Psychosis",
        team_type=TeamType.EARLY_INTERVENTION,
        localities=[locality, elsewhere],
    )
    partners = TeamFactory(
        organisation=vcse,
        name="Wellspring Care Partners",
        team_type=TeamType.VCSE_SERVICE,
        localities=[locality],
    )
    coordinator = MembershipFactory(
        role=Role.COORDINATOR, team=cmht, user__first_name="Priya", user__last_name="Shah"
    ).user
    worker = MembershipFactory(
        role=Role.PRACTITIONER, team=cmht, user__first_name="Tom", user__last_name="Okafor"
    ).user
    partner_worker = MembershipFactory(
        role=Role.PRACTITIONER, team=partners, user__first_name="Ana", user__last_name="Lind"
    ).user
    return Place(locality, elsewhere, cmht, early, partners, coordinator, worker, partner_worker)
