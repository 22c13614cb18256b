"""Signing in to the portal with a one-time code by email: 6 digits, 10 minutes, once; 5 wrong
codes make it void (and count towards the lockout); the pages never tell whether an account
exists."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alongside.organisations.models import Role
from alongside.organisations.tests.factories import MembershipFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.portal import services
from alongside.portal.models import SignInCode

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    user = UserFactory(username="sam.okafor", email="sam@example.org")
    return PersonFactory(user=user, given_name="Sam")


@pytest.fixture
def send(client, django_capture_on_commit_callbacks):
    """Ask for a code; return the code emailed (or None)."""

    def ask(identifier: str) -> str | None:
        before = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("portal:sign-in-code"), {"identifier": identifier})
        assert response.status_code == 302
        assert response.url == reverse("portal:sign-in-code-enter")
        if len(mail.outbox) == before:
            return None
        return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)

    return ask


def enter(client, code):
    return client.post(reverse("portal:sign-in-code-enter"), {"code": code})


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def without_tokens(content: bytes) -> bytes:
    return re.sub(rb'(nonce|value)="[^"]*"', b"", content)


def test_the_right_code_signs_the_person_in(client, person, send):
    code = send("sam.okafor")
    message = mail.outbox[-1]
    assert message.to == ["sam@example.org"] and "10 minutes" in message.body
    response = enter(client, code)
    assert response.status_code == 302
    assert client.get(response.url).url == reverse("portal:home")
    assert "Hello Sam" in client.get(reverse("portal:home")).content.decode()


def test_an_email_address_works_as_well_as_a_username(client, person, send):
    code = send("SAM@example.org")
    assert enter(client, code).status_code == 302
    assert client.get(reverse("portal:home")).status_code == 200


def test_the_code_is_stored_only_as_a_keyed_hash_and_works_once(client, person, send):
    code = send("sam.okafor")
    row = SignInCode.objects.get()
    assert code not in str(SignInCode.objects.values().get())
    assert row.expires_at - row.created_at == dt.timedelta(minutes=10)
    enter(client, code)
    row.refresh_from_db()
    assert row.used_at is not None
    assert services.check_sign_in_code(code_id=row.pk, code=code).outcome is services.CodeCheck.VOID


def test_a_wrong_code_says_so_and_the_right_one_still_works(client, person, send):
    code = send("sam.okafor")
    html = enter(client, wrong(code)).content.decode()
    assert "There is a problem" in html and "Sign-in code is not correct" in html
    html = enter(client, "12ab").content.decode()
    assert "Sign-in code must be 6 numbers" in html
    assert enter(client, code).status_code == 302


def test_an_expired_code_does_not_work(client, person, send):
    code = send("sam.okafor")
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=10, seconds=1)):
        response = enter(client, code)
    assert response.status_code == 200
    assert "Your code has expired" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_five_wrong_codes_make_the_code_void(client, person, send):
    code = send("sam.okafor")
    for _ in range(4):
        assert "not correct" in enter(client, wrong(code)).content.decode()
    response = enter(client, wrong(code))
    assert response.status_code == 429  # the fifth failure also locks sign-in for a while
    row = SignInCode.objects.get()
    assert row.voided_at is not None and row.wrong_tries == 5
    assert services.check_sign_in_code(code_id=row.pk, code=code).outcome is services.CodeCheck.VOID
    assert AccessAttempt.objects.exists()
    # Even after the lockout is lifted, the code stays void.
    AccessAttempt.objects.all().delete()
    response = enter(client, code)
    assert response.status_code == 302 and response.url == reverse("portal:sign-in-code")
    assert "_auth_user_id" not in client.session


def test_a_newer_code_replaces_the_older_one(client, person, send):
    first = send("sam.okafor")
    second = send("sam.okafor")
    rows = list(SignInCode.objects.order_by("id"))
    assert rows[0].voided_at is not None and rows[1].voided_at is None
    if first != second:
        assert "not correct" in enter(client, first).content.decode()
    assert enter(client, second).status_code == 302


def test_no_more_than_three_codes_are_sent_in_fifteen_minutes(client, person, send):
    codes = [send("sam.okafor") for _ in range(4)]
    assert codes[3] is None and len(mail.outbox) == 3
    assert enter(client, codes[2]).status_code == 302  # the newest code still works


def test_an_unknown_account_gets_the_same_pages_and_no_email(client, person, send):
    assert send("nobody-here") is None
    unknown = client.get(reverse("portal:sign-in-code-enter"))
    unknown_wrong = enter(client, "123456")
    other = client.__class__()
    other.post(reverse("portal:sign-in-code"), {"identifier": "sam.okafor"})
    known = other.get(reverse("portal:sign-in-code-enter"))
    code = SignInCode.objects.get()
    bad = "123456" if services._code_hash("123456", code.salt) != code.code_hash else "654321"
    known_wrong = other.post(reverse("portal:sign-in-code-enter"), {"code": bad})
    assert without_tokens(unknown.content) == without_tokens(known.content)
    assert without_tokens(unknown_wrong.content).replace(b"123456", bad.encode()) == (
        without_tokens(known_wrong.content)
    )


def test_an_unknown_account_is_void_after_five_wrong_codes_too(client, send):
    send("nobody-here")
    for _ in range(4):
        assert "not correct" in enter(client, "123456").content.decode()
    assert enter(client, "123456").status_code == 429


def test_staff_accounts_cannot_sign_in_with_a_code(client, send):
    staff = MembershipFactory(role=Role.PRACTITIONER, user__username="priya").user
    assert send(staff.username) is None and send(staff.email) is None
    assert not SignInCode.objects.exists()


def test_a_switched_off_account_gets_no_code(client, person, send):
    person.user.is_active = False
    person.user.save()
    assert send("sam.okafor") is None


def test_a_locked_out_username_cannot_use_a_code(client, person, send):
    for _ in range(5):
        client.post(reverse("accounts:sign-in"), {"username": "sam.okafor", "password": "wrong"})
    response = client.post(reverse("portal:sign-in-code"), {"identifier": "sam.okafor"})
    assert response.status_code == 429
    assert not SignInCode.objects.exists()


def test_the_enter_page_without_asking_first_goes_back_to_asking(client):
    response = client.get(reverse("portal:sign-in-code-enter"))
    assert response.status_code == 302 and response.url == reverse("portal:sign-in-code")


def test_the_sign_in_guidance_offers_a_password_and_a_code(client):
    html = client.get(reverse("portal:sign-in")).content.decode()
    assert reverse("accounts:sign-in") in html and reverse("portal:sign-in-code") in html
    assert "Ask your key worker to send you an invitation link" in html


def test_an_empty_request_is_an_error(client):
    html = client.post(reverse("portal:sign-in-code"), {"identifier": " "}).content.decode()
    assert "Enter your username or email address" in html
