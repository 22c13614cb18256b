"""What the plan and goals pages show: the plan's sections in the person's own voice (following
the PRSB Community Mental Health Personalised Care and Support Plan standard), who does what, the
agreement, the differences between two versions, and a chart of each goal's ratings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import (
    AgreementMethod,
    Authorship,
    CarePlanVersion,
    Goal,
    GoalRating,
    PlanNote,
)
from alongside.core import formats

# --- The plan's words --------------------------------------------------------------------------

# Who does an action: stored in the version's ``actions`` as {"who": ..., "what": ...}; a
# directory service is stored by name (as it was then) with its ``service_id``.
ME = "me"
KEY_WORKER = "key worker"


@dataclass(frozen=True)
class Section:
    name: str  # the CarePlanVersion field
    heading: str  # in the person's voice, as the plan is written
    hint: str  # for whoever writes it with the person


ABOUT_ME = (
    Section(
        "about_me",
        "About me and what matters to me",
        "In the person's own words: who they are, what matters to them, what a good day is.",
    ),
    Section(
        "shared_understanding",
        "Our shared understanding",
        "What is going on for the person and why, as you both understand it, in plain words.",
    ),
    Section(
        "strengths",
        "My strengths and what helps",
        "What the person is good at, the people and things that help them.",
    ),
)
SAFETY_PLAN = (
    Section(
        "warning_signs",
        "My warning signs",
        "The signs that things are getting harder: what the person, and others, notice first.",
    ),
    Section(
        "what_i_can_do",
        "What I can do",
        "Things the person can do for themself that have helped before.",
    ),
    Section(
        "who_i_can_contact",
        "Who I can contact",
        "Family, friends and services, with when and how to contact them.",
    ),
    Section(
        "safer_surroundings",
        "Making my surroundings safer",
        "What the person agreed to do to make where they live safer.",
    ),
    Section(
        "crisis_numbers",
        "Crisis numbers",
        "The local crisis line and other numbers, with their opening hours.",
    ),
)
SECTIONS = ABOUT_ME + SAFETY_PLAN

# Always shown with the safety plan, whatever the plan holds.
URGENT_HELP = (
    "If your life is at risk now, call 999 or go to A&E. For urgent help with your mental "
    "health, call NHS 111 and choose the mental health option, at any time of day or night."
)


def paragraphs(text: str) -> list[str]:
    """A section's text as the paragraphs it was written in (each non-empty line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def score_text(score: int) -> str:
    return f"{score} out of 10"


# --- Who wrote it ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuthorTag:
    """A small tag beside a section or a goal: whose words it is in."""

    text: str
    classes: str


AUTHOR_TAGS = {
    Authorship.PERSON: AuthorTag("In their own words", "nhsuk-tag--green"),
    Authorship.TOGETHER: AuthorTag("Written together", "nhsuk-tag--blue"),
    Authorship.PRACTITIONER: AuthorTag("Written by the care team", "nhsuk-tag--grey"),
}
GOAL_TAGS = {
    Authorship.PERSON: AuthorTag("In their own words", "nhsuk-tag--green"),
    Authorship.TOGETHER: AuthorTag("Worded together", "nhsuk-tag--blue"),
    Authorship.PRACTITIONER: AuthorTag("Worded by the care team", "nhsuk-tag--grey"),
}


def author_tag(who: str | None) -> AuthorTag | None:
    """The tag for who wrote a plan section (``None`` when not recorded)."""
    return AUTHOR_TAGS.get(who or "")


def goal_tag(worded_by: str | None) -> AuthorTag | None:
    """The tag for whose words a goal is in (``None`` when not recorded)."""
    return GOAL_TAGS.get(worded_by or "")


PRESENCE = {True: "Yes", False: "No", None: "Not recorded"}


def presence_text(present: bool | None) -> str:
    """Whether the person took part in writing or reviewing a version."""
    return PRESENCE[present]


# --- Who does what ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionRow:
    who: str
    what: str


def who_label(action: dict[str, Any], key_worker: User | None = None) -> str:
    who = action.get("who", "")
    if who == ME:
        return "Me"
    if who == KEY_WORKER:
        return f"My key worker, {key_worker.display_name}" if key_worker else "My key worker"
    return who


def action_rows(actions: Iterable[dict[str, Any]], key_worker: User | None) -> list[ActionRow]:
    return [ActionRow(who_label(a, key_worker), a.get("what", "")) for a in actions]


def action_line(action: dict[str, Any]) -> str:
    """One action as one line, for comparing versions."""
    return f"{who_label(action)}: {action.get('what', '')}"


# --- A version of the plan ---------------------------------------------------------------------


@dataclass(frozen=True)
class ShownSection:
    heading: str
    paragraphs: list[str]
    anchor: str
    author: AuthorTag | None = None


@dataclass(frozen=True)
class GoalLine:
    text: str
    latest: str  # "6 out of 10 on 3 March 2026", or "Not rated yet"
    ended: str = ""
    worded: AuthorTag | None = None


def latest_rating_text(ratings: Sequence[GoalRating]) -> str:
    if not ratings:
        return "Not rated yet"
    last = ratings[-1]
    return f"{score_text(last.score)} on {formats.date(last.rated_at)}"


def goal_lines(goals: Iterable[Goal]) -> list[GoalLine]:
    """The current goals, each with its latest rating."""
    return [
        GoalLine(g.text, latest_rating_text(list(g.ratings.all())), worded=goal_tag(g.worded_by))
        for g in goals
        if g.ended_at is None
    ]


AGREED_HOW = {
    AgreementMethod.SPOKEN: "in conversation",
    AgreementMethod.WRITTEN: "in writing",
    AgreementMethod.PORTAL: "in their own portal",
}


def agreement_text(version: CarePlanVersion) -> str:
    if version.agreed_on is None:
        return "Not yet agreed"
    how = AGREED_HOW.get(version.agreement_method, "")
    return f"Agreed on {formats.date(version.agreed_on)}{', ' + how if how else ''}"


class PlanPresenter:
    """One version of the plan, with the live goals and their latest ratings."""

    def __init__(
        self,
        version: CarePlanVersion,
        *,
        goals: Sequence[Goal] = (),
        key_worker: User | None = None,
    ) -> None:
        self.version = version
        self.key_worker = key_worker
        self._goals = [g for g in goals if g.ended_at is None]
        self._by_id = {g.pk: g for g in goals}

    @property
    def title(self) -> str:
        return f"Version {self.version.number}"

    @property
    def saved_on(self) -> str:
        return formats.datetime(self.version.created_at)

    @property
    def saved_by(self) -> str:
        return self.version.created_by.display_name

    @property
    def saved(self) -> str:
        return f"Saved on {self.saved_on} by {self.saved_by}"

    @property
    def agreed(self) -> bool:
        return self.version.agreed_on is not None

    @property
    def agreement(self) -> str:
        return agreement_text(self.version)

    @property
    def agreement_detail(self) -> str:
        v = self.version
        if v.agreed_on is None:
            return ""
        who = v.agreement_recorded_by.display_name if v.agreement_recorded_by else "Unknown"
        return f"Recorded by {who}"

    @property
    def review(self) -> str:
        return formats.date(self.version.review_on, empty="No review date set")

    @property
    def review_overdue(self) -> bool:
        review = self.version.review_on
        return review is not None and review < timezone.localdate()

    def _sections(self, sections: Sequence[Section]) -> list[ShownSection]:
        authors = self.version.authorship or {}
        return [
            ShownSection(
                s.heading,
                paragraphs(getattr(self.version, s.name)),
                s.name,
                author_tag(authors.get(s.name)),
            )
            for s in sections
        ]

    @property
    def actions_author(self) -> AuthorTag | None:
        return author_tag((self.version.authorship or {}).get("actions"))

    @property
    def person_present(self) -> str:
        """Whether the person took part in writing or reviewing this version."""
        return presence_text(self.version.person_present)

    @property
    def about_me(self) -> list[ShownSection]:
        return self._sections(ABOUT_ME)

    @property
    def safety_plan(self) -> list[ShownSection]:
        return self._sections(SAFETY_PLAN)

    @property
    def actions(self) -> list[ActionRow]:
        return action_rows(self.version.actions, self.key_worker)

    @property
    def live_goals(self) -> list[GoalLine]:
        """The goals now, each with its latest rating (the plan page)."""
        return goal_lines(self._goals)

    @property
    def version_goals(self) -> list[GoalLine]:
        """The goals as this version holds them, with the latest rating of each (the copy for
        the person)."""
        lines = []
        for snapshot in self.version.goals:
            goal = self._by_id.get(snapshot.get("id"))
            ratings = list(goal.ratings.all()) if goal else []
            ended = f"Ended: {goal.ended_because}" if goal and goal.ended_at else ""
            lines.append(
                GoalLine(
                    snapshot.get("text", ""),
                    latest_rating_text(ratings),
                    ended,
                    goal_tag(goal.worded_by) if goal else None,
                )
            )
        return lines

    @property
    def goals_changed(self) -> bool:
        """Whether the goals now differ from the ones this version holds."""
        return [g.pk for g in self._goals] != [s.get("id") for s in self.version.goals]

    @property
    def change_note(self) -> str:
        return self.version.change_note


@dataclass(frozen=True)
class NoteRow:
    pk: int
    text: list[str]
    written: str
    read: str


def note_rows(notes: Iterable[PlanNote]) -> list[NoteRow]:
    rows = []
    for note in notes:
        read = ""
        if note.read_at is not None:
            who = note.read_by.display_name if note.read_by else "Unknown"
            read = f"Read by {who} on {formats.date(note.read_at)}"
        rows.append(
            NoteRow(note.pk, paragraphs(note.text), formats.datetime(note.written_at), read)
        )
    return rows


@dataclass(frozen=True)
class VersionRow:
    number: int
    saved: str
    by: str
    change_note: str
    agreement: str
    current: bool
    person_present: str = "Not recorded"


def version_rows(versions: Iterable[CarePlanVersion], current: int) -> list[VersionRow]:
    return [
        VersionRow(
            number=v.number,
            saved=formats.datetime(v.created_at),
            by=v.created_by.display_name,
            change_note=v.change_note,
            agreement=agreement_text(v),
            current=v.number == current,
            person_present=presence_text(v.person_present),
        )
        for v in versions
    ]


# --- Differences between two versions -----------------------------------------------------------


@dataclass(frozen=True)
class Piece:
    """A run of text that is the same in both versions, or added, or removed."""

    kind: str  # "same", "added" or "removed"
    text: str


_WORDS = re.compile(r"\s+|[^\s]+")


def word_diff(old: str, new: str) -> list[Piece]:
    """The words removed from ``old`` and added in ``new``, in order (difflib, word level)."""
    a, b = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    pieces: list[Piece] = []

    def put(kind: str, tokens: Sequence[str]) -> None:
        text = "".join(tokens)
        if not text:
            return
        if pieces and pieces[-1].kind == kind:
            pieces[-1] = Piece(kind, pieces[-1].text + text)
        else:
            pieces.append(Piece(kind, text))

    def put_marked(kind: str, tokens: Sequence[str]) -> None:
        # Spaces at the edges of a wholly added or removed run are shown plainly, so that only
        # words are highlighted.
        start, end = 0, len(tokens)
        while start < end and tokens[start].isspace():
            start += 1
        while end > start and tokens[end - 1].isspace():
            end -= 1
        put("same", tokens[:start])
        put(kind, tokens[start:end])
        put("same", tokens[end:])

    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            put("same", a[i1:i2])
        elif op == "insert":
            put_marked("added", b[j1:j2])
        elif op == "delete":
            put_marked("removed", a[i1:i2])
        else:
            put("removed", a[i1:i2])
            put("added", b[j1:j2])
    return pieces


def line_diff(old: Sequence[str], new: Sequence[str]) -> list[Piece]:
    """Lines removed and added (for lists: goals, actions), one piece per line."""
    pieces: list[Piece] = []
    matcher = difflib.SequenceMatcher(a=list(old), b=list(new), autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.extend(Piece("same", line) for line in old[i1:i2])
        else:
            pieces.extend(Piece("removed", line) for line in old[i1:i2])
            pieces.extend(Piece("added", line) for line in new[j1:j2])
    return pieces


@dataclass(frozen=True)
class SectionDiff:
    heading: str
    kind: str  # "text" (word level) or "lines" (one piece per item)
    pieces: list[Piece] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(p.kind != "same" for p in self.pieces)


def version_diff(old: CarePlanVersion, new: CarePlanVersion) -> list[SectionDiff]:
    """Every part of the plan compared between two versions, in the plan's order."""

    def text(section: Section) -> SectionDiff:
        return SectionDiff(
            section.heading,
            "text",
            word_diff(getattr(old, section.name), getattr(new, section.name)),
        )

    def goal_lines(version: CarePlanVersion) -> list[str]:
        return [g.get("text", "") for g in version.goals]

    def review(version: CarePlanVersion) -> str:
        return formats.date(version.review_on, empty="No review date set")

    return [
        *(text(s) for s in ABOUT_ME),
        SectionDiff("My goals", "lines", line_diff(goal_lines(old), goal_lines(new))),
        SectionDiff(
            "Who does what",
            "lines",
            line_diff([action_line(a) for a in old.actions], [action_line(a) for a in new.actions]),
        ),
        *(text(s) for s in SAFETY_PLAN),
        SectionDiff("Review date", "text", word_diff(review(old), review(new))),
    ]


# --- Goals and their ratings --------------------------------------------------------------------


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    score: int
    when: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


class GoalChart:
    """An SVG line chart of one goal's ratings (0 to 10) in the order they were made. The page
    shows a table of the same ratings beside it, which is what carries the data."""

    WIDTH, HEIGHT = 440, 220
    LEFT, RIGHT, TOP, BOTTOM = 40, 24, 12, 32

    def __init__(self, goal: Goal, ratings: Sequence[GoalRating]) -> None:
        self.goal = goal
        self.ratings = ratings
        self.id = f"goal-{goal.pk}-chart"

    @property
    def plot_width(self) -> int:
        return self.WIDTH - self.LEFT - self.RIGHT

    @property
    def plot_height(self) -> int:
        return self.HEIGHT - self.TOP - self.BOTTOM

    @property
    def bottom(self) -> int:
        return self.HEIGHT - self.BOTTOM

    @property
    def right(self) -> int:
        return self.WIDTH - self.RIGHT

    def _y(self, score: int) -> float:
        return round(self.TOP + self.plot_height * (10 - score) / 10, 1)

    def _x(self, index: int) -> float:
        count = len(self.ratings)
        if count == 1:
            return round(self.LEFT + self.plot_width / 2, 1)
        step = (self.plot_width - 24) / (count - 1)
        return round(self.LEFT + 12 + step * index, 1)

    @property
    def points(self) -> list[ChartPoint]:
        return [
            ChartPoint(self._x(i), self._y(r.score), r.score, formats.date(r.rated_at))
            for i, r in enumerate(self.ratings)
        ]

    @property
    def line(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def y_ticks(self) -> list[Tick]:
        return [Tick(self._y(score), str(score)) for score in (0, 2, 4, 6, 8, 10)]

    @property
    def x_ticks(self) -> list[Tick]:
        points = self.points
        if not points:
            return []
        if points[0].when == points[-1].when:  # all on one day: one label, in the middle
            return [Tick(round((points[0].x + points[-1].x) / 2, 1), points[0].when)]
        return [Tick(points[0].x, points[0].when), Tick(points[-1].x, points[-1].when)]

    @property
    def title(self) -> str:
        return f"Ratings of the goal: {self.goal.text}"

    @property
    def description(self) -> str:
        if not self.ratings:
            return "No ratings yet."
        first, last = self.ratings[0], self.ratings[-1]
        if len(self.ratings) == 1:
            return (
                f"One rating: {score_text(first.score)} on {formats.date(first.rated_at)}. "
                "The table beside the chart lists every rating."
            )
        return (
            f"{len(self.ratings)} ratings, from {score_text(first.score)} on "
            f"{formats.date(first.rated_at)} to {score_text(last.score)} on "
            f"{formats.date(last.rated_at)}. The table beside the chart lists every rating."
        )


@dataclass(frozen=True)
class RatingRow:
    when: str
    score: int
    rated_by: str


class GoalPresenter:
    def __init__(self, goal: Goal, *, person_id: int) -> None:
        self.goal = goal
        self.person_id = person_id
        self._ratings = list(goal.ratings.all())

    @property
    def pk(self) -> int:
        return self.goal.pk

    @property
    def text(self) -> str:
        return self.goal.text

    @property
    def ended(self) -> bool:
        return self.goal.ended_at is not None

    @property
    def worded(self) -> AuthorTag | None:
        """Whose words the goal is in, as a tag (``None`` when not recorded)."""
        return goal_tag(self.goal.worded_by)

    @property
    def started(self) -> str:
        return f"Set on {formats.date(self.goal.created_at)}"

    @property
    def ended_text(self) -> str:
        if not self.ended:
            return ""
        return f"Ended on {formats.date(self.goal.ended_at)}: {self.goal.ended_because}"

    @property
    def latest(self) -> str:
        return latest_rating_text(self._ratings)

    @property
    def rows(self) -> list[RatingRow]:
        return [
            RatingRow(formats.date(r.rated_at), r.score, r.get_rated_by_display())
            for r in self._ratings
        ]

    @property
    def chart(self) -> GoalChart:
        return GoalChart(self.goal, self._ratings)

    def _href(self, name: str) -> str:
        url = reverse(f"plans:{name}", kwargs={"person_id": self.person_id})
        return f"{url}?goal={self.goal.pk}"

    @property
    def rate_href(self) -> str:
        return self._href("rate-goal")

    @property
    def end_href(self) -> str:
        return self._href("end-goal")
