"""Two-factor sign-in: a time-based code (TOTP) from an authenticator app, after the password.

A user is fully signed in when ``user.is_verified()`` (django-otp's ``OTPMiddleware``): they
gave the password and then a code from their confirmed device. Someone without a device needs
no code unless ``ALONGSIDE_REQUIRE_2FA`` is on (always in production), in which case they must
set one up first. ``TwoFactorMiddleware`` keeps a half-signed-in user on those two pages.
"""

from __future__ import annotations

import base64
import binascii
import time
from enum import Enum
from typing import Any

import segno
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

DEVICE_NAME = "Authenticator app"
PENDING_KEY_SESSION_KEY = "alongside_pending_totp_key"
PASSWORD_ONLY_SESSION_KEY = "alongside_password_only"


class Step(Enum):
    """What a signed-in user must do before anything else."""

    NONE = "none"  # fully signed in, or no second factor needed
    ENTER_CODE = "enter_code"
    SET_UP = "set_up"


STEP_URLS = {Step.ENTER_CODE: "accounts:two-factor", Step.SET_UP: "accounts:two-factor-set-up"}


def step_url(step: Step, next_path: str | None = None) -> str:
    """The page for a sign-in step, carrying where to go afterwards."""
    url = reverse(STEP_URLS[step])
    return f"{url}?{urlencode({'next': next_path})}" if next_path else url


def confirmed_device(user: Any) -> TOTPDevice | None:
    """The user's confirmed authenticator app, if they have one."""
    if not user.is_authenticated:
        return None
    return next(
        (d for d in devices_for_user(user, confirmed=True) if isinstance(d, TOTPDevice)), None
    )


def required() -> bool:
    return bool(getattr(settings, "ALONGSIDE_REQUIRE_2FA", False))


def next_step(user: Any, session: Any = None) -> Step:
    """The step between a signed-in user and the rest of Alongside, if any.

    Given the session, a password-only sign-in noted by ``note_sign_in`` needs no query.
    """
    if not user.is_authenticated or _is_verified(user):
        return Step.NONE
    if session is not None and session.get(PASSWORD_ONLY_SESSION_KEY) and not required():
        return Step.NONE
    if confirmed_device(user) is not None:
        return Step.ENTER_CODE
    return Step.SET_UP if required() else Step.NONE


def note_sign_in(request: Any, user: Any) -> None:
    """At sign-in: note in the session when the password alone is enough (no device, not
    required), so later requests need not look for a device."""
    if not required() and confirmed_device(user) is None:
        request.session[PASSWORD_ONLY_SESSION_KEY] = True


def _is_verified(user: Any) -> bool:
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


def check_code(request: Any, device: TOTPDevice, code: str) -> bool:
    """Check a code against the user's device; on success, mark the session verified.

    django-otp refuses a code already used (replay) and slows down repeated failures.
    """
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not locked.verify_token(code):
            return False
    request.session.cycle_key()  # a new session id for the new privilege
    otp_login(request, locked)
    return True


def is_throttled(device: TOTPDevice) -> bool:
    """Whether django-otp is making the user wait after recent wrong codes."""
    allowed, _ = device.verify_is_allowed()
    return not allowed


# --- Setting up an authenticator app ---------------------------------------------------------


def pending_key(session: Any) -> str:
    """The secret being set up in this session (made on first use, kept until confirmed)."""
    key = session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = random_hex(20)
        session[PENDING_KEY_SESSION_KEY] = key
    return key


def secret_for_typing(key: str) -> str:
    """The secret in base32, in groups of four, for typing into an app by hand."""
    secret = base64.b32encode(binascii.unhexlify(key)).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def setup_uri(user: Any, key: str) -> str:
    """The ``otpauth://`` address an authenticator app reads from the QR code."""
    return TOTPDevice(user=user, key=key).config_url


def qr_code_data_uri(uri: str) -> str:
    """The QR code for ``uri`` as an SVG ``data:`` address (allowed by the CSP's img-src)."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#212b32")


def confirm_device(request: Any, code: str) -> TOTPDevice | None:
    """Confirm the pending secret with a first code: it becomes the user's only device.

    Any earlier device is removed (a new phone replaces the old one). The session is marked
    verified, as the code just proved the second factor.
    """
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key or not code.isdigit():
        return None
    totp = TOTP(binascii.unhexlify(key))
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    user = request.user
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        device = TOTPDevice.objects.create(
            user=user, name=DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
        )
    del request.session[PENDING_KEY_SESSION_KEY]
    request.session.cycle_key()
    otp_login(request, device)
    return device
