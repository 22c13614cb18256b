"""Whole-time equivalents keep their history: each change is recorded with the date it takes
effect, never over an earlier one, and the trend counts each month at the WTE in force on its
last day (a case worked by hand). The migration carries the posts recorded before into it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import Allocation, Intensity
from alongside.care.tests.factories import EpisodeFactory
from alongside.core import db_roles
from alongside.organisations.models import Role, Team
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory, UserFactory
from alongside.workforce import queries, services
from alongside.workforce.models import Post, WteChange

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))
STARTED = dt.date(2024, 1, 1)


def history(membership) -> list[tuple[dt.date, Decimal]]:
    return list(
        WteChange.objects.filter(post__membership=membership).values_list("effective_from", "wte")
    )


def test_each_change_is_kept_and_the_post_shows_the_one_in_force_today():
    member, lead = MembershipFactory(started_on=STARTED), UserFactory()
    today = timezone.localdate()
    services.set_wte(membership=member, wte="1.0", effective_from=STARTED, by=lead)
    post = services.set_wte(membership=member, wte="0.6", by=lead)  # from today
    assert post.wte == Decimal("0.6")
    # Backdated between the two: kept, and today's WTE is still the later change's.
    post = services.set_wte(
        membership=member, wte="0.8", effective_from=dt.date(2025, 1, 1), by=lead
    )
    assert post.wte == Decimal("0.6")
    assert history(member) == [
        (STARTED, Decimal("1.00")),
        (dt.date(2025, 1, 1), Decimal("0.80")),
        (today, Decimal("0.60")),
    ]
    # A second change from the same day: both kept, the later recorded counts.
    post = services.set_wte(membership=member, wte="0.5", by=lead)
    assert Post.objects.get().wte == Decimal("0.5") == post.wte
    assert WteChange.objects.count() == 4
    assert WteChange.objects.last().recorded_by == lead


def test_a_change_in_the_future_or_before_the_person_started_is_refused_and_nothing_saved():
    member, lead = MembershipFactory(started_on=STARTED), UserFactory()
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError) as error:
        services.set_wte(membership=member, wte="0.8", effective_from=tomorrow, by=lead)
    assert error.value.message_dict == {
        "effective_from": ["The date the change takes effect must be today or earlier"]
    }
    with pytest.raises(ValidationError) as error:
        services.set_wte(membership=member, wte="2", effective_from=dt.date(2023, 12, 31), by=lead)
    assert error.value.message_dict == {
        "wte": ["Enter a whole-time equivalent from 0.1 to 1.0"],
        "effective_from": [
            "The date the change takes effect must be on or after 1 January 2024, when they "
            "started in this role"
        ],
    }
    assert not Post.objects.exists() and not WteChange.objects.exists()


def hold(member, intensity: str) -> None:
    since = NOW - dt.timedelta(days=400)
    episode = EpisodeFactory(lead_team=member.team, intensity=intensity, started_at=since)
    Allocation.objects.create(
        episode=episode, key_worker=member.user, allocated_by=member.user, started_at=since
    )


def test_the_trend_counts_each_month_at_the_wte_then_in_force():
    """Worked by hand (weights low 1, medium 2, high 3; the caseloads never change):

    - Ada holds high + low (4): 1.0 WTE, then 0.5 from 1 April 2026;
    - Bea holds medium (2): 0.5 WTE, then 1.0 from 31 May 2026 (the month's last day);
    - Cy holds high (3): no WTE recorded until 1.0 from 15 January 2026.

    ========  =====  =====  =====  ===========  ==================
    month end  Ada    Bea    Cy     WTE          caseload per WTE
    ========  =====  =====  =====  ===========  ==================
    Dec 2025   1.0    0.5    –      1.5          6 / 1.5 = 4.0
    Jan 2026   1.0    0.5    1.0    2.5          9 / 2.5 = 3.6
    Mar 2026   1.0    0.5    1.0    2.5          3.6 (Ada's change is from 1 April)
    Apr 2026   0.5    0.5    1.0    2.0          9 / 2.0 = 4.5
    May 2026   0.5    1.0    1.0    2.5          3.6
    Jun (now)  0.5    1.0    1.0    2.5          3.6
    ========  =====  =====  =====  ===========  ==================

    With today's WTE for every month (no history), every month would be 3.6.
    """
    team, lead = TeamFactory(name="East CMHT"), UserFactory()
    ada, bea, cy = (
        MembershipFactory(team=team, role=Role.PRACTITIONER, started_on=STARTED) for _ in range(3)
    )
    for member, changes in (
        (ada, [("1.0", STARTED), ("0.5", dt.date(2026, 4, 1))]),
        (bea, [("0.5", STARTED), ("1.0", dt.date(2026, 5, 31))]),
        (cy, [("1.0", dt.date(2026, 1, 15))]),
    ):
        for wte, effective_from in changes:
            services.set_wte(membership=member, wte=wte, effective_from=effective_from, by=lead)
    hold(ada, Intensity.HIGH), hold(ada, Intensity.LOW)
    hold(bea, Intensity.MEDIUM)
    hold(cy, Intensity.HIGH)

    work = queries.Workforce(Team.objects.filter(pk=team.pk), now=NOW)
    trend = {month: values.get(team.pk) for month, values in work.trend(lambda t: [t.pk])}
    assert trend[dt.date(2025, 11, 1)] == Decimal("4.0")
    assert trend[dt.date(2025, 12, 1)] == Decimal("4.0")
    assert trend[dt.date(2026, 1, 1)] == Decimal("3.6")
    assert trend[dt.date(2026, 2, 1)] == Decimal("3.6")
    assert trend[dt.date(2026, 3, 1)] == Decimal("3.6")
    assert trend[dt.date(2026, 4, 1)] == Decimal("4.5")
    assert trend[dt.date(2026, 5, 1)] == Decimal("3.6")
    assert trend[dt.date(2026, 6, 1)] == Decimal("3.6")
    # Today's figures read the same history.
    figures = work.figures(queries.by_team)[team.pk]
    assert figures.key_worker_wte == Decimal("2.5") and figures.per_wte == Decimal("3.6")


def test_the_wte_form_takes_the_date_the_change_takes_effect(client):
    team = TeamFactory()
    lead = MembershipFactory(team=team, role=Role.TEAM_LEAD).user
    ada = MembershipFactory(team=team, role=Role.PRACTITIONER, started_on=STARTED)
    client.force_login(lead)
    url = reverse("workforce:wte", kwargs={"team_id": team.pk})
    body = client.post(
        url,
        {
            "membership": ada.pk,
            "wte": "0.8",
            "effective_from-day": "31",
            "effective_from-month": "12",
            "effective_from-year": "2023",
        },
    ).content.decode()
    assert "must be on or after 1 January 2024" in body
    client.post(
        url,
        {
            "membership": ada.pk,
            "wte": "0.8",
            "effective_from-day": "1",
            "effective_from-month": "3",
            "effective_from-year": "2026",
        },
    )
    client.post(url, {"membership": ada.pk, "wte": "0.6"})  # from today
    assert history(ada) == [
        (dt.date(2026, 3, 1), Decimal("0.80")),
        (timezone.localdate(), Decimal("0.60")),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_migration_carries_each_post_into_its_history():
    """Posts recorded before there was a history become its first change, in force since the
    person started in the role, recorded when and by whom the post was set."""
    # Migrating is the owner's work (the site's role may not drop or make tables).
    with db_roles.as_owner():
        executor = MigrationExecutor(connection)
        before, after = [("workforce", "0001_initial")], [("workforce", "0002_wte_history")]
        executor.migrate(before)
        try:
            old = executor.loader.project_state(before).apps
            member = MembershipFactory(started_on=dt.date(2025, 2, 3))
            lead = UserFactory()
            set_at = timezone.make_aware(dt.datetime(2026, 5, 1, 9, 30))
            old.get_model("workforce", "Post").objects.create(
                membership_id=member.pk,
                wte=Decimal("0.7"),
                updated_at=set_at,
                updated_by_id=lead.pk,
            )
        finally:
            executor = MigrationExecutor(connection)
            executor.loader.build_graph()
            executor.migrate(after)
    change = WteChange.objects.get()
    assert change.post == Post.objects.get(membership=member)
    assert (change.wte, change.effective_from) == (Decimal("0.70"), dt.date(2025, 2, 3))
    assert (change.recorded_at, change.recorded_by) == (set_at, lead)
