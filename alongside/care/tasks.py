"""The care team's scheduled work (see ``alongside.core.jobs``)."""

from __future__ import annotations

import datetime as dt

from alongside.care.services import escalate
from alongside.core.jobs import scheduled


@scheduled(
    "care.escalate",
    cron="*/5 * * * *",
    every=dt.timedelta(minutes=5),
    every_text="every 5 minutes",
    purpose="Escalates referrals past their due time with no triage decision, and risk flags "
    "nobody acted on in time, to the team lead and the duty worker.",
)
def escalate_overdue() -> str:
    done = escalate()
    return f"escalated {done['referrals']} referral(s) and {done['risk_flags']} risk flag(s)"
