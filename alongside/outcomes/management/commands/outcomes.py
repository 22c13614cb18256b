"""``alongside outcomes``: the measures this place uses.

* ``alongside outcomes list`` — each measure, its version, where it came from and whether it can
  be used (a licensed measure needs its wording loaded first);
* ``alongside outcomes load FILE`` — add a definition, a new version of one, or a site's licensed
  wording; the file is checked first and every problem is listed with its location;
* ``alongside outcomes score MEASURE ANSWERS.json`` — print a response's scores as JSON, so an
  analyst can check a definition against worked examples. ANSWERS.json is an object from link
  ids to answers, or a list of answers in question order. ``--definition FILE`` scores against a
  definition file that is not loaded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from alongside.outcomes import engine, registry
from alongside.outcomes.engine import AnswerError, DefinitionError
from alongside.outcomes.models import Questionnaire


class Command(BaseCommand):
    help = "List, load and score outcome measures."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("list", help="The measures loaded here.")
        load = actions.add_parser("load", help="Load a definition or licensed wording file.")
        load.add_argument("file")
        score = actions.add_parser("score", help="Score a set of answers and print JSON.")
        score.add_argument("measure", help="The measure's short name, e.g. phq9, dialog, gbo")
        score.add_argument("answers", help="A JSON file: {link id: answer} or [answers]")
        score.add_argument("--definition", help="Score against this file instead of the loaded one")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "list":
                self._list()
            elif action == "load":
                self._load(Path(options["file"]))
            else:
                self._score(options["measure"], Path(options["answers"]), options["definition"])
        except (DefinitionError, AnswerError) as error:
            for problem in error.problems:
                self.stderr.write(f"  {problem}")
            kind = "definition" if isinstance(error, DefinitionError) else "answers"
            raise CommandError(
                f"The {kind} could not be used ({len(error.problems)} problem"
                f"{'s' if len(error.problems) != 1 else ''}); nothing was saved."
            ) from None

    def _list(self) -> None:
        for questionnaire in Questionnaire.objects.order_by("name", "-loaded_at"):
            measure = registry.measure(questionnaire)
            state = "current" if questionnaire.is_current else "earlier version"
            usable = "" if measure.usable else ", needs its licensed wording"
            self.stdout.write(
                f"{questionnaire.name:<10} v{questionnaire.version:<6} {measure.title} "
                f"({questionnaire.get_source_display().lower()}, {state}{usable})"
            )

    def _load(self, path: Path) -> None:
        questionnaire = registry.load_file(path)
        measure = registry.measure(questionnaire)
        note = "" if measure.usable else " It needs its licensed wording before it can be used."
        self.stdout.write(
            f"Loaded {measure.title} ({questionnaire.name} version {questionnaire.version}).{note}"
        )

    def _score(self, name: str, answers_path: Path, definition: str | None) -> None:
        if definition:
            data = registry.read_json(Path(definition))
            wording_path = Path(definition).with_name(f"{Path(definition).stem}-wording.json")
            wording = registry.read_json(wording_path) if wording_path.exists() else None
            measure = engine.parse(data, wording)
            if measure.name != name:
                raise CommandError(f"{definition} defines {measure.name}, not {name}.")
        else:
            questionnaire = registry.current(name)
            if questionnaire is None:
                known = ", ".join(
                    Questionnaire.objects.filter(is_current=True).values_list("name", flat=True)
                )
                raise CommandError(f"No measure called {name}. Measures here: {known}.")
            measure = registry.measure(questionnaire)
        answers = registry.read_json(answers_path)
        result = engine.score(measure, answers, complete=True)
        self.stdout.write(json.dumps(result.as_json(), indent=2))
