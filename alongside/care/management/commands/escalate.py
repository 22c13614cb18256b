"""``alongside escalate``: escalate referrals not triaged in time and risk flags nobody acted on.

The scheduled work runs the same every 5 minutes (``alongside worker``, the ``care.escalate`` job),
so escalation happens even when nobody opens a page; this runs it once, by hand. Safe to run at
once from several places: each referral and flag is escalated once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from alongside.care.services import escalate


class Command(BaseCommand):
    help = "Escalate referrals past their due time and risk flags nobody acted on in time."

    def handle(self, *args: Any, **options: Any) -> None:
        done = escalate()
        self.stdout.write(
            f"Escalated {done['referrals']} referral(s) and {done['risk_flags']} risk flag(s)."
        )
