"""Risk answers reach a person, not just a tag: a PHQ-9 answered in the portal with question 9
above 0, and a note the person marks as urgent, go to the key worker's home page and caseload
with what was said and when; unacted in time, to the duty worker and the team lead. Only a
practitioner records what was done; the person gets 404 on those pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from alongside.care import services as care_services
from alongside.care.models import RiskFlag, RiskSource
from alongside.care.tests.factories import practitioner_in, team_lead_of
from alongside.organisations.models import Role
from alongside.organisations.services import set_duty
from alongside.organisations.tests.factories import MembershipFactory
from alongside.outcomes import services
from alongside.outcomes.models import Response
from alongside.portal.tests.factories import person_in_care

pytestmark = pytest.mark.django_db


def answer_phq9_in_the_portal(client, scene, question_9: str = "2") -> Response:
    services.save_schedule(
        team=scene.episode.lead_team,
        measure="phq9",
        at_start=True,
        every_weeks=None,
        at_discharge=False,
        grace_days=90,
        by=scene.key_worker,
    )
    client.force_login(scene.user)
    client.post(reverse("portal:measure-start"), {"measure": "phq9"})
    response = Response.objects.filter(questionnaire__name="phq9").latest("id")
    answers = {str(n): "0" for n in range(1, 9)} | {"9": question_9}
    services.save_answers(response=response, answers=answers, by=scene.user)
    client.post(reverse("portal:measure-check", kwargs={"response_id": response.pk}))
    return Response.objects.get(pk=response.pk)


def home(client, user) -> str:
    client.force_login(user)
    return client.get(reverse("home")).content.decode()


def test_a_portal_phq9_with_question_9_above_0_reaches_the_key_worker_then_the_duty_worker(
    client,
):
    scene = person_in_care("A")
    team = scene.episode.lead_team
    lead = team_lead_of(team)
    duty = MembershipFactory(
        team=team, role=Role.COORDINATOR, user__first_name="Dee", user__last_name="Duty"
    ).user
    bystander = practitioner_in(team)
    today = timezone.localdate()
    set_duty(team=team, user=duty, starts_on=today, ends_on=today + dt.timedelta(days=1), by=lead)

    response = answer_phq9_in_the_portal(client, scene)
    flag = RiskFlag.objects.get()
    assert (flag.source, flag.source_id, flag.episode) == (
        RiskSource.MEASURE,
        response.pk,
        scene.episode,
    )
    assert "question 9" in flag.said and "More than half the days" in flag.said
    assert "answered in the portal" in flag.said

    page = home(client, scene.key_worker)
    assert "Needs you now" in page and "More than half the days" in page
    caseload = client.get(reverse("care:caseload")).content.decode()
    assert "Risk: PHQ-9 question 9" in caseload
    assert "More than half the days" in caseload
    for user in (duty, lead, bystander):
        assert "More than half the days" not in home(client, user)  # not yet escalated

    with time_machine.travel(timezone.now() + dt.timedelta(hours=5)):
        call_command("escalate")
        flag.refresh_from_db()
        assert flag.escalated_at is not None
        for user, sees in ((duty, True), (lead, True), (bystander, False)):
            page = home(client, user)
            assert ("More than half the days" in page) is sees, user
            assert ("Risk not acted on in time" in page) is sees

        # The person cannot record that it was seen: the staff page is a 404 to them.
        href = reverse("care:risk-flag", kwargs={"person_id": scene.person.pk, "flag_id": flag.pk})
        client.force_login(scene.user)
        assert client.post(href, {"action": "All fine"}).status_code == 404
        assert RiskFlag.objects.get(pk=flag.pk).acted_at is None

        # The duty worker acts on it: gone from every home page, kept with who and what.
        client.force_login(duty)
        assert (
            client.post(href, {"action": "Phoned: safe tonight, plan reviewed"}).status_code == 302
        )
        flag.refresh_from_db()
        assert (flag.acted_by, flag.action) == (duty, "Phoned: safe tonight, plan reviewed")
        for user in (duty, lead, scene.key_worker):
            assert "More than half the days" not in home(client, user)


def test_question_9_at_0_raises_nothing(client):
    scene = person_in_care("B")
    answer_phq9_in_the_portal(client, scene, question_9="0")
    assert not RiskFlag.objects.exists()


def test_a_note_the_person_marks_urgent_reaches_the_key_worker_at_once(client):
    scene = person_in_care("C")
    client.force_login(scene.user)
    reply = client.post(
        reverse("portal:notes"), {"text": "Things are bad again tonight", "urgent": "on"}
    )
    assert reply.status_code == 302
    flag = RiskFlag.objects.get()
    assert (flag.source, flag.said) == (RiskSource.PORTAL_NOTE, "Things are bad again tonight")
    assert "Things are bad again tonight" in home(client, scene.key_worker)
    client.force_login(scene.user)
    client.post(reverse("portal:notes"), {"text": "Just a note for next time"})
    assert RiskFlag.objects.count() == 1


def test_anyone_in_the_care_team_raises_a_flag_for_the_key_worker(client):
    scene = person_in_care("D")
    colleague = practitioner_in(scene.episode.lead_team)
    client.force_login(colleague)
    page = reverse("care:raise-risk", kwargs={"person_id": scene.person.pk})
    assert client.post(page, {"said": ""}).status_code == 200
    assert not RiskFlag.objects.exists()
    client.post(page, {"said": "Said on the phone she has been stockpiling tablets"})
    flag = RiskFlag.objects.get()
    assert (flag.source, flag.raised_by) == (RiskSource.PRACTITIONER, colleague)
    assert "stockpiling tablets" in home(client, scene.key_worker)


def test_what_was_done_is_needed_and_recorded_once():
    scene = person_in_care("E")
    flag = care_services.raise_risk_flag(
        episode=scene.episode, source=RiskSource.PRACTITIONER, said="Worried", by=scene.key_worker
    )
    with pytest.raises(Exception, match="Say what you did"):
        care_services.record_risk_action(flag=flag, by=scene.key_worker, action=" ")
    care_services.record_risk_action(flag=flag, by=scene.key_worker, action="Visited")
    with pytest.raises(Exception, match="already recorded"):
        care_services.record_risk_action(flag=flag, by=scene.key_worker, action="Again")
    with pytest.raises(Exception, match="Only the care team"):
        care_services.record_risk_action(flag=flag, by=scene.user, action="Seen it")


def test_a_risk_flag_and_what_was_done_are_in_the_persons_copy_of_their_record():
    from alongside.sharing.subject_access import export

    scene = person_in_care("F")
    flag = care_services.raise_risk_flag(
        episode=scene.episode, source=RiskSource.PRACTITIONER, said="Worried", by=scene.key_worker
    )
    care_services.record_risk_action(flag=flag, by=scene.key_worker, action="Rang: safe")
    [row] = export(scene.person)["risk_flags"]
    assert (row["said"], row["what_was_done"]) == ("Worried", "Rang: safe")
    assert row["acted_by"] == scene.key_worker.display_name
