"""The person's own portal: their details, their sharing choices, and who has looked."""

import pytest
from django.urls import reverse
from markupsafe import escape

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import policy
from alongside.sharing.models import AccessEvent, Basis, Consent, Part

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    person = PersonFactory(user=UserFactory(), given_name="Sam")
    client.force_login(person.user)
    return person


def test_a_person_lands_on_their_portal_and_sees_their_details(client, me):
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url == reverse("portal:home")
    html = client.get(reverse("portal:home")).content.decode()
    assert "Hello Sam" in html and escape(me.family_name) in html
    assert AccessEvent.objects.filter(person_id=me.pk, basis=Basis.SELF).exists()


def test_a_person_shares_with_an_organisation_and_stops_at_once(client, me):
    partner = OrganisationFactory(name="Wyvern Wellbeing", kind="vcse")
    membership = MembershipFactory(role=Role.PRACTITIONER, team__organisation=partner)
    worker = membership.user
    # A Care Partner there in the person's care team: consent adds the clinical notes to what
    # the relationship gives (consent alone opens nothing, ADR-009).
    from alongside.care.tests.factories import CareTeamMemberFactory, EpisodeFactory

    CareTeamMemberFactory(episode=EpisodeFactory(person=me), team=membership.team, user=worker)
    assert not policy.decide(worker, me, Part.CLINICAL_NOTES).allowed
    response = client.post(
        reverse("portal:sharing"), {"organisation": partner.pk, "parts": ["clinical_notes"]}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(person=me)
    assert consent.method == "portal" and consent.recorded_by == me.user
    assert policy.decide(worker, me, Part.CLINICAL_NOTES).allowed
    stop = reverse("portal:stop-sharing", kwargs={"consent_id": consent.pk})
    assert "Stop sharing with Wyvern Wellbeing?" in client.get(stop).content.decode()
    assert client.post(stop).status_code == 302
    assert not policy.decide(worker, me, Part.CLINICAL_NOTES).allowed


def test_sharing_with_nothing_chosen_is_refused_with_a_message(client, me):
    response = client.post(reverse("portal:sharing"), {})
    html = response.content.decode()
    assert "There is a problem" in html and "Select an organisation" in html
    assert not Consent.objects.exists()


def test_a_person_sees_who_looked_with_break_glass_reasons(client, me):
    worker = MembershipFactory(role=Role.PRACTITIONER)
    worker.user.first_name, worker.user.last_name = "Priya", "Sandhu"
    worker.user.save()
    staff = client.__class__()
    staff.force_login(worker.user)
    staff.post(
        reverse("sharing:break-glass"),
        {"nhs_number": me.nhs_number, "reason": "Called by A&E: in crisis, need safety plan"},
    )
    staff.get(reverse("people:record", kwargs={"person_id": me.pk}))
    html = client.get(reverse("portal:who-has-looked")).content.decode()
    assert "Priya Sandhu" in html
    assert "Called by A&amp;E: in crisis, need safety plan" in html
    assert "Break-glass access, with a reason" in html


def test_a_person_cannot_reach_someone_elses_record(client, me):
    other = PersonFactory()
    assert client.get(reverse("people:record", kwargs={"person_id": other.pk})).status_code == 404
    assert (
        client.get(reverse("sharing:consents", kwargs={"person_id": other.pk})).status_code == 404
    )


def test_staff_without_a_linked_record_have_no_portal(client):
    client.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    assert client.get(reverse("portal:home")).status_code == 404
