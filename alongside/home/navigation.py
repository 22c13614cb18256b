"""The header navigation on every staff page: the sections the user's permissions open, and
nothing else, with the section of the page in view marked.

Which sections a user sees is never written per role: each section is a page, and it is offered
when that page's own declared permission (what the permission middleware checks) is among the
user's (``core.navigation.opens``). A person who needs support, on a page outside the portal
(their account), gets the portal's own links.

``context`` is a template context processor (``settings.TEMPLATES``): it gives every page
``staff_navigation()`` (the header's items) and ``may_open(route)`` (for a page's own
sub-navigation), both worked out from the user's permissions once per request, and only when a
page asks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from alongside.core.navigation import opens
from alongside.meetings.queries import works_in_localities
from alongside.organisations.permissions import Permission, permissions_of


@dataclass(frozen=True)
class Section:
    text: str
    #: The URL name of the section's page (taking no arguments).
    route: str
    #: URL names and namespaces whose pages belong to the section (a URL name beats a
    #: namespace when two sections could claim a page).
    owns: tuple[str, ...]
    #: Where the page narrows further than its permission (a test of the user that the view
    #: itself applies), the same test; the section is offered only when it passes.
    scope: Callable[[Any], bool] | None = None


#: Every section, in the order the header shows them: the day's work first.
SECTIONS: tuple[Section, ...] = (
    Section("Home", "home", ("home",)),
    Section(
        "Caseload",
        "care:caseload",
        ("care:caseload", "care:team-caseloads", "schedules", "organisations:duty-rota"),
    ),
    Section("Referrals", "referrals:worklists", ("referrals",)),
    Section(
        "People",
        "people:list",
        (
            "people",
            "care",
            "plans",
            "outcomes",
            "sharing",
            "supervision:discussions",
            "coproduction:voice",
            "portal:invite",
        ),
    ),
    Section("Meetings", "meetings:list", ("meetings",), scope=works_in_localities),
    Section("Supervision", "supervision:sessions", ("supervision",)),
    Section("Co-production", "coproduction:overview", ("coproduction",)),
    Section("Insights", "insights:overview", ("insights",)),
    Section("Workforce", "workforce:place", ("workforce",)),
    Section(
        "Service directory",
        "directory:manage",
        ("directory:manage", "directory:edit", "directory:reviewed"),
    ),
    Section(
        "Privacy",
        "sharing:privacy",
        ("sharing:privacy", "sharing:review", "sharing:review-claim", "sharing:subject-access"),
    ),
    Section("Organisations", "organisations:list", ("organisations",)),
    Section(
        "Approvals",
        "organisations:waiting-memberships",
        ("organisations:waiting-memberships", "organisations:decide-membership"),
    ),
)

#: The sections that are not the home page: with none of them, there is nothing to navigate.
_WORK = [s for s in SECTIONS if s.route != "home"]


def granted(request: HttpRequest) -> frozenset[Permission]:
    """The permissions of the user making ``request``, worked out once for the request."""
    found = getattr(request, "_alongside_permissions", None)
    if found is None:
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        pending = getattr(request, "sign_in_pending", False)
        found = permissions_of(user) if signed_in and not pending else frozenset()
        request._alongside_permissions = found  # type: ignore[attr-defined]
    return found


def sections_for(
    permissions: frozenset[Permission] | frozenset[str], user: Any = None
) -> list[Section]:
    """The sections whose page ``permissions`` open (and, given ``user``, whose scope lets them
    in); none at all when only the home page would be left (a user with no role yet)."""
    work = [
        s
        for s in _WORK
        if opens(permissions, s.route) and (s.scope is None or user is None or s.scope(user))
    ]
    return [SECTIONS[0], *work] if work else []


def current_section(view_name: str | None, sections: list[Section]) -> Section | None:
    """The section a page (by its full URL name, ``care:episode``) belongs to."""
    if not view_name:
        return None
    for section in sections:
        if view_name in section.owns:
            return section
    namespace = view_name.rpartition(":")[0]
    for section in sections:
        if namespace and namespace in section.owns:
            return section
    return None


def header_items(request: HttpRequest) -> list[dict[str, Any]]:
    """The header's navigation for this request's user: the design system's items, with the
    section of the page in view ``active`` (``current`` on the section's own page)."""
    permissions = granted(request)
    match = getattr(request, "resolver_match", None)
    view_name = match.view_name if match is not None else None
    sections = sections_for(permissions, request.user)
    if not sections:
        if Permission.USE_PORTAL in permissions:
            from alongside.portal.presenters import navigation  # the person's own links

            return navigation(view_name or "")
        return []
    here = current_section(view_name, sections)
    return [
        {
            "href": reverse(s.route),
            "text": s.text,
            "current": s is here and view_name == s.route,
            "active": s is here,
        }
        for s in sections
    ]


def context(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: the header's navigation and a check for sub-navigations,
    both lazy (a page that shows neither costs nothing)."""

    def staff_navigation() -> list[dict[str, Any]]:
        return header_items(request)

    def may_open(route: str) -> bool:
        """Whether this user gets past the permission check of the page named ``route``."""
        return opens(granted(request), route)

    return {"staff_navigation": staff_navigation, "may_open": may_open}
