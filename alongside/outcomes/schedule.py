"""When measures are due: each team's schedule (at the start of an episode, every N weeks, at
discharge) applied to its open episodes.

For each measure a team schedules, an episode owes at most one thing at a time:

* at the start: due on the day the episode started, until a response is completed;
* every N weeks: due N weeks after the latest completed response (or after the start, when
  the schedule does not ask for one at the start);
* at discharge: asked for on the discharge page, unless one was completed in the last
  ``grace_days``.

A measure is *overdue* ``grace_days`` after it fell due, and *due soon* in the
``SOON_DAYS`` before. All of it is worked out in two queries for any number of episodes.

Whatever the team's schedule, CollaboRATE (:data:`AFTER_PLAN_REVIEW`) is due after each plan
review: from the day the person agreed the current version of their plan, once for that version,
for ``REVIEW_ASK_DAYS`` (it asks about that review, so it is not chased once the review is
weeks old, and it is never overdue). It is due only where the site has loaded its licensed
wording, and no longer once a response about that version is completed (a response started
while it is due is about that version: ``Response.plan_version``). One more query, only where it
can be used.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Exists, F, Max, OuterRef
from django.utils import timezone

from alongside.care.models import CarePlanVersion, Episode
from alongside.outcomes import registry
from alongside.outcomes.models import MeasureSchedule, Response, Status

SOON_DAYS = 14
#: Measures asked after each plan review (the person's agreement to a version of their plan).
AFTER_PLAN_REVIEW = ("collaborate",)
#: How long after the agreement they are asked (the day itself and the days after).
REVIEW_ASK_DAYS = 28
#: Why they are due (``Due.reason``).
AFTER_REVIEW = "after each review of the plan"


class DueState:
    SOON = "soon"
    DUE = "due"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Due:
    measure: str
    title: str
    due_on: dt.date
    state: str
    #: "at the start" or "every 12 weeks": why it is due.
    reason: str
    #: For a measure asked after a plan review: the last day it is asked, and the version of
    #: the plan it is about.
    until: dt.date | None = None
    plan_version: int | None = None

    @property
    def label(self) -> str:
        if self.state == DueState.OVERDUE:
            return f"{self.title} overdue"
        if self.state == DueState.DUE:
            return f"{self.title} due"
        return f"{self.title} due soon"


def titles() -> dict[str, str]:
    """Each usable measure's short title by name (one query)."""
    return {q.name: m.short_title for q, m in registry.usable()}


def last_completed(episode_ids: Iterable[int]) -> dict[tuple[int, str], dt.date]:
    """The date of each episode's latest completed response to each measure. A correction is
    not a new response: it keeps the date of the one it corrects (which stays completed)."""
    rows = (
        Response.objects.filter(
            episode_id__in=list(episode_ids), status=Status.COMPLETED, corrects__isnull=True
        )
        .values("episode_id", "questionnaire__name")
        .annotate(last=Max("completed_at"))
    )
    return {
        (r["episode_id"], r["questionnaire__name"]): timezone.localtime(r["last"]).date()
        for r in rows
    }


def _state(due_on: dt.date, grace_days: int, today: dt.date) -> str | None:
    if today > due_on + dt.timedelta(days=grace_days):
        return DueState.OVERDUE
    if today >= due_on:
        return DueState.DUE
    if today >= due_on - dt.timedelta(days=SOON_DAYS):
        return DueState.SOON
    return None


def owed(
    schedule: MeasureSchedule, started: dt.date, last: dt.date | None, today: dt.date
) -> tuple[dt.date, str] | None:
    """When ``schedule``'s measure next falls due in an episode that started on ``started``
    and last completed it on ``last`` (and why), or ``None`` if it never will."""
    if schedule.at_start and last is None:
        return started, "at the start"
    if schedule.every_weeks:
        base = last or started
        return base + dt.timedelta(
            weeks=schedule.every_weeks
        ), f"every {schedule.every_weeks} weeks"
    return None


def due_for(
    episodes: Iterable[Episode],
    *,
    today: dt.date | None = None,
    include_soon: bool = False,
    names: Mapping[str, str] | None = None,
) -> dict[int, list[Due]]:
    """What each open episode owes now (overdue first, then due, then, if asked, due soon).
    ``names`` is :func:`titles`, when the caller already has it."""
    today = today or timezone.localdate()
    episodes = [e for e in episodes if e.ended_at is None]
    by_name = names if names is not None else titles()
    schedules: dict[int, list[MeasureSchedule]] = defaultdict(list)
    for schedule in MeasureSchedule.objects.filter(
        team_id__in={e.lead_team_id for e in episodes}, measure__in=by_name
    ):
        schedules[schedule.team_id].append(schedule)
    last = last_completed(e.pk for e in episodes) if schedules else {}
    after_review = _after_review([e.pk for e in episodes], by_name, today)
    result: dict[int, list[Due]] = {}
    order = {DueState.OVERDUE: 0, DueState.DUE: 1, DueState.SOON: 2}
    for episode in episodes:
        started = timezone.localtime(episode.started_at).date()
        found: list[Due] = []
        found.extend(after_review.get(episode.pk, []))
        asked_after_review = {d.measure for d in found}
        for schedule in schedules.get(episode.lead_team_id, []):
            if schedule.measure in asked_after_review:
                continue  # owed after the review already: once is enough
            next_due = owed(schedule, started, last.get((episode.pk, schedule.measure)), today)
            if next_due is None:
                continue
            state = _state(next_due[0], schedule.grace_days, today)
            if state is None or (state == DueState.SOON and not include_soon):
                continue
            found.append(
                Due(schedule.measure, by_name[schedule.measure], next_due[0], state, next_due[1])
            )
        result[episode.pk] = sorted(found, key=lambda d: (order[d.state], d.due_on, d.title))
    return result


def reviews_to_ask_about(
    episode_ids: Iterable[int], *, today: dt.date
) -> dict[int, tuple[int, dt.date]]:
    """For each episode whose current plan version was agreed in the last
    ``REVIEW_ASK_DAYS`` and has no completed response about it yet (of a measure asked after a
    review): the version's number and the day it was agreed. One query."""
    answered = Response.objects.filter(
        plan_version=OuterRef("pk"),
        status=Status.COMPLETED,
        questionnaire__name__in=AFTER_PLAN_REVIEW,
    )
    rows = (
        CarePlanVersion.objects.filter(
            plan__episode_id__in=list(episode_ids),
            number=F("plan__current_version"),
            agreed_on__isnull=False,
            agreed_on__lte=today,
            agreed_on__gt=today - dt.timedelta(days=REVIEW_ASK_DAYS),
        )
        .filter(~Exists(answered))
        .values_list("plan__episode_id", "number", "agreed_on")
    )
    return {episode_id: (number, agreed_on) for episode_id, number, agreed_on in rows}


def _after_review(
    episode_ids: list[int], by_name: Mapping[str, str], today: dt.date
) -> dict[int, list[Due]]:
    """What each episode owes after its latest plan review (see the module's notes)."""
    names = [name for name in AFTER_PLAN_REVIEW if name in by_name]
    if not names or not episode_ids:
        return {}
    return {
        episode_id: [
            Due(
                name,
                by_name[name],
                agreed_on,
                DueState.DUE,
                AFTER_REVIEW,
                until=agreed_on + dt.timedelta(days=REVIEW_ASK_DAYS - 1),
                plan_version=number,
            )
            for name in names
        ]
        for episode_id, (number, agreed_on) in reviews_to_ask_about(
            episode_ids, today=today
        ).items()
    }


def version_to_ask_about(episode: Episode) -> CarePlanVersion | None:
    """The version of the plan a response to a measure asked after each review is about: the
    current version, once agreed, unless a response about it is already completed."""
    answered = Response.objects.filter(
        plan_version=OuterRef("pk"),
        status=Status.COMPLETED,
        questionnaire__name__in=AFTER_PLAN_REVIEW,
    )
    return (
        CarePlanVersion.objects.filter(
            plan__episode=episode, number=F("plan__current_version"), agreed_on__isnull=False
        )
        .filter(~Exists(answered))
        .first()
    )


def due_at_discharge(episode: Episode, *, today: dt.date | None = None) -> list[Due]:
    """The measures the lead team asks for at discharge that have not been completed in the
    schedule's ``grace_days`` before ``today``."""
    today = today or timezone.localdate()
    by_name = titles()
    last = last_completed([episode.pk])
    owed_now = []
    for schedule in MeasureSchedule.objects.filter(
        team_id=episode.lead_team_id, at_discharge=True, measure__in=by_name
    ):
        done = last.get((episode.pk, schedule.measure))
        if done is None or done < today - dt.timedelta(days=schedule.grace_days):
            owed_now.append(
                Due(
                    schedule.measure, by_name[schedule.measure], today, DueState.DUE, "at discharge"
                )
            )
    return sorted(owed_now, key=lambda d: d.title)


def unseen_flags(
    episode_ids: Iterable[int], *, names: Mapping[str, str] | None = None
) -> dict[int, list[str]]:
    """For each episode, the measures (by title) with a completed response whose answers raised a
    flag (PHQ-9 question 9 above 0) that no practitioner has yet recorded seeing. One query, and
    one more for the titles unless ``names`` (:func:`titles`) is given."""
    by_name = names if names is not None else titles()
    found: dict[int, list[str]] = defaultdict(list)
    rows = (
        Response.objects.filter(
            episode_id__in=list(episode_ids),
            status=Status.COMPLETED,
            prompt_seen_at__isnull=True,
        )
        .exclude(flags=[])
        .values_list("episode_id", "questionnaire__name")
        .distinct()
        .order_by("episode_id", "questionnaire__name")
    )
    for episode_id, name in rows:
        found[episode_id].append(by_name.get(name, name))
    return dict(found)
