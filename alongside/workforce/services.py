"""Every write about training and the workforce: a training completion, a post's whole-time
equivalent, a vacancy and its filling, and the warning kept when a key worker is allocated
without a competency the episode needs. One function per action, one transaction each,
validation first."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Allocation
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
)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later; the month's last day when it is shorter (31 January plus
    one month is 28 or 29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


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
def set_wte(*, membership: Membership, wte: Decimal | str | float, by: User) -> Post:
    """Set (or change) the whole-time equivalent a current membership is worked at."""
    if membership.ended_on is not None:
        raise ValidationError("This person has left this role: their post can't be changed")
    value = _wte(wte)
    post, _ = Post.objects.select_for_update().get_or_create(
        membership=membership, defaults={"wte": value, "updated_by": by}
    )
    post.wte, post.updated_by, post.updated_at = value, by, timezone.now()
    post.full_clean()
    post.save()
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
