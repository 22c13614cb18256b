"""Which measures this place uses: the definitions shipped in ``definitions/`` and any a site
loads, each validated by the engine before it is stored, and the parsed :class:`engine.Measure`
for a stored version.

Loading is idempotent: the same file twice changes nothing, while different content under a
version already loaded is refused (a changed definition is a new version, so old responses keep
the definition they were answered against).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from django.db import transaction

from alongside.accounts.models import User
from alongside.outcomes import engine
from alongside.outcomes.engine import DefinitionError, Measure, Problem
from alongside.outcomes.models import Questionnaire, Source

SHIPPED = Path(__file__).resolve().parent / "definitions"


def read_json(path: Path) -> Any:
    """A file's JSON, or :class:`DefinitionError` saying why it could not be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise DefinitionError([Problem(str(path), f"cannot be read ({error.strerror})")]) from None
    except UnicodeDecodeError:
        raise DefinitionError([Problem(str(path), "is not UTF-8 text")]) from None
    except json.JSONDecodeError as error:
        raise DefinitionError(
            [Problem(f"line {error.lineno}, column {error.colno}", f"not JSON: {error.msg}")]
        ) from None


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


@transaction.atomic
def load_definition(
    data: Any, *, source: str = Source.SITE, by: User | None = None
) -> Questionnaire:
    """Store a definition after the engine has accepted it; it becomes the current version of
    its measure unless a site-loaded version is current and this one is shipped."""
    measure = engine.parse(data)
    fingerprint = digest(data)
    existing = Questionnaire.objects.filter(name=measure.name, version=measure.version).first()
    if existing is not None:
        if existing.digest != fingerprint:
            raise DefinitionError(
                [
                    Problem(
                        "version",
                        f"version {measure.version} of {measure.name} is already loaded with "
                        "different content: give the changed definition a new version",
                    )
                ]
            )
        return existing
    current = Questionnaire.objects.select_for_update().filter(name=measure.name, is_current=True)
    becomes_current = not (source == Source.SHIPPED and current.filter(source=Source.SITE).exists())
    if becomes_current:
        current.update(is_current=False)
    return Questionnaire.objects.create(
        name=measure.name,
        version=measure.version,
        title=measure.title,
        definition=data,
        source=source,
        digest=fingerprint,
        is_current=becomes_current,
        loaded_by=by,
    )


@transaction.atomic
def load_wording(data: Any, *, by: User | None = None) -> Questionnaire:
    """Lay a licensed wording file over the definition it names (``wordingFor`` and
    ``version``), after checking it covers every question and nothing else."""
    if not isinstance(data, dict) or not isinstance(data.get("wordingFor"), str):
        raise DefinitionError([Problem("wordingFor", "name the measure this wording is for")])
    version = str(data.get("version", ""))
    questionnaire = (
        Questionnaire.objects.select_for_update()
        .filter(name=data["wordingFor"], version=version)
        .first()
    )
    if questionnaire is None:
        raise DefinitionError(
            [Problem("wordingFor", f"no measure {data['wordingFor']} version {version} is loaded")]
        )
    engine.parse(questionnaire.definition, data)  # raises with every problem
    if questionnaire.wording != data:
        questionnaire.wording = data
        questionnaire.save(update_fields=["wording"])
    return questionnaire


def load_file(path: Path, *, by: User | None = None, source: str = Source.SITE) -> Questionnaire:
    """A definition (``"resourceType": "Questionnaire"``) or a wording file (``"wordingFor"``)."""
    data = read_json(path)
    if isinstance(data, dict) and "wordingFor" in data:
        return load_wording(data, by=by)
    return load_definition(data, source=source, by=by)


def sync_shipped(**_: Any) -> list[Questionnaire]:
    """Load every shipped definition, then the shipped wording files (run after migrations)."""
    files = sorted(SHIPPED.glob("*.json"))
    loaded = [load_file(f, source=Source.SHIPPED) for f in files if not f.stem.endswith("-wording")]
    for f in files:
        if f.stem.endswith("-wording"):
            load_file(f, source=Source.SHIPPED)
    return loaded


_PARSED: dict[tuple[int, str, str], Measure] = {}


def measure(questionnaire: Questionnaire) -> Measure:
    """The parsed measure for a stored version (cached; the key changes with its content)."""
    key = (questionnaire.pk, questionnaire.digest, digest(questionnaire.wording))
    found = _PARSED.get(key)
    if found is None:
        found = _PARSED[key] = engine.parse(questionnaire.definition, questionnaire.wording or None)
    return found


def current(name: str) -> Questionnaire | None:
    return Questionnaire.objects.filter(name=name, is_current=True).first()


def usable() -> list[tuple[Questionnaire, Measure]]:
    """The current version of every measure that can be completed here (licensed wording
    loaded where it is needed), by title."""
    pairs = [(q, measure(q)) for q in Questionnaire.objects.filter(is_current=True)]
    return sorted(((q, m) for q, m in pairs if m.usable), key=lambda p: p[1].short_title.lower())
