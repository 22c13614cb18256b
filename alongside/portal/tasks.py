"""The portal's scheduled work (see ``alongside.core.jobs``)."""

from __future__ import annotations

import datetime as dt

from alongside.core.jobs import scheduled
from alongside.portal.services import forget_old_sign_in_codes


@scheduled(
    "portal.forget_sign_in_codes",
    cron="17 * * * *",
    every=dt.timedelta(hours=1),
    every_text="every hour",
    purpose="Deletes the portal's sign-in codes made more than a day ago (spent or expired).",
)
def forget_sign_in_codes() -> str:
    return f"deleted {forget_old_sign_in_codes()} sign-in code(s)"
