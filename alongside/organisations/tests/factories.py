"""Factories for accounts, organisations, localities, teams and memberships."""

from __future__ import annotations

import datetime as dt
from functools import cache

import factory
from django.contrib.auth.hashers import make_password
from factory.django import DjangoModelFactory

from alongside.accounts.models import User
from alongside.organisations.models import (
    Locality,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Role,
    Team,
    TeamType,
)

PASSWORD = "correct horse battery staple"


@cache
def _password_hash() -> str:
    # Hashed once per test run: Argon2 is slow on purpose, and every factory user shares it.
    return make_password(PASSWORD)


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org.uk")
    password = factory.LazyFunction(_password_hash)


class OrganisationFactory(DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    kind = OrganisationKind.NHS_TRUST
    ods_code = factory.Sequence(lambda n: f"ZZ{n:03d}")


class LocalityFactory(DjangoModelFactory):
    class Meta:
        model = Locality

    name = factory.Sequence(lambda n: f"Locality {n}")
    code = factory.Sequence(lambda n: f"locality-{n}")


class TeamFactory(DjangoModelFactory):
    class Meta:
        model = Team
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")
    team_type = TeamType.COMMUNITY_MENTAL_HEALTH

    @factory.post_generation
    def localities(self, create: bool, extracted: list[Locality] | None, **kwargs: object) -> None:
        if create and extracted:
            self.localities.add(*extracted)


class MembershipFactory(DjangoModelFactory):
    """An approved membership with no maker recorded, as the demo load makes them. A test of
    the approval step asks through ``organisations.services`` instead."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.PRACTITIONER
    job_title = "Mental health practitioner"
    started_on = dt.date(2024, 4, 1)
    status = MembershipStatus.APPROVED
