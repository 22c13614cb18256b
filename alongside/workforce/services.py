"""Every write about training and the workforce: a training completion, a change to a post's
whole-time equivalent (kept, with the date it takes effect), a vacancy and its filling, and the
warning kept when a key worker is allocated without a competency the episode needs. One function
per action, one transaction each, validation first."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Allocation
from alongside.core import formats
from alongside.core.dates import add_months
from alongside.organisations.models import Membership, Role, Team
from alongside.workforce import queries
from alongside.workforce.models import (
    WTE_HIGH,
    WTE_LOW,
    WTE_MESSAGE,
    AllocationWarning,
    Course,
    Post,
    TrainingRecord,
    Vacancy,
    WteChange,
)


def expiry_for(course: Course, completed_on: dt.date) -> dt.date | None:
    """When a completion of ``course`` on ``completed_on`` stops counting (none: never)."""
    if course.valid_for_months is None:
        return None
    return add_months(completed_on, course.valid_for_months)


def _wte(value: Decimal | str | float, field: str = "wte") -> Decimal:
    try:
        wte = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValidationError({field: WTE_MESSAGE}) from None
    if not WTE_LOW <= wte <= WTE_HIGH:
        raise ValidationError({field: WTE_MESSAGE})
    return wte


@transaction.atomic
def record_training(
    *,
    user: User,
    course: Course | str,
    completed_on: dt.date,
    by: User,
    evidence: str = "",
) -> TrainingRecord:
    """Record that ``user`` completed ``course`` (a course or its key) on ``completed_on``; the
    expiry follows from the course's validity. A completion in the future or a course this
    place does not know is refused."""
    if isinstance(course, str):
        found = Course.objects.filter(key=course).first()
        if found is None:
            raise ValidationError({"course": "Choose a course this place recognises"})
        course = found
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": "The completion date must be today or earlier"})
    if TrainingRecord.objects.filter(user=user, course=course, completed_on=completed_on).exists():
        raise ValidationError({"completed_on": "This completion is already recorded"})
    record = TrainingRecord(
        user=user,
        course=course,
        completed_on=completed_on,
        expires_on=expiry_for(course, completed_on),
        evidence=evidence.strip(),
        recorded_by=by,
    )
    record.full_clean()
    record.save()
    return record


@transaction.atomic
def set_wte(
    *,
    membership: Membership,
    wte: Decimal | str | float,
    by: User,
    effective_from: dt.date | None = None,
) -> Post:
    """Change the whole-time equivalent a current membership is worked at, from
    ``effective_from`` (today when not given; not in the future, nor before the person started
    in the role). The change is kept beside the earlier ones, never over them: the trend reads
    each month's WTE from them, and the post's ``wte`` becomes the one in force today."""
    if membership.ended_on is not None:
        raise ValidationError("This person has left this role: their post can't be changed")
    today = timezone.localdate()
    effective_from = effective_from or today
    errors: dict[str, str] = {}
    try:
        value = _wte(wte)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if effective_from > today:
        errors["effective_from"] = "The date the change takes effect must be today or earlier"
    elif effective_from < membership.started_on:
        errors["effective_from"] = (
            "The date the change takes effect must be on or after "
            f"{formats.date(membership.started_on)}, when they started in this role"
        )
    if errors:
        raise ValidationError(errors)
    post = Post.objects.select_for_update().filter(membership=membership).first()
    if post is None:
        post = Post(membership=membership, wte=value)
    post.updated_by, post.updated_at = by, timezone.now()
    post.full_clean()
    post.save()
    change = WteChange(post=post, wte=value, effective_from=effective_from, recorded_by=by)
    change.full_clean()
    change.save()
    post.wte = post.changes.order_by("-effective_from", "-id").values_list("wte", flat=True)[0]
    post.save(update_fields=["wte"])
    return post


@transaction.atomic
def record_vacancy(
    *,
    team: Team,
    role: str,
    wte: Decimal | str | float,
    since: dt.date,
    by: User,
    job_title: str = "",
) -> Vacancy:
    """Record a vacant post in the team, vacant from ``since`` (today or earlier)."""
    errors: dict[str, str] = {}
    if role not in Role.values:
        errors["role"] = "Choose the role the post is for"
    if since > timezone.localdate():
        errors["since"] = "The date it fell vacant must be today or earlier"
    try:
        value = _wte(wte)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
        value = None
    if errors:
        raise ValidationError(errors)
    vacancy = Vacancy(
        team=team, role=role, wte=value, since=since, job_title=job_title.strip(), recorded_by=by
    )
    vacancy.full_clean()
    vacancy.save()
    return vacancy


@transaction.atomic
def fill_vacancy(*, vacancy: Vacancy, filled_on: dt.date, by: User) -> Vacancy:
    """Record that a vacancy was filled on ``filled_on`` (from its start to today)."""
    vacancy = Vacancy.objects.select_for_update().get(pk=vacancy.pk)
    if vacancy.filled_on is not None:
        raise ValidationError("This vacancy is already filled")
    if filled_on > timezone.localdate():
        raise ValidationError({"filled_on": "The date it was filled must be today or earlier"})
    if filled_on < vacancy.since:
        raise ValidationError(
            {"filled_on": "The date it was filled must be on or after the date it fell vacant"}
        )
    vacancy.filled_on = filled_on
    vacancy.full_clean()
    vacancy.save(update_fields=["filled_on"])
    return vacancy


def check_allocation(allocation: Allocation) -> list[str]:
    """The competencies the episode needs that the new key worker lacks (no record, or
    expired), as warnings; each is kept as an ``AllocationWarning``. Registered with
    ``care.hooks.AllocationChecks``: it runs inside the allocation's transaction."""
    gaps = queries.competency_gaps(allocation.episode, allocation.key_worker)
    name = allocation.key_worker.display_name
    warnings = []
    for gap in gaps:
        if gap.expired_on is None:
            text = (
                f"{name} has no record of {gap.course.title} training, which "
                f"{gap.needed_for} need. Allocated anyway: arrange the training or support."
            )
        else:
            text = (
                f"{name}'s {gap.course.title} training expired on "
                f"{gap.expired_on:%-d %B %Y}; {gap.needed_for} need it. Allocated anyway: "
                "arrange a refresher or support."
            )
        AllocationWarning.objects.create(allocation=allocation, course=gap.course, text=text)
        warnings.append(text)
    return warnings
