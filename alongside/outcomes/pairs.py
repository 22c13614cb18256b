"""Paired scores for the metrics engine: per episode and change score, the first and the latest
current score, the change between them and whether it is reliable — as NHS England's community
PROMs analysis pairs them (first and latest per referral; an episode here is opened by exactly
one accepted referral).

Only scores marked ``in_change`` count (DIALOG's treatment items are experience items and are
left out), and only ``current`` ones (a corrected response is replaced by its correction).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from alongside.outcomes import registry
from alongside.outcomes.engine import Change, ScoreRule, reliable_change
from alongside.outcomes.models import Score


@dataclass(frozen=True)
class Pair:
    episode_id: int
    person_id: int
    measure: str
    key: str
    first: Decimal
    first_at: dt.datetime
    latest: Decimal
    latest_at: dt.datetime
    reliable: str

    @property
    def change(self) -> Decimal:
        return self.latest - self.first


def _rules() -> dict[tuple[str, str], ScoreRule]:
    return {
        (measure.name, rule.id): rule
        for _, measure in registry.usable()
        for rule in measure.change_scores
    }


def pairs(
    scores: QuerySet[Score] | None = None, *, episode_ids: Iterable[int] | None = None
) -> list[Pair]:
    """Every first-and-latest pair among ``scores`` (all current change scores by default),
    in one statement. An episode with a single score for a measure has no pair."""
    base = (scores if scores is not None else Score.objects.all()).filter(
        current=True, in_change=True
    )
    if episode_ids is not None:
        base = base.filter(episode_id__in=list(episode_ids))
    group = [F("episode_id"), F("measure"), F("key")]
    rows = (
        base.annotate(
            from_first=Window(
                RowNumber(), partition_by=group, order_by=[F("completed_at"), F("id")]
            ),
            from_latest=Window(
                RowNumber(),
                partition_by=group,
                order_by=[F("completed_at").desc(), F("id").desc()],
            ),
        )
        .values(
            "episode_id",
            "person_id",
            "measure",
            "key",
            "value",
            "completed_at",
            "from_first",
            "from_latest",
        )
        .order_by()
    )
    ends: dict[tuple[int, str, str], dict[str, dict]] = {}
    for row in rows.filter(Q(from_first=1) | Q(from_latest=1)):
        if row["from_first"] == 1 and row["from_latest"] == 1:
            continue  # one score only: nothing to pair
        slot = "first" if row["from_first"] == 1 else "latest"
        ends.setdefault((row["episode_id"], row["measure"], row["key"]), {})[slot] = row
    rules = _rules()
    found = []
    for (episode_id, measure, key), end in sorted(ends.items()):
        first, latest = end["first"], end["latest"]
        rule = rules.get((measure, key))
        found.append(
            Pair(
                episode_id=episode_id,
                person_id=first["person_id"],
                measure=measure,
                key=key,
                first=first["value"],
                first_at=first["completed_at"],
                latest=latest["value"],
                latest_at=latest["completed_at"],
                reliable=reliable_change(rule, first["value"], latest["value"])
                if rule
                else Change.NOT_ASSESSED,
            )
        )
    return found


@dataclass(frozen=True)
class Summary:
    measure: str
    key: str
    paired: int
    improved: int
    deteriorated: int
    no_reliable_change: int
    mean_change: Decimal


def summarise(found: Iterable[Pair]) -> list[Summary]:
    """Per measure and score: how many pairs, and how many reliably improved or deteriorated."""
    groups: dict[tuple[str, str], list[Pair]] = {}
    for pair in found:
        groups.setdefault((pair.measure, pair.key), []).append(pair)
    summaries = []
    for (measure, key), group in sorted(groups.items()):
        counts = Counter(p.reliable for p in group)
        summaries.append(
            Summary(
                measure=measure,
                key=key,
                paired=len(group),
                improved=counts[Change.IMPROVED],
                deteriorated=counts[Change.DETERIORATED],
                no_reliable_change=counts[Change.NO_RELIABLE_CHANGE],
                mean_change=(sum((p.change for p in group), Decimal(0)) / len(group)).quantize(
                    Decimal("0.01")
                ),
            )
        )
    return summaries
