"""Small-number suppression: what may be shown outside the care team.

The default is the rule NHS England publishes for mental health statistics below national level:
a count below 5 is hidden and every other count is rounded to the nearest 5, so that no count can
be worked back from the others. A share is worked out from the unrounded counts and shown to the
nearest whole per cent, and is hidden with either of its counts; a median, percentile or mean is
hidden when it rests on fewer than the threshold. Figures of teams (the co-production index)
show their counts of teams as they are and hide what rests on fewer people's records than the
threshold (``Rule.teams_figure``). A site may set its own rule in
``ALONGSIDE_SUPPRESSION`` (``{"below": 5, "round_to": 5}``); ``round_to`` of 1 means no rounding.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

HIDDEN = "*"


@dataclass(frozen=True)
class Rule:
    below: int = 5
    round_to: int = 5

    def __post_init__(self) -> None:
        if self.below < 0 or self.round_to < 1:
            raise ValueError("Suppression needs 'below' of 0 or more and 'round_to' of 1 or more.")

    @property
    def description(self) -> str:
        if self.below == 0 and self.round_to == 1:
            return "No suppression: every figure is exact."
        rounding = (
            f" and other counts are rounded to the nearest {self.round_to}"
            if self.round_to > 1
            else ""
        )
        return (
            f"Counts below {self.below} are hidden (shown as {HIDDEN}){rounding}, so that no "
            "one can be identified from small numbers. Percentages are worked out before "
            "rounding and hidden with either of their counts."
        )

    def count(self, value: int | None) -> int | str | None:
        """A count as it may be shown: hidden, rounded, or ``None`` when there is none."""
        if value is None:
            return None
        if value < self.below:
            return HIDDEN if value > 0 else 0
        return _round_half_up(value, self.round_to)

    def hides(self, value: int | None) -> bool:
        return value is not None and 0 < value < self.below

    def figure(self, row: dict[str, Any]) -> dict[str, Any]:
        """A metric's figure row made safe to show: counts suppressed, the share worked out."""
        denominator, numerator = row.get("denominator"), row.get("numerator")
        shown = dict(row)
        shown["denominator"] = self.count(denominator)
        shown["numerator"] = self.count(numerator)
        share = None
        if denominator and numerator is not None:
            share = round(100 * numerator / denominator)
            if self.hides(denominator) or self.hides(numerator):
                share = HIDDEN
        shown["share"] = share
        small = denominator is None or denominator < max(self.below, 1)
        for name in ("median", "p90", "mean"):
            if shown.get(name) is not None and small:
                shown[name] = HIDDEN
        return shown

    def teams_figure(self, row: dict[str, Any]) -> dict[str, Any]:
        """A figure of teams (the co-production index) made safe to show. Counts of teams,
        reviews and involvements are not about any one person and are shown as they are; the
        open episodes beneath the care component are a count of people's records, shown as
        :meth:`count` shows one, and the care component and the index, which rest on them, are
        hidden when those episodes are fewer than the threshold (but some)."""
        shown = dict(row)
        denominator, numerator = row.get("denominator"), row.get("numerator")
        shown["share"] = (
            round(100 * numerator / denominator) if denominator and numerator is not None else None
        )
        episodes = row.get("episodes")
        shown["episodes"] = self.count(episodes)
        if self.hides(episodes):
            for name in ("mean", "care"):
                if shown.get(name) is not None:
                    shown[name] = HIDDEN
        return shown


NONE = Rule(below=0, round_to=1)


def _round_half_up(value: int, step: int) -> int:
    return ((value + step // 2) // step) * step if step > 1 else value


def site_rule() -> Rule:
    """The rule this site has set, or NHS England's."""
    configured = getattr(settings, "ALONGSIDE_SUPPRESSION", None) or {}
    return Rule(**configured)
