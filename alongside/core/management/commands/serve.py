"""``alongside serve``: serve Alongside on this machine as a deployment would.

A production WSGI server (gunicorn) with several worker processes, static files collected and
served by WhiteNoise with hashed, compressed names (``__main__`` sets ALONGSIDE_COLLECTED_STATIC
for this command before the settings load), and the insights' figures worked out before the
first visit (``alongside insights warm``, into the cache every worker shares). Ctrl-C stops the
workers, then the server and, when it was started by this process, the embedded PostgreSQL.
A deployment behind its own proxy runs the same, or ``gunicorn alongside.wsgi`` directly.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from alongside.core.logs import DropQueryStrings, RedactSecrets


def default_workers() -> int:
    """WEB_CONCURRENCY when set (as hosting platforms do), else one per core, two to four."""
    if os.environ.get("WEB_CONCURRENCY"):
        return int(os.environ["WEB_CONCURRENCY"])
    return max(2, min(4, os.cpu_count() or 2))


class Command(BaseCommand):
    help = "Serve Alongside on 127.0.0.1 (PORT from the environment or --port; default 8000)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=None, help="worker processes")
        parser.add_argument(
            "--no-warm", action="store_true", help="don't work out the insights' figures first"
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="don't start the scheduled work (when `alongside worker` runs as its own service)",
        )

    def handle(self, *args: Any, port: int, host: str, **options: Any) -> None:
        workers = default_workers() if options["workers"] is None else options["workers"]
        if workers < 1:
            raise CommandError("--workers must be at least 1.")
        if not settings.COLLECTED_STATIC:
            raise CommandError(
                "Static files are not set to be collected: run this as `alongside serve` "
                "(which sets ALONGSIDE_COLLECTED_STATIC), or set it yourself."
            )
        call_command("collectstatic", interactive=False, verbosity=0)
        if not options["no_warm"]:
            call_command("insights", "warm", stdout=self.stdout)
        # The workers are forked from this process: none may share its database connections.
        connections.close_all()
        runner = None if options["no_worker"] else start_worker()
        with_runner = "" if runner is None else " and the scheduled work"
        self.stdout.write(
            f"Alongside is at http://{host}:{port}/ ({workers} workers{with_runner}) – "
            "press Ctrl-C to stop."
        )
        self.stdout.flush()
        try:
            self._serve(host, port, workers)
        finally:
            if runner is not None:
                stop_worker(runner)

    def _serve(self, host: str, port: int, workers: int) -> None:
        Site(
            {
                "bind": f"{host}:{port}",
                "workers": workers,
                "timeout": 60,
                "graceful_timeout": 10,
                "accesslog": "-",
                # Method, path without its query, status, size and time: no address or query
                # string (a search can hold a name) reaches the log.
                "access_log_format": '"%(m)s %(U)s" %(s)s %(B)s %(M)sms',
                "errorlog": "-",
                "loglevel": "warning",
                "logger_class": RedactedLogger,
            }
        ).run()


def start_worker() -> subprocess.Popen[bytes]:
    """``alongside worker`` in a process of its own, beside the web server's; on Linux it is
    told to stop when this process dies, however it dies (a SIGKILL included)."""
    return subprocess.Popen(
        [sys.executable, "-m", "alongside", "worker"],
        preexec_fn=_stop_with_parent if sys.platform == "linux" else None,
    )


def _stop_with_parent() -> None:
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def stop_worker(runner: subprocess.Popen[bytes], wait: float = 15) -> None:
    """Ask the runner to stop (the job in hand finishes first); kill it if it will not."""
    if runner.poll() is None:
        runner.terminate()
        try:
            runner.wait(wait)
        except subprocess.TimeoutExpired:
            runner.kill()
            runner.wait()


class RedactedLogger(Logger):
    """gunicorn's request and error lines through the site's own filters: the secret in a path
    that carries one (a portal invitation's) written as ``…``, no query string."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.access_log, self.error_log):
            for handler in log.handlers:
                handler.addFilter(RedactSecrets())
                handler.addFilter(DropQueryStrings())


class Site(BaseApplication):
    """gunicorn serving this Django site, configured here rather than from its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
