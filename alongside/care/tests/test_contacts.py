"""Contacts and appointments: recording them, what happened to an appointment, who may read a
note, the waiting-time clock, and discharge with appointments left open. Bad input is refused
with a clear message and nothing is half-saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.care import hooks, queries
from alongside.care.models import Contact, Episode, Kind, Mode, NoteSharing, Outcome
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    key_worker_for,
    practitioner_in,
)
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.referrals.models import State
from alongside.sharing.models import AccessEvent, Basis, Part
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db


def url(name: str, episode: Episode) -> str:
    return reverse(name, kwargs={"person_id": episode.person_id})


def moment(when: dt.datetime) -> dict[str, str]:
    local = timezone.localtime(when)
    return {
        "on-day": str(local.day),
        "on-month": str(local.month),
        "on-year": str(local.year),
        "at": local.strftime("%H:%M"),
    }


def contact_data(when: dt.datetime, **fields: object) -> dict[str, object]:
    return {
        **moment(when),
        "mode": Mode.FACE_TO_FACE,
        "kind": Kind.COACHING,
        "outcome": Outcome.ATTENDED,
        "duration_minutes": "50",
        "note": "Talked about getting back to the allotment.",
        "note_sharing": NoteSharing.CARE_TEAM,
        **fields,
    }


def error_for(body: str, field: str) -> str:
    """The inline error message the design system shows beside a field."""
    marker = next(
        (m for m in (f'id="id_{field}-error"', f'id="id_{field}-date-error"') if m in body), None
    )
    assert marker, f"No inline error for {field}"
    return body.split(marker, 1)[1].split("</span>", 2)[1]


@pytest.fixture
def episode() -> Episode:
    return EpisodeFactory()


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


# --- Recording a contact -----------------------------------------------------------------------


def test_a_key_worker_records_an_attended_contact_and_the_clock_starts(client, episode, worker):
    client.force_login(worker)
    when = timezone.now() - dt.timedelta(days=1)
    response = client.post(url("care:contact-new", episode), contact_data(when))
    assert response.status_code == 302, response.content.decode()
    contact = Contact.objects.get()
    assert (contact.practitioner, contact.team, contact.recorded_by) == (
        worker,
        episode.lead_team,
        worker,
    )
    assert contact.duration_minutes == 50
    assert contact.snomed_procedure == ("409063005", "Counselling")
    episode.referral.refresh_from_db()
    assert episode.referral.first_contact_at == contact.starts_at
    page = client.get(url("care:contacts", episode)).content.decode()
    assert "Talked about getting back to the allotment." in page
    assert "First contact" in page


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"duration_minutes": "-5"}, "duration_minutes", "between 1 minute and 10 hours"),
        ({"duration_minutes": "0"}, "duration_minutes", "between 1 minute and 10 hours"),
        ({"duration_minutes": "6000"}, "duration_minutes", "between 1 minute and 10 hours"),
        ({"duration_minutes": "an hour"}, "duration_minutes", "whole number of minutes"),
        ({"duration_minutes": ""}, "duration_minutes", "how long the contact lasted"),
        ({"at": "25:99"}, "at", "Enter a real time"),
        ({"on-month": "13"}, "on", "must be a real date"),
        ({"outcome": ""}, "outcome", "Choose what happened"),
        ({"kind": "therapy"}, "kind", "Select a valid choice"),
    ],
)
def test_bad_contacts_are_refused_with_a_message_and_nothing_saved(
    client, episode, worker, fields, field, message
):
    client.force_login(worker)
    when = timezone.now() - dt.timedelta(hours=3)
    response = client.post(url("care:contact-new", episode), contact_data(when, **fields))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert message in error_for(body, field)
    assert not Contact.objects.exists()


def test_a_contact_in_the_future_cannot_be_marked_attended(client, episode, worker):
    client.force_login(worker)
    when = timezone.now() + dt.timedelta(days=2)
    response = client.post(url("care:contact-new", episode), contact_data(when))
    assert response.status_code == 200
    assert "A contact in the future cannot have been attended" in error_for(
        response.content.decode(), "outcome"
    )
    assert not Contact.objects.exists()
    episode.referral.refresh_from_db()
    assert episode.referral.first_contact_at is None


def test_a_did_not_attend_needs_no_duration_and_does_not_start_the_clock(client, episode, worker):
    client.force_login(worker)
    when = timezone.now() - dt.timedelta(days=2)
    data = contact_data(when, outcome=Outcome.DID_NOT_ATTEND, duration_minutes="")
    assert client.post(url("care:contact-new", episode), data).status_code == 302
    assert Contact.objects.get().outcome == Outcome.DID_NOT_ATTEND
    episode.referral.refresh_from_db()
    assert episode.referral.first_contact_at is None


def test_someone_who_may_only_see_contacts_cannot_record_one(client, episode):
    # A coordinator in another organisation triaging a new referral for the person sees the
    # contacts only because the person agreed to share them with that organisation.
    from alongside.referrals.tests.factories import ReferralFactory

    other_org_team = TeamFactory()
    reader = MembershipFactory(team=other_org_team, role=Role.COORDINATOR).user
    ReferralFactory(person=episode.person, team=other_org_team)
    record_consent(
        person=episode.person,
        organisation=other_org_team.organisation,
        parts=[Part.CONTACTS],
        method="spoken",
        recorded_by=reader,
    )
    client.force_login(reader)
    page = client.get(url("care:contact-new", episode))
    assert page.status_code == 200
    assert "not change them" in page.content.decode()
    when = timezone.now() - dt.timedelta(days=1)
    assert client.post(url("care:contact-new", episode), contact_data(when)).status_code == 404
    assert not Contact.objects.exists()


# --- Appointments ------------------------------------------------------------------------------


def test_booking_an_appointment_and_recording_what_happened(client, episode, worker):
    client.force_login(worker)
    when = timezone.now() + dt.timedelta(days=3)
    data = {**moment(when), "mode": Mode.VIDEO, "kind": Kind.REVIEW}
    assert client.post(url("care:appointment-new", episode), data).status_code == 302
    appointment = Contact.objects.get()
    assert appointment.outcome == Outcome.PLANNED
    page = client.get(url("care:contacts", episode)).content.decode()
    assert "Booked" in page
    # It has not happened yet: it cannot be marked attended.
    outcome = f"{url('care:contact-outcome', episode)}?contact={appointment.pk}"
    response = client.post(
        outcome,
        {
            "contact": appointment.pk,
            "outcome": Outcome.ATTENDED,
            "duration_minutes": "30",
            "note_sharing": NoteSharing.CARE_TEAM,
        },
    )
    assert response.status_code == 200
    assert "cannot have been attended" in response.content.decode()
    Contact.objects.filter(pk=appointment.pk).update(
        starts_at=timezone.now() - dt.timedelta(hours=2)
    )
    response = client.post(
        outcome,
        {
            "contact": appointment.pk,
            "outcome": Outcome.ATTENDED,
            "duration_minutes": "30",
            "note": "Reviewed the plan together.",
            "note_sharing": NoteSharing.PERSON,
        },
    )
    assert response.status_code == 302, response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.outcome, appointment.duration_minutes, appointment.note_sharing) == (
        Outcome.ATTENDED,
        30,
        NoteSharing.PERSON,
    )
    episode.referral.refresh_from_db()
    assert episode.referral.first_contact_at == appointment.starts_at


def test_an_appointment_cannot_be_booked_in_the_past(client, episode, worker):
    client.force_login(worker)
    when = timezone.now() - dt.timedelta(days=1)
    data = {**moment(when), "mode": Mode.PHONE, "kind": Kind.COACHING}
    response = client.post(url("care:appointment-new", episode), data)
    assert response.status_code == 200
    assert "must be in the future" in response.content.decode()
    assert not Contact.objects.exists()


def test_an_appointment_of_another_person_cannot_be_chosen(client, episode, worker):
    mine = PlannedContactFactory(episode=episode, practitioner=worker)
    other = PlannedContactFactory(starts_at=timezone.now() - dt.timedelta(hours=1))
    client.force_login(worker)
    response = client.post(
        url("care:contact-outcome", episode),
        {"contact": other.pk, "outcome": Outcome.DID_NOT_ATTEND, "note_sharing": "care_team"},
    )
    assert response.status_code == 200
    assert "Choose the appointment" in response.content.decode()
    other.refresh_from_db()
    mine.refresh_from_db()
    assert other.outcome == mine.outcome == Outcome.PLANNED


# --- Who may read a note -----------------------------------------------------------------------


def _notes(episode, worker):
    for sharing in NoteSharing:
        ContactFactory(
            episode=episode,
            practitioner=worker,
            note=f"Note for {sharing.value}",
            note_sharing=sharing,
        )


def test_notes_show_only_to_those_their_sharing_level_allows(client, episode, worker):
    _notes(episode, worker)
    # The key worker's organisation reads all three.
    client.force_login(worker)
    body = client.get(url("care:contacts", episode)).content.decode()
    assert all(f"Note for {s.value}" in body for s in NoteSharing)
    # A care team member from another organisation does not read the organisation-only note.
    elsewhere = TeamFactory(organisation__kind="vcse")
    partner = practitioner_in(elsewhere)
    episode.care_team.create(user=partner, team=elsewhere, role="Care Partner", added_by=worker)
    client.force_login(partner)
    body = client.get(url("care:contacts", episode)).content.decode()
    assert "Note for care_team" in body
    assert "Note for person" in body
    assert "Note for organisation" not in body
    assert f"A note only {episode.lead_team.organisation.name} staff can read" in body


def test_the_person_reads_only_the_notes_shared_with_them(client, episode, worker):
    _notes(episode, worker)
    person_user = MembershipFactory().user  # any account; made the person's own below
    person_user.memberships.all().delete()
    episode.person.user = person_user
    episode.person.save()
    client.force_login(person_user)
    # The staff page is not the person's door, whatever the policy would grant them.
    assert client.get(url("care:contacts", episode)).status_code == 404
    event = AccessEvent.objects.filter(user=person_user).latest("id")
    assert (event.basis, event.allowed) == (Basis.NONE, False)
    # Their appointments in the portal show the notes shared with them, and no other.
    response = client.get(reverse("portal:appointments"))
    event = AccessEvent.objects.filter(user=person_user).latest("id")
    assert event.basis == Basis.SELF
    body = response.content.decode()
    assert "Note for person" in body
    assert "Note for care_team" not in body
    assert "Note for organisation" not in body
    assert "Record a contact" not in body


def test_the_note_reader_rule():
    episode = EpisodeFactory()
    contact = ContactFactory(episode=episode, note="x", note_sharing=NoteSharing.ORGANISATION)
    own = queries.NoteReader(False, frozenset({episode.lead_team.organisation_id}))
    other = queries.NoteReader(False, frozenset({-1}))
    person = queries.NoteReader(True)
    assert own.may_read(contact) and not other.may_read(contact)
    assert not person.may_read(contact)
    contact.note_sharing = NoteSharing.PERSON
    assert person.may_read(contact) and other.may_read(contact)
    contact.note_sharing = NoteSharing.CARE_TEAM
    assert other.may_read(contact) and not person.may_read(contact)


# --- The contacts page at length ---------------------------------------------------------------


def test_the_contacts_page_takes_the_same_number_of_queries_for_years_of_contacts(
    client, episode, worker
):
    client.force_login(worker)
    ContactFactory(episode=episode, practitioner=worker, note="first")
    PlannedContactFactory(episode=episode, practitioner=worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url("care:contacts", episode))
        assert response.status_code == 200
        return len(captured)

    few = count()
    start = timezone.now() - dt.timedelta(days=3 * 365)
    Contact.objects.bulk_create(
        Contact(
            episode=episode,
            practitioner=worker,
            team=episode.lead_team,
            starts_at=start + dt.timedelta(weeks=week),
            mode=Mode.PHONE,
            kind=Kind.COACHING,
            outcome=Outcome.ATTENDED,
            duration_minutes=30,
            note=f"Week {week}",
            note_sharing=list(NoteSharing)[week % 3],
            recorded_by=worker,
        )
        for week in range(150)
    )
    PlannedContactFactory(episode=episode, practitioner=practitioner_in(TeamFactory()))
    assert count() == few


# --- Discharge ---------------------------------------------------------------------------------


def test_discharge_with_open_appointments_is_refused_and_lists_them(client, episode, worker):
    appointment = PlannedContactFactory(episode=episode, practitioner=worker)
    client.force_login(worker)
    page = client.get(url("care:discharge", episode)).content.decode()
    assert "Appointments still open" in page
    assert f"contact={appointment.pk}" in page
    response = client.post(
        url("care:discharge", episode),
        {"reason": "02", "summary": "Goals reached; back at work."},
    )
    assert response.status_code == 200
    assert "1 planned contact still open" in response.content.decode()
    episode.refresh_from_db()
    assert episode.ended_at is None
    assert episode.referral.state == State.ACCEPTED
    assert episode.allocations.get().ended_at is None


def test_discharge_needs_a_reason_and_a_summary(client, episode, worker):
    client.force_login(worker)
    response = client.post(url("care:discharge", episode), {"reason": "", "summary": " "})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Choose why the episode is ending" in error_for(body, "reason")
    assert "Write the discharge summary for the person and their GP" in error_for(body, "summary")
    episode.refresh_from_db()
    assert episode.ended_at is None


def test_discharge_ends_the_episode_and_shows_the_summary_to_print(client, episode, worker):
    ContactFactory(episode=episode, practitioner=worker)
    client.force_login(worker)
    response = client.post(
        url("care:discharge", episode),
        {"reason": "02", "summary": "Goals reached; back at work.\n\nCall us if you need to."},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Discharge summary: " + escape(episode.person.full_name) in body
    assert "Goals reached; back at work." in body
    assert "Treatment complete" in body
    episode.refresh_from_db()
    assert episode.ended_at is not None
    assert episode.referral.state == State.CLOSED
    assert episode.allocations.get().ended_at is not None
    # The care team's basis ended with the episode.
    assert client.get(url("care:episode", episode)).status_code == 404


# --- Reminders other apps add at discharge (hooks.DischargeReminders) --------------------------


@pytest.fixture
def no_reminders(monkeypatch):
    monkeypatch.setattr(hooks.DischargeReminders, "HOOKS", [])


def test_the_discharge_page_shows_reminders_to_those_who_may_see_their_part(
    client, episode, worker, no_reminders
):
    def reminder(about: Episode) -> hooks.Reminder:
        return hooks.Reminder(
            title="Something to do at discharge",
            text=f"For episode {about.pk}.",
            items=["First thing", "Second thing"],
            link={"href": "/somewhere/", "text": "Do it there"},
        )

    hooks.DischargeReminders.register(reminder, part=Part.CONTACTS)
    hooks.DischargeReminders.register(lambda about: None, part=Part.CONTACTS)  # nothing to say
    hooks.DischargeReminders.register(  # about a part the key worker may not see
        lambda about: hooks.Reminder(title="Secret", text="Not for the key worker"), part=Part.AUDIT
    )
    client.force_login(worker)
    body = client.get(url("care:discharge", episode)).content.decode()
    assert "Something to do at discharge</h2>" in body
    assert f"For episode {episode.pk}." in body
    assert "<li>Second thing</li>" in body and '<a href="/somewhere/">Do it there</a>' in body
    assert "Secret" not in body
    # A reminder, not a block: the discharge goes ahead.
    response = client.post(
        url("care:discharge", episode), {"reason": "02", "summary": "Goals reached."}
    )
    assert response.status_code == 200
    episode.refresh_from_db()
    assert episode.ended_at is not None


def test_the_discharge_page_works_with_no_reminder_registered(
    client, episode, worker, no_reminders
):
    client.force_login(worker)
    response = client.get(url("care:discharge", episode))
    assert response.status_code == 200
    assert "app-discharge-reminder" not in response.content.decode()
