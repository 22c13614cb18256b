"""Every write for getting into the portal: invitations and one-time sign-in codes.

One function per action, one transaction each. Emails are sent only once the transaction has
committed (``transaction.on_commit``), so a rolled-back change never sends a link or a code.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from enum import Enum

from django.contrib.auth import password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.core import formats
from alongside.people import services as people_services
from alongside.people.models import Person
from alongside.portal.models import (
    MAX_WRONG_BIRTH_DATES,
    MAX_WRONG_CODES,
    PortalInvitation,
    SignInCode,
)
from alongside.sharing import audit
from alongside.sharing.models import Action, Basis, Part

INVITATION_DAYS = 7
CODE_MINUTES = 10
CODES_PER_WINDOW = 3  # at most this many codes are emailed to one account ...
CODE_WINDOW = dt.timedelta(minutes=15)  # ... in this time


class InvitationUnusable(ValidationError):
    """The invitation has been used, has expired or was withdrawn."""


class AlreadyHasAccount(ValidationError):
    """The person already has a portal account."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- Invitations --------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewInvitation:
    invitation: PortalInvitation
    token: str  # shown once, never stored


@transaction.atomic
def create_invitation(*, person: Person, by: User) -> NewInvitation:
    """A single-use invitation link for ``person``, valid for 7 days. Any earlier invitation
    still waiting is withdrawn: only the newest link works.

    For a person who has an account already, the link lets them choose a new password for it
    (they have lost it and cannot receive a code), and the account's email address, if it has
    one, is told at once that a link was made, so that a link the person did not ask for is
    noticed."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    account = person.user if person.user_id is not None else None
    if account is not None and not account.is_active:
        raise ValidationError("This person's portal account is closed, so no link can open it.")
    if account is None and not Episode.objects.open().filter(person=person).exists():
        raise ValidationError("Only a person with an open episode of care can be invited.")
    now = timezone.now()
    PortalInvitation.objects.filter(person=person).outstanding().update(
        withdrawn_at=now, withdrawn_by=by, withdrawn_because="Replaced by a newer invitation"
    )
    token = secrets.token_urlsafe(32)
    invitation = PortalInvitation(
        person=person,
        token_hash=token_hash(token),
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=INVITATION_DAYS),
        for_account=account,
    )
    invitation.full_clean()
    invitation.save()
    if account is not None:
        _tell_account(
            account,
            "A link to choose a new Alongside password was made",
            "Your care team has made a link for you to choose a new password for your Alongside "
            f"account. It works once, until {formats.datetime(invitation.expires_at)}.\n\n"
            "Your password works as before until the link is used.\n\n"
            "If you did not ask for this, tell your key worker straight away.\n",
        )
    return NewInvitation(invitation, token)


def _tell_account(account: User, subject: str, body: str) -> None:
    """Email a portal account's own address (or the record's) once the transaction commits."""
    address = _address(account)
    if address:
        transaction.on_commit(
            lambda: mail.send_mail(subject, body, None, [address], fail_silently=True)
        )


@transaction.atomic
def email_invitation(*, invitation: PortalInvitation, link: str) -> None:
    """Email the link to the person's address on their record (after the transaction commits)."""
    person = invitation.person
    if not person.email:
        raise ValidationError("There is no email address on this person's record.")
    PortalInvitation.objects.filter(pk=invitation.pk).update(emailed_at=timezone.now())
    body = (
        f"Hello {person.preferred_name or person.given_name},\n\n"
        "Your care team has invited you to see your care and support plan, your goals and your "
        "appointments online, in Alongside.\n\n"
        f"Open this link to set up your account:\n{link}\n\n"
        f"The link works once, until {formats.datetime(invitation.expires_at)}. You will be "
        "asked for your date of birth.\n\n"
        "If you were not expecting this email, you can ignore it, or tell your key worker.\n"
    )
    if invitation.for_account_id is not None:
        body = (
            f"Hello {person.preferred_name or person.given_name},\n\n"
            "Your care team has made a link for you to choose a new password for your Alongside "
            "account.\n\n"
            f"Open this link to choose it:\n{link}\n\n"
            f"The link works once, until {formats.datetime(invitation.expires_at)}. You will be "
            "asked for your date of birth.\n\n"
            "If you were not expecting this email, you can ignore it, or tell your key worker.\n"
        )
    address = person.email
    subject = (
        "Choose a new Alongside password"
        if invitation.for_account_id is not None
        else "Your invitation to Alongside"
    )
    transaction.on_commit(
        lambda: mail.send_mail(subject, body, None, [address], fail_silently=True)
    )


@transaction.atomic
def withdraw_invitation(*, invitation: PortalInvitation, by: User) -> PortalInvitation:
    current = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.is_usable:
        raise InvitationUnusable(
            "This invitation can no longer be used, so it cannot be withdrawn."
        )
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = by
    current.withdrawn_because = "Withdrawn by the care team"
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_because"])
    return current


def find_invitation(token: str) -> PortalInvitation | None:
    """The invitation a link's token belongs to, whatever its state; ``None`` if there is none."""
    if not token or len(token) > 100:
        return None
    return (
        PortalInvitation.objects.select_related("person")
        .filter(token_hash=token_hash(token))
        .first()
    )


@transaction.atomic
def check_birth_date(*, invitation: PortalInvitation, date_of_birth: dt.date) -> bool:
    """Whether the date of birth is the person's. A wrong date counts; the fifth withdraws the
    invitation, so that a forwarded or stolen link cannot be tried for long."""
    current = (
        PortalInvitation.objects.select_for_update().select_related("person").get(pk=invitation.pk)
    )
    if not current.is_usable:
        raise InvitationUnusable("This invitation can no longer be used.")
    if current.person.date_of_birth == date_of_birth:
        return True
    current.wrong_birth_dates += 1
    fields = ["wrong_birth_dates"]
    if current.wrong_birth_dates >= MAX_WRONG_BIRTH_DATES:
        current.withdrawn_at = timezone.now()
        current.withdrawn_because = f"Date of birth entered wrongly {MAX_WRONG_BIRTH_DATES} times"
        fields += ["withdrawn_at", "withdrawn_because"]
    current.save(update_fields=fields)
    return False


PASSWORD_RULES = {
    "password_too_short": "Password must be 12 characters or more",
    "password_too_similar": "Password must not be like your username, name or email address",
    "password_too_common": (
        "Password is too common: choose one that is harder to guess, such as 3 random words"
    ),
    "password_entirely_numeric": "Password must include letters, not only numbers",
}


def check_account_details(*, person: Person, username: str, password: str) -> None:
    """The username is free and well formed, and the password meets the rules (including not
    being like the person's name, username or email). Raises ``ValidationError`` per field."""
    errors: dict[str, list[str]] = {}
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        errors["username"] = [
            "Username can only include letters, numbers and the characters @ . + - _"
        ]
    else:
        if len(username) < 3:
            errors["username"] = ["Username must be 3 characters or more"]
        elif User.objects.filter(username__iexact=username).exists():
            errors["username"] = ["This username is taken. Choose another one"]
    candidate = User(
        username=username,
        first_name=person.given_name,
        last_name=person.family_name,
        email=person.email,
    )
    problems = _password_problems(password, candidate)
    if problems:
        errors["password"] = problems
    if errors:
        raise ValidationError(errors)


def _password_problems(password: str, account: User) -> list[str]:
    """What is wrong with ``password`` for ``account``, in the portal's own words."""
    try:
        password_validation.validate_password(password, account)
    except ValidationError as error:
        return list(
            dict.fromkeys(
                PASSWORD_RULES.get(e.code or "", " ".join(e.messages)) for e in error.error_list
            )
        )
    return []


@transaction.atomic
def accept_invitation(
    *,
    invitation: PortalInvitation,
    username: str,
    password: str,
    ip_address: str | None = None,
) -> User:
    """Make the person's portal account from a usable invitation whose date of birth was given,
    and link it to their record. The invitation is used up; any other waiting one is withdrawn.
    The change to the record is audited on the basis of the person themself."""
    current = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.is_usable:
        raise InvitationUnusable("This invitation can no longer be used.")
    if current.for_account_id is not None:
        raise InvitationUnusable("This invitation is for choosing a new password.")
    person = Person.objects.select_for_update().get(pk=current.person_id)
    if person.user_id is not None:
        raise AlreadyHasAccount("You already have an account.")
    check_account_details(person=person, username=username, password=password)
    email = person.email
    if email and User.objects.filter(email__iexact=email).exists():
        email = ""  # the address belongs to another account: codes then go to the record's
    user = User.objects.create_user(
        username=username,
        password=password,
        email=email,
        first_name=person.preferred_name or person.given_name,
        last_name=person.family_name,
    )
    people_services.update_person(person=person, user=user)
    now = timezone.now()
    current.used_at = now
    current.account = user
    current.save(update_fields=["used_at", "account"])
    PortalInvitation.objects.filter(person=person).outstanding().update(
        withdrawn_at=now, withdrawn_because="The person made their account with another link"
    )
    audit.record(
        user_id=user.pk,
        person_id=person.pk,
        part=Part.DETAILS,
        action=Action.CHANGE,
        basis=Basis.SELF,
        allowed=True,
        route="portal:join",
        ip_address=ip_address,
    )
    return user


def check_new_password(*, account: User, password: str) -> None:
    """The password meets the rules for ``account`` (including not being like its username,
    the person's name or email address). Raises ``ValidationError`` on ``password``."""
    problems = _password_problems(password, account)
    if problems:
        raise ValidationError({"password": problems})


@transaction.atomic
def choose_new_password(
    *, invitation: PortalInvitation, password: str, ip_address: str | None = None
) -> User:
    """Set the password the person chose for their own account, from a usable new-password
    invitation whose date of birth was given. The link is used up; every other waiting link and
    sign-in code becomes void; every session of the account ends (its session hash changes);
    the account's address is told. Audited on the basis of the person themself."""
    current = PortalInvitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.is_usable:
        raise InvitationUnusable("This invitation can no longer be used.")
    person = Person.objects.select_for_update().get(pk=current.person_id)
    account = current.for_account
    if account is None or person.user_id != account.pk or not account.is_active:
        raise InvitationUnusable("This invitation no longer matches an account.")
    check_new_password(account=account, password=password)
    account.set_password(password)
    account.save(update_fields=["password"])
    now = timezone.now()
    current.used_at = now
    current.account = account
    current.save(update_fields=["used_at", "account"])
    PortalInvitation.objects.filter(person=person).outstanding().update(
        withdrawn_at=now, withdrawn_because="The person chose a new password with another link"
    )
    SignInCode.objects.filter(user=account, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    audit.record(
        user_id=account.pk,
        person_id=person.pk,
        part=Part.DETAILS,
        action=Action.CHANGE,
        basis=Basis.SELF,
        allowed=True,
        route="portal:join",
        ip_address=ip_address,
    )
    _tell_account(
        account,
        "Your Alongside password was changed",
        "The password of your Alongside account was changed just now, with the link your care "
        "team made.\n\nIf you did not do this, tell your key worker straight away.\n",
    )
    return account


# --- One-time sign-in codes ---------------------------------------------------------------------


def portal_account(identifier: str) -> User | None:
    """The active portal account (one linked to a person's record) with this username or email
    address, if there is exactly one."""
    identifier = identifier.strip()
    if not identifier:
        return None
    people = Person.objects.filter(user__isnull=False).values("user_id")
    field = "email__iexact" if "@" in identifier else "username__iexact"
    found = list(User.objects.filter(is_active=True, pk__in=people, **{field: identifier})[:2])
    if len(found) != 1 and field == "email__iexact":
        # Usernames may hold '@' too.
        found = list(
            User.objects.filter(is_active=True, pk__in=people, username__iexact=identifier)[:2]
        )
    return found[0] if len(found) == 1 else None


def _code_hash(code: str, salt: str) -> str:
    return salted_hmac(f"alongside.portal.SignInCode/{salt}", code, algorithm="sha256").hexdigest()


def _address(user: User) -> str:
    if user.email:
        return user.email
    person = Person.objects.filter(user=user).only("email").first()
    return person.email if person else ""


@transaction.atomic
def send_sign_in_code(*, user: User) -> SignInCode | None:
    """Email a new 6-digit code to a portal account; earlier codes become void.

    No more than 3 codes go to one account in 15 minutes: past that, nothing new is sent and the
    newest code still working is returned. Returns ``None`` when there is none, or when the
    account has no email address to send to.
    """
    User.objects.select_for_update().filter(pk=user.pk).first()  # one request at a time
    address = _address(user)
    if not address:
        return None
    now = timezone.now()
    codes = SignInCode.objects.filter(user=user)
    if codes.filter(created_at__gt=now - CODE_WINDOW).count() >= CODES_PER_WINDOW:
        return codes.filter(
            used_at__isnull=True, voided_at__isnull=True, expires_at__gt=now
        ).first()
    codes.filter(used_at__isnull=True, voided_at__isnull=True).update(voided_at=now)
    code = f"{secrets.randbelow(1_000_000):06d}"
    salt = secrets.token_hex(16)
    row = SignInCode.objects.create(
        user=user,
        code_hash=_code_hash(code, salt),
        salt=salt,
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
    )
    body = (
        f"Your Alongside sign-in code is {code}\n\n"
        f"It works once, for {CODE_MINUTES} minutes.\n\n"
        "If you did not ask for this code, you can ignore this email. Nobody can sign in without "
        "the code.\n"
    )
    transaction.on_commit(
        lambda: mail.send_mail(
            f"Your Alongside sign-in code: {code}", body, None, [address], fail_silently=True
        )
    )
    return row


#: How long a sign-in code is kept after it was made (its rate limit looks back 15 minutes).
CODES_KEPT = dt.timedelta(days=1)


def forget_old_sign_in_codes(*, now: dt.datetime | None = None) -> int:
    """Delete sign-in codes made more than a day ago (used, void or expired long since: their
    salted hashes serve nothing once the rate limit's window has passed). The number deleted."""
    moment = now or timezone.now()
    deleted, _ = SignInCode.objects.filter(created_at__lt=moment - CODES_KEPT).delete()
    return deleted


class CodeCheck(Enum):
    RIGHT = "right"
    WRONG = "wrong"
    VOID = "void"  # used, replaced, or too many wrong tries
    EXPIRED = "expired"


@dataclass(frozen=True)
class CodeResult:
    outcome: CodeCheck
    user: User | None = None


@transaction.atomic
def check_sign_in_code(*, code_id: int, code: str) -> CodeResult:
    """Check a code against the one sent. The right code works once; the fifth wrong one makes
    it void."""
    row = SignInCode.objects.select_for_update().select_related("user").filter(pk=code_id).first()
    if row is None or row.used_at is not None or row.voided_at is not None:
        return CodeResult(CodeCheck.VOID)
    if not row.user.is_active:
        return CodeResult(CodeCheck.VOID)
    now = timezone.now()
    if row.expires_at <= now:
        return CodeResult(CodeCheck.EXPIRED)
    if constant_time_compare(_code_hash(code, row.salt), row.code_hash):
        row.used_at = now
        row.save(update_fields=["used_at"])
        return CodeResult(CodeCheck.RIGHT, row.user)
    row.wrong_tries += 1
    fields = ["wrong_tries"]
    if row.wrong_tries >= MAX_WRONG_CODES:
        row.voided_at = now
        fields.append("voided_at")
    row.save(update_fields=fields)
    return CodeResult(CodeCheck.VOID if row.voided_at else CodeCheck.WRONG)
