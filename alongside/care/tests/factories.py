"""Factories for key working: episodes of care, allocations, intensity, care teams and contacts.
Synthetic only.

``EpisodeFactory()`` makes an open episode for a person, from a referral accepted to the lead
team (the way every real episode opens). ``allocate(episode)`` gives it a key worker in the lead
team; ``key_worker_for(episode)`` makes one and allocates them.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from alongside.accounts.models import User
from alongside.care.models import (
    Allocation,
    CareTeamMember,
    Contact,
    Episode,
    Intensity,
    IntensityChange,
    Kind,
    Mode,
    NoteSharing,
    Outcome,
)
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import State
from alongside.referrals.tests.factories import ReferralFactory


class EpisodeFactory(DjangoModelFactory):
    """An open episode of care, from a referral accepted to ``lead_team`` for ``person``."""

    class Meta:
        model = Episode
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    lead_team = factory.SubFactory(TeamFactory)
    referral = factory.SubFactory(
        ReferralFactory,
        person=factory.SelfAttribute("..person"),
        team=factory.SelfAttribute("..lead_team"),
        accepted_team=factory.SelfAttribute("..lead_team"),
        state=State.ACCEPTED,
        given_name=factory.SelfAttribute("..person.given_name"),
        family_name=factory.SelfAttribute("..person.family_name"),
        date_of_birth=factory.SelfAttribute("..person.date_of_birth"),
        received_at=factory.LazyAttribute(
            lambda r: r.factory_parent.started_at - dt.timedelta(days=14)
        ),
    )
    started_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=60))
    intensity = Intensity.MEDIUM


def practitioner_in(team, **kwargs: object) -> User:
    """A key worker (practitioner role) in ``team``."""
    return MembershipFactory(team=team, role=Role.PRACTITIONER, **kwargs).user


def team_lead_of(team, **kwargs: object) -> User:
    return MembershipFactory(team=team, role=Role.TEAM_LEAD, **kwargs).user


def allocate(
    episode: Episode,
    key_worker: User | None = None,
    *,
    by: User | None = None,
    started_at: dt.datetime | None = None,
    reason: str = "Allocated on acceptance",
) -> Allocation:
    """Make ``key_worker`` (a new practitioner in the lead team if not given) the current key
    worker, directly (no service call; use ``services.allocate_key_worker`` to test it)."""
    worker = key_worker or practitioner_in(episode.lead_team)
    return Allocation.objects.create(
        episode=episode,
        key_worker=worker,
        allocated_by=by or worker,
        reason=reason,
        started_at=started_at or episode.started_at,
    )


def key_worker_for(episode: Episode, **kwargs: object) -> User:
    """A new practitioner in the lead team, allocated as the episode's key worker."""
    return allocate(episode, practitioner_in(episode.lead_team, **kwargs)).key_worker


class IntensityChangeFactory(DjangoModelFactory):
    class Meta:
        model = IntensityChange

    episode = factory.SubFactory(EpisodeFactory)
    intensity = Intensity.HIGH
    reason = "Things are harder at the moment"
    changed_by = factory.SubFactory(UserFactory)


class CareTeamMemberFactory(DjangoModelFactory):
    class Meta:
        model = CareTeamMember

    episode = factory.SubFactory(EpisodeFactory)
    team = factory.SubFactory(TeamFactory)
    user = factory.LazyAttribute(lambda m: practitioner_in(m.team))
    role = "Care Partner"
    added_by = factory.SubFactory(UserFactory)


class ContactFactory(DjangoModelFactory):
    """An attended coaching session by phone a week ago, recorded by the practitioner."""

    class Meta:
        model = Contact

    episode = factory.SubFactory(EpisodeFactory)
    practitioner = factory.SubFactory(UserFactory)
    team = factory.SelfAttribute("episode.lead_team")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(days=7))
    mode = Mode.PHONE
    kind = Kind.COACHING
    outcome = Outcome.ATTENDED
    duration_minutes = factory.LazyAttribute(
        lambda c: 45 if c.outcome == Outcome.ATTENDED else None
    )
    note = ""
    note_sharing = NoteSharing.CARE_TEAM
    recorded_by = factory.SelfAttribute("practitioner")


class PlannedContactFactory(ContactFactory):
    """An appointment next week: no outcome yet."""

    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=7))
    outcome = Outcome.PLANNED
    duration_minutes = None
