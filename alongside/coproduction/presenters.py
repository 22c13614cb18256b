"""What the co-production pages show: scores, means and gaps worded and tagged, the two charts
(staff beside experts on each characteristic; both groups' means across reviews), the overview's
rows, actions, experts named as they asked to be, and payments, ready for the NHS.UK macros so
that templates only place them.

The charts are drawn as SVG on the server (no script; the Content Security Policy allows no
inline styles, so they use attributes only). Each has a title and a description in words, and a
table with the same figures sits beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse

from alongside.coproduction.models import SCALE, Expert, Involvement, ReviewAction
from alongside.coproduction.queries import (
    DUE,
    DUE_SOON,
    NEVER,
    NOT_DUE,
    OVERDUE,
    Due,
    OverviewRow,
    ReviewFigures,
    Subject,
    TrendPoint,
)
from alongside.coproduction.signals import SIGNALS, Signals
from alongside.core import formats

NONE = "–"
MINUS = "−"

#: Short names of the scale's points, for the chart's axis.
SCALE_SHORT = {score: label.split(":")[0] for score, label in SCALE.items()}

BLUE = "#005eb8"
PURPLE = "#330072"
RED = "#d5281b"
TEXT = "#212b32"
AXIS = "#4c6272"
GRID = "#d8dde0"


# --- Words -------------------------------------------------------------------------------------


def one_decimal(value: float | None) -> str:
    if value is None:
        return NONE
    text = f"{value:.1f}"
    return f"{MINUS}{text[1:]}" if text.startswith("-") else text


def signed(value: float | int | None) -> str:
    """A gap with its sign: +2, −0.5, 0."""
    if value is None:
        return NONE
    text = str(value) if isinstance(value, int) else f"{value:.1f}"
    if text in ("0", "0.0", "-0.0"):
        return "0"
    return f"+{text}" if value > 0 else f"{MINUS}{text.lstrip('-')}"


def gap_tag(gap: float | int | None, *, compact: bool = False) -> dict[str, str] | None:
    """The gap as a tag: red where staff see a lot more co-production than the experts by
    experience do (a point or more), orange a little more, green none, blue where the experts
    see more. Compact tags (for narrow columns) give the number alone."""
    if gap is None:
        return None
    if gap >= 1:
        words, classes = "staff higher", "nhsuk-tag--red"
    elif gap > 0:
        words, classes = "staff higher", "nhsuk-tag--orange"
    elif gap == 0:
        return {"text": "0" if compact else "No gap", "classes": "nhsuk-tag--green"}
    else:
        words, classes = "experts higher", "nhsuk-tag--blue"
    return {"text": signed(gap) if compact else f"{signed(gap)} {words}", "classes": classes}


def gap_sentence(gap: float | None) -> str:
    if gap is None:
        return "There is no gap to show until both staff and experts by experience have rated."
    if gap > 0:
        return (
            f"On average staff rate co-production {one_decimal(gap)} points higher than the "
            "experts by experience do: where staff see more co-production than people with "
            "lived experience, power is showing."
        )
    if gap < 0:
        return (
            f"On average the experts by experience rate co-production {one_decimal(-gap)} "
            "points higher than staff do."
        )
    return "On average staff and the experts by experience rate co-production the same."


def due_tag(due: Due) -> dict[str, str]:
    if due.status == NEVER:
        return {"text": "Due now", "classes": "nhsuk-tag--red"}
    if due.status == OVERDUE:
        return {"text": f"Overdue: {formats.date(due.due_on)}", "classes": "nhsuk-tag--red"}
    if due.status == DUE:
        return {"text": "Due today", "classes": "nhsuk-tag--orange"}
    if due.status == DUE_SOON:
        return {"text": f"Due {formats.date(due.due_on)}", "classes": "nhsuk-tag--yellow"}
    assert due.status == NOT_DUE
    return {"text": f"Next due {formats.date(due.due_on)}", "classes": "nhsuk-tag--grey"}


def score_text(score: int | None) -> str:
    return NONE if score is None else str(score)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def subject_href(subject: Subject) -> str:
    return reverse(f"coproduction:{subject.kind}", kwargs={f"{subject.kind}_id": subject.pk})


def review_href(review_id: int) -> str:
    return reverse("coproduction:review", kwargs={"review_id": review_id})


def experts_named(experts: Iterable[Expert]) -> str:
    names = sorted(e.shown_name for e in experts)
    return ", ".join(names) if names else "None recorded"


# --- The charts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    sublabel: str = ""


@dataclass(frozen=True)
class Dumbbell:
    label: str
    label_y: float
    y: float
    staff_x: float | None
    experts_x: float | None
    staff: str
    experts: str
    gap: int | None

    @property
    def line_colour(self) -> str:
        return RED if self.gap is not None and self.gap > 0 else AXIS

    @property
    def has_line(self) -> bool:
        return self.staff_x is not None and self.experts_x is not None and self.gap != 0


@dataclass
class GapChart:
    """Each characteristic on a line from 1 to 5: staff (a blue circle) and experts by experience
    (a purple square), joined by a red line where staff rate higher."""

    chart_id: str
    figures: ReviewFigures

    WIDTH = 640
    LEFT = 40
    RIGHT = 40
    TOP = 6
    ROW = 58
    AXIS_SPACE = 44
    STAFF_COLOUR = BLUE
    EXPERTS_COLOUR = PURPLE

    @property
    def title(self) -> str:
        return "Staff and experts by experience's ratings of each characteristic, 1 to 5"

    def _x(self, score: int) -> float:
        usable = self.WIDTH - self.LEFT - self.RIGHT
        return round(self.LEFT + usable * (score - 1) / 4, 1)

    @property
    def rows(self) -> list[Dumbbell]:
        out = []
        for index, s in enumerate(self.figures.scores):
            top = self.TOP + index * self.ROW
            out.append(
                Dumbbell(
                    label=s.characteristic.label,
                    label_y=top + 16,
                    y=top + 38,
                    staff_x=None if s.staff is None else self._x(s.staff),
                    experts_x=None if s.experts is None else self._x(s.experts),
                    staff=score_text(s.staff),
                    experts=score_text(s.experts),
                    gap=s.gap,
                )
            )
        return out

    @property
    def bottom(self) -> int:
        return self.TOP + len(self.figures.scores) * self.ROW

    @property
    def height(self) -> int:
        return self.bottom + self.AXIS_SPACE

    @property
    def ticks(self) -> list[Tick]:
        return [Tick(self._x(s), str(s), SCALE_SHORT[s]) for s in sorted(SCALE)]

    @property
    def description(self) -> str:
        scores = self.figures.scores
        rated = [s for s in scores if s.gap is not None]
        if not rated:
            return "Both groups' ratings are not recorded yet. The table has what there is."
        higher = [s for s in rated if s.gap > 0]
        lower = [s for s in rated if s.gap < 0]
        parts = [
            f"Staff rate higher than the experts by experience on {len(higher)} of "
            f"{len(rated)} characteristics" + (f", and lower on {len(lower)}." if lower else ".")
        ]
        widest = max(rated, key=lambda s: abs(s.gap))
        if widest.gap:
            parts.append(
                f"The widest gap is on {widest.characteristic.label}: staff "
                f"{widest.staff}, experts {widest.experts}."
            )
        parts.append("The table beside the chart has every score.")
        return " ".join(parts)


@dataclass(frozen=True)
class TrendMark:
    x: float
    y: float
    label: str


@dataclass
class TrendChart:
    """Each group's mean rating per review, by quarter, on a scale from 1 to 5: staff a solid
    blue line with circles, experts by experience a dashed purple line with squares."""

    chart_id: str
    points: Sequence[TrendPoint]

    WIDTH = 640
    HEIGHT = 260
    LEFT = 44
    RIGHT = 20
    TOP = 14
    BOTTOM = 46
    STAFF_COLOUR = BLUE
    EXPERTS_COLOUR = PURPLE

    @property
    def title(self) -> str:
        return "Mean rating by staff and by experts by experience, review by review"

    @property
    def right(self) -> int:
        return self.WIDTH - self.RIGHT

    @property
    def bottom(self) -> int:
        return self.HEIGHT - self.BOTTOM

    def _x(self, index: int) -> float:
        count = len(self.points)
        if count <= 1:
            return round((self.LEFT + self.right) / 2, 1)
        inset = 24
        usable = self.right - self.LEFT - 2 * inset
        return round(self.LEFT + inset + usable * index / (count - 1), 1)

    def _y(self, value: float) -> float:
        span = self.bottom - self.TOP
        return round(self.TOP + span * (5 - value) / 4, 1)

    @property
    def y_ticks(self) -> list[Tick]:
        return [Tick(self._y(s), str(s)) for s in sorted(SCALE)]

    @property
    def x_ticks(self) -> list[Tick]:
        return [
            Tick(self._x(i), p.quarter.months_label, str(p.quarter.year))
            for i, p in enumerate(self.points)
        ]

    def _marks(self, group: str) -> list[TrendMark]:
        name = "Staff" if group == "staff" else "Experts by experience"
        out = []
        for i, p in enumerate(self.points):
            value = getattr(p, f"{group}_mean")
            if value is not None:
                out.append(
                    TrendMark(
                        self._x(i),
                        self._y(value),
                        f"{name}, {p.quarter.label}: {one_decimal(value)}",
                    )
                )
        return out

    @property
    def staff_marks(self) -> list[TrendMark]:
        return self._marks("staff")

    @property
    def experts_marks(self) -> list[TrendMark]:
        return self._marks("experts")

    @staticmethod
    def _line(marks: list[TrendMark]) -> str:
        return " ".join(f"{m.x},{m.y}" for m in marks) if len(marks) > 1 else ""

    @property
    def staff_line(self) -> str:
        return self._line(self.staff_marks)

    @property
    def experts_line(self) -> str:
        return self._line(self.experts_marks)

    @property
    def description(self) -> str:
        if not self.points:
            return "No reviews have been rated yet."
        first, last = self.points[0], self.points[-1]
        parts = []
        for group, name in (("staff", "Staff"), ("experts", "Experts by experience")):
            a, b = getattr(first, f"{group}_mean"), getattr(last, f"{group}_mean")
            if len(self.points) > 1 and a is not None and b is not None:
                parts.append(
                    f"{name}: from {one_decimal(a)} in {first.quarter.label} to "
                    f"{one_decimal(b)} in {last.quarter.label}."
                )
            elif b is not None:
                parts.append(f"{name}: {one_decimal(b)} in {last.quarter.label}.")
        parts.append("The table beside the chart has every figure.")
        return " ".join(parts)


# --- Tables ------------------------------------------------------------------------------------


def comparison_rows(figures: ReviewFigures) -> list[dict[str, Any]]:
    """A row per characteristic: staff, experts and the gap."""
    return [
        {
            "characteristic": s.characteristic.label,
            "staff": score_text(s.staff),
            "experts": score_text(s.experts),
            "gap": signed(s.gap),
            "gap_tag": gap_tag(s.gap),
            "staff_evidence": s.staff_evidence,
            "experts_evidence": s.experts_evidence,
        }
        for s in figures.scores
    ]


def means_row(figures: ReviewFigures) -> dict[str, Any]:
    return {
        "staff": one_decimal(figures.staff_mean),
        "experts": one_decimal(figures.experts_mean),
        "gap": signed(figures.mean_gap),
        "gap_tag": gap_tag(figures.mean_gap),
    }


def trend_rows(points: Sequence[TrendPoint]) -> list[dict[str, Any]]:
    return [
        {
            "quarter": p.quarter.label,
            "held_on": formats.date(p.figures.review.held_on),
            "href": review_href(p.figures.review.pk),
            "staff": one_decimal(p.staff_mean),
            "experts": one_decimal(p.experts_mean),
            "gap": signed(p.mean_gap),
            "gap_tag": gap_tag(p.mean_gap),
        }
        for p in reversed(points)
    ]


def review_status(figures: ReviewFigures) -> dict[str, str]:
    if figures.has_staff and figures.has_experts:
        return {"text": "Both groups rated", "classes": "nhsuk-tag--green"}
    if figures.has_staff:
        return {"text": "Waiting for the experts' rating", "classes": "nhsuk-tag--yellow"}
    if figures.has_experts:
        return {"text": "Waiting for the staff rating", "classes": "nhsuk-tag--yellow"}
    return {"text": "Not rated yet", "classes": "nhsuk-tag--grey"}


def overview_rows(rows: Sequence[OverviewRow]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        latest = row.latest
        out.append(
            {
                "kind": row.subject.kind,
                "name": row.subject.name,
                "organisation": row.subject.organisation_name,
                "href": subject_href(row.subject),
                "last": formats.date(row.due.last_held_on, "Never"),
                "due": due_tag(row.due),
                "staff": one_decimal(latest.staff_mean) if latest else NONE,
                "experts": one_decimal(latest.experts_mean) if latest else NONE,
                "gap_tag": gap_tag(latest.mean_gap, compact=True) if latest else None,
                "open_actions": formats.number(row.open_actions),
            }
        )
    return out


def action_due(action: ReviewAction, today: dt.date) -> dict[str, Any]:
    """When an action is due or was done: a tag only where it is overdue."""
    if action.completed_on is not None:
        return {"text": formats.date(action.completed_on), "tag": None}
    if action.due_on < today:
        return {
            "text": "",
            "tag": {"text": f"Overdue: {formats.date(action.due_on)}", "classes": "nhsuk-tag--red"},
        }
    return {"text": formats.date(action.due_on), "tag": None}


def action_rows(
    actions: Iterable[ReviewAction], today: dt.date, *, may_complete: Callable[[ReviewAction], bool]
) -> list[dict[str, Any]]:
    """``may_complete(action)`` says whether the user may mark it done."""
    return [
        {
            "text": a.text,
            "characteristic": a.get_characteristic_display() if a.characteristic else "",
            "owner": a.owner.display_name,
            "due": action_due(a, today),
            "review": formats.date(a.review.held_on),
            "review_href": review_href(a.review_id),
            "what_changed": a.what_changed,
            "completed_by": a.completed_by.display_name if a.completed_by else "",
            "complete_href": reverse("coproduction:complete-action", kwargs={"action_id": a.pk})
            if may_complete(a)
            else "",
        }
        for a in actions
    ]


# --- Experts -----------------------------------------------------------------------------------


def expert_label(expert: Expert, *, full: bool) -> str:
    """The name to show: the full name to those who manage the register, else as they asked to
    be named; with their reference, so that two named alike can be told apart."""
    name = expert.full_name if full else expert.shown_name
    return f"{name} (ref. {expert.pk})"


def expert_choice_labels(experts: Iterable[Expert], *, full_for: set[int]) -> dict[int, str]:
    return {
        e.pk: f"{expert_label(e, full=e.organisation_id in full_for)}, {e.organisation.name}"
        for e in experts
    }


def money(value: Decimal | None) -> str:
    if value is None:
        return NONE
    return f"£{value:,.2f}"


def hours_number(value: Decimal) -> str:
    """1.5, 2, 0.25: hours without trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def hours_text(value: Decimal) -> str:
    text = hours_number(value)
    return f"{text} hour" if text == "1" else f"{text} hours"


def involvement_rows(
    involvements: Iterable[Involvement],
    *,
    may_change: Callable[[Involvement], bool],
    shows_money: bool,
) -> list[dict[str, Any]]:
    return [
        {
            "on": formats.date(i.on),
            "kind": i.get_kind_display(),
            "hours": hours_text(i.hours),
            "where": i.team.name if i.team else i.organisation.name,
            "what": i.what,
            "decided": i.decided,
            "changed": i.changed,
            "changed_on": formats.date(i.changed_on, ""),
            "owed": money(i.owed) if shows_money else "",
            "reward": i.get_reward_display(),
            "paid": (f"paid {formats.date(i.paid_on)}" if i.paid_on else "not paid yet")
            if i.owed
            else "nothing owed",
            "change_href": reverse(
                "coproduction:involvement-change", kwargs={"involvement_id": i.pk}
            )
            if may_change(i) and not i.changed
            else "",
        }
        for i in involvements
    ]


def month_label(day: dt.date) -> str:
    return f"{day:%B %Y}"


def month_choices(first: dt.date, last: dt.date) -> list[tuple[str, str]]:
    """Months from ``last`` back to ``first`` as ('2026-11', 'November 2026')."""
    out = []
    year, month = last.year, last.month
    while (year, month) >= (first.year, first.month):
        day = dt.date(year, month, 1)
        out.append((f"{day:%Y-%m}", month_label(day)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


# --- In people's care ---------------------------------------------------------------------------


def _percent(share: float | None) -> str:
    return f"{round(100 * share)}%" if share is not None else "Nothing to count"


def care_signal_rows(found: Signals) -> list[dict[str, str]]:
    """The six signals as table rows: what is counted, how many show the person's voice, the
    share."""
    rows = []
    for signal in SIGNALS:
        count = found.counts[signal.key]
        rows.append(
            {
                "title": signal.title,
                "counts": signal.counts,
                "shown": str(count.shown),
                "counted": str(count.counted),
                "share": _percent(count.share),
            }
        )
    return rows


def care_summary(found: Signals) -> dict[str, str]:
    mean = found.collaborate_mean
    return {
        "component": _percent(found.care_component),
        "collaborate_mean": f"{mean:.1f} of 27" if mean is not None else "",
    }
