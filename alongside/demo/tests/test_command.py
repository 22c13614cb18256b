"""``alongside demo``: options, the sign-in table, and what a second run does."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from alongside.demo.management.commands.demo import scale
from alongside.demo.sign_ins import DEMO_PASSWORD, DEMO_SIGN_INS, render_sign_ins
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
