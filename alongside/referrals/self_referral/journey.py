"""The answers of a self-referral in progress, kept in the visitor's session between pages.

Each page's answers are stored as submitted (field name to list of strings), so that going back
to a page shows them as the person typed them, and so that check-your-answers can check every page
again before sending. The journey's one-time ``submission_key`` is made when it starts; once the
referral is made the answers are cleared and only the key and the reference stay, for the
confirmation page and for any repeat of the same submission.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils.datastructures import MultiValueDict

JOURNEY_SESSION_KEY = "self_referral"
DONE_SESSION_KEY = "self_referral_done"

Answers = dict[str, list[str]]


class Journey:
    """One visitor's self-referral in progress."""

    def __init__(self, session: SessionBase, state: dict[str, Any]) -> None:
        self._session = session
        self._state = state

    @classmethod
    def current(cls, session: SessionBase) -> Journey | None:
        state = session.get(JOURNEY_SESSION_KEY)
        return cls(session, state) if isinstance(state, dict) and "key" in state else None

    @classmethod
    def begin(cls, session: SessionBase) -> Journey:
        """The journey in progress, or a new one with a fresh one-time submission key."""
        journey = cls.current(session)
        if journey is None:
            session[JOURNEY_SESSION_KEY] = {"key": str(uuid.uuid4()), "answers": {}}
            journey = cls(session, session[JOURNEY_SESSION_KEY])
        return journey

    @property
    def key(self) -> uuid.UUID:
        return uuid.UUID(self._state["key"])

    def has(self, step: str) -> bool:
        return step in self._state["answers"]

    def answers(self, step: str) -> MultiValueDict | None:
        """A page's answers, as the form data they were submitted as (None if not answered)."""
        stored = self._state["answers"].get(step)
        return MultiValueDict(stored) if stored is not None else None

    def save(self, step: str, answers: Answers) -> None:
        self._state["answers"][step] = answers
        self._session[JOURNEY_SESSION_KEY] = self._state
        self._session.modified = True

    def finish(
        self,
        reference: str,
        *,
        at_risk: bool = False,
        team_id: int | None = None,
        urgency: str = "",
        due_at: dt.datetime | None = None,
    ) -> None:
        """The referral is made: forget the answers, keep the key and reference, whether the
        confirmation leads with where to get help now, and what it says happens next (the team
        that has it, its urgency and when a decision is due). Nothing about the person stays."""
        self._session[DONE_SESSION_KEY] = {
            "key": str(self.key),
            "reference": reference,
            "at_risk": at_risk,
            "team": team_id,
            "urgency": urgency,
            "due_at": due_at.isoformat() if due_at else "",
        }
        self._session.pop(JOURNEY_SESSION_KEY, None)


def finished(session: SessionBase) -> dict[str, Any] | None:
    """The last self-referral sent from this session: its submission key and reference, and
    what the confirmation says happens next."""
    done = session.get(DONE_SESSION_KEY)
    return done if isinstance(done, dict) and "reference" in done else None
