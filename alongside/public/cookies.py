"""The cookies this service sets, as the cookies page lists them.

The names come from the settings that name them, so the page cannot drift from what the app
sends; a test walks the pages that set cookies and checks every ``Set-Cookie`` against this list.
There are no analytics, advertising or third-party cookies: nothing in the app sets any. Besides
cookies, one item is kept in the browser's session storage (``browser_storage``), by htmx.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.contrib.messages.storage.fallback import FallbackStorage
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Cookie:
    name: str
    purpose: str
    set_when: str
    expires: str


def _duration(seconds: int) -> str:
    days = seconds // 86_400
    if days >= 364:
        years = round(days / 365)
        return f"{years} year" if years == 1 else f"{years} years"
    if days >= 1:
        return f"{days} day" if days == 1 else f"{days} days"
    minutes = seconds // 60
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def session_ends() -> str:
    """When the session cookie stops working, in words."""
    minutes = _duration(settings.SESSION_COOKIE_AGE)
    if settings.SESSION_EXPIRE_AT_BROWSER_CLOSE:
        return f"When you close your browser, or after {minutes} without using the service"
    return f"After {minutes} without using the service"


def _messages_use_a_cookie() -> bool:
    storage = import_string(settings.MESSAGE_STORAGE)
    return issubclass(storage, (CookieStorage, FallbackStorage))


def cookies() -> list[Cookie]:
    """Every cookie the app sets, in the order a visitor meets them."""
    found = [
        Cookie(
            name=settings.CSRF_COOKIE_NAME,
            purpose="Checks that a form you send, such as a page of your request for support, "
            "came from this service and not from another website.",
            set_when="When a page with a form opens",
            expires=_duration(settings.CSRF_COOKIE_AGE),
        ),
        Cookie(
            name=settings.SESSION_COOKIE_NAME,
            purpose="Remembers your answers as you go through the pages of a request for support, "
            "and that you are signed in. It holds only a random number: your answers stay on "
            "our server.",
            set_when="When you answer the first question of a request, or sign in",
            expires=session_ends(),
        ),
    ]
    if _messages_use_a_cookie():
        found.append(
            Cookie(
                name=CookieStorage.cookie_name,
                purpose="Shows a one-off message after you save something, such as 'Service "
                "updated', on the next page you see.",
                set_when="When you save a change while signed in",
                expires="As soon as the message has been shown",
            )
        )
    return found


def browser_storage() -> list[Cookie]:
    """What the pages' scripts keep in the browser's own storage (not cookies, but the same law
    covers them): htmx, which updates parts of pages in place, notes the page's address on every
    page so that the Back button can find it again; a browser test checks nothing else is kept."""
    return [
        Cookie(
            name="htmx-current-path-for-history",
            purpose="Holds the address of the page you are on, so that your browser's Back "
            "button works on pages that update part of themselves. It is kept in your browser "
            "and never sent to us.",
            set_when="On every page",
            expires="When you close the browser tab",
        )
    ]
