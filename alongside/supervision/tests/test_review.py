"""Each caseload signal on built cases, and the review's statements constant in caseload size."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care.models import CarePlan, CarePlanVersion, Goal, GoalRating, Outcome, RatedBy
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    IntensityChangeFactory,
    allocate,
    practitioner_in,
)
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.outcomes.tests.factories import answered
from alongside.referrals.models import HandoverKind
from alongside.supervision import services
from alongside.supervision.models import Kind
from alongside.supervision.review import caseload_review

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def ago(days: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days)


def phq9(total: int) -> list[str]:
    return [str(min(3, max(0, total - 3 * n))) for n in range(9)]


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def supervisor(team):
    return MembershipFactory(team=team, role=Role.SUPERVISOR).user


def supervised(team, supervisor):
    worker = practitioner_in(team)
    services.make_agreement(
        supervisee=worker,
        supervisor=supervisor,
        starts_on=TODAY() - dt.timedelta(days=30),
        terms={Kind.INDIVIDUAL: 4},
        by=supervisor,
    )
    return worker


def case(team, worker, *, started_days_ago=120, seen_days_ago: int | None = 3):
    episode = EpisodeFactory(lead_team=team, started_at=ago(started_days_ago))
    allocate(episode, worker)
    if seen_days_ago is not None:
        ContactFactory(episode=episode, practitioner=worker, starts_at=ago(seen_days_ago))
    return episode


def signals_of(supervisor, episode):
    for review in caseload_review(supervisor):
        for found in review.cases:
            if found.episode.pk == episode.pk:
                return {s.key for s in found.signals}
    raise AssertionError("episode not in the review")


def test_a_quiet_case_has_no_signal(team, supervisor):
    worker = supervised(team, supervisor)
    episode = case(team, worker)
    assert signals_of(supervisor, episode) == set()


def test_no_contact_for_four_weeks(team, supervisor):
    worker = supervised(team, supervisor)
    seen = case(team, worker, seen_days_ago=29)
    never = case(team, worker, started_days_ago=40, seen_days_ago=None)
    recent = case(team, worker, seen_days_ago=27)
    assert "no_contact" in signals_of(supervisor, seen)
    assert "no_contact" in signals_of(supervisor, never)
    assert "no_contact" not in signals_of(supervisor, recent)


def test_plan_review_overdue(team, supervisor):
    worker = supervised(team, supervisor)
    late, due = case(team, worker), case(team, worker)
    for episode, review_on in ((late, TODAY() - dt.timedelta(days=1)), (due, TODAY())):
        plan = CarePlan.objects.create(episode=episode, current_version=1)
        CarePlanVersion.objects.create(plan=plan, number=1, created_by=worker, review_on=review_on)
    assert "plan_review_overdue" in signals_of(supervisor, late)
    assert "plan_review_overdue" not in signals_of(supervisor, due)


def test_goals_not_rated_in_three_months(team, supervisor):
    worker = supervised(team, supervisor)
    stale, rated = case(team, worker), case(team, worker)
    for episode, rated_days_ago in ((stale, 91), (rated, 30)):
        goal = Goal.objects.create(
            episode=episode, text="Back to swimming", created_by=worker, created_at=ago(120)
        )
        GoalRating.objects.create(
            goal=goal,
            score=4,
            rated_at=ago(rated_days_ago),
            rated_by=RatedBy.WITH_WORKER,
            recorded_by=worker,
        )
    assert "goals_not_rated" in signals_of(supervisor, stale)
    assert "goals_not_rated" not in signals_of(supervisor, rated)


def test_reliable_deterioration_and_unchanged_intensity(team, supervisor):
    worker = supervised(team, supervisor)
    worse, stepped = case(team, worker), case(team, worker)
    for episode in (worse, stepped):
        answered(episode, "phq9", phq9(8), by=worker, at=ago(90))
        answered(episode, "phq9", phq9(16), by=worker, at=ago(10))
    IntensityChangeFactory(episode=stepped, intensity="high", changed_at=ago(5))
    assert {"deterioration", "intensity_unchanged"} <= signals_of(supervisor, worse)
    found = signals_of(supervisor, stepped)
    assert "deterioration" in found and "intensity_unchanged" not in found


def test_missed_appointments_in_a_row(team, supervisor):
    worker = supervised(team, supervisor)
    missed, broken = case(team, worker, seen_days_ago=20), case(team, worker, seen_days_ago=20)
    for episode in (missed, broken):
        ContactFactory(
            episode=episode, practitioner=worker, starts_at=ago(10), outcome=Outcome.DID_NOT_ATTEND
        )
    ContactFactory(
        episode=missed, practitioner=worker, starts_at=ago(3), outcome=Outcome.DID_NOT_ATTEND
    )
    ContactFactory(
        episode=broken, practitioner=worker, starts_at=ago(3), outcome=Outcome.CANCELLED_BY_PERSON
    )
    assert "dna_run" in signals_of(supervisor, missed)
    assert "dna_run" not in signals_of(supervisor, broken)  # a cancellation is not a miss


def test_follow_up_past_its_date(team, supervisor):
    worker = supervised(team, supervisor)
    episode = case(team, worker)
    episode.referral.handovers.create(
        kind=HandoverKind.SIGNPOST,
        team=team,
        passed_on="Details passed by phone",
        follow_up_on=TODAY() - dt.timedelta(days=2),
        created_by=worker,
    )
    assert "follow_up_overdue" in signals_of(supervisor, episode)


def test_only_current_supervisees_caseloads_are_reviewed(team, supervisor):
    worker = supervised(team, supervisor)
    mine = case(team, worker)
    other = case(team, practitioner_in(team))
    found = {c.episode.pk for r in caseload_review(supervisor) for c in r.cases}
    assert mine.pk in found and other.pk not in found


def test_the_review_reads_the_same_statements_for_any_caseload_size(team, supervisor):
    worker = supervised(team, supervisor)
    case(team, worker)
    with CaptureQueriesContext(connection) as small:
        caseload_review(supervisor)
    for _ in range(6):
        episode = case(team, worker, seen_days_ago=40)
        ContactFactory(
            episode=episode, practitioner=worker, starts_at=ago(2), outcome=Outcome.DID_NOT_ATTEND
        )
    with CaptureQueriesContext(connection) as large:
        reviews = caseload_review(supervisor)
    assert len(reviews[0].cases) == 7
    assert len(large.captured_queries) == len(small.captured_queries)
