"""Factories for training and the workforce. Synthetic only."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from alongside.accounts.models import User
from alongside.organisations.models import Membership
from alongside.workforce.models import Course, Post, TrainingRecord
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


def post(membership: Membership, wte: str) -> Post:
    return Post.objects.create(membership=membership, wte=Decimal(wte))
