"""NHS England's community mental health measures, computed from our MHSDS v6 export the way NHS
England's own code computes them, beside Alongside's figures for the same months.

NHS England's code is ``NHSDigital/mental-health-monthly-statistics``; the lines followed are named
at each step (``cmh_prep.py`` is ``menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py``,
``generic_prep.py`` is ``menh_bbrb/notebooks/01_Generic_Prepare/00_generic_prep.py``). This
module reads only the exported files (``alongside export mhsds``): the monthly CSVs and their
``validation.csv``. It does not import Alongside's metrics, so it can disagree with them.

* **MHS108** (people with two or more contacts in 12 months): for each month of the 12 ending with
  the reporting month, the referral records of adults (age at referral from the birth date and the
  date received) whose team type — ``MHS101Referral.ServTeamType`` in v6, with any rows of
  ``MHS102OtherServiceType`` beside it (``generic_prep.py`` lines 363-403) — is in scope
  (``cmh_prep.py`` lines 176-205; A14 and D05 from April 2023); joined to that same month's
  attended direct contacts on the referral (``AttendStatus`` 5 or 6, ``ConsMechanismMH`` 01, 02,
  04 or 11: lines 217-235 and 240-257); a person is counted when one referral has a second such
  contact (lines 265-288).
* **MHS124-126** (interim waits): each in-scope referral's latest record in the 12 months (lines
  176-212), every attended direct contact on it in any month up to the reporting month, in the
  order date, time, id (lines 217-235, 303-329); the second one dated in the three months ending
  with the reporting month, on a referral received from April 2019 (lines 334-367): the count of
  referrals and the interpolated median and 90th percentile of the days waited (Spark's
  ``PERCENTILE``; ``measure_metadata.py`` lines 1350-1394).

A record the validation report marks as one NHS England would reject (``would_be_rejected`` yes)
is not in NHS England's tables, so it is skipped here.

``python -m benchmarks nhse_parity`` loads the demo place, exports every month it covers, and
writes both sets of figures for its last 12 months to ``docs/benchmarks.md``; it fails when any
figure differs.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import shutil
import sys
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

#: ``cmh_prep.py`` line 199 (to March 2023) and line 200 (from April 2023: A14 and D05 added).
IN_SCOPE_TO_MARCH_2023 = ("A05", "A06", "A08", "A09", "A12", "A13", "A16", "C03", "C10")
IN_SCOPE_FROM_APRIL_2023 = (*IN_SCOPE_TO_MARCH_2023, "A14", "D05")
#: ``cmh_prep.py`` lines 233-234: attended (5 on time, 6 late but seen) and direct (face to face,
#: telephone, talk type, video) from MHSDS v5 on.
ATTENDED = ("5", "6")
DIRECT_MECHANISMS = ("01", "02", "04", "11")
#: ``cmh_prep.py`` line 365.
RECEIVED_FROM = dt.date(2019, 4, 1)


@dataclass(frozen=True)
class ReferralRecord:
    """One referral's row in one month's submission, with its team type."""

    month: dt.date
    referral: str
    person: str
    received_on: dt.date
    age: int
    team_type: str


@dataclass(frozen=True)
class ContactRecord:
    month: dt.date
    contact: str
    referral: str
    on: dt.date
    time: str
    attended_direct: bool


@dataclass
class Submission:
    """The months read from a folder of monthly exports."""

    referrals: list[ReferralRecord] = field(default_factory=list)
    contacts: list[ContactRecord] = field(default_factory=list)
    months: set[dt.date] = field(default_factory=set)


def _rows(directory: Path, table: str) -> list[dict[str, str]]:
    path = directory / f"{table}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _age(born: dt.date, on: dt.date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def read_month(directory: Path, into: Submission | None = None) -> Submission:
    """Add one month's exported files to ``into`` (a new ``Submission`` if none)."""
    out = into if into is not None else Submission()
    (header,) = _rows(directory, "MHS000Header")
    month = dt.date.fromisoformat(header["ReportingPeriodStartDate"])
    out.months.add(month)
    rejected = {
        (p["table"], p["record_id"])
        for p in _rows(directory, "validation")
        if p["would_be_rejected"] == "yes"
    }
    born = {
        p["LocalPatientID"]: dt.date.fromisoformat(p["PersonBirthDate"])
        for p in _rows(directory, "MHS001MPI")
    }
    referrals: dict[str, dict[str, str]] = {}
    for r in _rows(directory, "MHS101Referral"):
        if ("MHS101Referral", r["ServiceRequestID"]) in rejected:
            continue
        referrals[r["ServiceRequestID"]] = r
    # ServiceTeamType (generic_prep.py lines 363-403): MHS102OtherServiceType UNION ALL MHS101
    # (v6, UniqMonthID > 1488), joined to the referral on the same record.
    team_rows: list[tuple[str, str]] = [
        (s["ServiceRequestID"], s["ServTeamTypeRefToMH"])
        for s in _rows(directory, "MHS102OtherServiceType")
    ]
    team_rows += [(ref, r["ServTeamType"]) for ref, r in referrals.items()]
    for ref, team_type in team_rows:
        r = referrals.get(ref)
        if r is None:
            continue
        received = dt.date.fromisoformat(r["ReferralRequestReceivedDate"])
        out.referrals.append(
            ReferralRecord(
                month=month,
                referral=ref,
                person=r["LocalPatientID"],
                received_on=received,
                age=_age(born[r["LocalPatientID"]], received),
                team_type=team_type,
            )
        )
    for c in _rows(directory, "MHS201CareContact"):
        if ("MHS201CareContact", c["CareContactID"]) in rejected:
            continue
        out.contacts.append(
            ContactRecord(
                month=month,
                contact=c["CareContactID"],
                referral=c["ServiceRequestID"],
                on=dt.date.fromisoformat(c["CareContDate"]),
                time=c["CareContTime"],
                attended_direct=c["AttendStatus"] in ATTENDED
                and c["ConsMechanismMH"] in DIRECT_MECHANISMS,
            )
        )
    return out


def read_months(directories: Iterable[Path]) -> Submission:
    submission = Submission()
    for directory in directories:
        read_month(directory, submission)
    return submission


def _add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def _last_day(month: dt.date) -> dt.date:
    return _add_months(month, 1) - dt.timedelta(days=1)


def in_scope(end_month: dt.date) -> tuple[str, ...]:
    return IN_SCOPE_FROM_APRIL_2023 if end_month >= dt.date(2023, 4, 1) else IN_SCOPE_TO_MARCH_2023


def _refs3(s: Submission, end_month: dt.date) -> list[ReferralRecord]:
    """``CMH_Access_Outpatient_Refs3`` (``cmh_prep.py`` lines 176-205): adults' referral records
    to in-scope teams in the 12 months ending with ``end_month``."""
    start = _add_months(end_month, -11)
    scope = in_scope(end_month)
    return [
        r
        for r in s.referrals
        if start <= r.month <= end_month and r.age >= 18 and r.team_type in scope
    ]


def _activity(s: Submission, end_month: dt.date) -> list[ContactRecord]:
    """``CMH_Activity`` (``cmh_prep.py`` lines 217-235): attended direct contacts submitted in
    months up to ``end_month``, in the order date, time, id."""
    found = [c for c in s.contacts if c.attended_direct and c.month <= end_month]
    return sorted(found, key=lambda c: (c.on, c.time, c.contact))


def people_with_two_contacts(s: Submission, end_month: dt.date) -> int:
    """MHS108 for the 12 months ending with ``end_month``."""
    by_record: dict[tuple[dt.date, str], list[ContactRecord]] = defaultdict(list)
    for c in _activity(s, end_month):
        by_record[(c.month, c.referral)].append(c)
    linked: dict[tuple[str, str], int] = defaultdict(int)
    for r in _refs3(s, end_month):  # CMH_Activity_Linked: the contacts of the same record
        linked[(r.person, r.referral)] += len(by_record.get((r.month, r.referral), ()))
    return len({person for (person, _), n in linked.items() if n >= 2})


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """Spark's ``PERCENTILE``: exact, interpolating linearly between the two nearest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Waits:
    referrals: int  # MHS124
    median: float | None  # MHS125
    p90: float | None  # MHS126


def second_contact_waits(s: Submission, end_month: dt.date) -> Waits:
    """MHS124-126 for the three months ending with ``end_month``."""
    latest: dict[str, ReferralRecord] = {}
    for r in _refs3(s, end_month):  # Ref_MnthNum = 1: the latest record (lines 186, 210-212)
        if r.referral not in latest or r.month > latest[r.referral].month:
            latest[r.referral] = r
    order: dict[str, list[ContactRecord]] = defaultdict(list)
    for c in _activity(s, end_month):  # joined on UniqServReqID across months (lines 325-326)
        order[c.referral].append(c)
    quarter_start, quarter_end = _add_months(end_month, -2), _last_day(end_month)
    days: dict[str, int] = {}
    for ref, record in latest.items():
        contacts = order.get(ref, [])
        if record.received_on < RECEIVED_FROM or len(contacts) < 2:
            continue
        second = contacts[1]
        if quarter_start <= second.on <= quarter_end:
            days[ref] = (second.on - record.received_on).days
    values = [float(d) for d in days.values()]
    return Waits(len(days), percentile(values, 0.5), percentile(values, 0.9))


# --- the benchmark: our figures beside these for the demo's last 12 months ---------------------


def run() -> None:
    from benchmarks.process import ROOT, measure
    from benchmarks.report import write_section

    data_dir = ROOT / "var" / "bench-nhse-parity"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    python = [sys.executable, "-m", "alongside"]
    measure([*python, "migrate", "--no-input", "-v", "0"], env)
    measure([*python, "demo"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from alongside.demo.generator import loaded_place
    from alongside.insights import metrics, mhsds, snapshots
    from alongside.insights.engines import PostgresEngine
    from alongside.insights.management.commands.metrics import last_whole_month
    from alongside.referrals.models import Referral

    snapshots.refresh()
    engine = PostgresEngine()
    place_day = loaded_place().as_of  # the day the place was made as of
    last = last_whole_month(min(engine.reference_date(), place_day)).start
    first = Referral.objects.order_by("received_at").first().received_at.date().replace(day=1)
    exports = Path(tempfile.mkdtemp(prefix="nhse-parity-"))
    rows, differences = [], []
    try:
        month = first
        while month <= last:
            mhsds.write_month(month, exports / f"{month:%Y-%m}", today=place_day)
            month = _add_months(month, 1)
        submission = read_months(sorted(exports.iterdir()))
        for back in range(11, -1, -1):
            month = _add_months(last, -back)
            period = metrics.Period.month(month.year, month.month)
            ours_access = metrics.compute(engine, metrics.BY_KEY["access_nhs"], period)
            ours_waits = metrics.compute(engine, metrics.BY_KEY["second_contact_wait_nhse"], period)
            a = ours_access[0]["denominator"] if ours_access else 0
            w = ours_waits[0] if ours_waits else {"denominator": 0, "median": None, "p90": None}
            theirs_a = people_with_two_contacts(submission, month)
            theirs_w = second_contact_waits(submission, month)
            ours = (a, w["denominator"], w["median"], w["p90"])
            theirs = (
                theirs_a,
                theirs_w.referrals,
                None if theirs_w.median is None else round(theirs_w.median, 2),
                None if theirs_w.p90 is None else round(theirs_w.p90, 2),
            )
            if ours != theirs:
                differences.append(f"{month:%B %Y}: ours {ours}, NHS England's logic {theirs}")
            rows.append(
                f"| {month:%b %Y} | {a:,} | {theirs_a:,} | {w['denominator']:,} | "
                f"{theirs_w.referrals:,} | {_shown(w['median'])} | {_shown(theirs[2])} | "
                f"{_shown(w['p90'])} | {_shown(theirs[3])} |"
            )
            print(rows[-1], flush=True)
    finally:
        shutil.rmtree(exports, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    verdict = (
        "Every figure agrees exactly."
        if not differences
        else "They differ: " + "; ".join(differences)
    )
    write_section(
        "nhse_parity",
        "Our figures beside NHS England's logic over our own export",
        "The demo place (`alongside demo`), every month it covers exported with `alongside "
        "export mhsds`; for each of its last 12 whole months, 'ours' is the metric "
        "(`access_nhs`, `second_contact_wait_nhse`) live on PostgreSQL and 'NHSE' is "
        "`benchmarks/nhse_parity.py`, which reads only the exported CSV files and follows NHS "
        "England's code line by line (see its docstring). MHS108 is people with two or more "
        "contacts in the 12 months; MHS124 referrals with their second contact in the rolling "
        f"quarter, MHS125 and MHS126 the median and 90th percentile days. {verdict}\n\n"
        "| month | MHS108 ours | MHS108 NHSE | MHS124 ours | MHS124 NHSE | MHS125 ours "
        "| MHS125 NHSE | MHS126 ours | MHS126 NHSE |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n",
    )
    if differences:
        raise SystemExit(verdict)


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:g}"
