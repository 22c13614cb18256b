"""Every break-glass is reviewed: by the privacy lead of the organisation the user acted for, or
by the place's privacy lead when that organisation has none; and the page says which."""

from __future__ import annotations

import pytest
from django.urls import reverse
from markupsafe import escape

from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import BreakGlass

pytestmark = pytest.mark.django_db

REASON = "Called by A&E: in crisis tonight, need the safety plan"


@pytest.fixture
def place():
    """A trust with a privacy lead, and a voluntary sector partner without one."""
    trust = OrganisationFactory(name="Wyvern Partnership NHS Trust", ods_code="RXX")
    trust_lead = MembershipFactory(role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust))
    charity = OrganisationFactory(
        name="Brightside Peer Support", kind=OrganisationKind.VCSE, ods_code=None
    )
    worker = MembershipFactory(role=Role.PRACTITIONER, team=TeamFactory(organisation=charity))
    return trust, trust_lead.user, charity, worker.user


def break_glass(client, user, nhs_number="9434765919"):
    client.force_login(user)
    return client.post(reverse("sharing:break-glass"), {"nhs_number": nhs_number, "reason": REASON})


def test_a_voluntary_sector_break_glass_is_reviewed_by_the_place_privacy_lead(client, place):
    trust, trust_lead, charity, worker = place
    PersonFactory(nhs_number="9434765919")
    client.force_login(worker)
    page = client.get(reverse("sharing:break-glass")).content.decode()
    assert (
        f"{escape(charity.name)} has no privacy lead of its own, so the privacy lead of "
        f"{escape(trust.name)}, who reviews for the place, reviews every use"
    ) in page
    response = break_glass(client, worker)
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 302
    told = [str(m) for m in response.wsgi_request._messages]
    assert any(f"the privacy lead of {trust.name}" in m for m in told)
    grant = BreakGlass.objects.get()
    assert grant.organisation == charity

    client.force_login(trust_lead)
    listed = client.get(reverse("sharing:privacy")).content.decode()
    assert "need the safety plan" in listed
    url = reverse("sharing:review", kwargs={"grant_id": grant.pk})
    assert client.post(url, {"outcome": "appropriate"}).status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == trust_lead


def test_an_organisation_with_its_own_privacy_lead_reviews_its_own(client, place):
    _trust, trust_lead, charity, worker = place
    own_lead = MembershipFactory(role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=charity))
    PersonFactory(nhs_number="9434765919")
    client.force_login(worker)
    page = client.get(reverse("sharing:break-glass")).content.decode()
    assert f"The privacy lead of {escape(charity.name)} reviews every use" in page
    break_glass(client, worker)
    grant = BreakGlass.objects.get()
    client.force_login(trust_lead)
    assert "need the safety plan" not in client.get(reverse("sharing:privacy")).content.decode()
    url = reverse("sharing:review", kwargs={"grant_id": grant.pk})
    assert client.get(url).status_code == 404
    client.force_login(own_lead.user)
    assert "need the safety plan" in client.get(reverse("sharing:privacy")).content.decode()


def test_the_setting_names_the_place_privacy_organisation(client, place, settings):
    _trust, trust_lead, _charity, worker = place
    other_trust = OrganisationFactory(name="Severn Mental Health Trust", ods_code="RYY")
    other_lead = MembershipFactory(
        role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=other_trust)
    ).user
    PersonFactory(nhs_number="9434765919")
    # Two trusts with privacy leads: without the setting, nobody is named for the place, and
    # the page says so rather than promising a review.
    client.force_login(worker)
    page = client.get(reverse("sharing:break-glass")).content.decode()
    assert "none is named to review for the place" in page
    settings.PLACE_PRIVACY_ORGANISATION = "RYY"
    page = client.get(reverse("sharing:break-glass")).content.decode()
    assert f"the privacy lead of {escape(other_trust.name)}, who reviews for the place" in page
    break_glass(client, worker)
    client.force_login(other_lead)
    assert "need the safety plan" in client.get(reverse("sharing:privacy")).content.decode()
    client.force_login(trust_lead)
    assert "need the safety plan" not in client.get(reverse("sharing:privacy")).content.decode()
