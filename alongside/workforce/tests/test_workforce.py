"""Whole-time equivalents, vacancies and caseload per WTE weighted by intensity, on cases worked
by hand; and the trend by month from the allocation and intensity history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.care.models import Allocation, Intensity, IntensityChange
from alongside.care.tests.factories import EpisodeFactory
from alongside.organisations.models import OrganisationKind, Role, Team
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.workforce import queries, services
from alongside.workforce.models import Post, Vacancy
from alongside.workforce.tests.factories import post

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 6, 15, 12, 0))


def hold(member, intensity: str, *, since: dt.datetime, until: dt.datetime | None = None):
    """An episode of the member's team at ``intensity``, held by them from ``since``."""
    episode = EpisodeFactory(lead_team=member.team, intensity=intensity, started_at=since)
    Allocation.objects.create(
        episode=episode,
        key_worker=member.user,
        allocated_by=member.user,
        started_at=since,
        ended_at=until,
    )
    return episode


@pytest.fixture
def team():
    """Ada (1.0 WTE) holds high + low (weight 4); Bea (0.5) holds medium (2); Cy has no WTE
    recorded and holds high (left out of caseload per WTE); Di is the lead (0.8)."""
    team = TeamFactory(name="North CMHT")
    ada = MembershipFactory(team=team, role=Role.PRACTITIONER, started_on=dt.date(2024, 1, 1))
    bea = MembershipFactory(team=team, role=Role.PRACTITIONER, started_on=dt.date(2024, 1, 1))
    cy = MembershipFactory(team=team, role=Role.PRACTITIONER, started_on=dt.date(2024, 1, 1))
    di = MembershipFactory(team=team, role=Role.TEAM_LEAD, started_on=dt.date(2024, 1, 1))
    post(ada, "1.0"), post(bea, "0.5"), post(di, "0.8")
    long_ago = NOW - dt.timedelta(days=400)
    hold(ada, Intensity.HIGH, since=long_ago)
    hold(ada, Intensity.LOW, since=long_ago)
    hold(bea, Intensity.MEDIUM, since=long_ago)
    hold(cy, Intensity.HIGH, since=long_ago)
    # Held and given up last month: not in today's caseload.
    hold(bea, Intensity.HIGH, since=long_ago, until=NOW - dt.timedelta(days=40))
    Vacancy.objects.create(
        team=team,
        role=Role.PRACTITIONER,
        wte=Decimal("0.6"),
        since=dt.date(2026, 3, 1),
        recorded_by=di.user,
    )
    Vacancy.objects.create(  # filled: not open
        team=team,
        role=Role.PRACTITIONER,
        wte=Decimal("1.0"),
        since=dt.date(2025, 3, 1),
        filled_on=dt.date(2025, 9, 1),
        recorded_by=di.user,
    )
    return team


def test_caseload_per_wte_weighted_by_intensity_by_hand(team):
    work = queries.Workforce(Team.objects.filter(pk=team.pk), now=NOW)
    f = work.figures(queries.by_team)[team.pk]
    assert f.headcount == 4 and f.posts == 4
    assert f.wte == Decimal("2.3") and f.no_wte == 1
    assert (f.vacancies, f.vacant_wte) == (1, Decimal("0.6"))
    assert f.vacancy_rate == Decimal("20.7")  # 0.6 / 2.9
    assert f.caseload == 4 and f.weighted == 9  # 3 + 1 + 2 + 3
    assert f.key_worker_wte == Decimal("1.5") and f.key_worker_weighted == 6
    assert f.per_wte == Decimal("4.0")
    assert f.key_workers_without_wte == 1


def test_weights_come_from_settings(team, settings):
    settings.ALONGSIDE_INTENSITY_WEIGHTS = {"low": 1, "medium": 1, "high": 5}
    work = queries.Workforce(Team.objects.filter(pk=team.pk), now=NOW)
    f = work.figures(queries.by_team)[team.pk]
    assert f.key_worker_weighted == 7  # Ada 5 + 1, Bea 1
    assert f.per_wte == Decimal("4.7")


def test_the_trend_follows_the_allocation_and_intensity_history(team):
    bea = team.memberships.filter(role=Role.PRACTITIONER)[1]
    episode = Allocation.objects.get(key_worker=bea.user, ended_at__isnull=True).episode
    # Bea's medium episode was high until the end of March.
    IntensityChange.objects.create(
        episode=episode,
        intensity=Intensity.HIGH,
        reason="Start",
        changed_at=NOW - dt.timedelta(days=400),
        changed_by=bea.user,
    )
    IntensityChange.objects.create(
        episode=episode,
        intensity=Intensity.MEDIUM,
        reason="Better",
        changed_at=timezone.make_aware(dt.datetime(2026, 3, 20)),
        changed_by=bea.user,
    )
    work = queries.Workforce(Team.objects.filter(pk=team.pk), now=NOW)
    trend = dict(work.trend(lambda t: [t.pk]))
    assert len(trend) == 12
    assert min(trend) == dt.date(2025, 7, 1)
    # Now: 6 / 1.5. End of May: Bea still held the high episode she gave up in early May?
    assert trend[dt.date(2026, 6, 1)][team.pk] == Decimal("4.0")
    # End of April: the given-up episode (until 6 May) is still held: (4 + 2 + 3) / 1.5 = 6.0
    assert trend[dt.date(2026, 4, 1)][team.pk] == Decimal("6.0")
    # End of February: Bea's episode was high: (4 + 3 + 3) / 1.5 = 6.7
    assert trend[dt.date(2026, 2, 1)][team.pk] == Decimal("6.7")


def test_a_vcse_key_worker_counts_in_their_own_team_on_a_joint_episode():
    nhs = TeamFactory()
    vcse = TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.VCSE, ods_code=None))
    partner = MembershipFactory(team=vcse, role=Role.PRACTITIONER)
    post(partner, "0.5")
    episode = EpisodeFactory(
        lead_team=nhs, intensity=Intensity.LOW, started_at=NOW - dt.timedelta(days=20)
    )
    episode.partner_teams.add(vcse)
    Allocation.objects.create(
        episode=episode,
        key_worker=partner.user,
        allocated_by=partner.user,
        started_at=NOW - dt.timedelta(days=10),
    )
    work = queries.Workforce(Team.objects.filter(pk__in=[nhs.pk, vcse.pk]), now=NOW)
    sectors = work.figures(queries.by_sector)
    assert sectors[queries.Sector.VCSE].per_wte == Decimal("2.0")
    assert queries.Sector.NHS not in sectors or sectors[queries.Sector.NHS].caseload == 0


def test_set_wte_records_and_changes_a_post_and_refuses_bad_values():
    member, lead = MembershipFactory(), UserFactory()
    assert services.set_wte(membership=member, wte="0.8", by=lead).wte == Decimal("0.80")
    assert services.set_wte(membership=member, wte=Decimal("0.6"), by=lead).wte == Decimal("0.6")
    assert Post.objects.get().wte == Decimal("0.6")
    for bad in ("0", "1.2", "-0.5", "lots"):
        with pytest.raises(ValidationError) as error:
            services.set_wte(membership=member, wte=bad, by=lead)
        assert error.value.message_dict["wte"] == ["Enter a whole-time equivalent from 0.1 to 1.0"]
    member.ended_on = dt.date(2026, 1, 1)
    with pytest.raises(ValidationError):
        services.set_wte(membership=member, wte="0.5", by=lead)


def test_vacancies_are_recorded_and_filled_and_bad_dates_refused():
    team, lead = TeamFactory(), UserFactory()
    today = timezone.localdate()
    vacancy = services.record_vacancy(
        team=team, role=Role.PRACTITIONER, wte="1.0", since=today - dt.timedelta(days=30), by=lead
    )
    with pytest.raises(ValidationError) as error:
        services.record_vacancy(
            team=team, role="wizard", wte="3", since=today + dt.timedelta(days=1), by=lead
        )
    assert set(error.value.message_dict) == {"role", "wte", "since"}
    with pytest.raises(ValidationError) as error:
        services.fill_vacancy(vacancy=vacancy, filled_on=today - dt.timedelta(days=31), by=lead)
    assert "on or after the date it fell vacant" in error.value.message_dict["filled_on"][0]
    with pytest.raises(ValidationError):
        services.fill_vacancy(vacancy=vacancy, filled_on=today + dt.timedelta(days=1), by=lead)
    filled = services.fill_vacancy(vacancy=vacancy, filled_on=today, by=lead)
    assert filled.filled_on == today
    with pytest.raises(ValidationError):
        services.fill_vacancy(vacancy=vacancy, filled_on=today, by=lead)
    assert Vacancy.objects.count() == 1
