"""Signed-in requests: the two-factor step first, and the inactivity clock moved on."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django_htmx.http import HttpResponseClientRedirect

from alongside.accounts import sessions, two_factor
from alongside.accounts.two_factor import STEP_URLS, Step, step_url


class TwoFactorMiddleware:
    """After the password, before the code: only the step's own page and signing out.

    Goes after django-otp's ``OTPMiddleware``. A user who has an authenticator app must give
    its code; one who has none must set one up when ``ALONGSIDE_REQUIRE_2FA`` is on. Every
    other page, the admin and any future API included, redirects to that step.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        step = two_factor.next_step(user, session) if user is not None else Step.NONE
        # The page header offers the account page only to someone fully signed in.
        request.sign_in_pending = step is not Step.NONE
        if step is not Step.NONE and request.path_info not in _allowed_paths(step):
            return _redirect(request, step)
        return self.get_response(request)


class SessionActivityMiddleware:
    """Each signed-in request counts as activity: the session's expiry moves on (see
    ``accounts.sessions``). Anonymous requests never start a session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            sessions.note_activity(request.session)
        return self.get_response(request)


def _allowed_paths(step: Step) -> set[str]:
    return {reverse(STEP_URLS[step]), reverse("accounts:sign-out")}


def _redirect(request: HttpRequest, step: Step) -> HttpResponse:
    next_path = request.get_full_path() if request.method == "GET" else None
    url = step_url(step, next_path)
    if request.headers.get("HX-Request") == "true":
        # htmx would swap the step's page into a fragment: send the whole window there.
        return HttpResponseClientRedirect(url)
    return HttpResponseRedirect(url)
