"""When the analysis tables were last copied from the live records (see ``snapshots``)."""

from __future__ import annotations

from django.db import models


class Snapshot(models.Model):
    """The one row saying when the analysis tables were last refreshed, and how long it took."""

    refreshed_at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        get_latest_by = "refreshed_at"

    def __str__(self) -> str:
        return f"Analysis tables as at {self.refreshed_at:%Y-%m-%d %H:%M}"
