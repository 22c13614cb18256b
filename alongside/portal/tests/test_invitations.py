"""Invitations to the portal: made by the care team, used once within 7 days after the person
confirms their date of birth, withdrawn by the team or by 5 wrong dates of birth."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
import time_machine
from django.core import mail
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.tests.factories import EpisodeFactory, key_worker_for
from alongside.organisations.models import OrganisationKind, Role
from alongside.organisations.tests.factories import (
    PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
)
from alongside.people.tests.factories import PersonFactory
from alongside.portal import services
from alongside.portal.models import InvitationStatus, PortalInvitation
from alongside.sharing.models import AccessEvent, Action, Basis, Consent, ConsentMethod, Part

pytestmark = pytest.mark.django_db

BORN = dt.date(1984, 3, 15)
NEW_PASSWORD = "lantern orchard biscuit"


@pytest.fixture
def episode():
    person = PersonFactory(
        given_name="Sam", family_name="Okafor", date_of_birth=BORN, email="sam@example.org"
    )
    return EpisodeFactory(person=person)


@pytest.fixture
def key_worker(episode):
    return key_worker_for(episode, user__first_name="Priya", user__last_name="Shah")


def invite_url(person):
    return reverse("portal:invite", kwargs={"person_id": person.pk})


def make_link(client, key_worker, person, **data) -> str:
    client.force_login(key_worker)
    response = client.post(invite_url(person), data)
    assert response.status_code == 200
    html = response.content.decode()
    return re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"', html).group(1)


def birth_date(day: dt.date) -> dict[str, str]:
    return {
        "date_of_birth-day": str(day.day),
        "date_of_birth-month": str(day.month),
        "date_of_birth-year": str(day.year),
    }


def account(username="sam.okafor", password=NEW_PASSWORD, again=None) -> dict[str, str]:
    return {"username": username, "password": password, "password_again": again or password}


# --- Making and withdrawing ---------------------------------------------------------------------


def test_the_key_worker_makes_a_link_shown_once_and_stored_only_as_a_hash(
    client, episode, key_worker
):
    client.force_login(key_worker)
    html = client.get(invite_url(episode.person)).content.decode()
    assert "Make an invitation link" in html and "Also email the link to sam@example.org" in html
    link = make_link(client, key_worker, episode.person)
    token = link.rsplit("/", 2)[-2]
    assert link.startswith("http://testserver/portal/join/") and len(token) >= 40
    invitation = PortalInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(PortalInvitation.objects.values().get())
    assert invitation.created_by == key_worker and invitation.person == episode.person
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    assert invitation.status == InvitationStatus.OUTSTANDING
    event = AccessEvent.objects.filter(user=key_worker).latest("id")
    assert (event.part, event.action, event.allowed) == (Part.SHARING, Action.CHANGE, True)
    # Shown once: the page afterwards lists it, without the link.
    html = client.get(invite_url(episode.person)).content.decode()
    assert token not in html and "Invitations waiting to be used" in html
    assert mail.outbox == []


def test_the_link_can_be_emailed_to_the_person(
    client, episode, key_worker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        link = make_link(client, key_worker, episode.person, email="on")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["sam@example.org"] and link in mail.outbox[0].body
    assert PortalInvitation.objects.get().emailed_at is not None


def test_a_new_link_stops_the_earlier_one(client, episode, key_worker):
    first = make_link(client, key_worker, episode.person)
    second = make_link(client, key_worker, episode.person)
    assert PortalInvitation.objects.outstanding().count() == 1
    client.logout()
    response = client.get(first)
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()
    assert client.get(second).status_code == 302


def test_the_key_worker_withdraws_an_invitation(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    invitation = PortalInvitation.objects.get()
    response = client.post(invite_url(episode.person), {"withdraw": invitation.pk})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.WITHDRAWN
    assert invitation.withdrawn_by == key_worker
    html = client.get(invite_url(episode.person)).content.decode()
    assert "Earlier invitations" in html and "Withdrawn by the care team" in html
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "This invitation link has been withdrawn" in response.content.decode()


def test_withdrawing_something_that_is_not_this_persons_invitation_does_nothing(
    client, episode, key_worker
):
    other = EpisodeFactory()
    made = services.create_invitation(person=other.person, by=key_worker_for(other))
    make_link(client, key_worker, episode.person)
    for junk in (made.invitation.pk, "x", "", "1e3"):
        response = client.post(invite_url(episode.person), {"withdraw": junk})
        assert response.status_code == 302, junk
    assert PortalInvitation.objects.outstanding().count() == 2


def test_only_the_care_team_may_invite(client, episode, key_worker):
    # A voluntary sector coordinator triaging a referral for the person, and the person
    # themself, may see the page (their basis allows it) but not make a link.
    from alongside.referrals.tests.factories import ReferralFactory

    charity = OrganisationFactory(kind=OrganisationKind.VCSE)
    membership = MembershipFactory(role=Role.COORDINATOR, team__organisation=charity)
    partner = membership.user
    ReferralFactory(person=episode.person, team=membership.team)
    Consent.objects.create(
        person=episode.person,
        organisation=charity,
        parts=["plan"],
        method=ConsentMethod.SPOKEN,
        recorded_by=key_worker,
        starts_on=dt.date(2025, 1, 1),
    )
    client.force_login(partner)
    response = client.post(invite_url(episode.person), {})
    assert response.status_code == 200
    assert "Only the person's key worker or care team" in response.content.decode()
    stranger = MembershipFactory(role=Role.PRACTITIONER).user
    client.force_login(stranger)
    assert client.get(invite_url(episode.person)).status_code == 404
    assert not PortalInvitation.objects.exists()


def test_a_person_who_has_an_account_is_invited_only_to_choose_a_new_password(
    client, episode, key_worker
):
    episode.person.user = UserFactory()
    episode.person.save()
    client.force_login(key_worker)
    html = client.post(invite_url(episode.person), {}).content.decode()
    assert "Sam Okafor has a portal account" in html
    assert "then to choose a new password" in html
    assert PortalInvitation.objects.get().for_account == episode.person.user


# --- Using the link -----------------------------------------------------------------------------


def test_the_person_confirms_their_birth_date_and_makes_their_account(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    response = client.get(link)
    assert response.status_code == 302 and response.url == reverse("portal:join")
    html = client.get(response.url).content.decode()
    assert "What is your date of birth?" in html
    response = client.post(reverse("portal:join"), birth_date(BORN))
    assert response.status_code == 302
    html = client.get(reverse("portal:join")).content.decode()
    assert "Choose a username and password" in html and "Thank you, Sam" in html
    response = client.post(reverse("portal:join"), account())
    assert response.status_code == 302 and response.url == reverse("portal:home")

    user = User.objects.get(username="sam.okafor")
    episode.person.refresh_from_db()
    assert episode.person.user == user
    assert user.check_password(NEW_PASSWORD) and user.password.startswith("argon2")
    assert (user.first_name, user.last_name, user.email) == ("Sam", "Okafor", "sam@example.org")
    invitation = PortalInvitation.objects.get()
    assert invitation.status == InvitationStatus.USED and invitation.account == user
    event = AccessEvent.objects.filter(user=user).earliest("id")
    assert (event.part, event.action, event.basis) == (Part.DETAILS, Action.CHANGE, Basis.SELF)
    # Signed in, straight to their own pages.
    assert "Hello Sam" in client.get(reverse("portal:home")).content.decode()

    # The link works once.
    client.logout()
    response = client.get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    # And the password signs in.
    response = client.post(
        reverse("accounts:sign-in"), {"username": "sam.okafor", "password": NEW_PASSWORD}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (account(password="short"), "Password must be 12 characters or more"),
        (account(password="123456789012345"), "Password must include letters"),
        (account(password="password12345"), "Password is too common"),
        (account(password="sam.okafor.okafor"), "Password must not be like your username"),
        (account(again="something else entirely"), "Passwords do not match"),
        (account(username="sam okafor!"), "Username can only include letters, numbers"),
        (account(username="sa"), "Username must be 3 characters or more"),
        ({"username": "", "password": "", "password_again": ""}, "Enter a username"),
    ],
)
def test_the_account_must_follow_the_rules(client, episode, key_worker, data, message):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    client.post(reverse("portal:join"), birth_date(BORN))
    response = client.post(reverse("portal:join"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in html and message in html
    episode.person.refresh_from_db()
    assert episode.person.user is None
    assert PortalInvitation.objects.get().status == InvitationStatus.OUTSTANDING


def test_a_username_already_taken_is_refused(client, episode, key_worker):
    UserFactory(username="Sam.Okafor")
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    client.post(reverse("portal:join"), birth_date(BORN))
    html = client.post(reverse("portal:join"), account()).content.decode()
    assert "This username is taken" in html


def test_the_account_step_needs_the_birth_date_first(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    response = client.post(reverse("portal:join"), account())
    assert "What is your date of birth?" in response.content.decode()
    assert not User.objects.filter(username="sam.okafor").exists()


def test_five_wrong_birth_dates_withdraw_the_invitation(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    for tries_left in (4, 3, 2, 1):
        html = client.post(reverse("portal:join"), birth_date(dt.date(1985, 3, 15))).content
        html = html.decode()
        assert "does not match" in html
        assert f"({tries_left} {'try' if tries_left == 1 else 'tries'} left)" in html
    response = client.post(reverse("portal:join"), birth_date(dt.date(1985, 3, 15)))
    assert response.status_code == 410
    assert "This invitation link no longer works" in response.content.decode()
    invitation = PortalInvitation.objects.get()
    assert invitation.status == InvitationStatus.WITHDRAWN and invitation.wrong_birth_dates == 5
    # The right date now does nothing, from the same browser or from the link again.
    assert client.post(reverse("portal:join"), birth_date(BORN)).status_code == 404
    assert client.get(link).status_code == 410


def test_a_birth_date_that_is_not_a_date_is_an_error_not_a_try(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    html = client.post(
        reverse("portal:join"), birth_date(BORN) | {"date_of_birth-month": "13"}
    ).content.decode()
    assert "Date of birth must be a real date" in html
    assert PortalInvitation.objects.get().wrong_birth_dates == 0


def test_an_expired_link_gets_a_clear_page(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    with time_machine.travel(timezone.now() + dt.timedelta(days=7, minutes=1)):
        response = client.get(link)
    assert response.status_code == 410
    assert "This invitation link has expired" in response.content.decode()


def test_a_link_that_expires_midway_stops_working(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    client.get(link)
    client.post(reverse("portal:join"), birth_date(BORN))
    PortalInvitation.objects.update(expires_at=F("created_at") + dt.timedelta(minutes=1))
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2)):
        response = client.post(reverse("portal:join"), account())
    assert response.status_code == 410
    assert not User.objects.filter(username="sam.okafor").exists()


def test_an_unknown_link_gets_a_clear_page(client):
    response = client.get(reverse("portal:join-link", kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()
    assert client.get(reverse("portal:join")).status_code == 404


def test_someone_signed_in_is_asked_to_sign_out_first(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    html = client.get(link).content.decode()
    assert "Sign out to use this invitation" in html


def test_a_person_who_got_an_account_another_way_is_offered_sign_in(client, episode, key_worker):
    link = make_link(client, key_worker, episode.person)
    client.logout()
    episode.person.user = UserFactory()
    episode.person.save()
    html = client.get(link).content.decode()
    assert "You already have an account" in html and reverse("portal:sign-in") in html


def test_the_service_refuses_a_second_account_for_one_person(episode, key_worker):
    made = services.create_invitation(person=episode.person, by=key_worker)
    services.accept_invitation(invitation=made.invitation, username="first", password=PASSWORD)
    again = PortalInvitation.objects.create(
        person=episode.person,
        token_hash="0" * 64,
        created_by=key_worker,
        expires_at=timezone.now() + dt.timedelta(days=1),
    )
    with pytest.raises(services.AlreadyHasAccount):
        services.accept_invitation(invitation=again, username="second", password=PASSWORD)
    assert not User.objects.filter(username="second").exists()
