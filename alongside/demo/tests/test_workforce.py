"""The demo's training and workforce: reproducible from the seed, valid rows, some training
expired or missing, posts with a WTE and a few vacancies.

``generator.py`` does not call ``build_workforce`` yet: the place is built here and the stage run
on its builder (once the generator runs it, its counts are taken from the build instead)."""

from __future__ import annotations

import pytest
from django.db import transaction

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.demo import data
from alongside.demo.generator import PlaceBuilder, flush
from alongside.demo.tests.pinned import AS_OF
from alongside.demo.workforce import build_workforce, flush_workforce
from alongside.organisations.models import Membership, Organisation
from alongside.workforce.models import Post, TrainingRecord, Vacancy
from alongside.workforce.queries import GapStatus, training_gaps

SMALL = 300


def build(seed: int) -> dict[str, int]:
    with transaction.atomic():
        builder = PlaceBuilder(seed=seed, people=SMALL, as_of=AS_OF)
        counts = builder.build()
        if "training_records" not in counts:
            counts.update(build_workforce(builder))
    return counts


def remove() -> None:
    organisations = Organisation.objects.filter(website__endswith=f"{data.DOMAIN_SUFFIX}/")
    users = User.objects.filter(email__iendswith=data.DOMAIN_SUFFIX)
    flush_workforce(
        episodes=Episode.objects.filter(lead_team__organisation__in=organisations),
        organisations=organisations,
        users=users,
    )
    flush()


def snapshot() -> dict[str, list]:
    return {
        "posts": sorted(
            Post.objects.values_list("membership__user__username", "membership__role", "wte")
        ),
        "training": sorted(
            TrainingRecord.objects.values_list(
                "user__username", "course__key", "completed_on", "expires_on", "evidence"
            )
        ),
        "vacancies": sorted(
            Vacancy.objects.values_list("team__name", "role", "wte", "since", "filled_on")
        ),
    }


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = build(11)
        try:
            yield counts, snapshot()
        finally:
            remove()


@pytest.mark.django_db
def test_the_stage_writes_valid_rows(place):
    counts, _ = place
    assert counts["posts"] > 0 and counts["training_records"] > 0 and counts["vacancies"] > 0
    for row in TrainingRecord.objects.select_related("course")[:200]:
        row.full_clean()
        assert row.completed_on <= AS_OF
    for row in Post.objects.all()[:200]:
        row.full_clean()
    for row in Vacancy.objects.all():
        row.full_clean()
    # Someone with two roles in a team works one post between them.
    per_person: dict[tuple[int, int], float] = {}
    for user_id, team_id, wte in Post.objects.values_list(
        "membership__user_id", "membership__team_id", "wte"
    ):
        per_person[(user_id, team_id)] = per_person.get((user_id, team_id), 0) + float(wte)
    assert max(per_person.values()) <= 1.0
    assert Post.objects.count() < Membership.objects.count()  # some WTEs not recorded


@pytest.mark.django_db
def test_some_training_is_missing_expired_and_expiring(place):
    teams = {m.team for m in Membership.objects.select_related("team")}
    statuses = {g.status for g in training_gaps(teams, on=AS_OF)}
    assert statuses == {GapStatus.MISSING, GapStatus.EXPIRED, GapStatus.EXPIRING}


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_rows(place):
    counts, first = place
    remove()
    assert build(11) == counts
    assert snapshot() == first
