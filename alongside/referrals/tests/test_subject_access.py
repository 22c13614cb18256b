"""The referrals section of the subject access export: each referral about the person, as given,
with its transitions and handovers, and nobody else's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from alongside.directory.tests.factories import service as directory_service
from alongside.directory.tests.factories import term
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services
from alongside.referrals.models import State
from alongside.referrals.tests.factories import ReferralFactory, coordinator_for
from alongside.sharing.subject_access import export

pytestmark = pytest.mark.django_db


def test_the_export_holds_each_referral_with_its_transitions_and_handovers():
    person = PersonFactory()
    first = ReferralFactory(
        person=person,
        state=State.IN_TRIAGE,
        concerns="Not sleeping since the move.",
        contact_methods=["phone", "text"],
        received_at=timezone.now() - dt.timedelta(days=30),
    )
    first.needs.add(term("Housing"))
    coordinator = coordinator_for(first)
    services.signpost_referral(
        referral=first,
        by=coordinator,
        service=directory_service("Wyvern Housing Advice"),
        passed_on="Introduced by phone to the housing adviser",
        told_person="They will call you this week",
        follow_up_on=timezone.localdate() + dt.timedelta(days=14),
    )
    second = ReferralFactory(person=person, concerns="Low mood again.")
    other = ReferralFactory(person=PersonFactory(), concerns="Someone else's worries.")

    document = export(person)
    text = json.dumps(document)  # JSON-ready as it is: no default= needed

    rows = document["referrals"]
    assert [r["reference"] for r in rows] == [first.reference, second.reference]
    signposted = rows[0]
    assert signposted["concerns"] == "Not sleeping since the move."
    assert signposted["state"] == {"code": "signposted", "label": "Signposted with a warm handover"}
    assert signposted["source"] == {"code": "gp", "label": "GP practice"}
    assert signposted["referred_by"] == first.referred_by.display_name
    assert signposted["team"]["name"] == first.team.name
    assert signposted["needs"] == ["Housing"]
    assert [m["code"] for m in signposted["as_given"]["contact_methods"]] == ["phone", "text"]
    assert signposted["as_given"]["date_of_birth"] == first.date_of_birth.isoformat()
    assert [t["name"] for t in signposted["transitions"]] == ["received", "signpost"]
    assert signposted["transitions"][1]["by"] == coordinator.display_name
    [handover] = signposted["handovers"]
    assert handover["service"] == "Wyvern Housing Advice"
    assert handover["told_person"] == "They will call you this week"
    assert handover["kind"]["code"] == "signpost" and handover["outcome"] is None
    assert "submission_key" not in signposted and "version" not in signposted

    assert other.reference not in text and "Someone else's worries." not in text


def test_a_person_with_no_referrals_has_an_empty_section():
    assert export(PersonFactory())["referrals"] == []


def test_the_record_comes_between_the_persons_details_and_the_audit_of_access_to_it():
    keys = list(export(PersonFactory()))
    assert keys[:4] == ["generated_at", "about", "details", "consents"]
    assert keys[-3:] == ["break_glass", "access_to_the_record", "history_of_changes"]
    assert keys[4:-3] == [
        "referrals",
        "episodes_of_care",
        "care_and_support_plan",
        "goals",
        "notes_for_plan_conversations",
        "risk_flags",
        "contacts",
        "contact_preferences",
        "locality_meetings",
        "outcome_measures",
        "supervision_discussions",
        "expert_by_experience",
    ]
