"""Each home page leads with the work of the day for the user's roles: every item names the
person (or team) it is about and links to where it is done, names only people the user has a
relationship with (audited as a list), and says plainly when there is nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alongside.care.models import CarePlan, CarePlanVersion
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    allocate,
    practitioner_in,
)
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.outcomes.tests.factories import answered
from alongside.people.tests.factories import PersonFactory
from alongside.referrals.models import Handover, HandoverKind, State, Urgency
from alongside.referrals.tests.factories import ReferralFactory
from alongside.sharing.models import AccessEvent
from alongside.supervision import services as supervision_services
from alongside.supervision.models import Kind, SupervisionAction
from alongside.supervision.presenters import about_person
from alongside.supervision.services import Discussion, NewAction

pytestmark = pytest.mark.django_db


def today() -> dt.date:
    return timezone.localdate()


def later_today(hours: int = 1) -> dt.datetime:
    """An hour from now, kept on today's date."""
    end = timezone.make_aware(dt.datetime.combine(today(), dt.time(23, 0)))
    return min(timezone.now() + dt.timedelta(hours=hours), end)


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, anchor: str) -> str:
    """The HTML of one of the day's lists."""
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def person_on(worker, team, given: str, family: str, *, days_open: int = 10):
    person = PersonFactory(given_name=given, family_name=family)
    episode = EpisodeFactory(
        person=person,
        lead_team=team,
        started_at=timezone.now() - dt.timedelta(days=days_open),
    )
    allocate(episode, worker)
    ContactFactory(
        episode=episode, practitioner=worker, starts_at=timezone.now() - dt.timedelta(days=2)
    )
    return episode


def plan_review_due(episode, review_on: dt.date, by) -> None:
    plan = CarePlan.objects.create(episode=episode, current_version=1)
    CarePlanVersion.objects.create(plan=plan, number=1, review_on=review_on, created_by=by)


@pytest.fixture
def team():
    return TeamFactory(name="Central Community Team")


# --- The key worker ---------------------------------------------------------------------------


def test_a_key_worker_sees_their_day_each_item_naming_the_person_with_a_link(client, team):
    worker = practitioner_in(team)
    seen_today = person_on(worker, team, "Priya", "Sandhu")
    PlannedContactFactory(episode=seen_today, practitioner=worker, starts_at=later_today())
    unseen = person_on(worker, team, "Tom", "Hughes", days_open=90)
    unseen.contacts.all().delete()
    flagged = person_on(worker, team, "Ada", "Quartermaine")
    answered(flagged, "phq9", ["1", "1", "1", "1", "1", "1", "1", "0", "2"], by=worker)
    overdue = person_on(worker, team, "Leon", "Marsh")
    plan_review_due(overdue, today() - dt.timedelta(days=3), worker)
    someone_else = person_on(practitioner_in(team), team, "Zebedee", "Outsider")
    PlannedContactFactory(
        episode=someone_else,
        practitioner=someone_else.allocations.get().key_worker,
        starts_at=later_today(),
    )

    html = home(client, worker)

    appointments = section(html, "appointments-today")
    assert "Priya Sandhu" in appointments
    assert reverse("care:contacts", kwargs={"person_id": seen_today.person_id}) in appointments
    attention = section(html, "needs-attention")
    assert "Tom Hughes" in attention and "Not seen in 4 weeks" in attention
    assert reverse("care:episode", kwargs={"person_id": unseen.person_id}) in attention
    answers = section(html, "answers-to-review")
    assert "Ada Quartermaine" in answers and "PHQ-9" in answers
    assert reverse("outcomes:person", kwargs={"person_id": flagged.person_id}) in answers
    reviews = section(html, "plan-reviews")
    assert "Leon Marsh" in reviews
    assert reverse("plans:plan", kwargs={"person_id": overdue.person_id}) in reviews
    # Someone on a colleague's caseload is nobody this key worker's home page names.
    assert "Outsider" not in html
    # The page leads with the day: the lists come before the profile of the user's roles.
    assert html.index('id="appointments-today"') < html.index('id="practitioner"')
    # Naming people is a list view of each of them, audited.
    audited = set(
        AccessEvent.objects.filter(user=worker, route="home").values_list("person_id", flat=True)
    )
    assert {seen_today.person_id, unseen.person_id, flagged.person_id} <= audited


def test_a_key_worker_with_nothing_to_do_is_told_so_plainly(client, team):
    html = home(client, practitioner_in(team))
    for text in [
        "No appointments today.",
        "No one on your caseload needs attention.",
        "No answers to review.",
        "No plan reviews overdue.",
    ]:
        assert text in html, text


def test_the_key_workers_home_page_takes_a_fixed_number_of_queries(
    client, team, django_assert_max_num_queries
):
    worker = practitioner_in(team)
    person_on(worker, team, "Priya", "Sandhu")
    client.force_login(worker)
    client.get(reverse("home"))  # warm up (sessions, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
    for n in range(12):
        episode = person_on(worker, team, f"Extra{n}", "Person", days_open=90)
        PlannedContactFactory(episode=episode, practitioner=worker, starts_at=later_today())
        plan_review_due(episode, today() - dt.timedelta(days=1), worker)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get(reverse("home")).content.decode()
    assert "Your whole caseload" in html  # more than the page shows: a link to the rest


# --- Triage ------------------------------------------------------------------------------------


def test_a_coordinator_sees_urgent_and_due_referrals_and_follow_ups_due(client, team):
    coordinator = MembershipFactory(team=team, role=Role.COORDINATOR).user
    urgent = ReferralFactory(
        team=team, urgency=Urgency.URGENT, given_name="Maya", family_name="Okonjo"
    )
    due_now = ReferralFactory(
        team=team,
        given_name="Rhys",
        family_name="Evans",
        received_at=timezone.now() - dt.timedelta(days=30),
        due_at=timezone.now() - dt.timedelta(days=2),
    )
    ReferralFactory(team=team, given_name="Later", family_name="Routine")  # due in weeks
    ReferralFactory(team=TeamFactory(), urgency=Urgency.EMERGENCY, family_name="Elsewhere")
    signposted = ReferralFactory(
        team=team,
        state=State.SIGNPOSTED,
        given_name="Nia",
        family_name="Roberts",
        person=PersonFactory(given_name="Nia", family_name="Roberts"),
    )
    handover = Handover.objects.create(
        referral=signposted,
        kind=HandoverKind.SIGNPOST,
        team=TeamFactory(name="Wellspring Peer Support"),
        passed_on="Phoned them with Nia's agreement",
        follow_up_on=today() - dt.timedelta(days=1),
        created_by=coordinator,
    )

    html = home(client, coordinator)

    due = section(html, "due-referrals")
    assert "Maya Okonjo" in due and "Urgent" in due
    assert reverse("referrals:referral", kwargs={"referral_id": urgent.pk}) in due
    assert "Rhys Evans" in due and "Past its due time" in due
    assert due.index("Maya Okonjo") < due.index("Rhys Evans")  # most urgent first
    assert "Routine" not in due.replace("Later Routine", "") and "Later" not in due
    assert "Elsewhere" not in html  # another team's referral
    follow_ups = section(html, "follow-ups")
    assert "Nia Roberts" in follow_ups and "Wellspring Peer Support" in follow_ups
    assert (
        reverse(
            "referrals:follow-up",
            kwargs={"referral_id": signposted.pk, "handover_id": handover.pk},
        )
        in follow_ups
    )
    assert due_now.reference in due


def test_a_coordinator_with_nothing_due_is_told_so(client, team):
    html = home(client, MembershipFactory(team=team, role=Role.COORDINATOR).user)
    assert "No urgent referrals, and none due today." in html
    assert "No follow-ups due." in html


# --- The team lead -----------------------------------------------------------------------------


def test_a_team_lead_sees_who_waits_for_a_key_worker_and_each_teams_oversight(client, team):
    lead = MembershipFactory(team=team, role=Role.TEAM_LEAD).user
    waiting = EpisodeFactory(
        person=PersonFactory(given_name="Sara", family_name="Lind"), lead_team=team
    )
    html = home(client, lead)
    unallocated = section(html, "waiting-allocation")
    assert "Sara Lind" in unallocated
    caseloads = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    assert f"{caseloads}?reallocate={waiting.pk}#reallocate" in unallocated
    teams = section(html, "your-teams")
    assert "Central Community Team" in teams
    assert "No one in the team has a supervision agreement" in teams
    assert f"{reverse('supervision:coverage')}?scope=team-{team.pk}" in teams
    assert f"{reverse('insights:coproduction')}?team={team.pk}" in teams
    client.force_login(lead)
    for href in (
        f"{reverse('supervision:coverage')}?scope=team-{team.pk}",
        f"{reverse('insights:coproduction')}?team={team.pk}",
    ):
        assert client.get(href).status_code == 200, href


# --- The supervisor ----------------------------------------------------------------------------


@pytest.fixture
def supervised(team):
    """A supervisor and their supervisee, whose monthly supervision is overdue, with an action
    agreed about a person on the supervisee's caseload."""
    worker = practitioner_in(team, user__first_name="Ana", user__last_name="Lind")
    supervisor = MembershipFactory(
        team=team, role=Role.SUPERVISOR, user__first_name="Sunita", user__last_name="Rao"
    ).user
    episode = person_on(worker, team, "Priya", "Sandhu")
    supervision_services.make_agreement(
        supervisee=worker,
        supervisor=supervisor,
        starts_on=today() - dt.timedelta(days=90),
        terms={Kind.INDIVIDUAL: 4},
        by=supervisor,
    )
    session = supervision_services.record_session(
        supervisor=supervisor,
        kind=Kind.INDIVIDUAL,
        held_on=today() - dt.timedelta(days=40),
        duration_minutes=50,
        attendees=[worker],
        by=supervisor,
        discussions=[
            Discussion(
                episode=episode,
                supervisee=worker,
                goals_progress="A harder month",
                actions=[
                    NewAction(
                        text="Review the safety plan with them before the next visit",
                        owner=worker,
                        due_on=today() + dt.timedelta(days=3),
                    )
                ],
            )
        ],
    )
    return worker, supervisor, episode, session


def test_a_supervisor_sees_the_sessions_they_owe(client, supervised):
    _worker, supervisor, _episode, _session = supervised
    due = section(home(client, supervisor), "sessions-due")
    assert "Ana Lind" in due and "Overdue by" in due
    assert reverse("supervision:new-session") in due


def test_a_supervision_action_names_the_person_it_is_about(client, supervised):
    worker, supervisor, _episode, session = supervised
    html = home(client, worker)
    assert "Review the safety plan with Priya Sandhu before the next visit" in html
    assert "with them" not in html
    client.force_login(supervisor)
    page = client.get(reverse("supervision:session", kwargs={"session_id": session.pk}))
    assert "Review the safety plan with Priya Sandhu before the next visit" in page.content.decode()
    assert SupervisionAction.objects.get().text.endswith("with them before the next visit")


def test_about_person_puts_the_name_where_the_action_speaks_of_them():
    assert about_person("Review the safety plan with them", "Priya Sandhu") == (
        "Review the safety plan with Priya Sandhu"
    )
    assert about_person("Check in with their carer", "Priya Sandhu") == (
        "Check in with Priya Sandhu's carer"
    )
    assert about_person("Ask the GP about a medication review", "Priya Sandhu") == (
        "Ask the GP about a medication review (about Priya Sandhu)"
    )
