"""The meeting pages: who may open them, what they show of people, and what they save."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.meetings import services
from alongside.meetings.models import AgendaItem, Attendee, Decision, LocalityMeeting
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.referrals.models import Referral, State
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(f"meetings:{name}", kwargs=kwargs)


@pytest.fixture
def agenda(place):
    """A meeting tomorrow with two referrals on its agenda."""
    first = place.marked(days_ago=12, given_name="Ada", family_name="Quartermaine")
    second = place.marked(days_ago=4, given_name="Bryn", family_name="Featherstone")
    meeting = place.meeting()
    services.add_referral_items(meeting=meeting, by=place.coordinator)
    return meeting, first, second


# --- Who may open the pages --------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client, agenda):
    meeting, *_ = agenda
    response = client.get(url("meeting", meeting_id=meeting.pk))
    assert response.status_code == 302
    assert "/account/sign-in/" in response.url


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORG_ADMIN])
def test_staff_without_a_care_role_are_refused(client, place, agenda, role):
    meeting, *_ = agenda
    client.force_login(MembershipFactory(role=role, team=place.cmht).user)
    for name, kwargs in [
        ("list", {}),
        ("meeting", {"meeting_id": meeting.pk}),
        ("print-agenda", {"meeting_id": meeting.pk}),
        ("print-decisions", {"meeting_id": meeting.pk}),
    ]:
        assert client.get(url(name, **kwargs)).status_code == 403, name
    assert client.post(url("add-referrals", meeting_id=meeting.pk)).status_code == 403


def test_care_staff_of_another_locality_find_no_such_meeting(client, place, agenda):
    meeting, *_ = agenda
    item = meeting.agenda_items.first()
    outsider = MembershipFactory(role=Role.COORDINATOR, team__localities=[place.elsewhere]).user
    client.force_login(outsider)
    assert client.get(url("list")).status_code == 200
    for name, kwargs in [
        ("meeting", {"meeting_id": meeting.pk}),
        ("decide", {"meeting_id": meeting.pk, "item_id": item.pk}),
        ("print-agenda", {"meeting_id": meeting.pk}),
        ("print-decisions", {"meeting_id": meeting.pk}),
        ("add-episode", {"meeting_id": meeting.pk}),
    ]:
        assert client.get(url(name, **kwargs)).status_code == 404, name
    assert client.post(url("add-referrals", meeting_id=meeting.pk)).status_code == 404
    assert client.post(url("add-attendee", meeting_id=meeting.pk), {"name": "X"}).status_code == 404
    assert not AccessEvent.objects.filter(user=outsider).exists()


def test_the_list_shows_my_localities_meetings_and_who_may_schedule(client, place, agenda):
    meeting, *_ = agenda
    place.meeting(locality=place.elsewhere)
    past = place.meeting(days_ahead=-14)
    client.force_login(place.coordinator)
    html = client.get(url("list")).content.decode()
    assert "<title>Locality meetings – Alongside</title>" in html
    assert "Schedule a meeting" in html
    assert url("meeting", meeting_id=meeting.pk) in html
    assert url("meeting", meeting_id=past.pk) in html
    assert "Hallowmere" not in html
    assert "2 items, 0 decided" in html

    client.force_login(place.worker)
    html = client.get(url("list")).content.decode()
    assert "Schedule a meeting" not in html
    assert client.get(url("schedule")).status_code == 403


def test_a_coordinator_schedules_a_meeting(client, place):
    client.force_login(place.coordinator)
    day = timezone.localdate() + dt.timedelta(days=7)
    response = client.post(
        url("schedule"),
        {
            "locality": place.locality.pk,
            "date-day": day.day,
            "date-month": day.month,
            "date-year": day.year,
            "time": "2:30pm",
            "place": "Castlegate Community Hub",
            "chair": place.coordinator.pk,
        },
    )
    meeting = LocalityMeeting.objects.get()
    assert response.status_code == 302
    assert response.url == url("meeting", meeting_id=meeting.pk)
    local = timezone.localtime(meeting.starts_at)
    assert (local.date(), local.hour, local.minute) == (day, 14, 30)
    assert meeting.created_by == place.coordinator

    again = client.post(url("schedule"), {"locality": place.elsewhere.pk, "time": "25:00"})
    html = again.content.decode()
    assert again.status_code == 200
    assert "There is a problem" in html
    assert "Choose a locality one of your teams serves" in html
    assert "Enter the date of the meeting" in html
    assert "Enter a real time, like 14:00 or 2pm" in html


# --- The meeting page: names only for people the user may see, each audited -------------------


def test_the_meeting_page_names_people_on_the_agenda_and_audits_each(client, place, agenda):
    meeting, first, second = agenda
    client.force_login(place.partner_worker)  # the voluntary sector partner: meeting basis only
    response = client.get(url("meeting", meeting_id=meeting.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ada Quartermaine" in html and "Bryn Featherstone" in html
    assert first.reference in html
    assert "waited 12 days" in html
    assert "Needs housing and CMHT" in html
    assert "Record decision" in html
    assert "Add referrals marked for this meeting" in html
    events = AccessEvent.objects.filter(user=place.partner_worker)
    assert {(e.person_id, e.basis, e.allowed) for e in events} == {
        (first.person_id, Basis.MEETING, True),
        (second.person_id, Basis.MEETING, True),
    }


def test_people_without_a_basis_are_not_named(client, place):
    hidden = place.marked(given_name="Ada", family_name="Quartermaine")
    meeting = place.meeting(days_ahead=-30)  # outside the meeting basis's week either side
    services.add_referral_items(meeting=meeting, by=place.coordinator)
    item = meeting.agenda_items.get()
    client.force_login(place.partner_worker)
    html = client.get(url("meeting", meeting_id=meeting.pk)).content.decode()
    assert "Person not shared with you" in html
    assert "Quartermaine" not in html
    assert "Needs housing and CMHT" not in html  # what the meeting discussed is not shown either
    assert hidden.reference in html
    assert url("decide", meeting_id=meeting.pk, item_id=item.pk) not in html
    for name in ("print-agenda", "print-decisions"):
        printed = client.get(url(name, meeting_id=meeting.pk)).content.decode()
        assert "Quartermaine" not in printed and "Person not shared with you" in printed
    assert client.get(url("decide", meeting_id=meeting.pk, item_id=item.pk)).status_code == 403
    assert not AccessEvent.objects.filter(user=place.partner_worker).exists()

    # The coordinator's team holds the referral: they see the name, on that basis.
    client.force_login(place.coordinator)
    assert "Ada Quartermaine" in client.get(url("meeting", meeting_id=meeting.pk)).content.decode()
    assert AccessEvent.objects.get(user=place.coordinator).basis == Basis.OPEN_REFERRAL


def test_the_meeting_page_takes_a_fixed_number_of_queries(
    client, place, agenda, django_assert_max_num_queries
):
    meeting, *_ = agenda
    client.force_login(place.coordinator)
    client.get(url("meeting", meeting_id=meeting.pk))  # warm up (sessions, content types)
    with django_assert_max_num_queries(40) as few:
        client.get(url("meeting", meeting_id=meeting.pk))
    for _ in range(5):
        place.marked()
    services.add_referral_items(meeting=meeting, by=place.coordinator)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url("meeting", meeting_id=meeting.pk))


# --- What the meeting page saves ---------------------------------------------------------------


def test_adding_the_marked_referrals(client, place):
    place.marked()
    meeting = place.meeting()
    client.force_login(place.worker)
    response = client.post(url("add-referrals", meeting_id=meeting.pk), follow=True)
    assert AgendaItem.objects.filter(meeting=meeting).count() == 1
    assert "1 referral added to the agenda" in response.content.decode()
    response = client.post(url("add-referrals", meeting_id=meeting.pk), follow=True)
    assert "No more referrals are marked" in response.content.decode()
    assert client.get(url("add-referrals", meeting_id=meeting.pk)).status_code == 405


def test_recording_and_removing_attendees(client, place, agenda):
    meeting, *_ = agenda
    client.force_login(place.coordinator)
    response = client.post(
        url("add-attendee", meeting_id=meeting.pk), {"user": place.partner_worker.pk}
    )
    assert response.status_code == 302
    attendee = Attendee.objects.get()
    assert attendee.organisation.name == "Wellspring Wyvern"

    html = client.get(url("meeting", meeting_id=meeting.pk)).content.decode()
    assert "Ana Lind" in html and "Wellspring Wyvern" in html

    refused = client.post(url("add-attendee", meeting_id=meeting.pk), {"name": "Sam Jones"})
    assert refused.status_code == 200
    assert "Choose the organisation they came for" in refused.content.decode()

    client.post(url("remove-attendee", meeting_id=meeting.pk, attendee_id=attendee.pk))
    assert not Attendee.objects.exists()


def test_adding_someone_with_an_open_episode(client, place, agenda):
    meeting, *_ = agenda
    episode = place.episode(given_name="Cai", family_name="Rowntree")
    client.force_login(place.worker)
    page = client.get(url("add-episode", meeting_id=meeting.pk))
    assert "Cai Rowntree" in page.content.decode()
    assert AccessEvent.objects.filter(user=place.worker, person_id=episode.person_id).exists()
    response = client.post(
        url("add-episode", meeting_id=meeting.pk),
        {"episode": episode.pk, "why": "Step up: add a VCSE Care Partner"},
    )
    assert response.status_code == 302
    assert meeting.agenda_items.get(episode=episode).position == 3


# --- The decision form -------------------------------------------------------------------------


def test_the_decision_form_asks_each_decisions_fields_beside_the_choices(client, place, agenda):
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    client.force_login(place.coordinator)
    html = client.get(url("decide", meeting_id=meeting.pk, item_id=item.pk)).content.decode()
    assert "<title>Record the decision – Ada Quartermaine – Alongside</title>" in html
    for label in Decision.labels:
        assert label in html
    # Asked beside the choices, not revealed by them: a radio may not carry aria-expanded.
    assert "conditional-id_decision" not in html
    for legend in ("If allocated", "If a joint offer", "If signposted"):
        assert legend in html
    assert 'name="allocate_team"' in html and 'name="signpost_service"' in html
    assert 'name="follow_up_on-day"' in html
    assert f'name="version" value="{first.version}"' in html


def test_recording_an_allocation(client, place, agenda):
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    client.force_login(place.coordinator)
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {
            "decision": "allocate",
            "allocate_team": place.cmht.pk,
            "allocate_key_worker": place.worker.pk,
            "version": first.version,
        },
    )
    assert response.status_code == 302
    assert response.url.endswith(f"#item-{item.pk}")
    first.refresh_from_db()
    assert first.state == State.ACCEPTED
    change = AccessEvent.objects.get(user=place.coordinator, action=Action.CHANGE)
    assert (change.person_id, change.part, change.basis, change.allowed) == (
        first.person_id,
        Part.REFERRALS,
        Basis.OPEN_REFERRAL,
        True,
    )
    html = client.get(url("meeting", meeting_id=meeting.pk)).content.decode()
    assert "Decision recorded for item 1" in html
    assert "Key worker: Tom Okafor" in html

    again = client.get(url("decide", meeting_id=meeting.pk, item_id=item.pk)).content.decode()
    assert "Each item has one decision" in again
    assert 'name="decision"' not in again


def test_only_the_chosen_decisions_fields_are_used(client, place, agenda):
    # Every decision's fields are on the page at once: a team typed under "If allocated" does
    # not allocate the person when the decision chosen is another.
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    client.force_login(place.coordinator)
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {
            "decision": "allocate",
            "allocate_team": place.cmht.pk,
            "joint_team": place.cmht.pk,
            "version": first.version,
        },
    )
    assert response.status_code == 200  # allocate needs its own key worker, not the joint one's
    first.refresh_from_db()
    assert first.state != State.ACCEPTED


def test_only_the_team_holding_the_referral_records_the_decision(client, place, agenda):
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    client.force_login(place.partner_worker)  # sees the person through the meeting, no more
    page = client.get(url("decide", meeting_id=meeting.pk, item_id=item.pk))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ada Quartermaine" in html
    assert "recorded by the team holding this person's referral: Central CMHT" in html
    assert 'name="decision"' not in html
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {"decision": "more_information", "note": "Ask the GP", "version": first.version},
    )
    assert response.status_code == 404
    refused = AccessEvent.objects.get(user=place.partner_worker, action=Action.CHANGE)
    assert (refused.person_id, refused.allowed) == (first.person_id, False)
    item.refresh_from_db()
    assert item.decision == ""


def test_a_refused_decision_shows_the_services_message(client, place, agenda):
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    client.force_login(place.coordinator)
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {
            "decision": "joint_offer",
            "joint_team": place.cmht.pk,
            "joint_partner_teams": [place.early_intervention.pk],
            "version": first.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Record the decision" in html
    assert "There is a problem" in html
    assert 'href="#id_joint_partner_teams"' in html
    assert "A joint offer needs a team from another organisation" in html
    assert Referral.objects.get(pk=first.pk).state == State.FOR_MEETING


def test_a_stale_referral_is_refused_with_who_changed_it(client, place, agenda):
    meeting, first, _ = agenda
    item = meeting.agenda_items.get(referral=first)
    seen = first.version
    from alongside.referrals import services as referral_services

    referral_services.return_to_triage(referral=first, by=place.worker, reason="Wrong locality")
    client.force_login(place.coordinator)
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {"decision": "more_information", "note": "Ask the GP", "version": seen},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Tom Okafor changed this referral" in html
    assert 'href="#id_decision"' in html
    item.refresh_from_db()
    assert item.decision == ""


# --- Printing ----------------------------------------------------------------------------------


def test_the_printable_agenda_and_decision_record(client, place, agenda):
    meeting, first, _ = agenda
    services.record_attendee(meeting=meeting, by=place.coordinator, user=place.partner_worker)
    item = meeting.agenda_items.get(referral=first)
    services.record_decision(
        item=item,
        decision=Decision.ALLOCATE,
        by=place.coordinator,
        lead_team=place.cmht,
        key_worker=place.worker,
        version=first.version,
    )
    client.force_login(place.coordinator)
    agenda_html = client.get(url("print-agenda", meeting_id=meeting.pk)).content.decode()
    record_html = client.get(url("print-decisions", meeting_id=meeting.pk)).content.decode()
    for html in (agenda_html, record_html):
        assert "core/print.css" in html
        assert "nhsuk-header" not in html and "nhsuk-footer" not in html
        assert "Wyvern Central locality meeting" in html
        assert "Ana Lind" in html and "Wellspring Wyvern" in html
        assert "1. Ada Quartermaine" in html and "2. Bryn Featherstone" in html
        assert "OFFICIAL-SENSITIVE" in html
    assert "<title>Agenda – Wyvern Central locality meeting" in agenda_html
    assert "Key worker" not in agenda_html
    assert "1 of 2 items decided" in record_html
    assert "Allocate to a team and key worker" in record_html
    assert "Key worker: Tom Okafor" in record_html
    assert "Not decided" in record_html


def test_the_print_stylesheet_is_served(client):
    client.force_login(UserFactory())
    from django.contrib.staticfiles import finders

    assert finders.find("core/print.css")


def test_a_joint_offer_for_someone_in_care(client, place, agenda):
    meeting, *_ = agenda
    episode = place.episode(given_name="Cai", family_name="Rowntree")
    item = services.add_episode_item(
        meeting=meeting, episode=episode, why="Add a Care Partner", by=place.worker
    )
    client.force_login(place.worker)
    page = client.get(url("decide", meeting_id=meeting.pk, item_id=item.pk)).content.decode()
    assert "Episode of care with Central CMHT" in page
    assert 'name="version"' not in page
    response = client.post(
        url("decide", meeting_id=meeting.pk, item_id=item.pk),
        {
            "decision": "joint_offer",
            "joint_team": place.cmht.pk,
            "joint_partner_teams": [place.care_partners.pk],
        },
    )
    assert response.status_code == 302
    assert list(episode.partner_teams.all()) == [place.care_partners]
    html = client.get(url("meeting", meeting_id=meeting.pk)).content.decode()
    assert "With: Wellspring Care Partners (Wellspring Wyvern)" in html
