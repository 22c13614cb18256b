"""``alongside worker``: run the scheduled work (``alongside.core.jobs``) until stopped.

A deployment runs it beside the web server, as a service of its own (``alongside serve``
starts one itself unless given ``--no-worker``). It defers each timed job at its time and runs
it; several may run at once. Ctrl-C or SIGTERM lets the job in hand finish, then stops.
"""

from __future__ import annotations

import socket
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from alongside.core.jobs import JOBS, QUEUE


class Command(BaseCommand):
    help = "Run the scheduled work (escalations, the insights' figures, the audit's partitions)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", action="store_true", help="list the scheduled jobs and stop")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for job in sorted(JOBS.values(), key=lambda j: j.name):
                self.stdout.write(f"{job.name:28} {job.every_text:20} {job.purpose}")
            return
        call_command(
            "procrastinate",
            "worker",
            "--queues",
            QUEUE,
            "--concurrency",
            "1",
            "--name",
            f"alongside-{socket.gethostname()}",
        )
