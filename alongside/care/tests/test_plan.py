"""The care and support plan: every save is a new version (with the goals as they were), a save
from a stale version is refused and saves nothing, agreement is recorded on the current version
only, and the differences between two versions can be seen."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from alongside.care import services
from alongside.care.models import AgreementMethod, CarePlan, CarePlanVersion, Episode
from alongside.care.plan_presenters import Piece, line_diff, version_diff, word_diff
from alongside.care.tests.plan_fixtures import current_number, make_plan_place

pytestmark = pytest.mark.django_db


@pytest.fixture
def place():
    return make_plan_place()


def versions_of(episode: Episode) -> list[CarePlanVersion]:
    return list(CarePlanVersion.objects.filter(plan__episode=episode).order_by("number"))


# --- Versions ----------------------------------------------------------------------------------


def test_the_first_save_is_version_one_and_each_save_adds_a_version(place):
    first = place.save(about_me="I like walking.", actions=[{"who": "me", "what": "Walk daily"}])
    assert first.number == 1
    second = place.save(about_me="I like walking my dog.", by=place.colleague, change_note="Dog")
    assert second.number == 2
    assert CarePlan.objects.get(episode=place.episode).current_version == 2
    kept = versions_of(place.episode)
    assert [(v.number, v.about_me, v.created_by) for v in kept] == [
        (1, "I like walking.", place.worker),
        (2, "I like walking my dog.", place.colleague),
    ]
    # A version is never edited: the first still holds its actions; the second has none.
    assert kept[0].actions == [{"who": "me", "what": "Walk daily"}]
    assert kept[1].actions == []
    assert kept[1].change_note == "Dog"


def test_an_empty_plan_cannot_be_saved_as_a_version_and_nothing_is_saved(place):
    with pytest.raises(ValidationError, match="The plan is empty"):
        place.save(about_me="   ", actions=[])
    assert versions_of(place.episode) == []
    assert place.save(about_me="Walking matters").number == 1


def test_each_version_keeps_the_goals_as_they_were(place):
    walk = services.add_goal(episode=place.episode, text="Walk to the park", by=place.worker)
    work = services.add_goal(episode=place.episode, text="Get back to work", by=place.worker)
    first = place.save(about_me="Me")
    assert first.goals == [
        {"id": walk.pk, "text": "Walk to the park"},
        {"id": work.pk, "text": "Get back to work"},
    ]
    services.end_goal(goal=walk, because="Reached", by=place.worker)
    second = place.save(about_me="Me")
    assert second.goals == [{"id": work.pk, "text": "Get back to work"}]
    first.refresh_from_db()
    assert [g["text"] for g in first.goals] == ["Walk to the park", "Get back to work"]


def test_a_review_date_in_the_past_is_refused_and_nothing_is_saved(place):
    with pytest.raises(ValidationError) as refused:
        place.save(about_me="Me", review_on=timezone.localdate() - dt.timedelta(days=1))
    assert refused.value.message_dict == {"review_on": ["The review date must be today or later"]}
    assert versions_of(place.episode) == []
    assert place.save(about_me="Me", review_on=timezone.localdate()).number == 1


def test_a_plan_cannot_change_once_the_episode_has_ended(place):
    place.save(about_me="Me")
    Episode.objects.filter(pk=place.episode.pk).update(
        ended_at=timezone.now(), discharge_reason="02"
    )
    place.episode.refresh_from_db()
    with pytest.raises(ValidationError, match="episode has ended"):
        place.save(about_me="Changed")
    assert [v.about_me for v in versions_of(place.episode)] == ["Me"]


# --- The concurrency guard ---------------------------------------------------------------------


def test_two_edits_from_the_same_version_the_second_is_refused_and_nothing_saved(place):
    place.save(about_me="Version one")
    # Tom and Ana both open version 1; Tom saves first.
    place.save(about_me="Tom's words", base=1)
    with pytest.raises(services.StalePlan) as stale:
        place.save(about_me="Ana's words", base=1, by=place.colleague)
    message = stale.value.messages[0]
    assert "Tom Okafor saved version 2 of the plan while you were editing version 1" in message
    assert "Nothing you entered was saved" in message
    assert [v.about_me for v in versions_of(place.episode)] == ["Version one", "Tom's words"]
    assert CarePlan.objects.get(episode=place.episode).current_version == 2


def test_a_first_plan_written_twice_at_once_keeps_the_first(place):
    place.save(about_me="Tom's first plan", base=0)
    with pytest.raises(services.StalePlan):
        place.save(about_me="Ana's first plan", base=0, by=place.colleague)
    assert [v.about_me for v in versions_of(place.episode)] == ["Tom's first plan"]


def test_a_base_version_that_does_not_exist_is_refused(place):
    place.save(about_me="One")
    with pytest.raises(services.StalePlan):
        place.save(about_me="From the future", base=5)
    assert current_number(place.episode) == 1


@pytest.mark.django_db(transaction=True)
def test_two_saves_racing_in_two_threads_make_one_version():
    place = make_plan_place()
    place.save(about_me="Start")
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def edit(name: str, user) -> None:
        try:
            barrier.wait(timeout=10)
            place.save(about_me=f"{name}'s words", base=1, by=user)
            outcomes[name] = "saved"
        except services.StalePlan:
            outcomes[name] = "refused"
        finally:
            connection.close()

    threads = [
        threading.Thread(target=edit, args=("Tom", place.worker)),
        threading.Thread(target=edit, args=("Ana", place.colleague)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["refused", "saved"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    assert [v.about_me for v in versions_of(place.episode)] == ["Start", f"{winner}'s words"]
    assert CarePlan.objects.get(episode=place.episode).current_version == 2


# --- The person's agreement --------------------------------------------------------------------


def test_agreement_is_recorded_on_the_current_version_with_its_date(place):
    version = place.save(about_me="Me")
    today = timezone.localdate()
    agreed = services.record_plan_agreement(
        version=version, agreed_on=today, method=AgreementMethod.SPOKEN, by=place.worker
    )
    assert (agreed.agreed_on, agreed.agreement_method, agreed.agreement_recorded_by) == (
        today,
        AgreementMethod.SPOKEN,
        place.worker,
    )
    with pytest.raises(ValidationError, match="already agreed"):
        services.record_plan_agreement(
            version=version, agreed_on=today, method=AgreementMethod.WRITTEN, by=place.worker
        )


def test_an_earlier_version_cannot_be_agreed(place):
    old = place.save(about_me="One")
    place.save(about_me="Two")
    with pytest.raises(ValidationError, match="Only the current version"):
        services.record_plan_agreement(
            version=old,
            agreed_on=timezone.localdate(),
            method=AgreementMethod.SPOKEN,
            by=place.worker,
        )
    old.refresh_from_db()
    assert old.agreed_on is None


def test_agreement_cannot_be_in_the_future_nor_before_the_version(place):
    version = place.save(about_me="One")
    today = timezone.localdate()
    for day, message in (
        (today + dt.timedelta(days=1), "cannot be in the future"),
        (today - dt.timedelta(days=3), "cannot agree before the version existed"),
    ):
        with pytest.raises(ValidationError, match=message):
            services.record_plan_agreement(
                version=version, agreed_on=day, method=AgreementMethod.SPOKEN, by=place.worker
            )
    with pytest.raises(ValidationError) as no_method:
        services.record_plan_agreement(version=version, agreed_on=today, method="", by=place.worker)
    assert no_method.value.message_dict == {"method": ["Choose how the person agreed"]}
    version.refresh_from_db()
    assert version.agreed_on is None


# --- Differences between versions --------------------------------------------------------------


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("I like walking", "I like walking my dog") == [
        Piece("same", "I like walking "),
        Piece("added", "my dog"),
    ]
    assert word_diff("I like my dog", "I like walking my dog") == [
        Piece("same", "I like "),
        Piece("added", "walking"),
        Piece("same", " my dog"),
    ]
    assert word_diff("Call me daily", "Call me") == [
        Piece("same", "Call me "),
        Piece("removed", "daily"),
    ]
    assert word_diff("Call Sam on Fridays", "Call Jo on Fridays") == [
        Piece("same", "Call "),
        Piece("removed", "Sam"),
        Piece("added", "Jo"),
        Piece("same", " on Fridays"),
    ]
    assert word_diff("", "") == []


def test_line_diff_compares_items():
    assert line_diff(["a", "b"], ["a", "c"]) == [
        Piece("same", "a"),
        Piece("removed", "b"),
        Piece("added", "c"),
    ]


def test_the_diff_between_two_versions_shows_what_changed_in_each_section(place):
    services.add_goal(episode=place.episode, text="Walk to the park", by=place.worker)
    one = place.save(
        about_me="I like walking.",
        warning_signs="Not sleeping",
        actions=[{"who": "me", "what": "Walk daily"}],
    )
    services.add_goal(episode=place.episode, text="Get back to work", by=place.worker)
    two = place.save(
        about_me="I like walking my dog.",
        warning_signs="Not sleeping",
        actions=[{"who": "key worker", "what": "Find a work coach"}],
        review_on=timezone.localdate() + dt.timedelta(days=30),
    )
    diff = {d.heading: d for d in version_diff(one, two)}
    assert [h for h, d in diff.items() if d.changed] == [
        "About me and what matters to me",
        "My goals",
        "Who does what",
        "Review date",
    ]
    assert diff["About me and what matters to me"].pieces == [
        Piece("same", "I like "),
        Piece("removed", "walking."),
        Piece("added", "walking my dog."),
    ]
    assert diff["My goals"].pieces == [
        Piece("same", "Walk to the park"),
        Piece("added", "Get back to work"),
    ]
    assert diff["Who does what"].pieces == [
        Piece("removed", "Me: Walk daily"),
        Piece("added", "My key worker: Find a work coach"),
    ]
    assert not diff["My warning signs"].changed
