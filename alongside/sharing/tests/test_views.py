"""Consent, break-glass, the privacy lead's review and the subject access export, as pages."""

import datetime as dt
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import policy
from alongside.sharing.models import AccessEvent, Basis, BreakGlass, Consent, Part
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def keyworker():
    return MembershipFactory(role=Role.PRACTITIONER)


def in_care_of(person, membership):
    """Give the member of staff a relationship with the person: their team leads the person's
    care. Consent is a lawful basis only and opens nothing by itself (ADR-009)."""
    from alongside.care.tests.factories import EpisodeFactory

    return EpisodeFactory(person=person, lead_team=membership.team)


def share(person, organisation, parts=(Part.PLAN,)):
    return record_consent(
        person=person,
        organisation=organisation,
        parts=list(parts),
        method="spoken",
        recorded_by=UserFactory(),
    )


def test_a_key_worker_records_consent_to_share_with_a_partner(client, keyworker):
    person = PersonFactory()
    share(person, keyworker.team.organisation)
    in_care_of(person, keyworker)
    partner = OrganisationFactory(name="Wyvern Wellbeing", kind="vcse")
    client.force_login(keyworker.user)
    url = reverse("sharing:record-consent", kwargs={"person_id": person.pk})
    response = client.post(
        url, {"organisation": partner.pk, "parts": ["plan", "contacts"], "method": "written"}
    )
    assert response.status_code == 302
    consent = Consent.objects.get(organisation=partner)
    assert consent.parts == ["contacts", "plan"] and consent.recorded_by == keyworker.user
    page = client.get(reverse("sharing:consents", kwargs={"person_id": person.pk}))
    assert "Wyvern Wellbeing" in page.content.decode()


def test_recording_consent_with_nothing_chosen_shows_the_error_summary(client, keyworker):
    person = PersonFactory()
    share(person, keyworker.team.organisation)
    in_care_of(person, keyworker)
    client.force_login(keyworker.user)
    url = reverse("sharing:record-consent", kwargs={"person_id": person.pk})
    response = client.post(url, {})
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html
    assert "Select what the person agreed to share" in html
    assert "Select the organisation" in html
    assert Consent.objects.count() == 1


def test_a_second_open_consent_for_the_same_organisation_is_refused(client, keyworker):
    person = PersonFactory()
    share(person, keyworker.team.organisation)
    in_care_of(person, keyworker)
    client.force_login(keyworker.user)
    url = reverse("sharing:record-consent", kwargs={"person_id": person.pk})
    response = client.post(
        url,
        {
            "organisation": keyworker.team.organisation.pk,
            "parts": ["plan"],
            "method": "spoken",
        },
    )
    assert response.status_code == 200
    assert "withdraw it first" in response.content.decode()
    assert Consent.objects.count() == 1


def test_withdrawal_on_the_page_takes_effect_at_once(client):
    """A voluntary sector member of the care team sees clinical notes only while the person
    agrees; after the withdrawal, the very next request no longer shows them."""
    from alongside.care.tests.factories import CareTeamMemberFactory, EpisodeFactory

    charity = OrganisationFactory(kind="vcse")
    keyworker = MembershipFactory(role=Role.PRACTITIONER, team__organisation=charity)
    person = PersonFactory()
    consent = share(person, charity, parts=(Part.CLINICAL_NOTES,))
    CareTeamMemberFactory(
        episode=EpisodeFactory(person=person), team=keyworker.team, user=keyworker.user
    )
    assert policy.decide(keyworker.user, person, Part.CLINICAL_NOTES).allowed
    client.force_login(keyworker.user)
    url = reverse("sharing:withdraw", kwargs={"person_id": person.pk, "consent_id": consent.pk})
    assert client.post(url, {"method": "spoken"}).status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == keyworker.user
    # The very next request no longer has the clinical notes; the relationship stays.
    assert not policy.decide(keyworker.user, person, Part.CLINICAL_NOTES).allowed
    assert client.get(reverse("people:record", kwargs={"person_id": person.pk})).status_code == 200


def test_break_glass_opens_a_record_for_a_while_and_flags_it(client, keyworker):
    person = PersonFactory(nhs_number="9434765919", family_name="Quartermaine")
    client.force_login(keyworker.user)
    record = reverse("people:record", kwargs={"person_id": person.pk})
    assert client.get(record).status_code == 404
    response = client.post(
        reverse("sharing:break-glass"),
        {"nhs_number": "943 476 5919", "reason": "Called by A&E: in crisis, need safety plan"},
    )
    assert response.status_code == 302 and response.url == reverse("sharing:break-glass-opened")
    opened = client.get(response.url)
    assert opened.status_code == 302 and opened.url == record
    page = client.get(record)
    assert page.status_code == 200
    assert "Break-glass access" in page.content.decode()
    assert "Break-glass access is open for 4 hours" in page.content.decode()
    grant = BreakGlass.objects.get()
    assert grant.expires_at - grant.opened_at == dt.timedelta(hours=4)
    assert (
        AccessEvent.objects.filter(
            person_id=person.pk, basis=Basis.BREAK_GLASS, reason__contains="A&E"
        ).count()
        >= 2
    )  # the opening, and the look


def test_break_glass_needs_a_reason_and_a_real_nhs_number(client, keyworker):
    client.force_login(keyworker.user)
    url = reverse("sharing:break-glass")
    short = client.post(url, {"nhs_number": "9434765919", "reason": "need it"})
    assert "at least 20 characters" in short.content.decode() or "No record" in (
        short.content.decode()
    )
    wrong = client.post(url, {"nhs_number": "9434765918", "reason": "x" * 30})
    assert "the last digit does not match" in wrong.content.decode()
    PersonFactory(nhs_number="9434765919")
    short = client.post(url, {"nhs_number": "9434765919", "reason": "need it"})
    assert "at least 20 characters" in short.content.decode()
    assert not BreakGlass.objects.exists()


def test_break_glass_expires(client, keyworker, settings):
    person = PersonFactory()
    now = timezone.now()
    BreakGlass.objects.create(
        user=keyworker.user,
        person=person,
        organisation=keyworker.team.organisation,
        reason="Person in crisis at A&E, no other record available",
        opened_at=now - dt.timedelta(hours=5),
        expires_at=now - dt.timedelta(hours=1),
    )
    client.force_login(keyworker.user)
    assert client.get(reverse("people:record", kwargs={"person_id": person.pk})).status_code == 404


def test_analysts_cannot_break_glass(client):
    client.force_login(MembershipFactory(role=Role.ANALYST).user)
    assert client.get(reverse("sharing:break-glass")).status_code == 403


def test_the_privacy_lead_reviews_break_glass_of_their_organisation(client, keyworker):
    lead = MembershipFactory(role=Role.PRIVACY_LEAD, team__organisation=keyworker.team.organisation)
    elsewhere = MembershipFactory(role=Role.PRIVACY_LEAD)
    person = PersonFactory()
    now = timezone.now()
    grant = BreakGlass.objects.create(
        user=keyworker.user,
        person=person,
        organisation=keyworker.team.organisation,
        reason="Person in crisis at A&E, no other record available",
        opened_at=now,
        expires_at=now + dt.timedelta(hours=4),
    )
    client.force_login(elsewhere.user)
    assert (
        "no other record available" not in client.get(reverse("sharing:privacy")).content.decode()
    )
    assert client.get(reverse("sharing:review", kwargs={"grant_id": grant.pk})).status_code == 404

    client.force_login(lead.user)
    assert "no other record available" in client.get(reverse("sharing:privacy")).content.decode()
    url = reverse("sharing:review", kwargs={"grant_id": grant.pk})
    refused = client.post(url, {"outcome": "inappropriate"})
    assert "Say what follow-up was agreed" in refused.content.decode()
    assert client.post(url, {"outcome": "appropriate"}).status_code == 302
    grant.refresh_from_db()
    assert grant.reviewed_by == lead.user and grant.review_outcome == "appropriate"


def test_the_audit_search_is_by_post_and_finds_refused_requests(client, keyworker):
    lead = MembershipFactory(role=Role.PRIVACY_LEAD, team__organisation=keyworker.team.organisation)
    hidden = PersonFactory()
    client.force_login(keyworker.user)
    client.get(reverse("people:record", kwargs={"person_id": hidden.pk}))  # refused, logged
    client.force_login(lead.user)
    response = client.post(
        reverse("sharing:privacy"), {"person_id": hidden.pk, "refused_only": "on"}
    )
    html = response.content.decode()
    assert "(refused)" in html and escape(keyworker.user.display_name) in html
    assert str(hidden.pk) not in response.request["PATH_INFO"]


def test_the_person_page_history_shows_who_changed_what(client, keyworker):
    from alongside.people.services import update_person

    lead = MembershipFactory(role=Role.PRIVACY_LEAD, team__organisation=keyworker.team.organisation)
    person = PersonFactory(phone="07700 900001")
    share(person, keyworker.team.organisation)
    update_person(person=person, phone="07700 900002")
    client.force_login(lead.user)
    html = client.get(reverse("sharing:history", kwargs={"person_id": person.pk})).content.decode()
    assert "07700 900001" in html and "07700 900002" in html


def test_the_subject_access_export_holds_everything_including_its_own_making(client, keyworker):
    lead = MembershipFactory(role=Role.PRIVACY_LEAD, team__organisation=keyworker.team.organisation)
    person = PersonFactory(family_name="Quartermaine")
    share(person, keyworker.team.organisation)
    client.force_login(keyworker.user)
    client.get(reverse("people:record", kwargs={"person_id": person.pk}))
    client.force_login(lead.user)
    response = client.get(reverse("sharing:export", kwargs={"person_id": person.pk}))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["details"]["family_name"] == "Quartermaine"
    assert len(document["consents"]) == 1
    actions = [(e["who"], e["action"]) for e in document["access_to_the_record"]]
    assert (keyworker.user.display_name, "view") in actions
    assert (lead.user.display_name, "export") in actions
    assert document["history_of_changes"][0]["event"] == "insert"


def test_text_is_stored_and_shown_escaped(client, keyworker):
    person = PersonFactory(given_name="<script>alert(1)</script>")
    share(person, keyworker.team.organisation)
    in_care_of(person, keyworker)
    client.force_login(keyworker.user)
    html = client.get(reverse("people:record", kwargs={"person_id": person.pk})).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_the_break_glass_warnings_say_what_they_mean(client):
    user = MembershipFactory(role=Role.PRACTITIONER).user
    client.force_login(user)
    html = client.get(reverse("sharing:break-glass")).content.decode()
    # Nobody is set up to review (no privacy lead anywhere): the page says so, not a promise.
    assert "has no privacy lead, and none is named to review for the place" in html
    MembershipFactory(
        role=Role.PRIVACY_LEAD, team__organisation=user.memberships.get().team.organisation
    )
    html = client.get(reverse("sharing:break-glass")).content.decode()
    assert "reviews every use" in html and "none is named" not in html


# --- break-glass tells nothing before the request is on record -----------------------------------

KNOWN, UNKNOWN = "9434765919", "9434765927"  # both valid NHS numbers; only the first has a record
REASON = "Called by A&E: in crisis, need safety plan"


def without_tokens(content: bytes) -> bytes:
    """A page without what differs on every response (CSRF token, nonce) or was typed in."""
    return re.sub(rb'(nonce|value)="[^"]*"', b"", content)


def test_break_glass_answers_alike_whether_or_not_a_record_has_the_number(client, keyworker):
    person = PersonFactory(nhs_number=KNOWN)
    client.force_login(keyworker.user)
    url = reverse("sharing:break-glass")
    known = client.post(url, {"nhs_number": KNOWN, "reason": REASON})
    unknown = client.post(url, {"nhs_number": UNKNOWN, "reason": REASON})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("sharing:break-glass-opened")
    assert without_tokens(known.content) == without_tokens(unknown.content)
    # Both are on record, before any answer: the known number with the person, the unknown one
    # refused with no person, each with who asked, for which organisation, and why.
    events = AccessEvent.objects.filter(route="sharing:break-glass").order_by("id")
    assert [(e.person_id, e.allowed) for e in events] == [(person.pk, True), (None, False)]
    for event in events:
        assert event.basis == Basis.BREAK_GLASS and event.reason == REASON
        assert event.user_id == keyworker.user.pk
        assert event.organisation_id == keyworker.team.organisation_id
        assert event.ip_address == "127.0.0.1"
    assert BreakGlass.objects.get().person == person


def test_a_short_reason_is_refused_alike_for_a_known_and_an_unknown_number(client, keyworker):
    PersonFactory(nhs_number=KNOWN)
    client.force_login(keyworker.user)
    url = reverse("sharing:break-glass")
    known = client.post(url, {"nhs_number": KNOWN, "reason": "need it"})
    unknown = client.post(url, {"nhs_number": UNKNOWN, "reason": "need it"})
    assert known.status_code == unknown.status_code == 200
    assert "at least 20 characters" in known.content.decode()
    assert without_tokens(known.content) == without_tokens(unknown.content)
    assert not AccessEvent.objects.filter(route="sharing:break-glass").exists()


def test_after_the_request_an_unknown_number_is_told_and_recorded(client, keyworker):
    client.force_login(keyworker.user)
    response = client.post(
        reverse("sharing:break-glass"), {"nhs_number": UNKNOWN, "reason": REASON}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "No record has this NHS number" in html
    assert "Your request is recorded" in html
    assert not BreakGlass.objects.exists()
    # The page is for the one who asked, once: opened again it goes back to the form.
    again = client.get(reverse("sharing:break-glass-opened"))
    assert again.status_code == 302 and again.url == reverse("sharing:break-glass")


def test_the_answer_is_read_only_by_the_one_who_asked(client, keyworker):
    """A grant id put in another session opens nothing."""
    PersonFactory(nhs_number=KNOWN)
    client.force_login(keyworker.user)
    client.post(reverse("sharing:break-glass"), {"nhs_number": KNOWN, "reason": REASON})
    grant = BreakGlass.objects.get()
    other = client.__class__()
    other.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    session = other.session
    session["sharing:break-glass"] = grant.pk
    session.save()
    response = other.get(reverse("sharing:break-glass-opened"))
    assert response.status_code == 302 and response.url == reverse("sharing:break-glass")
