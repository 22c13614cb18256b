"""The referral's summary says how long it waited: so far while it waits, and once decided, until
the decision (never "Days waited: Decided")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from alongside.referrals.models import State, Transition
from alongside.referrals.presenters import ReferralPresenter
from alongside.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db


def received(days_ago: int, state: str):
    referral = ReferralFactory(
        state=State.IN_TRIAGE, received_at=timezone.now() - dt.timedelta(days=days_ago)
    )
    referral.state = state  # what the summary reads; the transitions below are saved
    return referral


def move(referral, to_state: str, days_after: int) -> dt.datetime:
    at = referral.received_at + dt.timedelta(days=days_after)
    Transition.objects.create(
        referral=referral, name=to_state, from_state=State.IN_TRIAGE, to_state=to_state, at=at
    )
    return at


def wait(referral) -> tuple[str, str]:
    return ReferralPresenter(referral, needs=[]).wait_row()


def test_a_waiting_referral_counts_its_days_so_far():
    assert wait(received(9, State.IN_TRIAGE)) == ("Days waited", "9")


def test_a_decided_referral_says_how_long_it_waited_for_the_decision():
    referral = received(30, State.ACCEPTED)
    at = move(referral, State.ACCEPTED, 12)
    label, value = wait(referral)
    assert label == "Waited for a decision"
    assert value == f"12 days: decided on {at.day} {at:%B %Y}"
    assert "Decided" not in value


def test_a_referral_closed_without_a_decision_says_so():
    referral = received(20, State.CLOSED)
    at = move(referral, State.CLOSED, 1)
    assert wait(referral) == ("Waited", f"1 day: closed on {at.day} {at:%B %Y} with no decision")
