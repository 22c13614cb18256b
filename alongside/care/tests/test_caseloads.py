"""Caseloads: the key worker's (one test for each column and flag) and the team lead's (size,
intensity mix, people not seen, people waiting allocation, reallocation), scoped, audited and
with a number of queries that does not grow with the caseload."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from markupsafe import escape

from alongside.care import hooks, queries
from alongside.care.models import (
    Allocation,
    CarePlan,
    CarePlanVersion,
    Episode,
    Intensity,
    Outcome,
    PlanNote,
)
from alongside.care.presenters import CaseloadRow
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    PlannedContactFactory,
    allocate,
    key_worker_for,
    practitioner_in,
    team_lead_of,
)
from alongside.core import formats
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.sharing.models import AccessEvent, Action, Basis, Part

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def row_for(worker, episode: Episode) -> CaseloadRow:
    rows = {e.pk: e for e in queries.caseload(worker, now=NOW)}
    return CaseloadRow(rows[episode.pk], NOW)


def plan(episode: Episode, *review_dates: dt.date | None) -> None:
    """A plan with a version for each review date given; the last is current."""
    care_plan = CarePlan.objects.create(episode=episode, current_version=len(review_dates))
    for number, review_on in enumerate(review_dates, start=1):
        CarePlanVersion.objects.create(
            plan=care_plan, number=number, review_on=review_on, created_by=episode_worker(episode)
        )


def episode_worker(episode: Episode):
    return episode.allocations.get(ended_at__isnull=True).key_worker


@pytest.fixture
def episode() -> Episode:
    return EpisodeFactory(started_at=days_ago(90))


@pytest.fixture
def worker(episode):
    return key_worker_for(episode)


# --- Who is on the caseload --------------------------------------------------------------------


def test_the_caseload_holds_open_episodes_where_i_am_key_worker_now(episode, worker):
    handed_on = EpisodeFactory(lead_team=episode.lead_team)
    allocate(handed_on, worker, started_at=days_ago(30))
    Allocation.objects.filter(episode=handed_on).update(ended_at=days_ago(1))
    allocate(handed_on)  # someone else now
    ended = EpisodeFactory(lead_team=episode.lead_team)
    allocate(ended, worker)
    Episode.objects.filter(pk=ended.pk).update(ended_at=timezone.now(), discharge_reason="02")
    EpisodeFactory(lead_team=episode.lead_team)  # waiting allocation: on no one's caseload
    assert [e.pk for e in queries.caseload(worker, now=NOW)] == [episode.pk]


def test_the_caseload_is_by_family_name(episode, worker):
    episode.person.family_name = "Zephaniah"
    episode.person.save()
    other = EpisodeFactory(person__family_name="Abbott", lead_team=episode.lead_team)
    allocate(other, worker)
    assert [e.person.family_name for e in queries.caseload(worker, now=NOW)] == [
        "Abbott",
        "Zephaniah",
    ]


# --- Each column -------------------------------------------------------------------------------


def test_name_links_to_the_persons_key_working_page(episode, worker):
    row = row_for(worker, episode)
    assert row.name == episode.person.full_name
    assert row.href == reverse("care:episode", kwargs={"person_id": episode.person_id})


def test_intensity_column(episode, worker):
    Episode.objects.filter(pk=episode.pk).update(intensity=Intensity.HIGH)
    assert row_for(worker, episode).intensity["text"] == "High"


def test_last_seen_is_the_last_attended_contact(episode, worker):
    assert row_for(worker, episode).last_seen == "Not seen yet"
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(20))
    ten = ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(10))
    ContactFactory(
        episode=episode, practitioner=worker, starts_at=days_ago(2), outcome=Outcome.DID_NOT_ATTEND
    )
    PlannedContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(1))
    row = row_for(worker, episode)
    assert row.episode.last_seen == ten.starts_at
    assert row.last_seen == formats.date(ten.starts_at)


def test_next_appointment_is_the_soonest_one_to_come(episode, worker):
    assert row_for(worker, episode).next_contact == "None booked"
    PlannedContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(3))  # past
    later = PlannedContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(-9))
    sooner = PlannedContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(-2))
    ContactFactory(
        episode=episode,
        practitioner=worker,
        starts_at=days_ago(-1),
        outcome=Outcome.CANCELLED_BY_PERSON,
    )
    row = row_for(worker, episode)
    assert row.episode.next_contact == sooner.starts_at != later.starts_at
    assert row.next_contact == formats.datetime(sooner.starts_at)


def test_plan_review_due_is_the_current_versions(episode, worker):
    assert row_for(worker, episode).review_due == "Not set"
    soon = timezone.localdate() + dt.timedelta(days=30)
    plan(episode, timezone.localdate() - dt.timedelta(days=100), soon)
    row = row_for(worker, episode)
    assert row.episode.review_on == soon
    assert not row.review_overdue


def test_a_plan_without_a_review_date(episode, worker):
    plan(episode, None)
    assert row_for(worker, episode).review_due == "Not set"


# --- Each flag ---------------------------------------------------------------------------------


def flags(worker, episode) -> list[str]:
    return [f["text"] for f in row_for(worker, episode).flags]


def test_flag_not_seen_in_4_weeks(episode, worker):
    plan(episode, timezone.localdate() + dt.timedelta(days=30))
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(29))
    assert flags(worker, episode) == ["Not seen in 4 weeks"]
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(27))
    assert flags(worker, episode) == []


def test_flag_never_seen_in_an_old_episode_is_not_seen_and_in_a_new_one_waiting(worker, episode):
    plan(episode, timezone.localdate() + dt.timedelta(days=30))
    assert flags(worker, episode) == ["Not seen in 4 weeks"]
    Episode.objects.filter(pk=episode.pk).update(started_at=days_ago(5))
    assert flags(worker, episode) == ["Waiting for a first contact"]


def test_flag_plan_review_overdue(episode, worker):
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(3))
    plan(episode, timezone.localdate() - dt.timedelta(days=1))
    assert flags(worker, episode) == ["Plan review overdue"]


def test_flag_no_plan_yet(episode, worker):
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(3))
    assert flags(worker, episode) == ["No plan yet"]
    CarePlan.objects.create(episode=episode)  # begun, no version saved: still no plan
    assert flags(worker, episode) == ["No plan yet"]


def test_flag_unread_note_from_the_person(episode, worker):
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(3))
    plan(episode, timezone.localdate() + dt.timedelta(days=30))
    note = PlanNote.objects.create(episode=episode, text="Can we talk about work next time?")
    assert flags(worker, episode) == ["Unread note from the person"]
    PlanNote.objects.filter(pk=note.pk).update(read_at=timezone.now(), read_by=worker)
    assert flags(worker, episode) == []


def test_flag_appointment_outcome_to_record(episode, worker):
    ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(3))
    plan(episode, timezone.localdate() + dt.timedelta(days=30))
    PlannedContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(1))
    assert flags(worker, episode) == ["Appointment outcome to record"]


# --- The key worker's page ---------------------------------------------------------------------


def test_the_caseload_page_lists_and_audits_my_people(client, episode, worker):
    other = EpisodeFactory(lead_team=episode.lead_team)
    allocate(other)
    client.force_login(worker)
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(episode.person.full_name) in body
    assert escape(other.person.full_name) not in body
    events = AccessEvent.objects.filter(user=worker, route="care:caseload")
    assert [(e.person_id, e.part, e.allowed) for e in events] == [
        (episode.person_id, Part.DETAILS, True)
    ]


def test_the_caseload_is_for_people_who_work_with_people(client):
    analyst = MembershipFactory(role=Role.ANALYST).user
    client.force_login(analyst)
    assert client.get(reverse("care:caseload")).status_code == 403


def _busy(episode: Episode, worker, n: int) -> None:
    """``n`` more people on the worker's caseload, each with contacts, an appointment, a plan
    and a note."""
    for i in range(n):
        other = EpisodeFactory(lead_team=episode.lead_team, started_at=days_ago(200))
        allocate(other, worker)
        ContactFactory(episode=other, practitioner=worker, starts_at=days_ago(i + 1))
        PlannedContactFactory(episode=other, practitioner=worker)
        plan(other, timezone.localdate())
        PlanNote.objects.create(episode=other, text="A note")


def test_the_caseload_page_takes_the_same_number_of_queries_for_any_size(client, episode, worker):
    client.force_login(worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("care:caseload")).status_code == 200
        return len(captured)

    few = count()
    _busy(episode, worker, 8)
    assert count() == few


# --- The team lead's page ----------------------------------------------------------------------


@pytest.fixture
def team_setup():
    """A team with two key workers and a lead: Ada holds three people (low, medium, high; one
    not seen for six weeks, one seen two weeks ago and one seen yesterday), Bea holds one (not
    seen in ten weeks), and one person is waiting for allocation."""
    team = TeamFactory()
    lead = team_lead_of(team)
    ada = practitioner_in(team, user__first_name="Ada", user__last_name="Ash")
    bea = practitioner_in(team, user__first_name="Bea", user__last_name="Birch")
    practitioner_in(team, user__first_name="Cy", user__last_name="Cole")  # no caseload
    made = {}
    for name, intensity, seen, worker in [
        ("low", Intensity.LOW, 42, ada),
        ("medium", Intensity.MEDIUM, 14, ada),
        ("high", Intensity.HIGH, 1, ada),
        ("bea", Intensity.MEDIUM, 70, bea),
    ]:
        episode = EpisodeFactory(lead_team=team, intensity=intensity, started_at=days_ago(120))
        allocate(episode, worker)
        ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(seen))
        made[name] = episode
    made["waiting"] = EpisodeFactory(lead_team=team, started_at=days_ago(12))
    return team, lead, ada, bea, made


def test_worker_caseloads_size_intensity_mix_and_not_seen(team_setup):
    team, *_ = team_setup
    rows = queries.worker_caseloads(team, cutoff=NOW - dt.timedelta(weeks=4))
    figures = {r.worker.first_name: (r.size, r.low, r.medium, r.high, r.not_seen) for r in rows}
    assert figures == {"Ada": (3, 1, 1, 1, 1), "Bea": (1, 0, 1, 0, 1), "Cy": (0, 0, 0, 0, 0)}
    rows = queries.worker_caseloads(team, cutoff=NOW - dt.timedelta(weeks=1))
    assert {r.worker.first_name: r.not_seen for r in rows} == {"Ada": 2, "Bea": 1, "Cy": 0}
    rows = queries.worker_caseloads(team, cutoff=NOW - dt.timedelta(weeks=12))
    assert {r.worker.first_name: r.not_seen for r in rows} == {"Ada": 0, "Bea": 0, "Cy": 0}


def test_not_seen_and_waiting_allocation_lists(team_setup):
    team, lead, _ada, _bea, made = team_setup
    episodes = queries.team_open_episodes(team, lead)
    unseen = list(queries.not_seen(episodes, cutoff=NOW - dt.timedelta(weeks=4)))
    assert [e.pk for e in unseen] == [made["bea"].pk, made["low"].pk]  # longest unseen first
    assert [e.pk for e in queries.waiting_allocation(episodes)] == [made["waiting"].pk]


def test_the_team_page_for_its_lead_with_weeks_filter(client, team_setup):
    team, lead, _ada, _bea, made = team_setup
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    body = client.get(url).content.decode()
    assert "Not seen in 4 weeks" in body
    assert escape(made["waiting"].person.full_name) in body
    unseen_section = body.split("Not seen in 4 weeks</h2>")[1]
    assert escape(made["bea"].person.full_name) in unseen_section
    assert escape(made["high"].person.full_name) not in unseen_section.split("<h2")[0]
    body = client.get(url, {"weeks": "12"}).content.decode()
    assert "Everyone has been seen in the last 12 weeks" in body
    response = client.get(url, {"weeks": "0"})
    assert "Enter a number of weeks from 1 to 52" in response.content.decode()
    assert AccessEvent.objects.filter(
        user=lead, route="care:team-caseloads", person_id=made["waiting"].person_id
    ).exists()


def test_only_the_teams_lead_or_supervisor_sees_its_caseloads(client, team_setup):
    team, _lead, ada, _bea, _made = team_setup
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    client.force_login(ada)
    assert client.get(url).status_code == 403
    other_lead = team_lead_of(TeamFactory())
    client.force_login(other_lead)
    assert client.get(url).status_code == 403
    supervisor = MembershipFactory(team=team, role=Role.SUPERVISOR).user
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_reallocation_from_the_team_page_is_audited_as_a_change(client, team_setup):
    team, lead, ada, bea, made = team_setup
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    page = client.get(url, {"reallocate": made["waiting"].pk}).content.decode()
    assert f'value="{made["waiting"].pk}" selected' in page
    response = client.post(
        url,
        {
            "episode": made["waiting"].pk,
            "key_worker": bea.memberships.get().pk,
            "reason": "First allocation",
        },
    )
    assert response.status_code == 302
    assert queries.current_key_worker(made["waiting"]) == bea
    event = AccessEvent.objects.get(user=lead, action=Action.CHANGE)
    assert (event.person_id, event.part, event.basis) == (
        made["waiting"].person_id,
        Part.CONTACTS,
        Basis.CARE_TEAM,
    )
    # Reallocating to the same worker is refused on the form, and nothing changes.
    response = client.post(
        url,
        {"episode": made["low"].pk, "key_worker": ada.memberships.get().pk, "reason": "Again"},
    )
    assert response.status_code == 200
    assert "This person is already the key worker" in response.content.decode()
    assert Allocation.objects.filter(episode=made["low"]).count() == 1


def test_the_team_page_refuses_an_episode_of_another_team(client, team_setup):
    team, lead, ada, _bea, _made = team_setup
    elsewhere = EpisodeFactory()
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    response = client.post(
        url,
        {"episode": elsewhere.pk, "key_worker": ada.memberships.get().pk, "reason": "Tampered"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not elsewhere.allocations.exists()


def test_the_team_page_takes_the_same_number_of_queries_for_any_size(client, team_setup):
    team, lead, ada, _bea, made = team_setup
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = count()
    _busy(made["low"], ada, 6)
    for _ in range(4):
        EpisodeFactory(lead_team=team, started_at=days_ago(60))
    assert count() == few


# --- Columns other apps add (hooks.CaseloadExtras) ---------------------------------------------


@pytest.fixture
def no_extras(monkeypatch):
    """No app has added a caseload column (as without outcomes installed)."""
    monkeypatch.setattr(hooks.CaseloadExtras, "COLUMNS", [])


def test_the_caseload_works_with_no_column_added(client, episode, worker, no_extras):
    client.force_login(worker)
    response = client.get(reverse("care:caseload"))
    assert response.status_code == 200
    body = response.content.decode()
    assert escape(episode.person.full_name) in body
    assert body.count('<th scope="col"') == 6


def test_a_column_added_by_another_app_is_worked_out_once_for_all_rows(
    client, episode, worker, no_extras
):
    other = EpisodeFactory(lead_team=episode.lead_team, person__family_name="Zz")
    allocate(other, worker)
    calls = []

    def tags_for(episodes):
        calls.append(sorted(e.pk for e in episodes))
        return {episode.pk: [{"text": "Thing due", "classes": "nhsuk-tag--yellow"}]}

    hooks.CaseloadExtras.register(tags_for, heading="Things due", empty="Nothing due")
    hooks.CaseloadExtras.register(tags_for, heading="Things due", empty="Nothing due")  # once
    client.force_login(worker)
    body = client.get(reverse("care:caseload")).content.decode()
    assert calls == [sorted([episode.pk, other.pk])]
    assert body.count('<th scope="col" class="nhsuk-table__header">Things due</th>') == 1
    mine = body.split(str(escape(episode.person.full_name)), 1)[1].split("</tr>", 1)[0]
    assert '<strong class="nhsuk-tag nhsuk-tag--yellow">Thing due</strong>' in mine
    theirs = body.split(str(escape(other.person.full_name)), 1)[1].split("</tr>", 1)[0]
    assert 'Things due </span><span class="app-tags">Nothing due</span></td>' in theirs


def test_an_empty_caseload_asks_no_column_for_anything(no_extras):
    hooks.CaseloadExtras.register(lambda episodes: 1 / 0, heading="Never asked")
    extras = hooks.CaseloadExtras([])
    assert extras.headings == ["Never asked"]
    assert extras.cells(1)[0].tags == []


def test_the_team_page_shows_added_columns_and_links(client, team_setup, no_extras, monkeypatch):
    team, lead, _ada, _bea, made = team_setup
    monkeypatch.setattr(hooks.TeamLinks, "ITEMS", [])
    hooks.CaseloadExtras.register(
        lambda episodes: {e.pk: [{"text": f"Tag {e.pk}", "classes": ""}] for e in episodes},
        heading="Tags",
    )
    hooks.TeamLinks.add("care:team-caseloads", "This very page")
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    body = client.get(url).content.decode()
    assert f'<a href="{url}">This very page</a>' in body
    waiting = body.split("Waiting for a key worker</h2>")[1].split("<h2")[0]
    assert f"Tag {made['waiting'].pk}" in waiting
    unseen = body.split("Not seen in 4 weeks</h2>")[1].split("<h2")[0]
    assert f"Tag {made['bea'].pk}" in unseen and f"Tag {made['low'].pk}" in unseen


def test_the_team_page_works_with_nothing_added(client, team_setup, no_extras, monkeypatch):
    team, lead, *_ = team_setup
    monkeypatch.setattr(hooks.TeamLinks, "ITEMS", [])
    client.force_login(lead)
    response = client.get(reverse("care:team-caseloads", kwargs={"team_id": team.pk}))
    assert response.status_code == 200
    assert "Measures due" not in response.content.decode()


# --- A large team: its lists page ----------------------------------------------------------------


@pytest.fixture
def large_team():
    """A team of 57 people not seen in four weeks: 30 with a key worker, seen by no one since
    their episode began, and 27 waiting for a key worker."""
    team = TeamFactory()
    lead = team_lead_of(team)
    worker = practitioner_in(team)
    unseen = []
    for n in range(30):
        episode = EpisodeFactory(lead_team=team, started_at=days_ago(200 - n))
        allocate(episode, worker)
        unseen.append(episode)
    waiting = [EpisodeFactory(lead_team=team, started_at=days_ago(100 - n)) for n in range(27)]
    return team, lead, unseen, waiting


def not_seen_list(body: str) -> str:
    return body.split('id="not-seen"')[1].split('id="reallocate"')[0]


def test_the_team_page_pages_each_long_list_and_keeps_the_other_lists_page(client, large_team):
    team, lead, unseen, _waiting = large_team
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    body = client.get(url).content.decode()
    assert "Showing 1–25 of 57 people with no attended contact in 4 weeks" in body
    assert "Showing 1–25 of 27 people, longest waiting first" in body
    assert "27 waiting for a key worker" in body  # the whole list, not the page
    assert escape(unseen[0].person.full_name) in body
    assert escape(unseen[29].person.full_name) not in not_seen_list(body)
    # The second page of one list keeps the other's page and the weeks filter.
    body = client.get(url, {"weeks": "4", "page": "2", "waiting_page": "2"}).content.decode()
    assert "Showing 26–50 of 57 people" in body
    assert "Showing 26–27 of 27 people" in body
    assert escape(unseen[29].person.full_name) in body
    assert escape(unseen[0].person.full_name) not in not_seen_list(body)
    assert "?weeks=4&amp;page=1&amp;waiting_page=2#not-seen" not in body  # page 1 has no number
    assert "?weeks=4&amp;waiting_page=2#not-seen" in body
    # A reallocation link comes back to the same pages.
    assert f"?weeks=4&amp;page=2&amp;waiting_page=2&amp;reallocate={unseen[29].pk}" in body


def test_the_team_page_answers_a_page_it_does_not_have_plainly(client, large_team):
    team, lead, _unseen, _waiting = large_team
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    response = client.get(url, {"page": "9"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is no page 9: the list has 3 pages, so this is the last." in body
    assert "Showing 51–57 of 57 people" in body
    response = client.get(url, {"waiting_page": "last"})
    assert response.status_code == 200
    assert "‘last’ is not a page number, so this is the first page." in response.content.decode()


def test_the_team_pages_take_the_same_number_of_queries_however_long_the_lists(
    client, large_team, django_assert_max_num_queries
):
    team, lead, _unseen, _waiting = large_team
    client.force_login(lead)
    url = reverse("care:team-caseloads", kwargs={"team_id": team.pk})
    with django_assert_max_num_queries(60) as first:
        assert client.get(url).status_code == 200
    few = len(first.captured_queries)  # now: the query log is a bounded deque
    for n in range(30):
        EpisodeFactory(lead_team=team, started_at=days_ago(300 + n))
    with django_assert_max_num_queries(few):
        assert client.get(url, {"waiting_page": "3"}).status_code == 200
