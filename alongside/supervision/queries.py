"""Reads that supervision's services, basis and pages share."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Allocation, CareTeamMember, Episode
from alongside.supervision.models import SupervisionAction, SupervisionAgreement


def supervisee_ids(supervisor: User, *, on: dt.date | None = None) -> set[int]:
    """Who the supervisor supervises under an agreement current on the day (today)."""
    return set(
        SupervisionAgreement.objects.current(on)
        .filter(supervisor=supervisor)
        .values_list("supervisee_id", flat=True)
    )


def caseload_episodes(user: User) -> QuerySet[Episode]:
    """The open episodes on a practitioner's caseload: where they are the current key worker or
    in the current care team."""
    return Episode.objects.open().filter(
        Q(
            pk__in=Allocation.objects.filter(key_worker=user, ended_at__isnull=True).values(
                "episode"
            )
        )
        | Q(
            pk__in=CareTeamMember.objects.filter(user=user, ended_at__isnull=True).values("episode")
        )
    )


def caseload_episode_ids(user: User) -> set[int]:
    return set(caseload_episodes(user).values_list("pk", flat=True))


def supervised_episodes(supervisor: User) -> QuerySet[Episode]:
    """The open episodes on the caseloads of the supervisor's current supervisees."""
    today = timezone.localdate()
    supervisees = (
        SupervisionAgreement.objects.current(today)
        .filter(supervisor=supervisor)
        .values("supervisee_id")
    )
    return Episode.objects.open().filter(
        Q(
            pk__in=Allocation.objects.filter(
                key_worker_id__in=supervisees, ended_at__isnull=True
            ).values("episode")
        )
        | Q(
            pk__in=CareTeamMember.objects.filter(
                user_id__in=supervisees, ended_at__isnull=True
            ).values("episode")
        )
    )


def open_actions(owner: User) -> QuerySet[SupervisionAction]:
    """The owner's open supervision actions, soonest due first (their worklist)."""
    return (
        SupervisionAction.objects.open()
        .filter(owner=owner)
        .select_related("session", "session__supervisor", "discussion__episode__person")
        .order_by("due_on", "id")
    )


def carried_actions(supervisor: User, supervisees: list[int]) -> QuerySet[SupervisionAction]:
    """Open actions from earlier sessions between this supervisor and these supervisees: they
    carry into the next session until done."""
    return (
        SupervisionAction.objects.open()
        .filter(session__supervisor=supervisor, session__attendees__user_id__in=supervisees)
        .distinct()
        .order_by("due_on", "id")
    )
