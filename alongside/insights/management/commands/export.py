"""``alongside export``: files that leave the platform.

* ``alongside export mhsds --month YYYY-MM DIR`` — the month's Mental Health Services Data Set
  tables as CSV files, with ``validation.csv`` (what NHS England would reject, and warnings) and
  ``summary.txt``. DIR is made if missing; a non-empty DIR is refused unless ``--force``, which
  replaces an earlier MHSDS export there (and nothing else). ``--provider ODS`` names the
  submitting NHS provider when more than one NHS trust is recorded. See ``docs/mhsds.md``.
* ``alongside export research DIR`` — the pseudonymised research extract (``--force`` as above).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.insights import mhsds


class Command(BaseCommand):
    help = "Export the MHSDS monthly submission or the research extract."

    def add_arguments(self, parser: CommandParser) -> None:
        what = parser.add_subparsers(dest="what", required=True)
        monthly = what.add_parser("mhsds", help="One month's MHSDS tables as CSV files.")
        monthly.add_argument("--month", required=True, help="The month, as YYYY-MM")
        monthly.add_argument("dir", help="The directory to write (made if missing)")
        monthly.add_argument(
            "--force", action="store_true", help="Replace an earlier MHSDS export in DIR"
        )
        monthly.add_argument(
            "--provider", help="ODS code of the submitting NHS provider, if there are several"
        )
        research = what.add_parser("research", help="The pseudonymised research extract.")
        research.add_argument("dir", help="The directory to write (made if missing)")
        research.add_argument(
            "--force", action="store_true", help="Replace an earlier extract in DIR"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["what"] == "mhsds":
            self._mhsds(options["month"], Path(options["dir"]), options["force"], options)
        else:
            self._research(Path(options["dir"]), options["force"])

    def _mhsds(self, month_text: str, directory: Path, force: bool, options: Any) -> None:
        try:
            month = mhsds.parse_month(month_text)
            result = mhsds.write_month(
                month, directory, force=force, provider=options.get("provider")
            )
        except (mhsds.MonthError, mhsds.ExportError) as error:
            raise CommandError(f"{error} Nothing was written.") from None
        except OSError as error:
            raise CommandError(
                f"Could not write to {directory}: {error.strerror or error}. Nothing was written."
            ) from None
        for line in result.summary():
            self.stdout.write(line)

    def _research(self, directory: Path, force: bool) -> None:
        from alongside.insights.extract import write_extract

        result = write_extract(directory, force=force)
        for line in result.summary():
            self.stdout.write(line)
