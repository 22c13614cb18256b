"""Every write to co-production reviews and the register of experts by experience: one function
per action, one transaction each, checked first so that nothing is half-saved.

Bad input is refused with a ``ValidationError`` naming each problem: a rating outside the scale,
a rating without evidence, a review or involvement in the future, hours that are not a positive
part of a day, an action without an owner.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.coproduction.models import (
    HIGHEST,
    LOWEST,
    Characteristic,
    Expert,
    ExpertRole,
    Involvement,
    InvolvementRate,
    Naming,
    Raters,
    Rating,
    Review,
    ReviewAction,
    Reward,
    RoleKind,
)
from alongside.organisations.models import Alliance, Organisation, Team
from alongside.people.models import Person

LONGEST_INVOLVEMENT_HOURS = Decimal("12")


def _not_future(day: dt.date | None, field: str, what: str) -> dict[str, str]:
    if day is None:
        return {field: f"Enter the date {what}"}
    if day > timezone.localdate():
        return {field: f"The date {what} cannot be in the future"}
    return {}


# --- Reviews -----------------------------------------------------------------------------------


@transaction.atomic
def open_review(
    *,
    held_on: dt.date,
    by: User,
    team: Team | None = None,
    organisation: Organisation | None = None,
    alliance: Alliance | None = None,
    notes: str = "",
) -> Review:
    """Start a co-production review of one team, one service or one alliance."""
    problems = _not_future(held_on, "held_on", "of the review")
    if sum(x is not None for x in (team, organisation, alliance)) != 1:
        problems["subject"] = "Choose the team, service or alliance the review is of"
    if problems:
        raise ValidationError(problems)
    review = Review(
        team=team,
        organisation=organisation,
        alliance=alliance,
        held_on=held_on,
        notes=notes.strip(),
        created_by=by,
    )
    review.full_clean()
    review.save()
    return review


@dataclass(frozen=True)
class Given:
    """One rating as entered: a characteristic, its score and the evidence for it."""

    characteristic: str
    score: int | None
    evidence: str


@transaction.atomic
def record_ratings(
    *,
    review: Review,
    raters: str,
    ratings: Sequence[Given],
    by: User,
    staff_raters: int | None = None,
    experts: Iterable[Expert] = (),
) -> list[Rating]:
    """Record one group's ratings of all six characteristics (replacing that group's earlier
    ones for this review). Staff say how many took part; experts by experience say who."""
    current = Review.objects.select_for_update().get(pk=review.pk)
    problems: dict[str, str] = {}
    if raters not in Raters.values:
        raise ValidationError({"raters": "Say whether staff or experts by experience rated"})
    by_characteristic = {g.characteristic: g for g in ratings}
    unknown = set(by_characteristic) - set(Characteristic.values)
    if unknown:
        raise ValidationError(f"Unknown characteristics: {', '.join(sorted(unknown))}")
    for characteristic in Characteristic:
        given = by_characteristic.get(characteristic.value)
        label = characteristic.label
        if given is None or given.score is None:
            problems[characteristic.value] = f"Rate '{label}' from {LOWEST} to {HIGHEST}"
        elif not LOWEST <= given.score <= HIGHEST:
            problems[characteristic.value] = (
                f"Rate '{label}' from {LOWEST} to {HIGHEST}: {given.score} is outside the scale"
            )
        elif not given.evidence.strip():
            problems[f"{characteristic.value}_evidence"] = (
                f"Give the evidence behind the rating of '{label}'"
            )
    experts = list(experts)
    if raters == Raters.STAFF and (staff_raters is None or staff_raters < 1):
        problems["staff_raters"] = "Say how many staff took part in the rating"
    if raters == Raters.EXPERTS and not experts:
        problems["experts"] = "Choose the experts by experience who made the rating"
    if problems:
        raise ValidationError(problems)

    current.ratings.filter(raters=raters).delete()
    saved = []
    for characteristic in Characteristic:
        given = by_characteristic[characteristic.value]
        rating = Rating(
            review=current,
            raters=raters,
            characteristic=characteristic.value,
            score=given.score,
            evidence=given.evidence.strip(),
            recorded_by=by,
        )
        rating.full_clean()
        saved.append(rating)
    Rating.objects.bulk_create(saved)
    if raters == Raters.STAFF:
        current.staff_raters = staff_raters or 0
        current.save(update_fields=["staff_raters"])
    else:
        current.experts.set(experts)
    return saved


@transaction.atomic
def add_review_action(
    *,
    review: Review,
    text: str,
    owner: User | None,
    due_on: dt.date | None,
    by: User,
    characteristic: str = "",
) -> ReviewAction:
    """An action a review agreed, with its owner and the date it is due."""
    problems: dict[str, str] = {}
    if not text.strip():
        problems["text"] = "Say what will be done"
    if owner is None:
        problems["owner"] = "Choose who owns the action"
    if due_on is None:
        problems["due_on"] = "Enter the date the action is due"
    elif due_on < review.held_on:
        problems["due_on"] = "The action cannot be due before the review was held"
    if characteristic and characteristic not in Characteristic.values:
        problems["characteristic"] = "Choose a characteristic from the list"
    if problems:
        raise ValidationError(problems)
    action = ReviewAction(
        review=review,
        text=text.strip(),
        owner=owner,
        due_on=due_on,
        characteristic=characteristic,
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def complete_review_action(
    *, action: ReviewAction, by: User, what_changed: str, on: dt.date | None = None
) -> ReviewAction:
    """Mark an action done, saying what changed because of it."""
    current = ReviewAction.objects.select_for_update().get(pk=action.pk)
    if current.completed_on is not None:
        raise ValidationError("This action is already complete.")
    on = on or timezone.localdate()
    problems = _not_future(on, "completed_on", "the action was completed")
    if not what_changed.strip():
        problems["what_changed"] = "Say what changed because of the action"
    if problems:
        raise ValidationError(problems)
    current.completed_on = on
    current.completed_by = by
    current.what_changed = what_changed.strip()
    current.save(update_fields=["completed_on", "completed_by", "what_changed"])
    return current


# --- Experts by experience ---------------------------------------------------------------------


@transaction.atomic
def register_expert(
    *,
    given_name: str,
    family_name: str,
    organisation: Organisation,
    consent_on: dt.date | None,
    by: User,
    naming: str = Naming.FIRST,
    reward: str = Reward.PAYMENT,
    email: str = "",
    phone: str = "",
    consent_note: str = "",
) -> Expert:
    """Add someone to the register of experts by experience, with the date they consented."""
    problems = _not_future(consent_on, "consent_on", "they consented")
    if not given_name.strip():
        problems["given_name"] = "Enter their first name"
    if not family_name.strip():
        problems["family_name"] = "Enter their last name"
    if naming not in Naming.values:
        problems["naming"] = "Choose how they wish to be named"
    if reward not in Reward.values:
        problems["reward"] = "Choose how they are thanked for their time"
    if problems:
        raise ValidationError(problems)
    expert = Expert(
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        organisation=organisation,
        consent_on=consent_on,
        consent_note=consent_note.strip(),
        naming=naming,
        reward=reward,
        email=email.strip(),
        phone=phone.strip(),
        created_by=by,
    )
    expert.full_clean()
    expert.save()
    return expert


@transaction.atomic
def update_expert(
    *,
    expert: Expert,
    by: User,
    given_name: str,
    family_name: str,
    organisation: Organisation,
    consent_on: dt.date | None,
    naming: str,
    reward: str,
    email: str = "",
    phone: str = "",
    consent_note: str = "",
    left_on: dt.date | None = None,
) -> Expert:
    """Change an expert by experience's details: their name, consent, how they wish to be named,
    how they are thanked, contact details, and the date they left the register (if they have).
    Involvements already recorded keep the reward and amount they were recorded with."""
    problems: dict[str, str] = {}
    today = timezone.localdate()
    if consent_on is None:
        problems["consent_on"] = "Enter the date they consented"
    elif consent_on > today:
        problems["consent_on"] = "The date they consented cannot be in the future"
    if not given_name.strip():
        problems["given_name"] = "Enter their first name"
    if not family_name.strip():
        problems["family_name"] = "Enter their last name"
    if naming not in Naming.values:
        problems["naming"] = "Choose how they wish to be named"
    if reward not in Reward.values:
        problems["reward"] = "Choose how they are thanked for their time"
    if left_on is not None:
        if left_on > today:
            problems["left_on"] = "The date they left cannot be in the future"
        elif consent_on is not None and left_on < consent_on:
            problems["left_on"] = "The date they left cannot be before they consented"
    if problems:
        raise ValidationError(problems)
    current = Expert.objects.select_for_update().get(pk=expert.pk)
    current.given_name = given_name.strip()
    current.family_name = family_name.strip()
    current.organisation = organisation
    current.consent_on = consent_on
    current.consent_note = consent_note.strip()
    current.naming = naming
    current.reward = reward
    current.email = email.strip()
    current.phone = phone.strip()
    current.left_on = left_on
    current.full_clean()
    current.save()
    return current


@transaction.atomic
def link_person(*, expert: Expert, person: Person | None, by: User) -> Expert:
    """Link an expert by experience to their own Person record, because they chose to (or
    unlink it, with ``person=None``)."""
    current = Expert.objects.select_for_update().get(pk=expert.pk)
    if person is not None and Expert.objects.filter(person=person).exclude(pk=current.pk).exists():
        raise ValidationError({"person": "This person is already linked to someone else"})
    current.person = person
    current.linked_on = timezone.localdate() if person is not None else None
    current.save(update_fields=["person", "linked_on"])
    return current


@transaction.atomic
def add_role(
    *,
    expert: Expert,
    kind: str,
    started_on: dt.date | None,
    by: User,
    team: Team | None = None,
    organisation: Organisation | None = None,
) -> ExpertRole:
    problems = _not_future(started_on, "started_on", "the role started")
    if kind not in RoleKind.values:
        problems["kind"] = "Choose the role"
    if problems:
        raise ValidationError(problems)
    role = ExpertRole(
        expert=expert, kind=kind, started_on=started_on, team=team, organisation=organisation
    )
    role.full_clean()
    role.save()
    return role


@transaction.atomic
def end_role(*, role: ExpertRole, on: dt.date, by: User) -> ExpertRole:
    current = ExpertRole.objects.select_for_update().get(pk=role.pk)
    if current.ended_on is not None:
        raise ValidationError("This role has already ended.")
    if on < current.started_on:
        raise ValidationError({"ended_on": "A role cannot end before it started"})
    current.ended_on = on
    current.save(update_fields=["ended_on"])
    return current


@transaction.atomic
def set_rate(
    *, organisation: Organisation, kind: str, hourly: Decimal, valid_from: dt.date, by: User
) -> InvolvementRate:
    """An organisation's hourly rate for a kind of involvement, from a date."""
    problems: dict[str, str] = {}
    if kind not in RoleKind.values:
        problems["kind"] = "Choose the kind of involvement"
    if hourly is None or hourly < 0:
        problems["hourly"] = "Enter the hourly rate in pounds, 0 or more"
    if problems:
        raise ValidationError(problems)
    rate = InvolvementRate(
        organisation=organisation, kind=kind, hourly=hourly, valid_from=valid_from, set_by=by
    )
    rate.full_clean()
    rate.save()
    return rate


def rate_on(organisation: Organisation, kind: str, day: dt.date) -> Decimal | None:
    """The hourly rate in force on ``day`` (``None`` when the organisation has set none)."""
    rate = (
        InvolvementRate.objects.filter(organisation=organisation, kind=kind, valid_from__lte=day)
        .order_by("-valid_from")
        .first()
    )
    return rate.hourly if rate else None


def parse_hours(value: object) -> Decimal | None:
    """Hours as entered ('1.5', 2) as a Decimal, or ``None`` when it is not a number."""
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None


@transaction.atomic
def record_involvement(
    *,
    expert: Expert,
    kind: str,
    on: dt.date | None,
    hours: Decimal | None,
    organisation: Organisation,
    what: str,
    by: User,
    team: Team | None = None,
    decided: str = "",
    changed: str = "",
) -> Involvement:
    """Record an involvement and what it earns: hours at the organisation's rate for the kind on
    that day, as payment or vouchers as the expert prefers (nothing when they volunteer)."""
    problems = _not_future(on, "on", "of the involvement")
    if kind not in RoleKind.values:
        problems["kind"] = "Choose the kind of involvement"
    if hours is None:
        problems["hours"] = "Enter the hours, for example 1.5"
    elif hours <= 0:
        problems["hours"] = "Hours must be more than 0"
    elif hours > LONGEST_INVOLVEMENT_HOURS:
        problems["hours"] = f"Hours must be {LONGEST_INVOLVEMENT_HOURS} or fewer for one day"
    elif (hours * 4) % 1 != 0:
        problems["hours"] = "Give hours in quarters of an hour, for example 1.25"
    if not what.strip():
        problems["what"] = "Say what the work was"
    if team is not None and team.organisation_id != organisation.pk:
        problems["team"] = "Choose a team of the organisation the work was for"
    if problems:
        raise ValidationError(problems)
    hourly = Decimal("0")
    if expert.reward != Reward.NONE:
        found = rate_on(organisation, kind, on)
        if found is None:
            raise ValidationError(
                {
                    "kind": f"{organisation.name} has no rate for "
                    f"{RoleKind(kind).label.lower()} on {on:%-d %B %Y}: set one first"
                }
            )
        hourly = found
    involvement = Involvement(
        expert=expert,
        kind=kind,
        on=on,
        hours=hours,
        organisation=organisation,
        team=team,
        what=what.strip(),
        decided=decided.strip(),
        changed=changed.strip(),
        changed_on=on if changed.strip() else None,
        reward=expert.reward,
        hourly=hourly,
        owed=(hourly * hours).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        recorded_by=by,
    )
    involvement.full_clean()
    involvement.save()
    return involvement


@transaction.atomic
def record_change(*, involvement: Involvement, changed: str, by: User) -> Involvement:
    """Say what changed because of an involvement ('you said, we did'), once it has."""
    if not changed.strip():
        raise ValidationError({"changed": "Say what changed because of it"})
    current = Involvement.objects.select_for_update().get(pk=involvement.pk)
    current.changed = changed.strip()
    current.changed_on = timezone.localdate()
    current.save(update_fields=["changed", "changed_on"])
    return current


@transaction.atomic
def mark_paid(*, involvements: Iterable[Involvement], on: dt.date, by: User) -> int:
    """Mark involvements paid (finance has paid them); those already paid are left alone.
    Returns how many were marked."""
    problems = _not_future(on, "paid_on", "of payment")
    if problems:
        raise ValidationError(problems)
    ids = [i.pk for i in involvements]
    return Involvement.objects.filter(
        pk__in=ids, paid_on__isnull=True, reward__in=[Reward.PAYMENT, Reward.VOUCHER]
    ).update(paid_on=on, paid_by=by)
