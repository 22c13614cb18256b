"""What a person's care records about co-production: who wrote each plan section, whether the
person took part in a version, whose words a goal is in, and how the person wants to be in touch
(with the check of a contact against it)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.care import services
from alongside.care.models import (
    Authorship,
    CarePlanVersion,
    Contact,
    ContactPreferences,
    Goal,
    Mode,
    TimeOfDay,
    time_of_day,
)
from alongside.care.tests.plan_fixtures import make_plan_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_plan_place()


def test_authorship_is_kept_for_the_sections_that_have_words(place):
    version = place.save(
        about_me="I like walking.",
        strengths="Kind to my neighbours.",
        actions=[{"who": "me", "what": "Walk daily"}],
        authorship={
            "about_me": Authorship.PERSON,
            "strengths": Authorship.TOGETHER,
            "warning_signs": Authorship.PRACTITIONER,  # left blank: nothing to attribute
            "actions": Authorship.TOGETHER,
        },
        person_present=True,
    )
    version.refresh_from_db()
    assert version.authorship == {
        "about_me": "person",
        "strengths": "together",
        "actions": "together",
    }
    assert version.person_present is True


@pytest.mark.parametrize(
    ("authorship", "message"),
    [
        ({"favourite_colour": Authorship.PERSON}, "unknown plan sections: favourite_colour"),
        ({"about_me": "ghostwriter"}, "Say who wrote each section"),
    ],
)
def test_bad_authorship_is_refused_and_no_version_saved(place, authorship, message):
    with pytest.raises(ValidationError, match=f"(?i){message}"):
        place.save(about_me="I like walking.", authorship=authorship)
    assert not CarePlanVersion.objects.filter(plan__episode=place.episode).exists()


def test_a_goal_records_whose_words_it_is_in(place):
    goal = services.add_goal(
        episode=place.episode, text="Get back to the allotment", by=place.worker, worded_by="person"
    )
    assert Goal.objects.get(pk=goal.pk).worded_by == Authorship.PERSON
    with pytest.raises(ValidationError, match="whose words"):
        services.add_goal(episode=place.episode, text="Sleep", by=place.worker, worded_by="ai")
    assert place.episode.goals.count() == 1


def test_time_of_day_bands():
    assert [time_of_day(h) for h in (0, 11, 12, 16, 17, 23)] == [
        TimeOfDay.MORNING,
        TimeOfDay.MORNING,
        TimeOfDay.AFTERNOON,
        TimeOfDay.AFTERNOON,
        TimeOfDay.EVENING,
        TimeOfDay.EVENING,
    ]


def _contact(place, *, hour: int, mode: str, others_present: bool = False) -> Contact:
    day = timezone.localdate() - dt.timedelta(days=3)
    starts_at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 15)))
    return services.record_contact(
        episode=place.episode,
        practitioner=place.worker,
        team=place.team,
        starts_at=starts_at,
        mode=mode,
        kind="coaching",
        outcome="attended",
        duration_minutes=45,
        by=place.worker,
        others_present=others_present,
    )


def test_a_contact_honours_preferences_only_when_it_keeps_to_every_one_stated(place):
    preferences = services.set_contact_preferences(
        person=place.episode.person,
        modes=[Mode.PHONE, Mode.FACE_TO_FACE],
        times=[TimeOfDay.AFTERNOON],
        others_may_join=False,
        who_may_be_involved="Only me for now.",
        by=place.worker,
    )
    assert preferences.stated
    assert preferences.honoured_by(_contact(place, hour=14, mode=Mode.PHONE))
    assert not preferences.honoured_by(_contact(place, hour=14, mode=Mode.VIDEO))
    assert not preferences.honoured_by(_contact(place, hour=9, mode=Mode.PHONE))
    joined = _contact(place, hour=14, mode=Mode.PHONE, others_present=True)
    assert not preferences.honoured_by(joined)
    # Saying others may join (or saying nothing) makes a joined contact fine.
    preferences = services.set_contact_preferences(
        person=place.episode.person,
        modes=[],
        times=[],
        others_may_join=None,
        who_may_be_involved="",
        by=place.worker,
    )
    assert not preferences.stated
    assert preferences.honoured_by(joined)


def test_preferences_are_replaced_not_duplicated_and_bad_choices_refused(place):
    person = place.episode.person
    services.set_contact_preferences(
        person=person,
        modes=[Mode.TEXT, Mode.TEXT],
        times=[TimeOfDay.EVENING, TimeOfDay.MORNING],
        others_may_join=True,
        who_may_be_involved="My sister Jo",
        by=place.worker,
        in_portal=True,
    )
    with pytest.raises(ValidationError) as refused:
        services.set_contact_preferences(
            person=person,
            modes=["pigeon"],
            times=["midnight"],
            others_may_join=None,
            who_may_be_involved="",
            by=place.worker,
        )
    assert set(refused.value.message_dict) == {"modes", "times"}
    kept = ContactPreferences.objects.get(person=person)
    assert kept.modes == [Mode.TEXT]
    assert kept.times == [TimeOfDay.MORNING, TimeOfDay.EVENING]
    assert kept.others_may_join is True and kept.stated_in_portal
    assert ContactPreferences.objects.count() == 1


def test_a_change_to_preferences_made_after_the_page_was_shown_is_refused(place):
    person = place.episode.person
    shown = timezone.now()
    services.set_contact_preferences(
        person=person,
        modes=[Mode.PHONE],
        times=[],
        others_may_join=None,
        who_may_be_involved="",
        by=place.colleague,
    )
    with pytest.raises(services.StalePreferences, match="Ana Lind changed these preferences"):
        services.set_contact_preferences(
            person=person,
            modes=[Mode.VIDEO],
            times=[],
            others_may_join=None,
            who_may_be_involved="",
            by=place.worker,
            seen_at=shown,
        )
    assert ContactPreferences.objects.get().modes == [Mode.PHONE]
    # Seen after that change: saved.
    services.set_contact_preferences(
        person=person,
        modes=[Mode.VIDEO],
        times=[],
        others_may_join=None,
        who_may_be_involved="",
        by=place.worker,
        seen_at=timezone.now(),
    )
    assert ContactPreferences.objects.get().modes == [Mode.VIDEO]


def test_who_may_be_involved_has_a_limit(place):
    with pytest.raises(ValidationError) as refused:
        services.set_contact_preferences(
            person=place.episode.person,
            modes=[],
            times=[],
            others_may_join=None,
            who_may_be_involved="x" * 1001,
            by=place.worker,
        )
    assert refused.value.message_dict == {
        "who_may_be_involved": ["Who may be involved must be 1,000 characters or fewer"]
    }
    assert not ContactPreferences.objects.exists()


def test_an_appointments_outcome_records_who_joined_only_when_it_took_place(place):
    def appointment() -> Contact:
        contact = services.record_contact(
            episode=place.episode,
            practitioner=place.worker,
            team=place.team,
            starts_at=timezone.now() + dt.timedelta(days=1),
            mode=Mode.PHONE,
            kind="coaching",
            outcome="",
            duration_minutes=None,
            by=place.worker,
        )
        Contact.objects.filter(pk=contact.pk).update(
            starts_at=timezone.now() - dt.timedelta(hours=1)
        )
        return contact

    joined = services.record_contact_outcome(
        contact=appointment(),
        outcome="attended",
        by=place.worker,
        duration_minutes=30,
        others_present=True,
    )
    assert joined.others_present is True
    missed = services.record_contact_outcome(
        contact=appointment(), outcome="did_not_attend", by=place.worker, others_present=True
    )
    assert missed.others_present is False
