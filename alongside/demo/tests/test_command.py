"""``alongside demo``: options, the sign-in table, what a second run does, and the place's date."""

import argparse
import datetime as dt
import io

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from alongside.care.models import Contact, Outcome
from alongside.demo.generator import DEFAULT_SEED, flush, loaded_place, made_since
from alongside.demo.management.commands.demo import as_of, scale
from alongside.demo.models import DemoPlace
from alongside.demo.sign_ins import DEMO_PASSWORD, DEMO_SIGN_INS, render_sign_ins
from alongside.demo.tests.pinned import AS_OF
from alongside.organisations.models import Organisation
from alongside.people.models import Person

from .test_generator import snapshot


def demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def assert_lists_sign_ins(output: str) -> None:
    for sign_in in DEMO_SIGN_INS:
        assert sign_in.username in output
    assert DEMO_PASSWORD in output
    assert "http://127.0.0.1:" in output


@pytest.mark.django_db
def test_the_command_loads_the_place_and_lists_every_sign_in():
    output = demo("--seed", "7", "--scale", "300")
    assert "300 people" in output
    assert Person.objects.count() == 300
    assert_lists_sign_ins(output)


@pytest.mark.django_db
def test_flush_then_the_same_seed_gives_the_same_rows():
    demo("--seed", "7", "--scale", "300")
    first = snapshot()
    output = demo("--seed", "7", "--scale", "300", "--flush")
    assert "Removed the previous demo place" in output
    assert snapshot() == first


@pytest.mark.django_db
def test_if_empty_does_nothing_the_second_time_but_list_the_sign_ins():
    demo("--scale", "300", "--if-empty")
    before = snapshot()
    output = demo("--scale", "300", "--if-empty")
    assert "The demo place is already loaded" in output
    assert_lists_sign_ins(output)
    assert snapshot() == before


@pytest.mark.django_db
def test_if_empty_leaves_a_place_that_is_not_the_demo_alone():
    Organisation.objects.create(name="A Real Trust", kind="nhs_trust")
    output = demo("--if-empty")
    assert "not loaded" in output
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_a_second_load_without_flush_is_refused():
    demo("--scale", "300")
    with pytest.raises(CommandError, match="already loaded"):
        demo("--scale", "300")
    assert Person.objects.count() == 300


def test_flush_and_if_empty_together_are_refused():
    with pytest.raises(CommandError):
        demo("--flush", "--if-empty")


@pytest.mark.parametrize(
    ("given", "people"), [("demo", 2_000), ("county", 25_000), ("500", 500), ("1,500", 1_500)]
)
def test_scale_is_a_name_or_a_number_of_people(given, people):
    assert scale(given) == people


@pytest.mark.django_db
def test_call_command_accepts_a_scale_by_name():
    out = io.StringIO()
    call_command("demo", scale="300", seed=7, stdout=out, stderr=io.StringIO())
    assert Person.objects.count() == 300


@pytest.mark.parametrize("given", ["huge", "0", "-5"])
def test_a_bad_scale_is_refused(given):
    with pytest.raises(CommandError):
        demo("--scale", given)


def test_the_sign_in_table_has_a_row_per_role():
    table = render_sign_ins("http://localhost:9000/")
    assert "http://localhost:9000/" in table
    for sign_in in DEMO_SIGN_INS:
        assert any(
            sign_in.label in line and sign_in.username in line and DEMO_PASSWORD in line
            for line in table.splitlines()
        )


# --- the place's date: --as-of, --refresh and a stale place under --if-empty -----------------


@pytest.mark.django_db
def test_as_of_makes_the_place_as_of_that_day_and_records_it():
    output = demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    assert "as of 2026-11-01" in output
    place = DemoPlace.objects.get()
    assert (place.seed, place.people, place.as_of) == (7, 300, AS_OF)
    assert loaded_place() == place


@pytest.mark.django_db
def test_without_as_of_the_place_is_made_as_of_today():
    with time_machine.travel(dt.datetime(2027, 2, 3, 10, tzinfo=dt.UTC), tick=False):
        demo("--seed", "7", "--scale", "300")
    assert DemoPlace.objects.get().as_of == dt.date(2027, 2, 3)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("01/11/2026", "YYYY-MM-DD"),
        ("2026-13-01", "YYYY-MM-DD"),
        ("yesterday", "YYYY-MM-DD"),
        ("2999-01-01", "cannot be after today"),
    ],
)
def test_a_bad_as_of_is_refused_with_what_it_should_be(given, message):
    with pytest.raises(CommandError, match=message):
        demo("--as-of", given)
    with pytest.raises(argparse.ArgumentTypeError, match=message):
        as_of(given)


@pytest.mark.django_db
def test_if_empty_loads_a_stale_place_again_as_of_today_saying_so():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False):
        output = demo("--if-empty")
    assert (
        "The demo place was made as of 2026-11-01, 36 days ago: loading it again as of today."
        in output
    )
    place = DemoPlace.objects.get()
    assert (place.seed, place.people, place.as_of) == (7, 300, dt.date(2026, 12, 7))
    assert Person.objects.count() == 300
    assert_lists_sign_ins(output)


@pytest.mark.django_db
def test_if_empty_keeps_a_place_made_within_the_week():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    before = snapshot()
    with time_machine.travel(dt.datetime(2026, 11, 8, 12, tzinfo=dt.UTC), tick=False):
        output = demo("--if-empty")
    assert "The demo place is already loaded" in output
    assert DemoPlace.objects.get().as_of == AS_OF
    assert snapshot() == before


@pytest.mark.django_db
def test_if_empty_keeps_a_stale_place_with_records_made_since_and_says_why():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    made_since_load()
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False):
        output = demo("--if-empty")
    assert "36 days ago, but records were made in it since (1 contact)" in output
    assert "--flush" in output
    assert DemoPlace.objects.get().as_of == AS_OF
    assert_lists_sign_ins(output)


@pytest.mark.django_db
def test_refresh_makes_the_same_place_again_as_of_today():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    with time_machine.travel(dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC), tick=False):
        output = demo("--refresh")
    assert (
        "The demo place was made as of 2026-11-01: loading it again as of 2026-12-07 with the "
        "same seed (7) and scale (300 people)." in output
    )
    assert "Removed the previous demo place" in output
    place = DemoPlace.objects.get()
    assert (place.seed, place.people, place.as_of) == (7, 300, dt.date(2026, 12, 7))
    # The same seed and day give the same rows as a first load on that day.
    refreshed = snapshot()
    flush()
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-12-07")
    assert snapshot() == refreshed


@pytest.mark.django_db
def test_refresh_refuses_to_lose_records_made_since():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    made_since_load()
    with pytest.raises(CommandError, match=r"recorded since \(1 contact\)"):
        demo("--refresh")
    assert DemoPlace.objects.get().as_of == AS_OF
    assert Contact.objects.filter(note="Recorded by someone trying the demo.").exists()


@pytest.mark.django_db
def test_refresh_needs_a_loaded_place_and_keeps_its_seed_and_scale():
    with pytest.raises(CommandError, match="nothing to refresh"):
        demo("--refresh")
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    with pytest.raises(CommandError, match="seed and scale it was made with"):
        demo("--refresh", "--scale", "400")
    with pytest.raises(CommandError):
        demo("--refresh", "--flush")


@pytest.mark.django_db
def test_a_place_loaded_before_its_date_was_recorded_is_dated_by_its_referrals():
    demo("--seed", "7", "--scale", "300", "--as-of", "2026-11-01")
    DemoPlace.objects.all().delete()
    place = loaded_place()
    assert place is not None and place.pk is None
    # Worked out from the latest thing recorded: 1 November 2026 was a Sunday.
    assert AS_OF - dt.timedelta(days=2) <= place.as_of <= AS_OF
    assert (place.seed, place.people) == (DEFAULT_SEED, 300)
    assert made_since(place) == {}


def made_since_load() -> None:
    """A contact recorded through the app on the day after the place's date."""
    contact = Contact.objects.filter(outcome=Outcome.PLANNED).order_by("starts_at").first()
    Contact.objects.filter(pk=contact.pk).update(
        outcome=Outcome.ATTENDED,
        note="Recorded by someone trying the demo.",
        recorded_at=dt.datetime(2026, 11, 2, 10, tzinfo=dt.UTC),
    )
