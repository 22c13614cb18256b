"""The public information pages: privacy notice, accessibility statement, cookies and contact.

Each shows the deployment's own details (``settings.ALONGSIDE_DEPLOYMENT``: the data controller,
the data protection officer, the service's phone, email and hours, the accessibility contact and
statement date) and what this software actually does, read from the settings that govern it
(how long a session lasts, break-glass hours, the small-number rule), so the
pages say what a deployment is configured to do. Anyone may open them, signed in or not.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from alongside.core.access import no_person_data, public
from alongside.public.cookies import browser_storage, session_ends
from alongside.public.cookies import cookies as cookie_list
from alongside.public.presenters import DeploymentPresenter


def _context(**extra: object) -> dict[str, object]:
    return {"deployment": DeploymentPresenter(settings.ALONGSIDE_DEPLOYMENT), **extra}


@no_person_data
@public
def privacy_notice(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/privacy_notice.jinja",
        _context(
            session_minutes=settings.SESSION_COOKIE_AGE // 60,
            break_glass_hours=settings.BREAK_GLASS_HOURS,
            suppression_below=settings.ALONGSIDE_SUPPRESSION["below"],
        ),
    )


@no_person_data
@public
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/accessibility_statement.jinja",
        _context(session_minutes=settings.SESSION_COOKIE_AGE // 60),
    )


@no_person_data
@public
def cookies(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "public/cookies.jinja",
        _context(cookies=cookie_list(), storage=browser_storage(), session_ends=session_ends()),
    )


@no_person_data
@public
def contact(request: HttpRequest) -> HttpResponse:
    return render(request, "public/contact.jinja", _context())
