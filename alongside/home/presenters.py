"""What each part of the home page shows, ready for the NHS.UK macros.

A home page is a list of sections, one per role the user holds (an analyst's or an organisation
administrator's section once however many teams give them the role). Each section carries
summary-list rows, table rows and figures already worded, so templates only place them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse, reverse_lazy
from django.utils import timezone

from alongside.care.presenters import CaseloadRow, outcome_tag, reallocate_href
from alongside.core import formats
from alongside.core.jobs import JobStatus
from alongside.core.navigation import opens
from alongside.home.queries import SHOWN, HomeData, PeopleAggregates
from alongside.insights.suppression import HIDDEN, Rule, site_rule
from alongside.organisations.models import (
    Membership,
    Organisation,
    OrganisationKind,
    Role,
    Team,
)
from alongside.organisations.permissions import permissions_of
from alongside.people.models import StatedGender
from alongside.referrals.models import Urgency
from alongside.referrals.queries import Worklist
from alongside.supervision.presenters import about_person

ROLE_TAG_COLOURS: dict[str, str] = {
    Role.PRACTITIONER: "blue",
    Role.COORDINATOR: "purple",
    Role.SUPERVISOR: "aqua-green",
    Role.TEAM_LEAD: "orange",
    Role.ANALYST: "grey",
    Role.ORG_ADMIN: "yellow",
    Role.PRIVACY_LEAD: "red",
}

PEOPLE_LINK = {"href": reverse_lazy("people:list"), "text": "People whose records you can open"}
REFER_LINK = {"href": reverse_lazy("referrals:refer"), "text": "Make a referral"}
MEETINGS_LINK = {"href": reverse_lazy("meetings:list"), "text": "Integrated locality meetings"}
CASELOAD_LINK = {"href": reverse_lazy("care:caseload"), "text": "My caseload"}
INSIGHTS_LINK = {
    "href": reverse_lazy("insights:overview"),
    "text": "Insights: how services are doing",
}

WORKFORCE_LINK = {
    "href": reverse_lazy("workforce:place"),
    "text": "Workforce and training across the place",
}

DIRECTORY_LINK = {
    "href": reverse_lazy("directory:manage"),
    "text": "Your services in the local service directory",
}

NOT_RECORDED = "Not recorded"

REVIEW_LINK = {
    "href": reverse_lazy("supervision:review"),
    "text": "Caseload review for supervision",
}
SESSION_LINK = {
    "href": reverse_lazy("supervision:new-session"),
    "text": "Record a supervision session",
}
AGREEMENTS_LINK = {"href": reverse_lazy("supervision:agreements"), "text": "Supervision agreements"}
TREE_LINK = {"href": reverse_lazy("supervision:tree"), "text": "Who supervises whom"}
APPROVALS_LINK = {
    "href": reverse_lazy("organisations:waiting-memberships"),
    "text": "Memberships waiting for approval",
}

#: Roles with a section of their own, one per membership (analyst and organisation administrator
#: sections are made once each, below); any other role gets a plain summary.
DEDICATED = {
    Role.PRACTITIONER,
    Role.COORDINATOR,
    Role.SUPERVISOR,
    Role.TEAM_LEAD,
    Role.PRIVACY_LEAD,
}


def shown_count(value: int | str | None) -> str:
    """A count as the suppression rule left it: ``*`` when hidden, else with thousands commas."""
    if value is None:
        return "–"
    return HIDDEN if value == HIDDEN else formats.number(int(value))


def suppressed_tables(
    total: int, tables: list[list[tuple[str, int]]], rule: Rule
) -> tuple[str, list[list[tuple[str, str]]]]:
    """A total and tables of counts that each add up to it, made safe together with the site's
    disclosure-control rule (the same as the dashboards'): small counts, zero included, hidden,
    others rounded, and further counts hidden so that none can be worked back from the total."""
    grid: list[dict[str, Any]] = [{"dimension": None, "denominator": total}]
    for number, table in enumerate(tables):
        grid += [{"dimension": number, "denominator": n} for _label, n in table]
    safe = iter(rule.figures(grid))
    shown_total = shown_count(next(safe)["denominator"])
    out = [[(label, shown_count(next(safe)["denominator"])) for label, _n in t] for t in tables]
    return shown_total, out


def summary_rows(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in pairs]


def count_rows(counts: list[tuple[str, str]]) -> list[list[dict[str, str]]]:
    return [[{"text": label}, {"text": shown, "format": "numeric"}] for label, shown in counts]


@dataclass
class Figure:
    label: str
    value: str


@dataclass
class Table:
    caption: str
    head: list[dict[str, str]]
    rows: list[list[dict[str, str]]]


@dataclass
class Section:
    kind: str
    anchor: str
    title: str
    tag: dict[str, str]
    summary: list[dict[str, Any]] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    empty_text: str = ""


def runner_text(runners: int) -> str:
    """Whether the scheduled-work runner is alive, for the administrator."""
    if runners == 0:
        return (
            "no runner is running, so escalations happen only when staff open their home page "
            "(start `alongside worker`)"
        )
    return "the runner is running" if runners == 1 else f"{runners} runners are running"


def last_run_text(job_status: JobStatus) -> str:
    """When a scheduled job last ran and how, in words."""
    if job_status.running:
        return "Running now"
    if job_status.failing:
        return f"Failed {formats.datetime(job_status.failed_at)}: see the runner's log"
    if job_status.succeeded_at is None:
        return "Not run yet"
    when = formats.datetime(job_status.succeeded_at)
    return f"Late: last ran {when}" if job_status.late else f"Ran {when}"


@dataclass
class ActionItem:
    """One of the user's open supervision actions, on their worklist."""

    text: str
    due: dict[str, str]
    agreed_at: str
    done_href: str


@dataclass
class UrgentItem:
    """Something at risk that needs the user now: what was said (or which referral), when, and
    where to act. No names: the page it links to is opened through the access policy."""

    tag: dict[str, str]
    text: str
    when: str
    href: str
    link_text: str


@dataclass
class WorkItem:
    """One thing to do today: whom it is about (a person, a referral's person, a colleague or a
    team), a link to where it is done, and what it is."""

    name: str
    href: str
    detail: str = ""
    tags: list[dict[str, str]] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    #: The person named, when it is a person's record (for the access audit).
    person_id: int | None = None


@dataclass
class WorkList:
    """One of the day's lists, with what it says when there is nothing on it."""

    anchor: str
    title: str
    items: list[WorkItem]
    empty_text: str
    #: The page with the whole list, when more than the home page shows may be on it.
    more: dict[str, str] | None = None


@dataclass
class HomePage:
    heading: str
    sections: list[Section]
    administrators: list[dict[str, str]]
    supervision_actions: list[ActionItem] = field(default_factory=list)
    urgent_items: list[UrgentItem] = field(default_factory=list)
    work: list[WorkList] = field(default_factory=list)
    #: Who the page names, for the access audit: people by id, and referrals.
    named_people: set[int] = field(default_factory=set)
    named_referrals: list[Any] = field(default_factory=list)

    @property
    def has_role(self) -> bool:
        return bool(self.sections)

    @property
    def contents(self) -> list[dict[str, str]]:
        return [{"href": f"#{s.anchor}", "text": s.title} for s in self.sections]


def _localities(membership: Membership) -> str:
    names = [locality.name for locality in membership.team.localities.all()]
    return ", ".join(names) if names else "None recorded"


def _organisation(organisation: Organisation) -> str:
    return f"{organisation.name} ({organisation.get_kind_display()})"


def _people_rows(members: list[Membership], *, leave_out_user_id: int | None = None) -> list:
    """One row per person (not per role): name, their roles in the team, job title."""
    people: dict[int, dict[str, Any]] = {}
    for member in members:
        if member.user_id == leave_out_user_id:
            continue
        person = people.setdefault(
            member.user_id, {"name": member.user.display_name, "roles": [], "job_title": ""}
        )
        person["roles"].append(member.get_role_display())
        person["job_title"] = person["job_title"] or member.job_title
    return [
        [
            {"text": p["name"]},
            {"text": ", ".join(p["roles"])},
            {"text": p["job_title"] or NOT_RECORDED},
        ]
        for p in people.values()
    ]


#: The order of sections on a page: day-to-day work first, oversight and aggregates after.
ROLE_ORDER = [
    Role.PRACTITIONER,
    Role.COORDINATOR,
    Role.SUPERVISOR,
    Role.TEAM_LEAD,
    Role.ORG_ADMIN,
    Role.ANALYST,
]


def _section_order(membership: Membership) -> tuple[int, str]:
    position = ROLE_ORDER.index(membership.role) if membership.role in ROLE_ORDER else 99
    return position, membership.team.name


def _decile_label(decile: int | None) -> str:
    if decile is None:
        return "Not known"
    return {1: "1 (most deprived)", 10: "10 (least deprived)"}.get(decile, str(decile))


PEOPLE_HEAD = [{"text": "Name"}, {"text": "Role"}, {"text": "Job title"}]


def _first(items: list[WorkItem]) -> tuple[list[WorkItem], bool]:
    return items[:SHOWN], len(items) > SHOWN


REVIEW_OVERDUE = "Plan review overdue"


class HomePresenter:
    def __init__(self, data: HomeData, *, permissions: frozenset[str] | None = None) -> None:
        self.data = data
        self.permissions = permissions_of(data.user) if permissions is None else permissions
        self._anchors: Counter[str] = Counter()
        self._named_people: set[int] = set()
        self._named_referrals: list[Any] = []

    def _may_open(self, route: str) -> bool:
        return opens(self.permissions, route)

    def _anchor(self, kind: str) -> str:
        self._anchors[kind] += 1
        n = self._anchors[kind]
        return f"{kind.replace('_', '-')}" + (f"-{n}" if n > 1 else "")

    def _section(self, kind: str, title: str, tag_text: str, colour: str, **kw: Any) -> Section:
        return Section(
            kind=kind,
            anchor=self._anchor(kind),
            title=title,
            tag={"text": tag_text, "colour": colour},
            **kw,
        )

    def page(self) -> HomePage:
        sections: list[Section] = []
        analyst_done = False
        organisations_done: set[int] = set()
        for membership in sorted(self.data.memberships, key=_section_order):
            role = membership.role
            if role == Role.ANALYST:
                if not analyst_done and self.data.aggregates is not None:
                    sections.append(self.analyst(self.data.aggregates))
                analyst_done = True
            elif role == Role.ORG_ADMIN:
                organisation = membership.team.organisation
                if organisation.pk not in organisations_done:
                    sections.append(self.org_admin(organisation))
                organisations_done.add(organisation.pk)
            else:
                present = getattr(self, str(role), None) if role in DEDICATED else None
                sections.append(present(membership) if present else self.other_role(membership))
        if self.data.system is not None:
            sections.append(self.system_admin())
        return HomePage(
            heading=self.data.user.display_name,
            sections=sections,
            administrators=[
                {"name": admin.display_name, "email": admin.email}
                for admin in self.data.administrators
            ],
            supervision_actions=self.supervision_actions(),
            urgent_items=self.urgent_items(),
            work=self.work(),
            named_people=self._named_people,
            named_referrals=self._named_referrals,
        )

    # --- The work of the day ------------------------------------------------------------

    def work(self) -> list[WorkList]:
        """The day's lists for the roles the user holds: a key worker's, then triage, then
        what a team lead and a supervisor keep an eye on."""
        lists: list[WorkList] = []
        if self.data.key_worker_day is not None and (
            Role.PRACTITIONER in self.data.roles or self.data.key_worker_day.caseload
        ):
            lists += self.key_worker_work()
        if self.data.triage_day is not None:
            lists += self.triage_work()
        if self.data.team_lead_day is not None:
            lists += self.team_lead_work()
        if self.data.sessions_due is not None:
            lists.append(self.sessions_due())
        self._named_people |= {i.person_id for wl in lists for i in wl.items if i.person_id}
        return lists

    @staticmethod
    def _person(person: Any) -> dict[str, Any]:
        return {"name": person.full_name, "person_id": person.pk}

    def key_worker_work(self) -> list[WorkList]:
        day = self.data.key_worker_day
        assert day is not None
        now = timezone.now()
        appointments = [
            WorkItem(
                **self._person(c.episode.person),
                href=reverse("care:contacts", kwargs={"person_id": c.episode.person_id}),
                detail=f"{formats.datetime(c.starts_at).split(' at ')[-1]}: "
                f"{c.get_kind_display().lower()}, {c.get_mode_display().lower()}",
                tags=[outcome_tag(c)] if c.outcome else [],
            )
            for c in day.appointments
        ]
        rows = [CaseloadRow(e, now) for e in day.caseload]
        attention = [
            WorkItem(
                **self._person(row.episode.person),
                href=row.href,
                tags=[f for f in row.flags if f["text"] != REVIEW_OVERDUE],
            )
            for row in rows
            if any(f["text"] != REVIEW_OVERDUE for f in row.flags)
        ]
        answers = [
            WorkItem(
                **self._person(row.episode.person),
                href=reverse("outcomes:person", kwargs={"person_id": row.episode.person_id}),
                detail=f"{', '.join(day.answers_to_review[row.episode.pk])}: answers raised a "
                "flag nobody has recorded seeing",
            )
            for row in rows
            if row.episode.pk in day.answers_to_review
        ]
        reviews = [
            WorkItem(
                **self._person(row.episode.person),
                href=reverse("plans:plan", kwargs={"person_id": row.episode.person_id}),
                detail=f"Review was due {formats.date(row.episode.review_on)}",
            )
            for row in rows
            if row.review_overdue
        ]
        caseload = {"href": reverse("care:caseload"), "text": "Your whole caseload"}
        lists = []
        for anchor, title, items, empty in (
            ("appointments-today", "Today's appointments", appointments, "No appointments today."),
            (
                "needs-attention",
                "People who need attention",
                attention,
                "No one on your caseload needs attention.",
            ),
            ("answers-to-review", "Answers to review", answers, "No answers to review."),
            ("plan-reviews", "Plan reviews overdue", reviews, "No plan reviews overdue."),
        ):
            shown, more = _first(items)
            lists.append(WorkList(anchor, title, shown, empty, caseload if more else None))
        return lists

    def triage_work(self) -> list[WorkList]:
        day = self.data.triage_day
        assert day is not None
        now = timezone.now()
        referrals = []
        for r in day.due_referrals:
            self._named_referrals.append(r)
            late = r.due_at is not None and r.due_at < now
            tags = []
            if r.urgency != Urgency.ROUTINE:
                tags.append({"text": r.get_urgency_display(), "classes": "nhsuk-tag--red"})
            if late:
                tags.append({"text": "Past its due time", "classes": "nhsuk-tag--orange"})
            referrals.append(
                WorkItem(
                    name=r.full_name,
                    href=reverse("referrals:referral", kwargs={"referral_id": r.pk}),
                    detail=f"Referral {r.reference} to {r.team.name}: decision due "
                    f"{formats.datetime(r.due_at, empty='with no time set')}",
                    tags=tags,
                )
            )
        follow_ups = []
        for h in day.follow_ups:
            self._named_referrals.append(h.referral)
            to = h.service.name if h.service_id else (h.team.name if h.team_id else "")
            follow_ups.append(
                WorkItem(
                    name=h.referral.full_name,
                    href=reverse(
                        "referrals:follow-up",
                        kwargs={"referral_id": h.referral_id, "handover_id": h.pk},
                    ),
                    detail=(f"Did they connect with {to}? " if to else "")
                    + f"Follow-up due {formats.date(h.follow_up_on)}",
                )
            )
        worklists = reverse("referrals:worklists")
        return [
            WorkList(
                "due-referrals",
                "Urgent and due referrals",
                referrals,
                "No urgent referrals, and none due today.",
                {"href": worklists, "text": "Every referral waiting for triage"},
            ),
            WorkList(
                "follow-ups",
                "Follow-ups due",
                follow_ups,
                "No follow-ups due.",
                {
                    "href": f"{worklists}?{urlencode({'list': Worklist.FOLLOW_UPS})}",
                    "text": "Every follow-up due",
                },
            ),
        ]

    def _led_teams(self) -> list[Team]:
        seen: dict[int, Team] = {}
        for m in self.data.memberships:
            if m.role == Role.TEAM_LEAD:
                seen.setdefault(m.team_id, m.team)
        return list(seen.values())

    def team_lead_work(self) -> list[WorkList]:
        day = self.data.team_lead_day
        assert day is not None
        teams = {t.pk: t for t in self._led_teams()}
        waiting = []
        for e in day.unallocated:
            base = reverse("care:team-caseloads", kwargs={"team_id": e.lead_team_id})
            waiting.append(
                WorkItem(
                    **self._person(e.person),
                    href=reallocate_href(base, e),
                    detail=f"Waiting for a key worker in {teams[e.lead_team_id].name} since "
                    f"{formats.date(e.started_at)}",
                )
            )
        oversight = []
        for team in teams.values():
            on_time, everyone = day.coverage.get(team.pk, (0, 0))
            counts = self.data.worklists.get(team.pk, {})
            links = []
            if self._may_open("supervision:coverage"):
                links.append(
                    {
                        "href": f"{reverse('supervision:coverage')}?"
                        f"{urlencode({'scope': f'team-{team.pk}'})}",
                        "text": f"Supervision coverage in {team.name}",
                    }
                )
            if self._may_open("insights:coproduction"):
                links.append(
                    {
                        "href": f"{reverse('insights:coproduction')}?"
                        f"{urlencode({'team': team.pk})}",
                        "text": f"Co-production in {team.name}",
                    }
                )
            if self._may_open("coproduction:team"):
                links.append(
                    {
                        "href": reverse("coproduction:team", kwargs={"team_id": team.pk}),
                        "text": f"Co-production reviews of {team.name}",
                    }
                )
            supervised = (
                f"{formats.number(on_time)} of {formats.number(everyone)} supervisees "
                "supervised on time"
                if everyone
                else "No one in the team has a supervision agreement"
            )
            oversight.append(
                WorkItem(
                    name=team.name,
                    href=reverse("care:team-caseloads", kwargs={"team_id": team.pk}),
                    detail=f"Waiting for triage: {formats.number(counts.get(Worklist.TRIAGE, 0))}"
                    f"; waiting for a first contact: "
                    f"{formats.number(counts.get(Worklist.FIRST_CONTACT, 0))}. {supervised}.",
                    links=links,
                )
            )
        return [
            WorkList(
                "waiting-allocation",
                "Waiting for a key worker",
                waiting,
                "No one is waiting for a key worker.",
            ),
            WorkList(
                "your-teams",
                "Your teams: waits, supervision and co-production",
                oversight,
                "You lead no team.",
            ),
        ]

    def sessions_due(self) -> WorkList:
        today = self.data.today
        items = []
        for due in self.data.sessions_due or []:
            late = due.due_on < today
            items.append(
                WorkItem(
                    name=due.supervisee.display_name,
                    href=f"{reverse('supervision:new-session')}",
                    detail=f"{due.kind_label} "
                    + (
                        f"was due {formats.date(due.due_on)}"
                        if late
                        else f"due {formats.date(due.due_on)}"
                    ),
                    tags=[
                        {"text": f"Overdue by {due.days_overdue} days", "classes": "nhsuk-tag--red"}
                    ]
                    if late
                    else [],
                )
            )
        return WorkList(
            "sessions-due",
            "Supervision sessions due",
            items,
            "No supervision sessions due this week.",
            {"href": reverse("supervision:review"), "text": "Caseload review for supervision"},
        )

    def urgent_items(self) -> list[UrgentItem]:
        """Escalated referrals and risk flags first (nobody acted in time), then the risk flags
        on the user's own caseload."""
        items: list[UrgentItem] = []
        for referral in self.data.escalated_referrals:
            due = formats.datetime(referral.due_at)
            items.append(
                UrgentItem(
                    tag={
                        "text": f"{referral.get_urgency_display()} referral not triaged in time",
                        "classes": "nhsuk-tag--red",
                    },
                    text=f"Referral {referral.reference}, held by {referral.team.name}"
                    + (f": {referral.urgency_reason}" if referral.urgency_reason else ""),
                    when=f"Due {due}",
                    href=reverse("referrals:referral", kwargs={"referral_id": referral.pk}),
                    link_text=f"Open referral {referral.reference}",
                )
            )
        shown: set[int] = set()
        for flag in [*self.data.escalated_risk_flags, *self.data.my_risk_flags]:
            if flag.pk in shown:
                continue
            shown.add(flag.pk)
            escalated = flag.escalated_at is not None
            items.append(
                UrgentItem(
                    tag={
                        "text": "Risk not acted on in time" if escalated else "Risk to act on",
                        "classes": "nhsuk-tag--red",
                    },
                    text=f"{flag.get_source_display()}: {flag.said}"
                    + (f" ({flag.episode.lead_team.name})" if escalated else ""),
                    when=f"Raised {formats.datetime(flag.raised_at)}",
                    href=reverse(
                        "care:risk-flag", kwargs={"person_id": flag.person_id, "flag_id": flag.pk}
                    ),
                    link_text="Open and record what was done",
                )
            )
        return items

    def supervision_actions(self) -> list[ActionItem]:
        """The user's open supervision actions, soonest due first."""
        today = self.data.today
        items = []
        for action in self.data.supervision_actions:
            due = formats.date(action.due_on)
            overdue = action.due_on < today
            session = action.session
            person = action.discussion.episode.person if action.discussion else None
            if person is not None and person.pk in self.data.action_people:
                text = about_person(action.text, person.full_name)
                self._named_people.add(person.pk)
            else:
                text = action.text
            items.append(
                ActionItem(
                    text=text,
                    due={
                        "text": f"Overdue: due {due}" if overdue else f"Due {due}",
                        "classes": "nhsuk-tag--red" if overdue else "nhsuk-tag--grey",
                    },
                    agreed_at=f"{session.get_kind_display()} with "
                    f"{session.supervisor.display_name}, {formats.date(session.held_on)}",
                    done_href=reverse(
                        "supervision:complete-action", kwargs={"action_id": action.pk}
                    ),
                )
            )
        return items

    # --- one method per role ------------------------------------------------------------

    def other_role(self, membership: Membership) -> Section:
        """A role without a page of its own yet: where and as what the user works."""
        team = membership.team
        return self._section(
            "role",
            f"{membership.get_role_display()} – {team.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS.get(membership.role, "white"),
            summary=summary_rows(
                [
                    ("Job title", membership.job_title or NOT_RECORDED),
                    ("Team", team.name),
                    ("Organisation", _organisation(team.organisation)),
                ]
            ),
        )

    def practitioner(self, membership: Membership) -> Section:
        team = membership.team
        user = self.data.user
        colleagues = _people_rows(team.current_members, leave_out_user_id=user.pk)
        return self._section(
            "practitioner",
            f"{membership.get_role_display()} – {team.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS[Role.PRACTITIONER],
            summary=summary_rows(
                [
                    ("Name", user.display_name),
                    ("Job title", membership.job_title or NOT_RECORDED),
                    ("Team", team.name),
                    ("Team type", team.get_team_type_display()),
                    ("Organisation", _organisation(team.organisation)),
                    ("Localities the team serves", _localities(membership)),
                ]
            ),
            tables=[Table("Colleagues in your team", PEOPLE_HEAD, colleagues)]
            if colleagues
            else [],
            empty_text="" if colleagues else "No one else is in this team yet.",
            links=[CASELOAD_LINK, PEOPLE_LINK, REFER_LINK, MEETINGS_LINK, AGREEMENTS_LINK],
        )

    def privacy_lead(self, membership: Membership) -> Section:
        team = membership.team
        waiting = self.data.break_glass_to_review or 0
        return self._section(
            "privacy_lead",
            f"{membership.get_role_display()} – {team.organisation.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS[Role.PRIVACY_LEAD],
            summary=summary_rows(
                [
                    ("Organisation", _organisation(team.organisation)),
                    ("Team", team.name),
                ]
            ),
            figures=[Figure("Break-glass access to review", formats.number(waiting))],
            links=[
                {"href": reverse("sharing:privacy"), "text": "Review access and search the audit"},
                APPROVALS_LINK,
                INSIGHTS_LINK,
            ],
        )

    def coordinator(self, membership: Membership) -> Section:
        team = membership.team
        registrations = self.data.registrations or {"total": 0, "recent": 0}
        return self._section(
            "coordinator",
            f"{membership.get_role_display()} – {team.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS[Role.COORDINATOR],
            summary=summary_rows(
                [
                    ("Team", team.name),
                    ("Organisation", _organisation(team.organisation)),
                    ("Localities the team serves", _localities(membership)),
                ]
            ),
            figures=[
                *self._worklist_figures(team),
                Figure("People registered", formats.number(registrations["total"])),
                Figure("Registered in the last 7 days", formats.number(registrations["recent"])),
            ],
            links=[
                self._worklists_link(team),
                MEETINGS_LINK,
                REFER_LINK,
                PEOPLE_LINK,
                {"href": reverse("people:add"), "text": "Add a person"},
            ],
        )

    def _worklist_figures(self, team: Team) -> list[Figure]:
        counts = self.data.worklists.get(team.pk, {})
        return [
            Figure(Worklist.LABELS[name], formats.number(counts.get(name, 0)))
            for name in Worklist.ALL
        ]

    @staticmethod
    def _caseloads_link(team: Team) -> dict[str, str]:
        return {
            "href": reverse("care:team-caseloads", kwargs={"team_id": team.pk}),
            "text": f"Caseloads in {team.name}",
        }

    @staticmethod
    def _worklists_link(team: Team) -> dict[str, str]:
        return {
            "href": f"{reverse('referrals:worklists')}?{urlencode({'team': team.pk})}",
            "text": f"Referrals held by {team.name}",
        }

    def supervisor(self, membership: Membership) -> Section:
        team = membership.team
        practitioners = [
            [
                {"text": m.user.display_name},
                {"text": m.job_title or NOT_RECORDED},
                {"text": formats.date(m.started_on)},
            ]
            for m in team.current_members
            if m.role == Role.PRACTITIONER and m.user_id != self.data.user.pk
        ]
        head = [{"text": "Name"}, {"text": "Job title"}, {"text": "In the team since"}]
        return self._section(
            "supervisor",
            f"{membership.get_role_display()} – {team.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS[Role.SUPERVISOR],
            summary=summary_rows(
                [("Team", team.name), ("Organisation", _organisation(team.organisation))]
            ),
            tables=[Table("Key workers in the team", head, practitioners)] if practitioners else [],
            empty_text="" if practitioners else "The team has no key workers yet.",
            links=[
                REVIEW_LINK,
                SESSION_LINK,
                self._caseloads_link(team),
                AGREEMENTS_LINK,
                TREE_LINK,
                PEOPLE_LINK,
            ],
        )

    def team_lead(self, membership: Membership) -> Section:
        team = membership.team
        members = team.current_members
        per_role = Counter(m.role for m in members)
        return self._section(
            "team_lead",
            f"{membership.get_role_display()} – {team.name}",
            membership.get_role_display(),
            ROLE_TAG_COLOURS[Role.TEAM_LEAD],
            summary=summary_rows(
                [
                    ("Team", team.name),
                    ("Team type", team.get_team_type_display()),
                    ("Organisation", _organisation(team.organisation)),
                    ("Localities the team serves", _localities(membership)),
                    ("People in the team", formats.number(len({m.user_id for m in members}))),
                ]
            ),
            tables=[
                Table("Members of the team", PEOPLE_HEAD, _people_rows(members)),
                Table(
                    "Members by role",
                    [{"text": "Role"}, {"text": "Members", "format": "numeric"}],
                    [
                        [{"text": label}, {"text": formats.number(per_role[value])}]
                        for value, label in Role.choices
                    ],
                ),
            ],
            figures=self._worklist_figures(team),
            links=[
                self._caseloads_link(team),
                self._worklists_link(team),
                {
                    "href": reverse("organisations:duty-rota", kwargs={"team_id": team.pk}),
                    "text": f"Duty rota for {team.name}",
                },
                MEETINGS_LINK,
                PEOPLE_LINK,
                {"href": reverse("people:add"), "text": "Add a person"},
                {
                    "href": reverse("workforce:team", kwargs={"team_id": team.pk}),
                    "text": f"Workforce and training in {team.name}",
                },
                AGREEMENTS_LINK,
                TREE_LINK,
                INSIGHTS_LINK,
            ],
        )

    def analyst(self, aggregates: PeopleAggregates) -> Section:
        numeric_head = [{"text": "People", "format": "numeric"}]
        deciles = [(_decile_label(decile), n) for decile, n in aggregates.by_imd_decile.items()]
        genders = [
            (label, aggregates.by_stated_gender.get(value, 0))
            for value, label in StatedGender.choices
        ]
        total, (ethnic, deciles_shown, ages, genders_shown) = suppressed_tables(
            aggregates.total,
            [
                list(aggregates.by_ethnic_group.items()),
                deciles,
                list(aggregates.by_age_band.items()),
                genders,
            ],
            site_rule(),
        )
        return self._section(
            "analyst",
            "Analyst – people registered, in aggregate",
            "Analyst",
            ROLE_TAG_COLOURS[Role.ANALYST],
            figures=[Figure("People registered", total)],
            tables=[
                Table(
                    "People by ethnic group",
                    [{"text": "Ethnic group"}, *numeric_head],
                    count_rows(ethnic),
                ),
                Table(
                    "People by deprivation decile (Index of Multiple Deprivation)",
                    [{"text": "Decile"}, *numeric_head],
                    count_rows(deciles_shown),
                ),
                Table(
                    "People by age band",
                    [{"text": "Age"}, *numeric_head],
                    count_rows(ages),
                ),
                Table(
                    "People by stated gender",
                    [{"text": "Stated gender"}, *numeric_head],
                    count_rows(genders_shown),
                ),
            ],
            links=[INSIGHTS_LINK, WORKFORCE_LINK],
        )

    def org_admin(self, organisation: Organisation) -> Section:
        teams = [t for t in self.data.organisation_teams if t.organisation_id == organisation.pk]
        head = [
            {"text": "Team"},
            {"text": "Team type"},
            {"text": "Members", "format": "numeric"},
        ]
        rows = [
            [
                {"text": t.name},
                {"text": t.get_team_type_display()},
                {"text": formats.number(t.member_count)},
            ]
            for t in teams
        ]
        return self._section(
            "org_admin",
            f"{Role.ORG_ADMIN.label} – {organisation.name}",
            Role.ORG_ADMIN.label,
            ROLE_TAG_COLOURS[Role.ORG_ADMIN],
            summary=summary_rows(
                [
                    ("Organisation", organisation.name),
                    ("Type", organisation.get_kind_display()),
                    ("ODS code", organisation.ods_code or NOT_RECORDED),
                    ("Teams", formats.number(len(teams))),
                ]
            ),
            tables=[Table(f"Teams of {organisation.name}", head, rows)] if rows else [],
            empty_text="" if rows else "This organisation has no teams yet.",
            links=[
                DIRECTORY_LINK,
                APPROVALS_LINK,
                INSIGHTS_LINK,
                WORKFORCE_LINK,
                AGREEMENTS_LINK,
                TREE_LINK,
            ],
        )

    def system_admin(self) -> Section:
        system = self.data.system
        assert system is not None
        by_kind = [
            [{"text": label}, {"text": formats.number(system.organisations_by_kind.get(value, 0))}]
            for value, label in OrganisationKind.choices
        ]
        return self._section(
            "system_admin",
            "System administrator",
            "System administrator",
            "red",
            figures=[
                Figure("Organisations", formats.number(sum(system.organisations_by_kind.values()))),
                Figure("Teams", formats.number(system.teams)),
                Figure("User accounts", formats.number(system.users)),
                Figure("People registered", formats.number(system.people)),
            ],
            tables=[
                Table(
                    "Organisations by type",
                    [{"text": "Type"}, {"text": "Organisations", "format": "numeric"}],
                    by_kind,
                ),
                Table(
                    f"Scheduled work: {runner_text(system.runners)}",
                    [{"text": "Job"}, {"text": "When"}, {"text": "Last run"}],
                    [
                        [
                            {"text": job_status.job.purpose},
                            {"text": job_status.job.every_text.capitalize()},
                            {"text": last_run_text(job_status)},
                        ]
                        for job_status in system.scheduled_jobs
                    ],
                ),
            ],
            links=[
                {"href": reverse("organisations:list"), "text": "Manage organisations"},
                APPROVALS_LINK,
                DIRECTORY_LINK,
                {"href": reverse("admin:index"), "text": "Open the Django administration site"},
            ],
        )
