"""Writes to organisations, teams and memberships."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Organisation, Team


@transaction.atomic
def create_organisation(**fields: Any) -> Organisation:
    """Add an organisation; a duplicate or malformed ODS code is refused with a message."""
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def update_organisation(*, organisation: Organisation, **changes: Any) -> Organisation:
    for name, value in changes.items():
        setattr(organisation, name, value)
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def add_membership(
    *, user: User, team: Team, role: str, job_title: str = "", started_on: dt.date | None = None
) -> Membership:
    membership = Membership(
        user=user,
        team=team,
        role=role,
        job_title=job_title,
        started_on=started_on or timezone.localdate(),
    )
    membership.full_clean()
    membership.save()
    return membership
