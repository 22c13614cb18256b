"""Responses made the way the app makes them (through the services), for tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from alongside.accounts.models import User
from alongside.care.models import Episode, Goal
from alongside.outcomes import registry, services
from alongside.outcomes.models import Mode, Response

#: Answers in item order that make a valid, complete response to each shipped measure.
PHQ9_MILD = ["1", "1", "1", "1", "1", "1", "1", "0", "0"]  # 7: mild
GAD7_MODERATE = ["2", "2", "2", "2", "1", "1", "1"]  # 11: moderate
DIALOG_MIDDLING = {str(n): "4" for n in range(1, 12)}


def answered(
    episode: Episode,
    name: str,
    answers: Mapping[str, Any] | list[Any],
    *,
    by: User,
    at: dt.datetime | None = None,
    mode: str = Mode.WITH_PRACTITIONER,
    goals: Mapping[str, Goal] | None = None,
) -> Response:
    """A completed response to the current version of measure ``name``."""
    questionnaire = registry.current(name)
    assert questionnaire is not None, f"no measure {name}"
    response = services.start_response(
        episode=episode, questionnaire=questionnaire, mode=mode, by=by, goals=goals
    )
    if isinstance(answers, list):
        measure = registry.measure(questionnaire)
        answers = {i.link_id: a for i, a in zip(measure.answerable, answers, strict=False)}
    return services.complete_response(response=response, by=by, answers=answers, completed_at=at)


def started(
    episode: Episode, name: str, *, by: User, mode: str = Mode.WITH_PRACTITIONER
) -> Response:
    questionnaire = registry.current(name)
    assert questionnaire is not None, f"no measure {name}"
    return services.start_response(episode=episode, questionnaire=questionnaire, mode=mode, by=by)


def load_collaborate_wording() -> None:
    """Make CollaboRATE usable here, as a site that holds its licence would: a synthetic wording
    file (not CollaboRATE's own words), loaded the way ``alongside outcomes load`` loads one."""
    registry.load_wording(
        {
            "wordingFor": "collaborate",
            "version": "1",
            "licence": "Synthetic wording for tests; not CollaboRATE's own",
            "items": {
                str(n): {
                    "text": f"Test question {n}: how much effort was made?",
                    "hint": "0 means no effort, 9 means every effort.",
                }
                for n in (1, 2, 3)
            },
        }
    )


COLLABORATE_TOP = {"1": 9, "2": 9, "3": 9}
