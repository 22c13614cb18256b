"""Middleware every Alongside response passes through."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    """WhiteNoise, plus the NHS.UK design system's images at ``/assets/``.

    The design system's compiled stylesheet refers to its icons by the absolute path
    ``/assets/images/…``, so they are served there as well as under ``/static/nhsuk/``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_files(str(settings.NHSUK_FRONTEND_DIR / "assets"), prefix="assets/")
