"""The meeting services: scheduling, attendees, the agenda, and each decision's effect."""

import datetime as dt
import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from alongside.care.models import Allocation, Episode
from alongside.core import formats
from alongside.directory.tests import factories as directory
from alongside.meetings import services
from alongside.meetings.models import AgendaItem, Attendee, Decision
from alongside.organisations.tests.factories import OrganisationFactory
from alongside.referrals import services as referral_services
from alongside.referrals.models import HandoverKind, Referral, State, Transition
from alongside.referrals.services import StaleReferral

pytestmark = pytest.mark.django_db


def last_reason(referral):
    return Transition.objects.filter(referral=referral).order_by("-at", "-id").first().reason


def meeting_label(meeting):
    return f"Locality meeting {formats.date(meeting.starts_at)}"


# --- Scheduling and attendees ------------------------------------------------------------------


def test_a_meeting_is_scheduled_once_per_locality_and_time(place):
    meeting = place.meeting()
    assert meeting.chair == place.coordinator
    with pytest.raises(ValidationError) as refused:
        place.meeting()
    assert "This locality already has a meeting at that time." in str(refused.value)


def test_staff_attend_for_their_organisation_and_guests_name_theirs(place):
    meeting = place.meeting()
    staff = services.record_attendee(meeting=meeting, by=place.coordinator, user=place.worker)
    assert staff.name == "Tom Okafor"
    assert staff.organisation == place.cmht.organisation

    housing = OrganisationFactory(name="Wyvern Council Housing")
    guest = services.record_attendee(
        meeting=meeting,
        by=place.coordinator,
        name="Sam Jones",
        organisation=housing,
        role="Housing officer",
    )
    assert (guest.organisation, guest.role) == (housing, "Housing officer")

    with pytest.raises(ValidationError) as no_organisation:
        services.record_attendee(meeting=meeting, by=place.coordinator, name="Pat Guest")
    assert no_organisation.value.message_dict == {
        "organisation": ["Choose the organisation they came for"]
    }
    with pytest.raises(ValidationError) as nobody:
        services.record_attendee(meeting=meeting, by=place.coordinator)
    assert "user" in nobody.value.message_dict
    with pytest.raises(ValidationError) as twice:
        services.record_attendee(meeting=meeting, by=place.coordinator, user=place.worker)
    assert "already recorded as attending" in str(twice.value)

    services.remove_attendee(attendee=staff, by=place.coordinator)
    assert list(Attendee.objects.filter(meeting=meeting)) == [guest]


# --- The agenda --------------------------------------------------------------------------------


def test_referrals_marked_for_the_locality_are_added_oldest_first_and_only_once(place):
    newer = place.marked(days_ago=3, why="Joint housing and mental health support?")
    older = place.marked(days_ago=20)
    place.marked(locality=place.elsewhere)  # another locality's meeting
    meeting = place.meeting()

    added = services.add_referral_items(meeting=meeting, by=place.coordinator)
    assert [item.referral for item in added] == [older, newer]
    assert [item.position for item in added] == [1, 2]
    assert added[1].why == "Joint housing and mental health support?"

    assert services.add_referral_items(meeting=meeting, by=place.coordinator) == []
    latest = place.marked(days_ago=1)
    again = services.add_referral_items(meeting=meeting, by=place.coordinator)
    assert [item.referral for item in again] == [latest]
    assert again[0].position == 3


def test_a_referral_waiting_on_another_meeting_is_not_added_twice(place):
    referral = place.marked()
    first = place.meeting(days_ahead=1)
    second = place.meeting(days_ahead=8)
    services.add_referral_items(meeting=first, by=place.coordinator)
    assert services.add_referral_items(meeting=second, by=place.coordinator) == []

    # The first meeting asks for more information; marked again, it goes to the next one.
    item = first.agenda_items.get()
    services.record_decision(
        item=item,
        decision=Decision.MORE_INFORMATION,
        by=place.coordinator,
        note="GP summary of medication, from the practice",
        version=item.referral.version,
    )
    referral.refresh_from_db()
    referral_services.mark_for_meeting(referral=referral, by=place.coordinator, why="Back again")
    added = services.add_referral_items(meeting=second, by=place.coordinator)
    assert [item.referral_id for item in added] == [referral.pk]


def test_an_open_episode_of_the_locality_can_be_added(place):
    meeting = place.meeting()
    episode = place.episode()
    item = services.add_episode_item(
        meeting=meeting, episode=episode, why="Step up: needs a VCSE partner too", by=place.worker
    )
    assert (item.episode, item.position, item.referral) == (episode, 1, None)

    with pytest.raises(ValidationError) as twice:
        services.add_episode_item(meeting=meeting, episode=episode, why="Again", by=place.worker)
    assert twice.value.message_dict["episode"] == ["This person is already on the meeting's agenda"]
    with pytest.raises(ValidationError) as no_why:
        services.add_episode_item(
            meeting=place.meeting(days_ahead=5), episode=episode, why=" ", by=place.worker
        )
    assert no_why.value.message_dict["why"] == ["Say what the meeting is asked to decide"]

    other = place.meeting(locality=place.elsewhere)
    with pytest.raises(ValidationError) as elsewhere:
        services.add_episode_item(meeting=other, episode=episode, why="?", by=place.worker)
    assert "Hallowmere" in elsewhere.value.message_dict["episode"][0]

    Episode.objects.filter(pk=episode.pk).update(ended_at=timezone.now(), discharge_reason="02")
    with pytest.raises(ValidationError) as ended:
        services.add_episode_item(
            meeting=place.meeting(days_ahead=9), episode=episode, why="?", by=place.worker
        )
    assert "has ended" in ended.value.message_dict["episode"][0]


# --- Decisions on referrals --------------------------------------------------------------------


@pytest.fixture
def referral_item(place):
    place.marked()
    meeting = place.meeting()
    return services.add_referral_items(meeting=meeting, by=place.coordinator)[0]


def decide(item, **arguments):
    arguments.setdefault("by", item.meeting.created_by)
    if item.referral_id:
        arguments.setdefault("version", Referral.objects.get(pk=item.referral_id).version)
    return services.record_decision(item=item, **arguments)


def test_allocate_accepts_the_referral_to_the_team_and_key_worker(place, referral_item):
    item = decide(
        referral_item,
        decision=Decision.ALLOCATE,
        lead_team=place.cmht,
        key_worker=place.worker,
        note="Start with a coaching session",
    )
    referral = Referral.objects.get(pk=item.referral_id)
    assert referral.state == State.ACCEPTED
    assert referral.accepted_team == referral.team == place.cmht
    episode = Episode.objects.get(referral=referral)
    assert episode.lead_team == place.cmht
    assert Allocation.objects.get(episode=episode).key_worker == place.worker
    assert last_reason(referral) == (
        f"{meeting_label(item.meeting)}: allocated to a team and key worker. "
        "Start with a coaching session"
    )
    item.refresh_from_db()
    assert (item.decision, item.lead_team, item.key_worker) == (
        Decision.ALLOCATE,
        place.cmht,
        place.worker,
    )
    assert item.decided_by == place.coordinator and item.decided_at is not None


def test_allocate_needs_a_key_worker_from_the_team(place, referral_item):
    with pytest.raises(ValidationError) as missing:
        decide(referral_item, decision=Decision.ALLOCATE, lead_team=place.cmht)
    assert missing.value.message_dict == {"key_worker": ["Choose the key worker"]}
    with pytest.raises(ValidationError) as wrong_team:
        decide(
            referral_item,
            decision=Decision.ALLOCATE,
            lead_team=place.cmht,
            key_worker=place.partner_worker,
        )
    assert wrong_team.value.message_dict == {
        "key_worker": ["The key worker must work in the team accepting."]
    }
    referral_item.refresh_from_db()
    assert referral_item.decision == ""
    assert referral_item.referral.state == State.FOR_MEETING


def test_a_joint_offer_accepts_with_partner_teams_of_another_organisation(place, referral_item):
    item = decide(
        referral_item,
        decision=Decision.JOINT_OFFER,
        lead_team=place.cmht,
        partner_teams=[place.care_partners, place.early_intervention],
        key_worker=place.worker,
    )
    episode = Episode.objects.get(referral_id=item.referral_id)
    assert set(episode.partner_teams.all()) == {place.care_partners, place.early_intervention}
    assert set(item.partner_teams.all()) == {place.care_partners, place.early_intervention}
    assert "joint offer by several organisations" in last_reason(item.referral)


def test_a_joint_offer_within_one_organisation_is_refused(place, referral_item):
    with pytest.raises(ValidationError) as refused:
        decide(
            referral_item,
            decision=Decision.JOINT_OFFER,
            lead_team=place.cmht,
            partner_teams=[place.early_intervention],
        )
    assert refused.value.message_dict == {
        "partner_teams": [
            "A joint offer needs a team from another organisation: choose at least one partner "
            "team that is not part of Wyvern Mental Health NHS Trust"
        ]
    }
    with pytest.raises(ValidationError) as none:
        decide(referral_item, decision=Decision.JOINT_OFFER, lead_team=place.cmht)
    assert "partner_teams" in none.value.message_dict
    referral_item.refresh_from_db()
    assert referral_item.decision == ""
    assert not Episode.objects.exists()


def test_signpost_hands_over_to_a_directory_service(place, referral_item):
    service = directory.service("Debt Advice, Castlegate")
    follow_up = timezone.localdate() + dt.timedelta(days=14)
    item = decide(
        referral_item,
        decision=Decision.SIGNPOST,
        service=service,
        passed_on="Referral form emailed to the duty adviser, with consent",
        told_person="An adviser will ring within a week",
        follow_up_on=follow_up,
    )
    referral = Referral.objects.get(pk=item.referral_id)
    assert referral.state == State.SIGNPOSTED
    handover = referral.handovers.get()
    assert (handover.kind, handover.service, handover.follow_up_on) == (
        HandoverKind.SIGNPOST,
        service,
        follow_up,
    )
    assert last_reason(referral).startswith(f"{meeting_label(item.meeting)}: signposted")


def test_signpost_to_a_team_makes_an_onward_referral_and_needs_the_handover(place, referral_item):
    with pytest.raises(ValidationError) as incomplete:
        decide(referral_item, decision=Decision.SIGNPOST, team=place.care_partners)
    assert set(incomplete.value.message_dict) == {"passed_on", "follow_up_on"}
    item = decide(
        referral_item,
        decision=Decision.SIGNPOST,
        team=place.care_partners,
        passed_on="Discussed with the Care Partners lead",
        follow_up_on=timezone.localdate() + dt.timedelta(days=7),
    )
    onward = Referral.objects.get(onward_from_id=item.referral_id)
    assert onward.team == place.care_partners


def test_more_information_returns_to_triage_saying_what_and_from_whom(place, referral_item):
    with pytest.raises(ValidationError) as no_note:
        decide(referral_item, decision=Decision.MORE_INFORMATION)
    assert no_note.value.message_dict == {"note": ["Say what information is needed, and from whom"]}
    item = decide(
        referral_item,
        decision=Decision.MORE_INFORMATION,
        note="Risk history from the GP practice",
    )
    referral = Referral.objects.get(pk=item.referral_id)
    assert referral.state == State.IN_TRIAGE
    assert last_reason(referral) == (
        f"{meeting_label(item.meeting)}: more information needed. Risk history from the GP practice"
    )


def test_an_item_is_decided_once(place, referral_item):
    decide(referral_item, decision=Decision.MORE_INFORMATION, note="Ask the GP")
    with pytest.raises(ValidationError) as twice:
        decide(
            referral_item,
            decision=Decision.ALLOCATE,
            lead_team=place.cmht,
            key_worker=place.worker,
            version=None,
        )
    message = twice.value.messages[0]
    assert message.startswith("Priya Shah already recorded a decision for this item")
    assert "More information needed" in message
    assert "Nothing you entered was saved" in message
    assert Referral.objects.get(pk=referral_item.referral_id).state == State.IN_TRIAGE


def test_a_referral_changed_since_the_page_was_opened_is_refused(place, referral_item):
    seen = referral_item.referral.version
    # Meanwhile, triage signposts it elsewhere.
    referral_services.signpost_referral(
        referral=referral_item.referral,
        by=place.worker,
        passed_on="Handed to the crisis café",
        follow_up_on=timezone.localdate() + dt.timedelta(days=3),
        team=place.care_partners,
        version=seen,
    )
    with pytest.raises(StaleReferral) as stale:
        decide(
            referral_item,
            decision=Decision.ALLOCATE,
            lead_team=place.cmht,
            key_worker=place.worker,
            version=seen,
        )
    assert "Tom Okafor changed this referral" in stale.value.messages[0]
    assert "Nothing you entered was saved" in stale.value.messages[0]
    referral_item.refresh_from_db()
    assert referral_item.decision == ""
    assert not Episode.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_two_people_deciding_at_once_only_one_wins(place, monkeypatch):
    place.marked()
    meeting = place.meeting()
    item = services.add_referral_items(meeting=meeting, by=place.coordinator)[0]
    version = item.referral.version
    inside, release = threading.Event(), threading.Event()
    accept = referral_services.accept_referral

    def slow_accept(**kwargs):
        inside.set()
        release.wait(5)
        return accept(**kwargs)

    monkeypatch.setattr(referral_services, "accept_referral", slow_accept)
    outcome = {}

    def first():
        try:
            decide(
                item,
                decision=Decision.ALLOCATE,
                lead_team=place.cmht,
                key_worker=place.worker,
                version=version,
            )
            outcome["first"] = "decided"
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)  # the first decision holds the item's lock

    def second():
        try:
            decide(
                item,
                decision=Decision.MORE_INFORMATION,
                note="Ask the GP",
                by=place.worker,
                version=version,
            )
            outcome["second"] = "decided"
        except ValidationError as error:
            outcome["second"] = error.messages[0]
        finally:
            connection.close()

    other = threading.Thread(target=second)
    other.start()
    time.sleep(0.5)  # the second waits for the lock
    assert "second" not in outcome
    release.set()
    thread.join(10)
    other.join(10)
    assert outcome["first"] == "decided"
    assert outcome["second"].startswith("Priya Shah already recorded a decision")
    assert AgendaItem.objects.get(pk=item.pk).decision == Decision.ALLOCATE


# --- Decisions on episodes of care -------------------------------------------------------------


@pytest.fixture
def episode_item(place):
    meeting = place.meeting()
    return services.add_episode_item(
        meeting=meeting, episode=place.episode(), why="Needs more than we offer", by=place.worker
    )


def test_allocate_on_an_episode_changes_the_key_worker_in_the_lead_team(place, episode_item):
    from alongside.organisations.models import Role
    from alongside.organisations.tests.factories import MembershipFactory

    new_worker = MembershipFactory(role=Role.PRACTITIONER, team=place.cmht).user
    with pytest.raises(ValidationError) as other_team:
        decide(
            episode_item,
            decision=Decision.ALLOCATE,
            lead_team=place.care_partners,
            key_worker=place.partner_worker,
        )
    assert "lead_team" in other_team.value.message_dict
    decide(episode_item, decision=Decision.ALLOCATE, lead_team=place.cmht, key_worker=new_worker)
    current = Allocation.objects.get(episode=episode_item.episode, ended_at__isnull=True)
    assert current.key_worker == new_worker
    assert current.reason.startswith(meeting_label(episode_item.meeting))
    assert Allocation.objects.filter(episode=episode_item.episode).count() == 2


def test_a_joint_offer_on_an_episode_adds_partner_teams(place, episode_item):
    with pytest.raises(ValidationError):
        decide(
            episode_item,
            decision=Decision.JOINT_OFFER,
            lead_team=place.cmht,
            partner_teams=[place.early_intervention],
        )
    decide(
        episode_item,
        decision=Decision.JOINT_OFFER,
        lead_team=place.cmht,
        partner_teams=[place.care_partners],
    )
    assert list(episode_item.episode.partner_teams.all()) == [place.care_partners]
    # The key worker stays.
    assert Allocation.objects.filter(episode=episode_item.episode).count() == 1


def test_signpost_on_an_episode_hands_over_alongside_the_care(place, episode_item):
    service = directory.service("Walk and Talk, Hallowmere")
    decide(
        episode_item,
        decision=Decision.SIGNPOST,
        service=service,
        passed_on="Introduced by phone to the group lead",
        follow_up_on=timezone.localdate() + dt.timedelta(days=21),
    )
    referral = episode_item.episode.referral
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED
    assert referral.handovers.get().service == service
    assert Episode.objects.get(pk=episode_item.episode_id).ended_at is None


def test_more_information_on_an_episode_is_a_note(place, episode_item):
    item = decide(
        episode_item, decision=Decision.MORE_INFORMATION, note="Housing report, from the council"
    )
    assert item.decision_note == "Housing report, from the council"
    assert Allocation.objects.filter(episode=episode_item.episode).count() == 1
    assert not episode_item.episode.partner_teams.exists()
