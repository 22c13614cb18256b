"""Every write to an episode of care and its contacts: one function per action, one transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import DIRECT_MODES, Allocation, Contact, Episode, Outcome
from alongside.organisations.models import Team
from alongside.referrals.models import Referral


def open_episode_from_referral(
    *,
    referral: Referral,
    team: Team,
    by: User,
    key_worker: User | None = None,
    partner_teams: Iterable[Team] = (),
) -> Episode:
    """Open the episode of care for an accepted referral (called inside ``accept_referral``)."""
    episode = Episode.objects.create(
        person_id=referral.person_id, referral=referral, lead_team=team
    )
    episode.partner_teams.set(list(partner_teams))
    if key_worker is not None:
        Allocation.objects.create(
            episode=episode,
            key_worker=key_worker,
            allocated_by=by,
            reason="Allocated on acceptance",
        )
    return episode


@transaction.atomic
def allocate_key_worker(*, episode: Episode, key_worker: User, by: User, reason: str) -> Allocation:
    """Allocate (or reallocate) the key worker; the previous allocation ends now and is kept."""
    if not reason.strip():
        raise ValidationError({"reason": "Say why the key worker is changing"})
    now = timezone.now()
    current = Allocation.objects.select_for_update().filter(episode=episode, ended_at__isnull=True)
    if current.filter(key_worker=key_worker).exists():
        raise ValidationError({"key_worker": "This person is already the key worker"})
    current.update(ended_at=now)
    return Allocation.objects.create(
        episode=episode, key_worker=key_worker, allocated_by=by, reason=reason, started_at=now
    )


@transaction.atomic
def add_partner_teams(*, episode: Episode, teams: Iterable[Team]) -> Episode:
    episode.partner_teams.add(*[t for t in teams if t.pk != episode.lead_team_id])
    return episode


def refresh_waiting_clock(referral_id: int) -> None:
    """Set the referral's first and second attended direct contacts from its episode's contacts
    (ordered by date, time and id, as NHS England orders them)."""
    moments = list(
        Contact.objects.filter(
            episode__referral_id=referral_id, outcome=Outcome.ATTENDED, mode__in=DIRECT_MODES
        )
        .order_by("starts_at", "id")
        .values_list("starts_at", flat=True)[:2]
    )
    Referral.objects.filter(pk=referral_id).update(
        first_contact_at=moments[0] if moments else None,
        second_contact_at=moments[1] if len(moments) > 1 else None,
    )


@transaction.atomic
def record_contact(
    *,
    episode: Episode,
    practitioner: User,
    team: Team,
    starts_at: dt.datetime,
    mode: str,
    kind: str,
    outcome: str,
    duration_minutes: int | None,
    by: User,
) -> Contact:
    """Record a contact (or plan one, with no outcome). An attended contact cannot be in the
    future; the referral's waiting-time clock is brought up to date in the same transaction."""
    if outcome and outcome != Outcome.ATTENDED and duration_minutes:
        duration_minutes = None
    if outcome == Outcome.ATTENDED and starts_at > timezone.now():
        raise ValidationError({"outcome": "A contact in the future cannot have been attended"})
    contact = Contact(
        episode=episode,
        practitioner=practitioner,
        team=team,
        starts_at=starts_at,
        mode=mode,
        kind=kind,
        outcome=outcome,
        duration_minutes=duration_minutes,
        recorded_by=by,
    )
    contact.full_clean()
    contact.save()
    refresh_waiting_clock(episode.referral_id)
    return contact
