"""The locality meetings section of the subject access export: each agenda item about the person
(their referral or their episode of care), who was at the meeting and what it decided — and no
item about anyone else."""

from __future__ import annotations

import json

import pytest

from alongside.care.models import Episode
from alongside.meetings import services
from alongside.meetings.models import Decision
from alongside.organisations.tests.factories import OrganisationFactory
from alongside.referrals.models import Referral
from alongside.sharing.subject_access import export

pytestmark = pytest.mark.django_db


def test_the_export_holds_each_decision_about_the_person_and_no_one_elses(place):
    referral = place.marked(why="Needs the CMHT and a Care Partner", given_name="Rowan")
    meeting = place.meeting()
    services.record_attendee(meeting=meeting, by=place.coordinator, user=place.partner_worker)
    services.record_attendee(
        meeting=meeting,
        by=place.coordinator,
        name="Sam Carter",
        organisation=OrganisationFactory(name="Wyvern Housing"),
        role="Housing officer",
    )
    [item] = services.add_referral_items(meeting=meeting, by=place.coordinator)
    services.record_decision(
        item=item,
        decision=Decision.JOINT_OFFER,
        by=place.coordinator,
        note="Care Partner for the allotment group",
        lead_team=place.cmht,
        key_worker=place.worker,
        partner_teams=[place.care_partners],
        person_present=True,
        version=Referral.objects.get(pk=referral.pk).version,
    )
    episode = Episode.objects.get(referral=referral)
    later = place.meeting(days_ahead=8)
    services.record_decision(
        item=services.add_episode_item(
            meeting=later, episode=episode, why="How is the joint offer going?", by=place.worker
        ),
        decision=Decision.MORE_INFORMATION,
        by=place.coordinator,
        note="The Care Partner to report back",
    )
    someone_else = place.episode(given_name="Morgan")
    services.add_episode_item(
        meeting=later, episode=someone_else, why="Someone else's question", by=place.worker
    )

    document = export(referral.person)
    text = json.dumps(document)  # JSON-ready as it is: no default= needed

    first, second = document["locality_meetings"]
    assert first["referral"] == referral.reference and first["episode"] is None
    assert first["why"] == "Needs the CMHT and a Care Partner"
    assert first["decision"] == {
        "code": "joint_offer",
        "label": "Joint offer by several organisations",
    }
    assert first["decision_note"] == "Care Partner for the allotment group"
    assert first["person_present"] is True
    assert first["lead_team"] == {
        "name": "Central CMHT",
        "organisation": "Wyvern Mental Health NHS Trust",
    }
    assert first["key_worker"] == "Tom Okafor"
    assert [t["name"] for t in first["partner_teams"]] == ["Wellspring Care Partners"]
    assert first["decided_by"] == "Priya Shah" and first["decided_at"] is not None
    assert first["meeting"]["locality"] == "Wyvern Central"
    assert first["meeting"]["chair"] == "Priya Shah"
    assert {(a["name"], a["organisation"], a["role"]) for a in first["meeting"]["attendees"]} == {
        ("Ana Lind", "Wellspring Wyvern", ""),
        ("Sam Carter", "Wyvern Housing", "Housing officer"),
    }

    assert second["episode"] == episode.pk and second["referral"] is None
    assert second["decision"]["code"] == "more_information"
    assert second["decision_note"] == "The Care Partner to report back"
    assert second["person_present"] is None

    assert "Someone else's question" not in text
    assert [i["episode"] for i in export(someone_else.person)["locality_meetings"]] == [
        someone_else.pk
    ]
