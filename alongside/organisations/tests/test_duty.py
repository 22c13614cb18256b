"""The team's duty rota: set by the team lead, for someone who works with people in the team."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from alongside.organisations import queries, services
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, TeamFactory

pytestmark = pytest.mark.django_db


def test_the_team_lead_sets_the_duty_worker_and_only_the_team_lead():
    team = TeamFactory()
    lead = MembershipFactory(team=team, role=Role.TEAM_LEAD).user
    worker = MembershipFactory(team=team, role=Role.COORDINATOR).user
    practitioner = MembershipFactory(team=team).user
    supervisor = MembershipFactory(team=team, role=Role.SUPERVISOR).user
    outsider = MembershipFactory().user
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.set_duty(team=team, user=worker, starts_on=today, ends_on=today, by=supervisor)
    with pytest.raises(ValidationError) as refused:
        services.set_duty(team=team, user=outsider, starts_on=today, ends_on=today, by=lead)
    assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:  # the duty worker triages escalations
        services.set_duty(team=team, user=practitioner, starts_on=today, ends_on=today, by=lead)
    assert "user" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.set_duty(
            team=team, user=worker, starts_on=today, ends_on=today - dt.timedelta(1), by=lead
        )
    services.set_duty(team=team, user=worker, starts_on=today, ends_on=today, by=lead)
    assert list(queries.duty_workers(team, today)) == [worker]
    assert not queries.duty_workers(team, today + dt.timedelta(days=1)).exists()


def test_the_duty_rota_page(client):
    team = TeamFactory(name="Riverside CMHT")
    lead = MembershipFactory(team=team, role=Role.TEAM_LEAD).user
    worker = MembershipFactory(
        team=team, role=Role.COORDINATOR, user__first_name="Dee", user__last_name="Duty"
    ).user
    page = reverse("organisations:duty-rota", kwargs={"team_id": team.pk})
    client.force_login(MembershipFactory(role=Role.TEAM_LEAD).user)  # leads another team
    assert client.get(page).status_code == 403
    client.force_login(lead)
    today = timezone.localdate()
    reply = client.post(
        page,
        {
            "user": worker.pk,
            "starts_on-day": today.day,
            "starts_on-month": today.month,
            "starts_on-year": today.year,
            "ends_on-day": today.day,
            "ends_on-month": today.month,
            "ends_on-year": today.year,
        },
    )
    assert reply.status_code == 302
    assert "Dee Duty" in client.get(page).content.decode()
    shift = queries.duty_rota(team, from_day=today).get()
    client.post(page, {"end": shift.pk})
    assert not queries.duty_workers(team, today).exists()
