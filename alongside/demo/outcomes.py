"""The demo's outcome measures: each team's schedule, and the responses people gave in their
episodes of care, scored by the real engine.

Called from ``PlaceBuilder.build`` after ``care.build_key_working``, it reads the episodes, their
attended contacts and their goal ratings and adds, in bulk:

* **schedules**: every team that leads episodes asks for DIALOG at the start, every 12 weeks and
  at discharge, and for Goal Based Outcomes every 12 weeks; the community mental health and
  primary care mental health teams (and psychological therapies, in the county) also ask for the
  PHQ-9 and the GAD-7 at the start and every 12 weeks;
* **responses**, at the episode's attended appointments: a baseline at the first one for most
  episodes (``BASELINE``), again at some of the three-monthly reviews (``FOLLOW_UP``) and, for
  DIALOG, at the last appointment before discharge. The answers follow a course drawn for each
  episode (``Course``): life-domain ratings drift up by about two thirds of a point and PHQ-9
  and GAD-7 totals fall by three or four points on average, with some people getting worse;
  DIALOG's "more help" goes with the lowest-rated domains; now and then PHQ-9 question 9 is
  answered above 0, and a practitioner has almost always acknowledged the prompt it raised.
  Someone with a portal sign-in fills in their PHQ-9 and GAD-7 there the evening before;
* **Goal Based Outcomes** responses made of the goal ratings the key working stage wrote: where
  a goal was rated at the plan's start or at a review about every 12 weeks, the ratings given
  together become one response whose items link (``ResponseGoal``) to the goals and the ratings,
  as completing one in the app records them (the ratings take the response's time);
* a few responses still **in progress** (started at a recent appointment, part answered) and a
  few **corrections** (a completed response, then one that corrects it, whose scores replace
  the original's, which stay in the history with ``current`` false).

Every score is the engine's (``engine.score`` on the generated answers), never worked out here.
Nothing is completed outside the episode (from its start to its end or the generator's 'now').
Rows are written with COPY, their ids taken ahead from each table's sequence.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import JSONField, Model, Q, QuerySet
from psycopg.types.json import Jsonb

from alongside.care.models import (
    DIRECT_MODES,
    Allocation,
    Contact,
    Episode,
    Goal,
    GoalRating,
    RatedBy,
)
from alongside.care.models import Kind as ContactKind
from alongside.care.models import Outcome as ContactOutcome
from alongside.demo.care import _working
from alongside.organisations.models import Role, TeamType
from alongside.outcomes import engine, registry
from alongside.outcomes.engine import Measure, Result
from alongside.outcomes.models import (
    MeasureSchedule,
    Mode,
    Questionnaire,
    Response,
    ResponseGoal,
    Score,
    Status,
)

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

Row = dict[str, Any]
_LONDON = zoneinfo.ZoneInfo("Europe/London")
_MINUTE = dt.timedelta(minutes=1)

DIALOG, PHQ9, GAD7, GBO = "dialog", "phq9", "gad7", "gbo"
MEASURES = (DIALOG, PHQ9, GAD7, GBO)
EVERY_WEEKS = 12
#: Teams that lead no episodes (public health, back-office teams) schedule nothing.
_NO_EPISODES = {TeamType.PUBLIC_HEALTH, TeamType.OTHER}
_SYMPTOM_TEAMS = {
    TeamType.COMMUNITY_MENTAL_HEALTH,
    TeamType.PRIMARY_CARE_MENTAL_HEALTH,
    TeamType.PSYCHOLOGICAL_THERAPY,
}

#: Chance of a baseline at the first attended appointment (GAD-7 mostly goes with the PHQ-9).
BASELINE = {DIALOG: 0.80, PHQ9: 0.75}
#: Chance of a response at a review at least ``_FOLLOW_UP_DAYS`` after the last one.
FOLLOW_UP = {DIALOG: 0.40, PHQ9: 0.38}
#: Chance of a first response at a review when the baseline was missed.
LATE_FIRST = 0.2
GAD7_WITH_PHQ9 = 0.9
GAD7_ALONE = 0.1
AT_DISCHARGE = 0.35  # DIALOG at the last appointment of a discharged episode
GBO_BASELINE = 0.7  # the goals' first ratings, when the plan is made
GBO_FOLLOW_UP = 0.5
_FOLLOW_UP_DAYS = 70
_DISCHARGE_GAP_DAYS = 28
#: Days over which an episode's course plays out (the change is reached by then).
COURSE_DAYS = 120
ACKNOWLEDGED = 0.9
IN_PROGRESS_SHARE = 0.015  # of open episodes, at an appointment in the last fortnight
CORRECTION_EVERY = 3_000  # completed responses per correction (at least two)

# DIALOG's eight life domains: how they tend to sit against the person's overall level.
_DOMAIN_OFFSET = (-0.6, 0.0, -0.5, 0.5, -0.3, -0.2, 0.2, 0.6)
_HELP_CHANCE = (0.7, 0.45, 0.25)  # for the lowest, second and third lowest domains
# PHQ-9 questions 1 to 8: sleep and tiredness run higher, moving slowly lower.
_PHQ_OFFSET = (0.0, 0.1, 0.4, 0.4, 0.0, 0.0, 0.0, -0.5)
_SELF_HARM_RISK = ((0.3, 50), (1.0, 35), (3.0, 15))
_CORRECTION_REASONS = (
    "Keyed in the wrong answer to question {item} ('{old}' instead of '{new}') when copying "
    "from the paper form.",
    "Went through it again with them by phone: question {item} was '{new}', not '{old}'.",
    "Answer to question {item} entered on the wrong line: '{new}' is right, not '{old}'.",
)


@dataclass
class _Episode:
    pk: int
    person_id: int
    started_at: dt.datetime
    until: dt.datetime
    discharged: bool
    person_user_id: int | None
    #: Attended direct contacts: (starts_at, id, kind, practitioner), in time order.
    contacts: list[tuple[dt.datetime, int, str, int]] = field(default_factory=list)
    allocations: list[tuple[dt.datetime, int]] = field(default_factory=list)
    goals: list[int] = field(default_factory=list)

    def key_worker_at(self, at: dt.datetime) -> int | None:
        current = self.allocations[0][1] if self.allocations else None
        for started, user_id in self.allocations:
            if started <= at:
                current = user_id
        return current


@dataclass
class _Response:
    row: Row
    measure: Measure
    result: Result | None
    goal_links: list[tuple[str, int, int]] = field(default_factory=list)  # link, goal, rating
    id: int = 0


@dataclass
class Course:
    """How one person's answers go over an episode: where they start and how far they move."""

    domains: list[float]
    treatment: list[float]
    on_medication: bool
    dialog_gain: float
    phq: float
    phq_gain: float
    gad: float
    gad_gain: float
    self_harm_risk: float

    @classmethod
    def draw(cls, rng: random.Random) -> Course:
        distress = rng.gauss(0, 1)
        recovery = rng.gauss(0, 1)
        level = 3.7 - 0.5 * distress
        return cls(
            domains=[level + offset + rng.gauss(0, 0.7) for offset in _DOMAIN_OFFSET],
            treatment=[rng.gauss(4.9, 0.9) for _ in range(3)],
            on_medication=rng.random() < 0.6,
            dialog_gain=0.95 + 0.6 * recovery + rng.gauss(0, 0.25),
            phq=min(26.0, max(2.0, 13.5 + 4.5 * distress + rng.gauss(0, 2))),
            phq_gain=5.6 + 4.0 * recovery + rng.gauss(0, 1.5),
            gad=min(20.0, max(1.0, 11.5 + 3.8 * distress + rng.gauss(0, 2))),
            gad_gain=4.9 + 3.4 * recovery + rng.gauss(0, 1.5),
            self_harm_risk=rng.choices(*zip(*_SELF_HARM_RISK, strict=True))[0],
        )


def progress(days: float) -> float:
    """How much of the episode's change has happened ``days`` after it started (0 to 1)."""
    return max(0.0, min(1.0, days / COURSE_DAYS))


def _clamp(value: float, low: int, high: int) -> int:
    return max(low, min(high, round(value)))


def dialog_answers(course: Course, done: float, rng: random.Random) -> dict[str, Any]:
    """DIALOG: eight life domains and three treatment items (1–7), and "more help" for the
    lowest-rated domains."""
    ratings: dict[int, int] = {}
    for n, level in enumerate(course.domains, start=1):
        ratings[n] = _clamp(level + course.dialog_gain * done + rng.gauss(0, 0.55), 1, 7)
    for n, level in enumerate(course.treatment, start=9):
        if (n == 9 and not course.on_medication) or rng.random() < 0.05:
            continue
        ratings[n] = _clamp(level + 0.3 * done + rng.gauss(0, 0.5), 1, 7)
    lowest = sorted((r, rng.random(), n) for n, r in ratings.items() if n <= 8)
    wants = {
        n
        for (rating, _, n), chance in zip(lowest, _HELP_CHANCE, strict=False)
        if rating <= 4 and rng.random() < chance
    }
    wants |= {n for n, r in ratings.items() if n > 8 and r <= 3 and rng.random() < 0.2}
    answers: dict[str, Any] = {}
    for n, rating in ratings.items():
        answers[str(n)] = str(rating)
        answers[f"{n}-help"] = n in wants
    return answers


def phq9_answers(course: Course, done: float, rng: random.Random) -> dict[str, Any]:
    """PHQ-9: nine symptoms (0–3) around the course's total, question 9 (thoughts of being
    better off dead or of self-harm) above 0 now and then, more often when the total is high."""
    target = course.phq - course.phq_gain * done + rng.gauss(0, 1.8)
    each = max(0.0, target) / 8.3
    answers = {
        str(n): str(_clamp(each + offset + rng.gauss(0, 0.5), 0, 3))
        for n, offset in enumerate(_PHQ_OFFSET, start=1)
    }
    chance = min(0.5, max(0.004, 0.012 * (target - 7)) * course.self_harm_risk)
    answers["9"] = str(rng.choices((1, 2, 3), (70, 22, 8))[0] if rng.random() < chance else 0)
    if rng.random() < 0.8:
        answers["10"] = str(_difficulty(target, 27))
    return answers


def gad7_answers(course: Course, done: float, rng: random.Random) -> dict[str, Any]:
    """GAD-7: seven symptoms (0–3) around the course's total."""
    target = course.gad - course.gad_gain * done + rng.gauss(0, 1.6)
    each = max(0.0, target) / 7
    answers = {str(n): str(_clamp(each + rng.gauss(0, 0.5), 0, 3)) for n in range(1, 8)}
    if rng.random() < 0.8:
        answers["8"] = str(_difficulty(target, 21))
    return answers


def _difficulty(total: float, top: int) -> int:
    """How difficult the problems made things (0 not at all to 3 extremely)."""
    return min(3, max(0, int(4 * total / (top + 1))))


ANSWERS = {DIALOG: dialog_answers, PHQ9: phq9_answers, GAD7: gad7_answers}


def build_outcomes(builder: PlaceBuilder) -> dict[str, int]:
    """Add the schedules and responses; return how many rows of each kind it wrote."""
    return _Outcomes(builder).build()


def flush_outcomes(*, episodes: QuerySet, organisations: QuerySet) -> dict[str, int]:
    """Delete the responses in ``episodes`` (and what hangs off them) and the schedules of the
    organisations' teams, before the episodes, goals and teams go."""
    responses = Response.objects.filter(episode__in=episodes)
    deleted = {
        "response_goals": ResponseGoal.objects.filter(response__in=responses)._raw_delete("default")
    }
    deleted["scores"] = Score.objects.filter(
        Q(response__in=responses) | Q(episode__in=episodes)
    )._raw_delete("default")
    deleted["responses"] = responses._raw_delete("default")
    deleted["measure_schedules"] = MeasureSchedule.objects.filter(
        team__organisation__in=organisations
    )._raw_delete("default")
    return deleted


class _Outcomes:
    def __init__(self, builder: PlaceBuilder) -> None:
        self.builder = builder
        self.now, self.start = builder.now, builder.start
        self.rng = builder.rng("outcomes")
        self.counts: dict[str, int] = defaultdict(int)
        self.responses: list[_Response] = []
        self.retimed: dict[int, dt.datetime] = {}  # goal rating id → the response's time
        questionnaires = {name: registry.current(name) for name in MEASURES}
        if None in questionnaires.values():
            registry.sync_shipped()  # the definitions load after migrate; load them if not
            questionnaires = {name: registry.current(name) for name in MEASURES}
        self.questionnaires: dict[str, Questionnaire] = questionnaires  # type: ignore[assignment]
        self.measures = {name: registry.measure(q) for name, q in questionnaires.items()}
        self.team_measures: dict[int, tuple[str, ...]] = {}
        for plan in builder.team_plans:
            team = plan.team
            if team.team_type in _NO_EPISODES:
                continue
            symptoms = (PHQ9, GAD7) if team.team_type in _SYMPTOM_TEAMS else ()
            self.team_measures[team.pk] = (DIALOG, *symptoms, GBO)

    # --- the whole stage --------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self._schedules()
        episodes = self._episodes()
        progress = self.builder.progress
        progress.start("Outcome measures", max(1, len(episodes)))
        for n, episode in enumerate(episodes, start=1):
            self._episode(episode)
            if n % 500 == 0:
                progress.advance(500)
        self._in_progress(episodes)
        self._corrections()
        self._write()
        progress.advance(len(episodes) % 500)
        return dict(self.counts)

    def _schedules(self) -> None:
        leads = {
            m.team.pk: m.user.pk
            for m in reversed(self.builder.memberships)
            if m.role == Role.TEAM_LEAD
        }
        rows = []
        for team_id, measures in self.team_measures.items():
            for name in measures:
                rows.append(
                    MeasureSchedule(
                        team_id=team_id,
                        measure=name,
                        at_start=name != GBO,
                        every_weeks=EVERY_WEEKS,
                        at_discharge=name == DIALOG,
                        updated_at=self.start - dt.timedelta(days=30),
                        updated_by_id=leads.get(team_id),
                    )
                )
        MeasureSchedule.objects.bulk_create(rows)
        self.counts["measure_schedules"] = len(rows)

    def _episodes(self) -> list[_Episode]:
        team_ids = list(self.team_measures)
        episodes: dict[int, _Episode] = {}
        rows = (
            Episode.objects.filter(lead_team_id__in=team_ids)
            .order_by("started_at", "id")
            .values_list(
                "pk",
                "person_id",
                "lead_team_id",
                "started_at",
                "ended_at",
                "person__user_id",
            )
        )
        self.lead_team: dict[int, int] = {}
        for pk, person_id, team_id, started, ended, user_id in rows:
            until = min(ended or self.now, self.now)
            episodes[pk] = _Episode(pk, person_id, started, until, ended is not None, user_id)
            self.lead_team[pk] = team_id
        contacts = (
            Contact.objects.filter(
                episode__lead_team_id__in=team_ids,
                outcome=ContactOutcome.ATTENDED,
                mode__in=DIRECT_MODES,
                starts_at__lt=self.now,
            )
            .order_by("episode_id", "starts_at", "id")
            .values_list("episode_id", "starts_at", "id", "kind", "practitioner_id")
        )
        for episode_id, *contact in contacts:
            episodes[episode_id].contacts.append(tuple(contact))  # type: ignore[arg-type]
        portal = [pk for pk, e in episodes.items() if e.person_user_id is not None]
        for episode_id, started, user_id in (
            Allocation.objects.filter(episode_id__in=portal)
            .order_by("started_at", "id")
            .values_list("episode_id", "started_at", "key_worker_id")
        ):
            episodes[episode_id].allocations.append((started, user_id))
        # Goals in the order the person set them (goal 1, 2, 3), and their ratings.
        goals: dict[int, int] = {}
        for goal_id, episode_id in (
            Goal.objects.filter(episode__lead_team_id__in=team_ids)
            .order_by("created_at", "id")
            .values_list("pk", "episode_id")
        ):
            episodes[episode_id].goals.append(goal_id)
            goals[goal_id] = episode_id
        self.ratings: dict[int, list[tuple[dt.datetime, int, int, int, str, int]]] = defaultdict(
            list
        )
        for rating_id, goal_id, score, at, rated_by, recorded_by in (
            GoalRating.objects.filter(goal_id__in=list(goals))
            .order_by("rated_at", "id")
            .values_list("pk", "goal_id", "score", "rated_at", "rated_by", "recorded_by_id")
        ):
            self.ratings[goals[goal_id]].append(
                (at, rating_id, goal_id, score, rated_by, recorded_by)
            )
        self.episodes = episodes
        return list(episodes.values())

    # --- one episode ------------------------------------------------------------------------

    def _episode(self, episode: _Episode) -> None:
        rng = self.rng
        measures = self.team_measures[self.lead_team[episode.pk]]
        course = Course.draw(rng)
        last: dict[str, dt.datetime] = {}
        contacts = episode.contacts
        for n, (starts, contact_id, kind, practitioner) in enumerate(contacts):
            due: list[str] = []
            is_last = n == len(contacts) - 1
            for name in (DIALOG, PHQ9):
                if name not in measures:
                    continue
                done = last.get(name)
                if n == 0:
                    # Someone who uses the portal is the demo's person to follow: always.
                    chance = 1.0 if episode.person_user_id else BASELINE[name]
                elif kind != ContactKind.REVIEW:
                    chance = 0.0
                elif done is None:
                    chance = LATE_FIRST
                elif (starts - done).days >= _FOLLOW_UP_DAYS:
                    chance = FOLLOW_UP[name]
                else:
                    chance = 0.0
                if (
                    name == DIALOG
                    and is_last
                    and episode.discharged
                    and done is not None
                    and (starts - done).days >= _DISCHARGE_GAP_DAYS
                ):
                    chance = max(chance, AT_DISCHARGE)
                if chance and rng.random() < chance:
                    due.append(name)
            if GAD7 in measures:
                with_phq = PHQ9 in due
                done = last.get(GAD7)
                spaced = done is None or (starts - done).days >= _FOLLOW_UP_DAYS
                alone = n == 0 or kind == ContactKind.REVIEW
                chance = GAD7_WITH_PHQ9 if with_phq else GAD7_ALONE if alone else 0.0
                if spaced and rng.random() < chance:
                    due.append(GAD7)
            at = starts + dt.timedelta(minutes=rng.randint(3, 10))
            evening = self._evening_before(episode, starts) if episode.person_user_id else None
            for name in due:
                took = rng.randint(6, 12) if name == DIALOG else rng.randint(3, 7)
                if evening is not None and name in (PHQ9, GAD7):
                    # Someone with a portal sign-in fills in these two there, the evening before.
                    started, completed = evening, evening + took * _MINUTE
                    evening = completed + _MINUTE
                    by, mode, contact = episode.person_user_id, Mode.SELF, None
                else:
                    started, completed = at, at + took * _MINUTE
                    at = completed + _MINUTE
                    by, mode, contact = practitioner, Mode.WITH_PRACTITIONER, contact_id
                if completed >= episode.until or started < episode.started_at:
                    continue
                done_fraction = progress((completed - episode.started_at).days)
                answers = ANSWERS[name](course, done_fraction, rng)
                self._completed(episode, name, answers, started, completed, by, mode, contact)
                last[name] = completed
        if GBO in measures:
            self._goal_based_outcomes(episode)

    def _evening_before(self, episode: _Episode, contact: dt.datetime) -> dt.datetime | None:
        """A moment the evening before an appointment, if the episode had started by then."""
        day = contact.astimezone(_LONDON).date() - dt.timedelta(days=1)
        evening = dt.datetime.combine(day, dt.time(19, self.rng.randint(0, 45)), tzinfo=_LONDON)
        return evening if evening > episode.started_at else None

    def _completed(
        self,
        episode: _Episode,
        name: str,
        answers: Mapping[str, Any],
        started: dt.datetime,
        completed: dt.datetime,
        by: int | None,
        mode: str,
        contact: int | None,
        *,
        corrects: _Response | None = None,
        reason: str = "",
    ) -> _Response:
        measure = self.measures[name]
        result = engine.score(measure, dict(answers))
        flags = [f.id for f in result.flags]
        seen_at = seen_by = None
        if flags and self.rng.random() < ACKNOWLEDGED:
            if mode == Mode.SELF:
                seen_at = _working(
                    completed + dt.timedelta(hours=self.rng.uniform(1, 16)), self.rng
                )
                seen_by = episode.key_worker_at(seen_at)
            else:
                seen_at = completed + dt.timedelta(minutes=self.rng.randint(1, 20))
                seen_by = by
            if seen_at >= self.now or seen_by is None:
                seen_at = seen_by = None
        response = _Response(
            {
                "questionnaire_id": self.questionnaires[name].pk,
                "person_id": episode.person_id,
                "episode_id": episode.pk,
                "contact_id": contact,
                "status": Status.COMPLETED,
                "mode": mode,
                "answers": result.answers,
                "started_at": started,
                "started_by_id": by,
                "updated_at": completed,
                "completed_at": completed,
                "completed_by_id": by,
                "corrects_id": None,
                "correction_reason": reason,
                "flags": flags,
                "more_help": list(result.more_help),
                "prompt_seen_at": seen_at,
                "prompt_seen_by_id": seen_by,
            },
            measure,
            result,
        )
        if corrects is not None:
            response.row["corrects"] = corrects
        self.responses.append(response)
        return response

    def _goal_based_outcomes(self, episode: _Episode) -> None:
        """Goal ratings given together (within a few hours) become a Goal Based Outcomes
        response: at the plan's start and then at most every ``_FOLLOW_UP_DAYS``."""
        rng = self.rng
        ratings = self.ratings.get(episode.pk)
        if not ratings:
            return
        link_of = {goal: f"goal-{n}" for n, goal in enumerate(episode.goals[:3], start=1)}
        together: list[list[tuple[dt.datetime, int, int, int, str, int]]] = []
        for rating in ratings:
            if together and rating[0] - together[-1][0][0] <= dt.timedelta(hours=3):
                together[-1].append(rating)
            else:
                together.append([rating])
        starts = [c[0] for c in episode.contacts]
        last: dt.datetime | None = None
        for group in together:
            first_goal = next((r for r in group if link_of.get(r[2]) == "goal-1"), None)
            if first_goal is None:
                continue
            if last is None:
                chance = GBO_BASELINE if group is together[0] else LATE_FIRST
            elif (group[0][0] - last).days >= _FOLLOW_UP_DAYS:
                chance = GBO_FOLLOW_UP
            else:
                continue
            if rng.random() >= chance:
                continue
            _, _, _, _, rated_by, recorded_by = first_goal
            chosen = [
                r for r in group if r[2] in link_of and r[4] == rated_by and r[5] == recorded_by
            ]
            completed = min(r[0] for r in chosen)
            if not episode.started_at <= completed < episode.until:
                continue
            started = max(episode.started_at, completed - rng.randint(2, 5) * _MINUTE)
            # The appointment the ratings were given at, if any (not the plan's first ratings).
            index = bisect.bisect_right(starts, completed) - 1
            contact = None
            if index >= 0 and completed - starts[index] <= dt.timedelta(hours=2):
                contact = episode.contacts[index][1]
            answers = {link_of[r[2]]: r[3] for r in chosen}
            mode = Mode.SELF if rated_by == RatedBy.PERSON else Mode.WITH_PRACTITIONER
            response = self._completed(
                episode, GBO, answers, started, completed, recorded_by, mode, contact
            )
            response.goal_links = [(link_of[r[2]], r[2], r[1]) for r in chosen]
            for r in chosen:
                if r[0] != completed:
                    self.retimed[r[1]] = completed
            last = completed

    # --- a few in progress, a few corrected ------------------------------------------------

    def _in_progress(self, episodes: Sequence[_Episode]) -> None:
        """Responses started at a recent appointment of an open episode and not finished."""
        rng = self.rng
        open_episodes = [e for e in episodes if not e.discharged]
        done_at = {(r.row["contact_id"], r.measure.name) for r in self.responses}
        candidates = []
        fortnight = self.now - dt.timedelta(days=14)
        for episode in open_episodes:
            if not episode.contacts or episode.contacts[-1][0] < fortnight:
                continue
            starts, contact_id, _, practitioner = episode.contacts[-1]
            measures = self.team_measures[self.lead_team[episode.pk]]
            name = PHQ9 if PHQ9 in measures and rng.random() < 0.5 else DIALOG
            if (contact_id, name) not in done_at:
                candidates.append((episode, starts, contact_id, practitioner, name))
        wanted = min(len(candidates), max(3, round(IN_PROGRESS_SHARE * len(open_episodes))))
        for episode, starts, contact_id, practitioner, name in rng.sample(candidates, wanted):
            measure = self.measures[name]
            full = ANSWERS[name](Course.draw(rng), 0.0, rng)
            required = [i.link_id for i in measure.answerable if i.required]
            kept = set(required[: rng.randint(2, len(required) - 1)])
            partial = {k: v for k, v in full.items() if k.removesuffix("-help") in kept}
            started = starts + rng.randint(3, 15) * _MINUTE
            self.responses.append(
                _Response(
                    {
                        "questionnaire_id": self.questionnaires[name].pk,
                        "person_id": episode.person_id,
                        "episode_id": episode.pk,
                        "contact_id": contact_id,
                        "status": Status.IN_PROGRESS,
                        "mode": Mode.WITH_PRACTITIONER,
                        "answers": engine.clean_answers(measure, partial, complete=False),
                        "started_at": started,
                        "started_by_id": practitioner,
                        "updated_at": started + rng.randint(2, 6) * _MINUTE,
                        "completed_at": None,
                        "completed_by_id": None,
                        "corrects_id": None,
                        "correction_reason": "",
                        "flags": [],
                        "more_help": [],
                        "prompt_seen_at": None,
                        "prompt_seen_by_id": None,
                    },
                    measure,
                    None,
                )
            )

    def _corrections(self) -> None:
        """A completed response with one answer keyed in wrongly, and the response that
        corrects it a day or so later."""
        rng = self.rng
        completed = [r for r in self.responses if r.result is not None]
        candidates = [
            r
            for r in completed
            if r.measure.name in (PHQ9, GAD7, DIALOG)
            and r.row["mode"] == Mode.WITH_PRACTITIONER
            and r.row["completed_at"] < self.now - dt.timedelta(days=60)
        ]
        wanted = min(len(candidates), max(2, len(completed) // CORRECTION_EVERY))
        for original in rng.sample(candidates, wanted):
            episode = self.episodes[original.row["episode_id"]]
            corrected_at = _working(
                original.row["completed_at"] + dt.timedelta(days=rng.uniform(1, 3)), rng
            )
            if corrected_at >= episode.until:
                continue
            measure = original.measure
            answers = dict(original.row["answers"])
            scored = original.measure.scores[0].items
            link_id = rng.choice([i for i in scored if i in answers and i != "9"])
            item = measure.item(link_id)
            codes = [o.code for o in item.options]
            index = codes.index(answers[link_id])
            step = rng.choice([s for s in (-1, 1) if 0 <= index + s < len(codes)])
            answers[link_id] = codes[index + step]
            reason = rng.choice(_CORRECTION_REASONS).format(
                item=link_id,
                old=item.option(codes[index]).display,  # type: ignore[union-attr]
                new=item.option(codes[index + step]).display,  # type: ignore[union-attr]
            )
            by = original.row["completed_by_id"]
            self._completed(
                episode,
                measure.name,
                answers,
                corrected_at - rng.randint(2, 6) * _MINUTE,
                corrected_at,
                by,
                Mode.WITH_PRACTITIONER,
                original.row["contact_id"],
                corrects=original,
                reason=reason,
            )
            original.row["replaced"] = True

    # --- writing ----------------------------------------------------------------------------

    def _write(self) -> None:
        with connection.cursor() as cursor:
            self.cursor = cursor
            ids = self._ids(Response, len(self.responses))
            for response, pk in zip(self.responses, ids, strict=True):
                response.id = pk
            rows, scores, links = [], [], []
            for response in self.responses:
                row = dict(response.row)
                corrects = row.pop("corrects", None)
                replaced = row.pop("replaced", False)
                row["id"] = response.id
                row["corrects_id"] = corrects.id if corrects is not None else None
                rows.append(row)
                if response.result is not None:
                    for value in response.result.scores:
                        if value.value is None:
                            continue
                        scores.append(
                            {
                                "response_id": response.id,
                                "person_id": row["person_id"],
                                "episode_id": row["episode_id"],
                                "measure": response.measure.name,
                                "key": value.id,
                                "value": value.value,
                                "band": value.band,
                                "snomed": value.rule.code,
                                "in_change": value.rule.change,
                                "completed_at": row["completed_at"],
                                "current": not replaced,
                            }
                        )
                for link_id, goal_id, rating_id in response.goal_links:
                    links.append(
                        {
                            "response_id": response.id,
                            "link_id": link_id,
                            "goal_id": goal_id,
                            "rating_id": rating_id,
                        }
                    )
            self._copy(Response, rows, "responses")
            self._copy(Score, scores, "scores")
            self._copy(ResponseGoal, links, "response_goals")
            if self.retimed:
                # The ratings a Goal Based Outcomes response records take its time, as
                # completing one in the app gives them (a fixed table name: care_goalrating).
                cursor.execute(
                    "UPDATE care_goalrating AS g SET rated_at = v.at FROM (SELECT "
                    "unnest(%s::bigint[]) AS id, unnest(%s::timestamptz[]) AS at) AS v "
                    "WHERE g.id = v.id",
                    [list(self.retimed), list(self.retimed.values())],
                )

    def _ids(self, model: type[Model], count: int) -> list[int]:
        if not count:
            return []
        self.cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return sorted(row[0] for row in self.cursor.fetchall())

    def _copy(self, model: type[Model], rows: list[Row], name: str) -> None:
        """COPY rows (dicts keyed by field attribute name, ``id`` included when given)."""
        self.counts[name] += len(rows)
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or "id" in rows[0]]
        names = [f.attname for f in fields]
        json = {f.attname for f in fields if isinstance(f, JSONField)}
        defaults = {f.attname: f.get_default() for f in fields if not f.primary_key}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        self.cursor.execute("SELECT 1")  # through Django's wrappers (pgtrigger.ignore)
        with self.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                full = {**defaults, **row}
                copy.write_row([Jsonb(full[n]) if n in json else full[n] for n in names])
