"""The authorisation matrix, generated from the URL table.

Every view must declare what it touches (``person_data``, ``own_record`` or ``no_person_data``).
Then every role × every condition (a relationship, a lawful basis, both, or none) × every
person-data page is requested, and the answer (200 or 404) and the audit row are checked against
the table below, which is written out here by hand rather than read from the policy, so that a
change to the policy shows up as a failure.

The rule the table is written from (ADR-009): access needs a relationship (care team; a triage
role in the team holding an open referral; a meeting agenda; supervision; break-glass; the
person themself; a privacy lead's review) and a lawful basis. Consent is a lawful basis only: on
its own it opens nothing, and with a relationship it adds the parts agreed (and the sharing
choices). A relationship its holder made for themselves is allowed to triage roles and audited
as self-claimed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from alongside.care.models import Allocation, Episode, RiskSource
from alongside.care.services import raise_risk_flag
from alongside.core.access import declaration
from alongside.meetings.models import AgendaItem, LocalityMeeting
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.outcomes.models import Mode
from alongside.outcomes.tests.factories import answered, started
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import Handover, HandoverKind, State
from alongside.referrals.tests.factories import ReferralFactory
from alongside.sharing import claims
from alongside.sharing.models import (
    SHAREABLE_PARTS,
    AccessEvent,
    Action,
    Basis,
    BreakGlass,
    Consent,
    ConsentMethod,
    Part,
    RequestChannel,
    RequestStatus,
    SubjectAccessRequest,
)
from alongside.sharing.tests.test_permissions import opens
from alongside.supervision.models import AgreementTerm, Kind, SupervisionAgreement

ALL = frozenset(Part)
SHAREABLE = frozenset(SHAREABLE_PARTS)
CARE_ROLES = [Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR, Role.TEAM_LEAD]
TRIAGE_ROLES = [Role.COORDINATOR, Role.TEAM_LEAD]
STAFF_ROLES = [*CARE_ROLES, Role.ANALYST, Role.ORG_ADMIN, Role.PRIVACY_LEAD]
ROLES = [*STAFF_ROLES, "system_admin", "person"]
CONDITIONS = [
    "none",
    "consent_all",
    "consent_plan",
    "break_glass",
    "open_referral",
    "meeting",
    "care_team",
    "care_team_vcse",
    "consent_all_care_team_vcse",
    "consent_plan_meeting",
    "self_claimed",
    "supervision",
    "supervision_ended",
    "own_record",
]
#: What the person agreed to share with the user's organisation, under each condition.
CONSENTED = {
    "consent_all": SHAREABLE,
    "consent_plan": frozenset({Part.PLAN}),
    "consent_all_care_team_vcse": SHAREABLE,
    "consent_plan_meeting": frozenset({Part.PLAN}),
}
CARE_TEAM = {"care_team", "care_team_vcse", "consent_all_care_team_vcse"}
VCSE = {"care_team_vcse", "consent_all_care_team_vcse"}
MEETING = {"meeting", "consent_plan_meeting"}
HELD_BY_USERS_TEAM = {"open_referral", "self_claimed"}


def walk(patterns, prefix="", namespace=None):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), namespace, p


def app_patterns():
    return [
        (route, namespace, p)
        for route, namespace, p in walk(get_resolver().url_patterns)
        if not route.startswith("admin/")
    ]


def test_every_view_declares_whether_it_reaches_a_persons_record():
    undeclared = [route for route, _ns, p in app_patterns() if declaration(p.callback) is None]
    assert undeclared == [], f"Views that do not declare what they touch: {undeclared}"


def test_every_url_naming_a_person_goes_through_the_access_check():
    for route, _ns, p in app_patterns():
        if "person_id" in route:
            assert declaration(p.callback) == "person_data", route


@dataclass(frozen=True)
class Endpoint:
    name: str
    part: Part
    action: Action
    portal: bool
    view: object = None


def person_endpoints() -> list[Endpoint]:
    found = []
    for _route, namespace, p in app_patterns():
        kind = declaration(p.callback)
        if kind in {"person_data", "own_record"}:
            part, action = getattr(p.callback, kind)
            found.append(
                Endpoint(f"{namespace}:{p.name}", part, action, kind == "own_record", p.callback)
            )
    return found


def test_the_matrix_covers_the_pages_that_exist():
    names = {e.name for e in person_endpoints()}
    assert {"people:record", "sharing:consents", "sharing:looks", "portal:home"} <= names


CARE_TEAM_VIEW = frozenset(
    {Part.DETAILS, Part.REFERRALS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.SHARING}
)
CARE_TEAM_CHANGE = CARE_TEAM_VIEW


def expected_rights(role, condition) -> tuple[frozenset, frozenset, bool]:
    """(parts viewable, parts changeable, may export) for a role under a condition."""
    none = (frozenset(), frozenset(), False)
    if condition == "own_record":
        if role != "person":
            return none
        view = frozenset(
            {Part.DETAILS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.SHARING, Part.AUDIT}
        )
        return view, frozenset({Part.SHARING, Part.PLAN, Part.OUTCOMES}), True
    agreed = CONSENTED.get(condition, frozenset())
    if role == Role.PRIVACY_LEAD and agreed:
        # The privacy lead reviews for an organisation holding the person's consent.
        return frozenset({Part.DETAILS, Part.SHARING, Part.AUDIT}), frozenset(), True
    if role not in CARE_ROLES:
        return none
    # The relationship, then what consent adds to it. Consent without one: nothing.
    if condition == "break_glass":
        return ALL - {Part.AUDIT}, frozenset(), False
    if condition in HELD_BY_USERS_TEAM and role in TRIAGE_ROLES:
        # Only a triage role holds an open referral; a self-claimed one the same, but marked.
        view = frozenset({Part.DETAILS, Part.REFERRALS, Part.SHARING})
        change = frozenset({Part.REFERRALS, Part.SHARING})
    elif condition in MEETING:
        view, change = frozenset({Part.DETAILS, Part.REFERRALS}), frozenset()
    elif condition == "supervision":
        # The user supervises the person's key worker under a current agreement.
        view = frozenset(
            {
                Part.DETAILS,
                Part.REFERRALS,
                Part.PLAN,
                Part.CONTACTS,
                Part.OUTCOMES,
                Part.CLINICAL_NOTES,
            }
        )
        change = frozenset({Part.CLINICAL_NOTES})
    elif condition in CARE_TEAM:
        # Clinical notes come with direct care for NHS staff (the trust here); a voluntary
        # sector key worker sees them only where the person agreed to share them.
        view = CARE_TEAM_VIEW if condition in VCSE else CARE_TEAM_VIEW | {Part.CLINICAL_NOTES}
        change = CARE_TEAM_CHANGE
    else:
        return none
    if agreed:
        view = view | agreed | {Part.DETAILS, Part.SHARING}
        change = change | {Part.SHARING}
    return view, change, False


def expected_self_claimed(role, condition) -> bool:
    """A look resting on a relationship the user made for themselves is marked so."""
    return condition == "self_claimed" and role in TRIAGE_ROLES


EXPECTED_BASIS = {
    "consent_all": Basis.NONE,  # only the privacy lead is allowed, on their review
    "consent_plan": Basis.NONE,
    "break_glass": Basis.BREAK_GLASS,
    "open_referral": Basis.OPEN_REFERRAL,
    "self_claimed": Basis.OPEN_REFERRAL,
    "meeting": Basis.MEETING,
    "consent_plan_meeting": Basis.MEETING,
    "care_team": Basis.CARE_TEAM,
    "care_team_vcse": Basis.CARE_TEAM,
    "consent_all_care_team_vcse": Basis.CARE_TEAM,
    "supervision": Basis.SUPERVISION,
    "supervision_ended": Basis.NONE,
    "own_record": Basis.SELF,
}


def expected_basis(role, condition) -> Basis:
    if role == Role.PRIVACY_LEAD and condition in CONSENTED:
        return Basis.PRIVACY_REVIEW  # a privacy lead reviews; they do not care for the person
    return EXPECTED_BASIS[condition]


def set_up(role, condition):
    person = PersonFactory()
    organisation = OrganisationFactory(
        kind=OrganisationKind.VCSE if condition in VCSE else OrganisationKind.NHS_TRUST
    )
    if role == "system_admin":
        user = UserFactory(is_superuser=True, is_staff=True)
    elif role == "person":
        user = UserFactory()
        if condition == "own_record":
            person.user = user
            person.save()
    else:
        user = MembershipFactory(role=role, team__organisation=organisation).user
    # Someone else's consent, so that withdraw pages have something to name in every case.
    other = Consent.objects.create(
        person=person,
        organisation=OrganisationFactory(),
        parts=[Part.PLAN],
        method=ConsentMethod.WRITTEN,
        recorded_by=UserFactory(),
        starts_on=dt.date(2025, 1, 1),
    )
    if condition in CONSENTED:
        Consent.objects.create(
            person=person,
            organisation=organisation,
            parts=sorted(str(p) for p in CONSENTED[condition]),
            method=ConsentMethod.SPOKEN,
            recorded_by=UserFactory(),
            starts_on=dt.date(2025, 1, 1),
        )
    if condition == "break_glass" and role in CARE_ROLES:
        now = timezone.now()
        BreakGlass.objects.create(
            user=user,
            person=person,
            organisation=organisation,
            reason="Person in crisis at A&E, no other record available",
            opened_at=now,
            expires_at=now + dt.timedelta(hours=4),
        )
    # A referral about the person: held by the user's team under "open_referral" and
    # "self_claimed", by another team otherwise; with a follow-up waiting, so that every referral
    # page has something to show. Under "self_claimed" the user made it and matched it to the
    # record themselves (recorded as the identify step records it, whatever the role: the step
    # itself is refused to roles that do not triage, which test_self_claimed.py shows).
    locality = LocalityFactory()
    in_users_team = condition in HELD_BY_USERS_TEAM and role not in {"system_admin", "person"}
    holding_team = (
        user.memberships.get().team if in_users_team else TeamFactory(localities=[locality])
    )
    referral = ReferralFactory(person=person, team=holding_team, state=State.IN_TRIAGE)
    if condition == "self_claimed" and in_users_team:
        claims.record_claim(
            user=user,
            person=person,
            organisation_id=holding_team.organisation_id,
            referral_id=referral.pk,
            referral_reference=referral.reference,
            referral_made_at=referral.received_at,
            how="Made this referral, then matched it to this existing record",
        )
    handover = Handover.objects.create(
        referral=referral,
        kind=HandoverKind.SIGNPOST,
        team=TeamFactory(),
        passed_on="Introduced by phone",
        follow_up_on=dt.date(2026, 1, 1),
        created_by=UserFactory(),
    )
    if condition in MEETING and role in CARE_ROLES:
        user.memberships.get().team.localities.add(locality)
        meeting = LocalityMeeting.objects.create(
            locality=locality, starts_at=timezone.now() + dt.timedelta(days=2), created_by=user
        )
        AgendaItem.objects.create(meeting=meeting, referral=referral, added_by=user)
    # An episode (the user's own under "care_team", another team's otherwise) with outcome
    # measures: one in progress, one completed whose answers raised the self-harm flag.
    accepted = ReferralFactory(person=person, state=State.ACCEPTED, accepted_team=TeamFactory())
    episode = Episode.objects.create(
        person=person, referral=accepted, lead_team=accepted.accepted_team
    )
    if condition in CARE_TEAM and role not in {"system_admin", "person"}:
        Allocation.objects.create(episode=episode, key_worker=user, allocated_by=UserFactory())
    if condition in {"supervision", "supervision_ended"} and role not in {"system_admin", "person"}:
        key_worker = UserFactory()
        Allocation.objects.create(episode=episode, key_worker=key_worker, allocated_by=key_worker)
        today = timezone.localdate()
        agreement = SupervisionAgreement.objects.create(
            supervisee=key_worker,
            supervisor=user,
            starts_on=today - dt.timedelta(days=60),
            ends_on=None if condition == "supervision" else today - dt.timedelta(days=1),
            created_by=user,
        )
        AgreementTerm.objects.create(agreement=agreement, kind=Kind.INDIVIDUAL, every_weeks=4)
    colleague = UserFactory()
    now = timezone.now()
    responses = {
        "in_progress": started(episode, "phq9", by=colleague, mode=Mode.SELF),
        "completed": answered(episode, "phq9", ["1"] * 9, by=colleague, mode=Mode.SELF),
        # A request for a copy of the record, answered and released, for the person to download.
        # Answered by another organisation's privacy lead: a request the user's organisation
        # answers (or its privacy lead answers for the place) would give that privacy lead the
        # privacy-review basis under every condition.
        "subject_access": SubjectAccessRequest.objects.create(
            person=person,
            organisation=MembershipFactory(role=Role.PRIVACY_LEAD).team.organisation,
            channel=RequestChannel.LETTER,
            recorded_by=colleague,
            due_on=timezone.localdate() + dt.timedelta(days=30),
            status=RequestStatus.RELEASED,
            reviewer=colleague,
            review_started_at=now,
            reviewed_export={"details": {}},
            released_at=now,
        ),
        # A risk flag a colleague raised, for the page that records what was done.
        "risk_flag": raise_risk_flag(
            episode=episode, source=RiskSource.PRACTITIONER, said="Worried", by=colleague
        ),
    }
    return user, person, other, referral, handover, responses


#: Pages about a completed outcome response; the others that name one want it in progress.
ABOUT_A_COMPLETED_RESPONSE = {
    "outcomes:response",
    "outcomes:correct",
    "outcomes:acknowledge",
    "portal:measure-done",
}


def url_for(endpoint: Endpoint, person, consent, referral, handover, responses) -> str:
    kwargs = {} if endpoint.portal else {"person_id": person.pk}
    completed = endpoint.name in ABOUT_A_COMPLETED_RESPONSE
    response = responses["completed" if completed else "in_progress"]
    for extra in (
        {},
        {"consent_id": consent.pk},
        {"referral_id": referral.pk},
        {"referral_id": referral.pk, "handover_id": handover.pk},
        {"response_id": response.pk},
        {"response_id": response.pk, "number": 1},
        {"request_id": responses["subject_access"].pk},
        {"flag_id": responses["risk_flag"].pk},
    ):
        base = {} if "referral_id" in extra else kwargs
        try:
            return reverse(endpoint.name, kwargs={**base, **extra})
        except NoReverseMatch:
            continue
    raise AssertionError(f"Cannot build a URL for {endpoint.name}: add its arguments here")


def representatives() -> set[str]:
    """One page for each way of declaring (part, action, portal or not): the first by name.

    A page's access is decided by its declaration alone, so each kind of declaration is tried
    under every role and condition on its representative; every other page is tried under the
    spot checks below, which between them allow and refuse each part.
    """
    chosen: dict[tuple, str] = {}
    for endpoint in sorted(person_endpoints(), key=lambda e: e.name):
        chosen.setdefault((endpoint.part, endpoint.action, endpoint.portal), endpoint.name)
    return set(chosen.values())


SPOT_CHECKS = {
    ("person", "own_record"),
    (Role.COORDINATOR, "open_referral"),
    (Role.PRACTITIONER, "break_glass"),
    (Role.TEAM_LEAD, "meeting"),
    (Role.PRACTITIONER, "care_team"),
    (Role.PRACTITIONER, "consent_all_care_team_vcse"),
    (Role.COORDINATOR, "self_claimed"),
    (Role.SUPERVISOR, "consent_plan"),
    (Role.PRIVACY_LEAD, "consent_all"),
    (Role.ANALYST, "none"),
    (Role.SUPERVISOR, "supervision"),
    (Role.SUPERVISOR, "supervision_ended"),
}


# Every role under every condition; only a person can have a record of their own.
CASES = [
    (role, condition)
    for role in ROLES
    for condition in CONDITIONS
    if condition != "own_record" or role == "person"
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "condition"), CASES)
def test_authorisation_matrix(client, role, condition):
    user, person, consent, referral, handover, responses = set_up(role, condition)
    client.force_login(user)
    view, change, export = expected_rights(role, condition)
    chosen = representatives()
    for endpoint in person_endpoints():
        if endpoint.name not in chosen and (role, condition) not in SPOT_CHECKS:
            continue
        wanted = Action.EXPORT if endpoint.action == Action.EXPORT else Action.VIEW
        methods = [("get", wanted)]
        if endpoint.action == Action.CHANGE:
            methods.append(("post", Action.CHANGE))
        for method, action in methods:
            if action == Action.EXPORT:
                allowed = export
            elif action == Action.CHANGE:
                allowed = endpoint.part in change
            else:
                allowed = endpoint.part in view
            if endpoint.portal and condition != "own_record":
                allowed = False  # no record is linked to this account
            if not opens(role, endpoint.view):
                allowed = False  # the role may not open this page at all (test_permissions.py)
            before = AccessEvent.objects.filter(user=user).count()
            response = getattr(client, method)(
                url_for(endpoint, person, consent, referral, handover, responses), {}
            )
            label = f"{role} / {condition} / {method.upper()} {endpoint.name}"
            # An allowed POST with no data shows the form again with its errors (200), or does
            # what it confirms (302).
            expected = ({200, 302} if method == "post" else {200}) if allowed else {404}
            if endpoint.name == "sharing:subject-access":
                # The request set up is answered by another organisation's privacy lead: the
                # policy decides and audits the look, then the page finds no request of theirs
                # (test_subject_access_requests.py opens one they answer).
                expected = {404}
            assert response.status_code in expected, label
            if endpoint.portal and (condition != "own_record" or not opens(role, endpoint.view)):
                continue  # nothing to audit: the account has no record
            event = AccessEvent.objects.filter(user=user).order_by("-id").first()
            assert AccessEvent.objects.filter(user=user).count() == before + 1, label
            assert event.person_id == person.pk, label
            assert (event.part, event.action, event.allowed) == (endpoint.part, action, allowed), (
                label
            )
            assert event.basis == (expected_basis(role, condition) if allowed else Basis.NONE), (
                label
            )
            assert event.self_claimed == (allowed and expected_self_claimed(role, condition)), label


@pytest.mark.django_db
def test_tampered_and_unknown_record_ids_are_404_and_logged(client):
    user = MembershipFactory(role=Role.PRACTITIONER).user
    client.force_login(user)
    missing = 987_654_321
    response = client.get(reverse("people:record", kwargs={"person_id": missing}))
    assert response.status_code == 404
    event = AccessEvent.objects.get(user=user)
    assert (event.person_id, event.allowed, event.basis) == (missing, False, Basis.NONE)
    assert client.get("/people/not-a-number/").status_code == 404


@pytest.mark.django_db
def test_the_404_for_a_record_without_basis_looks_like_any_other(client):
    client.force_login(MembershipFactory(role=Role.PRACTITIONER).user)
    hidden = PersonFactory(family_name="Quartermaine")
    existing = client.get(reverse("people:record", kwargs={"person_id": hidden.pk}))
    missing = client.get(reverse("people:record", kwargs={"person_id": hidden.pk + 1000}))
    assert existing.status_code == missing.status_code == 404

    def without_tokens(content):  # the nonce and CSRF token differ on every response
        return re.sub(rb'(nonce|value)="[^"]*"', b"", content)

    assert without_tokens(existing.content) == without_tokens(missing.content)
    assert b"Quartermaine" not in existing.content
