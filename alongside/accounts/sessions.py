"""Sessions end after a spell without activity (``SESSION_COOKIE_AGE``, 30 minutes by default).

The database keeps each session until ``SESSION_COOKIE_AGE`` after it was last saved. Rather
than save it on every request, a signed-in request moves the expiry on when the last move was
a minute or more ago: the limit holds to the minute, at one write a minute at most.
"""

from __future__ import annotations

import time
from typing import Any

from alongside.accounts import two_factor

ACTIVE_AT_SESSION_KEY = "alongside_active_at"
REFRESH_SECONDS = 60


def note_activity(session: Any) -> None:
    """Move the session's expiry on, if it was last moved a minute or more ago."""
    now = int(time.time())
    if now - int(session.get(ACTIVE_AT_SESSION_KEY, 0)) >= REFRESH_SECONDS:
        session[ACTIVE_AT_SESSION_KEY] = now


def on_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """``user_logged_in``: start the inactivity clock and note whether a code will be needed."""
    if request is None or not hasattr(request, "session"):
        return
    request.session[ACTIVE_AT_SESSION_KEY] = int(time.time())
    two_factor.note_sign_in(request, user)
