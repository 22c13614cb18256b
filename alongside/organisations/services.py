"""Writes to organisations, teams and memberships."""

from __future__ import annotations

import datetime as dt
from typing import Any, NoReturn

import pghistory
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations import access
from alongside.organisations.models import (
    DutyShift,
    Membership,
    MembershipStatus,
    Organisation,
    Role,
    Team,
)
from alongside.organisations.permissions import ROLE_PERMISSIONS, Permission


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


# --- Memberships: one person asks, another approves -------------------------------------------
# A membership grants its role only once approved (``Membership.objects.active()``), and the
# approver is never its member nor whoever asked for it: the service refuses, and the database's
# check constraints refuse as well. Each write names its maker in the record history.


def _refuse(message: str) -> NoReturn:
    raise PermissionDenied(message)


def _locked(membership: Membership) -> Membership:
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("team__organisation")
        .get(pk=membership.pk)
    )


@transaction.atomic
def request_membership(
    *,
    user: User,
    team: Team,
    role: str,
    by: User,
    job_title: str = "",
    started_on: dt.date | None = None,
) -> Membership:
    """Ask for ``user`` to hold ``role`` in ``team``. The membership waits for approval by a
    second person (``approve_membership``) and grants nothing until then."""
    if not access.may_ask_for_memberships(by, team.organisation_id):
        _refuse("You cannot ask for memberships in this organisation's teams.")
    with pghistory.context(user=by.pk):
        membership = Membership(
            user=user,
            team=team,
            role=role,
            job_title=job_title,
            started_on=started_on or timezone.localdate(),
            status=MembershipStatus.PENDING,
            created_by=by,
            created_at=timezone.now(),
        )
        membership.full_clean()
        membership.save()
    return membership


def _decide(membership: Membership, *, by: User) -> Membership:
    membership = _locked(membership)
    if not membership.is_pending:
        raise ValidationError("This membership has been decided already.")
    if by.pk == membership.user_id:
        _refuse("No one can approve their own membership.")
    if by.pk == membership.created_by_id:
        _refuse("A membership must be approved by someone other than the person who asked for it.")
    if not access.may_decide(by, membership):
        _refuse("You cannot decide memberships in this organisation's teams.")
    return membership


@transaction.atomic
def approve_membership(*, membership: Membership, by: User) -> Membership:
    """Approve a membership waiting for it: from now it grants its role."""
    membership = _decide(membership, by=by)
    with pghistory.context(user=by.pk):
        membership.status = MembershipStatus.APPROVED
        membership.decided_by = by
        membership.decided_at = timezone.now()
        membership.full_clean()
        membership.save(update_fields=["status", "decided_by", "decided_at"])
    return membership


@transaction.atomic
def refuse_membership(*, membership: Membership, by: User, reason: str) -> Membership:
    """Refuse a membership waiting for approval; it never grants anything, and stays on record."""
    reason = reason.strip()
    if not reason:
        raise ValidationError({"refusal_reason": "Enter why the membership is refused"})
    membership = _decide(membership, by=by)
    with pghistory.context(user=by.pk):
        membership.status = MembershipStatus.REFUSED
        membership.decided_by = by
        membership.decided_at = timezone.now()
        membership.refusal_reason = reason
        membership.full_clean()
        membership.save(update_fields=["status", "decided_by", "decided_at", "refusal_reason"])
    return membership


@transaction.atomic
def change_membership(
    *, membership: Membership, by: User, job_title: str, started_on: dt.date
) -> Membership:
    """Correct a membership's job title or start date. Who holds which role in which team is
    not changed: that is a new membership, asked for and approved."""
    membership = _locked(membership)
    if not access.may_end(by, membership):
        _refuse("You cannot change memberships in this organisation's teams.")
    with pghistory.context(user=by.pk):
        membership.job_title = job_title
        membership.started_on = started_on
        membership.full_clean()
        membership.save(update_fields=["job_title", "started_on"])
    return membership


@transaction.atomic
def end_membership(
    *, membership: Membership, by: User, ended_on: dt.date | None = None
) -> Membership:
    """End an approved membership (from today unless a date is given); it grants nothing from
    then and stays on record. Ending needs no approval: it takes access away."""
    membership = _locked(membership)
    if not access.may_end(by, membership):
        _refuse("You cannot end memberships in this organisation's teams.")
    if membership.status != MembershipStatus.APPROVED:
        raise ValidationError("Only an approved membership can be ended; refuse it instead.")
    if membership.ended_on is not None:
        raise ValidationError("This membership has ended already.")
    with pghistory.context(user=by.pk):
        membership.ended_on = ended_on or timezone.localdate()
        membership.full_clean()
        membership.save(update_fields=["ended_on"])
    return membership


# --- Duty ------------------------------------------------------------------------------------

#: Roles that may be on duty: those who work with people.
#: Who may be on duty: the roles that triage, because the duty worker answers the team's
#: escalated referrals as well as its risk flags (ADR-009: only triage roles open a referral).
DUTY_ROLES = tuple(r for r in Role if Permission.TRIAGE in ROLE_PERMISSIONS.get(r, ()))
LONGEST_SHIFT = dt.timedelta(days=31)


@transaction.atomic
def set_duty(
    *, team: Team, user: User, starts_on: dt.date | None, ends_on: dt.date | None, by: User
) -> DutyShift:
    """Make ``user`` the team's duty worker from ``starts_on`` to ``ends_on`` (at most 31 days).
    Only the team's lead sets it, and only for someone working with people in the team."""
    if not Membership.objects.active().filter(user=by, team=team, role=Role.TEAM_LEAD).exists():
        _refuse("Only the team lead sets the team's duty rota.")
    errors: dict[str, str] = {}
    if not Membership.objects.active().filter(user=user, team=team, role__in=DUTY_ROLES).exists():
        errors["user"] = "Choose a coordinator or team lead in this team: the duty worker triages"
    if starts_on is None:
        errors["starts_on"] = "Enter the first day of duty"
    if ends_on is None:
        errors["ends_on"] = "Enter the last day of duty"
    if starts_on and ends_on:
        if ends_on < starts_on:
            errors["ends_on"] = "The last day must be on or after the first day"
        elif ends_on - starts_on > LONGEST_SHIFT:
            errors["ends_on"] = "A duty shift can be at most 31 days"
        elif ends_on < timezone.localdate():
            errors["ends_on"] = "The last day must be today or later"
    if errors:
        raise ValidationError(errors)
    shift = DutyShift(team=team, user=user, starts_on=starts_on, ends_on=ends_on, set_by=by)
    shift.full_clean()
    shift.save()
    return shift


@transaction.atomic
def end_duty(*, shift: DutyShift, by: User) -> DutyShift:
    """End a shift early (its last day becomes yesterday, or it goes if it has not started)."""
    current = DutyShift.objects.select_for_update().get(pk=shift.pk)
    if (
        not Membership.objects.active()
        .filter(user=by, team=current.team, role=Role.TEAM_LEAD)
        .exists()
    ):
        _refuse("Only the team lead changes the team's duty rota.")
    today = timezone.localdate()
    if current.starts_on >= today:
        current.delete()
        return current
    current.ends_on = max(current.starts_on, today - dt.timedelta(days=1))
    current.save(update_fields=["ends_on"])
    return current
