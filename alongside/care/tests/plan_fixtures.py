"""A person in an open episode of care, with their key worker and a colleague in the lead team,
for the plan and goals tests (shared with the browser test). Synthetic only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alongside.accounts.models import User
from alongside.care import services
from alongside.care.models import CarePlanVersion, Episode
from alongside.organisations.models import Locality, Role, Team
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services as referral_services
from alongside.referrals.models import State
from alongside.referrals.tests.factories import ReferralFactory


@dataclass
class PlanPlace:
    locality: Locality
    team: Team
    coordinator: User
    worker: User  # the key worker
    colleague: User  # care staff in the lead team: may change the plan too
    outsider: User  # a practitioner elsewhere, with no basis to see the person
    person: Person
    episode: Episode

    def another_episode(self, **person: Any) -> Episode:
        """Someone else's open episode, in the same team."""
        return open_episode(self, PersonFactory(**person))

    def save(
        self, *, by: User | None = None, base: int | None = None, **fields: Any
    ) -> CarePlanVersion:
        """A new version of the plan, from the current one unless ``base`` says otherwise."""
        return services.save_plan(
            episode=self.episode,
            base_version=current_number(self.episode) if base is None else base,
            by=by or self.worker,
            **fields,
        )


def open_episode(place: PlanPlace, person: Person) -> Episode:
    referral = ReferralFactory(
        state=State.IN_TRIAGE, person=person, locality=place.locality, team=place.team
    )
    referral_services.accept_referral(
        referral=referral, team=place.team, by=place.coordinator, key_worker=place.worker
    )
    return Episode.objects.get(referral=referral)


def make_plan_place(**person: Any) -> PlanPlace:
    locality = LocalityFactory(name="Wyvern Central", code="wyvern-central")
    trust = OrganisationFactory(name="Wyvern Mental Health NHS Trust")
    team = TeamFactory(organisation=trust, name="Central CMHT", localities=[locality])
    coordinator = MembershipFactory(
        role=Role.COORDINATOR, team=team, user__first_name="Priya", user__last_name="Shah"
    ).user
    worker = MembershipFactory(
        role=Role.PRACTITIONER,
        team=team,
        user__username="tom",
        user__first_name="Tom",
        user__last_name="Okafor",
    ).user
    colleague = MembershipFactory(
        role=Role.PRACTITIONER, team=team, user__first_name="Ana", user__last_name="Lind"
    ).user
    outsider = MembershipFactory(role=Role.PRACTITIONER, user__first_name="Olu").user
    person.setdefault("given_name", "Dafydd")
    person.setdefault("family_name", "Rees")
    subject = PersonFactory(**person)
    place = PlanPlace(locality, team, coordinator, worker, colleague, outsider, subject, None)  # type: ignore[arg-type]
    place.episode = open_episode(place, subject)
    return place


def current_number(episode: Episode) -> int:
    version = CarePlanVersion.objects.filter(plan__episode=episode).order_by("-number").first()
    return version.number if version else 0
