"""Whatever day the place is made as of, on that day it looks like a service doing its work.

Each check reads the place through the app's own queries, with the app's clock set to the early
afternoon of the day the place was made as of: once for the day the demo tests pin, once for
another day months later, to show that the place moves with its date. The thresholds are what a
working community mental health service would meet; a place whose dates stopped weeks before
the clock (the generator's old fixed reference date, read on a later day) fails every one.
"""

import datetime as dt
import statistics
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from alongside.care import queries as care_queries
from alongside.care.models import CarePlanVersion, Episode, Goal, Intensity
from alongside.demo.care import _ONLY_FOR
from alongside.demo.generator import flush, generate
from alongside.demo.models import DemoPlace
from alongside.demo.sign_ins import DEMO_SIGN_INS
from alongside.demo.tests.pinned import AS_OF
from alongside.insights import metrics, presenters
from alongside.insights.engines import PostgresEngine
from alongside.organisations.models import Team
from alongside.people.models import Person, StatedGender
from alongside.people.queries import registration_counts
from alongside.referrals import queries as referral_queries
from alongside.referrals.models import Handover
from alongside.supervision import coverage

PEOPLE = 400
SEED = 11
LONDON = zoneinfo.ZoneInfo("Europe/London")
#: The pinned day, and one months later in another season and year.
DAYS = [AS_OF, dt.date(2027, 3, 17)]
#: How recently someone should have been seen at each intensity: a service seeing people at
#: high intensity every few days, medium weekly and low fortnightly sees nearly all of them
#: within a week, a fortnight and four weeks.
RHYTHM_DAYS = {Intensity.HIGH: 7, Intensity.MEDIUM: 14, Intensity.LOW: 28}


@pytest.fixture(scope="module", params=DAYS, ids=str)
def place(request, django_db_setup, django_db_blocker):
    day = request.param
    with django_db_blocker.unblock():
        generate(SEED, PEOPLE, as_of=day)
        try:
            yield day
        finally:
            flush()


@pytest.fixture
def now(place):
    """The app's clock: 2 pm on the day the place was made as of."""
    moment = dt.datetime.combine(place, dt.time(14), tzinfo=LONDON)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def established(now):
    return established_on(now)


def established_on(now: dt.datetime) -> list[Episode]:
    """Open episodes with a key worker, open for four weeks or more, with the caseload columns."""
    episodes = Episode.objects.open().filter(
        allocations__ended_at__isnull=True, started_at__lt=now - dt.timedelta(weeks=4)
    )
    rows = list(care_queries.with_caseload_columns(episodes.distinct(), now=now))
    assert len(rows) > 40
    return rows


def seen_within_rhythm(episodes: list[Episode], now: dt.datetime) -> list[Episode]:
    return [
        e
        for e in episodes
        if e.last_seen and e.last_seen >= now - dt.timedelta(days=RHYTHM_DAYS[e.intensity])
    ]


def every_team() -> referral_queries.WorklistFilter:
    return referral_queries.WorklistFilter(
        team_ids=tuple(Team.objects.values_list("pk", flat=True))
    )


@pytest.mark.django_db
def test_the_place_records_the_day_it_was_made_as_of(place):
    recorded = DemoPlace.objects.get()
    assert (recorded.as_of, recorded.seed, recorded.people) == (place, SEED, PEOPLE)


@pytest.mark.django_db
def test_most_people_are_seen_within_their_intensitys_rhythm(now, established):
    seen = seen_within_rhythm(established, now)
    assert len(seen) >= 0.75 * len(established)
    cutoff = now - dt.timedelta(weeks=care_queries.NOT_SEEN_WEEKS)
    not_seen = Episode.objects.filter(
        care_queries.not_seen_since(cutoff), pk__in=[e.pk for e in established]
    )
    assert not_seen.count() <= 0.08 * len(established)


@pytest.mark.django_db
def test_nearly_everyone_is_booked_for_their_next_contact(now, established):
    booked = [e for e in established if e.next_contact is not None]
    assert len(booked) >= 0.85 * len(established)
    assert all(e.next_contact >= now for e in booked)
    # A few of the day's appointments (or yesterday's) still want their outcome, not most.
    overdue = [e for e in established if e.overdue_appointments]
    assert len(overdue) <= 0.15 * len(established)


@pytest.mark.django_db
def test_referrals_wait_days_or_weeks_not_months(place, now):
    """Everyone on the coordinator's worklists (waiting for triage, a first or a second
    contact), by days since their referral was received: a spread from days to weeks."""
    filters = every_team()
    waiting = [
        *referral_queries.waiting_triage(filters),
        *referral_queries.waiting_first_contact(filters),
        *referral_queries.waiting_second_contact(filters),
    ]
    waits = [referral_queries.days_waited(r.received_at, place) for r in waiting]
    assert len(waits) >= 5
    assert min(waits) <= 7  # some arrived in the last few days
    assert max(waits) - min(waits) >= 7
    assert statistics.median(waits) <= 30
    assert sum(w > 60 for w in waits) <= 0.25 * len(waits)


@pytest.mark.django_db
def test_a_few_follow_ups_are_due_not_all(place, now):
    filters = every_team()
    due = referral_queries.follow_ups_due(filters, place).count()
    waiting = Handover.objects.filter(outcome="").count()
    assert waiting >= 3
    assert due <= 0.5 * waiting  # most follow-ups are booked for the days ahead


@pytest.mark.django_db
def test_a_plausible_handful_registered_in_the_last_week(place, now):
    counts = registration_counts(today=timezone.localdate())
    assert counts["total"] == PEOPLE
    assert 1 <= counts["recent"] <= 0.05 * PEOPLE


@pytest.mark.django_db
def test_the_insights_default_month_is_the_last_whole_one_and_has_figures(place, now):
    engine = PostgresEngine()
    covered = metrics.coverage(engine)
    assert covered is not None and covered.end == place
    period = presenters.default_month(covered)
    last = place.replace(day=1) - dt.timedelta(days=1)
    assert (period.start, period.end) == (last.replace(day=1), last)
    for key in ("access_nhs", "open_episodes", "caseload_size", "supervision_coverage"):
        [overall] = metrics.compute_many(engine, metrics.BY_KEY[key], period, [None])
        assert overall["denominator"], key


@pytest.mark.django_db
def test_supervision_is_current_for_most_supervisees(place, now):
    standings = coverage.standings(None, place)
    assert len(standings) > 20
    covered = [s for s in standings if s.covered]
    assert len(covered) >= 0.75 * len(standings)
    assert len(covered) < len(standings)  # a few are overdue, as in any service


@pytest.mark.django_db
def test_the_portal_persons_age_and_plan_tell_one_story(place, now):
    portal = next(s for s in DEMO_SIGN_INS if s.is_portal_person)
    person = Person.objects.get(user__username=portal.username)
    age = person.age_on(place)
    assert 25 <= age <= 50
    episode = person.episodes.get(ended_at__isnull=True)
    assert episode.contacts.filter(starts_at__gte=now).exists()  # the next appointment
    texts = [v.about_me for v in CarePlanVersion.objects.filter(plan__episode=episode)]
    texts += [g.text for g in Goal.objects.filter(episode=episode)]
    assert texts
    for text in texts:
        youngest, oldest, women_only = _ONLY_FOR.get(text, (0, 200, False))
        assert youngest <= age <= oldest, text
        assert person.stated_gender == StatedGender.FEMALE or not women_only, text


@pytest.mark.django_db
def test_nobodys_plan_says_what_they_could_not(place):
    rules = dict(_ONLY_FOR)
    for version in CarePlanVersion.objects.filter(about_me__in=list(rules)).select_related(
        "plan__episode__person"
    ):
        episode = version.plan.episode
        youngest, oldest, women_only = rules[version.about_me]
        age = episode.person.age_on(timezone.localdate(episode.started_at))
        assert youngest <= age <= oldest, version.about_me
        if women_only:
            assert episode.person.stated_gender == StatedGender.FEMALE, version.about_me


@pytest.mark.django_db
def test_the_same_place_read_five_weeks_later_fails_these_checks(place):
    """The control: a place whose dates stopped 36 days before the clock (as the generator's
    old fixed date did by 7 December 2026) shows a service in collapse by the same measures."""
    later = dt.datetime.combine(place + dt.timedelta(days=36), dt.time(14), tzinfo=LONDON)
    with time_machine.travel(later, tick=False):
        episodes = established_on(later)
        assert len(seen_within_rhythm(episodes, later)) < 0.1 * len(episodes)
        assert sum(e.next_contact is not None for e in episodes) < 0.1 * len(episodes)
        standings = coverage.standings(None, later.date())
        assert sum(s.covered for s in standings) < 0.5 * len(standings)


@pytest.mark.django_db
def test_every_team_has_its_own_phone_and_mailbox_for_the_self_referral_confirmation(place):
    from alongside.organisations.models import validate_phone_number

    teams = list(Team.objects.all())
    assert teams
    for team in teams:
        validate_phone_number(team.phone)
        assert team.phone.startswith("01632 960")  # Ofcom's range for drama
        assert team.email.endswith(".example")
    assert len({t.email for t in teams}) == len(teams)
