"""The demo's key working: intensity, care teams, the contact history, plans, goals and ratings.

The tests share one small place, built once for the module (and flushed after it). Until the
generator calls ``build_key_working`` itself, the fixture calls it after the referral stage.
"""

import datetime as dt
import itertools
import statistics
from collections import Counter, defaultdict

import pgtrigger
import pytest
from django.db import transaction
from django.db.models import Count, F, Min, Q

from alongside.care.models import (
    DIRECT_MODES,
    Allocation,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    IntensityChange,
    Kind,
    Mode,
    NoteSharing,
    Outcome,
    PlanNote,
    RatedBy,
)
from alongside.demo.care import GAP_DAYS, build_key_working
from alongside.demo.generator import _HISTORY_TRIGGERS, PlaceBuilder, flush
from alongside.demo.tests.pinned import AS_OF, NOW
from alongside.referrals.models import Referral

SMALL = 400
YEAR = dt.timedelta(days=365)


def build(seed: int, people: int) -> dict[str, int]:
    with transaction.atomic():
        builder = PlaceBuilder(seed=seed, people=people, as_of=AS_OF)
        counts = builder.build()
        if "intensity_changes" not in counts:  # not yet wired into the generator
            with pgtrigger.ignore(*_HISTORY_TRIGGERS):
                added = build_key_working(builder)
            counts["contacts"] += added.pop("contacts")
            counts.update(added)
        return counts


def remove() -> None:
    flush()


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = build(7, SMALL)
        try:
            yield counts
        finally:
            remove()


def shares(values) -> dict[str, float]:
    values = list(values)
    return {key: 100 * n / len(values) for key, n in Counter(values).items()}


def snapshot() -> dict[str, list]:
    """The stage's rows, without ids (they differ from load to load)."""
    return {
        "contacts": sorted(
            Contact.objects.values_list(
                "episode__referral__reference",
                "starts_at",
                "mode",
                "kind",
                "outcome",
                "duration_minutes",
                "note",
                "note_sharing",
                "practitioner__username",
            )
        ),
        "intensity": sorted(
            IntensityChange.objects.values_list(
                "episode__referral__reference", "changed_at", "intensity", "reason"
            )
        ),
        "versions": sorted(
            CarePlanVersion.objects.values_list(
                "plan__episode__referral__reference", "number", "about_me", "agreed_on"
            )
        ),
        "ratings": sorted(
            GoalRating.objects.values_list(
                "goal__episode__referral__reference", "goal__text", "rated_at", "score"
            )
        ),
        "care_team": sorted(
            CareTeamMember.objects.values_list(
                "episode__referral__reference", "user__username", "role", "started_at"
            )
        ),
    }


@pytest.mark.django_db
def test_the_stage_adds_its_rows(place):
    assert place["intensity_changes"] == IntensityChange.objects.count() > 0
    assert place["care_plans"] == CarePlan.objects.count() > 0
    assert place["plan_versions"] == CarePlanVersion.objects.count()
    assert place["goals"] == Goal.objects.count()
    assert place["goal_ratings"] == GoalRating.objects.count()
    assert place["care_team_members"] == CareTeamMember.objects.count() > 0
    assert place["plan_notes"] == PlanNote.objects.count() > 0
    assert place["contacts"] == Contact.objects.count()


@pytest.mark.django_db
def test_every_row_is_what_the_models_would_accept(place):
    """The database enforces the CHECK constraints; full_clean a sample of each for the rest."""
    for model in (
        Contact,
        IntensityChange,
        CareTeamMember,
        CarePlan,
        CarePlanVersion,
        Goal,
        GoalRating,
        PlanNote,
    ):
        for row in model.objects.order_by("?")[:40]:
            row.full_clean()
    assert not Contact.objects.filter(
        Q(outcome=Outcome.ATTENDED, duration_minutes__isnull=True)
        | (~Q(outcome=Outcome.ATTENDED) & Q(duration_minutes__isnull=False))
    ).exists()
    assert not Contact.objects.filter(outcome=Outcome.PLANNED, starts_at__lt=NOW).exists()
    assert not Contact.objects.exclude(outcome=Outcome.PLANNED).filter(starts_at__gte=NOW).exists()


@pytest.mark.django_db
def test_attendance_modes_and_kinds_come_in_realistic_shares(place):
    done = Contact.objects.exclude(outcome=Outcome.PLANNED)
    outcomes = shares(done.values_list("outcome", flat=True))
    assert 75 <= outcomes[Outcome.ATTENDED] <= 82
    assert 9 <= outcomes[Outcome.DID_NOT_ATTEND] <= 14
    assert 4 <= outcomes[Outcome.CANCELLED_BY_PERSON] <= 8
    assert 2 <= outcomes[Outcome.CANCELLED_BY_SERVICE] <= 6
    modes = shares(done.values_list("mode", flat=True))
    assert modes[Mode.FACE_TO_FACE] + modes[Mode.PHONE] > 75
    assert 8 <= modes[Mode.VIDEO] <= 18 and 2 <= modes[Mode.TEXT] <= 8
    kinds = shares(done.values_list("kind", flat=True))
    assert kinds[Kind.COACHING] > 30 and 4 <= kinds[Kind.REVIEW] <= 20
    assert {Kind.PEER_SUPPORT, Kind.GROUP, Kind.OTHER, Kind.ASSESSMENT} <= set(kinds)
    durations = list(
        done.filter(outcome=Outcome.ATTENDED)
        .exclude(mode=Mode.TEXT)
        .values_list("duration_minutes", flat=True)
    )
    assert min(durations) >= 20 and max(durations) <= 90
    sharing = shares(Contact.objects.exclude(note="").values_list("note_sharing", flat=True))
    assert sharing[NoteSharing.CARE_TEAM] > 60 and sharing[NoteSharing.ORGANISATION] < 15


@pytest.mark.django_db
def test_people_are_seen_more_often_when_intensity_is_higher(place):
    """Contacts per week of an episode's life, by the intensity it held throughout."""
    steady = (
        Episode.objects.annotate(changes=Count("intensity_changes"))
        .filter(changes=1, started_at__lt=NOW - dt.timedelta(days=120))
        .values_list("pk", "intensity", "started_at", "ended_at")
    )
    per_week: dict[str, list[float]] = defaultdict(list)
    counts = Counter(Contact.objects.values_list("episode_id", flat=True))
    for pk, intensity, started, ended in steady:
        weeks = ((ended or NOW) - started).days / 7
        per_week[intensity].append(counts[pk] / weeks)
    mean = {level: statistics.mean(rates) for level, rates in per_week.items()}
    # The first weeks are the assessment's, so the rates run a little below 7 / GAP_DAYS.
    for level, rate in mean.items():
        assert 0.5 * 7 / GAP_DAYS[level] <= rate <= 1.2 * 7 / GAP_DAYS[level], (level, rate)
    assert mean["high"] > mean["medium"] > mean["low"]


@pytest.mark.django_db
def test_intensity_starts_with_the_episode_and_steps_with_reasons(place):
    episodes = {e.pk: e for e in Episode.objects.all()}
    history: dict[int, list[IntensityChange]] = defaultdict(list)
    for change in IntensityChange.objects.order_by("changed_at", "id"):
        history[change.episode_id].append(change)
    assert len(history) >= 0.99 * len(episodes)
    for pk, changes in history.items():
        episode = episodes[pk]
        assert changes[0].changed_at == episode.started_at
        assert changes[-1].intensity == episode.intensity
        for before, after in itertools.pairwise(changes):
            assert before.intensity != after.intensity and after.reason
            assert after.changed_at < (episode.ended_at or NOW)
    starting = shares(changes[0].intensity for changes in history.values())
    assert starting["medium"] > 45 and starting["high"] > 8 and starting["low"] > 8
    assert statistics.mean(len(c) for c in history.values()) > 1.3


@pytest.mark.django_db
def test_the_first_and_second_contacts_on_each_referral_are_still_true(place):
    moments: dict[int, list[dt.datetime]] = defaultdict(list)
    for referral_id, starts in (
        Contact.objects.filter(outcome=Outcome.ATTENDED, mode__in=DIRECT_MODES)
        .order_by("starts_at", "id")
        .values_list("episode__referral_id", "starts_at")
    ):
        moments[referral_id].append(starts)
    for referral in Referral.objects.filter(episode__isnull=False):
        got = moments[referral.pk]
        assert referral.first_contact_at == (got[0] if got else None)
        assert referral.second_contact_at == (got[1] if len(got) > 1 else None)


@pytest.mark.django_db
def test_contacts_are_by_the_key_worker_or_the_care_team_in_their_own_team(place):
    allocations = defaultdict(list)
    for a in Allocation.objects.all():
        allocations[a.episode_id].append(a)
    members = defaultdict(list)
    for m in CareTeamMember.objects.all():
        members[m.episode_id].append(m)
    by_member = 0
    for contact in Contact.objects.all():
        workers = {a.key_worker_id: a for a in allocations[contact.episode_id]}
        if contact.practitioner_id in workers:
            continue
        member = next(
            m for m in members[contact.episode_id] if m.user_id == contact.practitioner_id
        )
        assert contact.team_id == member.team_id
        assert member.started_at <= contact.starts_at
        by_member += 1
    assert 0 < by_member < 0.1 * Contact.objects.count()
    team = CareTeamMember.objects.select_related("team", "episode__lead_team")
    assert all(m.team.organisation_id != m.episode.lead_team.organisation_id for m in team)
    with_team = Episode.objects.filter(care_team__isnull=False).distinct().count()
    assert 0.2 <= with_team / Episode.objects.count() <= 0.45


@pytest.mark.django_db
def test_open_episodes_have_booked_appointments_and_closed_ones_stop_at_discharge(place):
    open_episodes = Episode.objects.filter(ended_at__isnull=True, allocations__isnull=False)
    planned = Counter(
        Contact.objects.filter(outcome=Outcome.PLANNED).values_list("episode_id", flat=True)
    )
    assert all(1 <= planned[pk] <= 2 for pk in open_episodes.values_list("pk", flat=True))
    assert not Contact.objects.filter(episode__ended_at__isnull=False, outcome="").exists()
    late = Contact.objects.filter(episode__ended_at__isnull=False).filter(
        starts_at__gte=F("episode__ended_at")
    )
    assert not late.exists()


@pytest.mark.django_db
def test_most_episodes_have_an_agreed_plan_with_goals_and_actions(place):
    older = Episode.objects.filter(started_at__lt=NOW - dt.timedelta(weeks=4))
    agreed = older.filter(plan__versions__agreed_on__isnull=False).distinct().count()
    assert 0.78 <= agreed / older.count() <= 0.92
    for plan in CarePlan.objects.prefetch_related("versions"):
        versions = list(plan.versions.all())
        assert (
            [v.number for v in versions]
            == list(range(1, len(versions) + 1))
            == list(range(1, plan.current_version + 1))
        )
        assert len(versions) <= 4
        for v in versions:
            assert v.goals and all(set(g) == {"id", "text"} for g in v.goals)
            assert {a["who"] for a in v.actions} >= {"me", "key worker"}
            assert v.review_on > v.created_at.date()
            if v.agreed_on:
                assert v.agreement_recorded_by_id and v.agreed_on >= v.created_at.date()
    goals = Counter(Goal.objects.values_list("episode_id", flat=True))
    assert set(goals.values()) <= {1, 2, 3}
    assert PlanNote.objects.filter(read_at__isnull=True).exists()
    assert PlanNote.objects.filter(read_at__isnull=False).exists()
    assert not PlanNote.objects.filter(episode__ended_at__isnull=False).exists()


@pytest.mark.django_db
def test_goal_ratings_start_low_and_improve_on_average(place):
    first: dict[int, int] = {}
    latest: dict[int, int] = {}
    for goal_id, score in GoalRating.objects.order_by("rated_at", "id").values_list(
        "goal_id", "score"
    ):
        first.setdefault(goal_id, score)
        latest[goal_id] = score
    assert 2 <= statistics.mean(first.values()) <= 4
    assert statistics.mean(latest.values()) - statistics.mean(first.values()) >= 1.5
    assert min(latest.values()) < max(first.values())  # not everyone improves
    assert min(latest.values()) >= 0 and max(latest.values()) <= 10
    rated_by = shares(GoalRating.objects.values_list("rated_by", flat=True))
    assert rated_by[RatedBy.WITH_WORKER] > 90
    goals = Goal.objects.annotate(first=Min("ratings__rated_at"))
    assert all(g.first is not None and g.first >= g.created_at for g in goals)


@pytest.mark.django_db
def test_contacts_a_year_scale_with_the_place(place):
    """About 300,000 a year for a county of 25,000 people: 12 a person a year."""
    last_year = Contact.objects.filter(starts_at__gte=NOW - YEAR, starts_at__lt=NOW).count()
    assert 8 <= last_year / SMALL <= 14


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_key_working(place):
    first = snapshot()
    remove()
    for model in (IntensityChange, CarePlan, Goal, GoalRating, PlanNote, CareTeamMember):
        assert not model.objects.exists(), model
    build(7, SMALL)
    assert snapshot() == first
