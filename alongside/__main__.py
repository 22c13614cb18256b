"""The ``alongside`` command: Django's management commands plus Alongside's own.

``alongside demo`` loads a synthetic place, ``alongside serve`` serves the app; run
``alongside help`` for the full list.
"""

from __future__ import annotations

import os
import signal
import sys
from types import FrameType


def _exit_cleanly(signum: int, frame: FrameType | None) -> None:
    # SIGTERM ends the process through SystemExit, so exit handlers (which stop the embedded
    # PostgreSQL when this was its last user) still run.
    sys.exit(128 + signum)


def main() -> None:
    signal.signal(signal.SIGTERM, _exit_cleanly)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    if sys.argv[1:2] == ["serve"]:
        # Serve static files as in production (read by the settings, so set before they load).
        os.environ.setdefault("ALONGSIDE_COLLECTED_STATIC", "1")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    argv[0] = "alongside"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
