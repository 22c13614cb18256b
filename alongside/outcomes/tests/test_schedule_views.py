"""The team's measure schedule page (who may open it, adding, changing and removing a measure,
bad input refused inline with nothing saved) and what the key-working pages show of it through
``care.hooks``: the caseloads' "Measures due" column (in a fixed number of queries) and the
discharge page's reminder (never a block)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from markupsafe import escape

from alongside.care import hooks
from alongside.care.models import Episode
from alongside.care.tests.factories import (
    ContactFactory,
    EpisodeFactory,
    allocate,
    key_worker_for,
    practitioner_in,
    team_lead_of,
)
from alongside.organisations.models import Role, Team
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.outcomes import services
from alongside.outcomes.models import MeasureSchedule, Mode
from alongside.outcomes.tests.factories import GAD7_MODERATE, PHQ9_MILD, answered

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def days_ago(n: float) -> dt.datetime:
    return NOW - dt.timedelta(days=n)


def error_for(body: str, field: str) -> str:
    """The inline error message the design system shows beside a field."""
    marker = f'id="id_{field}-error"'
    assert marker in body, f"No inline error for {field}"
    return body.split(marker, 1)[1].split("</span>", 2)[1]


def page_url(team: Team) -> str:
    return reverse("schedules:team", kwargs={"team_id": team.pk})


def ask(team: Team, measure: str, **timing: object) -> MeasureSchedule:
    fields = {"at_start": True, "every_weeks": None, "at_discharge": False, "grace_days": 14}
    fields.update(timing)
    return services.save_schedule(team=team, measure=measure, by=None, **fields)


@pytest.fixture
def team() -> Team:
    return TeamFactory()


@pytest.fixture
def lead(team):
    return team_lead_of(team, user__first_name="Lee", user__last_name="Lead")


def form_data(**fields: object) -> dict[str, object]:
    data = {
        "measure": "phq9",
        "when": ["at_start", "every"],
        "every_weeks": "12",
        "grace_days": "14",
    }
    return {**data, **fields}


# --- Who may open it ---------------------------------------------------------------------------


def test_only_the_teams_lead_or_supervisor_opens_the_schedule(client, team, lead):
    url = page_url(team)
    assert client.get(url).status_code == 302  # to sign in
    client.force_login(practitioner_in(team))
    assert client.get(url).status_code == 403
    client.force_login(team_lead_of(TeamFactory()))
    assert client.get(url).status_code == 403
    assert client.post(url, form_data()).status_code == 403
    assert not MeasureSchedule.objects.exists()
    client.force_login(MembershipFactory(team=team, role=Role.SUPERVISOR).user)
    assert client.get(url).status_code == 200
    client.force_login(lead)
    assert client.get(url).status_code == 200
    assert client.get(page_url(Team(pk=999_999))).status_code == 404


def test_the_team_caseloads_page_links_to_the_schedule(client, team, lead):
    client.force_login(lead)
    body = client.get(reverse("care:team-caseloads", kwargs={"team_id": team.pk})).content
    assert f'href="{page_url(team)}"' in body.decode()


# --- Listing, adding, changing -----------------------------------------------------------------


def test_the_page_lists_each_measure_and_when_it_is_due(client, team, lead):
    ask(team, "phq9", every_weeks=12, at_discharge=True, grace_days=7)
    ask(team, "dialog", at_start=False, every_weeks=1, grace_days=0)
    client.force_login(lead)
    body = client.get(page_url(team)).content.decode()
    assert "The team does not ask for any measures yet" not in body
    assert "At the start, every 12 weeks and at discharge" in body
    assert "7 days after it falls due" in body
    assert "Every 1 week<" in body
    assert "The day after it falls due" in body
    # Only the measures that can be completed here are offered.
    assert 'value="gad7"' in body and 'value="reqol10"' not in body


def test_a_lead_adds_a_measure(client, team, lead):
    client.force_login(lead)
    assert (
        "The team does not ask for any measures yet" in client.get(page_url(team)).content.decode()
    )
    response = client.post(page_url(team), form_data(when=["at_start", "every", "at_discharge"]))
    assert response.status_code == 302
    saved = MeasureSchedule.objects.get(team=team)
    assert (
        saved.measure,
        saved.at_start,
        saved.every_weeks,
        saved.at_discharge,
        saved.grace_days,
        saved.updated_by,
    ) == ("phq9", True, 12, True, 14, lead)
    body = client.get(page_url(team)).content.decode()
    assert "Patient Health Questionnaire (PHQ-9): schedule saved" in body


def test_a_lead_changes_a_measure_from_its_change_link(client, team, lead):
    ask(team, "gad7", every_weeks=6, grace_days=10)
    client.force_login(lead)
    body = client.get(page_url(team)).content.decode()
    change = f"{page_url(team)}?measure=gad7#schedule"
    assert f'href="{escape(change)}"' in body
    body = client.get(page_url(team), {"measure": "gad7"}).content.decode()
    assert "Change when Generalised Anxiety Disorder Assessment (GAD-7) is due" in body
    assert 'value="gad7" selected' in body
    weeks_input = body.split('name="every_weeks"', 1)[1].split(">", 1)[0]
    assert 'value="6"' in weeks_input
    assert 'value="every" checked' in body and 'value="at_start" checked' in body
    response = client.post(
        page_url(team), {"measure": "gad7", "when": ["at_discharge"], "grace_days": "3"}
    )
    assert response.status_code == 302
    saved = MeasureSchedule.objects.get(team=team)
    assert (saved.at_start, saved.every_weeks, saved.at_discharge, saved.grace_days) == (
        False,
        None,
        True,
        3,
    )


def test_weeks_are_ignored_without_every_few_weeks(client, team, lead):
    client.force_login(lead)
    response = client.post(page_url(team), form_data(when=["at_start"], every_weeks="500"))
    assert response.status_code == 302
    assert MeasureSchedule.objects.get(team=team).every_weeks is None


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"when": []}, "when", "Choose at least one time the measure is due"),
        ({"every_weeks": ""}, "every_weeks", "Enter a number of weeks from 1 to 104"),
        ({"every_weeks": "0"}, "every_weeks", "Enter a number of weeks from 1 to 104"),
        ({"every_weeks": "105"}, "every_weeks", "Enter a number of weeks from 1 to 104"),
        ({"every_weeks": "six"}, "every_weeks", "Enter a whole number of weeks, like 12"),
        ({"grace_days": "91"}, "grace_days", "Enter a number of days from 0 to 90"),
        ({"grace_days": "-1"}, "grace_days", "Enter a number of days from 0 to 90"),
        ({"grace_days": ""}, "grace_days", "Enter a number of days from 0 to 90"),
        ({"measure": ""}, "measure", "Choose a measure"),
        ({"measure": "reqol10"}, "measure", "Choose one of the measures this place uses"),
        ({"when": ["sometimes"]}, "when", "Choose when the measure is due from the list"),
    ],
)
def test_bad_input_is_refused_inline_and_nothing_changes(client, team, lead, data, field, message):
    before = ask(team, "phq9", every_weeks=4, grace_days=5)
    client.force_login(lead)
    response = client.post(page_url(team), form_data(**data))
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body and body.startswith("<!DOCTYPE html>")
    assert "<title>Error: " in body
    assert message in error_for(body, field)
    after = MeasureSchedule.objects.get(team=team)
    assert (after.every_weeks, after.grace_days, after.updated_at) == (4, 5, before.updated_at)


def test_the_error_summary_follows_the_pages_order(client, team, lead):
    client.force_login(lead)
    response = client.post(
        page_url(team), form_data(measure="", when=["every"], every_weeks="", grace_days="120")
    )
    summary = response.content.decode().split("There is a problem", 1)[1].split("</ul>", 1)[0]
    messages = ["Choose a measure", "Enter a number of weeks from 1", "Enter a number of days"]
    assert sorted(messages, key=summary.index) == messages
    assert '<a href="#id_every_weeks">' in summary
    assert not MeasureSchedule.objects.exists()


# --- Removing ----------------------------------------------------------------------------------


def test_a_lead_removes_a_measure_after_confirming(client, team, lead):
    schedule = ask(team, "phq9")
    kept = ask(team, "gad7")
    client.force_login(lead)
    url = reverse("schedules:remove", kwargs={"team_id": team.pk, "schedule_id": schedule.pk})
    assert f'href="{url}"' in client.get(page_url(team)).content.decode()
    confirm = client.get(url).content.decode()
    assert "Stop asking for Patient Health Questionnaire (PHQ-9)?" in confirm
    assert MeasureSchedule.objects.filter(pk=schedule.pk).exists()
    response = client.post(url)
    assert response.status_code == 302 and response.url == page_url(team)
    assert list(MeasureSchedule.objects.all()) == [kept]
    assert "no longer asks for Patient Health Questionnaire (PHQ-9)" in (
        client.get(page_url(team)).content.decode()
    )


def test_removing_another_teams_schedule_or_without_the_role_is_refused(client, team, lead):
    elsewhere = ask(TeamFactory(), "phq9")
    client.force_login(lead)
    url = reverse("schedules:remove", kwargs={"team_id": team.pk, "schedule_id": elsewhere.pk})
    assert client.post(url).status_code == 404
    mine = ask(team, "phq9")
    client.force_login(practitioner_in(team))
    url = reverse("schedules:remove", kwargs={"team_id": team.pk, "schedule_id": mine.pk})
    assert client.post(url).status_code == 403
    assert MeasureSchedule.objects.count() == 2


# --- The caseloads' "Measures due" column ------------------------------------------------------


@pytest.fixture
def caseload(team):
    """A key worker with three people: Ann owes an overdue PHQ-9 and a GAD-7 due, Bob completed
    both, and Cy started today (PHQ-9 due)."""
    worker = practitioner_in(team)
    made = {}
    for name, started in [("Ann", 60), ("Bob", 60), ("Cy", 0)]:
        episode = EpisodeFactory(
            lead_team=team, started_at=days_ago(started), person__family_name=name
        )
        allocate(episode, worker)
        made[name] = episode
    ask(team, "phq9", grace_days=14)
    ask(team, "gad7", at_start=False, every_weeks=8, grace_days=14)
    answered(made["Bob"], "phq9", PHQ9_MILD, by=worker, at=days_ago(50))
    answered(made["Bob"], "gad7", GAD7_MODERATE, by=worker, at=days_ago(5))
    return worker, made


def column(body: str, person: Episode) -> str:
    """The "Measures due" cell of the person's row."""
    row = body.split(str(escape(person.person.full_name)), 1)[1].split("</tr>", 1)[0]
    cell = row.split("Measures due </span>", 1)[1].split("</td>", 1)[0]
    return cell.removeprefix('<span class="app-tags">').removesuffix("</span>")


def test_my_caseload_shows_the_measures_due_and_overdue(client, caseload):
    worker, made = caseload
    client.force_login(worker)
    body = client.get(reverse("care:caseload")).content.decode()
    assert '<th scope="col" class="nhsuk-table__header">Measures due</th>' in body
    assert column(body, made["Ann"]) == (
        '<strong class="nhsuk-tag nhsuk-tag--red">PHQ-9 overdue</strong> '
        '<strong class="nhsuk-tag nhsuk-tag--yellow">GAD-7 due</strong>'
    )
    assert column(body, made["Bob"]) == "None due"
    assert column(body, made["Cy"]) == (
        '<strong class="nhsuk-tag nhsuk-tag--yellow">PHQ-9 due</strong>'
    )


def test_answers_that_raised_a_flag_stay_on_the_caseload_until_seen(client, caseload):
    worker, made = caseload
    flagged = answered(made["Bob"], "phq9", [*PHQ9_MILD[:8], "1"], by=worker, mode=Mode.SELF)
    client.force_login(worker)
    body = client.get(reverse("care:caseload")).content.decode()
    assert column(body, made["Bob"]) == (
        '<strong class="nhsuk-tag nhsuk-tag--red">PHQ-9 answers to review</strong>'
    )
    services.acknowledge_prompt(response=flagged, by=worker)
    body = client.get(reverse("care:caseload")).content.decode()
    assert column(body, made["Bob"]) == "None due"


def test_the_team_caseloads_lists_show_the_measures_due(client, team, lead, caseload):
    _worker, made = caseload
    waiting = EpisodeFactory(lead_team=team, started_at=days_ago(30))
    client.force_login(lead)
    body = client.get(reverse("care:team-caseloads", kwargs={"team_id": team.pk})).content
    body = body.decode()
    waiting_list = body.split("Waiting for a key worker</h2>")[1].split("<h2")[0]
    assert "PHQ-9 overdue" in column(waiting_list, waiting)
    unseen_list = body.split("Not seen in 4 weeks</h2>")[1].split("<h2")[0]
    assert column(unseen_list, made["Ann"]).count("<strong") == 2
    assert column(unseen_list, made["Bob"]) == "None due"


def test_the_column_costs_a_fixed_number_of_queries_whatever_the_caseload(
    client, caseload, monkeypatch
):
    worker, made = caseload
    client.force_login(worker)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("care:caseload")).status_code == 200
        return len(captured)

    few = count()
    for n in range(12):
        episode = EpisodeFactory(lead_team=made["Ann"].lead_team, started_at=days_ago(40 + n))
        allocate(episode, worker)
        ContactFactory(episode=episode, practitioner=worker, starts_at=days_ago(n + 1))
        if n % 2:
            answered(episode, "phq9", PHQ9_MILD, by=worker, at=days_ago(n + 1))
    assert count() == few
    # The measures in use, answers to review, the team's schedules and the last responses: four
    # queries.
    monkeypatch.setattr(hooks.CaseloadExtras, "COLUMNS", [])
    without = count()
    assert few == without + 4
    assert "Measures due" not in client.get(reverse("care:caseload")).content.decode()


# --- The discharge reminder --------------------------------------------------------------------


@pytest.fixture
def episode(team) -> Episode:
    return EpisodeFactory(lead_team=team, started_at=days_ago(120))


def discharge_url(episode: Episode) -> str:
    return reverse("care:discharge", kwargs={"person_id": episode.person_id})


def outcomes_href(episode: Episode) -> str | None:
    try:
        return reverse("outcomes:person", kwargs={"person_id": episode.person_id})
    except NoReverseMatch:  # the person's outcome measures page is not there yet
        return None


def test_the_discharge_page_reminds_of_the_measures_due_at_discharge(client, team, episode):
    worker = key_worker_for(episode)
    ask(team, "phq9", at_discharge=True, grace_days=14)
    ask(team, "gad7", at_discharge=True, grace_days=14)
    ask(team, "dialog", at_start=True)  # not asked for at discharge
    answered(episode, "gad7", GAD7_MODERATE, by=worker, at=days_ago(3))
    client.force_login(worker)
    body = client.get(discharge_url(episode)).content.decode()
    reminder = body.split("Outcome measures due at discharge</h2>", 1)[1].split("</div>", 1)[0]
    assert "<li>PHQ-9</li>" in reminder
    assert "GAD-7" not in reminder and "DIALOG" not in reminder
    assert "the discharge can still go ahead without them" in reminder
    href = outcomes_href(episode)
    if href is not None:
        assert f'<a href="{href}">Complete outcome measures with the person</a>' in reminder
    else:
        assert "<a " not in reminder


def test_the_reminder_is_not_a_block(client, team, episode):
    worker = key_worker_for(episode)
    ask(team, "phq9", at_discharge=True)
    client.force_login(worker)
    response = client.post(
        discharge_url(episode), {"reason": "02", "summary": "Goals reached; back at work."}
    )
    assert response.status_code == 200
    assert "Discharge summary: " + escape(episode.person.full_name) in response.content.decode()
    episode.refresh_from_db()
    assert episode.ended_at is not None


def test_no_reminder_when_nothing_is_due_at_discharge(client, team, episode):
    worker = key_worker_for(episode)
    ask(team, "phq9", at_discharge=True, grace_days=30)
    answered(episode, "phq9", PHQ9_MILD, by=worker, at=days_ago(29))
    client.force_login(worker)
    assert (
        "Outcome measures due at discharge"
        not in client.get(discharge_url(episode)).content.decode()
    )
