"""Who may open a page, and what it touches: the view decorators every app uses.

Someone who is not signed in is sent to the sign-in page (and back afterwards); someone signed in
without the right is refused with a 403, never redirected in a loop to a sign-in page they have
already passed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def user_passes_or_403(test: Callable[[Any], bool]) -> Callable[[View], View]:
    """Sign-in required; then ``test(user)`` must be true, or the answer is 403 Forbidden."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not test(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def is_system_admin(user: Any) -> bool:
    return bool(user.is_active and user.is_superuser)


superuser_required = user_passes_or_403(is_system_admin)


# --- What a view touches ----------------------------------------------------------------------
# Every view in the URL table declares whether it reaches a person's record. Views that do are
# decorated by the sharing module (``person_data``, ``own_record``), which decides and audits each
# look; every other view says ``no_person_data``. A test walks the URL table and fails for any view
# that declares nothing.

DECLARATIONS = ("person_data", "own_record", "no_person_data")


def no_person_data(view: View) -> View:
    """Declares that a view shows and changes no person's record (aggregates at most)."""
    view.no_person_data = True  # type: ignore[attr-defined]
    return view


def declaration(view: Any) -> str | None:
    """What a view declared: 'person_data', 'own_record', 'no_person_data' or None."""
    for target in (view, getattr(view, "view_class", None)):
        for name in DECLARATIONS:
            if target is not None and getattr(target, name, None):
                return name
    return None
