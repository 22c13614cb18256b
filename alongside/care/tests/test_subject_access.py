"""The key-working sections of the subject access export: episodes (key workers, intensity, care
team), the plan's versions, goals and ratings, the person's notes, contacts and contact
preferences — and nobody else's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care import services, subject_access
from alongside.care.models import (
    AgreementMethod,
    Authorship,
    Intensity,
    Kind,
    Mode,
    NoteSharing,
    Outcome,
    RatedBy,
    TimeOfDay,
)
from alongside.care.tests.factories import EpisodeFactory, allocate, practitioner_in
from alongside.organisations.tests.factories import TeamFactory
from alongside.sharing.subject_access import export

pytestmark = pytest.mark.django_db


@pytest.fixture
def record():
    """A person with an episode of care holding something in every key-working section, and
    another person with their own."""
    episode = EpisodeFactory()
    worker = practitioner_in(episode.lead_team, user__first_name="Tom", user__last_name="Okafor")
    allocate(episode, worker)
    services.change_intensity(
        episode=episode, intensity=Intensity.HIGH, reason="A hard month", by=worker
    )
    partner_team = TeamFactory(name="Wellspring Care Partners")
    partner = practitioner_in(partner_team, user__first_name="Ana", user__last_name="Lind")
    services.add_care_team_member(
        episode=episode, user=partner, team=partner_team, role="Care Partner", by=worker
    )
    services.record_contact(
        episode=episode,
        practitioner=worker,
        team=episode.lead_team,
        starts_at=timezone.now() - dt.timedelta(days=3),
        mode=Mode.VIDEO,
        kind=Kind.COACHING,
        outcome=Outcome.ATTENDED,
        duration_minutes=50,
        note="Talked about the allotment.",
        note_sharing=NoteSharing.ORGANISATION,
        by=worker,
    )
    goal = services.add_goal(
        episode=episode,
        text="Get back to the allotment",
        by=worker,
        first_rating=3,
        worded_by=Authorship.PERSON,
    )
    services.rate_goal(goal=goal, score=6, by=worker, rated_by=RatedBy.PERSON)
    version = services.save_plan(
        episode=episode,
        base_version=0,
        by=worker,
        about_me="I like growing things.",
        warning_signs="Not opening the curtains.",
        actions=[{"who": "me", "what": "Walk to the allotment on Sundays"}],
        authorship={"about_me": Authorship.PERSON, "actions": Authorship.TOGETHER},
        person_present=True,
    )
    services.record_plan_agreement(
        version=version, agreed_on=timezone.localdate(), method=AgreementMethod.SPOKEN, by=worker
    )
    services.save_plan(
        episode=episode,
        base_version=1,
        by=worker,
        about_me="I like growing things, and my dog.",
        change_note="Added the dog",
    )
    services.add_person_note(episode=episode, text="Can we talk about the dog walking?")
    services.set_contact_preferences(
        person=episode.person,
        modes=[Mode.VIDEO, Mode.PHONE],
        times=[TimeOfDay.MORNING],
        others_may_join=False,
        who_may_be_involved="My sister, Jo",
        by=worker,
        in_portal=True,
    )

    other = EpisodeFactory()
    other_worker = practitioner_in(other.lead_team)
    services.record_contact(
        episode=other,
        practitioner=other_worker,
        team=other.lead_team,
        starts_at=timezone.now() - dt.timedelta(days=1),
        mode=Mode.PHONE,
        kind=Kind.REVIEW,
        outcome=Outcome.ATTENDED,
        duration_minutes=20,
        note="Someone else's contact note.",
        by=other_worker,
    )
    services.add_goal(episode=other, text="Someone else's goal", by=other_worker)
    services.save_plan(
        episode=other, base_version=0, by=other_worker, about_me="Someone else's plan."
    )
    services.add_person_note(episode=other, text="Someone else's note.")
    return episode, worker, partner, other


def test_the_export_holds_the_episode_with_its_key_workers_intensity_and_care_team(record):
    episode, *_ = record
    [row] = export(episode.person)["episodes_of_care"]
    assert row["id"] == episode.pk and row["referral"] == episode.referral.reference
    assert row["lead_team"]["name"] == episode.lead_team.name
    assert row["intensity"] == {"code": "high", "label": "High"}
    assert row["ended_at"] is None and row["discharge_reason"] is None
    assert [a["key_worker"] for a in row["key_workers"]] == ["Tom Okafor"]
    assert [(c["intensity"]["code"], c["reason"]) for c in row["intensity_changes"]] == [
        ("high", "A hard month")
    ]
    assert [(m["member"], m["role"], m["team"]["name"]) for m in row["care_team"]] == [
        ("Ana Lind", "Care Partner", "Wellspring Care Partners")
    ]


def test_the_export_holds_every_plan_version_with_authorship_and_agreement(record):
    episode, *_ = record
    first, second = export(episode.person)["care_and_support_plan"]
    assert (first["version"], first["current"], second["version"], second["current"]) == (
        1,
        False,
        2,
        True,
    )
    sections = {s["name"]: s for s in first["sections"]}
    assert sections["about_me"]["text"] == "I like growing things."
    assert sections["about_me"]["heading"] == "About me and what matters to me"
    assert sections["about_me"]["written_by"]["code"] == "person"
    assert sections["warning_signs"]["written_by"] is None
    assert first["actions"] == [{"who": "me", "what": "Walk to the allotment on Sundays"}]
    assert first["actions_written_by"]["code"] == "together"
    assert [g["text"] for g in first["goals"]] == ["Get back to the allotment"]
    assert first["person_present"] is True
    assert first["agreed_on"] == timezone.localdate().isoformat()
    assert first["agreement_method"]["code"] == "spoken"
    assert second["change_note"] == "Added the dog" and second["agreed_on"] is None


def test_the_export_holds_goals_and_ratings_notes_contacts_and_preferences(record):
    episode, worker, _, _ = record
    document = export(episode.person)
    [goal] = document["goals"]
    assert goal["text"] == "Get back to the allotment"
    assert goal["worded_by"]["code"] == "person"
    assert [(r["score"], r["rated_by"]["code"]) for r in goal["ratings"]] == [
        (3, "with_worker"),
        (6, "person"),
    ]
    [note] = document["notes_for_plan_conversations"]
    assert note["text"] == "Can we talk about the dog walking?" and note["read_at"] is None
    [contact] = document["contacts"]
    assert contact["note"] == "Talked about the allotment."
    assert contact["practitioner"] == worker.display_name
    assert contact["mode"] == {"code": "video", "label": "Video"}
    assert contact["outcome"]["code"] == "attended" and contact["duration_minutes"] == 50
    assert contact["note_sharing"]["code"] == "organisation"
    preferences = document["contact_preferences"]
    assert [m["code"] for m in preferences["modes"]] == ["phone", "video"]
    assert preferences["times"] == [{"code": "morning", "label": "Mornings (before 12 noon)"}]
    assert preferences["others_may_join"] is False
    assert preferences["who_may_be_involved"] == "My sister, Jo"
    assert preferences["stated_in_portal"] is True


def test_another_persons_key_working_never_appears(record):
    episode, _, _, other = record
    text = json.dumps(export(episode.person))  # JSON-ready as it is: no default= needed
    for theirs in (
        "Someone else's contact note.",
        "Someone else's goal",
        "Someone else's plan.",
        "Someone else's note.",
        other.referral.reference,
    ):
        assert theirs not in text
    document = export(other.person)
    assert [e["id"] for e in document["episodes_of_care"]] == [other.pk]
    assert document["contact_preferences"] is None


def _queries(person) -> int:
    with CaptureQueriesContext(connection) as queries:
        for section in (
            subject_access.episodes_of_care,
            subject_access.care_and_support_plan,
            subject_access.goals,
            subject_access.notes_for_plan_conversations,
            subject_access.contacts,
            subject_access.contact_preferences,
        ):
            section(person)
    return len(queries)


def test_the_sections_take_as_many_queries_for_a_long_record_as_for_a_short_one(record):
    episode, worker, _, _ = record
    short = _queries(episode.person)
    second = EpisodeFactory(person=episode.person)
    allocate(second, practitioner_in(second.lead_team))
    for each, base_version in ((episode, 2), (second, 0)):
        for n in range(3):
            services.record_contact(
                episode=each,
                practitioner=worker,
                team=each.lead_team,
                starts_at=timezone.now() - dt.timedelta(days=10 + n),
                mode=Mode.PHONE,
                kind=Kind.REVIEW,
                outcome=Outcome.ATTENDED,
                duration_minutes=30,
                by=worker,
            )
            goal = services.add_goal(episode=each, text=f"Goal {n}", by=worker, first_rating=n)
            services.rate_goal(goal=goal, score=n + 1, by=worker, rated_by=RatedBy.WITH_WORKER)
        services.save_plan(
            episode=each, base_version=base_version, by=worker, about_me="More words."
        )
    assert _queries(episode.person) == short
