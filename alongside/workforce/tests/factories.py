"""Factories for training and the workforce. Synthetic only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from alongside.accounts.models import User
from alongside.organisations.models import Membership
from alongside.workforce.models import Course, Post, TrainingRecord, WteChange
from alongside.workforce.services import expiry_for


def course(key: str) -> Course:
    return Course.objects.get(key=key)


def trained(user: User, key: str, completed_on: dt.date) -> TrainingRecord:
    """A completion written directly (use ``services.record_training`` to test that)."""
    c = course(key)
    return TrainingRecord.objects.create(
        user=user,
        course=c,
        completed_on=completed_on,
        expires_on=expiry_for(c, completed_on),
        recorded_by=user,
    )


def post(membership: Membership, wte: str, *, since: dt.date | None = None) -> Post:
    """A post at ``wte`` from ``since`` (the start of the membership when not given), written
    directly with its one change (use ``services.set_wte`` to test that)."""
    made = Post.objects.create(membership=membership, wte=Decimal(wte))
    WteChange.objects.create(post=made, wte=made.wte, effective_from=since or membership.started_on)
    return made
