"""``alongside demo``: load the synthetic county of Wyvern, then print the demo sign-ins."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from alongside.core import db_roles
from alongside.demo.generator import (
    DEFAULT_SEED,
    SCALES,
    demo_place_loaded,
    flush,
    generate,
    loaded_place,
    made_since,
    tidy_up,
)
from alongside.demo.models import DemoPlace
from alongside.demo.sign_ins import render_sign_ins
from alongside.organisations.models import Organisation

NATIONAL = "national"
#: ``--if-empty`` loads the demo place again once it is older than this many days.
STALE_AFTER_DAYS = 7


def scale(value: str) -> int | str:
    """``demo``, ``county``, ``national`` or a number of people (the ``--scale`` option's
    type)."""
    if value == NATIONAL:
        return NATIONAL
    if value in SCALES:
        return SCALES[value]
    try:
        people = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"Scale must be {', '.join(SCALES)}, {NATIONAL} or a number of people, not '{value}'"
        ) from None
    if people < 1:
        raise argparse.ArgumentTypeError("Scale must be at least 1 person")
    return people


def as_of(value: str) -> dt.date:
    """A day no later than today, as YYYY-MM-DD (the ``--as-of`` option's type)."""
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--as-of must be a date written YYYY-MM-DD, such as 2026-11-01, not '{value}'"
        ) from None
    today = timezone.localdate()
    if day > today:
        raise argparse.ArgumentTypeError(
            f"--as-of cannot be after today ({today:%Y-%m-%d}): the place would hold contacts "
            "and decisions that have not happened yet"
        )
    return day


class Command(BaseCommand):
    help = (
        "Load a synthetic place (the county of Wyvern): localities, organisations, teams, staff, "
        "people, the service directory, 18 months of referrals and locality meetings, and key "
        "working (episodes, contacts, plans, goals) with outcome measures, reproducibly from a "
        "seed. Prints the demo sign-ins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, help=f"same seed and date, same rows (default {DEFAULT_SEED})"
        )
        parser.add_argument(
            "--as-of",
            type=as_of,
            metavar="YYYY-MM-DD",
            help="the day the place is made as of: its 'today', which every date counts back "
            "from (default: today)",
        )
        parser.add_argument(
            "--scale",
            type=scale,
            help="demo (about 2,000 people), county (about 25,000), a number of people, or "
            "national (a research extract of about 1,000,000 people, written with --extract)",
        )
        parser.add_argument(
            "--extract",
            type=Path,
            metavar="DIR",
            help="with --scale national: the empty or new folder to write the extract into "
            "(the database is not used)",
        )
        parser.add_argument(
            "--people",
            type=_people_option,
            metavar="N",
            help="with --scale national: how many people (default 1,000,000)",
        )
        group = parser.add_mutually_exclusive_group()
        group.add_argument(
            "--if-empty",
            action="store_true",
            help="load nothing if any organisation exists, just print the sign-ins; but load "
            f"the demo place again as of today if it was made more than {STALE_AFTER_DAYS} days "
            "ago and nothing made since would be lost",
        )
        group.add_argument(
            "--flush", action="store_true", help="delete the demo place first, then load it again"
        )
        group.add_argument(
            "--refresh",
            action="store_true",
            help="load the demo place again as of today (or --as-of), with the seed and scale "
            "it was made with; refused if records made since would be lost",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A bulk load that skips the record history's triggers and tidies the tables after:
        # the owner's work, not the site's.
        with db_roles.as_owner(stay_in_transaction=True):
            self._handle(*args, **options)

    def _handle(
        self,
        *args: Any,
        seed: int | None,
        scale: int | str | None,
        if_empty: bool,
        flush: bool,
        **options: Any,
    ) -> None:
        verbosity = options.get("verbosity", 1)
        refresh = bool(options.get("refresh"))
        day = options.get("as_of")
        try:
            if isinstance(scale, str):  # call_command(..., scale="county") skips argparse
                scale = _scale_option(scale)
            if isinstance(day, str):  # and call_command(..., as_of="2026-11-01") too
                day = as_of(day)
        except argparse.ArgumentTypeError as exc:
            raise CommandError(str(exc)) from None
        if sum((if_empty, flush, refresh)) > 1:  # call_command skips the exclusive group
            raise CommandError("Give one of --if-empty, --flush and --refresh.")
        extract, people = options.get("extract"), options.get("people")
        if scale == NATIONAL:
            # Before anything that could touch the database: this branch never does.
            if if_empty or flush or refresh:
                raise CommandError(
                    "--if-empty, --flush and --refresh are for the database; --scale national "
                    "writes a research extract instead."
                )
            self._national(extract, people, _seed(seed), day, verbosity)
            return
        if extract is not None or people is not None:
            raise CommandError(
                "--extract and --people go with --scale national; other scales load the "
                "database (give the number of people as --scale N)."
            )
        if refresh:
            if seed is not None or scale is not None:
                raise CommandError(
                    "--refresh loads the place again with the seed and scale it was made with; "
                    "to change them, use --flush with --seed and --scale."
                )
            place = loaded_place()
            if place is None:
                raise CommandError(
                    "No demo place is loaded, so there is nothing to refresh: run "
                    "'alongside demo' to load one."
                )
            lost = made_since(place)
            if lost:
                raise CommandError(
                    f"{_made_as_of(place)}. Loading it again would delete what was recorded "
                    f"since ({_summary(lost)}): keep it, or run 'alongside demo --flush' to "
                    "discard those records and load the place again as of today."
                )
            self._load(place.seed, place.people, day, verbosity, flush=True, place=place)
            return
        if if_empty and Organisation.objects.exists():
            place = loaded_place()
            if place is None:
                self.stdout.write("Organisations already exist, so the demo place was not loaded.")
                return
            age = place.age_on(timezone.localdate())
            if age > STALE_AFTER_DAYS:
                lost = made_since(place)
                if not lost:
                    self.stdout.write(
                        f"{_made_as_of(place)}, {age} days ago: loading it again as of today."
                    )
                    self._load(place.seed, place.people, None, verbosity, flush=True)
                    return
                self.stdout.write(
                    f"{_made_as_of(place)}, {age} days ago, but records were made in it since "
                    f"({_summary(lost)}), so it is kept as it is. 'alongside demo --flush' "
                    "discards them and loads it again as of today."
                )
            else:
                self.stdout.write("The demo place is already loaded.")
            self.stdout.write(render_sign_ins())
            return
        if not flush and demo_place_loaded():
            raise CommandError(
                "The demo place is already loaded. Run with --flush to load it again, "
                "--refresh to move it to today, or --if-empty to keep it."
            )
        self._load(_seed(seed), _scale(scale), day, verbosity, flush=flush)

    def _load(
        self,
        seed: int,
        people: int,
        day: dt.date | None,
        verbosity: int,
        *,
        flush: bool,
        place: DemoPlace | None = None,
    ) -> None:
        """Load the place (removing the previous one first when ``flush``), then print the
        sign-ins. With ``place``, say that it is the same place made again as of a new day."""
        day = day or timezone.localdate()
        if place is not None:
            self.stdout.write(
                f"{_made_as_of(place)}: loading it again as of {day:%Y-%m-%d} with the same "
                f"seed ({seed}) and scale ({people:,} people)."
            )
        else:
            self.stdout.write(
                f"Loading the demo place: seed {seed}, {people:,} people, as of {day:%Y-%m-%d}."
            )
        started = time.perf_counter()
        removed = ""
        with transaction.atomic(), self._progress(verbosity) as progress:
            if flush:
                progress.start("Removing the previous place", 1)
                try:
                    removed = _summary(flush_demo())
                except (ProtectedError, RestrictedError) as exc:
                    raise CommandError(
                        "The demo place cannot be removed: records made since refer to it "
                        f"({exc.args[0]}). Start from an empty database instead."
                    ) from exc
                progress.advance(1)
            counts = generate(seed, people, as_of=day, progress=progress)
        tidy_up()
        elapsed = time.perf_counter() - started
        if removed and verbosity:
            self.stdout.write(f"Removed the previous demo place: {removed}.")
        self.stdout.write(f"Loaded in {elapsed:.1f} s: {_summary(counts)}.")
        self.stdout.write("")
        self.stdout.write(render_sign_ins())

    def _national(
        self,
        extract: Path | str | None,
        people: int | str | None,
        seed: int,
        day: dt.date | None,
        verbosity: int,
    ) -> None:
        """Write the national research extract straight to Parquet files, with no database."""
        from alongside.demo.national import ExtractNotEmpty, write_national_extract

        if extract is None:
            raise CommandError(
                "--scale national writes a research extract, not the database: give the "
                "folder with --extract DIR (for example --extract var/national)."
            )
        extract = Path(extract)
        try:
            people = 1_000_000 if people is None else _people_option(str(people))
        except argparse.ArgumentTypeError as exc:  # call_command(..., people="0") skips argparse
            raise CommandError(str(exc)) from None
        day = day or timezone.localdate()
        self.stdout.write(
            f"Writing a national research extract: seed {seed}, {people:,} people, "
            f"as of {day:%Y-%m-%d}."
        )
        started = time.perf_counter()
        with self._progress(verbosity) as progress:
            progress.start("People and their care", people)
            written = [0]

            def advance(done: int, total: int) -> None:
                progress.advance(done - written[0])
                written[0] = done

            try:
                rows = write_national_extract(
                    extract, people=people, seed=seed, as_of=day, progress=advance
                )
            except ExtractNotEmpty as exc:
                raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        self.stdout.write(f"Written to {extract} in {elapsed:.1f} s: {_summary(rows)}.")

    def _progress(self, verbosity: int) -> _BarProgress | _StepLines:
        if verbosity and sys.stderr.isatty():
            return _BarProgress(Console(stderr=True))
        return _StepLines(self.stderr.write if verbosity else None)


def _people_option(value: str) -> int:
    """A number of people, at least 1 (the ``--people`` option's type)."""
    try:
        people = int(value.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--people must be a number, not '{value}'") from None
    if people < 1:
        raise argparse.ArgumentTypeError("--people must be at least 1")
    return people


def _seed(seed: int | None) -> int:
    return DEFAULT_SEED if seed is None else seed


def _scale(people: int | str | None) -> int:
    return SCALES["demo"] if people is None else int(people)


def _made_as_of(place: DemoPlace) -> str:
    if place.pk is None:  # loaded before the generator recorded its date: worked out
        return f"The demo place was made as of about {place.as_of:%Y-%m-%d}"
    return f"The demo place was made as of {place.as_of:%Y-%m-%d}"


# The options of the same names shadow these inside ``handle``.
flush_demo = flush
_scale_option = scale


def _summary(counts: dict[str, int]) -> str:
    return ", ".join(
        f"{number:,} {name.removesuffix('s') if number == 1 else name}"
        for name, number in counts.items()
        if number
    )


class _BarProgress:
    """A rich progress bar per step, on the terminal's stderr."""

    def __init__(self, console: Console) -> None:
        self.bar = Progress(
            TextColumn("{task.description:<26}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        )
        self.task: Any = None

    def __enter__(self) -> _BarProgress:
        self.bar.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.bar.stop()

    def start(self, label: str, total: int) -> None:
        self.task = self.bar.add_task(label, total=total)

    def advance(self, amount: int) -> None:
        self.bar.advance(self.task, amount)


class _StepLines:
    """One line per step, for logs and pipes where a live bar would be noise."""

    def __init__(self, write: Callable[[str], Any] | None) -> None:
        self.write = write

    def __enter__(self) -> _StepLines:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def start(self, label: str, total: int) -> None:
        if self.write:
            self.write(f"  {label} ({total:,})…")

    def advance(self, amount: int) -> None:
        pass
