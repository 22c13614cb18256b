"""The person's own instant copy of their record holds what their portal shows them, and
nothing the portal hides: notes kept to an organisation or to the care team, supervision
discussions, referral letters, or anyone else's data."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from alongside.portal.tests.factories import person_in_care
from alongside.sharing.models import AccessEvent, Action, Basis

pytestmark = pytest.mark.django_db


def _copy(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    return response.content.decode()


def test_the_instant_copy_leaves_out_what_the_portal_hides(client):
    scene = person_in_care("A")
    other = person_in_care("B", username="person-b")
    client.force_login(scene.user)
    text = _copy(client, reverse("portal:own-copy"))
    document = json.loads(text)
    assert scene.texts["shared_note"] in text
    assert scene.texts["goal"] in text and scene.texts["about_me"] in text
    assert scene.texts["plan_note"] in text
    assert scene.texts["team_note"] not in text  # the care team's note
    assert scene.texts["org_note"] not in text  # the organisation kept it to itself
    for hidden in other.texts.values():
        assert hidden not in text
    assert "referrals" not in document and "supervision_discussions" not in document
    assert "history_of_changes" not in document
    event = AccessEvent.objects.filter(user=scene.user).order_by("-id").first()
    assert (event.action, event.basis, event.allowed) == (Action.EXPORT, Basis.SELF, True)


def test_the_instant_copy_has_the_contacts_the_portal_lists_with_only_the_shared_note(client):
    scene = person_in_care("A")
    client.force_login(scene.user)
    document = json.loads(_copy(client, reverse("portal:own-copy")))
    notes = sorted(c["note"] for c in document["contacts"])
    assert len(document["contacts"]) == 4
    assert notes == ["", "", "", scene.texts["shared_note"]]


def test_the_staff_export_of_the_record_is_not_the_persons_door(client):
    """The person's copy comes from the portal only: the staff page that exports a record,
    typed with their own record's number, is a page that does not exist for them."""
    scene = person_in_care("A")
    client.force_login(scene.user)
    url = reverse("sharing:export", kwargs={"person_id": scene.person.pk})
    assert client.get(url).status_code == 404
    assert not AccessEvent.objects.filter(user=scene.user, action=Action.EXPORT, allowed=True)
