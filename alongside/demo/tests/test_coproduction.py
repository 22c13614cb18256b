"""The demo's co-production: reproducible from the seed, valid rows, realistic gaps between staff
and experts by experience, the person's voice recorded in care, and all of it flushed."""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest
from django.db import transaction

from alongside.care.models import CarePlanVersion, ContactPreferences, Goal
from alongside.coproduction.models import Expert, Involvement, Raters, Rating, Review
from alongside.coproduction.signals import team_signals
from alongside.demo.generator import PlaceBuilder, flush
from alongside.demo.tests.pinned import AS_OF
from alongside.outcomes import registry
from alongside.outcomes.models import Response, Score

SMALL = 300


def build(seed: int) -> dict[str, int]:
    with transaction.atomic():
        return PlaceBuilder(seed=seed, people=SMALL, as_of=AS_OF).build()


def snapshot() -> dict[str, list]:
    return {
        "ratings": sorted(
            Rating.objects.values_list(
                "review__team__name",
                "review__organisation__name",
                "review__alliance__name",
                "review__held_on",
                "raters",
                "characteristic",
                "score",
            ),
            key=repr,
        ),
        "experts": sorted(Expert.objects.values_list("email", "consent_on", "naming", "reward")),
        "involvements": sorted(
            Involvement.objects.values_list("expert__email", "on", "kind", "hours", "changed_on"),
            key=repr,
        ),
        "authorship": sorted(
            (v.plan.episode.referral.reference, v.number, sorted(v.authorship.items()))
            for v in CarePlanVersion.objects.select_related("plan__episode__referral")
        ),
        "collaborate": sorted(
            Score.objects.filter(measure="collaborate").values_list(
                "episode__referral__reference", "key", "value"
            )
        ),
    }


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = build(11)
        try:
            yield counts, snapshot()
        finally:
            flush()


@pytest.mark.django_db
def test_the_stage_writes_valid_rows(place):
    counts, _ = place
    for key in ("reviews", "ratings", "experts", "involvements", "collaborate_responses"):
        assert counts[key] > 0, key
    for review in Review.objects.all():
        review.full_clean()
        assert review.held_on < AS_OF
    for row in Involvement.objects.all()[:300]:
        row.full_clean()
        assert row.on < AS_OF
        assert (row.hours * 4) % 1 == 0
    for row in Rating.objects.all()[:300]:
        row.full_clean()
    for row in ContactPreferences.objects.all()[:100]:
        row.full_clean()
        assert row.stated


@pytest.mark.django_db
def test_staff_mostly_see_more_co_production_than_experts_by_experience(place):
    means: dict[tuple[int, str], list[int]] = defaultdict(list)
    for review_id, raters, score in Rating.objects.values_list("review_id", "raters", "score"):
        means[(review_id, raters)].append(score)
    gaps = [
        statistics.mean(means[(r, Raters.STAFF)]) - statistics.mean(means[(r, Raters.EXPERTS)])
        for r in {r for r, _ in means}
        if (r, Raters.EXPERTS) in means
    ]
    assert len(gaps) >= 5
    assert statistics.mean(gaps) > 0.3  # power showing, on average
    assert min(gaps) < max(gaps)  # and not the same everywhere


@pytest.mark.django_db
def test_the_persons_voice_shows_in_care_and_differs_between_teams(place):
    assert Goal.objects.exclude(worded_by="").exists()
    assert CarePlanVersion.objects.exclude(authorship={}).exists()
    assert Response.objects.filter(questionnaire__name="collaborate").exists()
    components = [s.care_component for s in team_signals(None, AS_OF).values()]
    components = [c for c in components if c is not None]
    assert len(components) >= 3
    assert max(components) - min(components) > 0.05
    tops = list(
        Score.objects.filter(measure="collaborate", key="top").values_list("value", flat=True)
    )
    assert 0 < sum(tops) < len(tops)  # some top scores, not all


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows_and_flush_removes_them(place):
    counts, first = place
    flush()
    assert not Review.objects.exists() and not Expert.objects.exists()
    assert not ContactPreferences.objects.exists()
    # The placeholder CollaboRATE wording is the demo's: it goes with the place.
    assert registry.current("collaborate").wording == {}
    assert build(11) == counts
    assert snapshot() == first
