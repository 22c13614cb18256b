"""Logging filters: what reaches a log holds no names, NHS numbers, secrets or other identifying
data.

A URL that carries a secret (the token of a portal invitation) declares it with the ``secret``
path converter, ``path("join/<secret:token>/", …)``. ``RedactSecrets`` sits on every handler and
writes any such path with ``…`` in place of the secret: in Django's request warnings ("Not
Found: …", "Gone: …"), in the development server's request lines, in anything else that logs a
path. The paths to redact are read from the URL table itself, so a new URL with a secret is
covered by declaring it.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Any

_QUERY_STRING = re.compile(r"\?\S*")
_CONVERTER = re.compile(r"<[^>]+>")
SECRET_MARK = "<secret:"


class SecretConverter:
    """A path segment that is a secret: matched like ``str``, never written to a log."""

    regex = "[^/]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def _route_regex(route: str) -> str:
    """A route's literal text escaped, its converters as 'one path segment'."""
    pieces = _CONVERTER.split(route)
    return "[^/]+".join(re.escape(piece) for piece in pieces)


def _secret_prefixes(patterns: Any, prefix: str = "") -> list[str]:
    """The routes, up to their secret, of every URL in the table that has one."""
    from django.urls import URLResolver

    found = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if route.startswith("^"):
            continue  # a regular expression route: none of ours carries a secret
        if isinstance(entry, URLResolver):
            found += _secret_prefixes(entry.url_patterns, route)
        elif SECRET_MARK in route:
            found.append(route.split(SECRET_MARK, 1)[0])
    return found


@lru_cache(maxsize=4)
def _secret_paths(urlconf: str) -> re.Pattern[str] | None:
    from django.urls import get_resolver

    prefixes = sorted(set(_secret_prefixes(get_resolver(urlconf).url_patterns)))
    if not prefixes:
        return None
    alternatives = "|".join(_route_regex(p) for p in prefixes)
    return re.compile(rf"(/(?:{alternatives}))[^/\s?#\"']+")


def redact_secrets(text: str) -> str:
    """``text`` with the secret of every path that carries one replaced by ``…``."""
    from django.conf import settings

    try:
        secret_paths = _secret_paths(settings.ROOT_URLCONF)
    except Exception:
        return text
    return text if secret_paths is None else secret_paths.sub(r"\1…", text)


def _each_text(record: logging.LogRecord, change: Any) -> None:
    if isinstance(record.msg, str):
        record.msg = change(record.msg)
    if isinstance(record.args, tuple):
        record.args = tuple(change(a) if isinstance(a, str) else a for a in record.args)
    elif isinstance(record.args, dict):
        record.args = {k: change(v) if isinstance(v, str) else v for k, v in record.args.items()}


class RedactSecrets(logging.Filter):
    """Replaces the secret in any path that carries one (see the module's notes)."""

    def filter(self, record: logging.LogRecord) -> bool:
        _each_text(record, redact_secrets)
        return True


class DropQueryStrings(logging.Filter):
    """Cuts the query string from request lines (``GET /people/?q=… HTTP/1.1``).

    Paths carry opaque ids only; a query string can carry what someone searched for.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(
                _QUERY_STRING.sub("?…", arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
