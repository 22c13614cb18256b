"""A person who has lost their password and cannot get a code is sent a new invitation by
their care team, and chooses a new password themselves: nobody else ever sets it."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from alongside.accounts.models import User
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.people.tests.factories import PersonFactory
from alongside.portal import services
from alongside.portal.models import PortalInvitation, SignInCode
from alongside.portal.tests.test_invitations import BORN, NEW_PASSWORD, birth_date, make_link
from alongside.sharing.models import AccessEvent, Action, Basis

pytestmark = pytest.mark.django_db

OLD_PASSWORD = "kettle meadow lantern"
CHOSEN = "harbour violet pancake"


@pytest.fixture
def episode():
    return EpisodeFactory(
        person=PersonFactory(given_name="Sam", date_of_birth=BORN, email="sam@example.org")
    )


@pytest.fixture
def key_worker(episode):
    return key_worker_for(episode)


@pytest.fixture
def with_account(episode):
    person = episode.person
    made = services.create_invitation(person=person, by=User.objects.create(username="kw0"))
    user = services.accept_invitation(
        invitation=made.invitation, username="sam.okafor", password=OLD_PASSWORD
    )
    user.email = "sam.account@example.org"
    user.save()
    return person, user


def test_the_care_team_makes_a_new_password_link_and_the_account_is_told(
    client,
    with_account,
    key_worker,
    django_capture_on_commit_callbacks,
):
    person, user = with_account
    client.force_login(key_worker)
    page = client.get(reverse("portal:invite", kwargs={"person_id": person.pk})).content.decode()
    assert "Make a link to choose a new password" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        link = make_link(client, key_worker, person)
    invitation = PortalInvitation.objects.get(for_account=user)
    assert invitation.is_usable
    told = [m for m in mail.outbox if m.to == ["sam.account@example.org"]]
    assert len(told) == 1 and "new password" in told[0].body
    assert link.startswith("http")
    # The old password still works until the link is used.
    assert Client().login(username="sam.okafor", password=OLD_PASSWORD)


def test_the_person_chooses_a_new_password_and_every_other_way_in_ends(
    client,
    with_account,
    key_worker,
    django_capture_on_commit_callbacks,
):
    person, user = with_account
    elsewhere = Client()
    assert elsewhere.login(username="sam.okafor", password=OLD_PASSWORD)
    assert elsewhere.get(reverse("portal:home")).status_code == 200
    code = services.send_sign_in_code(user=user)
    link = make_link(client, key_worker, person)
    client.logout()
    client.get(link)
    page = client.post(reverse("portal:join"), birth_date(BORN))
    assert page.status_code == 302
    form = client.get(reverse("portal:join")).content.decode()
    assert "Choose a new password" in form and "sam.okafor" in form
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("portal:join"), {"password": CHOSEN, "password_again": CHOSEN})
    assert done.status_code == 302 and done.url == reverse("portal:home")
    user.refresh_from_db()
    assert user.check_password(CHOSEN) and not user.check_password(OLD_PASSWORD)
    assert User.objects.filter(pk=user.pk).count() == 1
    assert PortalInvitation.objects.get(for_account=user).account == user
    code.refresh_from_db()
    assert code.voided_at is not None
    # The session signed in with the old password has ended.
    assert elsewhere.get(reverse("portal:home")).status_code == 302
    assert any("password was changed" in m.subject.lower() for m in mail.outbox)
    event = AccessEvent.objects.filter(user=user, route="portal:join").latest("id")
    assert (event.action, event.basis, event.allowed) == (Action.CHANGE, Basis.SELF, True)


def test_a_weak_new_password_is_refused_and_nothing_changes(client, with_account, key_worker):
    person, user = with_account
    link = make_link(client, key_worker, person)
    client.logout()
    client.get(link)
    client.post(reverse("portal:join"), birth_date(BORN))
    response = client.post(reverse("portal:join"), {"password": "sam", "password_again": "sam"})
    assert response.status_code == 200
    assert "12 characters or more" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)
    assert PortalInvitation.objects.get(for_account=user).is_usable


def test_a_new_password_link_never_makes_a_second_account(with_account, key_worker):
    person, _user = with_account
    made = services.create_invitation(person=person, by=key_worker)
    with pytest.raises(services.InvitationUnusable):
        services.accept_invitation(
            invitation=made.invitation, username="someone.else", password=NEW_PASSWORD
        )
    assert not User.objects.filter(username="someone.else").exists()


def test_a_link_for_an_account_no_longer_the_persons_is_refused(
    client,
    with_account,
    key_worker,
):
    person, user = with_account
    link = make_link(client, key_worker, person)
    person.user = User.objects.create(username="another.account")
    person.save()
    client.logout()
    html = client.get(link).content.decode()
    assert "You already have an account" in html
    made = PortalInvitation.objects.get(for_account=user)
    with pytest.raises(services.InvitationUnusable):
        services.choose_new_password(invitation=made, password=CHOSEN)
    user.refresh_from_db()
    assert user.check_password(OLD_PASSWORD)
    assert not SignInCode.objects.filter(user=user, voided_at__isnull=False).exists()
