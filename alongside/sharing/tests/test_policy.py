"""The access policy, basis by basis, role by role."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import policy
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    Action,
    Basis,
    BreakGlass,
    Consent,
    ConsentMethod,
    Part,
)
from alongside.sharing.services import record_consent, withdraw_consent

pytestmark = pytest.mark.django_db


def staff(role=Role.PRACTITIONER, organisation=None):
    membership = MembershipFactory(
        role=role, **({"team__organisation": organisation} if organisation else {})
    )
    return membership.user, membership.team.organisation


def consent(person, organisation, parts, recorder=None):
    return record_consent(
        person=person,
        organisation=organisation,
        parts=parts,
        method=ConsentMethod.SPOKEN,
        recorded_by=recorder or UserFactory(),
    )


def test_no_basis_means_no_access():
    user, _ = staff()
    person = PersonFactory()
    decision = policy.decide(user, person, Part.DETAILS)
    assert decision == policy.Decision(False, Basis.NONE, decision.organisation_id)


def test_anonymous_users_get_nothing():
    assert not policy.decide(AnonymousUser(), PersonFactory(), Part.DETAILS).allowed


def triaging(person, role=Role.COORDINATOR, organisation=None):
    """A member of staff in a team holding an open referral for ``person``: a relationship."""
    from alongside.referrals.models import State
    from alongside.referrals.tests.factories import ReferralFactory

    membership = MembershipFactory(
        role=role, **({"team__organisation": organisation} if organisation else {})
    )
    ReferralFactory(person=person, team=membership.team, state=State.IN_TRIAGE)
    return membership.user, membership.team.organisation


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.COORDINATOR, Role.TEAM_LEAD])
def test_consent_alone_opens_nothing(role):
    """Consent to share with an organisation is a lawful basis, not a relationship: a member of
    staff there with no part in the person's care reaches no part of the record (ADR-009)."""
    user, org = staff(role=role)
    person = PersonFactory()
    consent(person, org, [str(p) for p in SHAREABLE_PARTS])
    for part in Part:
        for action in Action:
            assert not policy.decide(user, person, part, action).allowed, (part, action)
    assert person not in policy.visible_people(user)


def test_consent_widens_a_relationship_by_the_parts_agreed():
    person = PersonFactory()
    user, org = triaging(person)
    assert not policy.decide(user, person, Part.PLAN).allowed
    consent(person, org, [Part.PLAN, Part.CONTACTS])
    for part in (Part.DETAILS, Part.SHARING, Part.PLAN, Part.CONTACTS, Part.REFERRALS):
        decision = policy.decide(user, person, part)
        assert decision.allowed and decision.basis == Basis.OPEN_REFERRAL, part
        assert decision.organisation_id == org.pk
    for part in (Part.CLINICAL_NOTES, Part.OUTCOMES, Part.AUDIT):
        assert not policy.decide(user, person, part).allowed, part
    # What consent adds is read only, but for the sharing choices (a change of mind).
    assert policy.decide(user, person, Part.SHARING, Action.CHANGE).allowed
    assert not policy.decide(user, person, Part.PLAN, Action.CHANGE).allowed
    assert not policy.decide(user, person, Part.PLAN, Action.EXPORT).allowed


def test_practitioners_and_supervisors_do_not_hold_their_teams_open_referrals():
    person = PersonFactory()
    for role in (Role.PRACTITIONER, Role.SUPERVISOR):
        user, _ = triaging(person, role=role)
        assert not policy.decide(user, person, Part.DETAILS).allowed, role
    for role in (Role.COORDINATOR, Role.TEAM_LEAD):
        user, _ = triaging(person, role=role)
        assert policy.decide(user, person, Part.DETAILS).basis == Basis.OPEN_REFERRAL, role


def test_consent_with_another_organisation_widens_nothing():
    person = PersonFactory()
    user, _ = triaging(person)
    consent(person, OrganisationFactory(kind=OrganisationKind.VCSE), [Part.PLAN])
    assert policy.decide(user, person, Part.DETAILS).allowed
    assert not policy.decide(user, person, Part.PLAN).allowed


@pytest.mark.parametrize("role", [Role.ANALYST, Role.ORG_ADMIN, Role.PRIVACY_LEAD])
def test_roles_that_do_not_work_with_people_get_no_care_access_through_consent(role):
    user, org = staff(role=role)
    person = PersonFactory()
    consent(person, org, [Part.PLAN])
    assert not policy.decide(user, person, Part.PLAN).allowed


def test_withdrawal_takes_effect_at_once():
    person = PersonFactory()
    user, org = triaging(person)
    given = consent(person, org, [Part.PLAN])
    assert policy.decide(user, person, Part.PLAN).allowed
    withdraw_consent(consent=given, withdrawn_by=UserFactory(), method=ConsentMethod.PORTAL)
    assert not policy.decide(user, person, Part.PLAN).allowed
    assert Consent.objects.filter(pk=given.pk).exists()  # kept in history


def test_consent_outside_its_dates_grants_nothing():
    person = PersonFactory()
    user, org = triaging(person)
    Consent.objects.create(
        person=person,
        organisation=org,
        parts=[Part.PLAN],
        method=ConsentMethod.WRITTEN,
        recorded_by=UserFactory(),
        starts_on=dt.date(2020, 1, 1),
        ends_on=dt.date(2020, 12, 31),
    )
    assert not policy.decide(user, person, Part.PLAN).allowed


def test_the_person_sees_their_own_record_and_who_looked():
    person = PersonFactory(user=UserFactory())
    for part in (Part.DETAILS, Part.PLAN, Part.AUDIT, Part.SHARING):
        decision = policy.decide(person.user, person, part)
        assert decision.allowed and decision.basis == Basis.SELF
    assert policy.decide(person.user, person, Part.SHARING, Action.CHANGE).allowed
    assert not policy.decide(person.user, person, Part.CLINICAL_NOTES).allowed
    other = PersonFactory()
    assert not policy.decide(person.user, other, Part.DETAILS).allowed


def test_break_glass_grants_a_time_limited_look_with_its_reason():
    user, org = staff()
    person = PersonFactory()
    now = timezone.now()
    BreakGlass.objects.create(
        user=user,
        person=person,
        organisation=org,
        reason="Person in crisis at A&E, no other record available",
        opened_at=now - dt.timedelta(hours=1),
        expires_at=now + dt.timedelta(hours=3),
    )
    decision = policy.decide(user, person, Part.CLINICAL_NOTES)
    assert decision.allowed and decision.basis == Basis.BREAK_GLASS
    assert "crisis" in decision.reason
    assert not policy.decide(user, person, Part.DETAILS, Action.CHANGE).allowed
    assert not policy.decide(user, person, Part.AUDIT).allowed


def test_expired_break_glass_grants_nothing():
    user, org = staff()
    person = PersonFactory()
    now = timezone.now()
    BreakGlass.objects.create(
        user=user,
        person=person,
        organisation=org,
        reason="Person in crisis at A&E, no other record available",
        opened_at=now - dt.timedelta(hours=5),
        expires_at=now - dt.timedelta(hours=1),
    )
    assert not policy.decide(user, person, Part.DETAILS).allowed


def test_an_ordinary_basis_is_preferred_to_break_glass():
    person = PersonFactory()
    user, org = triaging(person)
    consent(person, org, [Part.PLAN])
    now = timezone.now()
    BreakGlass.objects.create(
        user=user,
        person=person,
        organisation=org,
        reason="Person in crisis at A&E, no other record available",
        opened_at=now,
        expires_at=now + dt.timedelta(hours=4),
    )
    assert policy.decide(user, person, Part.PLAN).basis == Basis.OPEN_REFERRAL
    # Break-glass still opens what the relationship does not.
    assert policy.decide(user, person, Part.CLINICAL_NOTES).basis == Basis.BREAK_GLASS


def test_privacy_lead_reviews_people_their_organisation_holds():
    lead, org = staff(role=Role.PRIVACY_LEAD)
    held = PersonFactory()
    consent(held, org, [Part.PLAN])
    elsewhere = PersonFactory()
    decision = policy.decide(lead, held, Part.AUDIT)
    assert decision.allowed and decision.basis == Basis.PRIVACY_REVIEW
    assert policy.decide(lead, held, Part.PLAN, Action.EXPORT).allowed
    assert not policy.decide(lead, held, Part.PLAN).allowed
    assert not policy.decide(lead, elsewhere, Part.AUDIT).allowed


def test_visible_people_is_the_union_of_bases():
    shared, hidden = PersonFactory(), PersonFactory()
    user, org = triaging(shared)
    consent(hidden, org, [Part.PLAN])  # consent alone: not reached
    assert list(policy.visible_people(user)) == [shared]
    assert hidden not in policy.visible_people(user)
    assert not policy.visible_people(AnonymousUser()).exists()


def test_granted_agrees_with_decide_for_every_part_and_action():
    """``Access.may`` answers from ``granted``; it must never offer what ``decide`` refuses."""
    shared = PersonFactory()
    user, organisation = triaging(shared)
    consent(shared, organisation, [Part.PLAN, Part.CONTACTS])
    glass = PersonFactory()
    now = timezone.now()
    BreakGlass.objects.create(
        user=user,
        person=glass,
        organisation=organisation,
        reason="Seen in A&E at night, no other record to hand",
        opened_at=now,
        expires_at=now + dt.timedelta(hours=4),
    )
    for person in (shared, glass, PersonFactory()):
        rights = policy.granted(user, person)
        for part in Part:
            for action in Action:
                expected = policy.decide(user, person, part, action).allowed
                assert any(r.allows(part, action) for r in rights) == expected, (part, action)
