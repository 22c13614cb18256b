"""``alongside workforce courses load FILE``: add a site's own courses and requirements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.workforce import courses


class Command(BaseCommand):
    help = "Training and the workforce: load a site's courses (and role and episode requirements)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subject", required=True)
        course_parser = sub.add_parser("courses", help="The courses this place recognises.")
        actions = course_parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="Check a JSON file and load it (all or nothing).")
        load.add_argument("file", type=Path)
        actions.add_parser("list", help="List the courses.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for course in courses.Course.objects.order_by("key"):
                months = course.valid_for_months
                valid = f"{months} months" if months else "no expiry"
                self.stdout.write(f"{course.key}\t{course.title}\t{valid}")
            return
        try:
            loaded = courses.load_file(options["file"])
        except courses.CoursesInvalid as error:
            lines = "\n".join(f"  - {problem}" for problem in error.problems)
            raise CommandError(
                f"Nothing was saved: the file has {len(error.problems)} "
                f"problem{'s' if len(error.problems) != 1 else ''}:\n{lines}"
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Courses: {loaded.added} added, {loaded.updated} updated, "
                f"{loaded.unchanged} unchanged; {loaded.requirements_added} requirements added."
            )
        )
