"""What the person's own pages show, in plain English: appointments, the plan's sections, goals
and their ratings, the care team, notes and invitations. Templates get these, never models."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.urls import reverse
from django.utils import timezone
from markupsafe import Markup, escape

from alongside.accounts.models import User
from alongside.care.models import (
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Mode,
    Outcome,
    PlanNote,
    RatedBy,
)
from alongside.core import formats
from alongside.directory.models import Service
from alongside.outcomes import registry
from alongside.outcomes.engine import Item, Measure, ScoreRule
from alongside.outcomes.models import Mode as ResponseMode
from alongside.outcomes.models import Response, Score
from alongside.outcomes.presenters import highest_answer, score_text
from alongside.outcomes.schedule import AFTER_REVIEW, Due, DueState
from alongside.portal import queries
from alongside.portal.models import InvitationStatus, PortalInvitation

if TYPE_CHECKING:
    from alongside.portal.measure_views import QuestionPage

MODES = {
    Mode.FACE_TO_FACE: "In person",
    Mode.PHONE: "Phone call",
    Mode.VIDEO: "Video call",
    Mode.TEXT: "Text or written message",
}
OUTCOMES = {
    Outcome.ATTENDED: "Took place",
    Outcome.DID_NOT_ATTEND: "Missed",
    Outcome.CANCELLED_BY_PERSON: "You cancelled",
    Outcome.CANCELLED_BY_SERVICE: "Cancelled by the team",
    Outcome.PLANNED: "Not recorded yet",
}


# --- Every page: the portal's navigation -------------------------------------------------------

NAVIGATION = (
    ("portal:home", "Home"),
    ("portal:plan", "Plan"),
    ("portal:goals", "Goals"),
    ("portal:measures", "Questionnaires"),
    ("portal:appointments", "Appointments"),
    ("portal:care-team", "Care team"),
    ("portal:notes", "Next time"),
)


def navigation(current: str) -> list[dict[str, Any]]:
    """The portal's own links in the header (a menu on a phone)."""
    return [
        {"href": reverse(name), "text": text, "current": name == current}
        for name, text in NAVIGATION
    ]


def page(route: str, /, **context: Any) -> dict[str, Any]:
    """A portal page's context: the navigation with ``route`` current, and a link back home
    (which ``context`` may replace)."""
    back = {} if route == "portal:home" else {"back_link": {"href": reverse("portal:home")}}
    return {"navigation_items": navigation(route), **back, **context}


def day(value: dt.datetime | dt.date) -> str:
    """'Tuesday 10 March 2026'."""
    local = timezone.localtime(value) if isinstance(value, dt.datetime) else value
    return f"{local:%A} {formats.date(local)}"


def time(value: dt.datetime) -> str:
    """'2:30pm', '10am'."""
    local = timezone.localtime(value)
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    return f"{hour}{minutes}{'am' if local.hour < 12 else 'pm'}"


# UK phone numbers as people write them, and the three-digit emergency and helpline numbers.
PHONE_NUMBER = re.compile(
    r"(?<![\w+])("
    r"(?:\+44\s?|0)\d{2,4}[\s\d]{5,10}\d"  # 0300 123 4567, 01632 960000, +44 7700 900123
    r"|116\s?\d{3}"  # 116 123 (Samaritans), 116 117
    r"|111|999"
    r")(?![\w])"
)


def with_phone_links(text: str) -> Markup:
    """The text, escaped, with each phone number in it made a ``tel:`` link."""
    parts: list[str] = []
    last = 0
    for match in PHONE_NUMBER.finditer(text):
        parts.append(escape(text[last : match.start()]))
        number = match.group(0)
        digits = re.sub(r"[^\d+]", "", number)
        parts.append(Markup('<a href="tel:{}">{}</a>').format(digits, number))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def paragraphs(text: str, *, phone_links: bool = False) -> list[Markup]:
    """Text split into paragraphs at blank lines or line breaks, each escaped."""
    chunks = [c.strip() for c in re.split(r"\n+", text or "") if c.strip()]
    return [with_phone_links(c) if phone_links else escape(c) for c in chunks]


# --- The episode: key worker and care team -----------------------------------------------------


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: str
    team: str
    organisation: str


def key_worker_member(episode: Episode, worker: User | None) -> TeamMember | None:
    if worker is None:
        return None
    place = queries.team_place(worker, episode.lead_team_id)
    return TeamMember(
        name=worker.display_name,
        role="Your key worker" + (f" ({place.job_title})" if place and place.job_title else ""),
        team=place.team if place else episode.lead_team.name,
        organisation=place.organisation if place else episode.lead_team.organisation.name,
    )


def care_team(episode: Episode, worker: User | None, members: Iterable[CareTeamMember]) -> list:
    people = []
    main = key_worker_member(episode, worker)
    if main:
        people.append(main)
    for member in members:
        if worker is not None and member.user_id == worker.pk:
            continue
        people.append(
            TeamMember(
                name=member.user.display_name,
                role=member.role,
                team=member.team.name,
                organisation=member.team.organisation.name,
            )
        )
    return people


# --- Contacts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appointment:
    day: str
    time: str
    how: str
    kind: str
    with_whom: str
    team: str
    outcome: str
    note: list[Markup] = field(default_factory=list)

    @property
    def summary(self) -> str:
        return f"{self.day} at {self.time}"


def appointment(contact: Contact) -> Appointment:
    """A contact as the person sees it. The note is the shared one only (see ``queries``)."""
    return Appointment(
        day=day(contact.starts_at),
        time=time(contact.starts_at),
        how=MODES.get(contact.mode, contact.get_mode_display()),
        kind=contact.get_kind_display(),
        with_whom=contact.practitioner.display_name,
        team=f"{contact.team.name}, {contact.team.organisation.name}",
        outcome=OUTCOMES.get(contact.outcome, contact.get_outcome_display()),
        note=paragraphs(getattr(contact, "shared_note", "")),
    )


# --- The plan ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: list[Markup]


@dataclass(frozen=True)
class PlanAction:
    who: str
    what: str
    service_name: str = ""
    service_href: str = ""


@dataclass(frozen=True)
class Plan:
    version: int
    written: str
    agreed: str
    review: str
    about: list[Section]
    goals: list[str]
    actions: list[PlanAction]
    safety: list[Section]
    has_safety_plan: bool


ABOUT_SECTIONS = (
    ("about_me", "About me and what matters to me"),
    ("shared_understanding", "Our shared understanding"),
    ("strengths", "My strengths and what helps"),
)
SAFETY_SECTIONS = (
    ("warning_signs", "My warning signs"),
    ("what_i_can_do", "What I can do"),
    ("who_i_can_contact", "Who I can contact"),
    ("safer_surroundings", "Making my surroundings safer"),
    ("crisis_numbers", "Crisis numbers"),
)


def _who(who: str, worker: User | None) -> str:
    label = (who or "").strip()
    if label.lower() in {"me", "i", "the person", "person"}:
        return "You"
    if label.lower() in {"key worker", "keyworker", "my key worker", "care partner"}:
        return f"Your key worker, {worker.display_name}" if worker else "Your key worker"
    return label or "Not decided yet"


def _services(actions: list[dict]) -> dict[str, Service]:
    ids = []
    for action in actions:
        try:
            ids.append(uuid.UUID(str(action.get("service_id"))))
        except (TypeError, ValueError, AttributeError):
            continue
    return {str(s.pk): s for s in Service.objects.filter(pk__in=ids)} if ids else {}


def plan(version: CarePlanVersion, worker: User | None) -> Plan:
    actions = [a for a in (version.actions or []) if isinstance(a, dict)]
    services = _services(actions)
    rows = []
    for action in actions:
        service = services.get(str(action.get("service_id")))
        rows.append(
            PlanAction(
                who=_who(str(action.get("who", "")), worker),
                what=str(action.get("what", "")),
                service_name=service.name if service else "",
                service_href=reverse("directory:service", kwargs={"service_id": service.pk})
                if service
                else "",
            )
        )
    safety = [
        Section(heading, paragraphs(getattr(version, name), phone_links=True))
        for name, heading in SAFETY_SECTIONS
    ]
    if version.agreed_on:
        agreed = f"You agreed this plan on {formats.date(version.agreed_on)}"
    else:
        agreed = "Not agreed yet"
    return Plan(
        version=version.number,
        written=f"{formats.date(version.created_at)} by {version.created_by.display_name}",
        agreed=agreed,
        review=formats.date(version.review_on, empty="No review date set yet"),
        about=[Section(h, paragraphs(getattr(version, n))) for n, h in ABOUT_SECTIONS],
        goals=[str(g.get("text", "")) for g in (version.goals or []) if isinstance(g, dict)],
        actions=rows,
        safety=safety,
        has_safety_plan=any(s.paragraphs for s in safety),
    )


# --- Goals -------------------------------------------------------------------------------------

RATED_BY = {RatedBy.PERSON: "You, online", RatedBy.WITH_WORKER: "You, with your key worker"}


@dataclass(frozen=True)
class Rating:
    score: int
    when: str
    by: str


@dataclass(frozen=True)
class GoalView:
    id: int
    text: str
    latest: Rating | None
    history: list[Rating]
    ended: str
    rate_href: str


def rating(row: GoalRating) -> Rating:
    return Rating(row.score, formats.date(row.rated_at), RATED_BY.get(row.rated_by, ""))


def goal(row: Goal, *, may_rate: bool = True) -> GoalView:
    history = [rating(r) for r in getattr(row, "ratings_newest_first", [])]
    ended = ""
    if row.ended_at:
        ended = f"Finished on {formats.date(row.ended_at)}" + (
            f": {row.ended_because}" if row.ended_because else ""
        )
    return GoalView(
        id=row.pk,
        text=row.text,
        latest=history[0] if history else None,
        history=history,
        ended=ended,
        rate_href=f"{reverse('portal:rate-goal')}?goal={row.pk}"
        if may_rate and not row.ended_at
        else "",
    )


# --- Notes for the next conversation -----------------------------------------------------------


@dataclass(frozen=True)
class NoteView:
    written: str
    text: list[Markup]
    read: str
    is_read: bool


def note(row: PlanNote) -> NoteView:
    if row.read_at:
        who = row.read_by.display_name if row.read_by else "your team"
        read = f"Read by {who} on {formats.date(row.read_at)}"
    else:
        read = "Not read yet"
    return NoteView(
        written=formats.datetime(row.written_at),
        text=paragraphs(row.text),
        read=read,
        is_read=row.read_at is not None,
    )


# --- Invitations (the care team's page) --------------------------------------------------------

STATUS_COLOURS = {
    InvitationStatus.OUTSTANDING: "blue",
    InvitationStatus.USED: "green",
    InvitationStatus.EXPIRED: "grey",
    InvitationStatus.WITHDRAWN: "grey",
}


@dataclass(frozen=True)
class InvitationRow:
    id: int
    made: str
    expires: str
    status: str
    status_colour: str
    detail: str
    may_withdraw: bool


def invitation_row(row: PortalInvitation) -> InvitationRow:
    status = row.status
    detail = ""
    if status == InvitationStatus.USED:
        detail = f"Account made {formats.datetime(row.used_at)}"
    elif status == InvitationStatus.WITHDRAWN:
        by = f" by {row.withdrawn_by.display_name}" if row.withdrawn_by else ""
        detail = f"{row.withdrawn_because}{by}, {formats.datetime(row.withdrawn_at)}"
    if row.emailed_at:
        detail = (detail + ". " if detail else "") + "Emailed to the person"
    return InvitationRow(
        id=row.pk,
        made=f"{formats.datetime(row.created_at)} by {row.created_by.display_name}",
        expires=formats.datetime(row.expires_at),
        status=status.label,
        status_colour=STATUS_COLOURS[status],
        detail=detail,
        may_withdraw=status == InvitationStatus.OUTSTANDING,
    )


# --- Questionnaires (outcome measures) ----------------------------------------------------------

DUE_TAGS = {
    DueState.OVERDUE: ("Overdue", "orange"),
    DueState.DUE: ("To do now", "blue"),
    DueState.SOON: ("Due soon", "grey"),
}


def _deadline(due: Due, grace: Mapping[str, int]) -> dt.date:
    """The last day before ``due`` becomes overdue (or, for a questionnaire asked after a review
    of the plan, the last day it is asked)."""
    if due.until is not None:
        return due.until
    return due.due_on + dt.timedelta(days=grace.get(due.measure, 0))


def _start_href(measure: str) -> str:
    return f"{reverse('portal:measure-start')}?measure={measure}"


def _why(due: Due) -> str:
    if due.reason == AFTER_REVIEW:
        return (
            f"You agreed your plan on {formats.date(due.due_on)}. This asks how much you were "
            "involved in making it. Your answers help your care team listen better."
        )
    if due.reason == "at the start":
        return "Your care team asks for this when your care starts."
    return f"Your care team asks for this {due.reason}." if due.reason else ""


def _when(due: Due, grace: Mapping[str, int]) -> str:
    if due.state == DueState.OVERDUE:
        return f"This was due on {formats.date(due.due_on)}. Please fill it in when you can."
    if due.state == DueState.DUE:
        return f"Please fill this in by {formats.date(_deadline(due, grace))}."
    return f"This is due on {formats.date(due.due_on)}. You can fill it in now."


@dataclass(frozen=True)
class Reminder:
    """A line on the home page: a questionnaire to fill in, and the link to it."""

    text: str
    href: str
    overdue: bool


def reminders(
    *,
    due: Sequence[Due],
    grace: Mapping[str, int],
    started: Sequence[Response],
    continue_hrefs: Mapping[int, str],
) -> list[Reminder]:
    """Each questionnaire due (or overdue), then each one started and not sent."""
    unfinished = {r.questionnaire.name: r for r in started}
    rows = []
    for item in due:
        response = unfinished.pop(item.measure, None)
        if item.state == DueState.OVERDUE:
            text = f"{item.title}: please fill this in when you can (it was due on "
            text += f"{formats.date(item.due_on)})"
        else:
            text = f"{item.title}: please fill this in by {formats.date(_deadline(item, grace))}"
        href = continue_hrefs[response.pk] if response else _start_href(item.measure)
        rows.append(Reminder(text, href, item.state == DueState.OVERDUE))
    for response in unfinished.values():
        rows.append(
            Reminder(
                f"{response.questionnaire.title}: carry on where you left off",
                continue_hrefs[response.pk],
                overdue=False,
            )
        )
    return rows


@dataclass(frozen=True)
class ToDo:
    """A questionnaire the person can fill in, on the questionnaires page."""

    anchor: str
    title: str
    lines: list[str]
    tag: str = ""
    tag_colour: str = ""
    action: str = ""
    href: str = ""


@dataclass(frozen=True)
class ToDoList:
    due: list[ToDo]
    started: list[ToDo]
    others: list[ToDo]


def _started_line(response: Response) -> str:
    return (
        f"You started this on {formats.date(response.started_at)}. Your answers so far are saved."
    )


def questionnaires_to_do(
    *,
    due: Sequence[Due],
    grace: Mapping[str, int],
    started: Sequence[Response],
    continue_hrefs: Mapping[int, str],
    others: Sequence[Measure],
) -> ToDoList:
    """What is due (overdue first), what the person started, and what else their team uses."""
    unfinished = {r.questionnaire.name: r for r in started}
    due_rows = []
    for item in due:
        response = unfinished.pop(item.measure, None)
        tag, colour = DUE_TAGS[item.state]
        lines = [_when(item, grace), _why(item)]
        if response is not None:
            lines.append(_started_line(response))
        due_rows.append(
            ToDo(
                anchor=f"measure-{item.measure}",
                title=item.title,
                lines=[line for line in lines if line],
                tag=tag,
                tag_colour=colour,
                action=f"Carry on with {item.title}" if response else f"Start {item.title}",
                href=continue_hrefs[response.pk] if response else _start_href(item.measure),
            )
        )
    started_rows = [
        ToDo(
            anchor=f"measure-{r.questionnaire.name}",
            title=r.questionnaire.title,
            lines=[_started_line(r)],
            action=f"Carry on with {r.questionnaire.title}",
            href=continue_hrefs[r.pk],
        )
        for r in unfinished.values()
    ]
    busy = {d.measure for d in due} | {r.questionnaire.name for r in started}
    other_rows = [
        ToDo(
            anchor=f"measure-{m.name}",
            title=m.title,
            lines=[],
            action=f"Fill in {m.short_title}",
            href=_start_href(m.name),
        )
        for m in others
        if m.name not in busy
    ]
    return ToDoList(due_rows, started_rows, other_rows)


@dataclass(frozen=True)
class AboutMeasure:
    """The start page of one questionnaire."""

    name: str
    title: str
    lines: list[str]
    unfinished: str
    copyright: str
    may_start: bool
    action: str


def about_measure(measure: Measure, questions: int, unfinished: Response | None) -> AboutMeasure:
    if measure.goal_items and questions == 0:
        return AboutMeasure(
            name=measure.name,
            title=measure.title,
            lines=[
                f"{measure.short_title} asks how close you are to each goal in your plan. "
                "You do not have any goals in your plan yet.",
                "Talk to your key worker about what you would like to work on.",
            ],
            unfinished="",
            copyright=measure.copyright,
            may_start=False,
            action="",
        )
    count = "1 question" if questions == 1 else f"{questions} questions"
    lines = [
        f"There {'is' if questions == 1 else 'are'} {count}, one on each page.",
        "Your answers are saved as you go, so you can stop and finish later.",
        "When you send your answers, your care team will see them. You can talk about them "
        "at your next appointment.",
        "There are no right or wrong answers.",
    ]
    if measure.goal_items:
        lines.insert(1, "You will rate how close you are to each of the goals in your plan.")
    return AboutMeasure(
        name=measure.name,
        title=measure.title,
        lines=lines,
        unfinished=_started_line(unfinished) if unfinished else "",
        copyright=measure.copyright,
        may_start=True,
        action="Carry on" if unfinished else "Start now",
    )


def blank_answer_message(item: Item) -> str:
    """The error for a required question left blank."""
    if item.type == "integer":
        return f"Enter a number from {item.min_value} to {item.max_value}"
    if item.type == "string":
        return "Enter your answer"
    return "Choose an answer"


def _is_statement(item: Item) -> bool:
    """A statement (PHQ-9's "Feeling down, depressed, or hopeless") is read with the display
    text before it; a question (ends with "?") stands on its own."""
    return not item.text.rstrip().endswith("?")


def _html_lines(lines: Iterable[str]) -> Markup:
    return Markup("<br>").join(escape(line) for line in lines if line)


#: A question longer than this is drawn a size smaller, so that it fits a phone's screen.
LONG_QUESTION = 90


@dataclass(frozen=True)
class QuestionView:
    title: str
    caption: str
    hint: Markup
    goal: str
    #: The heading's size: "l", or "m" for a long question.
    size: str = "l"


def question_page(
    measure: Measure, page: QuestionPage, total: int, goal: Goal | None
) -> QuestionView:
    """The heading, caption and hint of one question page. The intro shows on the first page,
    and a statement shows with the question it answers on every page."""
    item = page.item
    lines = list(page.intro)
    if page.stem and _is_statement(item) and page.stem not in lines:
        lines.append(page.stem)
    if goal is not None:
        lines.insert(0, f"Your goal: {goal.text}")
    if item.hint:
        lines.append(item.hint)
    return QuestionView(
        title=f"{item.text} – {measure.short_title}",
        caption=f"{measure.short_title}: question {page.number} of {total}",
        hint=_html_lines(lines),
        goal=goal.text if goal else "",
        size="m" if len(item.text) > LONG_QUESTION else "l",
    )


def answer_text(item: Item, answers: Mapping[str, Any], empty: str = "Not answered") -> str:
    """An answer as the person chose it: the option's words, yes or no, a number out of its
    maximum, or their text."""
    if item.link_id not in answers:
        return empty
    value = answers[item.link_id]
    if item.type == "choice":
        option = item.option(str(value))
        return (option.display or option.code) if option else str(value)
    if item.type == "boolean":
        return "Yes" if value else "No"
    if item.type == "integer" and item.max_value is not None and item.min_value == 0:
        return f"{value} out of {item.max_value}"
    return str(value)


def _more_help_line(follow_up: Item, answers: Mapping[str, Any]) -> str:
    if follow_up.link_id not in answers:
        return ""
    if answers[follow_up.link_id]:
        return "You want more help with this"
    return "You do not want more help with this"


def check_rows(
    measure: Measure,
    pages: Sequence[QuestionPage],
    answers: Mapping[str, Any],
    goals: Mapping[str, Goal],
    hrefs: Sequence[str],
) -> list[dict[str, Any]]:
    """Check your answers: one row a page, each with a link that changes it and comes back."""
    rows = []
    for page, href in zip(pages, hrefs, strict=True):
        item = page.item
        goal = goals.get(item.link_id)
        key = f"Your goal: {goal.text}" if goal else item.text
        lines = [answer_text(item, answers)]
        lines += [_more_help_line(f, answers) for f in page.follow_ups]
        rows.append(
            {
                "key": {"text": key},
                "value": {"html": _html_lines(lines)},
                "actions": {
                    "items": [
                        {
                            "href": href,
                            "text": "Change",
                            "visuallyHiddenText": formats.mid_sentence(key),
                        }
                    ]
                },
            }
        )
    return rows


def missing_answer(item: Item | None, number: int, href: str, message: str) -> dict[str, str]:
    """An error on check your answers, linking to the question it is about."""
    if item is None:
        return {"text": message[:1].upper() + message[1:], "href": "#send"}
    return {"text": f"Answer question {number}: {item.text}", "href": href}


# Scores in plain words.


def _number(value: Decimal) -> str:
    """7.0000 as "7", 4.5000 as "4.5"."""
    return f"{value.normalize():f}"


def _score_label(rule: ScoreRule) -> str:
    """The score's name without the method in brackets ("(mean of the 8 life domains)")."""
    return re.sub(r"\s*\([^)]*\)\s*$", "", rule.label) or rule.id


def _scale(rule: ScoreRule) -> str:
    if rule.low == 0:
        return f"out of {_number(rule.high)}"
    return f"on a scale from {_number(rule.low)} to {_number(rule.high)}"


def _score_value(rule: ScoreRule, value: Decimal) -> str:
    """'7 out of 27'; a mean: '4.5 on average, on a scale from 1 to 7'."""
    if rule.method == "mean":
        return f"{_number(value)} on average, {_scale(rule)}"
    return f"{_number(value)} {_scale(rule)}"


def _score_sentence(rule: ScoreRule, value: Decimal) -> str:
    if rule.method == "mean":
        return f"Your average was {_number(value)}, {_scale(rule)}."
    return f"Your score was {_number(value)} {_scale(rule)}."


def _band_range(rule: ScoreRule, label: str) -> str:
    band = next((b for b in rule.bands if b.label == label), None)
    if band is None:
        return ""
    return (
        f"Scores from {_number(band.low)} to {_number(band.high)} are described as "
        f"‘{band.label.lower()}’."
    )


def _better(rule: ScoreRule) -> str:
    return "Lower scores are better." if rule.better == "lower" else "Higher scores are better."


@dataclass(frozen=True)
class ScoreLine:
    label: str
    value: str
    meaning: str
    explained: list[str]
    #: "Lower scores are better." (empty for a goal's rating)
    better: str = ""


def _goal_for(rule: ScoreRule, goals: Mapping[str, Goal]) -> Goal | None:
    return goals.get(rule.items[0]) if rule.method == "item" and len(rule.items) == 1 else None


def score_lines(
    measure: Measure, scores: Iterable[Score], goals: Mapping[str, Goal]
) -> list[ScoreLine]:
    """Each score of a response: its name, value, band, and what they mean."""
    rules = {r.id: r for r in measure.scores}
    lines = []
    for row in scores:
        rule = rules.get(row.key)
        if rule is None:
            continue
        goal = _goal_for(rule, goals)
        if goal is not None:
            value = f"{_number(row.value)} out of {_number(rule.high)}"
            lines.append(
                ScoreLine(
                    label=f"Your goal: {goal.text}",
                    value=value,
                    meaning="",
                    explained=[f"You said you are {value} of the way to reaching this goal."],
                )
            )
            continue
        if rule.method == "top":
            highest = highest_answer(measure, rule)
            every = row.value >= 1
            lines.append(
                ScoreLine(
                    label=_score_label(rule),
                    value=score_text(row.value, rule),
                    meaning="",
                    explained=[
                        f"Every answer you gave was {highest}, the highest."
                        if every
                        else f"Not every answer you gave was {highest}, the highest."
                    ],
                )
            )
            continue
        explained = [_score_sentence(rule, row.value)]
        if row.band:
            explained.append(_band_range(rule, row.band))
        lines.append(
            ScoreLine(
                label=_score_label(rule),
                value=_score_value(rule, row.value),
                meaning=row.band,
                explained=[e for e in explained if e],
                better=_better(rule),
            )
        )
    return lines


@dataclass(frozen=True)
class DomainLine:
    """One part of life the person rated (DIALOG), and whether they want more help with it."""

    topic: str
    answer: str
    more_help: bool


MORE_HELP = Markup("<strong>You asked for more help with this</strong>")


def summary_rows(scores: Sequence[ScoreLine], domains: Sequence[DomainLine]) -> list[dict]:
    """The domains rated, then the scores, as summary-list rows."""
    rows = [
        {
            "key": {"text": d.topic},
            "value": {
                "html": escape(d.answer) + (Markup("<br>") + MORE_HELP if d.more_help else "")
            },
        }
        for d in domains
    ]
    rows += [
        {
            "key": {"text": s.label},
            "value": {
                "html": _html_lines(
                    [s.value, f"Described as ‘{s.meaning.lower()}’" if s.meaning else ""]
                )
            },
        }
        for s in scores
    ]
    return rows


def _topic(item: Item, follow_ups: Sequence[Item]) -> str:
    """What a rated item is about, in the words of its "more help" question ("your mental
    health"), or the item's own text."""
    for follow_up in follow_ups:
        found = re.search(r"\bhelp with (.+?)\??$", follow_up.text.strip())
        if found:
            topic = found.group(1)
            return topic[:1].upper() + topic[1:]
    return item.text


def domain_lines(measure: Measure, answers: Mapping[str, Any]) -> list[DomainLine]:
    """For a measure that asks about more help (DIALOG), each domain rated."""
    rows = []
    for item in measure.answerable:
        follow_ups = measure.follow_ups(item.link_id)
        if not follow_ups or item.link_id not in answers:
            continue
        rows.append(
            DomainLine(
                topic=_topic(item, follow_ups),
                answer=answer_text(item, answers),
                more_help=any(answers.get(f.link_id) is True for f in follow_ups),
            )
        )
    return rows


def _filled_in_by(response: Response) -> str:
    if response.mode == ResponseMode.SELF:
        return "By you, online"
    who = response.completed_by.display_name if response.completed_by else "your care team"
    return f"With {who}"


@dataclass(frozen=True)
class ResultRow:
    when: str
    by: str
    scores: list[ScoreLine]
    domains: list[DomainLine]

    @property
    def by_after_date(self) -> str:
        """Who filled it in, after the date and a comma: "with Priya Sandhu" (the name as it
        is written), "by you, online"."""
        return formats.mid_sentence(self.by)

    @property
    def more_help(self) -> list[str]:
        return [d.topic for d in self.domains if d.more_help]

    @property
    def summary_rows(self) -> list[dict]:
        return summary_rows(self.scores, self.domains)


@dataclass(frozen=True)
class MeasureResults:
    """A measure's results so far: as a table when each time gave one score, else as lists."""

    anchor: str
    title: str
    better: str
    as_table: bool
    rows: list[ResultRow]

    @property
    def latest(self) -> ResultRow:
        return self.rows[0]

    @property
    def earlier(self) -> list[ResultRow]:
        return self.rows[1:]


def results(responses: Iterable[Response]) -> list[MeasureResults]:
    """The person's completed questionnaires by measure (the most recently done first), each
    newest first, with their scores in plain words and, for DIALOG, the domains rated."""
    grouped: dict[str, tuple[Measure, list[ResultRow]]] = {}
    for response in responses:
        measure = registry.measure(response.questionnaire)
        goals = {link.link_id: link.goal for link in response.goal_links.all()}
        row = ResultRow(
            when=formats.date(response.completed_at),
            by=_filled_in_by(response),
            scores=score_lines(measure, response.scores.all(), goals),
            domains=domain_lines(measure, response.answers),
        )
        name = response.questionnaire.name
        if name not in grouped:
            grouped[name] = (measure, [])
        grouped[name][1].append(row)
    shown = []
    for name, (measure, rows) in grouped.items():
        main = next(iter(measure.change_scores), None) or next(iter(measure.scores), None)
        shown.append(
            MeasureResults(
                anchor=f"results-{name}",
                title=measure.title,
                better=_better(main) if main and not measure.goal_items else "",
                as_table=all(len(r.scores) <= 1 and not r.domains for r in rows),
                rows=rows,
            )
        )
    return shown


@dataclass(frozen=True)
class Sent:
    """The confirmation page."""

    title: str
    short_title: str
    when: str
    flagged: bool
    scores: list[ScoreLine]
    domains: list[DomainLine]

    @property
    def by_after_date(self) -> str:
        """Who filled it in, after the date and a comma: "with Priya Sandhu" (the name as it
        is written), "by you, online"."""
        return formats.mid_sentence(self.by)

    @property
    def more_help(self) -> list[str]:
        return [d.topic for d in self.domains if d.more_help]

    @property
    def domain_rows(self) -> list[dict]:
        return summary_rows([], self.domains)

    @property
    def better(self) -> str:
        """Whether lower or higher is better, once, when every score agrees."""
        said = {s.better for s in self.scores}
        return said.pop() if len(said) == 1 else ""


def sent(measure: Measure, response: Response, scores: Iterable[Score]) -> Sent:
    goals = {link.link_id: link.goal for link in response.goal_links.all()}
    return Sent(
        title=measure.title,
        short_title=measure.short_title,
        when=formats.datetime(response.completed_at),
        flagged=bool(response.flags),
        scores=score_lines(measure, scores, goals),
        domains=domain_lines(measure, response.answers),
    )
