"""The staff pages: worklists, making a referral, a referral's page and the decision pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.directory.tests.factories import service as directory_service
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services
from alongside.referrals.models import Referral, Source, State
from alongside.referrals.tests.factories import ReferralFactory, coordinator_for
from alongside.sharing.models import AccessEvent, Basis

pytestmark = pytest.mark.django_db


def url(name: str, referral: Referral, **kwargs) -> str:
    return reverse(name, kwargs={"referral_id": referral.pk, **kwargs})


def test_the_worklist_shows_my_teams_referrals_oldest_first(client):
    referral = ReferralFactory(received_at=timezone.now() - dt.timedelta(days=9))
    newer = ReferralFactory(team=referral.team, person=PersonFactory())
    ReferralFactory(family_name="Elsewhere")
    client.force_login(coordinator_for(referral))
    response = client.get(reverse("referrals:worklists"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(referral.reference) < body.index(newer.reference)
    assert "Elsewhere" not in body
    # Each referral shown is audited: the unlinked one by reference, the linked one by person.
    events = AccessEvent.objects.filter(route="referrals:worklists")
    assert {(e.person_id, e.basis) for e in events} == {
        (None, Basis.OPEN_REFERRAL),
        (newer.person_id, Basis.OPEN_REFERRAL),
    }


def test_the_worklist_filters_by_source_and_lists_follow_ups(client):
    mine = ReferralFactory(source=Source.SELF, referred_by=None)
    ReferralFactory(team=mine.team, family_name="Gpreferred")
    client.force_login(coordinator_for(mine))
    response = client.get(reverse("referrals:worklists"), {"source": "self"})
    assert escape(mine.family_name) in response.content.decode()
    assert "Gpreferred" not in response.content.decode()
    response = client.get(reverse("referrals:worklists"), {"list": "follow-ups"})
    assert response.status_code == 200
    assert "Nothing here" in response.content.decode()


def test_the_worklist_takes_the_same_number_of_queries_for_any_length(client):
    first = ReferralFactory(person=PersonFactory())
    ReferralFactory(team=first.team)
    user = coordinator_for(first)
    client.force_login(user)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(reverse("referrals:worklists"))
        return len(queries)

    few = count()
    for _ in range(12):
        ReferralFactory(team=first.team, person=PersonFactory())
        ReferralFactory(team=first.team)
    assert count() == few


def test_a_long_worklist_pages_and_keeps_its_filters(client, monkeypatch):
    monkeypatch.setattr("alongside.referrals.views.PAGE_SIZE", 3)
    first = ReferralFactory(source=Source.GP)
    for _ in range(6):
        ReferralFactory(team=first.team, source=Source.GP)
    client.force_login(coordinator_for(first))
    worklists = reverse("referrals:worklists")
    body = client.get(worklists, {"source": "gp", "page": "2"}).content.decode()
    assert "Waiting for triage (Showing 4–6 of 7 referrals)" in body
    assert f'href="{worklists}?source=gp&amp;page=3"' in body
    body = client.get(worklists, {"source": "gp", "page": "12"}).content.decode()
    assert "There is no page 12: the list has 3 pages, so this is the last." in body
    assert "Showing 7–7 of 7 referrals" in body


def test_someone_outside_the_holding_team_cannot_open_a_referral(client):
    referral = ReferralFactory()
    outsider = MembershipFactory(role=Role.COORDINATOR).user
    client.force_login(outsider)
    assert client.get(url("referrals:referral", referral)).status_code == 404
    event = AccessEvent.objects.get(user=outsider)
    assert (event.allowed, event.person_id) == (False, None)
    assert referral.reference in event.reason


def test_an_analyst_in_the_team_cannot_open_it_either(client):
    referral = ReferralFactory()
    analyst = MembershipFactory(role=Role.ANALYST, team=referral.team).user
    client.force_login(analyst)
    assert client.get(url("referrals:referral", referral)).status_code == 404


def test_the_referral_page_offers_likely_matches_and_audits_them(client):
    known = PersonFactory()
    referral = ReferralFactory(
        given_name=known.given_name,
        family_name=known.family_name,
        date_of_birth=known.date_of_birth,
        postcode=known.postcode,
    )
    user = coordinator_for(referral)
    client.force_login(user)
    response = client.get(url("referrals:referral", referral))
    assert response.status_code == 200
    assert "Who is this referral about?" in response.content.decode()
    assert AccessEvent.objects.filter(
        user=user, person=known, reason__contains=referral.reference
    ).exists()
    response = client.post(
        url("referrals:identify", referral), {"version": referral.version, "match": known.pk}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.person == known


def test_triage_to_a_service_with_a_warm_handover(client):
    referral = ReferralFactory(person=PersonFactory())
    user = coordinator_for(referral)
    client.force_login(user)
    client.post(url("referrals:start-triage", referral), {"version": 1})
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE
    service = directory_service("Wyvern Walking Group")
    follow = timezone.localdate() + dt.timedelta(days=10)
    response = client.post(
        url("referrals:signpost", referral),
        {
            "version": referral.version,
            "destination": "service",
            "service": service.pk,
            "passed_on": "Phoned the group leader with the person's agreement",
            "told_person": "The group meets on Tuesdays",
            "follow_up_on-day": follow.day,
            "follow_up_on-month": follow.month,
            "follow_up_on-year": follow.year,
        },
    )
    assert response.status_code == 302, response.content.decode()
    referral.refresh_from_db()
    assert referral.state == State.SIGNPOSTED
    assert referral.handovers.get().service == service


def test_a_decision_with_missing_answers_shows_errors_and_saves_nothing(client):
    referral = ReferralFactory(person=PersonFactory(), state=State.IN_TRIAGE)
    client.force_login(coordinator_for(referral))
    response = client.post(
        url("referrals:decline", referral), {"version": referral.version, "destination": "team"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body
    assert "Choose why the referral is declined" in body
    assert "Choose the team" in body
    referral.refresh_from_db()
    assert referral.state == State.IN_TRIAGE


def test_an_impossible_transition_is_refused_with_a_message(client):
    referral = ReferralFactory(person=PersonFactory(), state=State.IN_TRIAGE)
    user = coordinator_for(referral)
    services.decline_referral(
        referral=referral,
        by=user,
        rejection_reason="02",
        service=directory_service("Talking Space"),
        passed_on="Gave the number",
        told_person="Offered Talking Space",
        follow_up_on=timezone.localdate(),
    )
    referral.refresh_from_db()
    client.force_login(user)
    team = TeamFactory()
    response = client.post(
        url("referrals:accept", referral), {"version": referral.version, "team": team.pk}
    )
    assert "cannot be accepted" in response.content.decode()
    referral.refresh_from_db()
    assert referral.state == State.DECLINED


def test_a_stale_decision_tells_the_second_coordinator_what_happened(client):
    referral = ReferralFactory(person=PersonFactory(), state=State.IN_TRIAGE)
    first = coordinator_for(referral)
    client.force_login(first)
    client.post(url("referrals:accept", referral), {"version": 1, "team": referral.team.pk})
    client.force_login(coordinator_for(referral))
    response = client.post(url("referrals:for-meeting", referral), {"version": 1, "why": "x"})
    body = response.content.decode()
    assert escape(first.display_name) in body and "Nothing you entered was saved" in body


def test_staff_make_a_referral_that_reaches_the_localitys_triage_team(client):
    from alongside.directory.tests.factories import postcode
    from alongside.organisations.tests.factories import LocalityFactory

    here = LocalityFactory()
    postcode("LS6 2QD", 53.8, -1.56, locality=here)
    triage = TeamFactory(localities=[here])
    MembershipFactory(team=triage, role=Role.COORDINATOR)
    gp = MembershipFactory(role=Role.PRACTITIONER, team__organisation__kind="gp_practice").user
    client.force_login(gp)
    response = client.post(
        reverse("referrals:refer"),
        {
            "given_name": "Tomasz",
            "family_name": "Nowak",
            "date_of_birth-day": "3",
            "date_of_birth-month": "7",
            "date_of_birth-year": "1981",
            "postcode": "ls62qd",
            "phone": "07700 900456",
            "contact_methods": ["phone"],
            "concerns": "Panic attacks stopping him working",
            "reason_for_referral": "05",
            "urgency": "routine",
            "person_agreed": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()
    referral = Referral.objects.get(family_name="Nowak")
    assert (referral.team, referral.locality, referral.source) == (triage, here, Source.GP)
    assert referral.reason_for_referral == "05"  # MHSDS PrimReasonReferralMH: anxiety
    assert referral.postcode == "LS6 2QD"
    assert referral.person is None  # matched at triage, never silently


def test_a_referral_form_with_contradictory_answers_is_refused(client):
    client.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    response = client.post(
        reverse("referrals:refer"),
        {"contact_methods": ["email"], "person_agreed": "no", "urgency": "routine"},
    )
    body = response.content.decode()
    assert "Enter an email address, or choose another way to contact" in body
    assert "Say what the person knows" in body
    assert not Referral.objects.exists()


def test_refer_a_known_person_links_the_referral(client):
    from alongside.care.tests.factories import EpisodeFactory, allocate
    from alongside.sharing.models import Consent, ConsentMethod

    membership = MembershipFactory(role=Role.PRACTITIONER)
    MembershipFactory(role=Role.COORDINATOR, team=membership.team)
    person = PersonFactory()
    allocate(EpisodeFactory(person=person), membership.user)  # the key worker refers on
    Consent.objects.create(
        person=person,
        organisation=membership.team.organisation,
        parts=["details", "referrals"],
        method=ConsentMethod.SPOKEN,
        recorded_by=membership.user,
        starts_on=dt.date(2025, 1, 1),
    )
    client.force_login(membership.user)
    response = client.post(
        reverse("referrals:refer-person", kwargs={"person_id": person.pk}),
        {
            "phone": "07700 900111",
            "contact_methods": ["phone"],
            "concerns": "Wants help with sleep and money worries",
            "urgency": "routine",
            "person_agreed": "yes",
        },
    )
    assert response.status_code == 302, response.content.decode()
    referral = Referral.objects.get(person=person, referred_by=membership.user)
    assert referral.family_name == person.family_name


def test_a_practitioner_sees_no_triage_list_and_cannot_open_a_referral_in_triage(client):
    """Triage is for the coordinators and team leads of the holding team (ADR-009): a
    practitioner in it neither lists nor opens its referrals waiting for a decision."""
    referral = ReferralFactory(person=PersonFactory(), family_name="Waitingtriage")
    practitioner = MembershipFactory(role=Role.PRACTITIONER, team=referral.team).user
    client.force_login(practitioner)
    response = client.get(reverse("referrals:worklists"))
    assert response.status_code == 200
    assert "Waitingtriage" not in response.content.decode()
    assert client.get(url("referrals:referral", referral)).status_code == 404
    assert client.get(url("referrals:start-triage", referral)).status_code == 404
