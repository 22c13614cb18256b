"""The day the demo tests make their places as of, so that no test depends on the day it runs,
and the generator's 'now' and referral window for that day."""

import datetime as dt
import zoneinfo

from alongside.demo.generator import PlaceBuilder

AS_OF = dt.date(2026, 11, 1)
_PINNED = PlaceBuilder(seed=0, people=1, as_of=AS_OF)  # reads nothing; only its dates are used
NOW = _PINNED.now  # midnight at the start of AS_OF, UK time
START = _PINNED.start  # the referral window's first moment
FIRST_DAY = START.astimezone(zoneinfo.ZoneInfo("Europe/London")).date()
