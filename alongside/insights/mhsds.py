"""The Mental Health Services Data Set (MHSDS) monthly export: the records the lead NHS provider
submits to NHS England for one month, as CSV files (one per table, MHSDS field names and codes),
with a validation report of what NHS England would reject and what it would accept but count
poorly.

Field names and placement are MHSDS **version 6.0**, as NHS England's own v6 preparation reads
them (``menh_bbrb/notebooks/01_Generic_Prepare/00_generic_prep.py``, ``ServiceTeamType``): the
team referred to, its team type (``ServTeamType``), the rejection and the closure are on
``MHS101Referral`` itself; ``MHS102OtherServiceType`` holds only *other* service types a referral
is also referred to, which Alongside does not record (a referral is to one team; partner teams
appear on their own contacts), so it is written with its header and no rows — NHS England joins
its rows to MHS101's, so repeating the main team there would count each referral twice. The GP is
``MHS002GP.GMPReg``. Where v5 differs this is said beside the field in ``docs/mhsds.md``.

Which records belong to a month (the month runs from local midnight on the 1st, Europe/London,
to local midnight on the 1st of the next):

* **Referrals** open at any time in the month: received before the month ends, and neither closed
  nor rejected before it starts. A referral with no matched ``Person`` cannot be submitted (there is
  no patient to point at); it is left out and reported in the validation report. A closure or
  rejection after the month ends is not shown: the month is a snapshot as at its last day. A
  decline later withdrawn (the referral went back to triage) is no rejection at all.
* **People** (MHS001MPI) and **GP registrations** (MHS002GP) of those referrals.
* **Care contacts** on those referrals' episodes dated in the month, whatever the outcome
  (attended, did not attend, cancelled by the person or the service, with the AttendStatus code),
  including contacts by VCSE partner teams, whose ``CareProfTeamLocalID`` starts ``VCSE``. A
  contact with no outcome yet (planned) is not submitted; one in the past is reported.
* **Care activities** (MHS202): one per attended contact, with the SNOMED CT procedure for its kind.
* **Care plans** (MHS008) of those episodes with a version written by the month end; the version in
  use at the month end gives the last-updated date, and its agreement (MHS009) if the person agreed
  it by then.
* **Onward referrals** (MHS105): warm handovers (to a team or a directory service) made in the
  month on those referrals.
* **Coded scored assessments** (MHS606): for each current response completed in the month on
  those referrals, its scores with a SNOMED CT code, then each answered item with a code of its
  own that no score carries (DIALOG's eleven items, whose mean has no code).

**Nothing is dropped silently**: every contact, response, onward referral and care plan of the
month that is not written (its referral is not in the month's submission, it has no code, its
outcome is not recorded) is named in the validation report with the reason.

No names, addresses, phone numbers, email addresses or free text leave in any file: only
identifiers, dates, codes and scores (and the NHS number, date of birth and postcode that MHSDS
asks for).

Writing is all or nothing: the files go to a new directory beside the target, which is renamed
into place at the end. An existing non-empty target is refused unless ``force`` is set, and even
then only when it holds nothing but an earlier MHSDS export's files.
"""

from __future__ import annotations

import calendar
import datetime as dt
import shutil
import tempfile
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Min, Q, QuerySet
from django.utils import timezone

from alongside.care.models import (
    MHSDS_ATTEND_CODES,
    MHSDS_MECHANISM_CODES,
    SNOMED_PROCEDURES,
    CarePlanVersion,
    Contact,
    Outcome,
)
from alongside.core import csv
from alongside.organisations.models import (
    MHSDS_TEAM_TYPE_CODES,
    Organisation,
    OrganisationKind,
    Team,
)
from alongside.outcomes import registry
from alongside.outcomes.models import Response, Score, Status
from alongside.people.models import EthnicCategory, Person
from alongside.places.models import Postcode
from alongside.referrals.models import MHSDS_SOURCE_CODES, Handover, Referral, Source

#: MHS000Header.DatSetVer: the version of MHSDS whose field names these files use.
DATASET_VERSION = "6.0"
#: MHS000Header.PrimSystemInUse.
SYSTEM_NAME = "Alongside"
#: CarePlanTypeMH 10: mental health care plan.
CARE_PLAN_TYPE_MH = "10"
#: CarePlanContentAgreedBy for a plan the person agreed. NHS England's own v6 test record uses 10;
#: that 10 means the patient is our reading, not confirmed against the NHS Data Dictionary.
CARE_PLAN_AGREED_BY_PERSON = "10"

#: SourceOfReferralMH for a referral from a mental health trust other than the submitting provider:
#: group I ('Transfer from another Mental Health Service' from v6, NHS England's
#: ``referral_dim`` in ``menh_analysis/notebooks/01_Prepare/0.5_VersionChanges.py``), code I2
#: (permanent transfer from another mental health NHS trust). A referral from the provider's own
#: staff stays P1 (internal).
ANOTHER_TRUST_SOURCE_CODE = "I2"
#: ClinRespPriorityType (NHS Data Dictionary CLINICAL RESPONSE PRIORITY TYPE: 1 emergency,
#: 2 urgent/serious, 3 routine, 4 very urgent) for each ``Referral.urgency``.
PRIORITY_CODES: dict[str, str] = {"emergency": "1", "urgent": "2", "routine": "3"}

LONDON = ZoneInfo("Europe/London")
SNOMED_SYSTEM = "http://snomed.info/sct"

#: The tables, in the order MHSDS numbers them, with their columns.
TABLES: dict[str, tuple[str, ...]] = {
    "MHS000Header": (
        "DatSetVer",
        "OrgIDProvider",
        "OrgIDSubmit",
        "PrimSystemInUse",
        "ReportingPeriodStartDate",
        "ReportingPeriodEndDate",
        "DateTimeDatSetCreate",
    ),
    "MHS001MPI": (
        "LocalPatientID",
        "OrgIDLocalPatientID",
        "NHSNumber",
        "PersonBirthDate",
        "Postcode",
        "Gender",
        "GenderIDCode",
        "EthnicCategory",
    ),
    "MHS002GP": ("LocalPatientID", "GMPReg"),
    "MHS008CarePlanType": (
        "CarePlanID",
        "LocalPatientID",
        "CarePlanTypeMH",
        "CarePlanCreatDate",
        "CarePlanCreationTime",
        "CarePlanLastUpdateDate",
        "CarePlanLastUpdateTime",
    ),
    "MHS009CarePlanAgreement": (
        "CarePlanID",
        "CarePlanContentAgreedBy",
        "CarePlanContentAgreedDate",
    ),
    "MHS101Referral": (
        "ServiceRequestID",
        "LocalPatientID",
        "ReferralRequestReceivedDate",
        "ReferralRequestReceivedTime",
        "SourceOfReferralMH",
        "OrgIDReferringOrg",
        "PrimReasonReferralMH",
        "ClinRespPriorityType",
        "CareProfTeamLocalID",
        "ServTeamType",
        "ServDischDate",
        "ServDischTime",
        "ReferRejectionDate",
        "ReferRejectionTime",
        "ReferRejectReason",
        "ReferClosReason",
    ),
    "MHS102OtherServiceType": (
        "ServiceRequestID",
        "OtherCareProfTeamLocalID",
        "ServTeamTypeRefToMH",
        "ReferRejectionDate",
        "ReferRejectionTime",
        "ReferRejectReason",
        "ReferClosureDate",
        "ReferClosureTime",
        "ReferClosReason",
    ),
    "MHS105OnwardReferral": (
        "ServiceRequestID",
        "OnwardReferDate",
        "OnwardReferTime",
        "OnwardReferReason",
        "OrgIDReceiving",
    ),
    "MHS201CareContact": (
        "CareContactID",
        "ServiceRequestID",
        "CareProfTeamLocalID",
        "OtherCareProfTeamLocalID",
        "CareContDate",
        "CareContTime",
        "ClinContDurOfCareCont",
        "ConsMechanismMH",
        "AttendStatus",
    ),
    "MHS202CareActivity": (
        "CareActID",
        "CareContactID",
        "Procedure",
        "ClinContactDurOfCareAct",
    ),
    "MHS606CodedScoreAssessmentRefer": (
        "ServiceRequestID",
        "CodedAssToolType",
        "PersScore",
        "AssToolCompTimestamp",
    ),
}

VALIDATION_FILE = "validation.csv"
SUMMARY_FILE = "summary.txt"
VALIDATION_COLUMNS = ("table", "record_id", "field", "problem", "would_be_rejected")
#: Every file an export writes; ``force`` replaces a directory holding only these.
EXPORT_FILES = frozenset({f"{t}.csv" for t in TABLES} | {VALIDATION_FILE, SUMMARY_FILE})

#: The start of ``CareProfTeamLocalID`` by the kind of organisation the team belongs to, so that
#: a VCSE partner's contact is recognisable in the files themselves.
TEAM_ID_PREFIXES: dict[str, str] = {
    OrganisationKind.NHS_TRUST: "NHS",
    OrganisationKind.VCSE: "VCSE",
    OrganisationKind.GP_PRACTICE: "PC",
    OrganisationKind.PCN: "PC",
    OrganisationKind.LOCAL_AUTHORITY: "LA",
    OrganisationKind.PUBLIC_HEALTH: "LA",
    OrganisationKind.OTHER: "OTH",
}


class MonthError(ValueError):
    """The month asked for cannot be exported; the message says why, in plain English."""


class ExportError(Exception):
    """The export could not be written where asked; nothing was written."""


@dataclass(frozen=True)
class Problem:
    """One finding of the validation report."""

    table: str
    record_id: str
    field: str
    problem: str
    rejected: bool

    def row(self) -> dict[str, str]:
        return {
            "table": self.table,
            "record_id": self.record_id,
            "field": self.field,
            "problem": self.problem,
            "would_be_rejected": "yes" if self.rejected else "no",
        }


@dataclass
class MonthResult:
    """What ``write_month`` wrote: rows per table and the validation report's findings."""

    month: dt.date
    directory: Path
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    partial_month: bool = False

    @property
    def rejections(self) -> list[Problem]:
        return [p for p in self.problems if p.rejected]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.rejected]

    def summary(self) -> list[str]:
        """Plain-English lines: what was written, and what the report found."""
        lines = [
            f"MHSDS v{DATASET_VERSION} export for {self.month:%B %Y}, written to {self.directory}",
        ]
        if self.partial_month:
            lines.append("The month is not over yet: this is the month so far.")
        lines.append("Rows per table:")
        lines += [f"  {table:<32} {self.counts.get(table, 0):>7}" for table in TABLES]
        lines.append(
            f"Validation: {len(self.rejections)} record(s) would be rejected, "
            f"{len(self.warnings)} warning(s); details in {VALIDATION_FILE}."
        )
        grouped = Counter((p.table, p.field, p.problem, p.rejected) for p in self.problems)
        for (table, name, problem, rejected), n in sorted(grouped.items()):
            kind = "rejected" if rejected else "warning"
            lines.append(f"  {n:>5} × {table}.{name} ({kind}): {problem}")
        return lines


# --- The month ----------------------------------------------------------------------------------


def parse_month(text: str, *, today: dt.date | None = None) -> dt.date:
    """The first day of the month ``YYYY-MM`` names, checked with ``check_month``."""
    value = (text or "").strip()
    parts = value.split("-")
    if len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2 or not value.isascii():
        raise MonthError(f"'{value}' is not a month: write it as YYYY-MM, for example 2025-03.")
    try:
        month = dt.date(int(parts[0]), int(parts[1]), 1)
    except ValueError:
        raise MonthError(
            f"'{value}' is not a month: write it as YYYY-MM, for example 2025-03."
        ) from None
    check_month(month, today=today)
    return month


def check_month(month: dt.date, *, today: dt.date | None = None) -> None:
    """Refuse a month that has not started, or that ends before the first referral arrived."""
    if month.day != 1:
        raise MonthError(f"{month} is not the first day of a month.")
    today = today or timezone.localdate()
    if month > today:
        raise MonthError(f"{month:%B %Y} has not started yet: export a month up to {today:%B %Y}.")
    earliest = Referral.objects.aggregate(first=Min("received_at"))["first"]
    if earliest is None:
        raise MonthError("There is nothing to export: no referral has been received yet.")
    first_month = timezone.localtime(earliest, LONDON).date().replace(day=1)
    if month < first_month:
        raise MonthError(
            f"{month:%B %Y} is before any data: the first referral was received in "
            f"{first_month:%B %Y}."
        )


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime, dt.date]:
    """The month's start and the next month's start (aware, local midnight), and its last day."""
    last_day = dt.date(month.year, month.month, calendar.monthrange(month.year, month.month)[1])
    following = last_day + dt.timedelta(days=1)
    start = dt.datetime.combine(month, dt.time(), tzinfo=LONDON)
    end = dt.datetime.combine(following, dt.time(), tzinfo=LONDON)
    return start, end, last_day


# --- Identifiers and formats --------------------------------------------------------------------


def patient_id(person_id: int) -> str:
    return f"P{person_id:07d}"


def team_local_id(team_id: int, organisation_kind: str) -> str:
    return f"{TEAM_ID_PREFIXES.get(organisation_kind, 'OTH')}{team_id:05d}"


def contact_id(pk: int) -> str:
    return f"C{pk:08d}"


def activity_id(pk: int) -> str:
    return f"A{pk:08d}"


def care_plan_id(pk: int) -> str:
    return f"CP{pk:06d}"


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment, LONDON) if moment is not None else None


def _date(moment: dt.datetime | dt.date | None) -> str:
    if moment is None:
        return ""
    if isinstance(moment, dt.datetime):
        moment = _local(moment).date()
    return moment.isoformat()


def _time(moment: dt.datetime | None) -> str:
    return _local(moment).strftime("%H:%M:%S") if moment is not None else ""


def _timestamp(moment: dt.datetime | None) -> str:
    return _local(moment).strftime("%Y-%m-%dT%H:%M:%S") if moment is not None else ""


def _score(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".")


# --- Building the tables ------------------------------------------------------------------------


@dataclass
class _Month:
    """The month's records, built table by table; each builder adds its own problems."""

    month: dt.date
    start: dt.datetime
    end: dt.datetime
    last_day: dt.date
    provider: str
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    teams: dict[int, tuple[str, str]] = field(default_factory=dict)  # id -> (type, org kind)
    referrals: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Referrals outside the month's submission that records of the month belong to.
    outside: dict[int, dict[str, Any] | None] = field(default_factory=dict)

    def problem(self, table: str, record: str, name: str, text: str, *, rejected: bool) -> None:
        self.problems.append(Problem(table, record, name, text, rejected))

    def team_id(self, team_pk: int) -> str:
        return team_local_id(team_pk, self.teams[team_pk][1])

    def within(self, moment: dt.datetime | None) -> dt.datetime | None:
        """A closure or rejection as known at the month end: later ones are not shown."""
        return moment if moment is not None and moment < self.end else None


def open_referrals(start: dt.datetime, end: dt.datetime) -> QuerySet[Referral]:
    """Referrals open at any time between ``start`` and ``end``: received before the end, and
    neither closed nor rejected before the start."""
    return Referral.objects.filter(received_at__lt=end).exclude(
        Q(closed_at__lt=start) | Q(rejected_at__lt=start)
    )


def _header(m: _Month) -> None:
    m.rows["MHS000Header"] = [
        {
            "DatSetVer": DATASET_VERSION,
            "OrgIDProvider": m.provider,
            "OrgIDSubmit": m.provider,
            "PrimSystemInUse": SYSTEM_NAME,
            "ReportingPeriodStartDate": m.month.isoformat(),
            "ReportingPeriodEndDate": m.last_day.isoformat(),
            "DateTimeDatSetCreate": _timestamp(timezone.now()),
        }
    ]


def _source_code(m: _Month, source: str, referring_ods: str | None) -> str:
    """SourceOfReferralMH: an NHS mental health trust referring is internal (P1) when it is the
    submitting provider, and another trust (group I) otherwise."""
    if source == Source.SECONDARY_CARE and referring_ods and referring_ods != m.provider:
        return ANOTHER_TRUST_SOURCE_CODE
    return MHSDS_SOURCE_CODES.get(source, "")


def _referrals(m: _Month, referrals: QuerySet[Referral]) -> None:
    referral_rows = []
    found = referrals.values(
        "id",
        "reference",
        "person_id",
        "person__date_of_birth",
        "received_at",
        "source",
        "referring_organisation__ods_code",
        "reason_for_referral",
        "urgency",
        "team_id",
        "accepted_team_id",
        "closed_at",
        "closure_reason",
        "rejected_at",
        "rejection_reason",
    ).order_by("received_at", "id")
    for r in found:
        ref = r["reference"]
        if r["person_id"] is None:
            m.problem(
                "MHS101Referral",
                ref,
                "LocalPatientID",
                "No person matched to this referral yet, so it cannot be submitted (left out).",
                rejected=True,
            )
            continue
        m.referrals[r["id"]] = r
        received = _local(r["received_at"])
        team = r["accepted_team_id"] or r["team_id"]
        closed, rejected = m.within(r["closed_at"]), m.within(r["rejected_at"])
        source = _source_code(m, r["source"], r["referring_organisation__ods_code"])
        if not source:
            m.problem(
                "MHS101Referral",
                ref,
                "SourceOfReferralMH",
                f"Source of referral '{r['source']}' has no SourceOfReferralMH code.",
                rejected=True,
            )
        if r["person__date_of_birth"] > received.date():
            m.problem(
                "MHS101Referral",
                ref,
                "PersonBirthDate",
                "The person's date of birth is after the date the referral was received.",
                rejected=True,
            )
        if not r["reason_for_referral"]:
            m.problem(
                "MHS101Referral",
                ref,
                "PrimReasonReferralMH",
                "No main reason for referral is recorded: the referral is accepted but left out "
                "of every breakdown by reason.",
                rejected=False,
            )
        priority = PRIORITY_CODES.get(r["urgency"], "")
        if not priority:
            m.problem(
                "MHS101Referral",
                ref,
                "ClinRespPriorityType",
                f"Urgency '{r['urgency']}' has no ClinRespPriorityType code.",
                rejected=False,
            )
        team_type = MHSDS_TEAM_TYPE_CODES.get(m.teams[team][0], "")
        if not team_type:
            m.problem(
                "MHS101Referral",
                ref,
                "ServTeamType",
                f"The team referred to has team type '{m.teams[team][0]}', which has no MHSDS "
                "service or team type code. The row is written with the code blank: the lead "
                "provider must agree a code for this team or leave the referral out.",
                rejected=True,
            )
        referral_rows.append(
            {
                "ServiceRequestID": ref,
                "LocalPatientID": patient_id(r["person_id"]),
                "ReferralRequestReceivedDate": _date(received),
                "ReferralRequestReceivedTime": _time(received),
                "SourceOfReferralMH": source,
                "OrgIDReferringOrg": r["referring_organisation__ods_code"] or "",
                "PrimReasonReferralMH": r["reason_for_referral"],
                "ClinRespPriorityType": priority,
                "CareProfTeamLocalID": m.team_id(team),
                "ServTeamType": team_type,
                "ServDischDate": _date(closed),
                "ServDischTime": _time(closed),
                "ReferRejectionDate": _date(rejected),
                "ReferRejectionTime": _time(rejected),
                "ReferRejectReason": r["rejection_reason"] if rejected else "",
                "ReferClosReason": r["closure_reason"] if closed else "",
            }
        )
    m.rows["MHS101Referral"] = referral_rows
    # Other service types on a referral: none are recorded (see the module docstring).
    m.rows["MHS102OtherServiceType"] = []


def _not_submitted(m: _Month, referral_id: int) -> str:
    """Why a record of the month on a referral outside the month's submission is left out."""
    if referral_id not in m.outside:
        m.outside[referral_id] = (
            Referral.objects.filter(pk=referral_id)
            .values("reference", "closed_at", "rejected_at", "person_id")
            .first()
        )
    ended = m.outside[referral_id]
    if ended is None:  # pragma: no cover - a record's referral always exists
        return "Its referral is not in this month's submission, so it is left out."
    if ended["person_id"] is None:
        return (
            f"Its referral {ended['reference']} has no person matched, so neither is submitted "
            "(left out)."
        )
    end = min(t for t in (ended["closed_at"], ended["rejected_at"]) if t is not None)
    return (
        f"Its referral {ended['reference']} ended on {_date(end)}, before the month began, so it "
        "is not in this month's submission and neither is this (left out): record it on an open "
        "referral."
    )


def _people(m: _Month) -> None:
    person_ids = {r["person_id"] for r in m.referrals.values()}
    people = list(
        Person.objects.filter(id__in=person_ids)
        .values(
            "id",
            "nhs_number",
            "date_of_birth",
            "postcode",
            "stated_gender",
            "gender_identity",
            "ethnicity",
            "registered_gp_practice_id",
            "registered_gp_practice__ods_code",
        )
        .order_by("id")
    )
    postcodes = {p["postcode"] for p in people if p["postcode"]}
    lsoas = dict(
        Postcode.objects.filter(postcode__in=postcodes).values_list("postcode", "lsoa_code")
    )
    mpi, gp = [], []
    for p in people:
        local = patient_id(p["id"])
        if not p["nhs_number"]:
            m.problem(
                "MHS001MPI",
                local,
                "NHSNumber",
                "No NHS number: the record is accepted but cannot be linked to other data sets.",
                rejected=False,
            )
        if not p["postcode"]:
            m.problem(
                "MHS001MPI",
                local,
                "Postcode",
                "No postcode: no LSOA or local authority of residence can be derived, so the "
                "person drops out of residence-based measures.",
                rejected=False,
            )
        elif not lsoas.get(p["postcode"]):
            m.problem(
                "MHS001MPI",
                local,
                "Postcode",
                "The postcode is not in the postcode lookup, so no LSOA can be derived here.",
                rejected=False,
            )
        if p["ethnicity"] == EthnicCategory.NOT_KNOWN:
            m.problem(
                "MHS001MPI",
                local,
                "EthnicCategory",
                "Ethnic category is 99 (not known): allowed, but the person is missing from "
                "health inequalities measures.",
                rejected=False,
            )
        mpi.append(
            {
                "LocalPatientID": local,
                "OrgIDLocalPatientID": m.provider,
                "NHSNumber": p["nhs_number"] or "",
                "PersonBirthDate": p["date_of_birth"].isoformat(),
                "Postcode": p["postcode"] or "",
                "Gender": p["stated_gender"],
                "GenderIDCode": p["gender_identity"],
                "EthnicCategory": p["ethnicity"],
            }
        )
        if p["registered_gp_practice_id"] is None:
            m.problem(
                "MHS002GP",
                local,
                "GMPReg",
                "No registered GP practice recorded: no GP row is written.",
                rejected=False,
            )
        elif not p["registered_gp_practice__ods_code"]:
            m.problem(
                "MHS002GP",
                local,
                "GMPReg",
                "The registered GP practice has no ODS code: no GP row can be written.",
                rejected=True,
            )
        else:
            gp.append({"LocalPatientID": local, "GMPReg": p["registered_gp_practice__ods_code"]})
    m.rows["MHS001MPI"] = mpi
    m.rows["MHS002GP"] = gp


def _contacts(m: _Month, referrals: QuerySet[Referral]) -> None:
    found = (
        Contact.objects.filter(starts_at__gte=m.start, starts_at__lt=m.end)
        .values(
            "id",
            "episode__referral_id",
            "team_id",
            "starts_at",
            "mode",
            "kind",
            "outcome",
            "duration_minutes",
        )
        .order_by("starts_at", "id")
    )
    contacts, activities = [], []
    now = timezone.now()
    for c in found:
        cid = contact_id(c["id"])
        referral = m.referrals.get(c["episode__referral_id"])
        if referral is None:
            if c["outcome"] != Outcome.PLANNED or c["starts_at"] < now:
                m.problem(
                    "MHS201CareContact",
                    cid,
                    "ServiceRequestID",
                    _not_submitted(m, c["episode__referral_id"]),
                    rejected=False,
                )
            continue
        if c["outcome"] == Outcome.PLANNED:
            if c["starts_at"] < now:
                m.problem(
                    "MHS201CareContact",
                    cid,
                    "AttendStatus",
                    "The contact's date has passed but no outcome is recorded, so it is not "
                    "submitted: record whether it happened.",
                    rejected=False,
                )
            continue
        referral_team = referral["accepted_team_id"] or referral["team_id"]
        attended = c["outcome"] == Outcome.ATTENDED
        if attended and c["duration_minutes"] is None:
            m.problem(
                "MHS201CareContact",
                cid,
                "ClinContDurOfCareCont",
                "Attended contact with no duration recorded.",
                rejected=False,
            )
        closed = m.within(referral["closed_at"])
        if closed is not None and c["starts_at"] > closed:
            m.problem(
                "MHS201CareContact",
                cid,
                "CareContDate",
                "The contact is dated after the referral was closed.",
                rejected=True,
            )
        contacts.append(
            {
                "CareContactID": cid,
                "ServiceRequestID": referral["reference"],
                "CareProfTeamLocalID": m.team_id(c["team_id"]),
                "OtherCareProfTeamLocalID": (
                    m.team_id(c["team_id"]) if c["team_id"] != referral_team else ""
                ),
                "CareContDate": _date(c["starts_at"]),
                "CareContTime": _time(c["starts_at"]),
                "ClinContDurOfCareCont": (
                    str(c["duration_minutes"]) if c["duration_minutes"] is not None else ""
                ),
                "ConsMechanismMH": MHSDS_MECHANISM_CODES[c["mode"]],
                "AttendStatus": MHSDS_ATTEND_CODES[c["outcome"]],
            }
        )
        if attended:
            activities.append(
                {
                    "CareActID": activity_id(c["id"]),
                    "CareContactID": cid,
                    "Procedure": SNOMED_PROCEDURES[c["kind"]][0],
                    "ClinContactDurOfCareAct": (
                        str(c["duration_minutes"]) if c["duration_minutes"] is not None else ""
                    ),
                }
            )
    m.rows["MHS201CareContact"] = contacts
    m.rows["MHS202CareActivity"] = activities


def _care_plans(m: _Month, referrals: QuerySet[Referral]) -> None:
    versions = (
        CarePlanVersion.objects.filter(
            plan__episode__referral__in=referrals,
            plan__episode__referral__person__isnull=False,
            created_at__lt=m.end,
        )
        .values("plan_id", "number", "created_at", "agreed_on", "plan__episode__person_id")
        .order_by("plan_id", "number")
    )
    plans: dict[int, list[dict[str, Any]]] = {}
    for v in versions:
        plans.setdefault(v["plan_id"], []).append(v)
    types, agreements = [], []
    for plan, history in plans.items():
        first, current = history[0], history[-1]
        pid = care_plan_id(plan)
        types.append(
            {
                "CarePlanID": pid,
                "LocalPatientID": patient_id(first["plan__episode__person_id"]),
                "CarePlanTypeMH": CARE_PLAN_TYPE_MH,
                "CarePlanCreatDate": _date(first["created_at"]),
                "CarePlanCreationTime": _time(first["created_at"]),
                "CarePlanLastUpdateDate": _date(current["created_at"]),
                "CarePlanLastUpdateTime": _time(current["created_at"]),
            }
        )
        agreed = current["agreed_on"]
        if agreed is not None and agreed <= m.last_day:
            agreements.append(
                {
                    "CarePlanID": pid,
                    "CarePlanContentAgreedBy": CARE_PLAN_AGREED_BY_PERSON,
                    "CarePlanContentAgreedDate": agreed.isoformat(),
                }
            )
        else:
            m.problem(
                "MHS009CarePlanAgreement",
                pid,
                "CarePlanContentAgreedDate",
                "The plan in use at the month end is not agreed with the person, so it does not "
                "count as an agreed care plan.",
                rejected=False,
            )
    m.rows["MHS008CarePlanType"] = types
    m.rows["MHS009CarePlanAgreement"] = agreements
    written_elsewhere = (
        CarePlanVersion.objects.filter(created_at__gte=m.start, created_at__lt=m.end)
        .exclude(plan_id__in=plans)
        .values_list("plan_id", "plan__episode__referral_id")
        .distinct()
        .order_by("plan_id")
    )
    for plan, referral in written_elsewhere:
        m.problem(
            "MHS008CarePlanType",
            care_plan_id(plan),
            "CarePlanID",
            _not_submitted(m, referral),
            rejected=False,
        )


def _onward_referrals(m: _Month, referrals: QuerySet[Referral]) -> None:
    found = (
        Handover.objects.filter(created_at__gte=m.start, created_at__lt=m.end)
        .values(
            "id",
            "referral_id",
            "referral__reference",
            "created_at",
            "team_id",
            "team__organisation__ods_code",
            "service_id",
            "service__organization__organisation__ods_code",
        )
        .order_by("created_at", "id")
    )
    rows = []
    for h in found:
        if h["referral_id"] not in m.referrals:
            m.problem(
                "MHS105OnwardReferral",
                f"{h['referral__reference']}/H{h['id']}",
                "ServiceRequestID",
                _not_submitted(m, h["referral_id"]),
                rejected=False,
            )
            continue
        ods = (
            h["team__organisation__ods_code"]
            if h["team_id"] is not None
            else h["service__organization__organisation__ods_code"]
        )
        if not ods:
            where = "team" if h["team_id"] is not None else "directory service"
            m.problem(
                "MHS105OnwardReferral",
                f"{h['referral__reference']}/H{h['id']}",
                "OrgIDReceiving",
                f"The {where} handed over to belongs to no organisation with an ODS code "
                "(usual for community groups).",
                rejected=True,
            )
        rows.append(
            {
                "ServiceRequestID": h["referral__reference"],
                "OnwardReferDate": _date(h["created_at"]),
                "OnwardReferTime": _time(h["created_at"]),
                "OnwardReferReason": "",
                "OrgIDReceiving": ods or "",
            }
        )
    m.rows["MHS105OnwardReferral"] = rows


def _item_codes(response: Response) -> list[tuple[str, str]]:
    """(item, SNOMED CT code) for each item of the response's measure with a code of its own that
    none of the measure's scores carries (DIALOG's items; not the Goal Based Outcomes goals, whose
    scores carry the same codes)."""
    measure = registry.measure(response.questionnaire)
    scored = {rule.code for rule in measure.scores if rule.code}
    out = []
    for item in measure.answerable:
        code = next((c["code"] for c in item.codes if c.get("system") == SNOMED_SYSTEM), "")
        if code and code not in scored:
            out.append((item.link_id, code))
    return out


def _scores(m: _Month, referrals: QuerySet[Referral]) -> None:
    """MHS606: for each current response completed in the month, its coded scores and then its
    coded items (see the module docstring)."""
    responses = (
        Response.objects.filter(
            status=Status.COMPLETED,
            completed_at__gte=m.start,
            completed_at__lt=m.end,
            scores__current=True,
        )
        .distinct()
        .select_related("questionnaire", "episode")
        .order_by("completed_at", "id")
    )
    scores: dict[int, list[Score]] = {}
    for score in Score.objects.filter(response__in=responses, current=True).order_by("id"):
        scores.setdefault(score.response_id, []).append(score)
    rows = []
    for response in responses:
        referral = m.referrals.get(response.episode.referral_id)
        record = f"R{response.pk}"
        if referral is None:
            m.problem(
                "MHS606CodedScoreAssessmentRefer",
                record,
                "ServiceRequestID",
                _not_submitted(m, response.episode.referral_id),
                rejected=False,
            )
            continue
        found = [(s.snomed, s.value) for s in scores.get(response.pk, []) if s.snomed]
        for link_id, code in _item_codes(response):
            answer = response.answers.get(link_id)
            if answer in (None, ""):
                continue
            value = registry.measure(response.questionnaire).item(link_id).value_of(answer)
            if value is not None:
                found.append((code, value))
        if not found:
            m.problem(
                "MHS606CodedScoreAssessmentRefer",
                record,
                "CodedAssToolType",
                f"{response.questionnaire.title} has no SNOMED CT code for its scores or items, "
                "so MHSDS has nowhere to put it (left out).",
                rejected=False,
            )
        rows += [
            {
                "ServiceRequestID": referral["reference"],
                "CodedAssToolType": code,
                "PersScore": _score(value),
                "AssToolCompTimestamp": _timestamp(response.completed_at),
            }
            for code, value in found
        ]
    m.rows["MHS606CodedScoreAssessmentRefer"] = rows


def _provider(m: _Month, given: str | None) -> str:
    if given:
        code = given.strip().upper()
        if not Organisation.objects.filter(ods_code=code).exists():
            raise ExportError(f"No organisation here has the ODS code {code}.")
        return code
    trusts = list(
        Organisation.objects.filter(kind=OrganisationKind.NHS_TRUST, ods_code__isnull=False)
        .order_by("ods_code")
        .values_list("ods_code", flat=True)
    )
    if len(trusts) == 1:
        return trusts[0]
    m.problem(
        "MHS000Header",
        "header",
        "OrgIDProvider",
        (
            "No NHS trust with an ODS code is recorded, so the provider is unknown."
            if not trusts
            else f"{len(trusts)} NHS trusts have ODS codes ({', '.join(trusts)}): name the "
            "submitting provider with --provider."
        ),
        rejected=True,
    )
    return ""


def build_month(month: dt.date, *, provider: str | None = None) -> _Month:
    """The month's rows and problems, without writing anything."""
    start, end, last_day = month_bounds(month)
    m = _Month(month=month, start=start, end=end, last_day=last_day, provider="")
    m.provider = _provider(m, provider)
    m.teams = {
        t["id"]: (t["team_type"], t["organisation__kind"])
        for t in Team.objects.values("id", "team_type", "organisation__kind")
    }
    referrals = open_referrals(start, end)
    _header(m)
    _referrals(m, referrals)
    _people(m)
    _contacts(m, referrals)
    _care_plans(m, referrals)
    _onward_referrals(m, referrals)
    _scores(m, referrals)
    return m


# --- Writing ------------------------------------------------------------------------------------


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.dict_writer(handle, list(columns))
        writer.writeheader()
        writer.writerows(rows)


def _check_target(directory: Path, *, force: bool) -> None:
    if directory.exists() and not directory.is_dir():
        raise ExportError(f"{directory} exists and is not a directory.")
    if not directory.exists():
        return
    entries = {p.name for p in directory.iterdir()}
    if not entries:
        return
    if not force:
        raise ExportError(
            f"{directory} is not empty. Choose an empty or new directory, or use --force to "
            "replace an earlier MHSDS export there."
        )
    strangers = sorted(entries - EXPORT_FILES)
    if strangers:
        raise ExportError(
            f"{directory} holds files that are not part of an MHSDS export "
            f"({', '.join(strangers[:5])}), so it is not replaced even with --force."
        )


def _publish(built: Path, directory: Path) -> None:
    """Move the finished directory into place; an earlier export there is replaced whole."""
    if not directory.exists():
        built.rename(directory)
        return
    retired = directory.with_name(f".{directory.name}.replaced-{uuid.uuid4().hex[:8]}")
    directory.rename(retired)
    try:
        built.rename(directory)
    except OSError:
        retired.rename(directory)
        raise
    shutil.rmtree(retired, ignore_errors=True)


def write_month(
    month: dt.date,
    directory: Path,
    *,
    force: bool = False,
    provider: str | None = None,
    today: dt.date | None = None,
) -> MonthResult:
    """Write the MHSDS tables for ``month`` (its first day) into ``directory``, with
    ``validation.csv`` and ``summary.txt``. All or nothing: see the module docstring."""
    check_month(month, today=today)
    directory = Path(directory)
    _check_target(directory, force=force)
    m = build_month(month, provider=provider)
    today = today or timezone.localdate()
    result = MonthResult(
        month=month,
        directory=directory,
        counts={table: len(m.rows.get(table, [])) for table in TABLES},
        problems=m.problems,
        partial_month=m.last_day >= today,
    )
    directory.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{directory.name}.writing-", dir=directory.parent))
    try:
        for table, columns in TABLES.items():
            _write_csv(built / f"{table}.csv", columns, m.rows.get(table, []))
        _write_csv(built / VALIDATION_FILE, VALIDATION_COLUMNS, (p.row() for p in m.problems))
        (built / SUMMARY_FILE).write_text("\n".join(result.summary()) + "\n", encoding="utf-8")
        _publish(built, directory)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    return result
