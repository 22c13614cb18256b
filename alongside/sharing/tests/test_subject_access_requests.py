"""A request for a copy of everything held: asked in the portal (or recorded by staff), reviewed
by the privacy lead who answers it, released without what they withheld, and only then
downloaded by the person."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
)
from alongside.portal.tests.factories import person_in_care
from alongside.sharing import services
from alongside.sharing.models import (
    AccessEvent,
    Action,
    Basis,
    RequestChannel,
    RequestStatus,
    SubjectAccessRequest,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene():
    return person_in_care("A")


@pytest.fixture
def privacy_lead(scene):
    """The privacy lead of the trust whose team leads the person's care."""
    trust = scene.episode.lead_team.organisation
    return MembershipFactory(role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust)).user


def ask_in_portal(client, scene) -> SubjectAccessRequest:
    client.force_login(scene.user)
    response = client.post(reverse("portal:your-record"), {"note": "My notes from last winter"})
    assert response.status_code == 302
    return SubjectAccessRequest.objects.get(person=scene.person)


def review_url(sar) -> str:
    return reverse(
        "sharing:subject-access", kwargs={"person_id": sar.person_id, "request_id": sar.pk}
    )


def download_url(sar) -> str:
    return reverse("portal:released-copy", kwargs={"request_id": sar.pk})


def contact_key(sar, text: str) -> str:
    contacts = sar.reviewed_export["contacts"]
    return f"contacts:{next(i for i, c in enumerate(contacts) if c['note'] == text)}"


def test_a_request_is_asked_reviewed_with_an_item_withheld_and_released(
    client, scene, privacy_lead
):
    sar = ask_in_portal(client, scene)
    assert sar.status == RequestStatus.ASKED and sar.channel == RequestChannel.PORTAL
    assert sar.organisation == scene.episode.lead_team.organisation
    assert sar.due_on == services.subject_access_due_on(sar.asked_at.date())
    assert client.get(download_url(sar)).status_code == 404  # not before release

    client.force_login(privacy_lead)
    listed = client.get(reverse("sharing:privacy")).content.decode()
    assert review_url(sar) in listed
    page = client.get(review_url(sar))
    html = page.content.decode()
    assert page.status_code == 200
    # The privacy lead sees the full export: notes the person's portal does not show them.
    assert scene.texts["org_note"] in html and scene.texts["team_note"] in html
    sar.refresh_from_db()
    assert sar.status == RequestStatus.IN_REVIEW and sar.reviewer == privacy_lead
    opened = AccessEvent.objects.filter(user=privacy_lead, person_id=scene.person.pk).first()
    assert (opened.action, opened.basis, opened.allowed) == (
        Action.EXPORT,
        Basis.PRIVACY_REVIEW,
        True,
    )
    client.force_login(scene.user)
    assert client.get(download_url(sar)).status_code == 404  # in review: still not

    client.force_login(privacy_lead)
    withheld = contact_key(sar, scene.texts["org_note"])
    response = client.post(
        review_url(sar),
        {"items_contacts": [withheld], "reason": "third_party", "note": "Names a neighbour"},
    )
    assert response.status_code == 302
    assert [w.key for w in sar.withheld.all()] == [withheld]
    response = client.post(review_url(sar), {"release": "1"})
    assert response.status_code == 302
    sar.refresh_from_db()
    assert sar.status == RequestStatus.RELEASED and sar.released_at is not None

    client.force_login(scene.user)
    page = client.get(reverse("portal:your-record")).content.decode()
    assert download_url(sar) in page
    response = client.get(download_url(sar))
    assert response.status_code == 200
    text = response.content.decode()
    copy = json.loads(text)
    assert scene.texts["org_note"] not in text  # withheld
    assert "Names a neighbour" not in text  # the privacy lead's note stays with them
    assert scene.texts["team_note"] in text  # reviewed and released
    keys = list(copy)
    # In the export's own order: details first, the record of access and changes last.
    assert keys.index("details") < keys.index("referrals") < keys.index("history_of_changes")
    assert keys[-1] == "history_of_changes"
    statement = copy["what_was_withheld"]
    assert statement["anything_withheld"] is True
    assert statement["reasons"][0]["reason"] == "Information about someone else"
    assert statement["reasons"][0]["from"] == ["Contacts"]
    assert "Information Commissioner" in statement["your_rights"]
    assert len(copy["contacts"]) == len(sar.reviewed_export["contacts"]) - 1


def test_a_privacy_lead_of_another_organisation_cannot_see_the_request(client, scene):
    MembershipFactory(
        role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=scene.episode.lead_team.organisation)
    )
    sar = ask_in_portal(client, scene)
    elsewhere = MembershipFactory(role=Role.PRIVACY_LEAD).user
    client.force_login(elsewhere)
    assert client.get(review_url(sar)).status_code == 404
    assert review_url(sar) not in client.get(reverse("sharing:privacy")).content.decode()
    # Refused by the policy (no privacy-review basis), and the refusal audited.
    assert not AccessEvent.objects.filter(
        user=elsewhere, person_id=scene.person.pk, allowed=True
    ).exists()
    assert AccessEvent.objects.filter(
        user=elsewhere, person_id=scene.person.pk, allowed=False
    ).exists()


def test_another_persons_released_copy_is_a_404(client, scene, privacy_lead):
    sar = ask_in_portal(client, scene)
    services.open_subject_access_review(request=sar, reviewer=privacy_lead)
    services.release_subject_access(request=sar, by=privacy_lead)
    other = person_in_care("B", username="person-b")
    client.force_login(other.user)
    assert client.get(download_url(sar)).status_code == 404
    client.force_login(scene.user)
    assert client.get(download_url(sar)).status_code == 200


def test_staff_cannot_release_an_export_without_a_review(scene, privacy_lead):
    sar = services.ask_for_subject_access(
        person=scene.person, recorded_by=scene.key_worker, channel=RequestChannel.LETTER
    )
    with pytest.raises(ValidationError):
        services.release_subject_access(request=sar, by=privacy_lead)  # still only asked
    services.open_subject_access_review(request=sar, reviewer=privacy_lead)
    services.release_subject_access(request=sar, by=privacy_lead)
    with pytest.raises(ValidationError):
        services.withhold_items(
            request=sar, keys=["details"], reason="serious_harm", by=privacy_lead
        )
    with pytest.raises(ValidationError):
        services.refuse_subject_access(request=sar, by=privacy_lead, reason="x" * 30)


def test_one_request_at_a_time_and_only_items_of_the_export(client, scene, privacy_lead):
    sar = ask_in_portal(client, scene)
    with pytest.raises(ValidationError):
        services.ask_for_subject_access(
            person=scene.person, recorded_by=scene.key_worker, channel=RequestChannel.PHONE
        )
    services.open_subject_access_review(request=sar, reviewer=privacy_lead)
    with pytest.raises(ValidationError):
        services.withhold_items(
            request=sar, keys=["contacts:999"], reason="third_party", by=privacy_lead
        )
    client.force_login(privacy_lead)
    response = client.post(review_url(sar), {"reason": "third_party"})
    assert "Select the items to withhold" in response.content.decode()


def test_a_key_worker_records_a_request_made_by_letter(client, scene):
    client.force_login(scene.key_worker)
    url = reverse("sharing:record-subject-access", kwargs={"person_id": scene.person.pk})
    assert "How did the person ask?" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "channel": "letter",
            "asked_on-day": "31",
            "asked_on-month": "1",
            "asked_on-year": "2025",
            "note": "All my records",
        },
    )
    assert response.status_code == 302
    sar = SubjectAccessRequest.objects.get(person=scene.person)
    assert (sar.channel, sar.recorded_by, sar.due_on) == (
        RequestChannel.LETTER,
        scene.key_worker,
        dt.date(2025, 2, 28),
    )
    event = AccessEvent.objects.filter(user=scene.key_worker).order_by("-id").first()
    assert (event.action, event.basis) == (Action.CHANGE, Basis.CARE_TEAM)


def test_a_refused_request_tells_the_person_why(client, scene, privacy_lead):
    sar = ask_in_portal(client, scene)
    client.force_login(privacy_lead)
    short = client.post(review_url(sar), {"refuse": "1", "refuse-reason": "No"})
    assert "at least 20 characters" in short.content.decode()
    reason = "We could not confirm who sent the request: please call us."
    assert client.post(review_url(sar), {"refuse": "1", "refuse-reason": reason}).status_code == 302
    client.force_login(scene.user)
    page = client.get(reverse("portal:your-record")).content.decode()
    assert "We could not confirm who sent the request" in page
    assert client.get(download_url(sar)).status_code == 404


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (dt.date(2025, 3, 3), dt.date(2025, 4, 3)),
        (dt.date(2025, 1, 31), dt.date(2025, 2, 28)),  # February has no 31st
        (dt.date(2024, 1, 31), dt.date(2024, 2, 29)),  # a leap year
        (dt.date(2025, 12, 15), dt.date(2026, 1, 15)),  # into the next year
        (dt.date(2025, 4, 10), dt.date(2025, 5, 12)),  # 10 May 2025 is a Saturday
        (dt.date(2025, 4, 11), dt.date(2025, 5, 12)),  # 11 May 2025 is a Sunday
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_was_received(received, due):
    assert services.subject_access_due_on(received) == due


def test_a_request_about_someone_only_a_partner_without_a_privacy_lead_supports_goes_to_the_place(
    client,
):
    scene = person_in_care("C")
    charity = OrganisationFactory(name="Brightside Peer Support", kind=OrganisationKind.VCSE)
    scene.episode.lead_team.organisation = charity  # the lead team is the charity's
    scene.episode.lead_team.save()
    trust = OrganisationFactory(name="Wyvern Partnership NHS Trust")
    place_lead = MembershipFactory(role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust))
    sar = services.ask_for_subject_access(
        person=scene.person, recorded_by=scene.user, channel=RequestChannel.PORTAL
    )
    assert sar.organisation == trust
    client.force_login(place_lead.user)
    assert review_url(sar) in client.get(reverse("sharing:privacy")).content.decode()


def test_only_a_privacy_lead_answering_the_request_may_review_it(scene, privacy_lead):
    from django.core.exceptions import PermissionDenied

    sar = services.ask_for_subject_access(
        person=scene.person, recorded_by=scene.key_worker, channel=RequestChannel.EMAIL
    )
    for someone in (scene.key_worker, MembershipFactory(role=Role.PRIVACY_LEAD).user):
        with pytest.raises(PermissionDenied):
            services.open_subject_access_review(request=sar, reviewer=someone)
    sar.refresh_from_db()
    assert sar.status == RequestStatus.ASKED
