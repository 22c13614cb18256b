"""Reads for the staff outcome measures pages: a person's episodes, the responses of one episode
with their scores, one response with its history, and the goals a Goal Based Outcomes response
can rate.

Every read starts from the person the page opened through ``sharing`` (``access.person``), so an
id from another record is never used. Each list is a fixed number of statements whatever its
length: the outcomes page makes the same number of queries for two responses or sixty months of
four measures.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch
from django.utils import timezone

from alongside.care import plan_queries
from alongside.care import queries as care
from alongside.care.models import Contact, Episode, Goal
from alongside.outcomes.models import Response, ResponseGoal, Score
from alongside.people.models import Person

_WHO = ("started_by", "completed_by", "prompt_seen_by")


def episodes(person: Person) -> list[Episode]:
    """The person's episodes, open ones first then newest first."""
    return care.episodes_of(person)


def shown_episode(episodes: list[Episode], wanted: str | int | None) -> Episode | None:
    """The episode a page is about: the one asked for (among the person's own), else the newest
    open one, else the newest of all."""
    return care.choose_episode(episodes, wanted, open_only=False)


def open_episode(episodes: list[Episode], wanted: str | int | None = None) -> Episode | None:
    """The open episode a new response or goal goes in: the one named (if it is open; ``None``
    if it has ended or is not the person's), else the newest open one."""
    candidates = [e for e in episodes if e.ended_at is None]
    if wanted in (None, ""):
        return candidates[0] if candidates else None
    return next((e for e in candidates if str(e.pk) == str(wanted)), None)


def _scores() -> Prefetch:
    return Prefetch("scores", queryset=Score.objects.order_by("key"))


def responses(episode: Episode) -> list[Response]:
    """Every response of the episode, in progress and completed, newest first; each with its
    questionnaire, who started, completed and acknowledged it, what it corrects, and its
    scores (two statements in all)."""
    return list(
        Response.objects.filter(episode=episode)
        .select_related("questionnaire", *_WHO, "corrects")
        .prefetch_related(_scores())
        .order_by("-completed_at", "-started_at", "-id")
    )


def response_of(person: Person, response_id: int) -> Response | None:
    """One of the person's responses, with its scores, the goals it rates, what it corrects and
    the corrections made to it; ``None`` if the id is not one of theirs."""
    return (
        Response.objects.filter(person=person, pk=response_id)
        .select_related(
            "questionnaire",
            "episode",
            "contact",
            *_WHO,
            "corrects__completed_by",
            "corrects__started_by",
        )
        .prefetch_related(
            _scores(),
            Prefetch("goal_links", queryset=ResponseGoal.objects.select_related("goal")),
            Prefetch(
                "corrections",
                queryset=Response.objects.select_related("completed_by", "started_by").order_by(
                    "started_at", "id"
                ),
            ),
        )
        .first()
    )


def open_goals(episode: Episode) -> list[Goal]:
    """The episode's current plan goals, oldest first: what Goal Based Outcomes can rate."""
    return list(plan_queries.open_goals(episode))


def goal_of(episode: Episode, goal_id: str | int | None) -> Goal | None:
    """One of the episode's goals (to confirm one just added), or ``None``."""
    if not str(goal_id or "").isdigit():
        return None
    return episode.goals.filter(pk=int(str(goal_id))).first()


#: How far back a contact can be to have a measure completed "in" it.
CONTACT_DAYS = 30


def recent_contacts(episode: Episode, *, now: dt.datetime | None = None) -> list[Contact]:
    """The episode's contacts from the last ``CONTACT_DAYS`` days up to the end of today,
    newest first (at most 10): the ones a measure can be recorded as completed in."""
    moment = now or timezone.now()
    end_of_today = timezone.localtime(moment).replace(hour=23, minute=59, second=59)
    return list(
        episode.contacts.filter(
            starts_at__gte=moment - dt.timedelta(days=CONTACT_DAYS), starts_at__lte=end_of_today
        ).order_by("-starts_at", "-id")[:10]
    )
