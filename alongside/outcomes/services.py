"""Every write about outcome measures: starting a response, saving answers part-way, completing
(scoring) it, correcting it, acknowledging the prompt its answers raised, and team schedules.

Each is one transaction; a response being completed is locked first, so two tabs cannot
complete it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import services as care
from alongside.care.models import Contact, Episode, Goal, RatedBy, RiskSource
from alongside.organisations.models import Team
from alongside.outcomes import engine, registry, schedule
from alongside.outcomes.models import (
    MeasureSchedule,
    Mode,
    Questionnaire,
    Response,
    ResponseGoal,
    Score,
    Status,
)


class ResponseFinal(ValidationError):
    """The response is completed: it cannot change (correct it instead)."""

    def __init__(self) -> None:
        super().__init__(
            "This response has been completed and cannot be changed. Correct it instead: the "
            "correction is kept beside it in the history."
        )


def _locked(response: Response) -> Response:
    current = (
        Response.objects.select_for_update(of=("self",))
        .select_related("questionnaire", "episode")
        .get(pk=response.pk)
    )
    if current.status == Status.COMPLETED:
        raise ResponseFinal
    return current


@transaction.atomic
def start_response(
    *,
    episode: Episode,
    questionnaire: Questionnaire,
    mode: str,
    by: User,
    contact: Contact | None = None,
    goals: Mapping[str, Goal] | None = None,
) -> Response:
    """A new, empty response to ``questionnaire`` in ``episode`` (with, for Goal Based
    Outcomes, which plan goal each item rates). A measure asked after each plan review
    (CollaboRATE) is about the plan's current, agreed version while no response about it is
    completed (``plan_version``), so it is due only once for that version."""
    measure = registry.measure(questionnaire)
    if not measure.usable:
        raise ValidationError(
            f"{measure.short_title} cannot be used until this site loads its licensed wording."
        )
    if episode.ended_at is not None:
        raise ValidationError("The episode has ended: measures belong to an open episode.")
    if mode not in Mode.values:
        raise ValidationError("Say who is completing the measure")
    if contact is not None and contact.episode_id != episode.pk:
        raise ValidationError("The contact is from another episode.")
    response = Response.objects.create(
        questionnaire=questionnaire,
        person_id=episode.person_id,
        episode=episode,
        contact=contact,
        mode=mode,
        started_by=by,
        plan_version=schedule.version_to_ask_about(episode)
        if questionnaire.name in schedule.AFTER_PLAN_REVIEW
        else None,
    )
    if measure.goal_items:
        set_goals(response=response, goals=goals or {})
    return response


@transaction.atomic
def start_or_continue(
    *,
    episode: Episode,
    questionnaire: Questionnaire,
    mode: str,
    by: User,
    goals: Mapping[str, Goal] | None = None,
) -> tuple[Response, bool]:
    """The unfinished response to this measure in the episode by the same kind of completer (the
    person, or a practitioner with them), or a new one; and whether it is new. The episode's row
    is held while deciding, so a double tap starts one response, not two."""
    Episode.objects.select_for_update().filter(pk=episode.pk).values_list("pk").first()
    unfinished = (
        Response.objects.filter(
            episode=episode,
            mode=mode,
            status=Status.IN_PROGRESS,
            questionnaire__name=questionnaire.name,
        )
        .order_by("started_at", "id")
        .first()
    )
    if unfinished is not None:
        return unfinished, False
    started = start_response(
        episode=episode, questionnaire=questionnaire, mode=mode, by=by, goals=goals
    )
    return started, True


@transaction.atomic
def set_goals(*, response: Response, goals: Mapping[str, Goal]) -> Response:
    """Goal Based Outcomes: link each goal item to one of the episode's open goals."""
    current = _locked(response)
    measure = registry.measure(current.questionnaire)
    problems = {}
    seen: set[int] = set()
    for link_id, goal in goals.items():
        if link_id not in measure.goal_items:
            problems[link_id] = "This measure has no such goal question."
        elif goal.episode_id != current.episode_id or goal.ended_at is not None:
            problems[link_id] = "Choose one of the person's current goals."
        elif goal.pk in seen:
            problems[link_id] = "Each goal can be rated once in a response."
        seen.add(goal.pk)
    if problems:
        raise ValidationError(problems)
    current.goal_links.all().delete()
    ResponseGoal.objects.bulk_create(
        ResponseGoal(response=current, link_id=link_id, goal=goal)
        for link_id, goal in goals.items()
    )
    return current


@transaction.atomic
def save_answers(*, response: Response, answers: Mapping[str, Any], by: User) -> Response:
    """Save answers part-way (merged over those saved before; a blank clears one). Invalid
    answers raise :class:`engine.AnswerError` and nothing is saved."""
    current = _locked(response)
    measure = registry.measure(current.questionnaire)
    merged = {**current.answers, **answers}
    current.answers = engine.clean_answers(measure, merged, complete=False)
    current.updated_at = timezone.now()
    current.save(update_fields=["answers", "updated_at"])
    return current


@transaction.atomic
def complete_response(
    *,
    response: Response,
    by: User,
    answers: Mapping[str, Any] | None = None,
    completed_at: dt.datetime | None = None,
) -> Response:
    """Complete and score a response (after merging in ``answers``). Every required question
    must be answered; a Goal Based Outcomes item needs the goal it rates, and its rating is
    recorded on that goal too. Completing a correction retires the scores it replaces.

    ``completed_at`` is for a paper form entered later: when the person filled it in (not in
    the future, not before the episode started). A correction takes the time of the response it
    corrects, and replaces the goal ratings that response recorded."""
    current = _locked(response)
    now = timezone.now()
    original = (
        Response.objects.select_for_update().get(pk=current.corrects_id)
        if current.corrects_id
        else None
    )
    if completed_at is None and original is not None:
        completed_at = original.completed_at
    ended_at = current.episode.ended_at
    if ended_at is not None and (completed_at or now) > ended_at:
        raise ValidationError(
            "The episode has ended: a response can be completed only for a time within it."
        )
    if completed_at is not None and not (current.episode.started_at <= completed_at <= now):
        raise ValidationError(
            {"completed_at": "The date must be in the episode and not in the future"}
        )
    measure = registry.measure(current.questionnaire)
    result = engine.score(measure, {**current.answers, **(answers or {})}, complete=True)
    links = {link.link_id: link for link in current.goal_links.select_related("goal")}
    missing = [g for g in measure.goal_items if g in result.answers and g not in links]
    if missing:
        raise ValidationError({g: "Choose the goal this rating is for." for g in missing})
    if original is None and current.questionnaire.name in schedule.AFTER_PLAN_REVIEW:
        # About the review it answers: the latest agreed version not yet asked about, if the
        # plan was reviewed again after this response was started.
        current.plan_version = (
            schedule.version_to_ask_about(current.episode) or current.plan_version
        )
    current.answers = result.answers
    current.status = Status.COMPLETED
    current.completed_at = completed_at or now
    current.completed_by = by
    current.updated_at = now
    current.flags = [f.id for f in result.flags]
    current.more_help = list(result.more_help)
    current.save()
    if result.flags and original is None:
        # A self-harm answer reaches a person, not just a tag: the key worker at once, the duty
        # worker and team lead if nobody acts in time (care.services.escalate).
        care.raise_risk_flag(
            episode=current.episode,
            source=RiskSource.MEASURE,
            source_id=current.pk,
            said=_flag_words(measure, result.answers, result.flags, current.mode),
        )
    Score.objects.bulk_create(
        Score(
            response=current,
            person_id=current.person_id,
            episode_id=current.episode_id,
            measure=measure.name,
            key=s.id,
            value=s.value,
            band=s.band,
            snomed=s.rule.code,
            in_change=s.rule.change,
            completed_at=current.completed_at,
        )
        for s in result.scores
        if s.value is not None
    )
    person_rated = (original or current).mode == Mode.SELF
    rated_by = RatedBy.PERSON if person_rated else RatedBy.WITH_WORKER
    if original is not None:
        for old_link in original.goal_links.exclude(rating=None).select_related("rating"):
            replaced = old_link.rating
            old_link.rating = None
            old_link.save(update_fields=["rating"])
            replaced.delete()
    for link_id, link in links.items():
        if link_id in result.answers:
            link.rating = care.rate_goal(
                goal=link.goal, score=int(result.answers[link_id]), by=by, rated_by=rated_by
            )
            if completed_at is not None:
                link.rating.rated_at = completed_at
                link.rating.save(update_fields=["rated_at"])
            link.save(update_fields=["rating"])
    if original is not None:
        Score.objects.filter(response=original).update(current=False)
    return current


@transaction.atomic
def start_correction(*, response: Response, reason: str, by: User) -> Response:
    """A new response, prefilled with the answers of a completed one, that will replace it when
    completed. The original stays in the history. One correction at a time."""
    original = Response.objects.select_for_update().get(pk=response.pk)
    if original.status != Status.COMPLETED:
        raise ValidationError("Only a completed response can be corrected: edit this one.")
    if not reason.strip():
        raise ValidationError({"reason": "Say what was wrong, so the history explains itself"})
    if original.corrections.filter(status=Status.COMPLETED).exists():
        raise ValidationError("This response has already been corrected: correct the newer one.")
    open_correction = original.corrections.filter(status=Status.IN_PROGRESS).first()
    if open_correction is not None:
        return open_correction
    correction = Response.objects.create(
        questionnaire=original.questionnaire,
        person_id=original.person_id,
        episode_id=original.episode_id,
        contact=original.contact,
        mode=Mode.WITH_PRACTITIONER,
        answers=original.answers,
        started_by=by,
        corrects=original,
        correction_reason=reason.strip()[:300],
        plan_version=original.plan_version,
    )
    ResponseGoal.objects.bulk_create(
        ResponseGoal(response=correction, link_id=link.link_id, goal_id=link.goal_id)
        for link in original.goal_links.all()
    )
    return correction


@transaction.atomic
def discard_response(*, response: Response, by: User) -> None:
    """Throw away a response that was never completed."""
    current = _locked(response)
    current.delete()


@transaction.atomic
def acknowledge_prompt(*, response: Response, by: User) -> Response:
    """Record that a practitioner saw the prompt a completed response raised (for example
    PHQ-9 question 9 above 0: review the safety plan)."""
    current = Response.objects.select_for_update().get(pk=response.pk)
    if not current.flags:
        raise ValidationError("This response raised nothing to acknowledge.")
    if current.prompt_seen_at is None:
        current.prompt_seen_at = timezone.now()
        current.prompt_seen_by = by
        current.save(update_fields=["prompt_seen_at", "prompt_seen_by"])
    return current


@transaction.atomic
def save_schedule(
    *,
    team: Team,
    measure: str,
    at_start: bool,
    every_weeks: int | None,
    at_discharge: bool,
    grace_days: int,
    by: User,
) -> MeasureSchedule:
    """Set when ``team`` asks for ``measure`` in its episodes."""
    if registry.current(measure) is None:
        raise ValidationError({"measure": "Choose a measure this place uses"})
    if not (at_start or every_weeks or at_discharge):
        raise ValidationError("Choose at least one time the measure is due")
    if every_weeks is not None and not 1 <= every_weeks <= 104:
        raise ValidationError({"every_weeks": "Enter a number of weeks from 1 to 104"})
    if not 0 <= grace_days <= 90:
        raise ValidationError({"grace_days": "Enter a number of days from 0 to 90"})
    schedule, _ = MeasureSchedule.objects.update_or_create(
        team=team,
        measure=measure,
        defaults={
            "at_start": at_start,
            "every_weeks": every_weeks,
            "at_discharge": at_discharge,
            "grace_days": grace_days,
            "updated_at": timezone.now(),
            "updated_by": by,
        },
    )
    return schedule


@transaction.atomic
def remove_schedule(*, schedule: MeasureSchedule, by: User) -> None:
    schedule.delete()


def _flag_words(measure: Any, answers: dict, flags: Any, mode: str) -> str:
    """What the answers that raised flags said: "PHQ-9 question 9 (thoughts of self-harm):
    'More than half the days', answered in the portal"."""
    parts = []
    for rule in flags:
        item = measure.item(rule.item)
        option = item.option(str(answers.get(rule.item))) if item.options else None
        answer = option.display if option else str(answers.get(rule.item))
        parts.append(f"{measure.short_title} question {rule.item} ({rule.label}): “{answer}”")
    where = "answered in the portal" if mode == Mode.SELF else "answered with a practitioner"
    return "; ".join(parts) + f", {where}"
