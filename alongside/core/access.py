"""Who may open a page, and what it touches: the view decorators every app uses.

Every view declares two things:

- **who may open it**: ``public`` (anyone, signed in or not) or ``requires(Permission...)`` (a
  signed-in user holding any of the permissions of ``organisations.permissions``). The sharing
  module's ``person_data``, ``own_record`` and ``person_list`` imply a permission of their own.
  ``sharing.middleware.PermissionMiddleware`` checks it before the view runs; a view that
  declares nothing is refused.
- **what it touches**: ``person_data`` / ``own_record`` (a person's record, decided and audited by
  the sharing policy), ``person_list`` (a list naming people, scoped and audited the same way) or
  ``no_person_data``.

Someone who is not signed in is sent to the sign-in page (and back afterwards); someone signed in
without the right is refused with a 403 (a person in the portal, and anyone at a page about a
person's record, with the same 404 as a page that does not exist), never redirected in a loop to
a sign-in page they have already passed. ``user_passes_or_403`` narrows a view further to a scope
(the teams a user leads, the localities they serve) after the permission is checked.
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


# --- What a view touches ----------------------------------------------------------------------
# Every view in the URL table declares whether it reaches a person's record. Views that do are
# decorated by the sharing module (``person_data``, ``own_record``), which decides and audits each
# look; every other view says ``no_person_data``. A test walks the URL table and fails for any view
# that declares nothing.

DECLARATIONS = ("person_data", "own_record", "person_list", "no_person_data")


def no_person_data(view: View) -> View:
    """Declares that a view shows and changes no person's record (aggregates at most)."""
    view.no_person_data = True  # type: ignore[attr-defined]
    return view


def declaration(view: Any) -> str | None:
    """What a view declared it touches: 'person_data', 'own_record', 'person_list',
    'no_person_data' or None."""
    for target in (view, getattr(view, "view_class", None)):
        for name in DECLARATIONS:
            if target is not None and getattr(target, name, None):
                return name
    return None


# --- Who may open a view ---------------------------------------------------------------------
# The permission a view needs is an attribute the middleware reads: ``PUBLIC`` or a frozenset of
# permissions (any one of which will do). ``functools.wraps`` carries it through later decorators.

PUBLIC = "public"


def public(view: View) -> View:
    """Anyone may open this view, signed in or not (the start page, the directory, the
    self-referral, signing in)."""
    view.permission = PUBLIC  # type: ignore[attr-defined]
    return view


def requires(*permissions: str) -> Callable[[View], View]:
    """A signed-in user holding any of ``permissions`` may open this view."""
    if not permissions:
        raise ValueError("requires() needs at least one permission")

    def decorator(view: View) -> View:
        view.permission = frozenset(permissions)  # type: ignore[attr-defined]
        return view

    return decorator


def permission_of(view: Any) -> str | frozenset[str] | None:
    """What a view declared about who may open it: ``PUBLIC``, a set of permissions, or None."""
    for target in (view, getattr(view, "view_class", None)):
        found = getattr(target, "permission", None) if target is not None else None
        if found is not None:
            return found
    return None
