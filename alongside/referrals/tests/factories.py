"""Factories for referrals. Synthetic only."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    TeamFactory,
    UserFactory,
)
from alongside.referrals.models import Referral, Source, State, Transition, Urgency, response_time


class ReferralFactory(DjangoModelFactory):
    """A professional referral, received and held by a team with a coordinator."""

    class Meta:
        model = Referral
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"T{n:03d}-TEST")
    source = Source.GP
    referred_by = factory.SubFactory(UserFactory)
    given_name = factory.Faker("first_name", locale="en_GB")
    family_name = factory.Faker("last_name", locale="en_GB")
    date_of_birth = factory.Faker(
        "date_between", start_date=dt.date(1950, 1, 1), end_date=dt.date(2004, 12, 31)
    )
    postcode = "LS1 4AP"
    phone = "07700 900123"
    consent_to_contact = True
    person_agreed = True
    concerns = "Low mood for several months, struggling to get out of the house."
    locality = factory.SubFactory(LocalityFactory)
    team = factory.SubFactory(TeamFactory)
    state = State.RECEIVED
    urgency = Urgency.ROUTINE
    received_at = factory.LazyFunction(timezone.now)
    due_at = factory.LazyAttribute(lambda r: r.received_at + response_time(r.urgency))

    @factory.post_generation
    def received(self, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            Transition.objects.create(
                referral=self,
                name="received",
                from_state=State.RECEIVED,
                to_state=State.RECEIVED,
                by=self.referred_by,
                at=self.received_at,
            )


def coordinator_for(referral: Referral, **kwargs: object):
    """A triage coordinator in the team holding the referral."""
    return MembershipFactory(role=Role.COORDINATOR, team=referral.team, **kwargs).user
