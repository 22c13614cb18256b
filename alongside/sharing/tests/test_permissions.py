"""The permission matrix: every holder × every URL × GET and POST.

Two halves:

1. **The rule, checked against what it should be.** ``SHOULD_OPEN`` below is written by hand
   from who does what (DESIGN.md): for each area of the app, which holders may open it. The
   permission each view declares, read through ``ROLE_PERMISSIONS``, must give exactly that set.
   A change to the table or to a view's declaration that lets someone new in fails here.
2. **The door, checked by request.** Every URL in the URL table (the admin's aside) is requested
   with GET and POST by an anonymous visitor and by a user of each holder; the expected answer is
   derived from the declaration: a holder without the permission is refused before the view runs
   (anonymous: sent to sign in; a person or a record page: 404, with the refusal audited; other
   staff: 403), a holder with it is let through (whatever the view then decides) and never gets
   a 500. Pages that declare they touch no person's data must not show a person's name to anyone;
   pages that list named people must have gone through the sharing policy's list audit.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from alongside.care.models import Allocation, CarePlanVersion, Episode, Goal
from alongside.core.access import PUBLIC, declaration, permission_of
from alongside.meetings.models import AgendaItem, LocalityMeeting
from alongside.organisations.models import Role
from alongside.organisations.permissions import (
    PERSON,
    ROLE_PERMISSIONS,
    SYSTEM_ADMIN,
    Permission,
    permissions_for,
)
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import State
from alongside.referrals.tests.factories import ReferralFactory
from alongside.sharing.models import AccessEvent
from alongside.supervision.models import Attendee, CaseDiscussion, Kind, SupervisionSession

STAFF = [str(role) for role in Role]
HOLDERS = [*STAFF, PERSON, SYSTEM_ADMIN]
CARE = {Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR, Role.TEAM_LEAD}
TRIAGE = {Role.COORDINATOR, Role.TEAM_LEAD}
EVERY_STAFF = set(STAFF) | {SYSTEM_ADMIN}
EVERYONE = {*HOLDERS, "anonymous"}
SIGNED_IN = set(HOLDERS)

#: Who should be able to open each area, written from DESIGN.md's list of who does what. The key
#: is a URL name, or a namespace for every URL in it not named on its own.
SHOULD_OPEN: dict[str, set[str]] = {
    # The public side: the start page, the directory, its API, the self-referral, getting in.
    "home": EVERYONE,
    "directory": EVERYONE,
    "directory_api": EVERYONE,
    "self_referral": EVERYONE,
    "public": EVERYONE,  # privacy notice, accessibility statement, cookies, contact
    "accounts:sign-in": EVERYONE,
    "accounts:sign-out": EVERYONE,
    "portal:join-link": EVERYONE,
    "portal:join": EVERYONE,
    "portal:sign-in": EVERYONE,
    "portal:sign-in-code": EVERYONE,
    "portal:sign-in-code-enter": EVERYONE,
    # Everyone signed in has their own account.
    "accounts": SIGNED_IN,
    # The person's own door, and nobody else's.
    "portal": {PERSON},
    # Care staff invite the person to the portal.
    "portal:invite": CARE,
    # Directory management: organisation administrators and the system administrator.
    "directory:manage": {Role.ORG_ADMIN, SYSTEM_ADMIN},
    "directory:edit": {Role.ORG_ADMIN, SYSTEM_ADMIN},
    "directory:reviewed": {Role.ORG_ADMIN, SYSTEM_ADMIN},
    # Organisations are set up by the system administrator.
    "organisations": {SYSTEM_ADMIN},
    # Memberships others asked for are approved by a second person.
    "organisations:waiting-memberships": {SYSTEM_ADMIN, Role.ORG_ADMIN, Role.PRIVACY_LEAD},
    "organisations:decide-membership": {SYSTEM_ADMIN, Role.ORG_ADMIN, Role.PRIVACY_LEAD},
    # A team lead sets who is on duty in the team (escalations go to them and the duty worker).
    "organisations:duty-rota": {Role.TEAM_LEAD},
    # People's records: care staff; a privacy lead sees details and sharing choices, and alone
    # (with the person, in the portal) the audit and the subject access export.
    "people": CARE,
    "people:add": {Role.COORDINATOR, Role.TEAM_LEAD},
    "people:record": CARE | {Role.PRIVACY_LEAD},
    "sharing": CARE,
    "sharing:consents": CARE | {Role.PRIVACY_LEAD},
    "sharing:looks": {Role.PRIVACY_LEAD},
    "sharing:history": {Role.PRIVACY_LEAD},
    "sharing:export": {Role.PRIVACY_LEAD},
    "sharing:break-glass": CARE,
    "sharing:break-glass-opened": CARE,
    "sharing:privacy": {Role.PRIVACY_LEAD},
    "sharing:subject-access": {Role.PRIVACY_LEAD},
    "sharing:review": {Role.PRIVACY_LEAD},
    "sharing:review-claim": {Role.PRIVACY_LEAD},
    # Referrals, care, plans, outcomes: care staff. Matching a referral to a record and every
    # triage decision: the triage coordinator and the team lead (ADR-009).
    "referrals": CARE,
    **{
        f"referrals:{name}": TRIAGE
        for name in (
            "identify",
            "start-triage",
            "accept",
            "signpost",
            "for-meeting",
            "decline",
            "return-to-triage",
            "close",
            "follow-up",
        )
    },
    "plans": CARE,
    "care": CARE,
    "care:team-caseloads": {Role.SUPERVISOR, Role.TEAM_LEAD},
    # Raising a risk flag and recording what was done: the care team, never the person.
    "care:raise-risk": CARE,
    "care:risk-flag": CARE,
    # The coordinator changes a referral's urgency with a reason: a triage decision.
    "referrals:change-urgency": TRIAGE,
    "outcomes": CARE,
    "schedules": {Role.SUPERVISOR, Role.TEAM_LEAD},
    # Locality meetings: care staff take part; coordinators and team leads schedule.
    "meetings": CARE,
    "meetings:schedule": {Role.COORDINATOR, Role.TEAM_LEAD},
    # Supervision: every member of staff has agreements and sessions; oversight and coverage
    # for those who run teams and the place; a person's discussions are part of their record.
    "supervision": EVERY_STAFF,
    "supervision:tree": {Role.SUPERVISOR, Role.TEAM_LEAD, Role.ORG_ADMIN, SYSTEM_ADMIN},
    "supervision:coverage": {Role.TEAM_LEAD, Role.ORG_ADMIN, Role.ANALYST, SYSTEM_ADMIN},
    "supervision:discussions": CARE,
    # Aggregates: team leads, analysts, organisation administrators and privacy leads.
    "insights": {Role.TEAM_LEAD, Role.ANALYST, Role.ORG_ADMIN, Role.PRIVACY_LEAD},
    # The workforce: a team lead their team; the place's analysts and administrators.
    "workforce": {Role.TEAM_LEAD, Role.ANALYST, Role.ORG_ADMIN, SYSTEM_ADMIN},
    "workforce:place": {Role.ANALYST, Role.ORG_ADMIN, SYSTEM_ADMIN},
    "workforce:commissioners": {Role.ANALYST, Role.ORG_ADMIN, SYSTEM_ADMIN},
    # Co-production: every member of staff; a person's voice is part of their record.
    "coproduction": EVERY_STAFF,
    "coproduction:voice": CARE,
}


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


def full_name(namespace, pattern) -> str:
    return f"{namespace}:{pattern.name}" if namespace else pattern.name


def opens(holder: str, view) -> bool:
    """Whether the declaration lets ``holder`` through (anonymous: only public views)."""
    needed = permission_of(view)
    if needed == PUBLIC:
        return True
    if holder == "anonymous" or needed is None:
        return False
    return bool(needed & permissions_for(frozenset({holder})))


def test_every_view_declares_who_may_open_it():
    undeclared = [route for route, _ns, p in app_patterns() if permission_of(p.callback) is None]
    assert undeclared == [], f"Views that declare no permission: {undeclared}"


def test_every_permission_is_held_by_someone_and_needed_by_some_view():
    held = set().union(*ROLE_PERMISSIONS.values())
    needed = set()
    for _route, _ns, p in app_patterns():
        declared = permission_of(p.callback)
        if declared != PUBLIC:
            needed |= set(declared)
    assert held == set(Permission), set(Permission) - held
    assert needed | {Permission.USE_ACCOUNT} >= set(Permission)


@pytest.mark.parametrize(
    ("route", "name", "pattern"), [(r, full_name(n, p), p) for r, n, p in app_patterns()]
)
def test_who_may_open_each_page_is_who_should(route, name, pattern):
    namespace = name.split(":")[0] if ":" in name else name
    expected = SHOULD_OPEN.get(name, SHOULD_OPEN.get(namespace))
    assert expected is not None, f"{name}: say in SHOULD_OPEN who may open it"
    actual = {holder for holder in [*HOLDERS, "anonymous"] if opens(holder, pattern.callback)}
    assert actual == set(expected), name


def test_a_person_reaches_only_the_portal_their_account_and_the_public_side():
    for route, _ns, p in app_patterns():
        if opens(PERSON, p.callback) and not opens("anonymous", p.callback):
            assert route.startswith(("portal/", "account/")), route


def test_no_administrator_or_analyst_reaches_a_persons_record():
    for _route, ns, p in app_patterns():
        if declaration(p.callback) in {"person_data", "own_record"}:
            for holder in (SYSTEM_ADMIN, Role.ANALYST, Role.ORG_ADMIN):
                assert not opens(holder, p.callback), (holder, full_name(ns, p))


# --- by request -------------------------------------------------------------------------------

NAME = "Quillontrove"  # the family name of the one person in this place: found nowhere else


@pytest.fixture
def place(db):
    organisation = OrganisationFactory()
    team = TeamFactory(organisation=organisation)
    users = {role: MembershipFactory(role=role, team=team).user for role in STAFF}
    users[SYSTEM_ADMIN] = UserFactory(is_superuser=True, is_staff=True)
    person = PersonFactory(family_name=NAME)
    users[PERSON] = UserFactory()
    person.user = users[PERSON]
    person.save()
    # The practitioner is the person's key worker, so their caseload names them.
    referral = ReferralFactory(person=person, state=State.ACCEPTED, accepted_team=team, team=team)
    episode = Episode.objects.create(person=person, referral=referral, lead_team=team)
    Allocation.objects.create(
        episode=episode, key_worker=users[Role.PRACTITIONER], allocated_by=users[Role.TEAM_LEAD]
    )
    # A locality meeting with them on its agenda, and a supervision session that discussed them.
    locality = LocalityFactory()
    team.localities.add(locality)
    meeting = LocalityMeeting.objects.create(
        locality=locality,
        starts_at=timezone.now() + dt.timedelta(days=1),
        created_by=users[Role.COORDINATOR],
    )
    AgendaItem.objects.create(meeting=meeting, referral=referral, added_by=users[Role.COORDINATOR])
    session = SupervisionSession.objects.create(
        kind=Kind.INDIVIDUAL,
        supervisor=users[Role.SUPERVISOR],
        held_on=timezone.localdate(),
        duration_minutes=60,
        recorded_by=users[Role.SUPERVISOR],
    )
    Attendee.objects.create(session=session, user=users[Role.PRACTITIONER])
    CaseDiscussion.objects.create(
        session=session,
        episode=episode,
        supervisee=users[Role.PRACTITIONER],
        goals_progress="Sleeping better; walking most days.",
    )
    return {
        "users": users,
        "person": person,
        "team": team,
        "referral": referral,
        "meeting_id": meeting.pk,
        "session_id": session.pk,
    }


MISSING = 987_654


def kwargs_for(route: str, place) -> dict:
    """Arguments for a route: the place's person, team and referral where named, something that
    does not exist otherwise (a refusal comes before any lookup; an allowed view answers 404)."""
    found = {}
    for piece in route.split("<")[1:]:
        spec = piece.split(">")[0]
        kind, _, key = spec.partition(":") if ":" in spec else ("str", "", spec)
        if key == "person_id":
            found[key] = place["person"].pk
        elif key == "team_id":
            found[key] = place["team"].pk
        elif key == "referral_id":
            found[key] = place["referral"].pk
        elif key in place:
            found[key] = place[key]
        elif kind == "int":
            found[key] = MISSING
        elif kind == "uuid":
            found[key] = uuid.UUID(int=MISSING)
        else:
            found[key] = "unknown"
    return found


def refusal_for(holder: str, view) -> set[int]:
    if holder == "anonymous":
        return {302}
    if holder == PERSON or declaration(view) in {"person_data", "own_record"}:
        return {404}
    return {403}


@pytest.mark.parametrize("holder", [*HOLDERS, "anonymous"])
def test_every_url_answers_each_holder_as_declared(place, holder):
    client = Client(raise_request_exception=False)
    user = place["users"].get(holder)
    problems = []
    for route, ns, p in app_patterns():
        name = full_name(ns, p)
        url = reverse(name, kwargs=kwargs_for(route, place))
        expected_open = opens(holder, p.callback)
        for method in ("get", "post"):
            if user is not None:
                client.force_login(user)
            refused_before = AccessEvent.objects.filter(allowed=False).count()
            response = getattr(client, method)(url, {})
            refused = getattr(response.wsgi_request, "permission_refused", False)
            label = f"{holder} {method.upper()} {name}"
            if response.status_code >= 500:
                problems.append(f"{label}: {response.status_code}")
            elif expected_open and refused:
                problems.append(f"{label}: refused, though its permission is held")
            elif not expected_open and holder == "anonymous":
                if response.status_code != 302 or "/account/sign-in/" not in response["Location"]:
                    problems.append(f"{label}: not sent to sign in ({response.status_code})")
            elif not expected_open and not refused:
                problems.append(f"{label}: let through ({response.status_code})")
            elif not expected_open and response.status_code not in refusal_for(holder, p.callback):
                problems.append(f"{label}: refused with {response.status_code}")
            if (
                not expected_open
                and holder != "anonymous"
                and declaration(p.callback) == "person_data"
                and AccessEvent.objects.filter(allowed=False).count() != refused_before + 1
            ):
                problems.append(f"{label}: the refusal at a record page was not audited")
            shown = NAME.encode() in response.content
            if shown and holder in {SYSTEM_ADMIN, Role.ANALYST, Role.ORG_ADMIN, "anonymous"}:
                problems.append(f"{label}: showed a person's name to someone with no basis")
            if method == "get" and response.status_code == 200 and not refused:
                kind = declaration(p.callback)
                if shown and kind == "no_person_data":
                    problems.append(f"{label}: names a person, yet declares no person data")
                if (
                    shown
                    and kind == "person_list"
                    and not getattr(response.wsgi_request, "people_named_through_policy", False)
                ):
                    problems.append(f"{label}: named a person outside the policy's list audit")
    assert problems == []


@pytest.mark.django_db
def test_a_portal_user_gets_404_on_staff_pages_about_their_own_record(client):
    """The person's door is the portal: typing a staff page for their own record is refused,
    whatever basis the policy would find (here: the person is also on their own care team)."""
    person = PersonFactory()
    user = UserFactory()
    person.user = user
    person.save()
    client.force_login(user)
    for name in ("plans:edit", "plans:agree", "plans:add-goal", "outcomes:person", "people:record"):
        url = reverse(name, kwargs={"person_id": person.pk})
        assert client.get(url).status_code == 404, name
        assert client.post(url, {}).status_code == 404, name
    assert not CarePlanVersion.objects.filter(plan__episode__person=person).exists()
    assert not Goal.objects.exists()


@pytest.mark.django_db
def test_a_member_of_staff_cannot_open_their_own_record_through_the_staff_pages(client):
    """A practitioner who also has a record of their own, and is somehow on their own care
    team, still reaches it only through the portal."""
    team = TeamFactory()
    user = MembershipFactory(role=Role.PRACTITIONER, team=team).user
    person = PersonFactory(user=user)
    referral = ReferralFactory(person=person, state=State.ACCEPTED, accepted_team=team, team=team)
    episode = Episode.objects.create(person=person, referral=referral, lead_team=team)
    Allocation.objects.create(episode=episode, key_worker=user, allocated_by=UserFactory())
    client.force_login(user)
    assert client.get(reverse("plans:plan", kwargs={"person_id": person.pk})).status_code == 404
    assert client.get(reverse("portal:plan")).status_code == 200
    event = AccessEvent.objects.filter(user=user, route="plans:plan").get()
    assert event.allowed is False
