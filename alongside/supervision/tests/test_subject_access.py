"""The supervision section of the subject access export: what was said about the person in
supervision, with the actions agreed for them, is theirs; the practitioner's own reflections,
the session's other actions and what was said about anyone else are not."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alongside.care.tests.factories import EpisodeFactory, allocate, practitioner_in
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.sharing.subject_access import export
from alongside.supervision import services
from alongside.supervision.models import Kind, Step
from alongside.supervision.services import Discussion, NewAction

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
REFLECTIONS = "Feeling stretched by the travel between sites; thinking about reducing hours."


def test_the_export_holds_the_discussion_about_the_person_and_never_the_reflections():
    vcse = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE))
    trust = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.NHS_TRUST))
    care_partner = practitioner_in(vcse, user__first_name="Ana", user__last_name="Lind")
    supervisor = MembershipFactory(
        team=trust, role=Role.SUPERVISOR, user__first_name="Ruth", user__last_name="Eze"
    ).user
    episode = EpisodeFactory(lead_team=vcse)
    allocate(episode, care_partner)
    someone_else = EpisodeFactory(lead_team=vcse)
    allocate(someone_else, care_partner)
    services.make_agreement(
        supervisee=care_partner,
        supervisor=supervisor,
        starts_on=TODAY() - dt.timedelta(days=90),
        terms={Kind.INDIVIDUAL: 4},
        by=supervisor,
    )
    services.record_session(
        supervisor=supervisor,
        kind=Kind.INDIVIDUAL,
        held_on=TODAY(),
        duration_minutes=60,
        attendees=[care_partner],
        by=supervisor,
        reflections=REFLECTIONS,
        discussions=[
            Discussion(
                episode=episode,
                supervisee=care_partner,
                goals_progress="'I've been to the allotment twice' - goal 1 at 6/10.",
                working="Walking meetings.",
                step=Step.DOWN,
                step_reason="Settled for two months; agreed with the person.",
                risks="None new.",
                next_steps="Introduce the peer group.",
                actions=[
                    NewAction(
                        "Send the peer group details", care_partner, TODAY() + dt.timedelta(7)
                    )
                ],
            ),
            Discussion(
                episode=someone_else,
                supervisee=care_partner,
                goals_progress="Someone else's progress.",
                actions=[NewAction("Someone else's action", care_partner, TODAY())],
            ),
        ],
        actions=[
            NewAction("Book the coaching refresher", care_partner, TODAY() + dt.timedelta(30))
        ],
    )

    document = export(episode.person)
    text = json.dumps(document)  # JSON-ready as it is: no default= needed

    [discussion] = document["supervision_discussions"]
    assert discussion["episode"] == episode.pk
    assert discussion["session"] == {
        "held_on": TODAY().isoformat(),
        "kind": {"code": "individual", "label": "Individual supervision"},
        "supervisor": "Ruth Eze",
    }
    assert discussion["supervisee"] == "Ana Lind"
    assert discussion["goals_progress"] == "'I've been to the allotment twice' - goal 1 at 6/10."
    assert (discussion["working"], discussion["risks"], discussion["next_steps"]) == (
        "Walking meetings.",
        "None new.",
        "Introduce the peer group.",
    )
    assert discussion["step"] == {"code": "down", "label": "Step support down"}
    assert discussion["intensity_change"]["intensity"]["code"] == "low"
    assert discussion["intensity_change"]["reason"] == (
        "Settled for two months; agreed with the person."
    )
    assert [(a["text"], a["owner"], a["done_at"]) for a in discussion["actions"]] == [
        ("Send the peer group details", "Ana Lind", None)
    ]

    # The practitioner's own: not in the person's export, under any key.
    assert "reflections" not in text
    assert REFLECTIONS not in text and "reducing hours" not in text
    assert "Book the coaching refresher" not in text
    # Someone else's discussion in the same session: not in this person's export.
    assert "Someone else's progress." not in text and "Someone else's action" not in text

    [theirs] = export(someone_else.person)["supervision_discussions"]
    assert theirs["goals_progress"] == "Someone else's progress."
    assert REFLECTIONS not in json.dumps(theirs)
