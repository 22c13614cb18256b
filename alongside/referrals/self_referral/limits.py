"""The self-referral's rate limit: at most ``ALONGSIDE_SELF_REFERRAL_LIMIT`` submissions from one
address in an hour.

Addresses are never stored: each attempt is kept as an HMAC-SHA256 of the address keyed with the
``SECRET_KEY``, and attempts older than a day are deleted whenever a new one is recorded. Only a
submission of check-your-answers counts (not the question pages), and a refused attempt does not
count, so the limit lifts an hour after the first of the attempts that reached it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from alongside.referrals.models import SelfReferralAttempt

DEFAULT_LIMIT = 5
WINDOW = dt.timedelta(hours=1)
KEEP = dt.timedelta(days=1)


def limit() -> int:
    return int(getattr(settings, "ALONGSIDE_SELF_REFERRAL_LIMIT", DEFAULT_LIMIT))


def address_hash(address: str | None) -> str:
    """The keyed hash an address is counted under (the address itself is never kept)."""
    return hmac.new(
        settings.SECRET_KEY.encode(), (address or "unknown").encode(), hashlib.sha256
    ).hexdigest()


@transaction.atomic
def admit_attempt(address: str | None) -> bool:
    """Count one submission from ``address``; False, and nothing counted, when it is over the
    limit. Attempts from one address are counted one at a time (a transaction-level advisory
    lock), so that a burst of simultaneous submissions cannot slip past the limit."""
    hashed = address_hash(address)
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"selfref:{hashed}"])
    SelfReferralAttempt.objects.filter(at__lt=now - KEEP).delete()
    recent = SelfReferralAttempt.objects.filter(address_hash=hashed, at__gte=now - WINDOW)
    if recent.count() >= limit():
        return False
    SelfReferralAttempt.objects.create(address_hash=hashed, at=now)
    return True
