"""A person in care, as their portal sees it: an episode with a key worker, a care team across
organisations, a plan, goals with ratings, appointments and notes. Synthetic only.

``person_in_care()`` builds the whole scene and returns it as a ``Scene``; every text in it is
distinct, so a test can check that one person's page never shows another person's words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import services as care_services
from alongside.care.models import (
    AgreementMethod,
    CarePlanVersion,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Mode,
    NoteSharing,
    Outcome,
    PlanNote,
    RatedBy,
)
from alongside.care.tests.factories import (
    CareTeamMemberFactory,
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    allocate,
    practitioner_in,
)
from alongside.organisations.models import OrganisationKind
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory


@dataclass
class Scene:
    person: Person
    user: User
    episode: Episode
    key_worker: User
    partner: User
    version: CarePlanVersion
    goal: Goal
    upcoming: Contact
    past: Contact
    texts: dict[str, str]


def person_in_care(
    label: str = "A", *, username: str | None = None, given_name: str | None = None
) -> Scene:
    """A person with a portal account and an open episode. ``label`` goes into every text and
    name (leave it empty for plain names, as in the browser tests)."""
    tail = f" {label}" if label else ""
    given_name = given_name or f"Sam{label}"
    user = UserFactory(
        username=username or f"person-{label.lower() or 'x'}",
        first_name=given_name,
        last_name="Okafor",
    )
    person = PersonFactory(user=user, given_name=given_name, family_name="Okafor", email=user.email)
    trust = OrganisationFactory(name=f"Wyvern Trust{tail}")
    team = TeamFactory(organisation=trust, name=f"Central Community Team{tail}")
    episode = EpisodeFactory(person=person, lead_team=team)
    key_worker = practitioner_in(team, user__first_name="Priya", user__last_name=f"Shah{label}")
    allocate(episode, key_worker)
    charity = OrganisationFactory(name=f"Wellspring{tail}", kind=OrganisationKind.VCSE)
    partner_member = CareTeamMemberFactory(
        episode=episode,
        team=TeamFactory(organisation=charity, name=f"Peer Support{tail}"),
        role="Peer support worker",
    )
    texts = {
        "about_me": f"Walking my dog Biscuit matters to me{tail}",
        "goal": f"Get back to the allotment twice a week{tail}",
        "action": f"Ring the allotment society{tail}",
        "crisis": f"Crisis line 0800 123 4567{tail}",
        "shared_note": f"We talked about the allotment and sleep{tail}",
        "team_note": f"Care team only: risk discussion{tail}",
        "org_note": f"Organisation only: safeguarding query{tail}",
        "plan_note": f"I would like to talk about my medication{tail}",
    }
    goal = care_services.add_goal(episode=episode, text=texts["goal"], by=key_worker)
    GoalRating.objects.create(
        goal=goal,
        score=3,
        rated_by=RatedBy.WITH_WORKER,
        recorded_by=key_worker,
        rated_at=timezone.now() - dt.timedelta(days=30),
    )
    version = care_services.save_plan(
        episode=episode,
        base_version=0,
        by=key_worker,
        actions=[
            {"who": "me", "what": texts["action"]},
            {"who": "key worker", "what": f"Book a review with the GP{tail}"},
        ],
        review_on=timezone.localdate() + dt.timedelta(days=90),
        about_me=texts["about_me"],
        strengths="I am stubborn in a good way",
        warning_signs="Not sleeping, staying in bed",
        crisis_numbers=texts["crisis"],
    )
    upcoming = PlannedContactFactory(
        episode=episode,
        practitioner=key_worker,
        mode=Mode.VIDEO,
        starts_at=timezone.now() + dt.timedelta(days=3),
    )
    past = ContactFactory(
        episode=episode,
        practitioner=key_worker,
        note=texts["shared_note"],
        note_sharing=NoteSharing.PERSON,
        starts_at=timezone.now() - dt.timedelta(days=7),
    )
    ContactFactory(
        episode=episode,
        practitioner=key_worker,
        note=texts["team_note"],
        note_sharing=NoteSharing.CARE_TEAM,
        starts_at=timezone.now() - dt.timedelta(days=14),
    )
    ContactFactory(
        episode=episode,
        practitioner=partner_member.user,
        team=partner_member.team,
        note=texts["org_note"],
        note_sharing=NoteSharing.ORGANISATION,
        outcome=Outcome.DID_NOT_ATTEND,
        starts_at=timezone.now() - dt.timedelta(days=21),
    )
    PlanNote.objects.create(episode=episode, text=texts["plan_note"])
    return Scene(
        person=person,
        user=user,
        episode=episode,
        key_worker=key_worker,
        partner=partner_member.user,
        version=version,
        goal=goal,
        upcoming=upcoming,
        past=past,
        texts=texts,
    )


def agree(scene: Scene, on: dt.date | None = None) -> None:
    care_services.record_plan_agreement(
        version=scene.version,
        agreed_on=on or timezone.localdate(),
        method=AgreementMethod.SPOKEN,
        by=scene.key_worker,
    )
