"""Each role's home page shows that role's real data, and no more."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alongside.core.tests.html import table_as_dict, tables
from alongside.organisations.models import OrganisationKind, Role, TeamType
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.people.models import EthnicCategory, StatedGender
from alongside.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    organisation = OrganisationFactory(
        name="Wyvern Wellbeing", kind=OrganisationKind.VCSE, ods_code="NQM01"
    )
    return TeamFactory(
        organisation=organisation,
        name="Wellbeing Partners North",
        team_type=TeamType.VCSE_SERVICE,
        localities=[LocalityFactory(name="Brookfield"), LocalityFactory(name="Millbank")],
    )


def member(team, role, first_name, last_name, job_title="Care Partner"):
    user = UserFactory(first_name=first_name, last_name=last_name)
    return MembershipFactory(user=user, team=team, role=role, job_title=job_title)


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def test_practitioner_sees_themself_their_team_organisation_localities_and_colleagues(client, team):
    me = member(team, Role.PRACTITIONER, "Amara", "Okafor", job_title="Senior Care Partner")
    member(team, Role.PRACTITIONER, "Tomasz", "Nowak")
    html = home(client, me.user)
    assert "<title>Home – Alongside</title>" in html
    for text in [
        "Amara Okafor",
        "Senior Care Partner",
        "Wellbeing Partners North",
        "Wyvern Wellbeing (Voluntary, community and social enterprise)",
        "Brookfield, Millbank",
        "Colleagues in your team",
        "Tomasz Nowak",
    ]:
        assert text in html, text


def test_practitioner_alone_in_a_team_is_told_so(client, team):
    me = member(team, Role.PRACTITIONER, "Amara", "Okafor")
    assert "No one else is in this team yet." in home(client, me.user)


def test_ended_memberships_are_not_shown(client, team):
    me = member(team, Role.PRACTITIONER, "Amara", "Okafor")
    gone = member(team, Role.PRACTITIONER, "Former", "Colleague")
    gone.ended_on = dt.date(2025, 1, 1)
    gone.save()
    assert "Former Colleague" not in home(client, me.user)


def test_coordinator_sees_team_localities_people_count_and_add_link(client, team):
    me = member(team, Role.COORDINATOR, "Chen", "Li", job_title="Triage coordinator")
    PersonFactory.create_batch(7)
    html = home(client, me.user)
    assert "Triage coordinator – Wellbeing Partners North" in html
    assert "Brookfield, Millbank" in html
    assert "People registered" in html
    assert '<div class="app-figure">7</div>' in html
    assert f'href="{reverse("people:add")}"' in html
    assert "Add a person" in html


def test_supervisor_sees_the_team_key_workers(client, team):
    me = member(team, Role.SUPERVISOR, "Grace", "Adeyemi", job_title="Clinical supervisor")
    member(team, Role.PRACTITIONER, "Tomasz", "Nowak")
    member(team, Role.COORDINATOR, "Chen", "Li")
    html = home(client, me.user)
    assert "Key workers in the team" in html
    assert "Tomasz Nowak" in html
    assert "Chen Li" not in html  # a coordinator, not a key worker


def test_team_lead_sees_members_roles_counts_and_localities(client, team):
    me = member(team, Role.TEAM_LEAD, "Fatima", "Begum", job_title="Service manager")
    member(team, Role.PRACTITIONER, "Tomasz", "Nowak", job_title="Peer support worker")
    member(team, Role.PRACTITIONER, "Amara", "Okafor")
    html = home(client, me.user)
    assert "Members of the team" in html
    assert "Tomasz Nowak" in html and "Peer support worker" in html
    assert "Members by role" in html
    assert "Brookfield, Millbank" in html
    by_role = table_as_dict(html, "Members by role")
    assert by_role["Key worker"] == "2"
    assert by_role["Team lead"] == "1"
    assert by_role["Analyst"] == "0"
    members = tables(html)["Members of the team"]
    assert ["Tomasz Nowak", "Key worker", "Peer support worker"] in members


def test_analyst_sees_aggregates_and_never_a_name(client, team):
    me = member(team, Role.ANALYST, "Ben", "Carter", job_title="Analyst")
    PersonFactory(
        family_name="Quartermaine",
        given_name="Zebedee",
        imd_decile=1,
        ethnicity=EthnicCategory.CHINESE,
        stated_gender=StatedGender.MALE,
    )
    PersonFactory.create_batch(
        6, ethnicity=EthnicCategory.WHITE_IRISH, stated_gender=StatedGender.FEMALE, imd_decile=2
    )
    html = home(client, me.user)
    assert "Quartermaine" not in html
    assert "Zebedee" not in html
    for caption in [
        "People by ethnic group",
        "People by deprivation decile",
        "People by age band",
        "People by stated gender",
    ]:
        assert caption in html
    # The dashboards' rule: counts under 5, zero included, hidden; others rounded to 5.
    assert '<div class="app-figure">5</div>' in html  # the total, 7
    by_group = table_as_dict(html, "People by ethnic group")
    assert by_group["White"] == "5"  # 6
    assert by_group["Other ethnic groups"] == "*"  # one person: suppressed
    assert by_group["Asian or Asian British"] == "*"  # none: hidden as NHS England hides it
    by_decile = table_as_dict(html, "People by deprivation decile")
    assert by_decile["1 (most deprived)"] == "*"
    assert by_decile["2"] == "5"
    by_gender = table_as_dict(html, "People by stated gender")
    assert by_gender["Female"] == "5"
    by_age = table_as_dict(html, "People by age band")
    assert sum(int(v) for v in by_age.values() if v.isdigit()) <= 7


def test_org_admin_sees_their_organisation_teams_with_member_counts(client, team):
    me = member(team, Role.ORG_ADMIN, "Olu", "Bello")
    member(team, Role.PRACTITIONER, "Tomasz", "Nowak")
    TeamFactory(organisation=team.organisation, name="Peer Support Wyvern")
    TeamFactory(name="Someone else's team")
    html = home(client, me.user)
    assert "Organisation administrator – Wyvern Wellbeing" in html
    assert "Wellbeing Partners North" in html
    assert "Peer Support Wyvern" in html
    assert "Someone else&#39;s team" not in html and "Someone else's team" not in html
    assert "Voluntary sector service" in html
    assert f'href="{reverse("directory:manage")}"' in html


def test_system_admin_sees_counts_and_links(client):
    admin = UserFactory(is_superuser=True, is_staff=True)
    OrganisationFactory.create_batch(2, kind=OrganisationKind.GP_PRACTICE)
    PersonFactory.create_batch(3)
    html = home(client, admin)
    assert "System administrator" in html
    assert "Organisations by type" in html
    assert f'href="{reverse("organisations:list")}"' in html
    assert f'href="{reverse("admin:index")}"' in html
    assert f'href="{reverse("directory:manage")}"' in html
    assert table_as_dict(html, "Organisations by type")["GP practice"] == "2"


def test_a_user_with_several_roles_gets_a_section_for_each(client, team):
    me = member(team, Role.TEAM_LEAD, "Fatima", "Begum")
    MembershipFactory(user=me.user, team=team, role=Role.SUPERVISOR)
    MembershipFactory(user=me.user, team=TeamFactory(name="Second Team"), role=Role.PRACTITIONER)
    html = home(client, me.user)
    assert "You have 3 roles in Alongside." in html
    assert "Team lead – Wellbeing Partners North" in html
    assert "Supervisor – Wellbeing Partners North" in html
    assert "Key worker – Second Team" in html


def test_a_user_with_no_role_is_told_whom_to_ask(client):
    UserFactory(
        first_name="Sam", last_name="Admin", email="sam.admin@example.org.uk", is_superuser=True
    )
    user = UserFactory()
    html = home(client, user)
    assert "You do not have a role in Alongside yet" in html
    assert "Ask your team lead or your organisation" in html
    assert "Sam Admin" in html and "sam.admin@example.org.uk" in html


def _count_home_queries(client, user):
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "roles",
    [
        [Role.PRACTITIONER],
        [Role.COORDINATOR],
        [Role.SUPERVISOR],
        [Role.TEAM_LEAD],
        [Role.ANALYST],
        [Role.ORG_ADMIN],
        list(Role.values),
    ],
)
def test_the_number_of_queries_does_not_grow_with_the_data(client, team, roles):
    me = member(team, roles[0], "Fatima", "Begum")
    for role in roles[1:]:
        MembershipFactory(user=me.user, team=team, role=role)
    member(team, Role.PRACTITIONER, "Tomasz", "Nowak")
    PersonFactory.create_batch(2)
    small = _count_home_queries(client, me.user)

    for n in range(8):
        member(team, Role.PRACTITIONER, f"Extra{n}", "Worker")
        TeamFactory(organisation=team.organisation, localities=[LocalityFactory()])
    PersonFactory.create_batch(10)
    large = _count_home_queries(client, me.user)
    assert large == small
    # Every role at once: four of these are the worklist counts, one the supervision actions,
    # one which organisation's privacy lead reviews for the place; and escalation on page view
    # (the overdue referrals and risk flags, each in its own transaction) and the three lists
    # of what needs the user now (risk flags on their caseload, escalated flags and referrals);
    # the day's lists (the caseload and today's appointments, two of triage, those waiting for
    # a key worker and the teams' coverage, the sessions due) and the header's permissions.
    assert small <= 46


def test_system_admin_queries_do_not_grow(client, django_assert_max_num_queries):
    admin = UserFactory(is_superuser=True)
    OrganisationFactory.create_batch(3)
    client.force_login(admin)
    # Two of these are the user's permissions, for the header's sections; two the scheduled
    # work (the runners alive, each job's last runs).
    with django_assert_max_num_queries(13):
        client.get(reverse("home"))
    OrganisationFactory.create_batch(20)
    TeamFactory.create_batch(5)
    with django_assert_max_num_queries(13):
        client.get(reverse("home"))


def test_the_system_admin_sees_whether_the_scheduled_work_runs(client):
    """No runner: the administrator is told, and that escalation then waits for a page view;
    each job is listed with when it runs and when it last ran."""
    from alongside.core import jobs

    admin = UserFactory(is_superuser=True, is_staff=True)
    html = home(client, admin)
    (caption,) = [name for name in tables(html) if name.startswith("Scheduled work")]
    assert "no runner is running" in caption and "alongside worker" in caption
    rows = {row[0]: row[1:] for row in tables(html)[caption][1:]}
    escalation = rows[jobs.JOBS["care.escalate"].purpose]
    assert escalation == ["Every 5 minutes", "Not run yet"]
    assert len(rows) == len(jobs.JOBS)
