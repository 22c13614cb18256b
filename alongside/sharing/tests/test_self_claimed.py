"""A relationship and a lawful basis; relationships staff make for themselves (ADR-009).

The two ways in found from outside, each as a test:

- a member of staff makes a referral with a stranger's NHS number, identifies it (the page used
  to show the candidate's name, date of birth, postcode and NHS number), matches it, triages it
  and accepts it to their own team as key worker: every part of the record was then open as
  ordinary care-team access, marked for nobody;
- a Care Partner at a voluntary sector organisation with no part in a person's care read her
  whole record because she had agreed to share it with the organisation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import NoteSharing
from alongside.care.tests.factories import ContactFactory, EpisodeFactory, allocate
from alongside.core import formats
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services as referral_services
from alongside.referrals.models import Referral, State
from alongside.referrals.tests.factories import ReferralFactory
from alongside.sharing import claims, policy, services
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    AccessEvent,
    Action,
    Basis,
    ClaimedRelationship,
    ConsentMethod,
    Part,
    ReviewOutcome,
)

pytestmark = pytest.mark.django_db

NOTE = "Talked through the safety plan; sleeping four hours a night."


@pytest.fixture
def stranger():
    """Someone whose care is elsewhere: an open episode with another trust's team, a clinical
    note, and a portal account (to see who has looked)."""
    person = PersonFactory(
        given_name="Samantha",
        family_name="Carterby",
        date_of_birth=dt.date(1984, 3, 17),
        postcode="WY1 1AA",
        address="12 Lantern Row",
        user=UserFactory(),
    )
    episode = EpisodeFactory(person=person)
    ContactFactory(episode=episode, note=NOTE, note_sharing=NoteSharing.CARE_TEAM)
    return person


@pytest.fixture
def trust_team():
    return TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.NHS_TRUST))


def own_referral(maker, team, person) -> Referral:
    """A referral ``maker`` made with ``person``'s NHS number and other details of their own."""
    return ReferralFactory(
        referred_by=maker,
        team=team,
        given_name="Sam",
        family_name="Carter",
        date_of_birth=dt.date(1984, 3, 17),
        postcode="WY1 1ZZ",
        nhs_number=person.nhs_number,
        state=State.RECEIVED,
    )


def fresh(referral: Referral) -> Referral:
    return Referral.objects.get(pk=referral.pk)


def identify_url(referral: Referral) -> str:
    return reverse("referrals:identify", kwargs={"referral_id": referral.pk})


def test_the_identify_step_shows_the_least_needed_to_match(client, stranger, trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    referral = own_referral(coordinator, trust_team, stranger)
    client.force_login(coordinator)
    pages = {
        # The identify page shows nothing of the referral's own identifiers either; the
        # referral's page shows what the referrer gave (its NHS number among it).
        identify_url(referral): (
            stranger.nhs_number,
            formats.nhs_number(stranger.nhs_number),
            formats.date(stranger.date_of_birth),
        ),
        reverse("referrals:referral", args=[referral.pk]): (),
    }
    for url, unshown in pages.items():
        html = client.get(url).content.decode()
        assert f"Record {stranger.pk}: S. C., born 1984, postcode WY1 1" in html, url
        assert "The referral&#39;s NHS number and date of birth agree" in html, url
        assert "its name and postcode differ" in html, url
        for shown in (
            *unshown,
            "Samantha",
            "Carterby",
            "WY1 1AA",
            "Lantern Row",
        ):
            assert shown not in html, (url, shown)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.SUPERVISOR])
def test_only_triage_roles_may_identify_a_referral(client, stranger, trust_team, role):
    maker = MembershipFactory(role=role, team=trust_team).user
    referral = own_referral(maker, trust_team, stranger)
    client.force_login(maker)
    assert client.get(identify_url(referral)).status_code == 404
    response = client.post(
        identify_url(referral), {"match": str(stranger.pk), "version": referral.version}
    )
    assert response.status_code == 404
    assert fresh(referral).person_id is None
    with pytest.raises(PermissionDenied):
        referral_services.identify_person(referral=referral, by=maker, person=stranger)
    assert fresh(referral).person_id is None
    # Nor do they hold the referral: no look at the stranger's record at all.
    assert not AccessEvent.objects.filter(user=maker, person_id=stranger.pk, allowed=True).exists()


def test_a_team_lead_who_matches_their_own_referral_and_accepts_it_is_marked_and_reviewed(
    client, stranger, trust_team
):
    """The whole way in, through the pages: it still works (a team lead may triage a referral
    they took), but every look is marked self-claimed, the privacy lead has it to review, and
    the person sees it."""
    lead = MembershipFactory(role=Role.TEAM_LEAD, team=trust_team).user
    privacy_lead = MembershipFactory(
        role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust_team.organisation)
    ).user
    referral = own_referral(lead, trust_team, stranger)
    client.force_login(lead)

    response = client.post(
        identify_url(referral), {"match": str(stranger.pk), "version": referral.version}
    )
    assert response.status_code == 302
    claim = ClaimedRelationship.objects.get()
    assert (claim.user, claim.person, claim.referral_id) == (lead, stranger, referral.pk)
    assert claim.organisation_id == trust_team.organisation_id

    response = client.post(
        reverse("referrals:start-triage", args=[referral.pk]), {"version": fresh(referral).version}
    )
    assert response.status_code == 302
    response = client.post(
        reverse("referrals:accept", args=[referral.pk]),
        {"team": trust_team.pk, "key_worker": lead.pk, "version": fresh(referral).version},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert fresh(referral).state == State.ACCEPTED

    page = client.get(reverse("care:contacts", kwargs={"person_id": stranger.pk}))
    assert page.status_code == 200 and NOTE in page.content.decode()
    look = AccessEvent.objects.filter(user=lead, person_id=stranger.pk).first()
    assert (look.basis, look.allowed, look.self_claimed) == (Basis.CARE_TEAM, True, True)
    decision = policy.decide(lead, stranger, Part.CLINICAL_NOTES)
    assert decision.allowed and decision.self_claimed

    # The privacy lead of the holding team's organisation has it to review.
    client.force_login(privacy_lead)
    privacy = client.get(reverse("sharing:privacy")).content.decode()
    review = reverse("sharing:review-claim", kwargs={"claim_id": claim.pk})
    assert review in privacy and referral.reference in privacy
    # The person sees each marked look in the portal, and the privacy lead on the staff page.
    looks = client.get(reverse("sharing:looks", kwargs={"person_id": stranger.pk}))
    assert "Self-claimed" in looks.content.decode()
    client.force_login(stranger.user)
    portal = client.get(reverse("portal:who-has-looked")).content.decode()
    assert "Self-claimed" in portal and lead.display_name in portal

    # Found appropriate: the mark clears from then on; earlier looks stay marked.
    client.force_login(privacy_lead)
    response = client.post(review, {"outcome": ReviewOutcome.APPROPRIATE, "note": ""})
    assert response.status_code == 302
    reviewed = AccessEvent.objects.filter(user=privacy_lead, route="sharing:review-claim").get()
    assert (reviewed.basis, reviewed.person_id) == (Basis.PRIVACY_REVIEW, stranger.pk)
    assert review not in client.get(reverse("sharing:privacy")).content.decode()
    client.force_login(lead)
    client.get(reverse("care:contacts", kwargs={"person_id": stranger.pk}))
    latest = AccessEvent.objects.filter(user=lead, person_id=stranger.pk).first()
    assert (latest.basis, latest.self_claimed) == (Basis.CARE_TEAM, False)
    assert AccessEvent.objects.filter(user=lead, person_id=stranger.pk, self_claimed=True).exists()


def test_a_coordinators_own_matched_referral_is_marked_on_every_look(client, stranger, trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    referral = own_referral(coordinator, trust_team, stranger)
    referral_services.identify_person(referral=referral, by=coordinator, person=stranger)
    client.force_login(coordinator)
    assert client.get(reverse("referrals:referral", args=[referral.pk])).status_code == 200
    look = AccessEvent.objects.filter(user=coordinator, person_id=stranger.pk).first()
    assert (look.basis, look.self_claimed) == (Basis.OPEN_REFERRAL, True)
    # A list naming them marks the row too.
    client.get(reverse("referrals:worklists"))
    row = AccessEvent.objects.filter(
        user=coordinator, person_id=stranger.pk, route="referrals:worklists"
    ).get()
    assert (row.basis, row.self_claimed) == (Basis.OPEN_REFERRAL, True)


def test_a_match_by_someone_other_than_the_maker_is_not_a_claim(stranger, trust_team):
    gp = MembershipFactory(
        role=Role.PRACTITIONER,
        team=TeamFactory(organisation=OrganisationFactory(kind=OrganisationKind.GP_PRACTICE)),
    ).user
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    referral = own_referral(gp, trust_team, stranger)
    referral_services.identify_person(referral=referral, by=coordinator, person=stranger)
    assert not ClaimedRelationship.objects.exists()
    decision = policy.decide(coordinator, stranger, Part.DETAILS)
    assert decision.basis == Basis.OPEN_REFERRAL and not decision.self_claimed


def test_registering_a_new_person_from_ones_own_referral_is_not_a_claim(trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    referral = ReferralFactory(referred_by=coordinator, team=trust_team)
    identified = referral_services.identify_person(referral=referral, by=coordinator)
    assert identified.person_id is not None
    assert not ClaimedRelationship.objects.exists()


def claim_for(user, team, person) -> tuple[Referral, ClaimedRelationship]:
    referral = ReferralFactory(referred_by=user, team=team, person=person, state=State.IN_TRIAGE)
    claim = claims.record_claim(
        user=user,
        person=person,
        organisation_id=team.organisation_id,
        referral_id=referral.pk,
        referral_reference=referral.reference,
        referral_made_at=referral.received_at,
        how="Made this referral, then matched it to this existing record",
    )
    return referral, claim


def test_an_unclaimed_relationship_is_preferred(stranger, trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    claim_for(coordinator, trust_team, stranger)
    assert policy.decide(coordinator, stranger, Part.DETAILS).self_claimed
    ReferralFactory(person=stranger, team=trust_team, state=State.IN_TRIAGE)  # a GP's
    decision = policy.decide(coordinator, stranger, Part.DETAILS)
    assert decision.basis == Basis.OPEN_REFERRAL and not decision.self_claimed


def test_what_rests_on_a_claim_is_marked_for_everyone_in_it(stranger, trust_team):
    """The care team of an episode begun from a claimed referral, for every member; an onward
    referral a warm handover made from it; a referral the claimant made later from the
    record."""
    lead = MembershipFactory(role=Role.TEAM_LEAD, team=trust_team).user
    referral, _claim = claim_for(lead, trust_team, stranger)
    Referral.objects.filter(pk=referral.pk).update(state=State.ACCEPTED, accepted_team=trust_team)
    episode = EpisodeFactory(person=stranger, lead_team=trust_team, referral=referral)
    colleague = MembershipFactory(role=Role.PRACTITIONER, team=trust_team).user
    allocate(episode, colleague)
    for user in (lead, colleague):
        decision = policy.decide(user, stranger, Part.PLAN)
        assert (decision.basis, decision.self_claimed) == (Basis.CARE_TEAM, True), user

    other_team = TeamFactory()
    other_coordinator = MembershipFactory(role=Role.COORDINATOR, team=other_team).user
    ReferralFactory(person=stranger, team=other_team, onward_from=referral, state=State.IN_TRIAGE)
    assert policy.decide(other_coordinator, stranger, Part.DETAILS).self_claimed

    third_team = TeamFactory()
    MembershipFactory(role=Role.COORDINATOR, team=third_team, user=lead)
    ReferralFactory(referred_by=lead, person=stranger, team=third_team, state=State.IN_TRIAGE)
    third_coordinator = MembershipFactory(role=Role.COORDINATOR, team=third_team).user
    assert policy.decide(third_coordinator, stranger, Part.DETAILS).self_claimed


def test_a_claim_found_not_appropriate_needs_the_follow_up_and_stays_marked(stranger, trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    privacy_lead = MembershipFactory(
        role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust_team.organisation)
    ).user
    _referral, claim = claim_for(coordinator, trust_team, stranger)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.review_claim(
            claim=claim, reviewer=privacy_lead, outcome=ReviewOutcome.INAPPROPRIATE
        )
    services.review_claim(
        claim=claim,
        reviewer=privacy_lead,
        outcome=ReviewOutcome.INAPPROPRIATE,
        note="Referral closed; spoken to the coordinator with their manager.",
    )
    assert policy.decide(coordinator, stranger, Part.DETAILS).self_claimed
    with pytest.raises(ValidationError):
        services.review_claim(claim=claim, reviewer=privacy_lead, outcome=ReviewOutcome.APPROPRIATE)


def test_only_the_holding_organisations_privacy_lead_reviews_a_claim(stranger, trust_team):
    coordinator = MembershipFactory(role=Role.COORDINATOR, team=trust_team).user
    MembershipFactory(
        role=Role.PRIVACY_LEAD, team=TeamFactory(organisation=trust_team.organisation)
    )
    elsewhere = MembershipFactory(role=Role.PRIVACY_LEAD).user
    _referral, claim = claim_for(coordinator, trust_team, stranger)
    with pytest.raises(PermissionDenied):
        services.review_claim(claim=claim, reviewer=elsewhere, outcome=ReviewOutcome.APPROPRIATE)
    claim.refresh_from_db()
    assert claim.reviewed_at is None


def test_a_care_partner_with_no_part_in_the_care_reads_nothing_through_consent(client, stranger):
    """Sam consented to share everything with Wellspring; a Care Partner there who is not in
    her care team opens no page of her record (a 404, audited as refused)."""
    wellspring = OrganisationFactory(name="Wellspring", kind=OrganisationKind.VCSE)
    partner = MembershipFactory(role=Role.PRACTITIONER, team__organisation=wellspring).user
    services.record_consent(
        person=stranger,
        organisation=wellspring,
        parts=[str(p) for p in SHAREABLE_PARTS],
        method=ConsentMethod.SPOKEN,
        recorded_by=UserFactory(),
    )
    client.force_login(partner)
    for name in ("people:record", "care:contacts", "plans:plan", "sharing:consents"):
        response = client.get(reverse(name, kwargs={"person_id": stranger.pk}))
        assert response.status_code == 404, name
    assert not AccessEvent.objects.filter(user=partner, allowed=True).exists()
    assert AccessEvent.objects.filter(user=partner, person_id=stranger.pk, allowed=False).exists()
    # In her care team, she sees the record; the clinical notes because Sam agreed to share
    # them with Wellspring.
    from alongside.care.models import CareTeamMember

    CareTeamMember.objects.create(
        episode=stranger.episodes.get(),
        user=partner,
        team=partner.memberships.get().team,
        role="Care Partner",
        added_by=UserFactory(),
    )
    page = client.get(reverse("care:contacts", kwargs={"person_id": stranger.pk}))
    assert page.status_code == 200 and NOTE in page.content.decode()


def test_a_voluntary_sector_care_team_member_sees_clinical_notes_only_with_consent(stranger):
    charity = OrganisationFactory(kind=OrganisationKind.VCSE)
    partner = MembershipFactory(role=Role.PRACTITIONER, team__organisation=charity).user
    from alongside.care.models import CareTeamMember

    CareTeamMember.objects.create(
        episode=stranger.episodes.get(),
        user=partner,
        team=partner.memberships.get().team,
        role="Care Partner",
        added_by=UserFactory(),
    )
    assert policy.decide(partner, stranger, Part.PLAN).basis == Basis.CARE_TEAM
    assert not policy.decide(partner, stranger, Part.CLINICAL_NOTES).allowed
    services.record_consent(
        person=stranger,
        organisation=charity,
        parts=[Part.CLINICAL_NOTES],
        method=ConsentMethod.SPOKEN,
        recorded_by=UserFactory(),
    )
    decision = policy.decide(partner, stranger, Part.CLINICAL_NOTES)
    assert decision.allowed and decision.basis == Basis.CARE_TEAM
    assert not policy.decide(partner, stranger, Part.CLINICAL_NOTES, Action.CHANGE).allowed


def test_the_self_claimed_mark_survives_the_audits_time_stamp():
    """A row sent with another time is re-inserted by the trigger of migration 0004; the new
    column must come through it."""
    person = PersonFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO sharing_accessevent (occurred_at, person_id, part, action, basis, "
            "allowed, route, reason, self_claimed) VALUES (%s, %s, 'details', 'view', "
            "'open_referral', true, 'test', '', true)",
            [timezone.now() - dt.timedelta(days=40), person.pk],
        )
    event = AccessEvent.objects.get(person_id=person.pk)
    assert event.self_claimed is True
    assert event.occurred_at > timezone.now() - dt.timedelta(minutes=5)
