"""What the staff outcome measures pages show: each measure's scores over time with the change
from first to latest, the DIALOG domains side by side, the prompts a response raised, the
responses still in progress, and one response's answers, scores and correction history.

Only current responses count towards change: a response replaced by a completed correction
keeps its place in the history (its scores are no longer ``current``) but not in the charts,
tables and first-to-latest comparisons.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.urls import reverse

from alongside.care.models import Contact
from alongside.core import formats
from alongside.outcomes import engine, registry, schedule
from alongside.outcomes.charts import ScoreChart, number_text
from alongside.outcomes.engine import Change, Item, Measure, ScoreRule
from alongside.outcomes.models import Mode, Questionnaire, Response, Score
from alongside.people.models import Person

#: The tag each kind of change is shown with.
CHANGE_COLOURS = {
    Change.IMPROVED: "green",
    Change.DETERIORATED: "red",
    Change.NO_RELIABLE_CHANGE: "grey",
    Change.NOT_ASSESSED: "white",
}


def href(name: str, person_id: int, response: Response | int | None = None) -> str:
    kwargs: dict[str, int] = {"person_id": person_id}
    if response is not None:
        kwargs["response_id"] = response if isinstance(response, int) else response.pk
    return reverse(f"outcomes:{name}", kwargs=kwargs)


class Measures:
    """The parsed measure of each questionnaire version, parsed once per page."""

    def __init__(self) -> None:
        self._by_pk: dict[int, Measure] = {}

    def __call__(self, questionnaire: Questionnaire) -> Measure:
        found = self._by_pk.get(questionnaire.pk)
        if found is None:
            found = self._by_pk[questionnaire.pk] = registry.measure(questionnaire)
        return found


DUE_TAGS = {
    schedule.DueState.OVERDUE: ("Overdue", "nhsuk-tag--red"),
    schedule.DueState.DUE: ("Due", "nhsuk-tag--yellow"),
    schedule.DueState.SOON: ("Due soon", "nhsuk-tag--grey"),
}


@dataclass(frozen=True)
class DueRow:
    """A measure the person owes now, on their outcome measures page."""

    measure: str
    title: str
    tag: dict[str, str]
    lines: list[str]


def due_rows(due: Iterable[schedule.Due], person: Person) -> list[DueRow]:
    """What is due now, overdue first, each with why (and, for one asked after a review of the
    plan, which version and until when)."""
    rows = []
    for d in due:
        text, colour = DUE_TAGS[d.state]
        tag = {"text": text, "classes": colour}
        if d.reason == schedule.AFTER_REVIEW:
            lines = [
                f"Asked after each review of the plan: version {d.plan_version} was agreed on "
                f"{formats.date(d.due_on)}. Asked until {formats.date(d.until)}.",
                f"It asks how involved {person.given_name} felt in the decisions: it is best "
                "filled in by them on their own, in their portal, where it is offered now.",
            ]
        elif d.state == schedule.DueState.OVERDUE:
            lines = [f"Due since {formats.date(d.due_on)} ({d.reason})."]
        else:
            lines = [f"Due on {formats.date(d.due_on)} ({d.reason})."]
        rows.append(DueRow(d.measure, d.title, tag, lines))
    return rows


def contact_label(contact: Contact) -> str:
    """ "12 November 2026 at 10:00: review (telephone)", to choose the contact a measure is in."""
    kind = contact.get_kind_display().lower()
    mode = contact.get_mode_display().lower()
    return f"{formats.datetime(contact.starts_at)}: {kind} ({mode})"


def who_completed(response: Response, person: Person) -> str:
    """The practitioner who completed it with the person, or the person in their portal."""
    if response.mode == Mode.SELF:
        return f"{person.given_name}, in their portal"
    user = response.completed_by or response.started_by
    return user.display_name


def value_text(value: Decimal, rule: ScoreRule) -> str:
    return number_text(value, rule.decimals)


def points_text(difference: Decimal, rule: ScoreRule) -> str:
    """``3 points lower``, ``1 point higher``, ``0.25 points higher``, ``No change``."""
    if difference == 0:
        return "No change"
    size = number_text(abs(difference), rule.decimals)
    unit = "point" if size == "1" else "points"
    return f"{size} {unit} {'higher' if difference > 0 else 'lower'}"


def answer_text(item: Item, value: Any) -> str:
    """An answer as the person gave it: the option's words, yes or no, the number, the text."""
    if value is None or value == "":
        return "Not answered"
    if item.type == "choice":
        option = item.option(str(value))
        return (option.display or option.code) if option else str(value)
    if item.type == "boolean":
        return "Yes" if value is True else "No"
    return str(value)


def domain_name(item: Item) -> str:
    """A DIALOG domain's name from its question: "How satisfied are you with your
    accommodation?" is "Accommodation"."""
    text = item.text.strip().rstrip("?").strip()
    lowered = text.lower()
    for lead in ("how satisfied are you with ", "how satisfied are you about "):
        if lowered.startswith(lead):
            text = text[len(lead) :]
            break
    for article in ("your ", "the "):
        if text.lower().startswith(article):
            text = text[len(article) :]
            break
    return text[:1].upper() + text[1:] if text else item.link_id


def question_text(item: Item) -> str:
    """A question as the form numbers it: "3. Trouble falling or staying asleep" (follow-up
    questions and goal ratings are not numbered)."""
    numbered = item.link_id.isdigit() and item.more_help_for is None
    return f"{item.link_id}. {item.text}" if numbered else item.text


def first_sentence(text: str) -> str:
    sentence = text.split(". ")[0].strip()
    return sentence if sentence.endswith(".") else f"{sentence}."


# --- Change from first to latest -----------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One current score of one completed response."""

    response: Response
    score: Score

    @property
    def when(self) -> dt.datetime:
        assert self.response.completed_at is not None
        return self.response.completed_at


@dataclass(frozen=True)
class ChangeSummary:
    first: str
    latest: str
    difference: str
    status: str
    label: str
    colour: str
    threshold: str


def score_text(value: Decimal, rule: ScoreRule) -> str:
    """A score as a reader takes it in: a top score (1 when every answer is the highest) as
    Yes or No, never "1 out of 1"; any other as its number."""
    if rule.method == "top":
        return "Yes" if value >= 1 else "No"
    return value_text(value, rule)


def highest_answer(measure: Measure, rule: ScoreRule) -> str:
    """The highest answer a top score looks for ("9"), or "the highest" when items differ."""
    highest = {measure.item(i).value_range()[1] for i in rule.items}
    return number_text(highest.pop(), 0) if len(highest) == 1 else "the highest"


def score_with_band(value: Decimal, band: str, rule: ScoreRule) -> str:
    shown = value_text(value, rule)
    return f"{shown} ({band})" if band else shown


def change_summary(rule: ScoreRule, entries: Sequence[Entry]) -> ChangeSummary | None:
    """First against latest of a score, oldest first; ``None`` with fewer than two."""
    if len(entries) < 2:
        return None
    first, latest = entries[0], entries[-1]
    status = engine.reliable_change(rule, first.score.value, latest.score.value)
    better = "higher" if rule.better == "higher" else "lower"
    threshold = (
        f"A change of {value_text(rule.reliable_change, rule)} or more, {better} being better, "
        "is a reliable change."
        if rule.reliable_change is not None
        else f"{better.capitalize()} scores are better. This score has no reliable change "
        "threshold."
    )
    return ChangeSummary(
        first=(
            f"{score_with_band(first.score.value, first.score.band, rule)} on "
            f"{formats.date(first.when)}"
        ),
        latest=(
            f"{score_with_band(latest.score.value, latest.score.band, rule)} on "
            f"{formats.date(latest.when)}"
        ),
        difference=points_text(latest.score.value - first.score.value, rule),
        status=status,
        label=Change.LABELS[status],
        colour=CHANGE_COLOURS[status],
        threshold=threshold,
    )


@dataclass(frozen=True)
class ScoreRow:
    when: str
    href: str
    value: str
    band: str
    who: str
    note: str


class ScoreHistory:
    """One change score of one measure over the episode (oldest first): chart, table, change."""

    #: How many of the newest scores the table beside the chart lists; the rest are one click
    #: away, so five years of monthly scores do not make the page endless.
    RECENT = 12

    def __init__(
        self,
        *,
        measure: Measure,
        rule: ScoreRule,
        entries: Sequence[Entry],
        person: Person,
        seen: dict[int, str],
    ) -> None:
        self.measure = measure
        self.rule = rule
        self.entries = list(entries)
        self.person = person
        self.seen = seen
        self.change = change_summary(rule, self.entries)

    @property
    def id(self) -> str:
        return f"{self.measure.name}-{self.rule.id}"

    @property
    def heading(self) -> str:
        if len(self.measure.change_scores) == 1 and self.rule.label in ("Total score", ""):
            return f"{self.measure.short_title} total score"
        return f"{self.measure.short_title}: {self.rule.label[:1].lower()}{self.rule.label[1:]}"

    @property
    def has_bands(self) -> bool:
        return bool(self.rule.bands)

    @property
    def range_text(self) -> str:
        better = "higher" if self.rule.better == "higher" else "lower"
        return (
            f"From {value_text(self.rule.low, self.rule)} to "
            f"{value_text(self.rule.high, self.rule)}: {better} is better."
        )

    @property
    def only(self) -> str:
        """With one score: what it was."""
        if len(self.entries) != 1:
            return ""
        entry = self.entries[0]
        return (
            f"One score so far: {score_with_band(entry.score.value, entry.score.band, self.rule)}"
            f" on {formats.date(entry.when)}."
        )

    @cached_property
    def rows(self) -> list[ScoreRow]:
        """Newest first."""
        rows = []
        for entry in reversed(self.entries):
            response = entry.response
            notes = []
            if response.corrects_id:
                notes.append("Corrected entry")
            if response.flags:
                notes.append(self.seen.get(response.pk, "Prompt not yet seen"))
            rows.append(
                ScoreRow(
                    when=formats.date(entry.when),
                    href=href("response", self.person.pk, response),
                    value=value_text(entry.score.value, self.rule),
                    band=entry.score.band,
                    who=who_completed(response, self.person),
                    note=". ".join(notes),
                )
            )
        return rows

    @property
    def recent_rows(self) -> list[ScoreRow]:
        """The newest scores, shown beside the chart."""
        return self.rows[: self.RECENT]

    @property
    def earlier_rows(self) -> list[ScoreRow]:
        """Older scores, in a table of their own that opens on request."""
        return self.rows[self.RECENT :]

    @property
    def chart(self) -> ScoreChart:
        return ScoreChart(
            chart_id=f"{self.id}-chart",
            rule=self.rule,
            title=f"{self.heading} over time",
            values=[(e.when, e.score.value) for e in self.entries],
            summary=self.change.label if self.change else "",
        )


# --- DIALOG: the domains side by side ------------------------------------------------------------


@dataclass(frozen=True)
class Rating:
    value: int
    text: str


@dataclass(frozen=True)
class DomainRow:
    link_id: str
    name: str
    latest: Rating | None
    previous: Rating | None
    change: str
    more_help: bool
    goal_prefill: str


@dataclass(frozen=True)
class DomainTable:
    latest_when: str
    previous_when: str
    latest_who: str
    rows: list[DomainRow]

    @property
    def more_help(self) -> list[DomainRow]:
        return [r for r in self.rows if r.more_help]


def _rating(item: Item, response: Response | None) -> Rating | None:
    if response is None or item.link_id not in response.answers:
        return None
    value = response.answers[item.link_id]
    number = item.value_of(value)
    return Rating(int(number) if number is not None else 0, answer_text(item, value))


def domain_items(measure: Measure) -> list[Item]:
    """The items a person rates and can ask more help with (DIALOG's 11 domains)."""
    return [i for i in measure.answerable if measure.follow_ups(i.link_id)]


def domain_table(
    measure: Measure, latest: Response, previous: Response | None, person: Person
) -> DomainTable:
    rows = []
    for item in domain_items(measure):
        now, before = _rating(item, latest), _rating(item, previous)
        if now is None or before is None:
            change = "Not rated before" if now is not None else "Not rated"
        else:
            difference = now.value - before.value
            change = (
                "No change"
                if difference == 0
                else f"{difference:+d} ({'better' if difference > 0 else 'worse'})".replace(
                    "-", "−"
                )
            )
        name = domain_name(item)
        rows.append(
            DomainRow(
                link_id=item.link_id,
                name=name,
                latest=now,
                previous=before,
                change=change,
                more_help=item.link_id in (latest.more_help or []),
                goal_prefill=f"{name}: ",
            )
        )
    return DomainTable(
        latest_when=formats.date(latest.completed_at),
        previous_when=formats.date(previous.completed_at) if previous else "",
        latest_who=who_completed(latest, person),
        rows=rows,
    )


# --- Prompts a response raised -------------------------------------------------------------------


@dataclass(frozen=True)
class RaisedFlag:
    label: str
    prompt: str


@dataclass(frozen=True)
class FlagNotice:
    response_id: int
    heading: str
    flags: list[RaisedFlag]
    seen: str
    response_href: str
    acknowledge_href: str
    plan_href: str


def seen_text(response: Response) -> str:
    if response.prompt_seen_at is None:
        return ""
    who = response.prompt_seen_by.display_name if response.prompt_seen_by else "someone"
    return f"Seen by {who} on {formats.date(response.prompt_seen_at)}"


def flag_notice(response: Response, measure: Measure, person_id: int) -> FlagNotice:
    rules = {f.id: f for f in measure.flags}
    flags = [
        RaisedFlag(rules[f].label, rules[f].prompt) if f in rules else RaisedFlag(f, "")
        for f in response.flags
    ]
    return FlagNotice(
        response_id=response.pk,
        heading=f"{measure.short_title} on {formats.date(response.completed_at)}",
        flags=flags,
        seen=seen_text(response),
        response_href=href("response", person_id, response),
        acknowledge_href=href("acknowledge", person_id, response),
        plan_href=reverse("plans:plan", kwargs={"person_id": person_id}) + "#safety-plan",
    )


# --- Responses in progress -----------------------------------------------------------------------


@dataclass(frozen=True)
class InProgressRow:
    response_id: int
    title: str
    started: str
    saved: str
    correcting: str
    fill_href: str
    discard_href: str


def in_progress_row(response: Response, measure: Measure, person: Person) -> InProgressRow:
    count = len(response.answers)
    saved = (
        "No answers saved yet"
        if not count
        else f"{count} {'answer' if count == 1 else 'answers'} saved, last on "
        f"{formats.date(response.updated_at)}"
    )
    correcting = ""
    if response.corrects is not None:
        correcting = (
            f"Correcting the response completed on {formats.date(response.corrects.completed_at)}"
        )
    return InProgressRow(
        response_id=response.pk,
        title=measure.short_title,
        started=f"Started on {formats.date(response.started_at)} by "
        + (
            f"{person.given_name}, in their portal"
            if response.mode == Mode.SELF
            else response.started_by.display_name
        ),
        saved=saved,
        correcting=correcting,
        fill_href=href("fill", person.pk, response),
        discard_href=href("discard", person.pk, response),
    )


# --- The person's page ---------------------------------------------------------------------------


@dataclass
class MeasureHistory:
    name: str
    title: str
    short_title: str
    description: str
    completed: str
    histories: list[ScoreHistory] = field(default_factory=list)
    domains: DomainTable | None = None

    @property
    def intro(self) -> str:
        """The full title (when the heading is an abbreviation) and how often it was done."""
        title = f"{self.title}. " if self.title != self.short_title else ""
        return f"{title}{self.completed}."


def current_completed(responses: Iterable[Response]) -> list[Response]:
    """Completed responses not replaced by a completed correction, oldest first."""
    completed = [r for r in responses if r.is_completed]
    replaced = {r.corrects_id for r in completed if r.corrects_id}
    return sorted(
        (r for r in completed if r.pk not in replaced), key=lambda r: (r.completed_at, r.pk)
    )


def measure_histories(
    responses: Iterable[Response], person: Person, measures: Measures | None = None
) -> list[MeasureHistory]:
    """For each measure with completed responses: each change score over time (current scores
    only) and, for a measure with domains (DIALOG), the latest two side by side."""
    measures = measures or Measures()
    current = current_completed(responses)
    by_name: dict[str, list[Response]] = defaultdict(list)
    for response in current:
        by_name[response.questionnaire.name].append(response)
    seen = {r.pk: seen_text(r) for r in current if r.flags and r.prompt_seen_at}
    shown = []
    for name, group in by_name.items():
        measure = measures(group[-1].questionnaire)
        history = MeasureHistory(
            name=name,
            title=measure.title,
            short_title=measure.short_title,
            description=measure.description,
            completed=f"Completed {len(group)} {'time' if len(group) == 1 else 'times'} in this "
            "episode",
        )
        for rule in measure.change_scores:
            entries = [
                Entry(r, s) for r in group for s in r.scores.all() if s.key == rule.id and s.current
            ]
            if entries:
                history.histories.append(
                    ScoreHistory(
                        measure=measure, rule=rule, entries=entries, person=person, seen=seen
                    )
                )
        if domain_items(measure):
            previous = group[-2] if len(group) > 1 else None
            history.domains = domain_table(measure, group[-1], previous, person)
        shown.append(history)
    return sorted(shown, key=lambda h: h.short_title.lower())


@dataclass
class OutcomesPage:
    measures: list[MeasureHistory]
    in_progress: list[InProgressRow]
    notices: list[FlagNotice]


def outcomes_page(responses: Sequence[Response], person: Person) -> OutcomesPage:
    measures = Measures()
    current = current_completed(responses)
    notices = [
        flag_notice(r, measures(r.questionnaire), person.pk)
        for r in reversed(current)
        if r.flags and r.prompt_seen_at is None
    ]
    in_progress = [
        in_progress_row(r, measures(r.questionnaire), person)
        for r in sorted(
            (r for r in responses if not r.is_completed), key=lambda r: (r.started_at, r.pk)
        )
    ]
    return OutcomesPage(
        measures=measure_histories(responses, person, measures),
        in_progress=in_progress,
        notices=notices,
    )


@dataclass(frozen=True)
class MeasureChoice:
    name: str
    title: str
    hint: str
    rates_goals: bool


def measure_choices(usable: Iterable[tuple[Questionnaire, Measure]]) -> list[MeasureChoice]:
    return [
        MeasureChoice(q.name, m.short_title, first_sentence(m.description), bool(m.goal_items))
        for q, m in usable
    ]


# --- One response --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str
    goal: str


@dataclass(frozen=True)
class ResultRow:
    label: str
    value: str
    band: str


@dataclass(frozen=True)
class HistoryLine:
    text: str
    link_text: str
    href: str


class ResponsePresenter:
    """One response: what was asked and answered, its scores, any prompt, its history."""

    def __init__(self, response: Response, *, person: Person) -> None:
        self.response = response
        self.person = person
        self.measure = registry.measure(response.questionnaire)
        self._corrections = list(response.corrections.all())
        self._goals = {link.link_id: link.goal for link in response.goal_links.all()}

    @property
    def completed(self) -> bool:
        return self.response.is_completed

    @property
    def replaced_by(self) -> Response | None:
        return next((c for c in self._corrections if c.is_completed), None)

    @property
    def open_correction(self) -> Response | None:
        return next((c for c in self._corrections if not c.is_completed), None)

    @property
    def title(self) -> str:
        if self.completed:
            when = formats.date(self.response.completed_at)
            return f"{self.measure.short_title} completed on {when}"
        return f"{self.measure.short_title} in progress"

    @property
    def status(self) -> dict[str, str]:
        if not self.completed:
            return {"text": "In progress", "classes": "nhsuk-tag--yellow"}
        if self.replaced_by is not None:
            return {"text": "Replaced by a correction", "classes": "nhsuk-tag--grey"}
        return {"text": "Current", "classes": "nhsuk-tag--green"}

    @property
    def summary_rows(self) -> list[dict[str, Any]]:
        response = self.response
        rows = [("Measure", self.measure.title)]
        if self.completed:
            rows.append(("Completed", formats.date(response.completed_at)))
            rows.append(("Completed by", who_completed(response, self.person)))
        rows.append(
            (
                "Started",
                f"{formats.date(response.started_at)} by {response.started_by.display_name}",
            )
        )
        rows.append(("How", response.get_mode_display()))
        if response.contact is not None:
            rows.append(("In the contact", contact_label(response.contact)))
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]

    @property
    def results(self) -> list[ResultRow]:
        """Each score the response has, in the measure's order."""
        scores = {s.key: s for s in self.response.scores.all()}
        return [
            ResultRow(
                label=rule.label,
                value=score_text(scores[rule.id].value, rule)
                if rule.method == "top"
                else f"{value_text(scores[rule.id].value, rule)} (from "
                f"{value_text(rule.low, rule)} to {value_text(rule.high, rule)})",
                band=scores[rule.id].band,
            )
            for rule in self.measure.scores
            if rule.id in scores
        ]

    @property
    def has_bands(self) -> bool:
        return any(r.band for r in self.results)

    @property
    def answers(self) -> list[AnswerRow]:
        rows = []
        for item in self.measure.answerable:
            if item.link_id in self.measure.goal_items and item.link_id not in self._goals:
                continue
            goal = self._goals.get(item.link_id)
            rows.append(
                AnswerRow(
                    question=question_text(item),
                    answer=answer_text(item, self.response.answers.get(item.link_id)),
                    goal=f"“{goal.text}”" if goal else "",
                )
            )
        return rows

    @property
    def notice(self) -> FlagNotice | None:
        if not self.completed or not self.response.flags:
            return None
        return flag_notice(self.response, self.measure, self.person.pk)

    @property
    def history(self) -> list[HistoryLine]:
        response, lines = self.response, []
        original = response.corrects
        if original is not None:
            lines.append(
                HistoryLine(
                    text=f"This corrects the response completed on "
                    f"{formats.date(original.completed_at)} by "
                    f"{who_completed(original, self.person)}. Why: {response.correction_reason}",
                    link_text="See the response it corrects",
                    href=href("response", self.person.pk, original),
                )
            )
        for correction in self._corrections:
            if correction.is_completed:
                # A correction keeps the date the answers were given; it was made when saved.
                text = (
                    f"Corrected on {formats.date(correction.updated_at)} by "
                    f"{who_completed(correction, self.person)}. Why: "
                    f"{correction.correction_reason}"
                )
                lines.append(
                    HistoryLine(
                        text, "See the correction", href("response", self.person.pk, correction)
                    )
                )
            else:
                lines.append(
                    HistoryLine(
                        f"A correction was started on {formats.date(correction.started_at)} by "
                        f"{correction.started_by.display_name}. Why: "
                        f"{correction.correction_reason}",
                        "Continue the correction",
                        href("fill", self.person.pk, correction),
                    )
                )
        return lines


# --- Filling a response in -----------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    """One part of the fill page, in the measure's order: a paragraph of text (``display``) or a
    question drawn as radios (``choice``), inline yes/no radios (``yesno``, DIALOG's "more
    help" after its domain), a number box (``number``) or a text box (``text``)."""

    kind: str
    legend: str
    field: Any
    goal: str


def questions(parts: Iterable[Any], goals: dict[str, Any]) -> list[Question]:
    """What the fill page draws for ``MeasureForm.parts()``; ``goals`` are the plan goals the
    response rates, by item (Goal Based Outcomes), each shown above its rating."""
    shown = []
    for part in parts:
        item: Item = part.item
        if not item.answerable:
            shown.append(Question("display", item.text, None, ""))
            continue
        if item.type == "boolean":
            kind = "yesno"
        elif item.type == "choice":
            kind = "choice"
        elif item.type == "integer":
            kind = "number"
        else:
            kind = "text"
        goal = goals.get(item.link_id)
        shown.append(Question(kind, question_text(item), part.field, goal.text if goal else ""))
    return shown
