"""A straightforward pandas implementation of five of the pack's headline figures, to time the
DuckDB engine beside: the access measure (NHS contacts), the waiting time to the full clock stop
(referral spells and all), bounces, the did-not-attend rate and the change in outcome measures.

It is written as an analyst would write it with pandas: read the columns it needs from the
extract's Parquet into DataFrames once (``load``), then filter, group and merge them per metric.
Keys are kept exact (pandas' nullable ``Int64``: the extract's keys are 63-bit hashes, which
``float64`` would round); dates become ``datetime64``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from alongside.insights.engines import table_path
from alongside.insights.metrics import (
    IN_SCOPE_TEAM_TYPES,
    SPELL_GAP_DAYS,
    WITHIN_DAYS,
    Period,
)

METRICS = ("access_nhs", "waiting_clock_stop", "bounces", "did_not_attend", "outcome_change")

COLUMNS = {
    "referrals": [
        "referral_key",
        "person_key",
        "received_at",
        "received_on",
        "adult",
        "team_type_code",
        "source_code",
        "accepted",
        "ended_at",
        "bounce",
    ],
    "contacts": [
        "referral_key",
        "contact_key",
        "starts_at",
        "contact_on",
        "direct",
        "attended",
        "assessment",
        "intervention",
        "outcome",
        "provider_type",
    ],
    "scores": [
        "episode_key",
        "referral_key",
        "response_key",
        "measure",
        "score_key",
        "value",
        "completed_at",
    ],
    "episodes": ["referral_key", "first_plan_agreed_on"],
    "measure_rules": ["measure", "score_key", "better", "reliable_change"],
}

Frames = dict[str, pd.DataFrame]


def _exact_ints(arrow_type: pa.DataType) -> object:
    return pd.Int64Dtype() if arrow_type == pa.int64() else None


def load(directory: Path) -> Frames:
    """The tables the five figures read, with only the columns they use."""
    frames = {}
    for name, columns in COLUMNS.items():
        table = pq.read_table(table_path(Path(directory), name), columns=columns)
        frames[name] = table.to_pandas(types_mapper=_exact_ints, date_as_object=False)
    return frames


def _ts(day: object) -> pd.Timestamp:
    return pd.Timestamp(day)


def _row(denominator: int, numerator: int | None = None, **extra: object) -> dict:
    return {"denominator": denominator, "numerator": numerator, **extra}


def access_nhs(t: Frames, period: Period) -> list[dict]:
    r, c = t["referrals"], t["contacts"]
    w = period.twelve_months_to_end()
    counted = c[c.attended & c.direct & c.contact_on.between(_ts(w.start), _ts(w.end))]
    # As the submission carries them: a coded source, no contact after the referral ended.
    carried = r.loc[r.person_key.notna() & (r.source_code != ""), ["referral_key", "ended_at"]]
    counted = counted.merge(carried, on="referral_key")
    counted = counted[counted.ended_at.isna() | (counted.starts_at <= counted.ended_at)]
    per = counted.groupby("referral_key").size()
    two = per.index[per >= 2]
    reached = r[
        r.adult
        & r.person_key.notna()
        & r.team_type_code.isin(IN_SCOPE_TEAM_TYPES)
        & r.referral_key.isin(two)
    ]
    return [_row(int(reached.person_key.nunique()))]


def bounces(t: Frames, period: Period) -> list[dict]:
    r = t["referrals"]
    left = r[~r.accepted & r.ended_at.notna()]
    left = left[left.ended_at.dt.normalize().between(_ts(period.start), _ts(period.end))]
    return [_row(len(left), int(left.bounce.sum()))]


def did_not_attend(t: Frames, period: Period) -> list[dict]:
    c = t["contacts"]
    held = c[
        c.contact_on.between(_ts(period.start), _ts(period.end))
        & c.outcome.isin(["attended", "did_not_attend"])
    ]
    return [_row(len(held), int((held.outcome == "did_not_attend").sum()))]


def outcome_change(t: Frames, period: Period) -> list[dict]:
    s, rules = t["scores"], t["measure_rules"]
    s = s[s.completed_at.dt.normalize() <= _ts(period.end)]
    s = s.sort_values(["episode_key", "measure", "completed_at", "response_key"])
    pairs = (
        s.groupby(["episode_key", "measure"], sort=False)
        .agg(
            first_value=("value", "first"),
            last_value=("value", "last"),
            score_key=("score_key", "last"),
            last_at=("completed_at", "last"),
            responses=("value", "size"),
        )
        .reset_index()
    )
    pairs = pairs[
        (pairs.responses >= 2)
        & pairs.last_at.dt.normalize().between(_ts(period.start), _ts(period.end))
    ]
    both = pairs.merge(rules, on=["measure", "score_key"])
    both["change"] = both.last_value - both.first_value
    better = np.where(both.better == "lower", -both.change, both.change)
    both["num"] = both.reliable_change.notna() & (better >= both.reliable_change)
    out = []
    for measure, group in both.groupby("measure"):
        out.append(_row(len(group), int(group.num.sum()), split=measure, mean=group.change.mean()))
    return out


def waiting_clock_stop(t: Frames, period: Period) -> list[dict]:
    r, c, s, e = t["referrals"], t["contacts"], t["scores"], t["episodes"]
    r = r[
        [
            "referral_key",
            "person_key",
            "received_at",
            "received_on",
            "ended_at",
            "adult",
            "team_type_code",
        ]
    ].copy()
    r = r[r.team_type_code.isin(IN_SCOPE_TEAM_TYPES)]
    r["owner"] = r.person_key.fillna(-r.referral_key)
    r = r.sort_values(["owner", "received_at", "referral_key"], ignore_index=True)
    # Whether each referral opens a spell: none of the person's earlier referrals is open, or
    # ended within the gap, when it arrives.
    open_until = r.ended_at.fillna(pd.Timestamp.max)
    latest_end = open_until.groupby(r.owner).cummax().groupby(r.owner).shift(1)
    gap = pd.Timedelta(days=SPELL_GAP_DAYS)
    starts = latest_end.isna() | (r.received_at - gap > latest_end)
    r["spell"] = r.referral_key.where(starts).ffill()
    member = r[["referral_key", "spell"]]

    firsts = r[starts & r.adult & r.team_type_code.isin(IN_SCOPE_TEAM_TYPES)]
    firsts = firsts[["spell", "received_on"]].set_index("spell")

    seen = c[c.attended].merge(member, on="referral_key")
    direct = seen[seen.direct].sort_values(["spell", "starts_at", "contact_key"])
    second = direct[direct.groupby("spell").cumcount() == 1].set_index("spell").contact_on
    assessed = seen[seen.assessment].groupby("spell").contact_on.min()
    intervened = seen[seen.intervention].groupby("spell").contact_on.min()
    scored = s.merge(member, on="referral_key")
    baseline = scored.completed_at.dt.normalize().groupby(scored.spell).min()
    planned = e[e.first_plan_agreed_on.notna()].merge(member, on="referral_key")
    plan = planned.groupby("spell").first_plan_agreed_on.min()

    spells = firsts.assign(
        second_on=second,
        assessed_on=assessed,
        intervention_on=intervened,
        baseline_on=baseline,
        plan_on=plan,
    )
    care = spells[["plan_on", "intervention_on"]].min(axis=1)
    events = pd.concat([spells.second_on, spells.assessed_on, spells.baseline_on, care], axis=1)
    stop = events.max(axis=1).where(events.notna().all(axis=1))
    done = spells.assign(stop_on=stop)
    done = done[done.stop_on.between(_ts(period.start), _ts(period.end))]
    days = (done.stop_on - done.received_on).dt.days.astype("float64")
    return [
        _row(
            len(days),
            int((days <= WITHIN_DAYS).sum()),
            median=days.quantile(0.5) if len(days) else None,
            p90=days.quantile(0.9) if len(days) else None,
        )
    ]


FUNCTIONS = {
    "access_nhs": access_nhs,
    "waiting_clock_stop": waiting_clock_stop,
    "bounces": bounces,
    "did_not_attend": did_not_attend,
    "outcome_change": outcome_change,
}


def compute(frames: Frames, key: str, period: Period) -> list[dict]:
    return FUNCTIONS[key](frames, period)
