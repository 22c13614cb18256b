"""Deny by default: every view's declared permission is checked before the view runs.

The declaration is read from the view (``core.access.public`` / ``requires``, or the permission
that ``sharing.access.person_data``, ``own_record`` and ``person_list`` imply). Then:

- a view that declares nothing is refused (404, and an error in the log naming it);
- a public view runs for anyone;
- someone not signed in is sent to sign in;
- a signed-in user without the permission is refused: a page about a person's record with the
  same 404 as a record that does not exist (and the refusal is audited as a refused look at that
  record); any page for a person who needs support (a portal account), who must not learn what
  the staff pages are, with a 404; any other page with a 403.

The Django admin keeps its own gate (staff accounts only) and is left to it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from alongside.core.access import PUBLIC, declaration, permission_of
from alongside.organisations.permissions import has_permission, is_portal_only
from alongside.sharing import access

logger = logging.getLogger(__name__)

#: URL namespaces whose views are gated by something other than this middleware.
OWN_GATE = frozenset({"admin"})


class PermissionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is not None and OWN_GATE & set(match.namespaces):
            return None
        needed = permission_of(view)
        if needed is None:
            logger.error("Refused %s: the view declares no permission", _name(request))
            request.permission_refused = True
            raise Http404("This page is not open")
        if needed == PUBLIC:
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if has_permission(user, *needed):
            return None
        request.permission_refused = True
        touches = declaration(view)
        if touches == "person_data":
            _audit_refusal(request, view, kwargs)
        if touches in {"person_data", "own_record"} or is_portal_only(user):
            raise Http404("No page you may see")
        raise PermissionDenied


def _audit_refusal(
    request: HttpRequest, view: Callable[..., HttpResponse], kwargs: dict[str, Any]
) -> None:
    """A page about a person's record refused by role is audited as a refused look at that
    record (a view whose URL names something else says how with ``on_refused``)."""
    on_refused = getattr(view, "on_refused", None)
    if on_refused is not None:
        on_refused(request, kwargs)
    elif "person_id" in kwargs:
        part, action = view.person_data  # type: ignore[attr-defined]
        access.audit_refusal(
            request, kwargs["person_id"], part=part, action=access.wanted_action(request, action)
        )


def _name(request: HttpRequest) -> str:
    match = request.resolver_match
    return match.view_name if match is not None else request.path_info[:120]
