"""The one engine behind every outcome measure: it reads a definition (a JSON file shaped like a
FHIR R4 Questionnaire, with a ``scoring`` block of our own), checks it, checks a set of answers
against it and scores them.

Nothing here touches the database: the same code scores a response on save, in
``alongside outcomes score`` and in the benchmarks, so a definition can be checked against worked
examples without a server.

A definition, in brief (see ``docs/outcomes.md`` for the whole format)::

    {"resourceType": "Questionnaire", "name": "phq9", "version": "1", "title": "...",
     "code": [{"system": "http://snomed.info/sct", "code": "720433000", "display": "..."}],
     "answerLists": {"frequency": [{"code": "0", "display": "Not at all", "value": 0}, ...]},
     "item": [{"linkId": "1", "type": "choice", "required": true, "text": "...",
               "answerList": "frequency"}, ...],
     "scoring": {"scores": [{"id": "total", "method": "sum", "items": ["1", ...], "min": 0,
                             "max": 27, "better": "lower", "change": true,
                             "reliableChange": {"threshold": 6, "source": "..."},
                             "bands": [{"min": 0, "max": 4, "label": "None to minimal"}, ...]}],
                 "flags": [{"id": "self-harm", "item": "9", "above": 0, "label": "..."}]}}
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

SNOMED = "http://snomed.info/sct"

ITEM_TYPES = ("display", "choice", "integer", "boolean", "string")
#: Item types whose answers a score can add up.
SCORED_TYPES = ("choice", "integer")
#: How a score is made from its items: their sum, their mean, one item's value, or ``top``: 1 when
#: every item has its highest value and 0 otherwise (CollaboRATE's 'top score').
METHODS = ("sum", "mean", "item", "top")
#: The longest free-text answer a ``string`` item takes.
MAX_TEXT = 2000


# --- Problems --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong, and where: ``item[3].answerList`` or ``answers.9``."""

    location: str
    message: str

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class DefinitionError(ValueError):
    """A definition (or wording) file that cannot be used, with every problem found in it."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class AnswerError(ValueError):
    """Answers that do not fit the measure, with a problem for each answer (by link id)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))

    def by_item(self) -> dict[str, str]:
        return {p.location: p.message for p in self.problems}


# --- The parsed definition -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    code: str
    display: str
    value: Decimal | None


@dataclass(frozen=True)
class Item:
    link_id: str
    type: str
    text: str
    required: bool = False
    options: tuple[Option, ...] = ()
    min_value: int | None = None
    max_value: int | None = None
    codes: tuple[dict[str, str], ...] = ()
    #: For a yes/no follow-up ("do you want more help with this?"): the item it is about.
    more_help_for: str | None = None
    #: Help text shown under the question (hint), if any.
    hint: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "display"

    @cached_property
    def _by_code(self) -> dict[str, Option]:
        return {o.code: o for o in self.options}

    def option(self, code: str) -> Option | None:
        return self._by_code.get(code)

    def value_of(self, answer: Any) -> Decimal | None:
        """The number a (valid) answer adds to a score."""
        if self.type == "choice":
            option = self.option(str(answer))
            return option.value if option else None
        if self.type == "integer":
            return Decimal(int(answer))
        return None

    def value_range(self) -> tuple[Decimal, Decimal]:
        if self.type == "choice":
            values = [o.value for o in self.options if o.value is not None]
            return min(values), max(values)
        return Decimal(self.min_value or 0), Decimal(self.max_value or 0)


@dataclass(frozen=True)
class Band:
    low: Decimal
    high: Decimal
    label: str

    def holds(self, value: Decimal) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class ScoreRule:
    id: str
    label: str
    method: str
    items: tuple[str, ...]
    low: Decimal
    high: Decimal
    min_answered: int
    better: str
    change: bool
    reliable_change: Decimal | None
    reliable_change_source: str
    codes: tuple[dict[str, str], ...]
    bands: tuple[Band, ...]
    decimals: int

    @property
    def code(self) -> str:
        return next((c["code"] for c in self.codes if c.get("system") == SNOMED), "")

    def band_for(self, value: Decimal) -> str:
        return next((b.label for b in self.bands if b.holds(value)), "")


@dataclass(frozen=True)
class FlagRule:
    id: str
    item: str
    above: Decimal
    label: str
    #: What the practitioner should do, shown with the flag (e.g. review the safety plan).
    prompt: str


@dataclass(frozen=True)
class Measure:
    name: str
    version: str
    title: str
    short_title: str
    description: str
    copyright: str
    codes: tuple[dict[str, str], ...]
    items: tuple[Item, ...]
    scores: tuple[ScoreRule, ...]
    flags: tuple[FlagRule, ...]
    #: True when item wording is licensed and not shipped: the measure cannot be completed until
    #: a site loads its wording (``alongside outcomes load``).
    needs_wording: bool
    #: Goal Based Outcomes: each scored item rates one of the person's plan goals.
    goal_items: tuple[str, ...]
    wording_licence: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def answerable(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.answerable)

    @cached_property
    def _by_link_id(self) -> dict[str, Item]:
        return {i.link_id: i for i in self.items}

    def item(self, link_id: str) -> Item:
        return self._by_link_id[link_id]

    def score(self, score_id: str) -> ScoreRule:
        return next(s for s in self.scores if s.id == score_id)

    @property
    def change_scores(self) -> tuple[ScoreRule, ...]:
        return tuple(s for s in self.scores if s.change)

    @property
    def usable(self) -> bool:
        return not self.needs_wording

    def follow_ups(self, link_id: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.more_help_for == link_id)


# --- Reading a definition --------------------------------------------------------------------


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except ArithmeticError:
        return None
    return number if number.is_finite() else None


class _Reader:
    """Collects every problem in a definition rather than stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, location: str, message: str) -> None:
        self.problems.append(Problem(location, message))

    def text(self, data: Mapping[str, Any], key: str, where: str, *, required: bool) -> str:
        value = data.get(key, "")
        if not isinstance(value, str):
            self.problem(f"{where}{key}", "must be text")
            return ""
        if required and not value.strip():
            self.problem(f"{where}{key}", "is missing")
        return value

    def codes(self, data: Mapping[str, Any], where: str) -> tuple[dict[str, str], ...]:
        codes = data.get("code", [])
        if not isinstance(codes, list) or not all(
            isinstance(c, dict)
            and isinstance(c.get("system"), str)
            and isinstance(c.get("code"), str)
            for c in codes
        ):
            self.problem(f"{where}code", "must be a list of codings, each with a system and a code")
            return ()
        return tuple({k: str(v) for k, v in c.items()} for c in codes)


def parse(data: Any, wording: Mapping[str, Any] | None = None) -> Measure:
    """A :class:`Measure` from a definition (and a site's licensed wording, if any), or
    :class:`DefinitionError` listing every problem with its location."""
    r = _Reader()
    if not isinstance(data, dict):
        raise DefinitionError([Problem("", "a definition is a JSON object")])
    data = apply_wording(data, wording) if wording else data
    if data.get("resourceType") != "Questionnaire":
        r.problem("resourceType", 'must be "Questionnaire"')
    name = r.text(data, "name", "", required=True)
    if name and not (name.isascii() and name.replace("-", "").isalnum() and name == name.lower()):
        r.problem("name", "must be lower-case letters, digits and hyphens (for example phq9)")
    version = r.text(data, "version", "", required=True)
    title = r.text(data, "title", "", required=True)
    codes = r.codes(data, "")
    lists = _answer_lists(r, data.get("answerLists", {}))
    needs_wording = data.get("wording") == "licensed" and not wording
    items = _items(r, data.get("item"), lists, needs_wording=data.get("wording") == "licensed")
    by_id = {i.link_id: i for i in items}
    scoring = data.get("scoring")
    if not isinstance(scoring, dict) or not scoring.get("scores"):
        r.problem("scoring", "is missing: a measure needs at least one score")
        scores: tuple[ScoreRule, ...] = ()
        flags: tuple[FlagRule, ...] = ()
    else:
        scores = _scores(r, scoring["scores"], by_id)
        flags = _flags(r, scoring.get("flags", []), by_id)
    goal_items = data.get("goalItems", [])
    if not isinstance(goal_items, list) or any(
        g not in by_id or by_id[g].type not in SCORED_TYPES for g in goal_items
    ):
        r.problem("goalItems", "must list scored items of this measure")
        goal_items = []
    if r.problems:
        raise DefinitionError(r.problems)
    return Measure(
        name=name,
        version=version,
        title=title,
        short_title=str(data.get("shortTitle") or title),
        description=str(data.get("description", "")),
        copyright=str(data.get("copyright", "")),
        codes=codes,
        items=items,
        scores=scores,
        flags=flags,
        needs_wording=needs_wording,
        goal_items=tuple(goal_items),
        wording_licence=str((wording or {}).get("licence", "")),
        raw=data,
    )


def _answer_lists(r: _Reader, lists: Any) -> dict[str, tuple[Option, ...]]:
    if not isinstance(lists, dict):
        r.problem("answerLists", "must be an object of named answer lists")
        return {}
    return {key: _options(r, options, f"answerLists.{key}") for key, options in lists.items()}


def _options(r: _Reader, options: Any, where: str) -> tuple[Option, ...]:
    if not isinstance(options, list) or not options:
        r.problem(where, "must be a non-empty list of answer options")
        return ()
    parsed: list[Option] = []
    for n, option in enumerate(options):
        at = f"{where}[{n}]"
        if not isinstance(option, dict):
            r.problem(at, "must be an object")
            continue
        coding = option.get("valueCoding", option)
        code = coding.get("code") if isinstance(coding, dict) else None
        if not isinstance(code, str) or not code:
            r.problem(f"{at}.code", "is missing")
            continue
        value = option.get("value")
        number = None if value is None else _decimal(value)
        if value is not None and number is None:
            r.problem(f"{at}.value", "must be a number")
        parsed.append(Option(code, str(coding.get("display", "")), number))
    codes = [o.code for o in parsed]
    for code in {c for c in codes if codes.count(c) > 1}:
        r.problem(where, f'answer code "{code}" appears more than once')
    return tuple(parsed)


def _items(
    r: _Reader, raw_items: Any, lists: dict[str, tuple[Option, ...]], *, needs_wording: bool
) -> tuple[Item, ...]:
    if not isinstance(raw_items, list) or not raw_items:
        r.problem("item", "is missing: a measure needs items")
        return ()
    items: list[Item] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items):
        where = f"item[{n}]"
        if not isinstance(raw, dict):
            r.problem(where, "must be an object")
            continue
        link_id = raw.get("linkId")
        if not isinstance(link_id, str) or not link_id:
            r.problem(f"{where}.linkId", "is missing")
            continue
        where = f"item[{n}] ({link_id})"
        if link_id in seen:
            r.problem(f"{where}.linkId", f'"{link_id}" is used by more than one item')
        seen.add(link_id)
        kind = raw.get("type")
        if kind not in ITEM_TYPES:
            r.problem(
                f"{where}.type",
                f'unknown item type "{kind}" (known: {", ".join(ITEM_TYPES)})',
            )
            continue
        text = raw.get("text", "")
        if not isinstance(text, str) or (not text.strip() and not needs_wording):
            r.problem(f"{where}.text", "is missing")
            text = ""
        options: tuple[Option, ...] = ()
        if kind == "choice":
            if "answerList" in raw:
                options = lists.get(raw["answerList"], ())
                if raw["answerList"] not in lists:
                    r.problem(f"{where}.answerList", f'no answer list "{raw["answerList"]}"')
            else:
                options = _options(r, raw.get("answerOption"), f"{where}.answerOption")
        low, high = raw.get("minValue"), raw.get("maxValue")
        if kind == "integer" and (
            not isinstance(low, int) or not isinstance(high, int) or low > high
        ):
            r.problem(where, "an integer item needs whole-number minValue and maxValue, in order")
            low = high = None
        items.append(
            Item(
                link_id=link_id,
                type=kind,
                text=text,
                required=bool(raw.get("required", False)),
                options=options,
                min_value=low if kind == "integer" else None,
                max_value=high if kind == "integer" else None,
                codes=r.codes(raw, f"{where}."),
                more_help_for=raw.get("moreHelpFor"),
                hint=str(raw.get("hint", "")),
            )
        )
    ids = {i.link_id for i in items}
    for item in items:
        if item.more_help_for is not None and (
            item.type != "boolean" or item.more_help_for not in ids
        ):
            r.problem(
                f"item ({item.link_id}).moreHelpFor",
                "must be on a yes/no item and name another item of this measure",
            )
    return tuple(items)


def _scores(r: _Reader, raw_scores: Any, by_id: dict[str, Item]) -> tuple[ScoreRule, ...]:
    if not isinstance(raw_scores, list):
        r.problem("scoring.scores", "must be a list")
        return ()
    scores: list[ScoreRule] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_scores):
        where = f"scoring.scores[{n}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("id"), str) or not raw["id"]:
            r.problem(where, "needs an id")
            continue
        where = f"scoring.scores[{n}] ({raw['id']})"
        if raw["id"] in seen:
            r.problem(f"{where}.id", f'"{raw["id"]}" is used by more than one score')
        seen.add(raw["id"])
        method = raw.get("method")
        if method not in METHODS:
            r.problem(f"{where}.method", f"must be one of {', '.join(METHODS)}")
            continue
        items = raw.get("items")
        if not isinstance(items, list) or not items:
            r.problem(f"{where}.items", "must list the items it scores")
            continue
        bad = [i for i in items if i not in by_id or by_id[i].type not in SCORED_TYPES]
        if bad:
            r.problem(
                f"{where}.items",
                "not scored items of this measure: " + ", ".join(map(str, bad)),
            )
            continue
        if method == "item" and len(items) != 1:
            r.problem(f"{where}.items", 'a score with method "item" takes exactly one item')
            continue
        if any(by_id[i].type == "choice" and not by_id[i].options for i in items):
            continue  # already reported on the item
        if any(
            by_id[i].type == "choice" and any(o.value is None for o in by_id[i].options)
            for i in items
        ):
            r.problem(f"{where}.items", "every answer option of a scored item needs a value")
            continue
        decimals = raw.get("decimals", 0 if method != "mean" else 2)
        if not isinstance(decimals, int) or not 0 <= decimals <= 4:
            r.problem(f"{where}.decimals", "must be a whole number from 0 to 4")
            decimals = 2
        low_high = [by_id[i].value_range() for i in items]
        if method == "mean":
            low = min(lo for lo, _ in low_high)
            high = max(hi for _, hi in low_high)
        elif method == "top":
            low, high = Decimal(0), Decimal(1)
        else:
            low = sum((lo for lo, _ in low_high), Decimal(0))
            high = sum((hi for _, hi in low_high), Decimal(0))
        declared_low, declared_high = _decimal(raw.get("min")), _decimal(raw.get("max"))
        if declared_low is None or declared_high is None:
            r.problem(where, "needs its min and max")
        elif (declared_low, declared_high) != (low, high):
            r.problem(
                where,
                f"declares {declared_low}–{declared_high} but its items give {low}–{high}",
            )
        min_answered = raw.get("minAnswered", len(items))
        if not isinstance(min_answered, int) or not 1 <= min_answered <= len(items):
            r.problem(f"{where}.minAnswered", f"must be from 1 to {len(items)}")
            min_answered = len(items)
        if method == "sum" and min_answered != len(items):
            r.problem(f"{where}.minAnswered", "a sum needs every item it adds (use a mean)")
        if method == "top" and min_answered != len(items):
            r.problem(f"{where}.minAnswered", "a top score needs every item it looks at")
        better = raw.get("better", "higher")
        if better not in ("higher", "lower"):
            r.problem(f"{where}.better", 'must be "higher" or "lower"')
        reliable = raw.get("reliableChange")
        threshold, source = None, ""
        if reliable is not None:
            threshold = _decimal(reliable.get("threshold")) if isinstance(reliable, dict) else None
            source = str(reliable.get("source", "")) if isinstance(reliable, dict) else ""
            if threshold is None or threshold <= 0 or not source:
                r.problem(f"{where}.reliableChange", "needs a positive threshold and its source")
        bands = _bands(r, raw.get("bands", []), where, low, high)
        scores.append(
            ScoreRule(
                id=raw["id"],
                label=str(raw.get("label", raw["id"])),
                method=method,
                items=tuple(items),
                low=low,
                high=high,
                min_answered=min_answered,
                better=better,
                change=bool(raw.get("change", False)),
                reliable_change=threshold,
                reliable_change_source=source,
                codes=r.codes(raw, f"{where}."),
                bands=bands,
                decimals=decimals,
            )
        )
    return tuple(scores)


def _bands(r: _Reader, raw_bands: Any, where: str, low: Decimal, high: Decimal) -> tuple[Band, ...]:
    if not isinstance(raw_bands, list):
        r.problem(f"{where}.bands", "must be a list")
        return ()
    bands: list[Band] = []
    for n, raw in enumerate(raw_bands):
        lo = _decimal(raw.get("min")) if isinstance(raw, dict) else None
        hi = _decimal(raw.get("max")) if isinstance(raw, dict) else None
        label = raw.get("label") if isinstance(raw, dict) else None
        if lo is None or hi is None or lo > hi or not isinstance(label, str) or not label:
            r.problem(f"{where}.bands[{n}]", "needs min, max (in order) and a label")
            continue
        bands.append(Band(lo, hi, label))
    if bands:
        ordered = sorted(bands, key=lambda b: b.low)
        if ordered[0].low != low or ordered[-1].high != high:
            r.problem(f"{where}.bands", f"must cover the whole range {low}–{high}")
        for before, after in itertools.pairwise(ordered):
            if after.low <= before.high:
                r.problem(f"{where}.bands", f'"{before.label}" and "{after.label}" overlap')
    return tuple(bands)


def _flags(r: _Reader, raw_flags: Any, by_id: dict[str, Item]) -> tuple[FlagRule, ...]:
    flags: list[FlagRule] = []
    if not isinstance(raw_flags, list):
        r.problem("scoring.flags", "must be a list")
        return ()
    for n, raw in enumerate(raw_flags):
        where = f"scoring.flags[{n}]"
        if not isinstance(raw, dict):
            r.problem(where, "must be an object")
            continue
        item, above = raw.get("item"), _decimal(raw.get("above"))
        if item not in by_id or by_id[item].type not in SCORED_TYPES:
            r.problem(f"{where}.item", "must name a scored item of this measure")
            continue
        if above is None or not raw.get("id") or not raw.get("label"):
            r.problem(where, "needs an id, a label and the value it is raised above")
            continue
        flags.append(
            FlagRule(str(raw["id"]), item, above, str(raw["label"]), str(raw.get("prompt", "")))
        )
    return tuple(flags)


# --- Licensed wording ------------------------------------------------------------------------


def check_wording(definition: Mapping[str, Any], wording: Any) -> list[Problem]:
    """Problems with a wording file for ``definition``: it must give text for every answerable
    item (and nothing for items the measure does not have)."""
    if not isinstance(wording, dict):
        return [Problem("", "a wording file is a JSON object")]
    problems: list[Problem] = []
    if not isinstance(wording.get("licence"), str) or not wording["licence"].strip():
        problems.append(Problem("licence", "say under which licence the wording is used"))
    texts = wording.get("items")
    if not isinstance(texts, dict):
        return [*problems, Problem("items", "must be an object from link ids to text")]
    known = {i.get("linkId"): i for i in definition.get("item", []) if isinstance(i, dict)}
    for link_id, entry in texts.items():
        if link_id not in known:
            problems.append(Problem(f"items.{link_id}", "the measure has no such item"))
        elif not isinstance(entry, dict) or not isinstance(entry.get("text", ""), str):
            problems.append(Problem(f"items.{link_id}", 'must be an object with "text"'))
    for link_id, item in known.items():
        if item.get("type") != "display" and not item.get("text") and link_id not in texts:
            problems.append(Problem(f"items.{link_id}", "has no wording"))
    lists = wording.get("answerLists", {})
    if not isinstance(lists, dict):
        problems.append(Problem("answerLists", "must be an object"))
    else:
        for key, shipped in definition.get("answerLists", {}).items():
            if any(not o.get("display") for o in shipped) and key not in lists:
                problems.append(Problem(f"answerLists.{key}", "has no wording for its answers"))
        for key, displays in lists.items():
            shipped = definition.get("answerLists", {}).get(key)
            if shipped is None:
                problems.append(Problem(f"answerLists.{key}", "the measure has no such list"))
            elif not isinstance(displays, dict) or set(displays) - {o.get("code") for o in shipped}:
                problems.append(
                    Problem(f"answerLists.{key}", "must map the list's answer codes to text")
                )
    return problems


def apply_wording(definition: Mapping[str, Any], wording: Mapping[str, Any]) -> dict[str, Any]:
    """The definition with a wording file's text laid over it (the scoring never changes)."""
    problems = check_wording(definition, wording)
    if problems:
        raise DefinitionError(problems)
    merged = copy.deepcopy(dict(definition))
    for item in merged.get("item", []):
        entry = wording["items"].get(item.get("linkId"))
        if entry:
            item["text"] = entry.get("text", item.get("text", ""))
            if entry.get("hint"):
                item["hint"] = entry["hint"]
    for key, displays in wording.get("answerLists", {}).items():
        for option in merged["answerLists"][key]:
            option["display"] = displays.get(option["code"], option.get("display", ""))
    return merged


# --- Answers ---------------------------------------------------------------------------------


def clean_answers(measure: Measure, answers: Any, *, complete: bool) -> dict[str, Any]:
    """``answers`` (link id → value, or a list of values in item order) made canonical: choice
    codes as text, integers as int, yes/no as bool, text stripped; blanks dropped.

    Raises :class:`AnswerError` for an unknown item, an answer outside the item's options or
    range and, when ``complete``, a required item left out."""
    if isinstance(answers, list):
        items = measure.answerable
        if len(answers) > len(items):
            raise AnswerError(
                [Problem("answers", f"{len(answers)} answers for {len(items)} questions")]
            )
        answers = {i.link_id: a for i, a in zip(items, answers, strict=False)}
    if not isinstance(answers, dict):
        raise AnswerError([Problem("answers", "must be an object or a list of answers")])
    problems: list[Problem] = []
    cleaned: dict[str, Any] = {}
    known = {i.link_id: i for i in measure.answerable}
    for link_id in answers:
        if link_id not in known:
            problems.append(Problem(str(link_id), "this measure has no such question"))
    for item in measure.answerable:
        raw = answers.get(item.link_id)
        if raw is None or raw == "" or raw == []:
            if complete and item.required:
                problems.append(Problem(item.link_id, "answer this question"))
            continue
        value, problem = _clean_one(item, raw)
        if problem:
            problems.append(Problem(item.link_id, problem))
        else:
            cleaned[item.link_id] = value
    if problems:
        raise AnswerError(problems)
    return cleaned


def _clean_one(item: Item, raw: Any) -> tuple[Any, str]:
    if item.type == "choice":
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            return None, "choose one of the answers"
        code = str(raw)
        if item.option(code) is None:
            allowed = ", ".join(o.code for o in item.options)
            return None, f'"{code}" is not one of the answers ({allowed})'
        return code, ""
    if item.type == "integer":
        number = raw
        if isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
            number = int(raw.strip())
        if isinstance(number, bool) or not isinstance(number, int):
            return None, "enter a whole number"
        assert item.min_value is not None and item.max_value is not None
        if not item.min_value <= number <= item.max_value:
            return None, f"enter a number from {item.min_value} to {item.max_value}"
        return number, ""
    if item.type == "boolean":
        if isinstance(raw, bool):
            return raw, ""
        if raw in ("yes", "true", "1", 1):
            return True, ""
        if raw in ("no", "false", "0", 0):
            return False, ""
        return None, "answer yes or no"
    if not isinstance(raw, str):
        return None, "enter text"
    if len(raw) > MAX_TEXT:
        return None, f"keep the answer to {MAX_TEXT} characters"
    return raw.strip(), ""


# --- Scores ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreValue:
    rule: ScoreRule
    value: Decimal | None
    band: str
    answered: int

    @property
    def id(self) -> str:
        return self.rule.id


@dataclass(frozen=True)
class Result:
    measure: Measure
    answers: dict[str, Any]
    scores: tuple[ScoreValue, ...]
    flags: tuple[FlagRule, ...]
    more_help: tuple[str, ...]

    def as_json(self) -> dict[str, Any]:
        """What ``alongside outcomes score`` prints."""
        return {
            "measure": self.measure.name,
            "version": self.measure.version,
            "scores": {
                s.id: {
                    "label": s.rule.label,
                    "value": None if s.value is None else float(s.value),
                    "band": s.band or None,
                    "answered": s.answered,
                    "of": len(s.rule.items),
                    "snomed": s.rule.code or None,
                }
                for s in self.scores
            },
            "flags": [f.id for f in self.flags],
            "more_help": list(self.more_help),
        }


def _round(value: Decimal, decimals: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def score(measure: Measure, answers: Any, *, complete: bool = True) -> Result:
    """Score a set of answers. Answers are cleaned first (so this raises :class:`AnswerError`
    for invalid ones); a score whose items are not answered enough is ``None``."""
    cleaned = clean_answers(measure, answers, complete=complete)
    values: list[ScoreValue] = []
    for rule in measure.scores:
        numbers = [measure.item(i).value_of(cleaned[i]) for i in rule.items if i in cleaned]
        got = [n for n in numbers if n is not None]
        value: Decimal | None = None
        if len(got) >= rule.min_answered:
            total = sum(got, Decimal(0))
            if rule.method == "top":
                highest = [measure.item(i).value_range()[1] for i in rule.items]
                value = Decimal(all(n == h for n, h in zip(numbers, highest, strict=True)))
            else:
                value = total / len(got) if rule.method == "mean" else total
            value = _round(value, rule.decimals)
        band = rule.band_for(value) if value is not None else ""
        values.append(ScoreValue(rule, value, band, len(got)))
    raised = tuple(
        f
        for f in measure.flags
        if f.item in cleaned and (measure.item(f.item).value_of(cleaned[f.item]) or 0) > f.above
    )
    more_help = tuple(
        i.more_help_for for i in measure.items if i.more_help_for and cleaned.get(i.link_id) is True
    )
    return Result(measure, cleaned, tuple(values), raised, more_help)


# --- Change ----------------------------------------------------------------------------------


class Change:
    IMPROVED = "improved"
    DETERIORATED = "deteriorated"
    NO_RELIABLE_CHANGE = "no_reliable_change"
    NOT_ASSESSED = "not_assessed"

    LABELS = {
        IMPROVED: "Reliable improvement",
        DETERIORATED: "Reliable deterioration",
        NO_RELIABLE_CHANGE: "No reliable change",
        NOT_ASSESSED: "No reliable change threshold",
    }


def reliable_change(rule: ScoreRule, first: Decimal, latest: Decimal) -> str:
    """Whether the change from ``first`` to ``latest`` is reliable: at least the threshold, in
    the direction that is better (improved) or worse (deteriorated) for this score."""
    if rule.reliable_change is None:
        return Change.NOT_ASSESSED
    change = latest - first
    toward_better = change if rule.better == "higher" else -change
    if toward_better >= rule.reliable_change:
        return Change.IMPROVED
    if -toward_better >= rule.reliable_change:
        return Change.DETERIORATED
    return Change.NO_RELIABLE_CHANGE


def value_range(measure: Measure) -> dict[str, tuple[float, float]]:
    """Each score's possible range, for charts and property tests."""
    return {s.id: (float(s.low), float(s.high)) for s in measure.scores}
