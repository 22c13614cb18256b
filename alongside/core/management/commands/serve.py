"""``alongside serve``: serve Alongside on this machine (the demo's web server).

A deployment runs a WSGI server (for example ``gunicorn alongside.wsgi``) against its own
PostgreSQL instead. Ctrl-C stops the server and, when it was started by this process, the
embedded PostgreSQL too.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Serve Alongside on 127.0.0.1 (PORT from the environment or --port; default 8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")

    def handle(self, *args: Any, port: int, host: str, **options: Any) -> None:
        self.stdout.write(f"Alongside is at http://{host}:{port}/ – press Ctrl-C to stop.")
        call_command("runserver", f"{host}:{port}", use_reloader=False, skip_checks=False)
