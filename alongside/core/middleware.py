"""Middleware every Alongside response passes through."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseNotAllowed
from django.http.response import HttpResponseBase
from django.utils.cache import add_never_cache_headers
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, plus the NHS.UK design system's images at ``/assets/``.

    The design system's compiled stylesheet refers to its icons by the absolute path
    ``/assets/images/…``, so they are served there as well as under ``/static/nhsuk/``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_files(str(settings.NHSUK_FRONTEND_DIR / "assets"), prefix="assets/")


# Browser features no Alongside page uses: refused for the page and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)


class SecurityHeadersMiddleware:
    """The security headers Django's own middleware does not set, on every response.

    - ``Permissions-Policy`` refusing the browser features above;
    - ``Cache-Control: no-store`` (with Django's other never-cache headers) whenever someone is
      signed in, so pages with personal data are never kept by a browser or a proxy;
    - a fresh Content Security Policy nonce for every response (django-csp adds it to the
      header only once something asks for it).

    Goes just after django-csp's ``CSPMiddleware``, before the static files.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        nonce = getattr(request, "csp_nonce", None)
        if nonce is not None:
            str(nonce)  # make it now, so that every policy carries one
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


# The methods Alongside's pages and APIs answer. Forms are sent by POST; nothing takes PUT, PATCH
# or DELETE, and OPTIONS and TRACE have nothing to tell.
ALLOWED_METHODS = ("GET", "HEAD", "POST")


class AllowedMethodsMiddleware:
    """Answers any other method with 405 before a view runs, so none can be audited as a look
    or a change at a record, or reach a view that treats it like a GET.

    Goes after the middleware that sets the security headers, so the refusal carries them.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ALLOWED_METHODS:
            return HttpResponseNotAllowed(
                ALLOWED_METHODS, content=b"Method not allowed\n", content_type="text/plain"
            )
        return self.get_response(request)
