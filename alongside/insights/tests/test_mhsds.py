"""The MHSDS monthly export, against the real PostgreSQL, with hand-built cases in March 2025
(British Summer Time starts on 30 March, so the last evening of the month is an hour ahead of
UTC). Synthetic data only."""

import csv
import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from alongside.care.models import CarePlan, CarePlanVersion, Contact, Kind, Mode, Outcome
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, key_worker_for
from alongside.directory.tests import factories as directory
from alongside.insights import mhsds
from alongside.organisations.models import OrganisationKind, TeamType
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from alongside.outcomes.models import Score
from alongside.outcomes.tests.factories import PHQ9_MILD, answered
from alongside.people.models import EthnicCategory
from alongside.people.tests.factories import PersonFactory
from alongside.places.models import Postcode
from alongside.referrals.models import (
    ClosureReason,
    Handover,
    HandoverKind,
    RejectionReason,
    Source,
    State,
)
from alongside.referrals.tests.factories import ReferralFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MARCH = dt.date(2025, 3, 1)


def at(month: int, day: int, hour: int = 10, minute: int = 0, year: int = 2025) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def read(directory: Path, table: str) -> list[dict[str, str]]:
    with (directory / f"{table}.csv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def problems(directory: Path) -> list[dict[str, str]]:
    return read(directory, "validation")


def by(rows: list[dict[str, str]], key: str) -> dict[str, dict[str, str]]:
    return {row[key]: row for row in rows}


@pytest.fixture
def trust():
    return OrganisationFactory(kind=OrganisationKind.NHS_TRUST, ods_code="RZZ")


@pytest.fixture
def cmht(trust):
    return TeamFactory(organisation=trust, team_type=TeamType.COMMUNITY_MENTAL_HEALTH)


@pytest.fixture
def vcse_team():
    charity = OrganisationFactory(kind=OrganisationKind.VCSE, ods_code=None, name="Wellspring")
    return TeamFactory(organisation=charity, team_type=TeamType.VCSE_SERVICE)


@pytest.fixture
def practice():
    return OrganisationFactory(kind=OrganisationKind.GP_PRACTICE, ods_code="B99001")


def referral(team, received_at, **fields):
    fields.setdefault("person", PersonFactory())
    return ReferralFactory(team=team, received_at=received_at, **fields)


def episode(team, *, received_at=None, started_at=None, **fields):
    return EpisodeFactory(
        lead_team=team,
        started_at=started_at or at(2, 1),
        referral__received_at=received_at or at(1, 20),
        **fields,
    )


def export(tmp_path: Path, month: dt.date = MARCH, **kwargs) -> tuple[Path, mhsds.MonthResult]:
    target = tmp_path / f"mhsds-{month:%Y-%m}"
    return target, mhsds.write_month(month, target, **kwargs)


# --- Which records belong to the month ----------------------------------------------------------


def test_referrals_open_in_the_month_are_chosen_at_the_boundaries(tmp_path, cmht):
    first_minute = referral(cmht, at(3, 1, 0, 0))
    last_evening = referral(cmht, at(3, 31, 23, 30))  # BST: 22:30 UTC
    next_month = referral(cmht, at(4, 1, 0, 10))
    last_month = referral(cmht, at(2, 28, 23, 59))
    still_open = referral(cmht, at(1, 5))
    closed_before = referral(
        cmht,
        at(1, 5),
        state=State.CLOSED,
        closed_at=at(2, 28, 23, 59),
        closure_reason=ClosureReason.PERSON_REQUESTED,
    )
    closed_on_first = referral(
        cmht,
        at(1, 5),
        state=State.CLOSED,
        closed_at=at(3, 1, 9),
        closure_reason=ClosureReason.TREATMENT_COMPLETE,
    )
    closed_after = referral(
        cmht,
        at(1, 5),
        state=State.CLOSED,
        closed_at=at(4, 2),
        closure_reason=ClosureReason.MOVED,
    )
    rejected_before = referral(
        cmht,
        at(1, 5),
        state=State.DECLINED,
        rejected_at=at(2, 10),
        rejection_reason=RejectionReason.DUPLICATE,
    )
    rejected_in_month = referral(
        cmht,
        at(2, 20),
        state=State.DECLINED,
        rejected_at=at(3, 31, 23, 59),
        rejection_reason=RejectionReason.ALTERNATIVE_SERVICE,
    )
    unmatched = referral(cmht, at(3, 10), person=None)

    target, result = export(tmp_path)

    rows = by(read(target, "MHS101Referral"), "ServiceRequestID")
    assert set(rows) == {
        r.reference
        for r in (
            first_minute,
            last_evening,
            last_month,
            still_open,
            closed_on_first,
            closed_after,
            rejected_in_month,
        )
    }
    assert not {next_month.reference, closed_before.reference, rejected_before.reference} & set(
        rows
    )
    assert rows[first_minute.reference]["ReferralRequestReceivedDate"] == "2025-03-01"
    assert rows[last_evening.reference]["ReferralRequestReceivedDate"] == "2025-03-31"
    assert rows[last_evening.reference]["ReferralRequestReceivedTime"] == "23:30:00"
    closed = rows[closed_on_first.reference]
    assert (closed["ServDischDate"], closed["ServDischTime"], closed["ReferClosReason"]) == (
        "2025-03-01",
        "09:00:00",
        "02",
    )
    # A closure after the month ends is not known at the month end.
    assert rows[closed_after.reference]["ServDischDate"] == ""
    assert rows[closed_after.reference]["ReferClosReason"] == ""
    rejected = rows[rejected_in_month.reference]
    assert (rejected["ReferRejectionDate"], rejected["ReferRejectReason"]) == ("2025-03-31", "02")

    # The referral with no person is left out, and reported.
    assert unmatched.reference not in rows
    (missing,) = [p for p in problems(target) if p["record_id"] == unmatched.reference]
    assert missing["table"] == "MHS101Referral"
    assert missing["field"] == "LocalPatientID"
    assert missing["would_be_rejected"] == "yes"
    # People: one MPI row per person of a submitted referral.
    assert result.counts["MHS001MPI"] == 7
    assert result.counts["MHS101Referral"] == 7
    # v6: the main team is on MHS101; MHS102 is for other service types, which are not recorded.
    assert result.counts["MHS102OtherServiceType"] == 0


def test_contacts_dated_in_the_month_with_every_outcome_and_the_vcse_partner(
    tmp_path, cmht, vcse_team
):
    care = episode(cmht)
    worker = key_worker_for(care)
    partner = UserFactory()

    def contact(starts_at, **fields):
        return ContactFactory(episode=care, practitioner=worker, starts_at=starts_at, **fields)

    first = contact(at(3, 1, 0, 5), mode=Mode.PHONE, kind=Kind.COACHING, duration_minutes=45)
    last = contact(
        at(3, 31, 23, 50), mode=Mode.VIDEO, outcome=Outcome.DID_NOT_ATTEND, duration_minutes=None
    )
    by_person = contact(at(3, 10), mode=Mode.FACE_TO_FACE, outcome=Outcome.CANCELLED_BY_PERSON)
    by_service = contact(at(3, 11), mode=Mode.TEXT, outcome=Outcome.CANCELLED_BY_SERVICE)
    before = contact(at(2, 28, 23, 55))
    after = contact(at(4, 1, 0, 1))
    planned = contact(at(3, 20), outcome=Outcome.PLANNED, duration_minutes=None)
    vcse = ContactFactory(
        episode=care,
        practitioner=partner,
        team=vcse_team,
        starts_at=at(3, 15),
        mode=Mode.FACE_TO_FACE,
        kind=Kind.PEER_SUPPORT,
        duration_minutes=60,
    )

    target, _ = export(tmp_path)

    rows = by(read(target, "MHS201CareContact"), "CareContactID")
    assert set(rows) == {mhsds.contact_id(c.pk) for c in (first, last, by_person, by_service, vcse)}
    assert mhsds.contact_id(before.pk) not in rows and mhsds.contact_id(after.pk) not in rows
    assert mhsds.contact_id(planned.pk) not in rows

    def codes(c):
        row = rows[mhsds.contact_id(c.pk)]
        return row["CareContDate"], row["ConsMechanismMH"], row["AttendStatus"]

    assert codes(first) == ("2025-03-01", "02", "5")
    # Did not attend is 3, "did not attend, no advance warning" (7 is "arrived late, could not
    # be seen"): NHS England's DNA measures read 3.
    assert codes(last) == ("2025-03-31", "11", "3")
    assert codes(by_person) == ("2025-03-10", "01", "2")
    assert codes(by_service) == ("2025-03-11", "09", "4")
    assert rows[mhsds.contact_id(first.pk)]["ClinContDurOfCareCont"] == "45"
    assert rows[mhsds.contact_id(last.pk)]["CareContTime"] == "23:50:00"
    for row in rows.values():
        assert row["ServiceRequestID"] == care.referral.reference

    # The VCSE partner's contact is on the person's referral, recognisable by its team id.
    lead_row, vcse_row = rows[mhsds.contact_id(first.pk)], rows[mhsds.contact_id(vcse.pk)]
    assert lead_row["CareProfTeamLocalID"] == f"NHS{cmht.pk:05d}"
    assert lead_row["OtherCareProfTeamLocalID"] == ""
    assert vcse_row["CareProfTeamLocalID"] == f"VCSE{vcse_team.pk:05d}"
    assert vcse_row["OtherCareProfTeamLocalID"] == f"VCSE{vcse_team.pk:05d}"

    # Care activities: the attended ones, with their SNOMED CT procedure.
    activities = by(read(target, "MHS202CareActivity"), "CareContactID")
    assert set(activities) == {mhsds.contact_id(first.pk), mhsds.contact_id(vcse.pk)}
    assert activities[mhsds.contact_id(first.pk)]["Procedure"] == "409063005"
    assert activities[mhsds.contact_id(vcse.pk)]["Procedure"] == "410606002"
    assert activities[mhsds.contact_id(vcse.pk)]["ClinContactDurOfCareAct"] == "60"

    # The planned contact whose date has passed is reported, not submitted.
    (unrecorded,) = [p for p in problems(target) if p["record_id"] == mhsds.contact_id(planned.pk)]
    assert unrecorded["field"] == "AttendStatus" and unrecorded["would_be_rejected"] == "no"


def test_a_referral_closed_mid_month_keeps_its_contacts_in_that_month_only(tmp_path, cmht):
    care = episode(cmht)
    worker = key_worker_for(care)
    during = ContactFactory(episode=care, practitioner=worker, starts_at=at(3, 10))
    ended = at(3, 15, 16)
    care.ended_at, care.discharge_reason = ended, ClosureReason.TREATMENT_COMPLETE
    care.save()
    care.referral.state = State.CLOSED
    care.referral.closed_at, care.referral.closure_reason = ended, ClosureReason.TREATMENT_COMPLETE
    care.referral.save()
    late = ContactFactory(episode=care, practitioner=worker, starts_at=at(3, 20))

    target, _ = export(tmp_path)
    referral_row = by(read(target, "MHS101Referral"), "ServiceRequestID")[care.referral.reference]
    assert (referral_row["ServDischDate"], referral_row["ReferClosReason"]) == ("2025-03-15", "02")
    contacts = by(read(target, "MHS201CareContact"), "CareContactID")
    assert mhsds.contact_id(during.pk) in contacts
    (after_closure,) = [p for p in problems(target) if p["record_id"] == mhsds.contact_id(late.pk)]
    assert after_closure["field"] == "CareContDate"
    assert after_closure["would_be_rejected"] == "yes"

    april, result = export(tmp_path, dt.date(2025, 4, 1))
    assert result.counts["MHS101Referral"] == 0
    assert result.counts["MHS201CareContact"] == 0
    assert len(read(april, "MHS201CareContact")) == 0


# --- Codes --------------------------------------------------------------------------------------


def test_source_of_referral_and_team_type_codes(tmp_path, trust, cmht, vcse_team):
    eip = TeamFactory(organisation=trust, team_type=TeamType.EARLY_INTERVENTION)
    self_referral = referral(cmht, at(3, 2), source=Source.SELF, referred_by=None)
    from_gp = referral(cmht, at(3, 3), source=Source.GP)
    from_vcse = referral(eip, at(3, 4), source=Source.VCSE)
    from_social_care = referral(cmht, at(3, 4), source=Source.SOCIAL_CARE)
    other = referral(cmht, at(3, 5), source=Source.OTHER)
    to_vcse = referral(vcse_team, at(3, 6))

    target, _ = export(tmp_path)
    rows = by(read(target, "MHS101Referral"), "ServiceRequestID")
    assert rows[self_referral.reference]["SourceOfReferralMH"] == "B1"
    assert rows[from_gp.reference]["SourceOfReferralMH"] == "A1"
    assert rows[from_vcse.reference]["SourceOfReferralMH"] == "G4"
    assert rows[from_social_care.reference]["SourceOfReferralMH"] == "C1"
    assert rows[other.reference]["SourceOfReferralMH"] == ""
    assert rows[from_gp.reference]["ServTeamType"] == "A06"
    assert rows[from_vcse.reference]["ServTeamType"] == "A14"
    assert rows[to_vcse.reference]["ServTeamType"] == ""
    assert rows[to_vcse.reference]["CareProfTeamLocalID"] == f"VCSE{vcse_team.pk:05d}"

    found = {(p["record_id"], p["field"]): p for p in problems(target)}
    assert found[(other.reference, "SourceOfReferralMH")]["would_be_rejected"] == "yes"
    team_type = found[(to_vcse.reference, "ServTeamType")]
    assert team_type["would_be_rejected"] == "yes"
    assert "vcse_service" in team_type["problem"]
    assert (from_gp.reference, "SourceOfReferralMH") not in found
    assert (from_gp.reference, "ServTeamType") not in found

    header = read(target, "MHS000Header")
    assert header == [
        {
            "DatSetVer": "6.0",
            "OrgIDProvider": "RZZ",
            "OrgIDSubmit": "RZZ",
            "PrimSystemInUse": "Alongside",
            "ReportingPeriodStartDate": "2025-03-01",
            "ReportingPeriodEndDate": "2025-03-31",
            "DateTimeDatSetCreate": header[0]["DateTimeDatSetCreate"],
        }
    ]


# --- The validation report ----------------------------------------------------------------------


def test_the_person_and_gp_checks(tmp_path, cmht, practice):
    Postcode.objects.create(postcode="LS1 4AP", latitude=53.8, longitude=-1.5, lsoa_code="E01011")
    unpractised = OrganisationFactory(kind=OrganisationKind.GP_PRACTICE, ods_code=None)
    complete = PersonFactory(postcode="LS1 4AP", registered_gp_practice=practice)
    no_nhs = PersonFactory(nhs_number=None, postcode="LS1 4AP", registered_gp_practice=practice)
    no_postcode = PersonFactory(postcode="", registered_gp_practice=practice)
    unknown_postcode = PersonFactory(postcode="LS6 2QD", registered_gp_practice=practice)
    not_known = PersonFactory(
        ethnicity=EthnicCategory.NOT_KNOWN, postcode="LS1 4AP", registered_gp_practice=practice
    )
    no_gp = PersonFactory(postcode="LS1 4AP")
    gp_no_code = PersonFactory(postcode="LS1 4AP", registered_gp_practice=unpractised)
    born_later = PersonFactory(
        date_of_birth=dt.date(2025, 3, 10), postcode="LS1 4AP", registered_gp_practice=practice
    )
    people = (complete, no_nhs, no_postcode, unknown_postcode, not_known, no_gp, gp_no_code)
    for person in people:
        referral(cmht, at(3, 2), person=person)
    late = referral(cmht, at(3, 5), person=born_later)

    target, _ = export(tmp_path)
    found = {(p["table"], p["record_id"], p["field"]): p for p in problems(target)}

    def check(table, record, name):
        row = found.get((table, record, name))
        return row and row["would_be_rejected"]

    pid = mhsds.patient_id
    assert check("MHS001MPI", pid(no_nhs.pk), "NHSNumber") == "no"
    assert check("MHS001MPI", pid(no_postcode.pk), "Postcode") == "no"
    assert check("MHS001MPI", pid(unknown_postcode.pk), "Postcode") == "no"
    assert "lookup" in found[("MHS001MPI", pid(unknown_postcode.pk), "Postcode")]["problem"]
    assert check("MHS001MPI", pid(not_known.pk), "EthnicCategory") == "no"
    assert check("MHS002GP", pid(no_gp.pk), "GMPReg") == "no"
    assert check("MHS002GP", pid(gp_no_code.pk), "GMPReg") == "yes"
    assert check("MHS101Referral", late.reference, "PersonBirthDate") == "yes"
    # The complete record raises nothing.
    assert not [key for key in found if key[1] == pid(complete.pk)]

    mpi = by(read(target, "MHS001MPI"), "LocalPatientID")
    assert mpi[pid(complete.pk)]["NHSNumber"] == complete.nhs_number
    assert mpi[pid(complete.pk)]["Postcode"] == "LS1 4AP"
    assert mpi[pid(not_known.pk)]["EthnicCategory"] == "99"
    assert mpi[pid(no_nhs.pk)]["NHSNumber"] == ""
    assert mpi[pid(complete.pk)]["OrgIDLocalPatientID"] == "RZZ"
    gp = by(read(target, "MHS002GP"), "LocalPatientID")
    assert gp[pid(complete.pk)]["GMPReg"] == "B99001"
    assert pid(no_gp.pk) not in gp and pid(gp_no_code.pk) not in gp


def test_contact_duration_onward_referral_and_care_plan_checks(tmp_path, trust, cmht):
    care = episode(cmht)
    worker = key_worker_for(care)
    no_duration = ContactFactory(
        episode=care, practitioner=worker, starts_at=at(3, 4), duration_minutes=None
    )
    dna = ContactFactory(
        episode=care,
        practitioner=worker,
        starts_at=at(3, 5),
        outcome=Outcome.DID_NOT_ATTEND,
        duration_minutes=None,
    )
    community_group = directory.service("Walking group")
    with_ods = directory.service(
        "Trust talking therapies",
        organization=directory.organisation("Trust entry", organisation=trust),
    )
    other_team = TeamFactory(organisation=trust, team_type=TeamType.PSYCHOLOGICAL_THERAPY)
    handovers = []
    for created_at, target_fields in (
        (at(3, 8), {"service": community_group}),
        (at(3, 9), {"service": with_ods}),
        (at(3, 10), {"team": other_team}),
        (at(2, 27), {"team": other_team}),
    ):
        handovers.append(
            Handover.objects.create(
                referral=care.referral,
                kind=HandoverKind.SIGNPOST,
                passed_on="x",
                follow_up_on=dt.date(2025, 4, 1),
                created_by=worker,
                created_at=created_at,
                **target_fields,
            )
        )
    plan = CarePlan.objects.create(episode=care, current_version=2)
    CarePlanVersion.objects.create(
        plan=plan,
        number=1,
        created_by=worker,
        created_at=at(2, 5),
        agreed_on=dt.date(2025, 2, 10),
        agreement_method="spoken",
    )
    CarePlanVersion.objects.create(plan=plan, number=2, created_by=worker, created_at=at(3, 20))
    agreed_care = episode(cmht)
    agreed_plan = CarePlan.objects.create(episode=agreed_care, current_version=1)
    CarePlanVersion.objects.create(
        plan=agreed_plan,
        number=1,
        created_by=worker,
        created_at=at(3, 2),
        agreed_on=dt.date(2025, 3, 3),
        agreement_method="portal",
    )
    later_plan = CarePlan.objects.create(episode=episode(cmht), current_version=1)
    CarePlanVersion.objects.create(
        plan=later_plan, number=1, created_by=worker, created_at=at(4, 2)
    )

    target, _ = export(tmp_path)
    found = {(p["table"], p["record_id"], p["field"]): p for p in problems(target)}
    duration = found[
        ("MHS201CareContact", mhsds.contact_id(no_duration.pk), "ClinContDurOfCareCont")
    ]
    assert duration["would_be_rejected"] == "no"
    assert ("MHS201CareContact", mhsds.contact_id(dna.pk), "ClinContDurOfCareCont") not in found

    onward = read(target, "MHS105OnwardReferral")
    assert [(r["OnwardReferDate"], r["OrgIDReceiving"]) for r in onward] == [
        ("2025-03-08", ""),
        ("2025-03-09", "RZZ"),
        ("2025-03-10", "RZZ"),
    ]
    assert all(r["ServiceRequestID"] == care.referral.reference for r in onward)
    receiving = [p for p in problems(target) if p["field"] == "OrgIDReceiving"]
    assert [(p["record_id"], p["would_be_rejected"]) for p in receiving] == [
        (f"{care.referral.reference}/H{handovers[0].pk}", "yes")
    ]

    types = by(read(target, "MHS008CarePlanType"), "CarePlanID")
    assert set(types) == {mhsds.care_plan_id(plan.pk), mhsds.care_plan_id(agreed_plan.pk)}
    revised = types[mhsds.care_plan_id(plan.pk)]
    assert (revised["CarePlanCreatDate"], revised["CarePlanLastUpdateDate"]) == (
        "2025-02-05",
        "2025-03-20",
    )
    assert revised["CarePlanTypeMH"] == "10"
    assert revised["LocalPatientID"] == mhsds.patient_id(care.person.pk)
    agreements = read(target, "MHS009CarePlanAgreement")
    assert agreements == [
        {
            "CarePlanID": mhsds.care_plan_id(agreed_plan.pk),
            "CarePlanContentAgreedBy": "10",
            "CarePlanContentAgreedDate": "2025-03-03",
        }
    ]
    unagreed = found[
        ("MHS009CarePlanAgreement", mhsds.care_plan_id(plan.pk), "CarePlanContentAgreedDate")
    ]
    assert unagreed["would_be_rejected"] == "no" and "not agreed" in unagreed["problem"]


def test_coded_scores_completed_in_the_month(tmp_path, cmht):
    care = episode(cmht, started_at=at(2, 1))
    worker = key_worker_for(care)
    in_march = answered(care, "phq9", PHQ9_MILD, by=worker, at=at(3, 12, 14, 30))
    answered(care, "phq9", PHQ9_MILD, by=worker, at=at(2, 20))
    retired = answered(care, "phq9", PHQ9_MILD, by=worker, at=at(3, 13))
    Score.objects.filter(response=retired).update(current=False)

    target, _ = export(tmp_path)
    rows = read(target, "MHS606CodedScoreAssessmentRefer")
    expected = Score.objects.filter(response=in_march).exclude(snomed="")
    assert len(rows) == expected.count() >= 1
    total = next(r for r in rows if r["CodedAssToolType"] == "720433000")
    assert total == {
        "ServiceRequestID": care.referral.reference,
        "CodedAssToolType": "720433000",
        "PersScore": "7",
        "AssToolCompTimestamp": "2025-03-12T14:30:00",
    }


# --- The month argument and the directory -------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2025-3", "not a month: write it as YYYY-MM"),
        ("March 2025", "not a month"),
        ("2025-13", "not a month"),
        ("", "not a month"),
        ("2000-01", "before any data: the first referral was received in January 2025"),
    ],
)
def test_a_bad_month_is_refused_in_plain_english(tmp_path, cmht, month, message):
    referral(cmht, at(1, 20))
    with pytest.raises(CommandError, match=message):
        call_command("export", "mhsds", "--month", month, str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_month_not_started_yet_is_refused(tmp_path, cmht):
    referral(cmht, at(1, 20))
    today = timezone.localdate()
    following = (today.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    with pytest.raises(CommandError, match="has not started yet"):
        call_command("export", "mhsds", "--month", f"{following:%Y-%m}", str(tmp_path / "out"))


def test_with_no_data_at_all_there_is_nothing_to_export(tmp_path):
    with pytest.raises(CommandError, match="nothing to export"):
        call_command("export", "mhsds", "--month", "2025-03", str(tmp_path / "out"))


def test_the_command_writes_the_files_and_prints_the_summary(tmp_path, cmht, capsys):
    referral(cmht, at(3, 2))
    target = tmp_path / "deep" / "er" / "march"
    call_command("export", "mhsds", "--month", "2025-03", str(target))
    printed = capsys.readouterr().out
    assert "MHSDS v6.0 export for March 2025" in printed
    assert "MHS101Referral" in printed
    assert {p.name for p in target.iterdir()} == mhsds.EXPORT_FILES
    assert (target / "summary.txt").read_text().startswith("MHSDS v6.0 export for March 2025")
    with (target / "validation.csv").open(encoding="utf-8") as handle:
        assert handle.readline().strip() == "table,record_id,field,problem,would_be_rejected"


def test_a_non_empty_directory_needs_force_and_force_replaces_only_an_export(tmp_path, cmht):
    referral(cmht, at(3, 2))
    target = tmp_path / "out"
    call_command("export", "mhsds", "--month", "2025-03", str(target))
    with pytest.raises(CommandError, match="not empty"):
        call_command("export", "mhsds", "--month", "2025-03", str(target))

    referral(cmht, at(3, 3))
    call_command("export", "mhsds", "--month", "2025-03", str(target), "--force")
    assert len(read(target, "MHS101Referral")) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    (target / "notes.txt").write_text("mine")
    with pytest.raises(CommandError, match="not part of an MHSDS export"):
        call_command("export", "mhsds", "--month", "2025-03", str(target), "--force")
    assert (target / "notes.txt").read_text() == "mine"


def test_nothing_is_half_written(tmp_path, cmht, monkeypatch):
    referral(cmht, at(3, 2))
    written = []
    real = mhsds._write_csv

    def failing(path, columns, rows):
        if len(written) == 3:
            raise OSError(28, "No space left on device")
        written.append(path)
        real(path, columns, rows)

    monkeypatch.setattr(mhsds, "_write_csv", failing)
    with pytest.raises(CommandError, match="No space left on device"):
        call_command("export", "mhsds", "--month", "2025-03", str(tmp_path / "out"))
    assert list(tmp_path.iterdir()) == []


def test_the_provider_must_be_named_when_there_are_several_trusts(tmp_path, cmht):
    OrganisationFactory(kind=OrganisationKind.NHS_TRUST, ods_code="RYY")
    referral(cmht, at(3, 2))
    target, result = export(tmp_path)
    (header,) = [p for p in result.problems if p.field == "OrgIDProvider"]
    assert header.rejected and "--provider" in header.problem
    target, result = export(tmp_path / "named", provider="rzz")
    assert read(target, "MHS000Header")[0]["OrgIDProvider"] == "RZZ"
    assert not [p for p in result.problems if p.field == "OrgIDProvider"]
    with pytest.raises(mhsds.ExportError, match="ODS code QQQ"):
        export(tmp_path / "unknown", provider="QQQ")


# --- What must never leave ----------------------------------------------------------------------


def test_no_free_text_or_contact_details_in_any_file(tmp_path, trust, cmht, vcse_team):
    secret = "SECRET"
    person = PersonFactory(
        given_name=f"{secret}GIVEN",
        family_name=f"{secret}FAMILY",
        address=f"1 {secret}ADDRESS Street",
        phone="07700 900999",
        email="secret.person@example.org",
        communication_needs=f"{secret}COMMS",
        carer_name=f"{secret}CARER",
    )
    care = episode(
        cmht,
        person=person,
        referral__concerns=f"{secret}CONCERNS",
        referral__what_would_help=f"{secret}HELP",
        referral__address=f"{secret}REFADDRESS",
        referral__phone="07700 900888",
        referral__email="secret.referral@example.org",
        referral__contact_safety=f"{secret}SAFETY",
    )
    worker = key_worker_for(care)
    ContactFactory(episode=care, practitioner=worker, starts_at=at(3, 3), note=f"{secret}NOTE")
    ContactFactory(
        episode=care,
        practitioner=UserFactory(),
        team=vcse_team,
        starts_at=at(3, 4),
        note=f"{secret}VCSENOTE",
    )
    Handover.objects.create(
        referral=care.referral,
        kind=HandoverKind.SIGNPOST,
        service=directory.service("Walking group"),
        passed_on=f"{secret}PASSED",
        told_person=f"{secret}TOLD",
        follow_up_on=dt.date(2025, 4, 1),
        created_by=worker,
        created_at=at(3, 5),
    )
    plan = CarePlan.objects.create(episode=care, current_version=1)
    CarePlanVersion.objects.create(
        plan=plan,
        number=1,
        about_me=f"{secret}ABOUT",
        warning_signs=f"{secret}WARNING",
        created_by=worker,
        created_at=at(3, 6),
    )
    care.ended_at, care.discharge_reason = at(3, 25), ClosureReason.TREATMENT_COMPLETE
    care.discharge_summary = f"{secret}DISCHARGE"
    care.save()

    target, result = export(tmp_path)
    assert result.counts["MHS201CareContact"] == 2
    for path in target.iterdir():
        text = path.read_text(encoding="utf-8")
        assert secret not in text.upper(), path.name
        for detail in ("07700", "example.org", "@"):
            assert detail not in text, (path.name, detail)


def test_the_export_runs_in_a_few_queries_whatever_the_size(
    tmp_path, cmht, vcse_team, django_assert_max_num_queries
):
    for n in range(6):
        care = episode(cmht, received_at=at(1, 10 + n))
        worker = key_worker_for(care)
        for day in (3, 10, 17):
            ContactFactory(episode=care, practitioner=worker, starts_at=at(3, day))
        ContactFactory(episode=care, practitioner=worker, team=vcse_team, starts_at=at(3, 20))
        plan = CarePlan.objects.create(episode=care, current_version=1)
        CarePlanVersion.objects.create(plan=plan, number=1, created_by=worker, created_at=at(2, 2))
    with django_assert_max_num_queries(12):
        built = mhsds.build_month(MARCH)
    assert len(built.rows["MHS201CareContact"]) == 24
    assert Contact.objects.count() == 24


# --- MHSDS v6: codes NHS England reads, and nothing left out silently ---------------------------


def test_source_reason_and_priority_codes(tmp_path, trust, cmht):
    """SourceOfReferralMH group I for another trust (NHS England's ``referral_dim``,
    ``menh_analysis/notebooks/01_Prepare/0.5_VersionChanges.py`` lines 260-261), P1 for the
    provider's own staff; PrimReasonReferralMH as recorded (``ref_reason_desc``,
    ``menh_bbrb/schemas/00_create_common_objects/01_create_common_tables.py`` lines 1221-1251);
    ClinRespPriorityType from the urgency (Data Dictionary: 1 emergency, 2 urgent, 3 routine)."""
    other_trust = OrganisationFactory(kind=OrganisationKind.NHS_TRUST, ods_code="RYY")
    internal = referral(
        cmht,
        at(3, 2),
        source=Source.SECONDARY_CARE,
        referring_organisation=trust,
        reason_for_referral="04",
        urgency="urgent",
    )
    transfer = referral(
        cmht, at(3, 3), source=Source.SECONDARY_CARE, referring_organisation=other_trust
    )
    emergency = referral(cmht, at(3, 4), urgency="emergency", reason_for_referral="18")
    target, _ = export(tmp_path, provider="RZZ")
    rows = by(read(target, "MHS101Referral"), "ServiceRequestID")
    assert rows[internal.reference]["SourceOfReferralMH"] == "P1"
    assert rows[transfer.reference]["SourceOfReferralMH"] == "I2"
    assert rows[internal.reference]["PrimReasonReferralMH"] == "04"
    assert rows[internal.reference]["ClinRespPriorityType"] == "2"
    assert rows[transfer.reference]["ClinRespPriorityType"] == "3"
    assert rows[emergency.reference]["ClinRespPriorityType"] == "1"
    assert rows[emergency.reference]["PrimReasonReferralMH"] == "18"
    found = {(p["record_id"], p["field"]): p for p in problems(target)}
    assert found[(transfer.reference, "PrimReasonReferralMH")]["would_be_rejected"] == "no"
    assert (internal.reference, "PrimReasonReferralMH") not in found


def test_dialog_items_and_goals_reach_mhs606_with_the_codes_nhs_england_reads(tmp_path, cmht):
    """NHS England's PROMs reference list (``menh_bbrb/notebooks/01_Generic_Prepare/
    04_mhsds_ref_tables.py`` lines 100-110: DIALOG items 1 to 11; lines 123-125: Goal Based
    Outcomes goals 1 to 3) reads each DIALOG item's own code: DIALOG's mean has none."""
    from alongside.outcomes.tests.factories import DIALOG_MIDDLING

    care = episode(cmht, started_at=at(2, 1))
    worker = key_worker_for(care)
    answered(care, "dialog", DIALOG_MIDDLING, by=worker, at=at(3, 12, 14, 30))
    target, _ = export(tmp_path)
    rows = read(target, "MHS606CodedScoreAssessmentRefer")
    dialog = {r["CodedAssToolType"]: r["PersScore"] for r in rows}
    expected = {
        "1037651000000100", "1037661000000102", "1037671000000109", "1037681000000106",
        "1037691000000108", "1037701000000108", "1037711000000105", "1037721000000104",
        "1037731000000102", "1037741000000106", "1037751000000109",
    }  # fmt: skip
    assert set(dialog) == expected
    assert set(dialog.values()) == {"4"}
    assert all(r["ServiceRequestID"] == care.referral.reference for r in rows)
    assert all(r["AssToolCompTimestamp"] == "2025-03-12T14:30:00" for r in rows)


def test_every_record_of_the_month_left_out_is_named_with_why(tmp_path, cmht):
    """A contact, a completed measure and an onward referral dated in April on a referral
    closed in March are not in April's submission: each is named in the report, not dropped
    silently."""
    care = episode(cmht)
    worker = key_worker_for(care)
    care.referral.state = State.CLOSED
    care.referral.closed_at, care.referral.closure_reason = at(3, 20), ClosureReason.MOVED
    care.referral.save()
    late = ContactFactory(episode=care, practitioner=worker, starts_at=at(4, 3))
    response = answered(care, "phq9", PHQ9_MILD, by=worker, at=at(4, 4))
    handover = Handover.objects.create(
        referral=care.referral,
        kind=HandoverKind.CLOSURE,
        service=directory.service("Walking group"),
        passed_on="x",
        follow_up_on=dt.date(2025, 5, 1),
        created_by=worker,
        created_at=at(4, 5),
    )
    unmatched = referral(cmht, at(4, 6), person=None)
    target, result = export(tmp_path, dt.date(2025, 4, 1))
    assert result.counts["MHS201CareContact"] == result.counts["MHS606CodedScoreAssessmentRefer"]
    assert result.counts["MHS201CareContact"] == 0
    left = {(p["table"], p["record_id"]): p for p in problems(target)}
    for key in (
        ("MHS201CareContact", mhsds.contact_id(late.pk)),
        ("MHS606CodedScoreAssessmentRefer", f"R{response.pk}"),
        ("MHS105OnwardReferral", f"{care.referral.reference}/H{handover.pk}"),
    ):
        assert "ended on 2025-03-20" in left[key]["problem"], key
        assert "left out" in left[key]["problem"]
    assert "left out" in left[("MHS101Referral", unmatched.reference)]["problem"]


def test_a_decline_withdrawn_and_then_accepted_stays_in_every_later_month(
    tmp_path, cmht, time_machine
):
    """Declined in February, back to triage and accepted in March: April's submission carries
    the referral with no rejection, and its contacts (before, every later month dropped it)."""
    from alongside.referrals import services
    from alongside.referrals.tests.factories import coordinator_for

    made = referral(cmht, at(1, 20), state=State.IN_TRIAGE)
    user = coordinator_for(made)
    time_machine.move_to(at(2, 10), tick=False)
    services.decline_referral(
        referral=made,
        by=user,
        rejection_reason=RejectionReason.ALTERNATIVE_SERVICE,
        service=directory.service("Talking therapies"),
        passed_on="Gave the number",
        told_person="Offered talking therapies",
        follow_up_on=dt.date(2025, 2, 24),
    )
    time_machine.move_to(at(3, 3), tick=False)
    services.return_to_triage(referral=made, by=user, reason="The GP sent more")
    services.accept_referral(referral=made, by=user, team=cmht)
    time_machine.move_to(at(6, 1), tick=False)
    made.refresh_from_db()
    care = made.episode
    seen = ContactFactory(episode=care, practitioner=key_worker_for(care), starts_at=at(4, 8))

    february, _ = export(tmp_path, dt.date(2025, 2, 1))
    april, _ = export(tmp_path, dt.date(2025, 4, 1))
    row = by(read(april, "MHS101Referral"), "ServiceRequestID")[made.reference]
    assert (row["ReferRejectionDate"], row["ReferRejectReason"]) == ("", "")
    assert mhsds.contact_id(seen.pk) in by(read(april, "MHS201CareContact"), "CareContactID")
    # History keeps the decline; re-exporting February no longer shows a rejection.
    assert made.transitions.filter(name="decline", code="02").exists()
    assert (
        by(read(february, "MHS101Referral"), "ServiceRequestID")[made.reference][
            "ReferRejectionDate"
        ]
        == ""
    )
