"""Risk reaches the right person: the self-referral's risk question and what it does, urgency on
staff referrals, the worklist order, escalation when a referral is not triaged in time, changing
urgency with a reason, and safe allocation on acceptance."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alongside.directory.tests import factories as directory
from alongside.organisations.models import Role, TeamType
from alongside.organisations.services import set_duty
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory
from alongside.people.tests.factories import PersonFactory
from alongside.referrals import services
from alongside.referrals.models import Referral, State, Transition, Urgency, describe_response_time
from alongside.referrals.tests.factories import ReferralFactory, coordinator_for
from alongside.referrals.tests.test_self_referral import (  # noqa: F401 - fixtures
    ANSWERS,
    answer,
    answer_all,
    locality,
    send,
    text,
    triage_team,
    url,
)

pytestmark = pytest.mark.django_db

CRISIS_WORDS = "I have been cutting myself and last night I thought about ending my life"


def crisis_needs():
    return [
        directory.service("Crisis Cafe", needs=("Crisis",)).taxonomy_terms.get(name="Crisis"),
        directory.service("Harm Reduction", needs=("Self-harm",)).taxonomy_terms.get(
            name="Self-harm"
        ),
    ]


# --- The self-referral -------------------------------------------------------------------------


@pytest.mark.usefixtures("triage_team")
def test_the_crisis_self_referral_comes_in_urgent_with_the_reason_and_the_help_now(client):
    needs = crisis_needs()
    answer_all(
        client,
        **{
            "what-is-going-on": {"concerns": CRISIS_WORDS, "needs": [str(n.pk) for n in needs]},
            "your-safety": {"self_harm_thoughts": "yes", "safe_now": "yes"},
        },
    )
    assert send(client).status_code == 302
    referral = Referral.objects.get()
    assert referral.urgency == Urgency.URGENT
    assert "Crisis, Self-harm" in referral.urgency_reason
    assert "“end my life”" in referral.urgency_reason
    assert "thoughts of self-harm" in referral.urgency_reason
    assert referral.due_at == referral.received_at + dt.timedelta(hours=24)

    page = text(client.get(url("sent")))
    assert page.index("999") < page.index(referral.reference)  # the help comes first
    for shown in ("NHS 111", "option 2", "Samaritans", "116 123", "crisis line", "0808 157 0000"):
        assert shown in page
    assert "a few working days" not in page
    assert "within 24 hours" in page
    assert "flag" not in page.lower()  # never told their words were picked out


@pytest.mark.usefixtures("triage_team")
def test_the_words_alone_make_a_self_referral_urgent(client):
    answer_all(client, **{"what-is-going-on": {"concerns": "I don't want to be here anymore."}})
    send(client)
    assert Referral.objects.get().urgency == Urgency.URGENT
    assert "a few working days" not in text(client.get(url("sent")))


@pytest.mark.usefixtures("triage_team")
def test_not_safe_now_sends_it_in_as_an_emergency(client):
    answer_all(client, **{"your-safety": {"self_harm_thoughts": "yes", "safe_now": "no"}})
    send(client)
    referral = Referral.objects.get()
    assert (referral.urgency, referral.self_harm_thoughts, referral.safe_now) == (
        Urgency.EMERGENCY,
        "yes",
        "no",
    )


@pytest.mark.usefixtures("triage_team")
def test_a_self_referral_with_no_risk_stays_routine_and_says_a_few_days(client):
    answer_all(client)
    send(client)
    assert Referral.objects.get().urgency == Urgency.ROUTINE
    sent = text(client.get(url("sent")))
    # The routine response the site promises (days, not the hours of an urgent one).
    assert f"aims to decide what happens next {describe_response_time(Urgency.ROUTINE)}" in sent
    assert "This is not an emergency service" in sent


@pytest.mark.usefixtures("triage_team")
def test_the_unanswered_question_is_asked_again_once_gently_and_may_be_skipped(client):
    for step in ("about-you", "where-you-live", "contact", "what-is-going-on"):
        answer(client, step)
    first = client.post(url("your-safety"), {})
    assert first.status_code == 200
    html = first.content.decode()
    assert "You do not have to" in html
    assert "nhsuk-error-summary" not in html
    assert "<title>Error" not in html
    assert 'name="asked_again"' in html
    second = client.post(url("your-safety"), {"asked_again": "True"})
    assert second["Location"] == url("communication")
    # Nothing typed before is lost.
    kept = client.session["self_referral"]["answers"]
    assert kept["what-is-going-on"]["concerns"] == [ANSWERS["what-is-going-on"]["concerns"]]


# --- Staff referrals, the worklist, escalation --------------------------------------------------


def test_a_staff_referral_that_is_urgent_needs_the_reason():
    team = TeamFactory()
    MembershipFactory(role=Role.COORDINATOR, team=team)
    gp = MembershipFactory().user
    fields = {
        "given_name": "Ada",
        "family_name": "Moss",
        "date_of_birth": dt.date(1980, 1, 1),
        "concerns": "Flashbacks after an assault",
        "team": team,
    }
    with pytest.raises(ValidationError) as refused:
        services.refer(by=gp, urgency=Urgency.URGENT, **fields)
    assert "urgency_reason" in refused.value.message_dict
    made = services.refer(by=gp, urgency=Urgency.URGENT, urgency_reason="Not sleeping", **fields)
    assert made.due_at - made.received_at == dt.timedelta(hours=24)


def test_the_worklist_puts_urgent_first_with_a_tag_and_the_time_left(client):
    old = ReferralFactory(received_at=timezone.now() - dt.timedelta(days=20))
    urgent = ReferralFactory(team=old.team, urgency=Urgency.URGENT)
    emergency = ReferralFactory(team=old.team, urgency=Urgency.EMERGENCY)
    client.force_login(coordinator_for(old))
    html = client.get(reverse("referrals:worklists")).content.decode()
    positions = [html.index(r.reference) for r in (emergency, urgent, old)]
    assert positions == sorted(positions)
    page = text(client.get(reverse("referrals:worklists")))
    assert f"{emergency.reference} Emergency" in page and f"{urgent.reference} Urgent" in page
    assert f"{old.reference} Routine" not in page
    assert "3 hours left" in page and "23 hours left" in page


def test_a_referral_not_triaged_in_time_is_escalated_to_the_team_lead_and_duty_worker(client):
    referral = ReferralFactory(urgency=Urgency.URGENT)
    lead = MembershipFactory(role=Role.TEAM_LEAD, team=referral.team).user
    duty = MembershipFactory(role=Role.COORDINATOR, team=referral.team).user
    other = MembershipFactory(role=Role.PRACTITIONER, team=referral.team).user
    today = timezone.localdate()
    set_duty(
        team=referral.team, user=duty, starts_on=today, ends_on=today + dt.timedelta(3), by=lead
    )

    call_command("escalate")
    assert Referral.objects.get(pk=referral.pk).escalated_at is None
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        call_command("escalate")  # the scheduled job: nobody opened a page
        call_command("escalate")  # escalated once only
        referral.refresh_from_db()
        assert referral.escalated_at is not None
        assert Transition.objects.filter(referral=referral, name="escalate").count() == 1
        for user, sees in ((lead, True), (duty, True), (other, False)):
            client.force_login(user)
            page = client.get(reverse("home")).content.decode()
            assert (referral.reference in page) is sees, user
            assert ("not triaged in time" in page) is sees


def test_escalation_also_runs_when_the_worklist_is_opened(client):
    referral = ReferralFactory(urgency=Urgency.EMERGENCY)
    coordinator = coordinator_for(referral)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=5)):
        client.force_login(coordinator)
        assert client.get(reverse("referrals:worklists")).status_code == 200
    assert Referral.objects.get(pk=referral.pk).escalated_at is not None


def test_the_coordinator_changes_urgency_with_a_reason_and_every_change_is_kept(client):
    referral = ReferralFactory()
    client.force_login(coordinator_for(referral))
    page = reverse("referrals:change-urgency", kwargs={"referral_id": referral.pk})
    refused = client.post(page, {"version": referral.version, "urgency": "urgent", "reason": ""})
    assert refused.status_code == 200
    assert Referral.objects.get(pk=referral.pk).urgency == Urgency.ROUTINE
    client.post(page, {"version": 1, "urgency": "urgent", "reason": "GP rang: worse today"})
    client.post(page, {"version": 2, "urgency": "routine", "reason": "Spoke to them: settled"})
    referral.refresh_from_db()
    assert referral.urgency == Urgency.ROUTINE
    changes = list(
        Transition.objects.filter(referral=referral, name="change_urgency").values_list(
            "reason", flat=True
        )
    )
    assert changes == [
        "Routine to urgent: GP rang: worse today",
        "Urgent to routine: Spoke to them: settled",
    ]
    history = referral.events.order_by("pgh_id").values_list("urgency", flat=True)
    assert list(history)[-2:] == ["urgent", "routine"]


# --- Safe allocation -------------------------------------------------------------------------


def in_triage() -> Referral:
    return ReferralFactory(person=PersonFactory(), state=State.IN_TRIAGE)


def test_acceptance_into_a_corporate_team_is_refused():
    referral = in_triage()
    governance = TeamFactory(name="Information Governance", team_type=TeamType.OTHER)
    with pytest.raises(ValidationError) as refused:
        services.accept_referral(referral=referral, team=governance, by=coordinator_for(referral))
    assert "does not provide care" in str(refused.value)
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRIAGE


def test_the_accept_page_offers_care_teams_only_and_the_key_workers_of_the_team_chosen(client):
    referral = in_triage()
    governance = TeamFactory(name="Information Governance", team_type=TeamType.OTHER)
    cmht = TeamFactory(name="Riverside CMHT")
    mine = MembershipFactory(team=cmht, user__first_name="Nia", user__last_name="Okoro").user
    MembershipFactory(team=cmht, role=Role.TEAM_LEAD, user=mine)  # two roles, listed once
    elsewhere = MembershipFactory(user__first_name="Zed", user__last_name="Far").user
    client.force_login(coordinator_for(referral))
    page = reverse("referrals:accept", kwargs={"referral_id": referral.pk})

    html = client.get(page).content.decode()
    assert "Riverside CMHT" in html and "Information Governance" not in html
    assert "Nia Okoro" not in html  # no team chosen yet: nobody listed

    # Without script: "Show key workers for this team" draws the page again.
    shown = client.post(
        page, {"version": 1, "team": cmht.pk, "reason": "kept", "show_key_workers": "1"}
    ).content.decode()
    assert shown.count("Nia Okoro") == 1 and "Zed Far" not in shown
    assert "caseload 0" in shown and "kept" in shown
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRIAGE

    # With HTMX: only the key-worker field comes back.
    partial = client.post(
        page, {"version": 1, "team": cmht.pk}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert partial.lstrip().startswith('<div id="key-worker-field">')
    assert "Nia Okoro" in partial and "<html" not in partial

    # Sending a key worker from another team, or a corporate team, is refused.
    wrong = client.post(page, {"version": 1, "team": cmht.pk, "key_worker": elsewhere.pk})
    assert "Choose a key worker who works in the team" in wrong.content.decode()
    corporate = client.post(page, {"version": 1, "team": governance.pk})
    assert "cannot accept referrals" in corporate.content.decode()
    assert Referral.objects.get(pk=referral.pk).state == State.IN_TRIAGE
