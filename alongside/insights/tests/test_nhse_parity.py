"""``benchmarks/nhse_parity.py`` — NHS England's logic over our exported MHSDS files — against
hand-worked answers, and against our metrics live on PostgreSQL for the same months. Each case
is written from NHS England's code (``cmh_prep.py`` is
``menh_bbrb/notebooks/02_Specific_Prepare/03_cmh/cmh_prep.py``, ``generic_prep.py`` is
``menh_bbrb/notebooks/01_Generic_Prepare/00_generic_prep.py``). Synthetic data only."""

import csv
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from alongside.care.models import Mode, Outcome
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, key_worker_for
from alongside.insights import metrics, mhsds, snapshots
from alongside.insights.engines import PostgresEngine
from alongside.organisations.models import OrganisationKind, TeamType
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import ClosureReason, RejectionReason, Source, State
from alongside.referrals.tests.factories import ReferralFactory
from benchmarks import nhse_parity

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MONTHS = [dt.date(2025, m, 1) for m in (1, 2, 3, 4)]


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, tzinfo=LONDON)


# --- the logic on its own ------------------------------------------------------------------------


def test_percentile_interpolates_as_sparks_does():
    assert nhse_parity.percentile([10, 40, 100], 0.5) == 40
    assert nhse_parity.percentile([10, 40, 100], 0.9) == pytest.approx(88)
    assert nhse_parity.percentile([1, 2, 3, 4], 0.5) == 2.5
    assert nhse_parity.percentile([], 0.5) is None


def _write(directory, table, rows):
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f"{table}.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]) if rows else ["x"])
        writer.writeheader()
        writer.writerows(rows)


def test_the_team_type_is_read_from_mhs101_as_the_v6_preparation_does(tmp_path):
    """``generic_prep.py`` lines 363-403: from v6 the team type is ``MHS101Referral.ServTeamType``,
    with any ``MHS102OtherServiceType`` rows beside it. A v5-shaped month (the team type only on
    MHS102ServiceTypeReferredTo) has no in-scope referral at all."""
    month = tmp_path / "2025-03"
    _write(month, "MHS000Header", [{"ReportingPeriodStartDate": "2025-03-01"}])
    _write(month, "MHS001MPI", [{"LocalPatientID": "P1", "PersonBirthDate": "1980-01-01"}])
    referral = {
        "ServiceRequestID": "R1",
        "LocalPatientID": "P1",
        "ReferralRequestReceivedDate": "2025-03-01",
    }
    contacts = [
        {
            "CareContactID": f"C{n}",
            "ServiceRequestID": "R1",
            "CareContDate": f"2025-03-0{n}",
            "CareContTime": "10:00:00",
            "ConsMechanismMH": "01",
            "AttendStatus": "5",
        }
        for n in (2, 3)
    ]
    _write(month, "MHS201CareContact", contacts)
    _write(month, "validation", [])
    v5 = tmp_path / "v5"
    _write(v5, "MHS000Header", [{"ReportingPeriodStartDate": "2025-03-01"}])
    _write(v5, "MHS001MPI", [{"LocalPatientID": "P1", "PersonBirthDate": "1980-01-01"}])
    _write(v5, "MHS101Referral", [{**referral, "ServTeamType": ""}])
    _write(v5, "MHS201CareContact", contacts)
    _write(v5, "validation", [])
    assert nhse_parity.people_with_two_contacts(nhse_parity.read_month(v5), MONTHS[2]) == 0

    _write(month, "MHS101Referral", [{**referral, "ServTeamType": "A06"}])
    read = nhse_parity.read_month(month)
    assert [(r.referral, r.team_type, r.age) for r in read.referrals] == [("R1", "A06", 45)]
    assert nhse_parity.people_with_two_contacts(read, MONTHS[2]) == 1
    # "Did not attend" is 3: not attended (cmh_prep.py line 233 reads 5 and 6).
    _write(month, "MHS201CareContact", [contacts[0], {**contacts[1], "AttendStatus": "3"}])
    assert nhse_parity.people_with_two_contacts(nhse_parity.read_month(month), MONTHS[2]) == 0


# --- our export read back, beside our metrics ---------------------------------------------


@pytest.fixture
def scenario() -> None:
    """January to April 2025: every case of issue 19 the two must agree on."""
    trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, ods_code="RZZ")
    pcn = OrganisationFactory(kind=OrganisationKind.PCN, ods_code=None)
    charity = OrganisationFactory(kind=OrganisationKind.VCSE, ods_code=None)
    cmht = TeamFactory(organisation=trust, team_type=TeamType.COMMUNITY_MENTAL_HEALTH)
    eip = TeamFactory(organisation=trust, team_type=TeamType.EARLY_INTERVENTION)
    primary = TeamFactory(organisation=pcn, team_type=TeamType.PRIMARY_CARE_MENTAL_HEALTH)
    vcse = TeamFactory(organisation=charity, team_type=TeamType.VCSE_SERVICE)

    def case(team, received, contacts, **fields):
        care = EpisodeFactory(
            lead_team=team,
            started_at=received + dt.timedelta(days=1),
            referral__received_at=received,
            **{f"referral__{k}": v for k, v in fields.items()},
        )
        worker = key_worker_for(care)
        for starts_at, extra in contacts:
            ContactFactory(
                episode=care,
                practitioner=worker,
                starts_at=starts_at,
                **{"mode": Mode.FACE_TO_FACE, **extra},
            )
        return care

    # A PCN-run primary care mental health team (A05): counted (cmh_prep.py line 200).
    case(primary, at(1, 6), [(at(1, 20), {"team": primary}), (at(2, 3), {"team": primary})])
    # A VCSE partner's contact on a CMHT referral counts (lines 217-257 ignore the team).
    case(cmht, at(1, 7), [(at(1, 21), {}), (at(3, 4), {"team": vcse})])
    # Early intervention, in scope from April 2023 (line 200).
    case(eip, at(2, 3), [(at(2, 10), {"team": eip}), (at(4, 2), {"team": eip})])
    # Did not attend (3) and text (09) are not attended direct contacts (lines 233-234).
    case(
        cmht,
        at(1, 8),
        [
            (at(1, 22), {}),
            (at(2, 5), {"outcome": Outcome.DID_NOT_ATTEND}),
            (at(2, 6), {"mode": Mode.TEXT}),
        ],
    )
    # A contact after the referral was closed: flagged as rejected, so not in NHS England's
    # tables; the one before counts alone.
    case(
        cmht,
        at(1, 9),
        [(at(1, 23), {}), (at(3, 25), {})],
        state=State.CLOSED,
        closed_at=at(3, 20),
        closure_reason=ClosureReason.MOVED,
    )
    # No source of referral code: the referral record is rejected, and its contacts with it.
    case(cmht, at(1, 10), [(at(1, 24), {}), (at(2, 24), {})], source=Source.OTHER)
    # A CMHT referral declined with an onward referral to a VCSE team seen twice: the CMHT
    # referral has no contacts and the VCSE one is not in scope.
    declined = ReferralFactory(
        team=cmht,
        person=PersonFactory(),
        received_at=at(2, 11),
        state=State.DECLINED,
        rejected_at=at(2, 13),
        rejection_reason=RejectionReason.ALTERNATIVE_SERVICE,
    )
    case(
        vcse,
        at(2, 13),
        [(at(2, 20), {"team": vcse}), (at(3, 5), {"team": vcse})],
        onward_from=declined,
    )


def _export_all(tmp_path) -> nhse_parity.Submission:
    folders = []
    for month in MONTHS:
        folder = tmp_path / f"{month:%Y-%m}"
        mhsds.write_month(month, folder, today=dt.date(2025, 6, 1))
        folders.append(folder)
    return nhse_parity.read_months(folders)


def test_our_figures_are_nhs_englands_from_our_own_export(scenario, tmp_path):
    submission = _export_all(tmp_path)
    snapshots.refresh()
    engine = PostgresEngine()
    seen = {}
    for month in MONTHS[1:]:
        period = metrics.Period.month(month.year, month.month)
        access = metrics.compute(engine, metrics.BY_KEY["access_nhs"], period)
        waits = metrics.compute(engine, metrics.BY_KEY["second_contact_wait_nhse"], period)
        ours = (
            access[0]["denominator"] if access else 0,
            waits[0]["denominator"] if waits else 0,
            waits[0]["median"] if waits else None,
            waits[0]["p90"] if waits else None,
        )
        theirs_waits = nhse_parity.second_contact_waits(submission, month)
        theirs = (
            nhse_parity.people_with_two_contacts(submission, month),
            theirs_waits.referrals,
            theirs_waits.median,
            None if theirs_waits.p90 is None else round(theirs_waits.p90, 2),
        )
        assert ours == theirs, month
        seen[month] = theirs
    # Worked by hand: by April, the PCN's, the CMHT with its VCSE contact, and early
    # intervention: 3 people. Second contacts: 3 February (28 days), 4 March (56), 2 April (58).
    assert seen[MONTHS[3]][0] == 3
    assert seen[MONTHS[1]][1:3] == (1, 28.0)
    assert seen[MONTHS[3]][1:] == (3, 56.0, 57.6)


def test_the_age_at_referral_is_from_the_birth_date_the_export_submits(tmp_path):
    """NHS England works out the age at referral from ``MHS001MPI.PersonBirthDate`` (the
    person's record), not the date of birth the referrer gave: a referral given a wrong,
    under-18 date of birth but matched to an adult counts in both."""
    trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, ods_code="RZZ")
    cmht = TeamFactory(organisation=trust, team_type=TeamType.COMMUNITY_MENTAL_HEALTH)
    person = PersonFactory(date_of_birth=dt.date(1980, 5, 1))
    care = EpisodeFactory(
        lead_team=cmht,
        person=person,
        started_at=at(1, 7),
        referral__received_at=at(1, 6),
        referral__date_of_birth=dt.date(2012, 5, 1),
    )
    worker = key_worker_for(care)
    for day in (10, 20):
        ContactFactory(episode=care, practitioner=worker, starts_at=at(1, day))
    folder = tmp_path / "2025-01"
    mhsds.write_month(MONTHS[0], folder, today=dt.date(2025, 6, 1))
    snapshots.refresh()
    ours = metrics.compute(
        PostgresEngine(), metrics.BY_KEY["access_nhs"], metrics.Period.month(2025, 1)
    )
    theirs = nhse_parity.people_with_two_contacts(nhse_parity.read_month(folder), MONTHS[0])
    assert (ours[0]["denominator"] if ours else 0, theirs) == (1, 1)
