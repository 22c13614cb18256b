"""The demo's referrals: realistic flows that the state machine and the no-bounce rule allow,
episodes with their first contacts, fortnightly locality meetings, and the same rows every time.

Most tests share one small place, generated once for the module (and flushed after it); the
shares hold at this size because the generator deals its decisions from exact decks.
"""

import datetime as dt
import random
import statistics
from collections import Counter, defaultdict
from itertools import pairwise

import pytest
from django.apps import apps
from django.db.models import F

from alongside.accounts.models import User
from alongside.care.models import Allocation, CarePlan, Contact, Episode, Outcome
from alongside.demo import data
from alongside.demo.generator import DEFAULT_SEED, SCALES, flush, generate
from alongside.demo.tests.pinned import AS_OF, NOW, START
from alongside.meetings.models import AgendaItem, Attendee, LocalityMeeting
from alongside.organisations.models import Locality, Role, Team, TeamType
from alongside.people.models import Person
from alongside.referrals.models import (
    AWAITING_DECISION,
    PERSON_LED_CLOSURES,
    Handover,
    HandoverKind,
    Referral,
    Source,
    State,
    Transition,
)
from alongside.referrals.services import TRANSITIONS

SMALL = 300
LONDON = NOW.tzinfo


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    """One small place for the module's tests, committed; each test's own changes roll back."""
    with django_db_blocker.unblock():
        counts = generate(7, SMALL, as_of=AS_OF)
        try:
            yield counts
        finally:
            flush()


def stories() -> dict[int, list[Transition]]:
    by_referral: dict[int, list[Transition]] = defaultdict(list)
    for transition in Transition.objects.order_by("referral_id", "at", "id"):
        by_referral[transition.referral_id].append(transition)
    return by_referral


def first_decisions() -> dict[int, Transition]:
    """Each outside referral's first step after triage started: its triage decision (or the
    person closing it)."""
    decisions = {}
    for referral_id, story in stories().items():
        for transition in story:
            if transition.name not in {"received", "start_triage", "identify"}:
                decisions[referral_id] = transition
                break
    outside = set(Referral.objects.filter(onward_from=None).values_list("pk", flat=True))
    return {pk: t for pk, t in decisions.items() if pk in outside}


def shares(values) -> dict[str, float]:
    values = list(values)
    return {key: 100 * n / len(values) for key, n in Counter(values).items()}


@pytest.mark.django_db
def test_the_place_has_referrals_episodes_contacts_and_meetings(place):
    assert place["referrals"] == Referral.objects.count() > SMALL
    for name, model in (
        ("referral_transitions", Transition),
        ("handovers", Handover),
        ("episodes", Episode),
        ("allocations", Allocation),
        ("contacts", Contact),
        ("locality_meetings", LocalityMeeting),
        ("meeting_attendees", Attendee),
        ("agenda_items", AgendaItem),
    ):
        assert place[name] == model.objects.count() > 0, name
    # The load writes no record history: it is not a change anyone made.
    assert not apps.get_model("referrals", "ReferralEvent").objects.exists()
    assert not apps.get_model("care", "EpisodeEvent").objects.exists()


@pytest.mark.django_db
def test_every_referral_tells_a_true_story_through_the_state_machine(place):
    referrals = {r.pk: r for r in Referral.objects.all()}
    by_referral = stories()
    assert set(by_referral) == set(referrals)
    for pk, story in by_referral.items():
        referral = referrals[pk]
        received, *steps = story
        assert (received.name, received.from_state, received.to_state) == (
            "received",
            State.RECEIVED,
            State.RECEIVED,
        )
        assert received.at == referral.received_at
        assert received.by_id == referral.referred_by_id
        state, last = State.RECEIVED, received.at
        for step in steps:
            assert step.from_state == state, (referral.reference, step)
            assert step.at > last
            if step.name == "identify":
                assert step.to_state == state
            else:
                edge = TRANSITIONS[step.name]
                assert state in edge.sources and step.to_state == edge.target, step
            state, last = step.to_state, step.at
        assert state == referral.state
        assert last < NOW
        assert referral.version == len(story)
        identified = [s for s in steps if s.name == "identify"]
        assert len(identified) <= 1
        if identified or state not in (State.RECEIVED, State.IN_TRIAGE, State.CLOSED):
            assert referral.person_id is not None
        if state == State.CLOSED:
            assert referral.closed_at == last and referral.closure_reason == story[-1].code
        if any(s.name == "decline" for s in steps):
            decline = next(s for s in steps if s.name == "decline")
            assert referral.rejected_at == decline.at
            assert referral.rejection_reason == decline.code
        if any(s.name == "accept" for s in steps):
            assert referral.accepted_team_id is not None
            assert referral.team_id == referral.accepted_team_id


@pytest.mark.django_db
def test_each_referral_is_about_a_generated_person(place):
    people = {(p.given_name, p.family_name, p.date_of_birth): p.pk for p in Person.objects.all()}
    portal = Person.objects.get(user__username="person")
    for referral in Referral.objects.all():
        key = (referral.given_name, referral.family_name, referral.date_of_birth)
        assert key in people, referral
        if referral.person_id is not None:
            assert people[key] == referral.person_id
    assert Referral.objects.filter(person=portal).exists()


@pytest.mark.django_db
def test_sources_urgency_and_triage_decisions_come_in_realistic_shares(place):
    outside = Referral.objects.filter(onward_from=None).exclude(person__user__username="person")
    sources = shares(outside.values_list("source", flat=True))
    for source, share in data.REFERRAL_SOURCE_SHARES.items():
        assert sources.get(source, 0) == pytest.approx(share, abs=1.5), source
    assert shares(outside.values_list("urgency", flat=True))["urgent"] == pytest.approx(15, abs=2)

    decisions = shares(t.name for t in first_decisions().values())
    expected = {"accept": 55, "signpost": 25, "mark_for_meeting": 12, "decline": 6, "close": 2}
    for name, share in expected.items():
        assert decisions.get(name, 0) == pytest.approx(share, abs=3), name

    received = dict(Referral.objects.values_list("pk", "received_at"))
    urgency = dict(Referral.objects.values_list("pk", "urgency"))
    days = defaultdict(list)
    for pk, decision in first_decisions().items():
        if decision.name != "close":
            days[urgency[pk]].append((decision.at - received[pk]).total_seconds() / 86_400)
    assert 3 <= statistics.median(days["routine"]) <= 8
    assert statistics.median(days["urgent"]) <= 2.5


@pytest.mark.django_db
def test_referrals_arrive_over_18_months_professionals_in_working_hours(place):
    outside = Referral.objects.filter(onward_from=None)
    moments = [m.astimezone(LONDON) for m in outside.values_list("received_at", flat=True)]
    assert min(moments) >= START and max(moments) < NOW
    assert {m.strftime("%Y-%m") for m in moments} >= {"2025-06", "2026-01", "2026-10"}
    professional = [
        m.astimezone(LONDON)
        for m in outside.exclude(source=Source.SELF).values_list("received_at", flat=True)
    ]
    assert all(m.weekday() < 5 for m in professional)
    assert sum(8 <= m.hour < 18 for m in professional) / len(professional) > 0.9
    own = [
        m.astimezone(LONDON)
        for m in outside.filter(source=Source.SELF).values_list("received_at", flat=True)
    ]
    assert any(m.weekday() >= 5 or not 8 <= m.hour < 18 for m in own)  # any time of day
    assert not outside.filter(source=Source.SELF, referred_by__isnull=False).exists()
    assert not outside.exclude(source=Source.SELF).filter(referred_by=None).exists()


@pytest.mark.django_db
def test_nobody_is_bounced_every_exit_names_somewhere_with_a_follow_up(place):
    by_referral = stories()
    handovers = defaultdict(list)
    for handover in Handover.objects.all():
        handovers[handover.referral_id].append(handover)
    closed_before_decision = 0
    for pk, story in by_referral.items():
        names = [t.name for t in story]
        exits = names.count("signpost") + names.count("decline")
        assert len(handovers[pk]) == exits, story
        last = story[-1]
        if last.name == "close" and last.from_state in AWAITING_DECISION:
            assert last.code in PERSON_LED_CLOSURES  # the only closures without a next step
            closed_before_decision += 1
        if last.name == "close" and last.from_state in (State.SIGNPOSTED, State.DECLINED):
            assert all(h.outcome for h in handovers[pk])
            assert last.at == max(h.outcome_at for h in handovers[pk])
        if last.to_state in (State.SIGNPOSTED, State.DECLINED):
            assert [h for h in handovers[pk] if not h.outcome], "waiting for its follow-up"
    assert 0 < closed_before_decision <= 0.03 * len(by_referral)

    for handover in Handover.objects.all():
        assert (handover.service_id is None) != (handover.team_id is None)
        assert handover.passed_on and handover.told_person
        created = handover.created_at.astimezone(LONDON).date()
        assert created + dt.timedelta(days=7) <= handover.follow_up_on <= created + dt.timedelta(90)
        if handover.outcome:
            assert handover.outcome_at >= handover.created_at and handover.outcome_by_id
    declined = Handover.objects.filter(kind=HandoverKind.ALTERNATIVE)
    assert declined.exists()
    assert not declined.exclude(referral__rejection_reason__in=["02", "03"]).exists()
    for handover in declined.filter(team__isnull=False):
        onward = handover.onward_referral
        assert onward.onward_from_id == handover.referral_id and onward.team_id == handover.team_id


@pytest.mark.django_db
def test_follow_ups_mostly_connect_and_recent_ones_are_still_due(place):
    recorded = Handover.objects.exclude(outcome="")
    outcomes = shares(recorded.values_list("outcome", flat=True))
    assert outcomes["connected"] == pytest.approx(75, abs=8)
    assert outcomes["not_connected"] == pytest.approx(10, abs=5)
    assert outcomes["not_wanted"] == pytest.approx(10, abs=5)
    assert outcomes["no_reply"] == pytest.approx(5, abs=4)
    # Not connected: back to triage, then another next step.
    for handover in recorded.filter(outcome="not_connected"):
        after = Transition.objects.filter(referral=handover.referral, at__gte=handover.outcome_at)
        names = list(after.order_by("at", "id").values_list("name", flat=True))
        assert names[0] == "return_to_triage"
        assert len(names) == 1 or names[1] in {"signpost", "accept"}
    assert Handover.objects.filter(outcome="", follow_up_on__gt=AS_OF).exists()


@pytest.mark.django_db
def test_signposting_goes_to_vcse_services_serving_the_persons_locality(place):
    signposts = Handover.objects.filter(kind=HandoverKind.SIGNPOST)
    total = signposts.count()
    vcse = signposts.filter(service__organization__organisation__kind="vcse").count()
    local = signposts.filter(service__localities=F("referral__locality")).count()
    assert vcse / total > 0.7
    assert local / total > 0.7


@pytest.mark.django_db
def test_accepted_referrals_have_an_episode_a_key_worker_and_consistent_first_contacts(place):
    accepted = Referral.objects.filter(accepted_team__isnull=False)
    episodes = {e.referral_id: e for e in Episode.objects.all()}
    assert set(episodes) == set(accepted.values_list("pk", flat=True))
    accepts = {
        t.referral_id: t for t in Transition.objects.filter(name="accept").order_by("at", "id")
    }
    contacts = defaultdict(list)
    for contact in Contact.objects.order_by("starts_at", "id"):
        contacts[contact.episode_id].append(contact)
    first_gaps, second_gaps = [], []
    for referral in accepted:
        episode = episodes[referral.pk]
        assert episode.lead_team_id == referral.accepted_team_id
        assert episode.person_id == referral.person_id
        assert episode.started_at == accepts[referral.pk].at
        assert (episode.ended_at is None) == (referral.state == State.ACCEPTED)
        if episode.ended_at:
            assert episode.ended_at == referral.closed_at
            assert episode.discharge_reason == referral.closure_reason
            assert episode.discharge_summary
            assert episode.allocations.get().key_worker_id == episode.discharged_by_id
        attended = [c.starts_at for c in contacts[episode.pk] if c.is_direct_attended]
        assert referral.first_contact_at == (attended[0] if attended else None)
        assert referral.second_contact_at == (attended[1] if len(attended) > 1 else None)
        if referral.first_contact_at and referral.onward_from_id is None:
            first_gaps.append((referral.first_contact_at - referral.received_at).days)
        if referral.second_contact_at:
            second_gaps.append((referral.second_contact_at - referral.first_contact_at).days)
        for contact in contacts[episode.pk]:
            assert contact.starts_at >= episode.started_at
            assert (contact.outcome == Outcome.PLANNED) == (contact.starts_at >= NOW)
            # The key worker's team; the key-working stage also adds contacts by care team
            # members from other teams.
            assert (
                contact.team_id == episode.lead_team_id
                or episode.care_team.filter(user_id=contact.practitioner_id).exists()
            )
    assert 7 <= statistics.median(first_gaps) <= 28
    assert 7 <= statistics.median(second_gaps) <= 21
    waiting = accepted.filter(state=State.ACCEPTED)
    assert waiting.filter(first_contact_at=None).exists()
    assert waiting.filter(first_contact_at__isnull=False, second_contact_at=None).exists()

    happened = Contact.objects.exclude(outcome=Outcome.PLANNED)
    assert 8 <= shares(happened.values_list("outcome", flat=True))["did_not_attend"] <= 16
    assert happened.filter(outcome__startswith="cancelled").exists()
    for allocation in Allocation.objects.select_related("episode"):
        assert allocation.key_worker.memberships.filter(
            team_id=allocation.episode.lead_team_id, role=Role.PRACTITIONER
        ).exists()
    long_ago = Episode.objects.filter(started_at__lt=NOW - dt.timedelta(days=365))
    assert long_ago.filter(ended_at__isnull=False).count() / long_ago.count() > 0.8
    discharges = shares(
        Episode.objects.exclude(discharge_reason="").values_list("discharge_reason", flat=True)
    )
    assert discharges["02"] > 60


@pytest.mark.django_db
def test_accepted_referrals_go_mostly_to_the_locality_cmht_or_pcn_team(place):
    lead = shares(Episode.objects.values_list("lead_team__team_type", flat=True))
    assert lead[TeamType.COMMUNITY_MENTAL_HEALTH] + lead[TeamType.PRIMARY_CARE_MENTAL_HEALTH] > 70
    assert lead.get(TeamType.VCSE_SERVICE, 0) > 0
    for referral in Referral.objects.filter(
        accepted_team__team_type__in=[
            TeamType.COMMUNITY_MENTAL_HEALTH,
            TeamType.PRIMARY_CARE_MENTAL_HEALTH,
        ]
    ):
        assert referral.accepted_team.localities.filter(pk=referral.locality_id).exists()


@pytest.mark.django_db
def test_people_are_sometimes_referred_again_never_while_a_referral_is_open(place):
    per_person = defaultdict(list)
    for referral in Referral.objects.filter(onward_from=None, person__isnull=False):
        per_person[referral.person_id].append(referral)
    again = [rs for rs in per_person.values() if len(rs) > 1]
    assert 0.03 < len(again) / len(per_person) < 0.3
    for referrals in again:
        referrals.sort(key=lambda r: r.received_at)
        for earlier, later in pairwise(referrals):
            assert earlier.closed_at is not None and earlier.closed_at < later.received_at


@pytest.mark.django_db
def test_each_locality_meets_every_fortnight_with_several_organisations(place):
    for locality in Locality.objects.all():
        starts = [
            m.astimezone(LONDON)
            for m in LocalityMeeting.objects.filter(locality=locality)
            .order_by("starts_at")
            .values_list("starts_at", flat=True)
        ]
        assert starts[0] < START + dt.timedelta(days=14)
        assert starts[-1] >= NOW
        for earlier, later in pairwise(starts):
            assert later.date() - earlier.date() == dt.timedelta(days=14)
            assert later.time() == earlier.time()  # the same time, summer or winter
    for meeting in LocalityMeeting.objects.filter(starts_at__lt=NOW).prefetch_related("attendees"):
        staff = [a for a in meeting.attendees.all() if a.user_id]
        assert 5 <= len(staff) <= 9
        assert len({a.organisation_id for a in staff}) >= 3
        assert meeting.chair_id in {a.user_id for a in staff}
    assert not Attendee.objects.filter(meeting__starts_at__gte=NOW).exists()


@pytest.mark.django_db
def test_referrals_for_the_meeting_are_decided_at_the_next_one(place):
    items = AgendaItem.objects.filter(referral__isnull=False).select_related("meeting")
    marks = {t.referral_id: t for t in Transition.objects.filter(name="mark_for_meeting")}
    assert set(items.values_list("referral_id", flat=True)) == set(marks)
    for item in items:
        marked = marks[item.referral_id]
        assert item.meeting.starts_at >= marked.at + dt.timedelta(days=1)
        assert item.meeting.starts_at < marked.at + dt.timedelta(days=16)
        assert item.why == marked.reason and item.added_by_id == marked.by_id
        if item.meeting.starts_at >= NOW:
            assert not item.decision and item.referral.state == State.FOR_MEETING
            continue
        assert item.decision and item.decided_by_id == item.meeting.chair_id
        after = Transition.objects.get(
            referral=item.referral, at__gt=marked.at, from_state=State.FOR_MEETING
        )
        assert after.at == item.decided_at and after.by_id == item.decided_by_id
        assert (
            after.name
            == {
                "allocate": "accept",
                "joint_offer": "accept",
                "signpost": "signpost",
                "more_information": "return_to_triage",
            }[item.decision]
        )
        if item.decision == "joint_offer":
            assert set(item.partner_teams.all()) <= set(item.referral.episode.partner_teams.all())
    decided = shares(items.exclude(decision="").values_list("decision", flat=True))
    assert decided["allocate"] > decided["joint_offer"] > decided["more_information"]
    episode_items = AgendaItem.objects.filter(episode__isnull=False)
    assert episode_items.exists()
    for item in episode_items.select_related("episode", "meeting"):
        assert item.episode.started_at < item.meeting.starts_at
        assert item.episode.ended_at is None or item.episode.ended_at > item.meeting.starts_at


@pytest.mark.django_db
def test_rows_are_what_the_models_would_accept(place):
    rng = random.Random(1)

    def sample(model, k=15):
        rows = list(model.objects.all())
        return rng.sample(rows, min(k, len(rows)))

    for referral in sample(Referral, 30):
        referral.full_clean(exclude=["needs"])
    for model in (Transition, Handover, Episode, Allocation, Contact, LocalityMeeting, Attendee):
        for row in sample(model):
            row.full_clean()
    for item in sample(AgendaItem):
        item.full_clean(exclude=["partner_teams"])


def story_snapshot() -> dict[str, list]:
    """Every referral-stage row as values, without database ids or load-time stamps."""

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "referrals": rows(
            Referral.objects,
            "reference",
            "source",
            "referring_organisation__name",
            "referred_by__username",
            "received_at",
            "urgency",
            "person__family_name",
            "given_name",
            "date_of_birth",
            "nhs_number",
            "contact_methods",
            "submission_key",
            "concerns",
            "locality__code",
            "team__name",
            "state",
            "version",
            "accepted_team__name",
            "rejected_at",
            "closed_at",
            "closure_reason",
            "onward_from__reference",
            "first_contact_at",
            "second_contact_at",
            "needs__code",
        ),
        "transitions": rows(
            Transition.objects,
            "referral__reference",
            "name",
            "from_state",
            "to_state",
            "by__username",
            "at",
            "reason",
            "code",
        ),
        "handovers": rows(
            Handover.objects,
            "referral__reference",
            "kind",
            "service__name",
            "team__name",
            "passed_on",
            "follow_up_on",
            "onward_referral__reference",
            "created_by__username",
            "outcome",
            "outcome_at",
        ),
        "episodes": rows(
            Episode.objects,
            "referral__reference",
            "lead_team__name",
            "started_at",
            "ended_at",
            "discharge_reason",
            "partner_teams__name",
        ),
        "allocations": rows(
            Allocation.objects,
            "episode__referral__reference",
            "key_worker__username",
            "started_at",
            "ended_at",
            "allocated_by__username",
        ),
        "contacts": rows(
            Contact.objects,
            "episode__referral__reference",
            "practitioner__username",
            "starts_at",
            "mode",
            "kind",
            "outcome",
            "duration_minutes",
        ),
        "meetings": rows(
            LocalityMeeting.objects, "locality__code", "starts_at", "chair__username", "place"
        ),
        "attendees": rows(
            Attendee.objects, "meeting__starts_at", "user__username", "name", "organisation__name"
        ),
        "agenda": rows(
            AgendaItem.objects,
            "meeting__locality__code",
            "meeting__starts_at",
            "referral__reference",
            "episode__referral__reference",
            "position",
            "decision",
            "decided_at",
            "key_worker__username",
            "partner_teams__name",
        ),
    }


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_referrals_and_flush_removes_them(place):
    first = story_snapshot()
    flush()
    for model in (Referral, Transition, Handover, Episode, Contact, LocalityMeeting, AgendaItem):
        assert not model.objects.exists(), model
    generate(7, SMALL, as_of=AS_OF)
    assert story_snapshot() == first
    flush()
    generate(8, SMALL, as_of=AS_OF)
    other = {row[:5] for row in story_snapshot()["referrals"]}
    assert len(other & {row[:5] for row in first["referrals"]}) < SMALL // 10


@pytest.mark.django_db
def test_flush_also_removes_what_people_added_to_the_demo_since(place):
    episode = Episode.objects.filter(ended_at=None).first()
    CarePlan.objects.create(episode=episode)  # cascades from the episode, so it goes too
    onward = Referral.objects.filter(onward_from__isnull=False).first()
    assert onward is not None
    flush()
    for model in (CarePlan, Episode, Referral, Person, User):
        assert not model.objects.exists(), model


@pytest.mark.django_db
def test_the_demo_sign_ins_find_work_waiting_for_them(place):
    flush()  # the module's small place makes way for the demo's own (rolled back afterwards)
    generate(DEFAULT_SEED, SCALES["demo"], as_of=AS_OF)
    assert 1_500 <= Referral.objects.count() <= 3_000
    coordinator = User.objects.get(username="coordinator")
    team = Team.objects.get(memberships__user=coordinator)
    waiting = Referral.objects.awaiting_decision().filter(team=team)
    assert 10 <= waiting.count() <= 30
    assert waiting.filter(state=State.IN_TRIAGE).exists()
    due = Handover.objects.filter(referral__team=team, outcome="", follow_up_on__lte=AS_OF)
    assert 1 <= due.count() <= 10
    assert Transition.objects.filter(by=coordinator).count() > 100

    for username, at_least in (("practitioner", 10), ("carepartner", 3)):
        open_episodes = Allocation.objects.filter(
            key_worker__username=username, ended_at=None, episode__ended_at=None
        )
        assert open_episodes.count() >= at_least, username
    portal = Person.objects.get(user__username="person")
    episode = Episode.objects.get(person=portal)
    assert episode.ended_at is None
    assert episode.partner_teams.filter(team_type=TeamType.VCSE_SERVICE).exists()
    assert episode.referral.first_contact_at is not None
