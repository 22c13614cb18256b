"""Only GET, HEAD and POST reach a view; a method that changes nothing is never audited as a
change."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.access import wanted_action
from alongside.sharing.models import AccessEvent, Action, Part
from alongside.sharing.services import record_consent

pytestmark = pytest.mark.django_db


@pytest.fixture
def consent_form(client):
    """A key worker signed in, and the address of a form that changes a person's record."""
    keyworker = MembershipFactory(role=Role.PRACTITIONER)
    person = PersonFactory()
    record_consent(
        person=person,
        organisation=keyworker.team.organisation,
        parts=[Part.PLAN],
        method="spoken",
        recorded_by=UserFactory(),
    )
    # Consent is a lawful basis only (ADR-009): the key worker's team leads the person's care.
    from alongside.care.tests.factories import EpisodeFactory

    EpisodeFactory(person=person, lead_team=keyworker.team)
    client.force_login(keyworker.user)
    return reverse("sharing:record-consent", kwargs={"person_id": person.pk}), person


@pytest.mark.parametrize("method", ["options", "trace", "put", "patch", "delete"])
def test_other_methods_are_refused_before_any_view_and_leave_no_audit_row(
    client, consent_form, method
):
    url, person = consent_form
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, POST"
    assert not AccessEvent.objects.filter(person_id=person.pk).exists()


def test_a_refused_method_still_carries_the_security_headers(client, consent_form):
    url, _person = consent_form
    response = client.options(url)
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response["Content-Security-Policy"]


def test_get_and_post_are_answered_as_before(client, consent_form):
    url, person = consent_form
    assert client.get(url).status_code == 200
    assert client.head(url).status_code == 200
    assert client.post(url, {}).status_code == 200  # the form, with its errors
    actions = list(
        AccessEvent.objects.filter(person_id=person.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [Action.VIEW, Action.VIEW, Action.CHANGE]


@pytest.mark.parametrize("method", ["get", "head", "options", "trace"])
def test_a_safe_method_is_a_look_whatever_the_view_does(method):
    request = getattr(RequestFactory(), method)("/people/1/")
    assert wanted_action(request, Action.CHANGE) == Action.VIEW


def test_an_unsafe_method_is_the_views_action_and_an_export_is_always_an_export():
    factory = RequestFactory()
    assert wanted_action(factory.post("/people/1/"), Action.CHANGE) == Action.CHANGE
    assert wanted_action(factory.get("/people/1/"), Action.EXPORT) == Action.EXPORT
