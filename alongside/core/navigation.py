"""Which pages a set of permissions opens, read from the views' own declarations.

A link is offered only where the page behind it would let the user in: the answer comes from
the permission the view declares (``core.access.public`` / ``requires``, or the one the sharing
module's decorators imply), which is what the permission middleware checks before the view runs.
Menus ask here instead of repeating which role may open what.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from alongside.core.access import PUBLIC, permission_of

Declared = str | frozenset[str] | None


def _walk(patterns: Iterable[Any], namespace: str | None) -> Iterator[tuple[str, Declared]]:
    for p in patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(n for n in (namespace, p.namespace) if n) or None
            yield from _walk(p.url_patterns, inner)
        elif isinstance(p, URLPattern) and p.name:
            yield (f"{namespace}:{p.name}" if namespace else p.name), permission_of(p.callback)


@lru_cache(maxsize=4)
def _declarations(resolver: URLResolver) -> dict[str, Declared]:
    found: dict[str, Declared] = {}
    for name, declared in _walk(resolver.url_patterns, None):
        found.setdefault(name, declared)  # the first pattern of a name is the one reverse() uses
    return found


def declared_permission(route: str) -> Declared:
    """What the view behind the URL name ``route`` declares: ``PUBLIC``, the permissions any
    one of which opens it, or None (a view that declares nothing, which is refused)."""
    try:
        return _declarations(get_resolver())[route]
    except KeyError:
        raise LookupError(f"No URL is named {route!r}") from None


def opens(granted: Iterable[str], route: str) -> bool:
    """Whether someone holding ``granted`` gets past the permission check of ``route``'s view.

    The view may still narrow further to a scope (the teams a user leads): a menu that offers a
    team's page offers it for the user's own teams only."""
    needed = declared_permission(route)
    if needed == PUBLIC:
        return True
    if not needed:
        return False
    return not needed.isdisjoint(granted)
