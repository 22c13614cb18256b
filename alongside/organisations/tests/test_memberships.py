"""Memberships take two people: one asks, another approves; until then the role grants nothing.

A system administrator who gives themself a care role in the admin opens no record until someone
else approves it; no one approves a membership they asked for or hold (the service refuses and
so does the database); and every step is kept in the membership's history.
"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from alongside.organisations import queries, services
from alongside.organisations.models import Membership, MembershipStatus, Role
from alongside.organisations.tests.factories import (
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.sharing import policy
from alongside.sharing.models import Action, Part
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db

ADD = reverse("admin:organisations_membership_add")
WAITING = reverse("organisations:waiting-memberships")


def _decide_url(membership: Membership) -> str:
    return reverse("organisations:decide-membership", args=[membership.pk])


@pytest.fixture
def team():
    return TeamFactory()


@pytest.fixture
def sysadmin():
    return UserFactory(
        username="sysadmin", first_name="Sam", last_name="Admin", is_superuser=True, is_staff=True
    )


@pytest.fixture
def second_sysadmin():
    return UserFactory(username="second", is_superuser=True, is_staff=True)


@pytest.fixture
def consented_person(team):
    """A person whose care the team leads, who agreed to share their record with its
    organisation: its care staff hold the care-team basis."""
    person = PersonFactory(family_name="Quartermaine")
    record_consent(
        person=person,
        organisation=team.organisation,
        parts=["plan"],
        method="spoken",
        recorded_by=UserFactory(),
    )
    # Consent is a lawful basis only (ADR-009): the team leads the person's care as well.
    from alongside.care.tests.factories import EpisodeFactory

    EpisodeFactory(person=person, lead_team=team)
    return person


def _opens(user, person) -> bool:
    return policy.decide(user, person, Part.DETAILS, Action.VIEW).allowed


def test_a_system_administrator_who_adds_themself_a_role_opens_nothing_until_approved(
    client, team, sysadmin, second_sysadmin, consented_person
):
    client.force_login(sysadmin)
    response = client.post(
        ADD,
        {
            "user": sysadmin.pk,
            "team": team.pk,
            "role": Role.PRACTITIONER,
            "job_title": "",
            "started_on": "2026-01-05",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=sysadmin)
    assert membership.status == MembershipStatus.PENDING
    assert membership.created_by == sysadmin

    # Nothing opens: not the record, not the list, not the care pages.
    assert not _opens(sysadmin, consented_person)
    assert not policy.care_memberships(sysadmin).exists()
    assert not policy.visible_people(sysadmin).exists()
    record = reverse("people:record", args=[consented_person.pk])
    assert client.get(record).status_code == 404

    # They cannot approve it themselves, on the page or by posting anyway.
    page = client.get(_decide_url(membership))
    assert page.status_code == 200
    assert "someone else must approve or refuse it" in page.content.decode()
    assert client.post(_decide_url(membership), {"decision": "approve"}).status_code == 403
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.PENDING
    assert not _opens(sysadmin, consented_person)

    # A second system administrator approves it; from then it opens the record.
    client.force_login(second_sysadmin)
    assert "Sam Admin" in client.get(WAITING).content.decode()
    response = client.post(_decide_url(membership), {"decision": "approve"})
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.APPROVED
    assert membership.decided_by == second_sysadmin
    assert _opens(sysadmin, consented_person)
    client.force_login(sysadmin)
    assert client.get(record).status_code == 200


def test_no_one_approves_a_membership_they_asked_for_or_hold(team, sysadmin, second_sysadmin):
    worker = UserFactory()
    asked = services.request_membership(user=worker, team=team, role=Role.COORDINATOR, by=sysadmin)
    with pytest.raises(PermissionDenied, match="someone other than the person who asked"):
        services.approve_membership(membership=asked, by=sysadmin)
    with pytest.raises(PermissionDenied, match="own membership"):
        services.approve_membership(membership=asked, by=worker)
    own = services.request_membership(
        user=second_sysadmin, team=team, role=Role.PRIVACY_LEAD, by=sysadmin
    )
    with pytest.raises(PermissionDenied, match="own membership"):
        services.refuse_membership(membership=own, by=second_sysadmin, reason="No")
    assert Membership.objects.pending().count() == 2
    assert not Membership.objects.active().exists()


def test_the_database_refuses_self_approval_whoever_writes(team, sysadmin, second_sysadmin):
    membership = services.request_membership(
        user=second_sysadmin, team=team, role=Role.PRACTITIONER, by=sysadmin
    )
    now = dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    for decider in (sysadmin, second_sysadmin):  # its maker, then its member
        with pytest.raises(IntegrityError), transaction.atomic():
            Membership.objects.filter(pk=membership.pk).update(
                status=MembershipStatus.APPROVED, decided_by=decider, decided_at=now
            )
    # Nor approved with no approver named, once someone asked for it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(status=MembershipStatus.APPROVED)


def test_the_organisations_administrator_or_privacy_lead_approves_and_others_do_not(team, sysadmin):
    org_admin = MembershipFactory(
        team=TeamFactory(organisation=team.organisation), role=Role.ORG_ADMIN
    )
    privacy = MembershipFactory(team=team, role=Role.PRIVACY_LEAD)
    elsewhere = MembershipFactory(
        team=TeamFactory(organisation=OrganisationFactory()), role=Role.ORG_ADMIN
    )
    colleague = MembershipFactory(team=team, role=Role.TEAM_LEAD)
    first = services.request_membership(
        user=UserFactory(), team=team, role=Role.SUPERVISOR, by=sysadmin
    )
    second = services.request_membership(
        user=UserFactory(), team=team, role=Role.TEAM_LEAD, by=sysadmin
    )

    for outsider in (elsewhere.user, colleague.user):
        with pytest.raises(PermissionDenied):
            services.approve_membership(membership=first, by=outsider)
    assert services.approve_membership(membership=first, by=org_admin.user).is_pending is False
    assert services.approve_membership(membership=second, by=privacy.user).is_pending is False
    assert Membership.objects.active().filter(pk__in=[first.pk, second.pk]).count() == 2


def test_an_organisation_administrator_asks_for_memberships_only_in_their_own_organisation(
    team, sysadmin
):
    org_admin = MembershipFactory(team=team, role=Role.ORG_ADMIN).user
    services.request_membership(user=UserFactory(), team=team, role=Role.ANALYST, by=org_admin)
    other_team = TeamFactory(organisation=OrganisationFactory())
    with pytest.raises(PermissionDenied):
        services.request_membership(
            user=UserFactory(), team=other_team, role=Role.PRACTITIONER, by=org_admin
        )
    with pytest.raises(PermissionDenied):  # nor does a colleague without the role
        services.request_membership(
            user=UserFactory(),
            team=team,
            role=Role.PRACTITIONER,
            by=MembershipFactory(team=team, role=Role.PRACTITIONER).user,
        )


def test_a_refused_membership_grants_nothing_and_a_new_one_may_be_asked_for(
    client, team, sysadmin, second_sysadmin
):
    worker = UserFactory()
    membership = services.request_membership(
        user=worker, team=team, role=Role.PRACTITIONER, by=sysadmin
    )
    client.force_login(second_sysadmin)
    response = client.post(_decide_url(membership), {"decision": "refuse", "reason": ""})
    assert response.status_code == 200
    assert "Enter why the membership is refused" in response.content.decode()
    response = client.post(
        _decide_url(membership), {"decision": "refuse", "reason": "Not in this team"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.status == MembershipStatus.REFUSED
    assert membership.refusal_reason == "Not in this team"
    assert not policy.care_memberships(worker).exists()
    assert client.get(_decide_url(membership)).status_code == 404  # decided: no longer waiting
    services.request_membership(user=worker, team=team, role=Role.PRACTITIONER, by=sysadmin)


def test_the_approvals_page_is_for_deciders_only(client, team, sysadmin):
    services.request_membership(user=UserFactory(), team=team, role=Role.COORDINATOR, by=sysadmin)
    client.force_login(MembershipFactory(team=team, role=Role.PRACTITIONER).user)
    assert client.get(WAITING).status_code == 403
    other = MembershipFactory(
        team=TeamFactory(organisation=OrganisationFactory()), role=Role.PRIVACY_LEAD
    )
    client.force_login(other.user)
    page = client.get(WAITING)
    assert page.status_code == 200
    assert "There are no memberships waiting for approval" in page.content.decode()


def test_ending_takes_the_role_away_and_an_end_is_final(client, team, sysadmin):
    membership = MembershipFactory(team=team, role=Role.PRACTITIONER)
    with pytest.raises(PermissionDenied):
        services.end_membership(membership=membership, by=membership.user)
    services.end_membership(membership=membership, by=sysadmin, ended_on=dt.date(2026, 1, 5))
    assert not policy.care_memberships(membership.user).exists()
    with pytest.raises(ValidationError, match="ended already"):
        services.end_membership(membership=membership, by=sysadmin)
    pending = services.request_membership(
        user=UserFactory(), team=team, role=Role.PRACTITIONER, by=sysadmin
    )
    with pytest.raises(ValidationError, match="refuse it instead"):
        services.end_membership(membership=pending, by=sysadmin)

    # In the admin, an ended membership's end date cannot be cleared.
    client.force_login(sysadmin)
    change = reverse("admin:organisations_membership_change", args=[membership.pk])
    client.post(change, {"job_title": "Worker", "started_on": "2024-04-01", "ended_on": ""})
    membership.refresh_from_db()
    assert membership.ended_on == dt.date(2026, 1, 5)


def test_the_admin_change_page_never_changes_who_holds_which_role(
    client, team, sysadmin, consented_person
):
    analyst = MembershipFactory(team=team, role=Role.ANALYST, job_title="Analyst")
    client.force_login(sysadmin)
    change = reverse("admin:organisations_membership_change", args=[analyst.pk])
    response = client.post(
        change,
        {
            "user": sysadmin.pk,
            "team": team.pk,
            "role": Role.PRACTITIONER,
            "job_title": "Senior analyst",
            "started_on": "2024-04-01",
            "ended_on": "",
        },
    )
    assert response.status_code == 302
    analyst.refresh_from_db()
    assert (analyst.user_id, analyst.role, analyst.job_title) == (
        analyst.user_id,
        Role.ANALYST,
        "Senior analyst",
    )
    assert analyst.user != sysadmin
    assert not _opens(sysadmin, consented_person)
    delete = reverse("admin:organisations_membership_delete", args=[analyst.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Membership.objects.filter(pk=analyst.pk).exists()


def test_a_persons_portal_account_cannot_hold_a_role(team, sysadmin):
    portal_user = UserFactory()
    PersonFactory(user=portal_user)
    with pytest.raises(ValidationError, match="portal account"):
        services.request_membership(
            user=portal_user, team=team, role=Role.PRACTITIONER, by=sysadmin
        )


def test_the_history_names_who_asked_approved_changed_and_ended_it(
    client, team, sysadmin, second_sysadmin
):
    worker = UserFactory(username="newstarter")
    client.force_login(sysadmin)
    client.post(
        ADD,
        {
            "user": worker.pk,
            "team": team.pk,
            "role": Role.COORDINATOR,
            "job_title": "Coordinator",
            "started_on": "2026-01-05",
        },
    )
    membership = Membership.objects.get(user=worker)
    services.approve_membership(membership=membership, by=second_sysadmin)
    change = reverse("admin:organisations_membership_change", args=[membership.pk])
    client.post(
        change, {"job_title": "Senior coordinator", "started_on": "2026-01-05", "ended_on": ""}
    )
    services.end_membership(membership=membership, by=second_sysadmin, ended_on=dt.date(2026, 3, 1))

    history = queries.membership_history(membership)
    assert [(row.what, row.by) for row in history] == [
        ("Asked for", sysadmin),
        ("Approved", second_sysadmin),
        ("Changed", sysadmin),
        ("Ended", second_sysadmin),
    ]
    assert history[2].changes["job_title"] == ["Coordinator", "Senior coordinator"]
    html = client.get(change).content.decode()
    assert "Asked for" in html and "Approved" in html and "Ended" in html
