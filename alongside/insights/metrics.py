"""The metric definitions, written once.

Each metric builds a table of *units* — the people, referrals, spells, episodes, contacts, key
workers or teams it counts, one row each, already limited to its denominator — from the analysis
tables in ``schema``. Every unit carries the groups a metric breaks down by (from its referral and
the person; a team's from the team, in each locality it serves), ``num`` (whether it is in the
numerator) and, for distributions and means, ``value``. One aggregation turns units into
figures, overall or per group, so a breakdown can never be defined differently from the
headline; a metric may give further figures from its units beside its own (``Also``).
``docs/metrics.md`` documents each definition and is checked against the ``Metric`` entries
here by a test.

All dates are days in England; a period is a run of whole days, both ends included.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import ibis
import ibis.expr.types as ir

from alongside.insights.engines import Engine, Row
from alongside.insights.schema import DIMENSIONS, NOT_KNOWN

Tables = dict[str, ir.Table]

#: MHSDS team types in scope for the adult community mental health measures: NHS England's core
#: community teams, with early intervention in psychosis (A14) and individual placement and
#: support (D05) from April 2023 (``menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py``
#: lines 199-200: month 1476 is March 2023). C03 is not a team type Alongside exports.
IN_SCOPE_TEAM_TYPES = ("A05", "A06", "A08", "A09", "A12", "A13", "A16", "C10", "A14", "D05")
IN_SCOPE_BEFORE_APRIL_2023 = IN_SCOPE_TEAM_TYPES[:-2]
FIRST_MONTH_WITH_A14_D05 = dt.date(2023, 4, 1)
#: NHS England's waiting-time work counts referrals received from April 2019 (``cmh_prep.py``
#: line 365).
FIRST_RECEIVED_FOR_WAITS = dt.date(2019, 4, 1)
#: Referrals open together, or one opening within this many days of the last closing, are one
#: referral spell.
SPELL_GAP_DAYS = 5
WITHIN_DAYS = 28
#: The waiting bands NHS England reports, as (up to and including this many days, label).
WAIT_BANDS: tuple[tuple[int | None, str], ...] = (
    (6, "Under 1 week"),
    (13, "1 to 2 weeks"),
    (28, "2 to 4 weeks"),
    (84, "4 to 12 weeks"),
    (None, "Over 12 weeks"),
)
INTENSITIES = ("low", "medium", "high")
_FAR_FUTURE = dt.datetime(2999, 12, 31)


@dataclass(frozen=True)
class Period:
    """Whole days from ``start`` to ``end``, both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("The period ends before it starts.")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        last = calendar.monthrange(year, month)[1]
        return cls(dt.date(year, month, 1), dt.date(year, month, last))

    @classmethod
    def parse_month(cls, text: str) -> Period:
        """``YYYY-MM`` as the whole month; a clear ``ValueError`` otherwise."""
        try:
            year, month = (int(part) for part in text.strip().split("-"))
            return cls.month(year, month)
        except (ValueError, calendar.IllegalMonthError):
            raise ValueError(
                f"'{text}' is not a month: write it as YYYY-MM, e.g. 2026-10"
            ) from None

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period."""
        out: list[Period] = []
        year, month = self.start.year, self.start.month
        while dt.date(year, month, 1) <= self.end:
            whole = Period.month(year, month)
            out.append(Period(max(whole.start, self.start), min(whole.end, self.end)))
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    @property
    def label(self) -> str:
        whole = Period.month(self.start.year, self.start.month)
        if whole == self:
            return self.start.strftime("%B %Y")
        return f"{self.start:%-d %b %Y} to {self.end:%-d %b %Y}"

    def months_to_end(self, count: int) -> Period:
        """The ``count`` calendar months ending with the month this period ends in (cut at the
        period's end)."""
        year, month = self.end.year, self.end.month - (count - 1)
        while month < 1:
            year, month = year - 1, month + 12
        return Period(dt.date(year, month, 1), self.end)

    def twelve_months_to_end(self) -> Period:
        """The rolling window NHS England's access measure uses (MHS108): the 12 calendar months
        ending with the month this period ends in (``mhsds_functions.py`` line 223)."""
        return self.months_to_end(12)

    def quarter_to_end(self) -> Period:
        """The rolling quarter NHS England's interim waiting-time measures use (MHS124-126):
        the three calendar months ending with the month this period ends in."""
        return self.months_to_end(3)


Kind = Literal["count", "share", "distribution", "mean"]


@dataclass(frozen=True)
class Also:
    """A further figure a metric gives beside its own, from one column of its units: the mean
    of the values present (``mean``), how many units have a value (``known``), or their sum
    (``sum``)."""

    name: str
    how: Literal["mean", "known", "sum"]
    column: str
    label: str


#: Each metric unit with one of it: "1 person", "1 team" (never "1 teams").
SINGULAR_UNITS = {
    "contacts": "contact",
    "episodes": "episode",
    "episodes with paired scores": "episode with paired scores",
    "key workers": "key worker",
    "people": "person",
    "plan reviews due": "plan review due",
    "practitioners": "practitioner",
    "referral spells": "referral spell",
    "referrals": "referral",
    "supervisors": "supervisor",
    "teams": "team",
}


@dataclass(frozen=True)
class Metric:
    key: str
    group: str
    title: str
    kind: Kind
    unit: str
    purpose: str
    numerator: str
    denominator: str
    period: str
    exclusions: str
    sources: tuple[str, ...]
    build: Callable[[Tables, Period], ir.Table] = field(repr=False)
    #: Count distinct people rather than units (a person counted once however many referrals).
    people: bool = False
    #: The standard dimensions this metric can be broken down by.
    dimensions: tuple[str, ...] = tuple(DIMENSIONS)
    #: Breakdowns that only this metric has (a column of its units), with their headings.
    own_dimensions: tuple[tuple[str, str], ...] = ()
    #: A column the figures are always split by (e.g. the outcome measure).
    split_by: str | None = None
    value_label: str = ""
    #: A short heading for the numerator's column.
    numerator_label: str = "Counted"
    #: Higher is better (True), lower is better (False), or neither (None).
    higher_is_better: bool | None = None
    #: Its units are teams, not people's records: a unit carries its team's key, organisation
    #: and provider type, and belongs to each locality the team serves (``team_localities``).
    team_units: bool = False
    #: Further figures beside the metric's own (each in every row of its figures).
    also: tuple[Also, ...] = ()
    #: For a metric that claims NHS England's definition: the measure ids and the lines of NHS
    #: England's code (``NHSDigital/mental-health-monthly-statistics``) it follows. Empty for
    #: Alongside's own measures.
    nhse: str = ""

    def units(self, shown: str) -> str:
        """The unit after a figure as it is shown: "1 team", "12 teams", "* teams"."""
        return SINGULAR_UNITS[self.unit] if shown == "1" else self.unit

    @property
    def figure_names(self) -> tuple[str, ...]:
        return (*FIGURES, *(a.name for a in self.also))

    @property
    def breakdowns(self) -> dict[str, str]:
        return {
            **{d: DIMENSIONS[d] for d in self.dimensions},
            **dict(self.own_dimensions),
        }


# --- building blocks -----------------------------------------------------------------------------


def _day(value: dt.date) -> ir.DateScalar:
    return ibis.date(value.isoformat())


def _in(column: ir.DateValue, period: Period) -> ir.BooleanValue:
    return (column >= _day(period.start)) & (column <= _day(period.end))


def _days_between(later: ir.DateValue, earlier: ir.DateValue) -> ir.IntegerValue:
    return later.delta(earlier, unit="day")


def _plus_days(day: ir.DateValue, days: int) -> ir.DateValue:
    return (day + ibis.interval(days=days)).cast("date")


def in_scope_team_types(period: Period) -> tuple[str, ...]:
    """The team types in scope for a figure for ``period``, as NHS England decides by the
    reporting month (the month the period ends in)."""
    return (
        IN_SCOPE_TEAM_TYPES
        if period.end >= FIRST_MONTH_WITH_A14_D05
        else IN_SCOPE_BEFORE_APRIL_2023
    )


def _in_scope(r: ir.Table, period: Period) -> ir.BooleanValue:
    return r.team_type_code.isin(in_scope_team_types(period))


def submitted_contacts(t: Tables) -> ir.Table:
    """Attended direct contacts as NHS England receives them in our MHSDS submission: on a
    referral that the submission carries (matched to a person, with a source of referral code)
    and not dated after that referral ended (the export flags those as records NHS England
    would reject). Each keeps its referral's team type, whoever held the contact: NHS England
    counts every attended direct contact on an in-scope referral, whatever team or organisation
    made it (``cmh_prep.py`` lines 217-235 and 240-257 join contacts to referrals by
    ``UniqServReqID`` alone)."""
    r, c = t["referrals"], t["contacts"]
    carried = r.filter(r.person_key.notnull(), r.source_code != "").select(
        "referral_key", "ended_at", "received_on", "adult", ref_team_type=r.team_type_code
    )
    direct = c.filter(c.attended, c.direct).inner_join(carried, "referral_key")
    return direct.filter(direct.ended_at.isnull() | (direct.starts_at <= direct.ended_at))


def _flag(condition: ir.BooleanValue) -> ir.IntegerValue:
    """1 where the condition holds, else 0 (and 0 for unknown)."""
    return ibis.ifelse(condition.fill_null(False), 1, 0).cast("int64")


def with_groups(units: ir.Table, t: Tables, needed: Iterable[str] | None = None) -> ir.Table:
    """Units with the grouping columns ``needed`` (all of them when ``None``): the person's and
    referral's groups from ``referrals``; the team, organisation and provider type from the units
    themselves when they have their own (a contact's team, an episode's lead team), otherwise
    from the referral. Nothing is joined for a headline figure with no filter."""
    r = t["referrals"]
    teams = t["teams"]
    own = set(units.columns)
    wanted_all = [*DIMENSIONS, "team_key", "organisation_key", "person_key"]
    asked = set(wanted_all if needed is None else needed)
    wanted = [c for c in wanted_all if c in asked and c not in own]
    if "organisation_key" in wanted and "team_key" in own:
        wanted.remove("organisation_key")
        org = teams.select("team_key", "organisation_key")
        units = units.left_join(org, "team_key").select(*units.columns, "organisation_key")
    if wanted:
        lookup = r.select("referral_key", *wanted)
        units = units.left_join(lookup, "referral_key").select(*units.columns, *wanted)
    return units


def _wait_band(days: ir.IntegerValue) -> ir.StringValue:
    case = ibis.cases(
        *[(days <= limit, label) for limit, label in WAIT_BANDS if limit is not None],
        else_=WAIT_BANDS[-1][1],
    )
    return case


# --- access --------------------------------------------------------------------------------------


def _two_or_more(contacts: ir.Table) -> ir.Table:
    per = contacts.group_by("referral_key").aggregate(contacts=contacts.count())
    return per.filter(per.contacts >= 2).select("referral_key")


def access_nhs(t: Tables, period: Period) -> ir.Table:
    """MHS108: people with a referral to an in-scope team that has 2 or more attended direct
    contacts in the 12 months, counted from our submission as NHS England counts it."""
    r = t["referrals"]
    window = period.twelve_months_to_end()
    contacts = submitted_contacts(t)
    contacts = contacts.filter(_in(contacts.contact_on, window))
    referrals = r.filter(r.adult, r.person_key.notnull(), _in_scope(r, period))
    units = referrals.semi_join(_two_or_more(contacts), "referral_key")
    return units.mutate(num=ibis.literal(1, "int64"))


def access_with_vcse(t: Tables, period: Period) -> ir.Table:
    """Ours: the same count over referrals to in-scope teams or held by a VCSE team, counting
    every attended direct contact on them (whether or not the submission carries it)."""
    r, c = t["referrals"], t["contacts"]
    window = period.twelve_months_to_end()
    referrals = r.filter(
        r.adult, r.person_key.notnull(), _in_scope(r, period) | (r.provider_type == "VCSE")
    )
    contacts = c.filter(c.attended, c.direct, _in(c.contact_on, window))
    units = referrals.semi_join(_two_or_more(contacts), "referral_key")
    return units.mutate(num=ibis.literal(1, "int64"))


def second_contact_wait_nhse(t: Tables, period: Period) -> ir.Table:
    """MHS124-126: referrals to in-scope teams whose second attended direct contact came in the
    rolling quarter, with the days from referral to it (``cmh_prep.py`` lines 210-213, 303-367:
    contacts in the order date, time, id across every month submitted; the referral received
    from April 2019)."""
    r = t["referrals"]
    contacts = submitted_contacts(t)
    order = ibis.window(
        group_by=[contacts.referral_key], order_by=[contacts.starts_at, contacts.contact_key]
    )
    ranked = contacts.mutate(rank=ibis.row_number().over(order))
    second = ranked.filter(ranked.rank == 1).select("referral_key", second_on=ranked.contact_on)
    referrals = r.filter(
        r.adult,
        r.person_key.notnull(),
        _in_scope(r, period),
        r.received_on >= _day(FIRST_RECEIVED_FOR_WAITS),
    )
    joined = referrals.inner_join(second, "referral_key")
    joined = joined.filter(_in(joined.second_on, period.quarter_to_end()))
    days = _days_between(joined.second_on, joined.received_on)
    return joined.select(
        "referral_key",
        value=days.cast("float64"),
        num=_flag(days <= WITHIN_DAYS),
        wait_band=_wait_band(days),
    )


# --- waiting times -------------------------------------------------------------------------------


def spells(t: Tables) -> ir.Table:
    """One row per referral spell: its first referral (which carries the spell's groups), when
    the clock started and, if it has, when it stopped; when the spell ended, if every referral
    in it has.

    A person's referrals, in the order received, join the spell before them when they arrive
    while a referral of it is open or within ``SPELL_GAP_DAYS`` of the last one closing. A
    referral not yet matched to a person is a spell of its own. The full clock stop is the day
    the last of these is first met on any referral of the spell: a second attended direct
    contact; an attended assessment; a baseline outcome measure; and an agreed care plan or an
    attended intervention, whichever comes first.
    """
    r, c, s, e = t["referrals"], t["contacts"], t["scores"], t["episodes"]
    r = r.filter(r.team_type_code.isin(IN_SCOPE_TEAM_TYPES))
    owner = r.person_key.fill_null(-r.referral_key)
    base = r.mutate(owner=owner, open_until=r.ended_at.fill_null(ibis.timestamp(_FAR_FUTURE)))
    before = ibis.window(
        group_by=[base.owner], order_by=[base.received_at, base.referral_key], rows=(None, -1)
    )
    base = base.mutate(latest_end=base.open_until.max().over(before))
    gap = ibis.interval(days=SPELL_GAP_DAYS)
    base = base.mutate(
        starts_spell=_flag(base.latest_end.isnull() | (base.received_at > base.latest_end + gap))
    )
    upto = ibis.window(
        group_by=[base.owner], order_by=[base.received_at, base.referral_key], rows=(None, 0)
    )
    base = base.mutate(spell_no=base.starts_spell.sum().over(upto))
    members = base.select("referral_key", "owner", "spell_no")
    key = ["owner", "spell_no"]

    firsts = base.filter(base.starts_spell == 1).select(
        "owner", "spell_no", "referral_key", "received_on", "adult", "team_type_code"
    )
    span = base.group_by(key).aggregate(
        still_open=_flag(base.ended_at.isnull()).max(),
        last_end=base.ended_at.max(),
    )

    attended = c.filter(c.attended).inner_join(members, "referral_key")
    direct = attended.filter(attended.direct)
    order = ibis.window(
        group_by=[direct.owner, direct.spell_no], order_by=[direct.starts_at, direct.contact_key]
    )
    ranked = direct.mutate(rank=ibis.row_number().over(order))
    second = ranked.filter(ranked.rank == 1).select(*key, second_contact_on=ranked.contact_on)
    coded = attended.group_by(key).aggregate(
        assessed_on=attended.contact_on.min(where=attended.assessment),
        intervention_on=attended.contact_on.min(where=attended.intervention),
    )
    scored = s.inner_join(members, "referral_key")
    baseline = scored.group_by(key).aggregate(baseline_on=scored.completed_at.min().date())
    planned = e.filter(e.first_plan_agreed_on.notnull()).inner_join(members, "referral_key")
    plan = planned.group_by(key).aggregate(plan_on=planned.first_plan_agreed_on.min())

    out = firsts.left_join(span, key).select(firsts, "still_open", "last_end")
    for events in (second, coded, baseline, plan):
        extra = [col for col in events.columns if col not in key]
        out = out.left_join(events, key).select(*out.columns, *extra)
    care = ibis.least(
        out.plan_on.fill_null(out.intervention_on), out.intervention_on.fill_null(out.plan_on)
    )
    complete = (
        out.second_contact_on.notnull()
        & out.assessed_on.notnull()
        & out.baseline_on.notnull()
        & care.notnull()
    )
    stop = ibis.greatest(out.second_contact_on, out.assessed_on, out.baseline_on, care)
    return out.mutate(
        clock_stop_on=ibis.ifelse(complete, stop, ibis.null("date")),
        ended_on=ibis.ifelse(out.still_open == 1, ibis.null("date"), out.last_end.date()),
    )


def _scoped_spells(t: Tables) -> ir.Table:
    sp = spells(t)
    return sp.filter(sp.adult)


def _stopped(t: Tables, period: Period, stop_column: str) -> ir.Table:
    sp = _scoped_spells(t)
    stop = sp[stop_column]
    done = sp.filter(_in(stop, period))
    days = _days_between(done[stop_column], done.received_on)
    return done.select(
        "referral_key",
        value=days.cast("float64"),
        num=_flag(days <= WITHIN_DAYS),
        wait_band=_wait_band(days),
    )


def waiting_clock_stop(t: Tables, period: Period) -> ir.Table:
    return _stopped(t, period, "clock_stop_on")


def waiting_second_contact(t: Tables, period: Period) -> ir.Table:
    return _stopped(t, period, "second_contact_on")


def still_waiting(t: Tables, period: Period) -> ir.Table:
    sp = _scoped_spells(t)
    end = _day(period.end)
    waiting = sp.filter(
        sp.received_on <= end,
        sp.ended_on.isnull() | (sp.ended_on > end),
        sp.clock_stop_on.isnull() | (sp.clock_stop_on > end),
    )
    days = _days_between(end, waiting.received_on)
    return waiting.select(
        "referral_key",
        value=days.cast("float64"),
        num=_flag(days > WITHIN_DAYS),
        wait_band=_wait_band(days),
    )


# --- no wrong door -------------------------------------------------------------------------------


def bounces(t: Tables, period: Period) -> ir.Table:
    r = t["referrals"]
    left = r.filter(~r.accepted, r.ended_at.notnull())
    left = left.filter(_in(left.ended_at.date(), period))
    return left.mutate(num=_flag(left.bounce))


def warm_handovers(t: Tables, period: Period) -> ir.Table:
    r = t["referrals"]
    passed = r.filter(r.signposted, r.ended_at.notnull())
    passed = passed.filter(_in(passed.ended_at.date(), period))
    return passed.mutate(num=_flag(passed.handover_connected))


def self_referrals(t: Tables, period: Period) -> ir.Table:
    r = t["referrals"]
    received = r.filter(_in(r.received_on, period))
    return received.mutate(num=_flag(received.self_referral))


# --- care -----------------------------------------------------------------------------------------


def plan_within_four_weeks(t: Tables, period: Period) -> ir.Table:
    e = t["episodes"]
    started = e.started_at.date()
    due = e.mutate(due_on=_plus_days(started, WITHIN_DAYS), started_on=started)
    due = due.filter(_in(due.due_on, period))
    agreed = due.first_plan_agreed_on.notnull() & (due.first_plan_agreed_on <= due.due_on)
    return due.select(
        "referral_key",
        "person_key",
        "team_key",
        "organisation_key",
        "provider_type",
        num=_flag(agreed),
    )


def plans_reviewed_on_time(t: Tables, period: Period) -> ir.Table:
    v, e = t["plan_versions"], t["episodes"]
    nxt = v.view()
    following = nxt.select(
        episode_key=nxt.episode_key, number=nxt.number - 1, next_written_on=nxt.created_at.date()
    )
    due = v.filter(v.review_on.notnull(), _in(v.review_on, period))
    due = due.left_join(following, ["episode_key", "number"]).select(
        due.episode_key, due.review_on, "next_written_on"
    )
    episodes = e.select(
        "episode_key",
        "referral_key",
        "person_key",
        "team_key",
        "organisation_key",
        "provider_type",
        "ended_at",
    )
    due = due.inner_join(episodes, "episode_key")
    due = due.filter(due.ended_at.isnull() | (due.ended_at.date() >= due.review_on))
    on_time = due.next_written_on.notnull() & (due.next_written_on <= due.review_on)
    return due.select(
        "referral_key",
        "person_key",
        "team_key",
        "organisation_key",
        "provider_type",
        num=_flag(on_time),
    )


def did_not_attend(t: Tables, period: Period) -> ir.Table:
    c = t["contacts"]
    held = c.filter(_in(c.contact_on, period), c.outcome.isin(("attended", "did_not_attend")))
    return held.select(
        "referral_key",
        "person_key",
        "team_key",
        "provider_type",
        num=_flag(held.outcome == "did_not_attend"),
    )


def _open_at_end(t: Tables, period: Period) -> ir.Table:
    e = t["episodes"]
    end = _day(period.end)
    return e.filter(e.started_at.date() <= end, e.ended_at.isnull() | (e.ended_at.date() > end))


def open_episodes(t: Tables, period: Period) -> ir.Table:
    open_ = _open_at_end(t, period)
    i = t["intensity"]
    upto = i.filter(i.changed_at.date() <= _day(period.end))
    latest = ibis.window(group_by=upto.episode_key, order_by=[ibis.desc(upto.changed_at)])
    ranked = upto.mutate(rank=ibis.row_number().over(latest))
    now = ranked.filter(ranked.rank == 0).select("episode_key", "intensity")
    units = open_.left_join(now, "episode_key").select(
        open_.referral_key,
        open_.person_key,
        open_.team_key,
        open_.organisation_key,
        open_.provider_type,
        intensity=now.intensity.fill_null("medium"),
    )
    return units.mutate(num=_flag(units.intensity == "high"))


def caseload_size(t: Tables, period: Period) -> ir.Table:
    """One unit per key worker and lead team: the open episodes they hold for that team."""
    open_ = _open_at_end(t, period)
    a = t["allocations"]
    end = _day(period.end)
    current = a.filter(a.started_at.date() <= end, a.ended_at.isnull() | (a.ended_at.date() > end))
    held = current.inner_join(open_, "episode_key")
    per = held.group_by(
        ["key_worker_key", "team_key", "organisation_key", "provider_type"]
    ).aggregate(value=held.count().cast("float64"))
    return per.mutate(referral_key=ibis.null("int64"), num=_flag(per.value > 30))


# --- outcomes ------------------------------------------------------------------------------------


def _responses_per_measure(t: Tables, upto: dt.date) -> ir.Table:
    s = t["scores"]
    return s.filter(s.completed_at.date() <= _day(upto))


def paired_outcomes(t: Tables, period: Period) -> ir.Table:
    e = t["episodes"]
    ended = e.filter(e.ended_at.notnull())
    ended = ended.filter(_in(ended.ended_at.date(), period))
    s = _responses_per_measure(t, period.end)
    per = s.group_by(["episode_key", "measure"]).aggregate(responses=s.response_key.nunique())
    paired = per.filter(per.responses >= 2).select("episode_key").distinct()
    flagged = ended.left_join(paired.mutate(paired=ibis.literal(1, "int64")), "episode_key")
    return flagged.select(
        ended.referral_key,
        ended.person_key,
        ended.team_key,
        ended.organisation_key,
        ended.provider_type,
        num=flagged.paired.fill_null(0),
    )


def outcome_change(t: Tables, period: Period) -> ir.Table:
    s = _responses_per_measure(t, period.end)
    rules = t["measure_rules"]
    pair = ["episode_key", "measure"]
    first_w = ibis.window(
        group_by=[s.episode_key, s.measure], order_by=[s.completed_at, s.response_key]
    )
    last_w = ibis.window(
        group_by=[s.episode_key, s.measure],
        order_by=[ibis.desc(s.completed_at), ibis.desc(s.response_key)],
    )
    ranked = s.mutate(
        first_rank=ibis.row_number().over(first_w),
        last_rank=ibis.row_number().over(last_w),
        responses=s.response_key.count().over(group_by=[s.episode_key, s.measure]),
    )
    first = ranked.filter(ranked.first_rank == 0).select(*pair, first_value=ranked.value)
    last = ranked.filter(ranked.last_rank == 0, ranked.responses >= 2)
    last = last.filter(_in(last.completed_at.date(), period))
    both = last.inner_join(first, pair).select(
        last.referral_key,
        last.person_key,
        last.measure,
        last.score_key,
        change=last.value - first.first_value,
    )
    both = both.inner_join(rules, ["measure", "score_key"]).select(
        both, rules.better, rules.reliable_change
    )
    toward_better = ibis.ifelse(both.better == "lower", -both.change, both.change)
    improved = both.reliable_change.notnull() & (toward_better >= both.reliable_change)
    return both.select(
        "referral_key", "person_key", "measure", value=both.change, num=_flag(improved)
    )


# --- supervision ---------------------------------------------------------------------------------


def _supervision_units(t: Tables, period: Period, *, meta: bool) -> ir.Table:
    """One unit per member of staff with an agreement current on the period's last day.

    Each term of each such agreement (a kind of supervision, at most ``every_weeks`` apart)
    runs from the later of the agreement's start and the latest session of that kind with that
    supervisor the supervisee attended by the period's end; it is overdue by however many days
    more than ``every_weeks`` × 7 that is before the period's end. A person is covered when
    none of their terms is overdue; their value is the days overdue of their most overdue term.
    """
    terms, attended = t["supervision_terms"], t["supervision_attendance"]
    end = _day(period.end)
    current = terms.filter(terms.starts_on <= end, terms.ends_on.isnull() | (terms.ends_on >= end))
    if meta:
        current = current.filter(current.kind == "meta", current.supervisee_is_supervisor)
    pair = ["supervisee_key", "supervisor_key", "kind"]
    held = attended.filter(attended.held_on <= end)
    last = held.group_by(pair).aggregate(last_held_on=held.held_on.max())
    due = current.left_join(last, pair).select(*current.columns, "last_held_on")
    since = ibis.greatest(due.starts_on, due.last_held_on.fill_null(due.starts_on))
    due = due.mutate(overdue=_days_between(end, since) - due.every_weeks * 7)
    person = ["supervisee_key", "team_key", "organisation_key", "provider_type"]
    per = due.group_by(person).aggregate(overdue=due.overdue.max())
    covered = per.overdue <= 0
    return per.select(
        *person,
        referral_key=ibis.null("int64"),
        num=_flag(covered),
        value=ibis.ifelse(covered, ibis.null("float64"), per.overdue.cast("float64")),
    )


def supervision_coverage(t: Tables, period: Period) -> ir.Table:
    return _supervision_units(t, period, meta=False)


def meta_supervision_coverage(t: Tables, period: Period) -> ir.Table:
    return _supervision_units(t, period, meta=True)


# --- co-production --------------------------------------------------------------------------------

#: Reviews and involvements count in the calendar months ending with the evaluated day's month.
COPRODUCTION_WINDOW_MONTHS = 3
#: An episode is expected to have an agreed plan once it has been open this long (days).
PLAN_DUE_DAYS = 28
#: CollaboRATE's name among the outcome measures.
COLLABORATE = "collaborate"


@dataclass(frozen=True)
class Signal:
    """One of the six signals of the person's voice in their care (``coproduction.signals``)."""

    key: str
    title: str
    counted: str
    shown: str


CARE_SIGNALS: tuple[Signal, ...] = (
    Signal(
        "plan_agreed",
        "Plan agreed by the person",
        f"each episode open {PLAN_DUE_DAYS} days or more on the day",
        "its plan's latest version written by the day was agreed by the person by the day "
        "(an episode without a plan counts, as not agreed)",
    ),
    Signal(
        "sections_with_person",
        "Plan sections written by or with the person",
        "each section (and the actions) of that latest version whose author was recorded",
        "the person wrote it, or it was written together",
    ),
    Signal(
        "goals_own_words",
        "Goals in the person's own words",
        "each goal set by the day and not ended by its end, whose wording was recorded",
        "it is in the person's own words (not 'together', not the practitioner's)",
    ),
    Signal(
        "present_at_decisions",
        "Person present when decisions were made",
        "each plan version written by the day, and each locality meeting decision about the "
        "episode at a meeting that began by the day, where whether the person took part was "
        "recorded",
        "they took part",
    ),
    Signal(
        "preferences_honoured",
        "Contacts that kept to the person's stated preferences",
        "each attended contact by the day, from when the person last stated their contact "
        "preferences (before the day's end)",
        "the contact kept to every preference stated: its mode, its time of day in England "
        "(before 12 noon morning, 12 noon to 5pm afternoon, from 5pm evening) and no one else "
        "joining when the person said no",
    ),
    Signal(
        "collaborate_top",
        "CollaboRATE top score (shared decision-making)",
        "each completed CollaboRATE response by the day, with current scores",
        "it got the top score (every answer 9)",
    ),
)


@dataclass(frozen=True)
class Component:
    """A component of the co-production index, with its weight and what happens when it is
    missing."""

    key: str
    title: str
    weight: float
    what: str
    missing: str


COMPONENTS: tuple[Component, ...] = (
    Component(
        "care",
        "The person's voice in their care",
        0.4,
        "The six signals below for the episodes the team leads that were open at some point of "
        "the day, each pooled over the team (shown over counted, not an average of episodes); "
        "the component is the mean of the shares of the signals with anything counted.",
        "Missing when no signal has anything counted (nothing recorded, or no open episodes). "
        "Something not recorded is left out of a signal, never counted against the team.",
    ),
    Component(
        "review",
        "Experts by experience's rating of the team",
        0.4,
        "The team's latest co-production review held in the window that experts by experience "
        "rated: the mean of their ratings of the six core characteristics (1 to 5), as "
        "(mean − 1) ÷ 4. If two such reviews were held on that day, their ratings are pooled.",
        "Missing when the team has no review with experts' ratings in the window. Staff ratings "
        "are not in the index: the index is about what people with lived experience see, and "
        "staff mostly see more co-production than experts do; the co-production pages show "
        "both and the gap.",
    ),
    Component(
        "involvement",
        "Experts by experience's involvement, and what changed",
        0.2,
        "Of the involvements of experts by experience in the team's work in the window, the "
        "share with what changed because of them recorded by the day ('you said, we did').",
        "Never missing: a team whose work no expert by experience took part in during the "
        "window scores 0.",
    ),
)
COMPONENT_WEIGHTS = {c.key: c.weight for c in COMPONENTS}


def coproduction_window(day: dt.date) -> Period:
    """The ``COPRODUCTION_WINDOW_MONTHS`` calendar months ending with ``day``'s month, to
    ``day``."""
    year, month = day.year, day.month - (COPRODUCTION_WINDOW_MONTHS - 1)
    if month < 1:
        year, month = year - 1, month + 12
    return Period(dt.date(year, month, 1), day)


def _voice_items(t: Tables, open_: ir.Table, day: dt.date, end: ir.TimestampScalar) -> ir.Table:
    """Everything the six signals count for the episodes ``open_`` on ``day``, by its end: one
    row per episode and signal (or plan version and signal), with how many were counted and how
    many show the person's voice."""
    v = t["plan_versions"]

    def item(table: ir.Table, signal: str, shown: ir.Value, counted: ir.Value) -> ir.Table:
        return table.select(
            "episode_key",
            signal=ibis.literal(signal, "string"),
            shown=shown.cast("int64"),
            counted=counted.cast("int64"),
        )

    one = ibis.literal(1, "int64")
    written = v.filter(v.created_at < end)
    latest_no = written.group_by("episode_key").aggregate(number=written.number.max())
    latest = written.semi_join(latest_no, ["episode_key", "number"])
    due = open_.filter(_days_between(_day(day), open_.started_at.date()) >= PLAN_DUE_DAYS)
    due = due.left_join(latest, "episode_key").select(due.episode_key, latest.agreed_on)
    agreed = due.agreed_on.notnull() & (due.agreed_on <= _day(day))

    present = written.filter(written.person_present.notnull())
    m = t["meeting_decisions"]
    decided = m.filter(m.meeting_at < end, m.person_present.notnull())
    g = t["goals"]
    goals = g.filter(
        g.created_at < end, g.ended_at.isnull() | (g.ended_at >= end), g.worded_by != ""
    )
    p = t["preference_checks"]
    checks = p.filter(p.starts_at < end, p.preferences_stated_at < end)
    c = t["collaborate"]
    answers = c.filter(c.completed_at < end, c.top.notnull())
    return ibis.union(
        item(due, "plan_agreed", _flag(agreed), one),
        item(latest, "sections_with_person", latest.sections_with_person, latest.sections_recorded),
        item(present, "present_at_decisions", _flag(present.person_present), one),
        item(decided, "present_at_decisions", _flag(decided.person_present), one),
        item(goals, "goals_own_words", _flag(goals.worded_by == "person"), one),
        item(checks, "preferences_honoured", _flag(checks.honoured), one),
        item(answers, "collaborate_top", _flag(answers.top), one),
        distinct=False,
    )


def _day_bounds(day: dt.date) -> tuple[ir.TimestampScalar, ir.TimestampScalar]:
    start = ibis.timestamp(dt.datetime.combine(day, dt.time.min))
    end = ibis.timestamp(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return start, end


def _open_on(t: Tables, day: dt.date) -> ir.Table:
    """Episodes open at some point of ``day``: their key, lead team and start."""
    start, end = _day_bounds(day)
    e = t["episodes"]
    open_ = e.filter(e.started_at < end, e.ended_at.isnull() | (e.ended_at >= start))
    return open_.select("episode_key", "team_key", "started_at")


def voice_counts(t: Tables, period: Period) -> ir.Table:
    """Each lead team's six signals on the period's last day, pooled over its episodes open
    then: ``team_key``, ``signal``, ``shown`` and ``counted`` (signals with nothing counted
    left out)."""
    day = period.end
    open_ = _open_on(t, day)
    items = _voice_items(t, open_, day, _day_bounds(day)[1])
    items = items.inner_join(open_.select("episode_key", "team_key"), "episode_key")
    per_signal = items.group_by(["team_key", "signal"]).aggregate(
        shown=items.shown.sum(), counted=items.counted.sum()
    )
    return per_signal.filter(per_signal.counted > 0)


def coproduction_teams(t: Tables, period: Period) -> ir.Table:
    """Each team with its three components on the period's last day (0 to 100; care and review
    missing as ``COMPONENTS`` says), the episodes its care component pools and its involvements
    in the window: the teams that lead an episode open on the day, or have a review or an
    involvement in the window."""
    day = period.end
    window = coproduction_window(day)
    open_ = _open_on(t, day)
    episodes = open_.group_by("team_key").aggregate(episodes=open_.count())
    per_signal = voice_counts(t, period)
    share = per_signal.shown.cast("float64") / per_signal.counted.cast("float64")
    care = per_signal.group_by("team_key").aggregate(care=(share * 100.0).mean())

    r = t["review_ratings"]
    rated = r.filter(r.raters == "experts", _in(r.held_on, window))
    last = rated.group_by("team_key").aggregate(held_on=rated.held_on.max())
    latest = rated.semi_join(last, ["team_key", "held_on"])
    review = latest.group_by("team_key").aggregate(
        review=(latest.score.cast("float64").mean() - 1.0) / 4.0 * 100.0
    )

    i = t["involvements"]
    involved = i.filter(i.team_key.notnull(), _in(i.involved_on, window))
    changed = involved.changed & involved.changed_on.notnull() & (involved.changed_on <= _day(day))
    involvement = involved.group_by("team_key").aggregate(
        involvements=involved.count(), changes=_flag(changed).sum()
    )

    keys = ibis.union(
        open_.select("team_key"),
        last.select("team_key"),
        involvement.select("team_key"),
        distinct=True,
    )
    found = keys
    for part in (care, review, involvement, episodes):
        extra = [col for col in part.columns if col != "team_key"]
        found = found.left_join(part, "team_key").select(*found.columns, *extra)
    return found.mutate(
        episodes=found.episodes.fill_null(0),
        involvements=found.involvements.fill_null(0),
        involvement=ibis.ifelse(
            found.involvements.fill_null(0) > 0,
            found.changes.cast("float64") / found.involvements.cast("float64") * 100.0,
            0.0,
        ),
    ).drop("changes")


def coproduction_index(t: Tables, period: Period) -> ir.Table:
    """One unit per team with an index: the weighted mean of its components present (weights
    renormalised over them), when its care or its review component is present."""
    teams = coproduction_teams(t, period)
    teams = teams.filter(teams.care.notnull() | teams.review.notnull())
    w = COMPONENT_WEIGHTS
    weights = (
        ibis.ifelse(teams.care.notnull(), w["care"], 0.0)
        + ibis.ifelse(teams.review.notnull(), w["review"], 0.0)
        + w["involvement"]
    )
    weighted = (
        teams.care.fill_null(0.0) * w["care"]
        + teams.review.fill_null(0.0) * w["review"]
        + teams.involvement * w["involvement"]
    )
    teams = teams.mutate(
        value=weighted / weights, num=_flag(teams.care.notnull() & teams.review.notnull())
    )
    names = t["teams"]
    named = teams.inner_join(names, "team_key")
    return named.select(
        "team_key",
        "organisation_key",
        "provider_type",
        "care",
        "review",
        "involvement",
        "episodes",
        "involvements",
        "value",
        "num",
        team=named.team_name.concat(" (", named.organisation_name, ")"),
        referral_key=ibis.null("int64"),
    )


# --- the metric pack -----------------------------------------------------------------------------

_REFERRAL_FIELDS = ("referrals.received_on", "referrals.adult", "referrals.team_type_code")
_EPISODE_GROUPS = ("provider_type", "ethnic_group", "imd_quintile", "age_band", "sex", "locality")

METRICS: tuple[Metric, ...] = (
    Metric(
        key="access_nhs",
        group="Access",
        title="People with two or more contacts in 12 months (as NHS England counts, MHS108)",
        kind="count",
        unit="people",
        purpose="How many adults the community mental health services reached with at least "
        "two attended direct contacts, counted from our MHSDS submission exactly as NHS "
        "England's access measure counts it.",
        numerator="—",
        denominator="Distinct people aged 18 or over at referral with one referral, to an "
        "in-scope team type, that has 2 or more attended direct contacts (face to face, "
        "telephone or video) in the 12 calendar months ending with the period. Every such "
        "contact on the referral counts, whichever team made it: NHS, a primary care mental "
        "health team run by a PCN, a VCSE or council partner. Only contacts the submission "
        "carries count: on a referral matched to a person and with a source of referral code, "
        "not dated after the referral ended. Contacts on two different referrals do not add up.",
        period="The 12 calendar months ending with the month the period ends in.",
        exclusions="Under 18 at referral; teams outside the in-scope types (early "
        "intervention, A14, and individual placement and support, D05, are in scope from "
        "April 2023); text or written contacts; contacts not attended; referrals not yet "
        "matched to a person. NHS England also leaves out inpatient referrals (Alongside has "
        "none) and people whose postcode it places outside England: the analysis tables do "
        "not say which local authority a person lives in, so that is not applied here.",
        sources=(
            *_REFERRAL_FIELDS,
            "referrals.source_code",
            "referrals.ended_at",
            "contacts.attended",
            "contacts.direct",
            "contacts.starts_at",
            "contacts.contact_on",
        ),
        build=access_nhs,
        people=True,
        higher_is_better=True,
        nhse="MHS108. `menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py` lines "
        "176-205 (referrals: 18 or over, in-scope team types with A14 and D05 from month 1477, "
        "England or blank local authority, not inpatient), 217-235 (attended direct contacts: "
        "`AttendStatus` 5 or 6, `ConsMechanismMH` 01, 02, 04, 11, any team), 240-257 (joined "
        "to the referral's record of the same month), 265-288 (the second contact of a referral "
        "in the 12 months); `measure_metadata.py` lines 1335-1349 (count of distinct people); "
        "`mhsds_functions.py` line 223 (the 12 months).",
    ),
    Metric(
        key="access_with_vcse",
        group="Access",
        title="People with two or more contacts in 12 months, VCSE referrals too (ours)",
        kind="count",
        unit="people",
        purpose="Alongside's own measure, not an NHS England figure: the reach of the "
        "integrated model, counting referrals held by VCSE teams too, beside the NHS England "
        "count.",
        numerator="—",
        denominator="As MHS108, over referrals to in-scope team types or held by a VCSE team, "
        "counting every attended direct contact on them by any team in the person's care "
        "(whether or not the MHSDS submission carries it).",
        period="The 12 calendar months ending with the month the period ends in.",
        exclusions="As MHS108.",
        sources=(
            *_REFERRAL_FIELDS,
            "referrals.provider_type",
            "contacts.attended",
            "contacts.direct",
            "contacts.contact_on",
        ),
        build=access_with_vcse,
        people=True,
        higher_is_better=True,
    ),
    Metric(
        key="second_contact_wait_nhse",
        numerator_label="Within 4 weeks",
        group="Waiting times",
        title="Referrals reaching their second contact, and the wait (as NHS England, MHS124-126)",
        kind="distribution",
        unit="referrals",
        purpose="NHS England's interim waiting-time measures, per referral over a rolling "
        "quarter: how many referrals had their second attended direct contact (MHS124), the "
        "median days waited (MHS125) and the 90th percentile (MHS126).",
        numerator="Referrals whose second contact came within 4 weeks (28 days): shown beside "
        "NHS England's figures, not one of them.",
        denominator="Referrals of adults to in-scope team types, received from April 2019, "
        "whose second attended direct contact in the submission (any team's, in the order "
        "date, time, contact) is dated in the three calendar months ending with the period. "
        "Days are counted from the day the referral was received; the median and 90th "
        "percentile interpolate, as Spark's PERCENTILE does.",
        period="The three calendar months ending with the month the period ends in.",
        exclusions="As MHS108; referrals received before April 2019.",
        sources=(
            "referrals.received_on",
            "referrals.adult",
            "referrals.team_type_code",
            "referrals.source_code",
            "referrals.ended_at",
            "contacts.attended",
            "contacts.direct",
            "contacts.starts_at",
        ),
        build=second_contact_wait_nhse,
        own_dimensions=(("wait_band", "Time waited"),),
        value_label="days",
        higher_is_better=False,
        nhse="MHS124 (count), MHS125 (median), MHS126 (90th percentile). "
        "`menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py` lines 210-212 (each "
        "referral's latest record in the 12 months), 217-235 (contacts ordered by date, time "
        "and id), 303-329 (joined by `UniqServReqID` across months), 334-353 "
        "(`TIME_TO_2ND_CONTACT`), 360-367 (received from 2019-04-01, second contact in the "
        "quarter); `measure_metadata.py` lines 1350-1394.",
    ),
    Metric(
        key="waiting_clock_stop",
        numerator_label="Within 4 weeks",
        group="Waiting times",
        title="Waiting time to the full clock stop (ours, by referral spell)",
        kind="distribution",
        unit="referral spells",
        purpose="Alongside's own measure: how long people wait from asking for help to "
        "starting care that counts: two contacts, an assessment, a baseline outcome measure "
        "and an agreed plan or an intervention.",
        numerator="Spells whose clock stopped within 4 weeks (28 days).",
        denominator="Referral spells of adults to in-scope team types whose clock stopped in "
        "the period. Spells are built from referrals to in-scope team types only, and count "
        "only their contacts: a declined referral never borrows the contacts of an onward "
        "referral to a VCSE or social care team. The clock starts on the day the spell's first "
        "referral was received and stops on the day the last of the four conditions is first "
        "met on any of its referrals.",
        period="Clock stops dated within the period.",
        exclusions="Under 18 at the first referral; referrals to teams outside the in-scope types.",
        sources=(
            "referrals.received_on",
            "referrals.ended_at",
            "referrals.team_type_code",
            "contacts.attended",
            "contacts.direct",
            "contacts.assessment",
            "contacts.intervention",
            "scores.completed_at",
            "episodes.first_plan_agreed_on",
        ),
        build=waiting_clock_stop,
        own_dimensions=(("wait_band", "Time waited"),),
        value_label="days",
        higher_is_better=False,
    ),
    Metric(
        key="waiting_second_contact",
        numerator_label="Within 4 weeks",
        group="Waiting times",
        title="Waiting time to the second contact (ours, by referral spell)",
        kind="distribution",
        unit="referral spells",
        purpose="Alongside's own measure: from the start of a referral spell to its second "
        "attended direct contact, in the period (NHS England's per-referral figures are "
        "MHS124-126 above).",
        numerator="Spells whose second contact came within 4 weeks (28 days).",
        denominator="Referral spells of adults to in-scope team types whose second attended "
        "direct contact was in the period.",
        period="Second contacts dated within the period.",
        exclusions="As the full clock stop.",
        sources=(
            "referrals.received_on",
            "referrals.team_type_code",
            "contacts.attended",
            "contacts.direct",
            "contacts.starts_at",
        ),
        build=waiting_second_contact,
        own_dimensions=(("wait_band", "Time waited"),),
        value_label="days",
        higher_is_better=False,
    ),
    Metric(
        key="still_waiting",
        numerator_label="Waiting over 4 weeks",
        group="Waiting times",
        title="People still waiting at the end of the period (ours, by referral spell)",
        kind="distribution",
        unit="referral spells",
        purpose="Alongside's own measure: who is still waiting for care that counts, and for "
        "how long.",
        numerator="Spells waiting more than 4 weeks (28 days).",
        denominator="Referral spells of adults to in-scope team types started by the period's "
        "end, not ended by it, and whose clock had not stopped by it. A decline withdrawn (the "
        "referral went back to triage) does not end the spell.",
        period="Waiting on the last day of the period; time waited counted to that day.",
        exclusions="As the full clock stop.",
        sources=("referrals.received_on", "referrals.ended_at", "referrals.team_type_code"),
        build=still_waiting,
        own_dimensions=(("wait_band", "Time waited"),),
        value_label="days waited",
        higher_is_better=False,
    ),
    Metric(
        key="bounces",
        numerator_label="Bounces",
        group="No wrong door",
        title="Referrals closed without a named next step (bounces)",
        kind="share",
        unit="referrals",
        purpose="No wrong door: every referral not taken on should leave with somewhere named "
        "to go.",
        numerator="Referrals closed with no handover to any service or team.",
        denominator="Referrals that left in the period without being accepted (declined, "
        "signposted or closed).",
        period="The day the referral was rejected or closed.",
        exclusions="Accepted referrals.",
        sources=("referrals.accepted", "referrals.ended_at", "referrals.bounce"),
        build=bounces,
        higher_is_better=False,
    ),
    Metric(
        key="warm_handovers",
        numerator_label="Connected",
        group="No wrong door",
        title="Signposted referrals whose warm handover connected",
        kind="share",
        unit="referrals",
        purpose="Signposting that works: the person is in touch with where they were sent.",
        numerator="Those with a follow-up recording that the person connected.",
        denominator="Referrals signposted (passed to a directory service or team) in the period.",
        period="The day the referral was signposted.",
        exclusions="None.",
        sources=("referrals.signposted", "referrals.handover_connected", "referrals.ended_at"),
        build=warm_handovers,
        higher_is_better=True,
    ),
    Metric(
        key="self_referrals",
        numerator_label="Self-referrals",
        group="No wrong door",
        title="Self-referrals",
        kind="share",
        unit="referrals",
        purpose="Whether people can ask for help themselves, without going through a GP.",
        numerator="Referrals the person made themself.",
        denominator="Referrals received in the period.",
        period="The day the referral was received.",
        exclusions="None.",
        sources=("referrals.received_on", "referrals.self_referral"),
        build=self_referrals,
        higher_is_better=None,
    ),
    Metric(
        key="plan_within_four_weeks",
        numerator_label="Plan agreed in 4 weeks",
        group="Care",
        title="Care plan agreed within 4 weeks of acceptance",
        kind="share",
        unit="episodes",
        purpose="People have a plan they agreed to, soon after care starts.",
        numerator="Episodes with a plan version agreed by the person on or before the day 4 "
        "weeks (28 days) after acceptance.",
        denominator="Episodes whose 4-week mark falls in the period.",
        period="The day 28 days after acceptance.",
        exclusions="None: an episode discharged before 4 weeks without a plan counts as not "
        "agreed.",
        sources=("episodes.started_at", "episodes.first_plan_agreed_on"),
        build=plan_within_four_weeks,
        dimensions=_EPISODE_GROUPS,
        higher_is_better=True,
    ),
    Metric(
        key="plans_reviewed_on_time",
        numerator_label="Reviewed on time",
        group="Care",
        title="Care plans reviewed on time",
        kind="share",
        unit="plan reviews due",
        purpose="Plans kept alive: reviewed by the date the person and key worker set.",
        numerator="Those with a new plan version written on or before the review date.",
        denominator="Plan versions whose review date falls in the period, in episodes still "
        "open on that date.",
        period="The review date.",
        exclusions="Episodes that ended before the review date.",
        sources=("plan_versions.review_on", "plan_versions.created_at", "episodes.ended_at"),
        build=plans_reviewed_on_time,
        dimensions=_EPISODE_GROUPS,
        higher_is_better=True,
    ),
    Metric(
        key="did_not_attend",
        numerator_label="Did not attend",
        group="Care",
        title="Did-not-attend rate",
        kind="share",
        unit="contacts",
        purpose="Contacts the person did not come to, as a share of contacts that went ahead "
        "or were missed.",
        numerator="Contacts recorded as did not attend.",
        denominator="Contacts in the period that were attended or not attended.",
        period="The day of the contact.",
        exclusions="Cancelled contacts (by the person or the service) and planned ones.",
        sources=("contacts.contact_on", "contacts.outcome"),
        build=did_not_attend,
        dimensions=_EPISODE_GROUPS,
        higher_is_better=False,
    ),
    Metric(
        key="open_episodes",
        numerator_label="At high intensity",
        group="Care",
        title="Open episodes, and the share at high intensity",
        kind="share",
        unit="episodes",
        purpose="Caseload size and intensity mix: how many people are in care and how much "
        "support they have.",
        numerator="Open episodes at high intensity on the period's last day.",
        denominator="Episodes open on the period's last day.",
        period="The last day of the period.",
        exclusions="None.",
        sources=(
            "episodes.started_at",
            "episodes.ended_at",
            "intensity.intensity",
            "intensity.changed_at",
        ),
        build=open_episodes,
        dimensions=_EPISODE_GROUPS,
        own_dimensions=(("intensity", "Intensity"),),
        higher_is_better=None,
    ),
    Metric(
        key="caseload_size",
        numerator_label="Over 30 open episodes",
        group="Care",
        title="Caseload per key worker",
        kind="distribution",
        unit="key workers",
        purpose="How many people each key worker holds.",
        numerator="Key workers holding more than 30 open episodes.",
        denominator="Key workers with at least one open episode on the period's last day.",
        period="The last day of the period.",
        exclusions="None.",
        sources=(
            "allocations.key_worker_key",
            "allocations.started_at",
            "allocations.ended_at",
            "episodes.ended_at",
        ),
        build=caseload_size,
        dimensions=("provider_type",),
        value_label="open episodes",
        higher_is_better=None,
    ),
    Metric(
        key="paired_outcomes",
        numerator_label="With paired measures",
        group="Outcomes",
        title="Episodes with paired outcome measures",
        kind="share",
        unit="episodes",
        purpose="Whether outcomes are measured at all: a measure completed at least twice, so "
        "change can be seen.",
        numerator="Episodes with at least two completed responses to the same measure.",
        denominator="Episodes that ended in the period.",
        period="The day of discharge.",
        exclusions="None.",
        sources=("episodes.ended_at", "scores.response_key", "scores.measure"),
        build=paired_outcomes,
        dimensions=_EPISODE_GROUPS,
        higher_is_better=True,
    ),
    Metric(
        key="outcome_change",
        numerator_label="Reliably improved",
        group="Outcomes",
        title="Change in outcome measures, and reliable improvement",
        kind="mean",
        unit="episodes with paired scores",
        purpose="Whether people get better, on each measure in use: the mean change from the "
        "first to the latest score, and how many improved by more than the measure's reliable "
        "change threshold.",
        numerator="Episodes whose change, in the better direction, is at least the measure's "
        "reliable change threshold.",
        denominator="Episodes with at least two responses to the measure whose latest response "
        "(by the period's end) was in the period.",
        period="The day of the latest response.",
        exclusions="Measures without a reliable change threshold count in the mean but never "
        "as reliable improvement.",
        sources=(
            "scores.value",
            "scores.completed_at",
            "measure_rules.better",
            "measure_rules.reliable_change",
        ),
        build=outcome_change,
        split_by="measure",
        value_label="mean change",
        higher_is_better=True,
    ),
    Metric(
        key="supervision_coverage",
        numerator_label="Supervised within agreement",
        group="Supervision",
        title="Practitioners supervised within their agreement",
        kind="distribution",
        unit="practitioners",
        purpose="Whether supervision happens as agreed, for NHS and voluntary sector staff "
        "alike: goal- and coaching-based work holds only with regular supervision behind it. "
        "The share shows who is supervised as agreed; the days show how far behind the others "
        "are.",
        numerator="Practitioners supervised within every term of every agreement current on "
        "the period's last day: for each term, a session of that kind with that supervisor "
        "(a group session counts for everyone who attended it) held on that day or within the "
        "term's interval (its weeks × 7 days) before it. An agreement that started less than "
        "its interval before that day counts as covered: its first session is not yet due.",
        denominator="Practitioners (anyone supervised, whatever their role) under at least one "
        "agreement current on the period's last day (started on or before it and not ended "
        "before it), counted once however many agreements and terms they have.",
        period="The last day of the period, looking back over each term's interval.",
        exclusions="Agreements not yet started or already ended on the period's last day; "
        "sessions of another kind or with another supervisor, and sessions after the period. "
        "Sessions before an agreement started do not count towards it. The team, "
        "organisation and provider type are the supervisee's first active care membership's "
        "(as the data was read); staff with none are 'Not known'. Those covered have no days "
        "overdue: the median and 90th percentile are of the practitioners overdue, each by "
        "their most overdue term.",
        sources=(
            "supervision_terms.starts_on",
            "supervision_terms.ends_on",
            "supervision_terms.kind",
            "supervision_terms.every_weeks",
            "supervision_terms.provider_type",
            "supervision_attendance.kind",
            "supervision_attendance.supervisor_key",
            "supervision_attendance.held_on",
        ),
        build=supervision_coverage,
        dimensions=("provider_type",),
        value_label="days overdue",
        higher_is_better=False,
    ),
    Metric(
        key="meta_supervision_coverage",
        numerator_label="Meta-supervised within agreement",
        group="Supervision",
        title="Supervisors meta-supervised within their agreement",
        kind="distribution",
        unit="supervisors",
        purpose="Whether the supervisors are supervised too (meta-supervision), so the chain "
        "practitioner → supervisor → meta-supervisor holds.",
        numerator="Supervisors with a meta-supervision session with their meta-supervisor "
        "held on the period's last day or within the term's interval (its weeks × 7 days) "
        "before it, for every meta-supervision term current then; an agreement younger than "
        "its interval counts as covered.",
        denominator="Members of staff who are supervisors themselves (an active supervisor "
        "role, or supervising someone under an agreement not yet ended) with a "
        "meta-supervision term in an agreement current on the period's last day.",
        period="The last day of the period, looking back over each term's interval.",
        exclusions="Supervisors with no current meta-supervision agreement (they have nothing "
        "agreed to be measured against); other kinds of supervision; otherwise as the "
        "practitioners' measure, the days overdue being of the supervisors not covered.",
        sources=(
            "supervision_terms.kind",
            "supervision_terms.supervisee_is_supervisor",
            "supervision_terms.every_weeks",
            "supervision_terms.starts_on",
            "supervision_terms.ends_on",
            "supervision_attendance.kind",
            "supervision_attendance.held_on",
        ),
        build=meta_supervision_coverage,
        dimensions=("provider_type",),
        value_label="days overdue",
        higher_is_better=False,
    ),
    Metric(
        key="coproduction_index",
        group="Co-production",
        title="Co-production index",
        kind="mean",
        unit="teams",
        purpose="Whether care is co-produced, team by team: the person's voice in their own "
        "care, what experts by experience say of the team in its co-production reviews, and "
        "whether experts by experience take part in its work and see something change. An "
        "indicator set built from what is recorded, not a validated scale: read it beside its "
        "three components, and compare a team with itself over time rather than rank teams by "
        "it.",
        numerator="Teams with every component known (a care and a review component, besides "
        "the involvement one every team has).",
        denominator="Teams with an index on the period's last day: teams that lead an episode "
        "open at some point of that day, or have a co-production review or an involvement of "
        "experts by experience in the window, whose care or review component is present. A "
        "team's index is 100 × the weighted mean of its components present, the weights (care "
        "0.4, review 0.4, involvement 0.2) renormalised over them; a group's (the place, a "
        "provider type, a locality) is the mean of its teams' indices, each component's the "
        "mean over the teams that have it.",
        period="The period's last day for the person's voice in care; the 3 calendar months "
        "ending with that day's month, to that day, for reviews and involvements.",
        exclusions="Teams with neither a care nor a review component (no index). What was not "
        "recorded, left out of each signal. Staff ratings (they are on the co-production "
        "pages, beside the experts'). Reviews of a whole organisation or alliance and "
        "involvements for a whole organisation, which are no one team's. A team counts in each "
        "locality it serves ('Not known' when it serves none), so localities' teams add up to "
        "more than the place's. Indices are shown to one decimal place; group means are of the "
        "unrounded team indices.",
        sources=(
            "episodes.started_at",
            "episodes.ended_at",
            "episodes.team_key",
            "plan_versions.created_at",
            "plan_versions.agreed_on",
            "plan_versions.sections_recorded",
            "plan_versions.sections_with_person",
            "plan_versions.person_present",
            "meeting_decisions.person_present",
            "goals.worded_by",
            "preference_checks.honoured",
            "collaborate.top",
            "review_ratings.raters",
            "review_ratings.held_on",
            "review_ratings.score",
            "involvements.involved_on",
            "involvements.changed",
            "involvements.changed_on",
            "team_localities.locality",
        ),
        build=coproduction_index,
        dimensions=("provider_type", "locality"),
        own_dimensions=(("team", "Team"),),
        value_label="index, 0 to 100",
        numerator_label="With every component",
        higher_is_better=True,
        team_units=True,
        also=(
            Also("care", "mean", "care", "The person's voice in their care"),
            Also("care_teams", "known", "care", "Teams with a care component"),
            Also("review", "mean", "review", "Experts by experience's rating"),
            Also("review_teams", "known", "review", "Teams with a review component"),
            Also("involvement", "mean", "involvement", "Involvement and what changed"),
            Also("episodes", "sum", "episodes", "Open episodes"),
            Also("involvements", "sum", "involvements", "Involvements in the window"),
        ),
    ),
)

BY_KEY: dict[str, Metric] = {m.key: m for m in METRICS}


# --- running them --------------------------------------------------------------------------------


FILTER_COLUMNS = ("team_key", "organisation_key", "locality", "provider_type")


@dataclass(frozen=True)
class Filters:
    team_key: int | None = None
    organisation_key: int | None = None
    locality: str | None = None
    provider_type: str | None = None

    def apply(self, units: ir.Table) -> ir.Table:
        for column in FILTER_COLUMNS:
            value = getattr(self, column)
            if value is not None and column in units.columns:
                units = units.filter(units[column] == value)
        return units

    @property
    def any(self) -> bool:
        return any(
            v is not None
            for v in (self.team_key, self.organisation_key, self.locality, self.provider_type)
        )


NO_FILTERS = Filters()


def units(
    metric: Metric,
    tables: Tables,
    period: Period,
    filters: Filters = NO_FILTERS,
    breakdowns: Iterable[str | None] | None = None,
) -> ir.Table:
    """The metric's units with the grouping columns its breakdowns and filters need (all of
    them when ``breakdowns`` is ``None``). Team units carry their own groups; the locality
    filter keeps the teams that serve the locality."""
    if metric.team_units:
        found = filters.apply(metric.build(tables, period))
        if filters.locality is not None:
            served = tables["team_localities"]
            served = served.filter(served.locality == filters.locality)
            found = found.semi_join(served, "team_key")
        return found
    needed: set[str] | None = None
    if breakdowns is not None:
        needed = {b for b in breakdowns if b is not None}
        needed |= {c for c in FILTER_COLUMNS if getattr(filters, c) is not None}
        if metric.people:
            needed.add("person_key")
    return filters.apply(with_groups(metric.build(tables, period), tables, needed))


def aggregate(metric: Metric, units_: ir.Table, by: Sequence[str] = ()) -> ir.Table:
    """The figures for a metric's units, overall or per group: ``denominator`` (units, or
    distinct people), ``numerator``, and for distributions ``median`` and ``p90`` of the value,
    for means ``mean``."""
    u = units_
    if metric.people:
        figures: dict[str, Any] = {
            "denominator": u.person_key.nunique(),
            "numerator": u.person_key.nunique(where=u.num == 1),
        }
    else:
        figures = {"denominator": u.count(), "numerator": u.num.sum()}
    if metric.kind == "distribution":
        figures["median"] = u.value.quantile(0.5)
        figures["p90"] = u.value.quantile(0.9)
    if metric.kind == "mean":
        figures["mean"] = u.value.mean()
    for also in metric.also:
        column = u[also.column]
        figures[also.name] = {"mean": column.mean, "known": column.count, "sum": column.sum}[
            also.how
        ]()
    keys = [*([metric.split_by] if metric.split_by else []), *by]
    return u.group_by(keys).aggregate(**figures) if keys else u.aggregate(**figures)


FIGURES = ("denominator", "numerator", "median", "p90", "mean")


def _tidy(metric: Metric, rows: list[Row], by: str | None) -> list[Row]:
    counts = {"denominator", "numerator", *(a.name for a in metric.also if a.how != "mean")}
    out = []
    for row in rows:
        figure: Row = {
            "metric": metric.key,
            "split": row.get(metric.split_by) if metric.split_by else None,
            "dimension": by,
            "group": row.get(by) if by else None,
        }
        for name in metric.figure_names:
            value = row.get(name)
            if value is not None and name in counts:
                value = int(value)
            elif value is not None:
                value = round(float(value), 2)
            figure[name] = value
        if figure["denominator"] and metric.kind != "count":
            figure["numerator"] = figure["numerator"] or 0
        if metric.kind == "count":
            figure["numerator"] = None
        out.append(figure)
    return sorted(out, key=lambda f: (str(f["split"]), str(f["group"])))


def compute_many(
    engine: Engine,
    metric: Metric,
    period: Period,
    breakdowns: Sequence[str | None],
    *,
    filters: Filters = NO_FILTERS,
) -> list[Row]:
    """A metric's figures overall (``None``) and by each named dimension, in one query: the units
    are built once and every breakdown is a grouping of them."""
    for by in breakdowns:
        if by is not None and by not in metric.breakdowns:
            raise ValueError(f"{metric.title} cannot be broken down by {by}.")
    tables = engine.tables()
    u = units(metric, tables, period, filters, breakdowns)
    parts = []
    for by in breakdowns:
        grouped = _by_locality(u, tables, filters) if by == "locality" and metric.team_units else u
        figures = aggregate(metric, grouped, [by] if by else [])
        parts.append(
            figures.mutate(
                dimension=ibis.literal(by, "string"),
                group=(figures[by].cast("string") if by else ibis.null("string")),
            ).select(
                *([metric.split_by] if metric.split_by else []),
                "dimension",
                "group",
                *[c for c in figures.columns if c in metric.figure_names],
            )
        )
    rows = engine.run(ibis.union(*parts) if len(parts) > 1 else parts[0])
    out: list[Row] = []
    for by in breakdowns:
        mine = [r for r in rows if r["dimension"] == by]
        out += _tidy(metric, [{**r, **({by: r["group"]} if by else {})} for r in mine], by)
    return out


def _by_locality(units_: ir.Table, tables: Tables, filters: Filters) -> ir.Table:
    """Team units once for each locality their team serves ('Not known' for a team that serves
    none), only the filtered locality's when there is one."""
    served = tables["team_localities"]
    if filters.locality is not None:
        served = served.filter(served.locality == filters.locality)
    joined = units_.left_join(served, "team_key")
    return joined.select(*units_.columns, locality=joined.locality.fill_null(NOT_KNOWN))


def compute(
    engine: Engine,
    metric: Metric,
    period: Period,
    *,
    by: str | None = None,
    filters: Filters = NO_FILTERS,
) -> list[Row]:
    """One metric's figures for the period, overall or broken down ``by`` a dimension."""
    return compute_many(engine, metric, period, [by], filters=filters)


def trend(
    engine: Engine, metric: Metric, months: Iterable[Period], *, filters: Filters = NO_FILTERS
) -> list[Row]:
    """The metric for each month in turn, oldest first: one query that unions the months."""
    periods = list(months)
    tables = engine.tables()
    parts = []
    for number, period in enumerate(periods):
        figures = aggregate(metric, units(metric, tables, period, filters, [None]))
        parts.append(figures.mutate(month_no=ibis.literal(number, "int64")))
    rows = engine.run(ibis.union(*parts)) if len(parts) > 1 else engine.run(parts[0])
    out = []
    by_month: dict[int, list[Row]] = {}
    for raw in rows:
        by_month.setdefault(int(raw["month_no"]), []).append(raw)
    for number, period in enumerate(periods):
        for figure in _tidy(metric, by_month.get(number, []), None) or [
            {
                "metric": metric.key,
                "split": None,
                "dimension": None,
                "group": None,
                **dict.fromkeys(metric.figure_names),
            }
        ]:
            out.append({**figure, "period": period})
    return out


def pack(engine: Engine, period: Period, *, filters: Filters = NO_FILTERS) -> list[Row]:
    """Every metric, overall and broken down by each of its dimensions."""
    rows: list[Row] = []
    for metric in METRICS:
        rows += compute_many(engine, metric, period, [None, *metric.breakdowns], filters=filters)
    return rows


def coverage(engine: Engine) -> Period | None:
    """The days the data covers: from the first referral received to the reference date
    (today, live; the day an extract was written)."""
    r = engine.tables()["referrals"]
    rows = engine.run(r.aggregate(first=r.received_on.min()))
    first = rows[0]["first"] if rows else None
    if first is None:
        return None
    if isinstance(first, dt.datetime):
        first = first.date()
    return Period(first, max(first, engine.reference_date()))


class PeriodError(ValueError):
    pass


def check_period(engine: Engine, period: Period) -> Period:
    """The period, if the data covers it; otherwise a ``PeriodError`` saying what it covers."""
    covered = coverage(engine)
    if covered is None:
        raise PeriodError("There are no referrals yet, so there is nothing to measure.")
    if period.start > covered.end or period.end < covered.start:
        raise PeriodError(
            f"The data covers {covered.start:%-d %B %Y} to {covered.end:%-d %B %Y}; "
            f"{period.label} is outside it."
        )
    return period


def representation(
    engine: Engine, period: Period, dimension: str, *, filters: Filters = NO_FILTERS
) -> list[Row]:
    """People reached in the period (adults with an attended contact) beside the place's adult
    residents, per group of ``dimension``: how many of each group the services reach per 1,000
    residents, and each group's share of the people reached against its share of residents."""
    from alongside.insights.schema import RESIDENT_DIMENSIONS

    if dimension not in RESIDENT_DIMENSIONS:
        raise ValueError(f"The place's population is not known by {dimension}.")
    t = engine.tables()
    c, people, residents = t["contacts"], t["people"], t["residents"]
    reached = c.filter(c.attended, _in(c.contact_on, period))
    for column in ("team_key", "provider_type"):
        value = getattr(filters, column)
        if value is not None:
            reached = reached.filter(reached[column] == value)
    who = reached.select("person_key").distinct().inner_join(people, "person_key")
    who = who.filter(who.age_band != "Under 18")
    pop = residents.filter(residents.dimension == dimension)
    if filters.locality is not None:
        who = who.filter(who.locality == filters.locality)
        pop = pop.filter(pop.locality == filters.locality)
    counted = engine.run(who.group_by(dimension).aggregate(reached=who.count()))
    known = engine.run(pop.group_by("group_name").aggregate(residents=pop.residents.sum()))
    reached_by = {row[dimension]: int(row["reached"]) for row in counted}
    residents_by = {row["group_name"]: int(row["residents"]) for row in known}
    total_reached = sum(reached_by.values())
    total_residents = sum(residents_by.values())
    out = []
    for group in sorted(set(reached_by) | set(residents_by)):
        n, pop_n = reached_by.get(group, 0), residents_by.get(group)
        out.append(
            {
                "dimension": dimension,
                "group": group,
                "reached": n,
                "residents": pop_n,
                "per_1000": round(1000 * n / pop_n, 1) if pop_n else None,
                "share_reached": round(100 * n / total_reached, 1) if total_reached else None,
                "share_residents": (
                    round(100 * pop_n / total_residents, 1)
                    if pop_n is not None and total_residents
                    else None
                ),
            }
        )
    return out


class FilterError(ValueError):
    pass


def check_filters(engine: Engine, filters: Filters) -> Filters:
    """The filters, if each names something in the data; otherwise a ``FilterError`` saying
    which one matches nothing."""
    if not filters.any:
        return filters
    t = engine.tables()
    teams, referrals = t["teams"], t["referrals"]
    checks = []
    if filters.team_key is not None:
        checks.append(
            (teams.filter(teams.team_key == filters.team_key), f"team {filters.team_key}")
        )
    if filters.organisation_key is not None:
        found = teams.filter(teams.organisation_key == filters.organisation_key)
        checks.append((found, f"organisation {filters.organisation_key}"))
    if filters.locality is not None:
        found = referrals.filter(referrals.locality == filters.locality)
        checks.append((found, f"the locality '{filters.locality}'"))
    if filters.provider_type is not None:
        found = teams.filter(teams.provider_type == filters.provider_type)
        checks.append((found, f"the provider type '{filters.provider_type}'"))
    for found, what in checks:
        if not engine.run(found.aggregate(n=found.count()))[0]["n"]:
            raise FilterError(f"There is nothing in the data for {what}.")
    return filters
