"""The client's address: X-Forwarded-For believed only from a trusted proxy, right to left."""

import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory
from django.urls import reverse

from alongside.core.addresses import client_address, parse_networks
from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.models import AccessEvent, Part
from alongside.sharing.services import record_consent

PROXY = "10.0.0.2"


def address(remote: str, forwarded: str | None = None) -> str | None:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_address(RequestFactory().get("/", **extra))


@pytest.fixture
def behind_proxies(settings):
    settings.ALONGSIDE_TRUSTED_PROXIES = ["10.0.0.0/8", "2001:db8::1"]


def test_without_trusted_proxies_the_header_is_never_read(settings):
    settings.ALONGSIDE_TRUSTED_PROXIES = []
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"
    assert address("198.51.100.7") == "198.51.100.7"


def test_a_header_from_a_peer_that_is_not_a_trusted_proxy_is_ignored(behind_proxies):
    assert address("198.51.100.7", "203.0.113.9") == "198.51.100.7"
    assert address("198.51.100.7", "10.0.0.9") == "198.51.100.7"


def test_through_a_trusted_proxy_the_client_is_the_right_most_untrusted_address(behind_proxies):
    assert address(PROXY, "203.0.113.9") == "203.0.113.9"
    # Whatever the client wrote itself sits further left and is not read.
    assert address(PROXY, "192.0.2.66, 203.0.113.9") == "203.0.113.9"
    assert address(PROXY, "10.0.0.66, 203.0.113.9") == "203.0.113.9"
    # Two trusted proxies in a row are passed over.
    assert address(PROXY, "192.0.2.66, 203.0.113.9, 10.1.2.3") == "203.0.113.9"


def test_ports_brackets_and_mapped_addresses_are_read(behind_proxies):
    assert address(PROXY, "203.0.113.9:51234") == "203.0.113.9"
    assert address(PROXY, "[2001:db8::42]:443") == "2001:db8::42"
    assert address("2001:db8::1", "2001:db8::42") == "2001:db8::42"
    assert address("::ffff:10.0.0.2", "203.0.113.9") == "203.0.113.9"


def test_what_is_no_address_stops_the_reading_at_the_nearest_trusted_proxy(behind_proxies):
    assert address(PROXY, "203.0.113.9, unknown") == PROXY
    assert address(PROXY, "") == PROXY
    assert address(PROXY) == PROXY
    assert address(PROXY, "10.0.0.7") == "10.0.0.7"  # nothing but proxies: the farthest
    assert address("") is None


def test_a_mistyped_proxy_is_refused_by_name():
    assert [str(n) for n in parse_networks(["10.0.0.0/8", " 192.0.2.7 ", ""])] == [
        "10.0.0.0/8",
        "192.0.2.7/32",
    ]
    with pytest.raises(ImproperlyConfigured, match=re.escape("'10.0.0.300'")):
        parse_networks(["10.0.0.300"])


@pytest.mark.django_db
def test_the_audit_keeps_the_clients_address_not_the_proxys(client, behind_proxies):
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
    url = reverse("sharing:consents", kwargs={"person_id": person.pk})
    assert client.get(url, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200
    assert (
        client.get(url, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code
        == 200
    )
    seen = AccessEvent.objects.filter(person_id=person.pk).order_by("id")
    assert [e.ip_address for e in seen] == ["203.0.113.9", "198.51.100.7"]
