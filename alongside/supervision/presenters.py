"""What the supervision pages show: agreements and their terms, the supervision tree, sessions
with their discussions (a person named only where the access policy allows), actions and the
caseload review, worded for the NHS.UK macros so that templates only place them."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from alongside.accounts.models import User
from alongside.care.presenters import intensity_tag
from alongside.core import formats
from alongside.organisations.models import Membership, OrganisationKind, Role, Team
from alongside.supervision.coverage import Overdue, Standing
from alongside.supervision.models import (
    AgreementTerm,
    CaseDiscussion,
    Step,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionSession,
)
from alongside.supervision.review import SIGNALS, SuperviseeReview

NOT_SHARED = "Person not shared with you"
HIDDEN_TEXT = "Not shown: this person's record is not shared with you"

_THEM = re.compile(r"\b(them|their|they)\b", re.IGNORECASE)


def about_person(text: str, name: str) -> str:
    """An action agreed about a person discussed, naming them: in such an action "them",
    "their" and "they" are the person ("Review the safety plan with them" becomes "Review the
    safety plan with Priya Sandhu"; "their carer", "Priya Sandhu's carer"). An action that does
    not speak of them so says whom it is about after it."""
    if not _THEM.search(text):
        return f"{text} (about {name})"
    done = False

    def name_once(match: re.Match[str]) -> str:
        nonlocal done
        word = match.group(1).lower()
        if done:
            return match.group(0)
        done = True
        return f"{name}'s" if word == "their" else name

    return _THEM.sub(name_once, text)


def plural(count: int, one: str, many: str | None = None) -> str:
    return f"{count} {one if count == 1 else (many or one + 's')}"


def people_labels(memberships: Iterable[Membership]) -> dict[int, str]:
    """User id → 'Name – Team (Organisation), …' for every member listed, by name."""
    names: dict[int, str] = {}
    teams: dict[int, list[str]] = defaultdict(list)
    for membership in memberships:
        names[membership.user_id] = membership.user.display_name
        label = f"{membership.team.name} ({membership.team.organisation.name})"
        if label not in teams[membership.user_id]:
            teams[membership.user_id].append(label)
    ordered = sorted(names, key=lambda pk: (names[pk].lower(), pk))
    return {pk: f"{names[pk]} – {', '.join(teams[pk])}" for pk in ordered}


def terms_text(terms: Iterable[AgreementTerm]) -> str:
    words = [f"{t.get_kind_display()} every {plural(t.every_weeks, 'week')}" for t in terms]
    return "; ".join(words) if words else "None agreed"


# --- Agreements --------------------------------------------------------------------------------


@dataclass
class AgreementRow:
    agreement: SupervisionAgreement
    today: dt.date
    labels: Mapping[int, str]
    may_end: bool = False

    def _who(self, user: User) -> str:
        return self.labels.get(user.pk) or user.display_name

    @property
    def supervisee(self) -> str:
        return self._who(self.agreement.supervisee)

    @property
    def supervisor(self) -> str:
        return self._who(self.agreement.supervisor)

    @staticmethod
    def _parts(label: str) -> dict[str, str]:
        name, _dash, where = label.partition(" – ")
        return {"name": name, "where": where}

    @property
    def supervisee_parts(self) -> dict[str, str]:
        """The supervisee's name, and their teams and organisations, to show on two lines."""
        return self._parts(self.supervisee)

    @property
    def supervisor_parts(self) -> dict[str, str]:
        return self._parts(self.supervisor)

    @property
    def terms(self) -> str:
        return terms_text(self.agreement.terms.all())

    @property
    def dates(self) -> str:
        start = formats.date(self.agreement.starts_on)
        if self.agreement.ends_on is None:
            return f"From {start}"
        return f"{start} to {formats.date(self.agreement.ends_on)}"

    @property
    def status(self) -> dict[str, str]:
        agreement = self.agreement
        if agreement.starts_on > self.today:
            return {"text": "Starts later", "classes": "nhsuk-tag--blue"}
        if agreement.is_current(self.today):
            return {"text": "Current", "classes": "nhsuk-tag--green"}
        return {"text": "Ended", "classes": "nhsuk-tag--grey"}

    @property
    def end_href(self) -> str:
        if not self.may_end or self.status["text"] == "Ended":
            return ""
        return reverse("supervision:end-agreement", kwargs={"agreement_id": self.agreement.pk})

    def cells(self) -> list[dict[str, Any]]:
        return [
            {"text": self.supervisee},
            {"text": self.supervisor},
            {"text": self.terms},
            {"text": self.dates},
        ]


# --- The tree ----------------------------------------------------------------------------------


@dataclass
class TreeNode:
    user_id: int
    label: str
    terms: str = ""
    children: list[TreeNode] = field(default_factory=list)
    #: Shown again lower down because the chain loops back to someone above.
    repeated: bool = False


def supervision_tree(
    agreements: Iterable[SupervisionAgreement],
    scope: set[int] | None,
    labels: Mapping[int, str],
) -> list[TreeNode]:
    """The chain practitioner → supervisor → meta-supervisor, drawn from the top.

    With a ``scope`` (a team's or an organisation's people), the tree holds the agreements of
    the people in it and, above them, their supervisors' own agreements up the chain, wherever
    those people work. Without one (the place), every agreement given.
    """
    below: dict[int, list[tuple[int, str]]] = defaultdict(list)
    above: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for agreement in agreements:
        terms = terms_text(agreement.terms.all())
        above[agreement.supervisee_id].append((agreement.supervisor_id, terms))
    wanted: set[tuple[int, int]] = set()
    terms_of: dict[tuple[int, int], str] = {}
    todo = list(above) if scope is None else [pk for pk in scope if pk in above]
    seen: set[int] = set()
    while todo:
        supervisee = todo.pop()
        if supervisee in seen:
            continue
        seen.add(supervisee)
        for supervisor, terms in above.get(supervisee, []):
            wanted.add((supervisor, supervisee))
            terms_of[(supervisor, supervisee)] = terms
            todo.append(supervisor)
    for supervisor, supervisee in wanted:
        below[supervisor].append((supervisee, terms_of[(supervisor, supervisee)]))
    supervisees = {supervisee for _supervisor, supervisee in wanted}
    everyone = {pk for pair in wanted for pk in pair}
    roots = [pk for pk in everyone if pk not in supervisees]
    if not roots and everyone:  # the whole chain loops: start from anyone
        roots = [min(everyone)]

    def label(pk: int) -> str:
        return labels.get(pk, "Someone no longer in a team")

    def order(pk: int) -> tuple[str, int]:
        return (label(pk).lower(), pk)

    def grow(pk: int, terms: str, chain: frozenset[int]) -> TreeNode:
        node = TreeNode(pk, label(pk), terms)
        if pk in chain:
            node.repeated = True
            return node
        for child, child_terms in sorted(below.get(pk, []), key=lambda c: order(c[0])):
            node.children.append(grow(child, child_terms, chain | {pk}))
        return node

    return [grow(pk, "", frozenset()) for pk in sorted(roots, key=order)]


# --- Sessions ----------------------------------------------------------------------------------


def action_due(action: SupervisionAction, today: dt.date) -> dict[str, str]:
    text = formats.date(action.due_on)
    if action.done_at is not None:
        return {"text": f"Done {formats.date(action.done_at)}", "classes": "nhsuk-tag--green"}
    if action.due_on < today:
        return {"text": f"Overdue: due {text}", "classes": "nhsuk-tag--red"}
    return {"text": f"Due {text}", "classes": "nhsuk-tag--grey"}


@dataclass
class ActionRow:
    action: SupervisionAction
    today: dt.date
    #: False when the action is about a person the user may not see (and is not theirs).
    shown: bool = True
    may_complete: bool = False
    #: The name of the person discussed that the action is about, where the user may see them.
    about: str = ""

    @property
    def pk(self) -> int:
        return self.action.pk

    @property
    def text(self) -> str:
        if not self.shown:
            return HIDDEN_TEXT
        return about_person(self.action.text, self.about) if self.about else self.action.text

    @property
    def owner(self) -> str:
        return self.action.owner.display_name

    @property
    def due(self) -> dict[str, str]:
        return action_due(self.action, self.today)

    @property
    def done(self) -> bool:
        return self.action.done_at is not None

    @property
    def session(self) -> str:
        session = self.action.session
        return f"{session.get_kind_display()}, {formats.date(session.held_on)}"

    @property
    def session_href(self) -> str:
        return reverse("supervision:session", kwargs={"session_id": self.action.session_id})

    @property
    def done_href(self) -> str:
        return reverse("supervision:complete-action", kwargs={"action_id": self.action.pk})


class SessionPresenter:
    def __init__(self, session: SupervisionSession) -> None:
        self.session = session

    @property
    def pk(self) -> int:
        return self.session.pk

    @property
    def title(self) -> str:
        return f"{self.session.get_kind_display()}, {formats.date(self.session.held_on)}"

    @property
    def href(self) -> str:
        return reverse("supervision:session", kwargs={"session_id": self.session.pk})

    @property
    def attendee_names(self) -> str:
        names = sorted(a.user.display_name for a in self.session.attendees.all())
        return ", ".join(names) if names else "No one recorded"

    def summary_rows(self) -> list[dict[str, Any]]:
        session = self.session
        rows = [
            ("Kind", session.get_kind_display()),
            ("Date held", formats.date(session.held_on)),
            ("How long", plural(session.duration_minutes, "minute")),
            ("Supervisor", session.supervisor.display_name),
            ("Who attended", self.attendee_names),
            (
                "Recorded",
                f"By {session.recorded_by.display_name}, {formats.datetime(session.recorded_at)}",
            ),
        ]
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


STEP_WORDS = {
    Step.NONE: "Keep the support as it is",
    Step.UP: "Step support up",
    Step.DOWN: "Step support down",
}


class DiscussionPresenter:
    """One person discussed. Everything about them shows only when ``shown`` (the access policy
    let the user see this part of their record, and the look was audited)."""

    def __init__(self, discussion: CaseDiscussion, *, number: int, shown: bool) -> None:
        self.discussion = discussion
        self.number = number
        self.shown = shown

    @property
    def pk(self) -> int:
        return self.discussion.pk

    @property
    def person_id(self) -> int:
        return self.discussion.episode.person_id

    @property
    def name(self) -> str:
        return self.discussion.episode.person.full_name if self.shown else NOT_SHARED

    @property
    def heading(self) -> str:
        return f"{self.number}. {self.name}"

    @property
    def record_href(self) -> str:
        return reverse("people:record", kwargs={"person_id": self.person_id}) if self.shown else ""

    @property
    def step(self) -> str:
        discussion = self.discussion
        words = STEP_WORDS.get(Step(discussion.step), "")
        change = discussion.intensity_change
        if change is not None:
            words += f": now {change.get_intensity_display().lower()} intensity. {change.reason}"
        return words

    def summary_rows(self) -> list[dict[str, Any]]:
        if not self.shown:
            return [{"key": {"text": "Discussion"}, "value": {"text": HIDDEN_TEXT}}]
        discussion = self.discussion
        rows = [
            ("On the caseload of", discussion.supervisee.display_name),
            ("Goals and progress, in the person's words", discussion.goals_progress),
            ("What is working", discussion.working or "Not recorded"),
            ("Support", self.step),
            ("Risks", discussion.risks or "None recorded"),
            ("What the practitioner will try next", discussion.next_steps or "Not recorded"),
        ]
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


# --- Who makes one's own agreement --------------------------------------------------------------

#: Most names listed as people who can make an agreement; beyond them, "and N others".
MAKERS_SHOWN = 4


def ask_for_an_agreement(makers: Iterable[Membership]) -> str:
    """Whom to ask for one's own supervision agreement, by name and role (a team lead is not
    told to ask their team lead)."""
    roles: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for m in makers:
        names[m.user_id] = m.user.display_name
        label = m.get_role_display().lower() if m.role != Role.ORG_ADMIN else "administrator"
        where = m.team.name if m.role != Role.ORG_ADMIN else "your organisation"
        text = f"{label}, {where}"
        if text not in roles.setdefault(m.user_id, []):
            roles[m.user_id].append(text)
    if not names:
        return (
            "No one in Alongside can make one for you yet: agreements are made by a team lead "
            "or supervisor of your team, or your organisation's administrator."
        )
    people = [f"{names[u]} ({'; '.join(roles[u])})" for u in list(names)[:MAKERS_SHOWN]]
    more = len(names) - MAKERS_SHOWN
    if more > 0:
        people.append(f"{more} other{'s' if more != 1 else ''}")
    listed = people[0] if len(people) == 1 else ", ".join(people[:-1]) + " or " + people[-1]
    return f"Ask {listed} to make one."


# --- Caseload review ---------------------------------------------------------------------------


def case_value(supervisee_id: int, episode_id: int) -> str:
    """How a case is named in the session form: supervisee and episode."""
    return f"{supervisee_id}:{episode_id}"


@dataclass
class ReviewRow:
    person_id: int
    value: str
    name: str
    href: str
    born: str
    key_worker: str
    intensity: dict[str, str]
    signals: list[dict[str, str]]


@dataclass
class ReviewSection:
    supervisee_id: int
    supervisee: str
    summary: str
    rows: list[ReviewRow]
    flagged: int = 0

    @property
    def contents_text(self) -> str:
        return f"{self.supervisee}: {self.flagged} to discuss"


def review_href(section: ReviewSection | None, *, show_all: bool) -> str:
    """The review of one supervisee's caseload (its first page), everyone or only those with
    something to discuss."""
    query = {"supervisee": section.supervisee_id} if section else {}
    if show_all:
        query["show"] = "all"
    base = reverse("supervision:review")
    return f"{base}?{urlencode(query)}" if query else base


def chosen_section(sections: list[ReviewSection], asked: str) -> tuple[ReviewSection | None, str]:
    """The supervisee the review shows (``asked``, a user id; the first when not given), and a
    sentence when the one asked for is not someone the user supervises now."""
    if not sections:
        return None, ""
    if not asked:
        return sections[0], ""
    found = next((s for s in sections if str(s.supervisee_id) == asked), None)
    if found is None:
        return sections[0], (
            "The person asked for is not someone you supervise under a current agreement, "
            f"so this is {sections[0].supervisee}'s caseload."
        )
    return found, ""


def review_contents(
    sections: list[ReviewSection], chosen: ReviewSection | None, *, show_all: bool
) -> list[dict[str, Any]]:
    """The people the user supervises, for the contents list: each a link to their caseload,
    the one shown marked as current."""
    return [
        {
            "href": review_href(s, show_all=show_all),
            "text": s.contents_text,
            "current": chosen is not None and s.supervisee_id == chosen.supervisee_id,
        }
        for s in sections
    ]


def review_sections(
    reviews: Iterable[SuperviseeReview], visible: set[int], *, show_all: bool = False
) -> list[ReviewSection]:
    """Each supervisee's caseload as the review shows it: only people the user may see, and
    (unless ``show_all``) only those with something that calls for a discussion."""
    sections = []
    for review in reviews:
        rows = []
        for case in review.cases:
            episode = case.episode
            if episode.person_id not in visible:
                continue
            person = episode.person
            rows.append(
                ReviewRow(
                    person_id=person.pk,
                    value=case_value(review.supervisee.pk, episode.pk),
                    name=person.full_name,
                    href=reverse("people:record", kwargs={"person_id": person.pk}),
                    born=formats.date(person.date_of_birth),
                    key_worker=case.key_worker.display_name if case.key_worker else "None",
                    intensity=intensity_tag(episode.intensity),
                    signals=[
                        {"text": signal.text, "classes": "nhsuk-tag--orange"}
                        for signal in case.signals
                    ],
                )
            )
        flagged = sum(1 for row in rows if row.signals)
        if not rows:
            summary = "No one on the caseload."
        else:
            summary = (
                f"{plural(len(rows), 'person', 'people')} on the caseload; "
                f"{flagged} with something to discuss."
            )
        sections.append(
            ReviewSection(
                supervisee_id=review.supervisee.pk,
                supervisee=review.supervisee.display_name,
                summary=summary,
                rows=rows if show_all else [row for row in rows if row.signals],
                flagged=flagged,
            )
        )
    return sections


def signal_counts(reviews: Iterable[SuperviseeReview], visible: set[int]) -> list[list[dict]]:
    """How many cases show each signal, as table rows."""
    counts: dict[str, int] = dict.fromkeys(SIGNALS, 0)
    for review in reviews:
        for case in review.cases:
            if case.episode.person_id in visible:
                for key in {signal.key for signal in case.signals}:
                    counts[key] = counts.get(key, 0) + 1
    return [
        [{"text": SIGNALS.get(key, key)}, {"text": formats.number(n), "format": "numeric"}]
        for key, n in counts.items()
    ]


# --- Coverage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """Covered out of counted, with the sentence and the percentage to show."""

    label: str
    covered: int
    counted: int

    @property
    def percent(self) -> str:
        return f"{round(100 * self.covered / self.counted)}%" if self.counted else "None counted"

    @property
    def sentence(self) -> str:
        return f"{self.covered} of {self.counted} supervised within their agreement"


def _share(label: str, standings: Iterable[Standing]) -> Share:
    listed = list(standings)
    return Share(label, sum(s.covered for s in listed), len(listed))


def sector(team: Team | None) -> str:
    """NHS, VCSE or the organisation's kind: how coverage is split for commissioners."""
    if team is None:
        return "No team now"
    if team.organisation.is_nhs:
        return "NHS"
    if team.organisation.kind == OrganisationKind.VCSE:
        return "VCSE"
    return team.organisation.get_kind_display()


@dataclass
class CoveragePage:
    """Supervision coverage for a scope on a day: the headline share, meta-supervision of
    supervisors, the split by NHS and VCSE and by team, and who is overdue."""

    standings: list[Standing]
    meta: list[Standing]
    overdue: list[Overdue]
    teams: Mapping[int, Team]
    today: dt.date

    def _team(self, standing: Standing) -> Team | None:
        return self.teams.get(standing.team_id) if standing.team_id is not None else None

    @property
    def headline(self) -> Share:
        return _share("Supervision coverage", self.standings)

    @property
    def meta_share(self) -> Share:
        return _share("Meta-supervision coverage of supervisors", self.meta)

    @property
    def by_sector(self) -> list[Share]:
        groups: dict[str, list[Standing]] = defaultdict(list)
        for standing in self.standings:
            groups[sector(self._team(standing))].append(standing)
        return [_share(name, groups[name]) for name in sorted(groups)]

    @property
    def by_team(self) -> list[dict[str, Any]]:
        groups: dict[int | None, list[Standing]] = defaultdict(list)
        for standing in self.standings:
            groups[standing.team_id].append(standing)
        rows = []
        for team_id, listed in groups.items():
            team = self.teams.get(team_id) if team_id is not None else None
            name = f"{team.name} ({team.organisation.name})" if team else "No team now"
            rows.append({"share": _share(name, listed), "sector": sector(team)})
        return sorted(
            rows, key=lambda r: (r["share"].covered / r["share"].counted, r["share"].label)
        )

    @property
    def overdue_rows(self) -> list[dict[str, str]]:
        return [
            {
                "supervisee": o.supervisee.display_name,
                "supervisor": o.supervisor.display_name,
                "kind": o.kind_label,
                "due_on": formats.date(o.due_on),
                "late": overdue_text(o.days_overdue),
            }
            for o in self.overdue
        ]


def overdue_text(days: int) -> str:
    """'3 days', '2 weeks and 1 day': how long past due."""
    weeks, rest = divmod(days, 7)
    if not weeks:
        return plural(rest, "day")
    return plural(weeks, "week") + (f" and {plural(rest, 'day')}" if rest else "")
