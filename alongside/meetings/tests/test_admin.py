"""The meetings in the admin: read only, with attendees and no agenda (it names people)."""

import pytest
from django.urls import reverse

from alongside.meetings import services
from alongside.organisations.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_system_administrator_looks_up_a_meeting_without_its_agenda(client, place):
    place.marked(family_name="Quartermaine")
    meeting = place.meeting()
    services.add_referral_items(meeting=meeting, by=place.coordinator)
    services.record_attendee(meeting=meeting, by=place.coordinator, user=place.partner_worker)
    client.force_login(UserFactory(is_superuser=True, is_staff=True))

    listing = client.get(reverse("admin:meetings_localitymeeting_changelist"))
    assert listing.status_code == 200
    assert "Wyvern Central" in listing.content.decode()
    page = client.get(reverse("admin:meetings_localitymeeting_change", args=[meeting.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ana Lind" in html
    assert "Quartermaine" not in html
    assert client.get(reverse("admin:meetings_localitymeeting_add")).status_code == 403
