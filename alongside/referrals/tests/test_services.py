"""The referral state machine: every transition from every state, the no-bounce rules, matching,
follow-ups and the waiting-time clock."""

from __future__ import annotations

import datetime as dt
import itertools
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from alongside.care.models import Allocation, Episode
from alongside.directory.tests.factories import service as directory_service
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.models import Person
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import queries, services
from alongside.referrals.models import (
    FollowUpOutcome,
    Handover,
    HandoverKind,
    Referral,
    State,
    Transition,
)
from alongside.referrals.tests.factories import ReferralFactory, coordinator_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
_names = itertools.count(1)


def a_service():
    return directory_service(f"Wellbeing service {next(_names)}")


def in_state(state: str) -> tuple[Referral, object]:
    """A referral linked to a person, put straight into ``state`` (as the services would leave
    it), and a coordinator of the team holding it."""
    referral = ReferralFactory(person=PersonFactory())
    user = coordinator_for(referral)
    changes: dict = {"state": state}
    if state == State.ACCEPTED:
        changes["accepted_team"] = referral.team
    if state == State.DECLINED:
        changes.update(rejected_at=timezone.now(), rejection_reason="02")
    if state == State.CLOSED:
        changes.update(closed_at=timezone.now(), closure_reason="07")
    Referral.objects.filter(pk=referral.pk).update(**changes)
    if state in (State.SIGNPOSTED, State.DECLINED):
        # The follow-up is recorded, so that only the state decides what may happen next.
        Handover.objects.create(
            referral=referral,
            kind=HandoverKind.SIGNPOST,
            service=a_service(),
            passed_on="Phoned them",
            follow_up_on=TODAY(),
            created_by=user,
            outcome=FollowUpOutcome.CONNECTED,
            outcome_by=user,
            outcome_at=timezone.now(),
        )
    referral.refresh_from_db()
    return referral, user


def perform(name: str, referral: Referral, user) -> Referral:
    """Make the named transition with valid answers."""
    follow_up = TODAY() + dt.timedelta(days=14)
    if name == "start_triage":
        return services.start_triage(referral=referral, by=user)
    if name == "accept":
        return services.accept_referral(referral=referral, by=user, team=referral.team)
    if name == "signpost":
        return services.signpost_referral(
            referral=referral,
            by=user,
            service=a_service(),
            passed_on="Introduced by phone",
            follow_up_on=follow_up,
        )
    if name == "mark_for_meeting":
        return services.mark_for_meeting(referral=referral, by=user, why="Needs housing and NHS")
    if name == "decline":
        return services.decline_referral(
            referral=referral,
            by=user,
            rejection_reason="02",
            service=a_service(),
            passed_on="Gave the number",
            told_person="Offered the wellbeing college",
            follow_up_on=follow_up,
        )
    if name == "return_to_triage":
        return services.return_to_triage(referral=referral, by=user, reason="More to know")
    if name == "close":
        return services.close_referral(referral=referral, by=user, closure_reason="07")
    raise AssertionError(name)


EDGES = [(name, state) for name in services.TRANSITIONS for state in State.values]


@pytest.mark.parametrize(("name", "state"), EDGES)
def test_every_transition_from_every_state(name, state):
    referral, user = in_state(state)
    edge = services.TRANSITIONS[name]
    before = Transition.objects.filter(referral=referral).count()
    if state in edge.sources:
        moved = perform(name, referral, user)
        assert moved.state == edge.target
        last = Transition.objects.filter(referral=referral).order_by("-id").first()
        assert (last.name, last.from_state, last.to_state, last.by) == (
            name,
            state,
            edge.target,
            user,
        )
    else:
        with pytest.raises(ValidationError, match="cannot be"):
            perform(name, referral, user)
        referral.refresh_from_db()
        assert referral.state == state
        assert Transition.objects.filter(referral=referral).count() == before


def test_the_table_has_the_designed_edges():
    assert services.allowed_transitions(State.RECEIVED) == ["start_triage", "close"]
    assert set(services.allowed_transitions(State.IN_TRIAGE)) == {
        "accept",
        "signpost",
        "mark_for_meeting",
        "decline",
        "close",
    }
    assert services.allowed_transitions(State.CLOSED) == []


def test_accepting_opens_the_episode_with_the_key_worker():
    referral, user = in_state(State.IN_TRIAGE)
    worker = MembershipFactory(team=referral.team, role=Role.PRACTITIONER).user
    partner = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE))
    services.accept_referral(
        referral=referral, by=user, team=referral.team, key_worker=worker, partner_teams=[partner]
    )
    episode = Episode.objects.get(referral=referral)
    assert episode.person == referral.person
    assert episode.lead_team == referral.team
    assert list(episode.partner_teams.all()) == [partner]
    assert Allocation.objects.get(episode=episode).key_worker == worker


def test_a_key_worker_from_another_team_is_refused_and_nothing_is_saved():
    referral, user = in_state(State.IN_TRIAGE)
    outsider = MembershipFactory(role=Role.PRACTITIONER).user
    with pytest.raises(ValidationError, match="key worker must work in the team"):
        services.accept_referral(
            referral=referral, by=user, team=referral.team, key_worker=outsider
        )
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE
    assert not Episode.objects.filter(referral=referral).exists()


def test_declining_needs_an_alternative_and_a_follow_up():
    referral, user = in_state(State.IN_TRIAGE)
    with pytest.raises(ValidationError) as error:
        services.decline_referral(
            referral=referral,
            by=user,
            rejection_reason="02",
            passed_on="",
            told_person="Offered nothing",
            follow_up_on=None,
        )
    assert set(error.value.message_dict) == {"service", "passed_on", "follow_up_on"}
    with pytest.raises(ValidationError, match="alternative was offered"):
        services.decline_referral(
            referral=referral,
            by=user,
            rejection_reason="02",
            service=a_service(),
            passed_on="Gave the number",
            told_person="",
            follow_up_on=TODAY(),
        )
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE
    assert not referral.handovers.exists()


def test_a_follow_up_in_the_past_or_too_far_ahead_is_refused():
    referral, user = in_state(State.IN_TRIAGE)
    for day, message in [
        (TODAY() - dt.timedelta(days=1), "today or later"),
        (TODAY() + dt.timedelta(days=91), "within 90 days"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.signpost_referral(
                referral=referral,
                by=user,
                service=a_service(),
                passed_on="Phoned",
                follow_up_on=day,
            )


def test_a_decision_needs_the_person_identified_first():
    referral = ReferralFactory(state=State.IN_TRIAGE)
    user = coordinator_for(referral)
    with pytest.raises(ValidationError, match="Say who this is first"):
        services.accept_referral(referral=referral, by=user, team=referral.team)


def test_closing_before_a_decision_is_only_for_the_persons_own_reasons():
    referral, user = in_state(State.IN_TRIAGE)
    with pytest.raises(ValidationError, match="only be closed because the person"):
        services.close_referral(referral=referral, by=user, closure_reason="04")
    services.close_referral(referral=referral, by=user, closure_reason="03")
    referral.refresh_from_db()
    assert (referral.state, referral.closure_reason) == (State.CLOSED, "03")


def test_a_signposted_referral_closes_only_through_its_follow_up():
    referral, user = in_state(State.IN_TRIAGE)
    services.signpost_referral(
        referral=referral,
        by=user,
        service=a_service(),
        passed_on="Introduced",
        follow_up_on=TODAY(),
    )
    with pytest.raises(ValidationError, match="Record the follow-up first"):
        services.close_referral(referral=referral, by=user, closure_reason="07")
    handover = referral.handovers.get()
    services.record_follow_up(handover=handover, by=user, outcome=FollowUpOutcome.CONNECTED)
    referral.refresh_from_db()
    assert (referral.state, referral.closure_reason) == (State.CLOSED, "08")
    with pytest.raises(ValidationError, match="already recorded"):
        services.record_follow_up(handover=handover, by=user, outcome=FollowUpOutcome.CONNECTED)


def test_not_connecting_brings_the_referral_back_to_triage():
    referral, user = in_state(State.IN_TRIAGE)
    services.signpost_referral(
        referral=referral, by=user, service=a_service(), passed_on="x", follow_up_on=TODAY()
    )
    handover = referral.handovers.get()
    with pytest.raises(ValidationError, match="what got in the way"):
        services.record_follow_up(handover=handover, by=user, outcome="not_connected")
    services.record_follow_up(
        handover=handover, by=user, outcome="not_connected", note="Group full until March"
    )
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE


def _declined(user_referral=None):
    referral, user = user_referral or in_state(State.IN_TRIAGE)
    perform("decline", referral, user)
    referral.refresh_from_db()
    assert referral.rejected_at is not None and referral.rejection_reason == "02"
    return referral, user


def test_back_to_triage_after_a_decline_withdraws_the_rejection_and_history_keeps_it():
    """Issue 19 point 2: a referral declined, returned to triage and then accepted is no longer
    rejected (NHS England's export reads ``ReferRejectionDate`` on MHS101, ``00_generic_prep.py``
    lines 396-398); its transitions keep the decline and its reason."""
    referral, user = _declined()
    services.return_to_triage(referral=referral, by=user, reason="New information from the GP")
    referral.refresh_from_db()
    assert (referral.rejected_at, referral.rejection_reason) == (None, "")
    services.accept_referral(referral=referral, by=user, team=referral.team)
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED
    assert (referral.rejected_at, referral.rejection_reason) == (None, "")
    decline = referral.transitions.get(name="decline")
    assert (decline.from_state, decline.to_state, decline.code) == (
        State.IN_TRIAGE,
        State.DECLINED,
        "02",
    )
    assert [t.name for t in referral.transitions.order_by("at", "id")][-3:] == [
        "decline",
        "return_to_triage",
        "accept",
    ]


def test_not_connecting_after_a_decline_withdraws_the_rejection():
    referral, user = _declined()
    handover = referral.handovers.get()
    services.record_follow_up(
        handover=handover, by=user, outcome="not_connected", note="The service had closed"
    )
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE
    assert (referral.rejected_at, referral.rejection_reason) == (None, "")


def test_a_decline_closed_by_its_follow_up_stays_a_rejection():
    referral, user = _declined()
    services.record_follow_up(handover=referral.handovers.get(), by=user, outcome="connected")
    referral.refresh_from_db()
    assert referral.state == State.CLOSED
    assert referral.rejected_at is not None and referral.rejection_reason == "02"


def test_a_handover_to_a_team_makes_an_onward_referral_for_that_team():
    referral, user = in_state(State.IN_TRIAGE)
    vcse_team = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE))
    services.signpost_referral(
        referral=referral,
        by=user,
        team=vcse_team,
        passed_on="Would like peer support",
        follow_up_on=TODAY() + dt.timedelta(days=7),
    )
    onward = Referral.objects.get(onward_from=referral)
    assert (onward.team, onward.person, onward.state) == (vcse_team, referral.person, "received")
    assert referral.handovers.get().onward_referral == onward


# --- Bounces -----------------------------------------------------------------------------------


def test_the_bounce_rule():
    bounced, user = in_state(State.IN_TRIAGE)
    services.close_referral(referral=bounced, by=user, closure_reason="09")
    signposted, user2 = in_state(State.IN_TRIAGE)
    services.signpost_referral(
        referral=signposted, by=user2, service=a_service(), passed_on="x", follow_up_on=TODAY()
    )
    services.record_follow_up(
        handover=signposted.handovers.get(), by=user2, outcome=FollowUpOutcome.NOT_WANTED
    )
    accepted, user3 = in_state(State.IN_TRIAGE)
    services.accept_referral(referral=accepted, by=user3, team=accepted.team)
    services.close_referral(referral=accepted, by=user3, closure_reason="02")
    waiting, _ = in_state(State.IN_TRIAGE)
    assert list(queries.bounces()) == [bounced]
    assert list(queries.bounces_for([bounced.team_id])) == [bounced]
    assert not queries.bounces_for([waiting.team_id]).exists()


# --- Identifying the person --------------------------------------------------------------------


def test_likely_duplicates_by_nhs_number_or_name_birth_date_and_postcode():
    known = PersonFactory(
        given_name="Amara",
        family_name="Okafor",
        date_of_birth=dt.date(1990, 5, 4),
        postcode="LS6 2QD",
    )
    same_number = PersonFactory(nhs_number="9990000026")
    PersonFactory(given_name="Amara", family_name="Okafor", date_of_birth=dt.date(1990, 5, 5))
    referral = ReferralFactory(
        given_name=" amara ",
        family_name="OKAFOR",
        date_of_birth=dt.date(1990, 5, 4),
        postcode="LS6 2QD",
    )
    assert list(queries.duplicates_of(referral)) == [known]
    referral.nhs_number = "9990000026"
    assert set(queries.duplicates_of(referral)) == {known, same_number}


def test_matching_links_and_never_merges():
    known = PersonFactory()
    referral = ReferralFactory(
        given_name=known.given_name,
        family_name=known.family_name,
        date_of_birth=known.date_of_birth,
        postcode=known.postcode,
        phone="07700 900999",
    )
    user = coordinator_for(referral)
    people_before = Person.objects.count()
    services.identify_person(referral=referral, by=user, person=known)
    referral.refresh_from_db()
    known.refresh_from_db()
    assert referral.person == known
    assert known.phone != "07700 900999"  # the record is not overwritten from the referral
    assert Person.objects.count() == people_before
    with pytest.raises(ValidationError, match="already linked"):
        services.identify_person(referral=referral, by=user)


def test_registering_a_new_person_from_the_referral():
    referral = ReferralFactory(nhs_number="9990000034")
    user = coordinator_for(referral)
    services.identify_person(referral=referral, by=user)
    referral.refresh_from_db()
    assert referral.person.nhs_number == "9990000034"
    assert referral.person.family_name == referral.family_name


def test_registering_someone_whose_nhs_number_is_taken_is_refused():
    PersonFactory(nhs_number="9990000042")
    referral = ReferralFactory(nhs_number="9990000042")
    user = coordinator_for(referral)
    with pytest.raises(ValidationError):
        services.identify_person(referral=referral, by=user)
    referral.refresh_from_db()
    assert referral.person is None


# --- Follow-ups and the waiting clock ----------------------------------------------------------


def test_follow_up_due_logic(time_machine):
    referral, user = in_state(State.IN_TRIAGE)
    services.signpost_referral(
        referral=referral,
        by=user,
        service=a_service(),
        passed_on="x",
        follow_up_on=TODAY() + dt.timedelta(days=3),
    )
    filters = queries.WorklistFilter(team_ids=(referral.team_id,))
    assert not queries.follow_ups_due(filters).exists()
    assert queries.follow_ups_due(filters, on=TODAY() + dt.timedelta(days=3)).count() == 1
    later = TODAY() + dt.timedelta(days=30)
    assert queries.follow_ups_due(filters, on=later).count() == 1  # stays until recorded
    services.record_follow_up(
        handover=referral.handovers.get(), by=user, outcome=FollowUpOutcome.CONNECTED
    )
    assert not queries.follow_ups_due(filters, on=later).exists()
    other_team = queries.WorklistFilter(team_ids=(TeamFactory().pk,))
    assert not queries.follow_ups_due(other_team, on=later).exists()


def test_the_waiting_clock_starts_at_receipt_and_lists_oldest_first():
    team = TeamFactory()

    def noon_days_ago(days: int) -> dt.datetime:
        # Local noon, so that the local day is the same whatever the clock change in between.
        return timezone.make_aware(
            dt.datetime.combine(TODAY() - dt.timedelta(days=days), dt.time(12))
        )

    newer = ReferralFactory(team=team, received_at=noon_days_ago(2))
    older = ReferralFactory(team=team, received_at=noon_days_ago(40))
    in_state(State.ACCEPTED)  # decided: on no waiting list
    filters = queries.WorklistFilter(team_ids=(team.pk,))
    assert list(queries.waiting_triage(filters)) == [older, newer]
    assert queries.days_waited(older.received_at) == 40
    assert queries.days_waited(older.received_at, on=TODAY() + dt.timedelta(days=1)) == 41


def test_worklist_filters_stay_within_the_users_teams():
    mine = ReferralFactory(source="self", consent_to_contact=True, referred_by=None)
    gp = ReferralFactory(team=mine.team)
    theirs = ReferralFactory()
    filters = queries.WorklistFilter(team_ids=(mine.team_id,))
    assert set(queries.waiting_triage(filters)) == {mine, gp}
    assert list(queries.waiting_triage(queries.WorklistFilter((mine.team_id,), source="self"))) == [
        mine
    ]
    sneaky = queries.WorklistFilter(team_ids=(mine.team_id,), team_id=theirs.team_id)
    assert theirs not in set(queries.waiting_triage(sneaky))


def test_accepted_people_wait_for_first_then_second_contact():
    from alongside.care import services as care
    from alongside.care.models import Episode

    referral, user = in_state(State.IN_TRIAGE)
    services.accept_referral(referral=referral, by=user, team=referral.team)
    episode = Episode.objects.get(referral=referral)
    filters = queries.WorklistFilter(team_ids=(referral.team_id,))
    assert list(queries.waiting_first_contact(filters)) == [referral]
    base = timezone.now() - dt.timedelta(days=5)
    contact = {
        "episode": episode,
        "practitioner": user,
        "team": referral.team,
        "mode": "phone",
        "kind": "assessment",
        "duration_minutes": 30,
        "by": user,
    }
    care.record_contact(starts_at=base, outcome="did_not_attend", **contact)
    assert list(queries.waiting_first_contact(filters)) == [referral]
    care.record_contact(starts_at=base + dt.timedelta(days=1), outcome="attended", **contact)
    assert list(queries.waiting_second_contact(filters)) == [referral]
    care.record_contact(starts_at=base + dt.timedelta(days=2), outcome="attended", **contact)
    referral.refresh_from_db()
    assert referral.second_contact_at == base + dt.timedelta(days=2)
    assert not queries.waiting_second_contact(filters).exists()


# --- Two coordinators at once ------------------------------------------------------------------


def test_a_decision_on_a_stale_page_is_refused_and_says_what_happened():
    referral, first = in_state(State.IN_TRIAGE)
    second = coordinator_for(referral)
    shown = referral.version
    services.accept_referral(referral=referral, by=first, team=referral.team, version=shown)
    with pytest.raises(services.StaleReferral, match=first.display_name) as error:
        services.signpost_referral(
            referral=referral,
            by=second,
            service=a_service(),
            passed_on="x",
            follow_up_on=TODAY(),
            version=shown,
        )
    assert "now: accepted" in str(error.value)
    referral.refresh_from_db()
    assert referral.state == State.ACCEPTED
    assert not referral.handovers.exists()


@pytest.mark.django_db(transaction=True)
def test_two_decisions_at_the_same_moment_only_one_succeeds():
    referral, _ = in_state(State.IN_TRIAGE)
    users = [coordinator_for(referral), coordinator_for(referral)]
    service = a_service()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(index: int) -> None:
        try:
            barrier.wait()
            if index == 0:
                services.accept_referral(
                    referral=referral, by=users[0], team=referral.team, version=referral.version
                )
            else:
                services.signpost_referral(
                    referral=referral,
                    by=users[1],
                    service=service,
                    passed_on="x",
                    follow_up_on=TODAY(),
                    version=referral.version,
                )
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes)[1] == "ok" and outcomes.count("ok") == 1, outcomes
    referral.refresh_from_db()
    assert referral.version == 2
    assert referral.state in (State.ACCEPTED, State.SIGNPOSTED)
    assert Transition.objects.filter(referral=referral).exclude(name="received").count() == 1


def test_the_reference_is_readable_and_unique():
    references = {services.new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(len(r) == 9 and r[4] == "-" and not set(r) & set("01IO") for r in references)


def test_front_door_team_prefers_the_localitys_community_team():
    from alongside.organisations.tests.factories import LocalityFactory

    here = LocalityFactory()
    vcse = TeamFactory(
        organisation=OrganisationFactory(kind=OrganisationKind.VCSE),
        team_type="vcse_service",
        localities=[here],
    )
    cmht = TeamFactory(localities=[here])
    elsewhere = TeamFactory(localities=[LocalityFactory()])
    for team in (vcse, cmht, elsewhere):
        MembershipFactory(team=team, role=Role.COORDINATOR)
    assert services.front_door_team(here) == cmht
    MembershipFactory(user=UserFactory(), team=cmht, role=Role.PRACTITIONER)
    assert services.front_door_team(None) in {cmht, elsewhere}


def test_worklist_counts_per_team():
    waiting = ReferralFactory()
    ReferralFactory(team=waiting.team, state=State.IN_TRIAGE)
    accepted, user = in_state(State.IN_TRIAGE)
    services.accept_referral(referral=accepted, by=user, team=waiting.team)
    signposted, user2 = in_state(State.IN_TRIAGE)
    services.signpost_referral(
        referral=signposted, by=user2, service=a_service(), passed_on="x", follow_up_on=TODAY()
    )
    counts = queries.worklist_counts([waiting.team_id, signposted.team_id, TeamFactory().pk])
    assert counts[waiting.team_id] == {
        "triage": 2,
        "follow-ups": 0,
        "first-contact": 1,
        "second-contact": 0,
    }
    assert counts[signposted.team_id]["follow-ups"] == 1
    assert sum(sum(c.values()) for c in counts.values()) == 4


def test_an_accepted_referral_with_a_follow_up_open_cannot_close_until_it_is_recorded():
    referral, user = in_state(State.IN_TRIAGE)
    services.accept_referral(referral=referral, by=user, team=referral.team)
    handover = services.hand_over_alongside_episode(
        referral=referral, by=user, service=a_service(), passed_on="x", follow_up_on=TODAY()
    )
    with pytest.raises(ValidationError, match="Record the follow-up first"):
        services.close_referral(referral=referral, by=user, closure_reason="02")
    services.record_follow_up(handover=handover, by=user, outcome=FollowUpOutcome.CONNECTED)
    services.close_referral(referral=referral, by=user, closure_reason="02")
    referral.refresh_from_db()
    assert referral.state == State.CLOSED


def test_the_migration_withdraws_declines_left_before_the_fix():
    """Referrals declined and brought back to triage before leaving a decline cleared it keep a
    stale rejection: the referrals migration clears it when a return to triage follows the last
    decline, and keeps a decline that was closed by its follow-up."""
    from importlib import import_module

    from django.apps import apps

    migration = import_module(
        "alongside.referrals.migrations.0003_reason_for_referral_and_withdrawn_declines"
    )
    returned, user = _declined()
    services.return_to_triage(referral=returned, by=user, reason="More to know")
    services.accept_referral(referral=returned, by=user, team=returned.team)
    closed, user = _declined()
    services.record_follow_up(handover=closed.handovers.get(), by=user, outcome="connected")
    stale = {"rejected_at": timezone.now(), "rejection_reason": "02"}
    Referral.objects.filter(pk=returned.pk).update(**stale)  # as the services used to leave it
    migration.withdraw_left_declines(apps, None)
    returned.refresh_from_db()
    closed.refresh_from_db()
    assert (returned.rejected_at, returned.rejection_reason) == (None, "")
    assert closed.rejected_at is not None and closed.rejection_reason == "02"
