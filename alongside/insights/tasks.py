"""The insights' scheduled work (see ``alongside.core.jobs``)."""

from __future__ import annotations

import datetime as dt

from alongside.core.jobs import scheduled
from alongside.insights import presenters, snapshots
from alongside.insights.engines import PostgresEngine


@scheduled(
    "insights.figures",
    cron="*/4 * * * *",
    every=dt.timedelta(minutes=4),
    every_text="every 4 minutes",
    purpose="Copies the records into the analysis tables and works out the dashboards' first "
    "figures again, into the cache every web worker shares, so no one opening a dashboard waits.",
)
def refresh_figures() -> str:
    done = snapshots.refresh()
    if done is None:
        return "another process was refreshing the analysis tables"
    month = presenters.warm(PostgresEngine(), recompute=True)
    worked = "no figures yet" if month is None else f"figures for {month.label} worked out"
    return f"analysis tables refreshed in {done.seconds:.1f} s; {worked}"
