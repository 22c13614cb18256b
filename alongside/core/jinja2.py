"""The Jinja2 environment for every Alongside page.

Templates live in each app's ``templates/<app>/`` folder; the NHS.UK design system's own macros
come from ``nhsuk-frontend-jinja`` (imported as ``nhsuk/components/<name>/macro.jinja``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.messages import get_messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from jinja2 import (
    ChainableUndefined,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    pass_context,
)
from jinja2.runtime import Context

from alongside.core import formats


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """``reverse()`` for templates: ``url('people:detail', person.pk)``."""
    return reverse(name, args=args or None, kwargs=kwargs or None)


@pass_context
def csp_nonce(context: Context) -> str:
    """This response's Content Security Policy nonce, for inline ``<script>`` tags ("" if none)."""
    request = context.get("request")
    nonce = getattr(request, "csp_nonce", None) if request is not None else None
    return str(nonce) if nonce is not None else ""


def _app_template_dirs() -> list[str]:
    dirs = []
    for app in settings.INSTALLED_APPS:
        if app.startswith("alongside."):
            folder = Path(settings.BASE_DIR, *app.split("."), "templates")
            if folder.is_dir():
                dirs.append(str(folder))
    return dirs


def static_folder(path: str) -> str:
    """A folder's URL under STATIC_URL (the design system's ``assetPath``). ``static()`` names
    files, and with collected static files only files have hashed names; the files in a folder
    are served under their own names too."""
    return f"{settings.STATIC_URL}{path.strip('/')}"


def environment(**options: Any) -> Environment:
    options["loader"] = ChoiceLoader(
        [FileSystemLoader(_app_template_dirs()), PackageLoader("nhsuk_frontend_jinja")]
    )
    options["undefined"] = ChainableUndefined
    options.setdefault("autoescape", True)
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    env = Environment(**options)  # noqa: S701 - autoescape is set just above
    env.globals.update(
        static=static,
        static_folder=static_folder,
        url=url,
        csp_nonce=csp_nonce,
        get_messages=get_messages,
        now=timezone.now,
        service_name="Alongside",
        production=settings.PRODUCTION,
        place_name=settings.PLACE_NAME,
        crisis_line=getattr(settings, "ALONGSIDE_CRISIS_LINE", {}),
    )
    env.filters.update(
        date=formats.date,
        datetime=formats.datetime,
        nhs_number=formats.nhs_number,
        number=formats.number,
    )
    return env
