"""Authentication backends: the lockout check comes first, then Django's password check.

Single sign-on (OpenID Connect) will add its own backend beside ``ModelBackend``; lockout and
two-factor rules live outside the backends so they apply whichever one signs a user in.
"""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """Refuses a sign-in that django-axes has locked out.

    Only web sign-ins carry a request; ``authenticate()`` called without one (the shell, a
    management command, a test) is not a sign-in attempt to count, so it is let through to
    the next backend instead of failing.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
