"""The six care-level co-production signals, each on built episodes: what counts, what does not,
and what is left out because it was not recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alongside.care import services as care
from alongside.care.models import (
    AgreementMethod,
    Authorship,
    ContactPreferences,
    Episode,
    Mode,
    Outcome,
)
from alongside.care.tests.plan_fixtures import current_number, make_plan_place
from alongside.coproduction import signals
from alongside.meetings import services as meetings
from alongside.meetings.models import Decision
from alongside.meetings.tests.factories import make_place as make_meeting_place
from alongside.outcomes import registry
from alongside.outcomes.tests.factories import answered

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(days: int, hour: int = 10) -> dt.datetime:
    day = TODAY() - dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def place():
    return make_plan_place()


def counts(episode: Episode, day: dt.date | None = None) -> dict[str, tuple[int, int]]:
    found = signals.episode_signals([episode.lead_team_id], day)[episode.pk][1]
    return {key: (c.shown, c.counted) for key, c in found.counts.items()}


def open_for(episode: Episode, days: int) -> None:
    Episode.objects.filter(pk=episode.pk).update(started_at=days_ago(days))


def test_a_new_episode_with_nothing_recorded_counts_nothing(place):
    found = signals.episode_signals([place.team.pk])[place.episode.pk][1]
    assert all(c.counted == 0 for c in found.counts.values())
    assert found.care_component is None


def test_the_plan_counts_as_agreed_only_once_the_episode_is_four_weeks_old(place):
    open_for(place.episode, 27)
    assert counts(place.episode)["plan_agreed"] == (0, 0)
    open_for(place.episode, 28)
    assert counts(place.episode)["plan_agreed"] == (0, 1)  # no plan yet: not agreed
    version = place.save(about_me="I like walking.")
    assert counts(place.episode)["plan_agreed"] == (0, 1)
    care.record_plan_agreement(
        version=version, agreed_on=TODAY(), method=AgreementMethod.SPOKEN, by=place.worker
    )
    assert counts(place.episode)["plan_agreed"] == (1, 1)
    # A new version is not agreed until the person agrees it.
    place.save(about_me="I like walking and swimming.")
    assert counts(place.episode)["plan_agreed"] == (0, 1)


def test_sections_count_by_who_wrote_them_in_the_latest_version(place):
    place.save(
        about_me="I like walking.",
        strengths="Kind to my neighbours.",
        warning_signs="Not sleeping.",
        what_i_can_do="Ring my sister.",
        authorship={
            "about_me": Authorship.PERSON,
            "strengths": Authorship.TOGETHER,
            "warning_signs": Authorship.PRACTITIONER,
            # what_i_can_do: author not recorded, left out
        },
    )
    assert counts(place.episode)["sections_with_person"] == (2, 3)
    place.save(about_me="I like walking.", authorship={"about_me": Authorship.PRACTITIONER})
    assert counts(place.episode)["sections_with_person"] == (0, 1)


def test_goals_count_when_open_and_in_the_persons_own_words(place):
    care.add_goal(episode=place.episode, text="Back to the allotment", by=place.worker,
                  worded_by=Authorship.PERSON)  # fmt: skip
    care.add_goal(episode=place.episode, text="Sleep better", by=place.worker,
                  worded_by=Authorship.TOGETHER)  # fmt: skip
    care.add_goal(episode=place.episode, text="Walk daily", by=place.worker)  # not recorded
    ended = care.add_goal(episode=place.episode, text="Old goal", by=place.worker,
                          worded_by=Authorship.PERSON)  # fmt: skip
    care.end_goal(goal=ended, because="Done", by=place.worker)
    assert counts(place.episode)["goals_own_words"] == (1, 2)


def test_presence_counts_plan_versions_and_meeting_decisions_where_recorded():
    meeting_place = make_meeting_place()
    episode = meeting_place.episode()
    worker = meeting_place.worker
    base = 0
    for present in (True, False, None):
        version = care.save_plan(
            episode=episode, base_version=base, by=worker, about_me="Me.", person_present=present
        )
        base = version.number
    meeting = meeting_place.meeting(days_ahead=0)
    item = meetings.add_episode_item(meeting=meeting, episode=episode, why="Step down?",
                                     by=worker)  # fmt: skip
    meetings.record_decision(
        item=item,
        decision=Decision.MORE_INFORMATION,
        note="Housing report",
        by=worker,
        person_present=True,
    )
    assert counts(episode)["present_at_decisions"] == (2, 3)


def test_contacts_count_against_the_preferences_stated_before_them(place):
    def contact(days: int, hour: int, mode: str = Mode.FACE_TO_FACE, **kw: object) -> None:
        care.record_contact(
            episode=place.episode, practitioner=place.worker, team=place.team,
            starts_at=days_ago(days, hour), mode=mode, kind="coaching",
            outcome=kw.pop("outcome", Outcome.ATTENDED), duration_minutes=30, by=place.worker,
            **kw,
        )  # fmt: skip

    open_for(place.episode, 60)
    contact(40, 19)  # before the preferences were stated: not judged
    care.set_contact_preferences(
        person=place.person, modes=[Mode.FACE_TO_FACE], times=["morning", "afternoon"],
        others_may_join=False, who_may_be_involved="", by=place.worker,
    )  # fmt: skip
    ContactPreferences.objects.filter(person=place.person).update(updated_at=days_ago(30))
    contact(20, 10)  # kept to every preference
    contact(15, 19)  # an evening
    contact(10, 10, mode=Mode.PHONE)  # a phone call
    contact(5, 10, others_present=True)  # someone else joined
    contact(3, 10, outcome=Outcome.DID_NOT_ATTEND)  # not attended: not counted
    assert counts(place.episode)["preferences_honoured"] == (1, 4)


def test_collaborate_counts_top_scores_and_gives_the_mean_total(place):
    registry.load_wording(
        {
            "wordingFor": "collaborate",
            "version": "1",
            "licence": "Synthetic wording for tests",
            "items": {str(n): {"text": f"Question {n}"} for n in (1, 2, 3)},
        }
    )
    answered(place.episode, "collaborate", ["9", "9", "9"], by=place.worker)
    answered(place.episode, "collaborate", ["9", "8", "9"], by=place.worker)
    found = signals.episode_signals([place.team.pk])[place.episode.pk][1]
    assert (found.counts["collaborate_top"].shown, found.counts["collaborate_top"].counted) == (
        1,
        2,
    )
    assert found.collaborate_mean == 26.5


def test_a_team_pools_its_episodes_and_the_care_component_is_the_mean_share(place):
    other = place.another_episode(given_name="Bea")
    care.add_goal(episode=place.episode, text="A", by=place.worker, worded_by=Authorship.PERSON)
    care.add_goal(episode=other, text="B", by=place.worker, worded_by=Authorship.PRACTITIONER)
    care.save_plan(episode=other, base_version=current_number(other), by=place.worker,
                   about_me="Me.", authorship={"about_me": Authorship.PERSON})  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        team = signals.team_signals([place.team.pk])[place.team.pk]
    assert len(queries) <= 7
    assert (team.counts["goals_own_words"].shown, team.counts["goals_own_words"].counted) == (1, 2)
    # goals 1/2 and sections 1/1: the mean of the shares with anything to count.
    assert team.care_component == pytest.approx((0.5 + 1.0) / 2)


def test_the_day_looks_back_not_forward(place):
    open_for(place.episode, 10)
    care.add_goal(episode=place.episode, text="A", by=place.worker, worded_by=Authorship.PERSON)
    yesterday = TODAY() - dt.timedelta(days=1)
    assert counts(place.episode, yesterday)["goals_own_words"] == (0, 0)
