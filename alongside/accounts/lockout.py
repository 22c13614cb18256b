"""Lockout after repeated failures (django-axes), for passwords and two-factor codes alike.

Axes counts failed sign-ins per username and address together (``AXES_LOCKOUT_PARAMETERS``), so a
lockout holds one username at one address: neither the same username elsewhere nor another
username at that address. The address is the client's as ``core.addresses`` reads it through the
trusted proxies (``AXES_CLIENT_IP_CALLABLE``), never a header a client could forge. At the
limit, axes answers with ``locked_out``: a page that says what to do, with status 429. A wrong
two-factor code, or a wrong current password on the change-password page, counts as a failed
sign-in too, so a stolen password cannot be used to guess codes. Axes masks the password and
the fields named in ``AXES_SENSITIVE_PARAMETERS`` in what it logs and stores.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from alongside.core.addresses import client_address


def cool_off_minutes(request: HttpRequest | None = None) -> int:
    cool_off = get_cool_off(request)
    return int(cool_off.total_seconds() // 60) if cool_off else 0


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """The page for a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``); ends any session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        logout(request)
    response = render(
        request, "accounts/locked.jinja", {"minutes": cool_off_minutes(request)}, status=429
    )
    add_never_cache_headers(response)
    return response


def is_locked_out(request: HttpRequest, user: Any) -> bool:
    return not AxesProxyHandler.is_allowed(request, get_credentials(user.get_username()))


def record_failure(request: HttpRequest, user: Any) -> bool:
    """Count a failed second step (code, current password) as a failed sign-in.

    Returns whether that failure locked the user out.
    """
    user_login_failed.send(
        sender=__name__, credentials=get_credentials(user.get_username()), request=request
    )
    return bool(getattr(request, "axes_locked_out", False))


def reset_failures(request: HttpRequest, user: Any) -> None:
    """Forget earlier failures once someone is fully signed in (password and any code)."""
    AxesProxyHandler.reset_attempts(
        username=user.get_username(), ip_address=client_address(request)
    )
