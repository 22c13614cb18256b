"""Every write to supervision: one function per action, in one transaction, checked first.

Bad input is refused with a ``ValidationError`` naming each problem, and nothing is saved: a
session in the future, a supervisor supervising themself, a person discussed who is not on a
current supervisee's caseload (the attempt is audited as a refused look), an action without an
owner, agreements for the same pair that overlap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import services as care_services
from alongside.care.models import Episode, Intensity, IntensityChange
from alongside.organisations.models import Membership
from alongside.sharing.models import AccessEvent, Action, Basis, Part
from alongside.supervision import queries
from alongside.supervision.models import (
    AgreementTerm,
    Attendee,
    CaseDiscussion,
    Kind,
    Step,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionPolicy,
    SupervisionSession,
)

_UP = {Intensity.LOW: Intensity.MEDIUM, Intensity.MEDIUM: Intensity.HIGH}
_DOWN = {Intensity.HIGH: Intensity.MEDIUM, Intensity.MEDIUM: Intensity.LOW}


def policy_terms(user: User) -> dict[str, int]:
    """The supervision the user's roles call for: the most frequent of each kind."""
    roles = Membership.objects.active().filter(user=user).values("role")
    terms: dict[str, int] = {}
    for row in SupervisionPolicy.objects.filter(role__in=roles):
        terms[row.kind] = min(row.every_weeks, terms.get(row.kind, row.every_weeks))
    return terms


@transaction.atomic
def set_policy(*, policy: SupervisionPolicy) -> SupervisionPolicy:
    """Save what supervision a role calls for (a kind, at most so many weeks apart; once per
    role and kind). Agreements already made keep their own terms."""
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def make_agreement(
    *,
    supervisee: User,
    supervisor: User,
    starts_on: dt.date,
    by: User,
    ends_on: dt.date | None = None,
    terms: Mapping[str, int] | None = None,
) -> SupervisionAgreement:
    """Agree that ``supervisor`` supervises ``supervisee``, in the kinds and at the frequency of
    ``terms`` (by default what the supervisee's roles call for)."""
    errors: dict[str, str] = {}
    if supervisee.pk == supervisor.pk:
        errors["supervisor"] = "Nobody can supervise themself: choose someone else"
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = "The end date must be on or after the start date"
    chosen = dict(terms) if terms is not None else policy_terms(supervisee)
    if not chosen:
        errors["terms"] = "Choose at least one kind of supervision and how often"
    for kind, weeks in chosen.items():
        if kind not in Kind.values:
            errors["terms"] = f"'{kind}' is not a kind of supervision"
        elif not isinstance(weeks, int) or not 1 <= weeks <= 52:
            errors["terms"] = "How often must be every 1 to 52 weeks"
    # Lock the pair's agreements while checking for an overlap.
    User.objects.select_for_update().filter(pk=supervisee.pk).first()
    overlapping = SupervisionAgreement.objects.filter(
        supervisee=supervisee, supervisor=supervisor
    ).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=starts_on))
    if ends_on is not None:
        overlapping = overlapping.filter(starts_on__lte=ends_on)
    if overlapping.exists():
        errors["starts_on"] = (
            "They already have an agreement with this supervisor for some of these dates: "
            "end that one first, or change the dates"
        )
    if errors:
        raise ValidationError(errors)
    agreement = SupervisionAgreement.objects.create(
        supervisee=supervisee,
        supervisor=supervisor,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=by,
    )
    AgreementTerm.objects.bulk_create(
        AgreementTerm(agreement=agreement, kind=kind, every_weeks=weeks)
        for kind, weeks in sorted(chosen.items())
    )
    return agreement


@transaction.atomic
def end_agreement(*, agreement: SupervisionAgreement, on: dt.date, by: User) -> None:
    current = SupervisionAgreement.objects.select_for_update().get(pk=agreement.pk)
    if current.ends_on is not None and current.ends_on <= on:
        raise ValidationError("The agreement has already ended.")
    if on < current.starts_on:
        raise ValidationError({"on": "An agreement cannot end before it starts"})
    current.ends_on = on
    current.save(update_fields=["ends_on"])


@dataclass
class Discussion:
    """One person discussed, as the form gives it."""

    episode: Episode
    supervisee: User
    goals_progress: str
    working: str = ""
    step: str = Step.NONE
    step_reason: str = ""
    risks: str = ""
    next_steps: str = ""
    actions: list[NewAction] = field(default_factory=list)


@dataclass
class NewAction:
    text: str
    owner: User | None
    due_on: dt.date | None


def _check_action(action: NewAction, where: str, errors: dict[str, str]) -> None:
    if not action.text.strip():
        errors[where] = "Say what the action is"
    elif action.owner is None:
        errors[where] = "Every action needs an owner: choose who will do it"
    elif action.due_on is None:
        errors[where] = "Every action needs a date it is due"


def _refused_look(user: User, episode: Episode) -> None:
    """A discussion of someone not on a current supervisee's caseload: refused, and on record."""
    AccessEvent.objects.create(
        user=user,
        person_id=episode.person_id,
        part=Part.CLINICAL_NOTES,
        action=Action.CHANGE,
        basis=Basis.NONE,
        allowed=False,
        route="supervision.record_session",
        reason="Case discussion refused: not on a current supervisee's caseload",
    )


def record_session(
    *,
    supervisor: User,
    kind: str,
    held_on: dt.date,
    duration_minutes: int | None,
    attendees: Sequence[User],
    by: User,
    reflections: str = "",
    discussions: Iterable[Discussion] = (),
    actions: Iterable[NewAction] = (),
) -> SupervisionSession:
    """Record a session held: who attended, each person discussed (a step up or down becomes an
    intensity change with its reason, in the same step) and the actions agreed."""
    discussions = list(discussions)
    actions = list(actions)
    errors: dict[str, str] = {}
    if kind not in Kind.values:
        errors["kind"] = "Choose the kind of session"
    if held_on > timezone.localdate():
        errors["held_on"] = "A session cannot be recorded before it is held: check the date"
    if duration_minutes is None or not 5 <= duration_minutes <= 480:
        errors["duration_minutes"] = "Give how long it lasted, from 5 minutes to 8 hours"
    people = list({u.pk: u for u in attendees}.values())
    if not people:
        errors["attendees"] = "Choose who attended"
    if any(u.pk == supervisor.pk for u in people):
        errors["attendees"] = "Nobody can supervise themself: the supervisor is not an attendee"
    supervised = queries.supervisee_ids(supervisor, on=held_on)
    outside = [u for u in people if u.pk not in supervised]
    if outside and "attendees" not in errors:
        names = ", ".join(u.get_full_name() or u.username for u in outside)
        errors["attendees"] = f"No current supervision agreement with {names} on that date"
    refused: list[Episode] = []
    for number, item in enumerate(discussions, start=1):
        where = f"discussion_{number}"
        if item.supervisee.pk not in {u.pk for u in people}:
            errors[where] = "The person's key worker must be one of those who attended"
        elif item.episode.pk not in queries.caseload_episode_ids(item.supervisee):
            errors[where] = "This person is not on the supervisee's caseload"
            refused.append(item.episode)
        if not item.goals_progress.strip():
            errors[f"{where}_goals_progress"] = (
                "Write the person's goals and progress, in their words"
            )
        if item.step and item.step not in (Step.UP, Step.DOWN):
            errors[f"{where}_step"] = "Choose to step support up, down, or keep it"
        elif item.step:
            if not item.step_reason.strip():
                errors[f"{where}_step"] = "Say why support steps up or down"
            elif item.episode.intensity not in (_UP if item.step == Step.UP else _DOWN):
                errors[f"{where}_step"] = (
                    f"Support is already {item.episode.get_intensity_display().lower()}"
                )
        for n, action in enumerate(item.actions, start=1):
            _check_action(action, f"{where}_action_{n}", errors)
    for n, action in enumerate(actions, start=1):
        _check_action(action, f"action_{n}", errors)
    if refused:
        # On record even though nothing else is saved.
        for episode in refused:
            _refused_look(by, episode)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        session = SupervisionSession.objects.create(
            kind=kind,
            supervisor=supervisor,
            held_on=held_on,
            duration_minutes=duration_minutes,
            reflections=reflections.strip(),
            recorded_by=by,
        )
        Attendee.objects.bulk_create(Attendee(session=session, user=u) for u in people)
        for item in discussions:
            change = None
            if item.step:
                target = (_UP if item.step == Step.UP else _DOWN)[item.episode.intensity]
                care_services.change_intensity(
                    episode=item.episode, intensity=target, reason=item.step_reason, by=by
                )
                change = IntensityChange.objects.filter(episode=item.episode).latest(
                    "changed_at", "id"
                )
            discussion = CaseDiscussion.objects.create(
                session=session,
                episode=item.episode,
                supervisee=item.supervisee,
                goals_progress=item.goals_progress.strip(),
                working=item.working.strip(),
                step=item.step,
                intensity_change=change,
                risks=item.risks.strip(),
                next_steps=item.next_steps.strip(),
            )
            for action in item.actions:
                _create_action(session, action, discussion)
            AccessEvent.objects.create(
                user=by,
                person_id=item.episode.person_id,
                part=Part.CLINICAL_NOTES,
                action=Action.CHANGE,
                basis=Basis.SUPERVISION,
                allowed=True,
                route="supervision.record_session",
            )
        for action in actions:
            _create_action(session, action, None)
    return session


def _create_action(
    session: SupervisionSession, action: NewAction, discussion: CaseDiscussion | None
) -> SupervisionAction:
    assert action.owner is not None and action.due_on is not None
    return SupervisionAction.objects.create(
        session=session,
        discussion=discussion,
        owner=action.owner,
        text=action.text.strip(),
        due_on=action.due_on,
    )


@transaction.atomic
def complete_action(*, action: SupervisionAction, by: User) -> SupervisionAction:
    current = SupervisionAction.objects.select_for_update().get(pk=action.pk)
    if current.done_at is not None:
        raise ValidationError("This action is already done.")
    if by.pk not in (current.owner_id, current.session.supervisor_id):
        raise ValidationError("Only the action's owner or the supervisor can mark it done.")
    current.done_at = timezone.now()
    current.done_by = by
    current.save(update_fields=["done_at", "done_by"])
    return current
