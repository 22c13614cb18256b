"""What the loaded demo place was made with, so that a later run can tell its age and make it
again the same way."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils import timezone


class DemoPlace(models.Model):
    """The demo place in the database: the seed, size and date it was generated with, and when
    it was loaded. One row while a place is loaded (``generate`` writes it, ``flush`` deletes it).
    """

    seed = models.IntegerField()
    people = models.PositiveIntegerField()
    as_of = models.DateField(help_text="The day the place was made as of: its 'today'.")
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(people__gte=1), name="demo_place_people"),
        ]

    def __str__(self) -> str:
        return f"Demo place: seed {self.seed}, {self.people:,} people, as of {self.as_of}"

    def age_on(self, day: dt.date) -> int:
        """How many days old the place is on ``day``."""
        return (day - self.as_of).days
