"""The demo's supervision: who supervises whom, and 18 months of sessions held as agreed (or not).

Called from ``PlaceBuilder.build`` after ``outcomes.build_outcomes``, it reads the staff, the
episodes' key workers and care teams, goals and intensity history the earlier stages wrote and
adds, in bulk:

* **policies** per role (``POLICIES``): practitioners individual supervision every 4 weeks and
  group every 12, supervisors meta-supervision every 8, team leads individual every 6;
* **agreements** with their terms. Every practitioner in a clinical team has a supervisor: one in
  their own team (trust and council teams), a community mental health team's supervisor in their
  locality (primary care network practitioners), and for voluntary sector (VCSE) staff either
  their own organisation's supervisor or, for most Care Partners, a trust clinician in another
  organisation. Supervisors have meta-supervision with a senior clinician (a trust clinical team
  lead), with individual supervision of their own caseload when they also practise; team leads
  have individual supervision with the trust's head of service (VCSE team leads with the
  alliance lead's team lead). The chain only ever runs upwards (practitioner → supervisor → team
  lead → head), so it is a tree: nobody supervises themself and there are no loops. Some
  agreements (``REPLACED_SHARE`` of those with another supervisor to go to) ended within the 18
  months and were replaced by one with someone else from the next day.
* **sessions** over the 18 months before the place's date (``PlaceBuilder.as_of``), following
  each agreement's terms, counted back from that date: most gaps a little under the agreed interval,
  some late (leave, sickness, a busy month), and about one supervisee in ten (``OVERDUE_SHARE``)
  past their interval at the reference date (they also miss group sessions since). Individual,
  meta-supervision and case-review sessions are one-to-one; each supervisor's group meets about
  every twelve weeks with the supervisees present that day.
* **case discussions** of people on the supervisee's caseload at the session (key worker or care
  team member from before the session to after it, in an open episode), in the coaching model's
  words: goals in the person's own words (their plan's goals), what is working, risks, what the
  practitioner will try next;
* **steps up or down agreed in supervision**. The key working stage already wrote every
  episode's intensity history (``care.IntensityChange``), and contact frequency follows it.
  When a person discussed has a step up or down in the fortnight after the session (sometimes,
  ``PREFER_STEP``, the person is chosen for that), the step is *the one agreed in supervision*:
  its row is moved back to the end of the session (never past the change before it),
  attributed to the supervisor who recorded it, given the reason said there, and linked from
  the discussion, as ``supervision.services.record_session`` would have made it. No step is
  added or removed, so each episode's levels, the order of its changes and its current intensity
  stay exactly as the key working stage left them (about one discussion in seven has a step).
  Because discussions point at those rows, ``flush_supervision`` runs before the key working
  stage's flush.
* **actions** with owners and due dates: most done, some open and not yet due (carried into the
  next session), some open and overdue.

The demo sign-ins are given what their pages need: the supervisor has current agreements with
the key worker and the Care Partner (across organisations), a session with the key worker in
the last week with an open action the key worker owns, and the Care Partner a little overdue.

Rows are written with COPY, their ids taken ahead from each table's sequence. The same seed gives
the same rows: every draw comes from this stage's own ``builder.rng("supervision")``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Model, Q, QuerySet

from alongside.care.models import Allocation, CareTeamMember, Episode, Goal, IntensityChange
from alongside.demo import data
from alongside.organisations.models import Role, TeamType
from alongside.supervision.models import (
    AgreementTerm,
    Attendee,
    CaseDiscussion,
    Kind,
    Step,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionPolicy,
    SupervisionSession,
)

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

Row = dict[str, Any]
_LONDON = zoneinfo.ZoneInfo("Europe/London")
_DAY = dt.timedelta(days=1)
_CLOSED_DAYS = {(12, 25), (12, 26), (1, 1)}

#: What each role's supervision should be: kind and at most how many weeks apart.
POLICIES: dict[str, dict[str, int]] = {
    Role.PRACTITIONER: {Kind.INDIVIDUAL: 4, Kind.GROUP: 12},
    Role.SUPERVISOR: {Kind.META: 8},
    Role.TEAM_LEAD: {Kind.INDIVIDUAL: 6},
}
#: The models this stage writes, for the generator's ``tidy_up``.
MODELS: tuple[type[Model], ...] = (
    SupervisionAction,
    CaseDiscussion,
    Attendee,
    SupervisionSession,
    AgreementTerm,
    SupervisionAgreement,
    SupervisionPolicy,
)

OVERDUE_SHARE = 0.10  # of supervisees, past their agreed interval at the reference date
REPLACED_SHARE = 0.12  # of agreements, ended within the 18 months and replaced
#: Chance that a VCSE practitioner is supervised by a trust clinician, by job title.
TRUST_SUPERVISES_VCSE = {"Care Partner": 0.6}
TRUST_SUPERVISES_OTHER_VCSE = 0.25
CASE_REVIEW_SHARE = 0.4  # of practitioners' agreements, with a case review about quarterly
CASE_REVIEW_WEEKS = 13
GROUP_ATTENDANCE = 0.85
STEP_LOOKAHEAD = dt.timedelta(days=14)
STALE_DAYS = 60  # an action due longer ago than this is almost always done
PREFER_STEP = 0.1  # chance of discussing someone whose support steps up or down soon
DURATIONS: dict[str, tuple[int, ...]] = {
    Kind.INDIVIDUAL: (45, 50, 60, 60, 60, 75, 90),
    Kind.GROUP: (90, 90, 105, 120),
    Kind.META: (60, 60, 75, 90),
    Kind.CASE_REVIEW: (60, 75, 90, 90, 120),
}
_START_TIMES = tuple(dt.time(h, m) for h in (9, 10, 11, 13, 14) for m in (0, 30))
_LEVELS = ("low", "medium", "high")

_PROGRESS_UP = (
    '"I\'ve not managed it for a couple of weeks. Everything feels like too much again."',
    '"I was doing well, then the letter came and I stopped going out."',
    "\"Honestly I've gone backwards. I'm not sleeping and I can't face it.\"",
    '"I want to keep trying but I need more help right now."',
)
_PROGRESS_DOWN = (
    '"I did it three times this week, and once on my own. I didn\'t think I could."',
    "\"It's getting easier. I don't need to ring as often as I did.\"",
    '"I feel more like me. I\'d like to try managing with less support."',
    '"I went every week this month. My sister says she can see the difference."',
)
_PROGRESS_STEADY = (
    '"Some weeks are better than others, but I\'m still going."',
    '"I managed it once. It was hard but I\'m glad I did."',
    '"Not much has changed yet, but I know what I\'m aiming for."',
    '"Better than last month. I\'d give it a five now, it was a three."',
    '"I keep putting it off, but I want to keep it as my goal."',
)
_NO_GOALS = (
    'No goals agreed yet. In their words: "I just want to feel normal again."',
    'Still working out what they want from support: "I don\'t know where to start."',
)
_WORKING = (
    "A short phone check-in between visits keeps them connected.",
    "Rating the goals together each month shows them how far they have come.",
    "Meeting outside the house, on a walk, makes it easier to talk.",
    "Their sister joins some sessions and helps with the plan between them.",
    "Breaking the goal into small steps for the week, written down together.",
    "Using the safety plan: they rang the crisis line last month instead of hurting.",
    "The peer support group has given them people who understand.",
    "Sorting the debts first took a weight off everything else.",
)
_RISKS = (
    "No new risks raised.",
    "No new risks. Safety plan reviewed last month and still fits.",
    "Drinking more at weekends; agreed to talk about it openly at the next visit.",
    "Thoughts of self-harm came back around an anniversary; safety plan updated with them.",
    "Tenancy at risk over rent arrears; housing support involved.",
    "Isolated since a friend moved away; no thoughts of harm.",
    "Carer is unwell, so support at home is less than it was.",
)
_NEXT_STEPS = (
    "Try a shorter, more frequent check-in by phone for a month.",
    "Go through the safety plan together and check the numbers are current.",
    "Ask what a good week would look like and set one small step towards it.",
    "Offer to go with them to the group the first time.",
    "Talk about what support will look like after discharge.",
    "Use the scaling question each visit and notice what moves the score.",
    "Revisit the goal with them: it may be too big for now.",
    "Link with the GP about a medication review before the next visit.",
)
_STEP_UP_REASONS = (
    "Agreed in supervision: things have got harder at home, more contact until they settle.",
    "Agreed in supervision: mood has dropped; seeing them more often while the plan is reviewed.",
    "Agreed in supervision: a crisis last week, so more support while the safety plan is redone.",
    "Agreed in supervision: struggling after losing their job; stepping up for now.",
)
_STEP_DOWN_REASONS = (
    "Agreed in supervision: more settled and using the safety plan, so stepping down.",
    "Agreed in supervision: goals going well; fewer sessions with the door left open.",
    "Agreed in supervision: now connected with a local group for day-to-day support.",
    "Agreed in supervision: mood steady for over a month; meeting less often, as they asked.",
)
_CASE_ACTIONS = (
    "Review the safety plan with them before the next visit",
    "Ask the GP practice about a medication review",
    "Find a peer support group near them and offer to go the first time",
    "Refer to the money advice service for help with the debts",
    "Talk with them about stepping down and what would help after discharge",
    "Check in with their carer about support at home",
    "Contact the housing officer about the rent arrears",
    "Rate the goals together at the next visit",
)
_PRACTICE_ACTIONS = (
    "Book a place on the safety planning refresher",
    "Bring the boundaries conversation back to the next session",
    "Protect Friday afternoons for notes for the next month",
    "Read the trauma-informed practice guide before the next session",
    "Try the scaling question with two people this month",
    "Shadow a colleague's review meeting",
)
_SUPERVISOR_ACTIONS = (
    "Send the coaching approaches reading",
    "Ask the team lead about the caseload size",
    "Find out when the next DIALOG+ training runs",
    "Circulate the notes from today's group",
)
_META_ACTIONS = (
    "Try the structured case review format with one supervisee",
    "Bring a recording of a supervision session to reflect on",
    "Plan how to give the harder feedback to the new Care Partner",
    "Set up a group session for the VCSE Care Partners",
)
_REFLECTIONS: dict[str, tuple[str, ...]] = {
    Kind.INDIVIDUAL: (
        "Caseload feels heavy but manageable; talked about saying no to new referrals this month.",
        "A hard week after someone they support was admitted. Talked it through; feeling steadier.",
        "Growing in confidence with coaching conversations; less pull to fix things for people.",
        "Tired. Agreed to take the leave that is owed before the end of the month.",
        "Reflected on a boundaries question with someone who texts late at night.",
    ),
    Kind.GROUP: (
        "The group shared what gets in the way of goal setting and what helps.",
        "Talked as a group about working alongside the trust and the VCSE partners.",
        "Group reflected on endings and how to step down well.",
    ),
    Kind.META: (
        "Reflected on supervising a new Care Partner from another organisation.",
        "Talked about holding the team's anxiety after a serious incident.",
        "Looked at how much of supervision goes on caseload numbers rather than practice.",
        "Thinking about how to give feedback that lands.",
    ),
    Kind.CASE_REVIEW: (
        "Went through the whole caseload; a few people ready to step down.",
        "Caseload review: several long episodes with no recent goal ratings.",
    ),
}


def build_supervision(builder: PlaceBuilder) -> dict[str, int]:
    """Add policies, agreements, sessions, discussions and actions; return the row counts."""
    return _Supervision(builder).build()


def flush_supervision(*, users: QuerySet, episodes: QuerySet) -> dict[str, int]:
    """Delete the supervision of ``users`` and about ``episodes`` (before either goes), and the
    policies this stage writes (those a site has changed stay)."""
    session_ids = list(
        SupervisionSession.objects.filter(
            Q(supervisor__in=users) | Q(discussions__episode__in=episodes)
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    sessions = SupervisionSession.objects.filter(pk__in=session_ids)
    deleted = {
        "supervision_actions": SupervisionAction.objects.filter(
            Q(session__in=session_ids) | Q(owner__in=users)
        )._raw_delete("default")
    }
    deleted["case_discussions"] = CaseDiscussion.objects.filter(
        Q(session__in=session_ids) | Q(episode__in=episodes)
    )._raw_delete("default")
    Attendee.objects.filter(Q(session__in=session_ids) | Q(user__in=users))._raw_delete("default")
    deleted["supervision_sessions"] = sessions._raw_delete("default")
    agreements = SupervisionAgreement.objects.filter(
        Q(supervisee__in=users) | Q(supervisor__in=users)
    )
    AgreementTerm.objects.filter(agreement__in=agreements)._raw_delete("default")
    deleted["supervision_agreements"] = agreements._raw_delete("default")
    ours = Q()
    for role, terms in POLICIES.items():
        for kind, weeks in terms.items():
            ours |= Q(role=role, kind=kind, every_weeks=weeks)
    deleted["supervision_policies"] = SupervisionPolicy.objects.filter(ours)._raw_delete("default")
    return deleted


@dataclass
class _Staff:
    user_id: int
    username: str
    roles: set[str] = field(default_factory=set)
    teams: list[int] = field(default_factory=list)
    started_on: dt.date = dt.date.max  # the earliest of their memberships
    title: str = ""


@dataclass
class _Agreement:
    supervisee: int
    supervisor: int
    starts_on: dt.date
    ends_on: dt.date | None
    terms: dict[str, int]
    id: int = 0

    def current(self, day: dt.date) -> bool:
        return self.starts_on <= day and (self.ends_on is None or day <= self.ends_on)


@dataclass
class _Episode:
    pk: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    goals: list[tuple[dt.datetime, dt.datetime | None, str]] = field(default_factory=list)
    #: The intensity history: (changed_at, id, intensity), in order.
    changes: list[tuple[dt.datetime, int, str]] = field(default_factory=list)


@dataclass
class _Session:
    kind: str
    supervisor: int
    held_on: dt.date
    attendees: list[int]


class _Supervision:
    def __init__(self, builder: PlaceBuilder) -> None:
        self.builder = builder
        self.as_of, self.now = builder.as_of, builder.now
        self.first_day = builder.start.astimezone(_LONDON).date()  # 18 months before as_of
        self.last_day = builder.as_of - _DAY  # sessions are held before the generator's 'now'
        self.rng = builder.rng("supervision")
        self.counts: dict[str, int] = defaultdict(int)
        self.sign_ins = {name: user.pk for name, user in builder.sign_in_users.items()}
        self.claimed: dict[int, tuple[dt.datetime, int, str]] = {}  # change id: new values

    # --- the whole stage --------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.builder.progress.start("Supervision", 3)
        policies = [
            SupervisionPolicy(role=role, kind=kind, every_weeks=weeks)
            for role, terms in POLICIES.items()
            for kind, weeks in terms.items()
        ]
        # A site's own policy for a role and kind stays as it is.
        SupervisionPolicy.objects.bulk_create(policies, ignore_conflicts=True)
        self.counts["supervision_policies"] = len(policies)
        self._staff()
        agreements = self._agreements()
        self._write_agreements(agreements)
        self.builder.progress.advance(1)
        self._caseloads()
        sessions = self._sessions(agreements)
        self.builder.progress.advance(1)
        with connection.cursor() as cursor:
            self.cursor = cursor
            self._write_sessions(sessions)
            self._claim_steps()
        self.builder.progress.advance(1)
        return dict(self.counts)

    # --- who is who -------------------------------------------------------------------------

    def _staff(self) -> None:
        builder = self.builder
        self.team_type: dict[int, str] = {}
        self.team_org_kind: dict[int, str] = {}
        self.team_localities: dict[int, list[int]] = {}
        self.cmhts: dict[int, int] = {}  # locality index: community mental health team
        for plan in builder.team_plans:
            team = plan.team
            self.team_type[team.pk] = team.team_type
            self.team_org_kind[team.pk] = team.organisation.kind
            self.team_localities[team.pk] = list(plan.locality_indexes)
            if team.team_type == TeamType.COMMUNITY_MENTAL_HEALTH:
                self.cmhts[plan.locality_indexes[0]] = team.pk
        trust = builder.organisations[data.TRUST.name].pk
        self.trust_teams = {
            p.team.pk for p in builder.team_plans if p.team.organisation_id == trust
        }
        lead_org = builder.organisations[data.VCSE_ORGANISATIONS[0].name].pk
        self.alliance_lead_teams = {
            p.team.pk for p in builder.team_plans if p.team.organisation_id == lead_org
        }
        clinical = {
            pk
            for pk, kind in self.team_type.items()
            if kind not in {TeamType.OTHER, TeamType.PUBLIC_HEALTH}
        }
        self.staff: dict[int, _Staff] = {}
        for m in sorted(builder.memberships, key=lambda m: (m.user.username, m.team.pk, m.role)):
            if m.team.pk not in clinical:
                continue
            person = self.staff.setdefault(m.user.pk, _Staff(m.user.pk, m.user.username))
            person.roles.add(m.role)
            if m.team.pk not in person.teams:
                person.teams.append(m.team.pk)
            person.started_on = min(person.started_on, m.started_on)
            if m.role == Role.PRACTITIONER or not person.title:
                person.title = m.job_title
        self.supervisors_in: dict[int, list[int]] = defaultdict(list)
        self.leads_in: dict[int, list[int]] = defaultdict(list)
        for person in self.staff.values():
            for team in person.teams:
                if Role.SUPERVISOR in person.roles:
                    self.supervisors_in[team].append(person.user_id)
                if Role.TEAM_LEAD in person.roles:
                    self.leads_in[team].append(person.user_id)

    def _terms(self, person: _Staff) -> dict[str, int]:
        """What the person's roles call for (the most frequent of each kind). Someone who
        supervises has no group supervision: their own caseload is taken to individual
        supervision with their meta-supervisor."""
        terms: dict[str, int] = {}
        for role in person.roles:
            for kind, weeks in POLICIES.get(role, {}).items():
                terms[kind] = min(weeks, terms.get(kind, weeks))
        if person.roles & {Role.SUPERVISOR, Role.TEAM_LEAD}:
            terms.pop(Kind.GROUP, None)
        return terms

    # --- agreements -------------------------------------------------------------------------

    def _agreements(self) -> list[_Agreement]:
        rng = self.rng
        staff = self.staff
        trust_leads = sorted(
            {u for t in self.trust_teams for u in self.leads_in.get(t, [])},
            key=lambda u: staff[u].username,
        )
        early = [
            u
            for t in sorted(self.trust_teams)
            if self.team_type[t] == TeamType.EARLY_INTERVENTION
            for u in self.leads_in.get(t, [])
        ]
        head = early[0] if early else (trust_leads[0] if trust_leads else None)
        vcse_head = next(
            (u for t in sorted(self.alliance_lead_teams) for u in self.leads_in.get(t, [])), None
        )
        load: dict[int, int] = defaultdict(int)

        def least_loaded(candidates: Iterable[int], avoid: set[int]) -> int | None:
            options = sorted(
                {c for c in candidates if c not in avoid}, key=lambda u: staff[u].username
            )
            if not options:
                return None
            rng.shuffle(options)
            chosen = min(options, key=lambda u: load[u])
            load[chosen] += 1
            return chosen

        def trust_supervisors(person: _Staff) -> list[int]:
            localities = [li for t in person.teams for li in self.team_localities[t]]
            teams = [self.cmhts[li] for li in localities if li in self.cmhts]
            return [u for t in teams for u in self.supervisors_in.get(t, [])]

        def supervisors_for(person: _Staff) -> list[int]:
            """Whom a practitioner may be supervised by."""
            team = person.teams[0]
            kind = self.team_org_kind[team]
            own = [u for t in person.teams for u in self.supervisors_in.get(t, [])]
            if self.team_type[team] == TeamType.PRIMARY_CARE_MENTAL_HEALTH:
                return trust_supervisors(person) or own
            if kind == "vcse":
                share = TRUST_SUPERVISES_VCSE.get(person.title, TRUST_SUPERVISES_OTHER_VCSE)
                if rng.random() < share:
                    return trust_supervisors(person) or own
            return own or trust_supervisors(person)

        def senior_for(person: _Staff) -> list[int]:
            """Whom a supervisor or team lead may be supervised by (always a higher tier)."""
            if Role.TEAM_LEAD in person.roles:
                if self.team_org_kind[person.teams[0]] == "vcse":
                    return [vcse_head] if vcse_head else []
                return [head] if head else []
            others = [
                u for u in trust_leads if u != head and not set(staff[u].teams) & set(person.teams)
            ]
            return others or trust_leads

        fixed = {self.sign_ins.get("practitioner"), self.sign_ins.get("carepartner")}
        demo_supervisor = self.sign_ins.get("supervisor")
        order = sorted(staff.values(), key=lambda p: p.username)
        rng.shuffle(order)
        order.sort(key=lambda p: p.user_id not in fixed)  # the demo sign-ins first, stable
        agreements: list[_Agreement] = []
        for person in order:
            if person.user_id in (head, vcse_head):
                continue  # supervised outside the place
            roles = person.roles
            if roles & {Role.SUPERVISOR, Role.TEAM_LEAD}:
                pool = senior_for(person)
            elif Role.PRACTITIONER in roles:
                pool = supervisors_for(person)
            else:
                continue  # coordinators: no supervision agreement here
            avoid = {person.user_id}
            if person.user_id in fixed and demo_supervisor is not None:
                supervisor: int | None = demo_supervisor
                load[demo_supervisor] += 1
            else:
                supervisor = least_loaded(pool, avoid)
            if supervisor is None:
                continue
            terms = self._terms(person)
            starts = person.started_on + dt.timedelta(days=rng.randint(7, 42))
            if person.user_id in fixed:
                starts = person.started_on + dt.timedelta(days=30)
            elif starts < self.first_day - dt.timedelta(days=3 * 365):
                starts = self.first_day - dt.timedelta(days=rng.randint(30, 3 * 365))
            if starts > self.last_day - dt.timedelta(days=3):
                continue  # too new to have an agreement yet
            change_from = max(starts, self.first_day) + dt.timedelta(days=60)
            change_to = self.last_day - dt.timedelta(days=30)
            if (
                person.user_id not in fixed
                and change_from < change_to
                and rng.random() < REPLACED_SHARE
            ):
                later = least_loaded(pool, avoid | {supervisor})
                if later is not None:
                    load[supervisor] -= 1
                    change = change_from + dt.timedelta(
                        days=rng.randint(0, (change_to - change_from).days)
                    )
                    agreements.append(
                        _Agreement(person.user_id, supervisor, starts, change - _DAY, terms)
                    )
                    supervisor, starts = later, change
            agreements.append(_Agreement(person.user_id, supervisor, starts, None, dict(terms)))
        # A group needs at least two people: supervisors with fewer in it give none.
        in_group: dict[int, set[int]] = defaultdict(set)
        for a in agreements:
            if Kind.GROUP in a.terms:
                in_group[a.supervisor].add(a.supervisee)
        for a in agreements:
            if Kind.GROUP in a.terms and len(in_group[a.supervisor]) < 2:
                del a.terms[Kind.GROUP]
        return agreements

    def _write_agreements(self, agreements: list[_Agreement]) -> None:
        rng = self.rng
        rows = [
            SupervisionAgreement(
                supervisee_id=a.supervisee,
                supervisor_id=a.supervisor,
                starts_on=a.starts_on,
                ends_on=a.ends_on,
                created_by_id=a.supervisor,
                created_at=_moment(a.starts_on - dt.timedelta(days=rng.randint(0, 14)), rng),
            )
            for a in agreements
        ]
        SupervisionAgreement.objects.bulk_create(rows, batch_size=2_000)
        terms = []
        for a, row in zip(agreements, rows, strict=True):
            a.id = row.pk
            terms += [
                AgreementTerm(agreement_id=row.pk, kind=kind, every_weeks=weeks)
                for kind, weeks in sorted(a.terms.items())
            ]
        AgreementTerm.objects.bulk_create(terms, batch_size=2_000)
        self.counts["supervision_agreements"] = len(rows)
        self.counts["agreement_terms"] = len(terms)

    # --- caseloads --------------------------------------------------------------------------

    def _caseloads(self) -> None:
        """Each practitioner's spells on episodes (key worker or care team), and each episode's
        goals and intensity history."""
        team_ids = list(self.team_type)
        episodes = {
            pk: _Episode(pk, started, ended)
            for pk, started, ended in Episode.objects.filter(lead_team_id__in=team_ids)
            .order_by("pk")
            .values_list("pk", "started_at", "ended_at")
        }
        self.episodes = episodes
        spells: dict[int, list[tuple[dt.datetime, dt.datetime | None, int]]] = defaultdict(list)
        for model, user_field in ((Allocation, "key_worker_id"), (CareTeamMember, "user_id")):
            for episode_id, user_id, started, ended in (
                model.objects.filter(episode__lead_team_id__in=team_ids)
                .order_by("started_at", "id")
                .values_list("episode_id", user_field, "started_at", "ended_at")
            ):
                episode = episodes[episode_id]
                start = max(started, episode.started_at)
                ends = [e for e in (ended, episode.ended_at) if e is not None]
                spells[user_id].append((start, min(ends) if ends else None, episode_id))
        for user_spells in spells.values():
            user_spells.sort(key=lambda spell: (spell[0], spell[2]))
        self.spells = spells
        self.spell_starts = {u: [spell[0] for spell in s] for u, s in spells.items()}
        for episode_id, created, ended, text in (
            Goal.objects.filter(episode__lead_team_id__in=team_ids)
            .order_by("created_at", "id")
            .values_list("episode_id", "created_at", "ended_at", "text")
        ):
            episodes[episode_id].goals.append((created, ended, text))
        for episode_id, pk, changed, level in (
            IntensityChange.objects.filter(episode__lead_team_id__in=team_ids)
            .order_by("changed_at", "id")
            .values_list("episode_id", "id", "changed_at", "intensity")
        ):
            episodes[episode_id].changes.append((changed, pk, level))

    def _caseload(self, user_id: int, start: dt.datetime, end: dt.datetime) -> list[int]:
        """The episodes on the user's caseload for the whole of a session."""
        spells = self.spells.get(user_id, [])
        began = bisect.bisect_right(self.spell_starts.get(user_id, []), start)
        return list(
            dict.fromkeys(e for _, ended, e in spells[:began] if ended is None or ended > end)
        )

    def _pending_step(self, episode_id: int, end: dt.datetime) -> int | None:
        """The index of a step up or down in the episode's history that falls in the fortnight
        after ``end`` and can move to ``end`` without passing the change before it."""
        changes = self.episodes[episode_id].changes
        n = bisect.bisect_right(changes, (end, 0, ""))
        if (
            0 < n < len(changes)
            and changes[n][0] <= end + STEP_LOOKAHEAD
            and changes[n][1] not in self.claimed
            and changes[n - 1][0] < end
        ):
            return n
        return None

    # --- sessions ---------------------------------------------------------------------------

    def _sessions(self, agreements: list[_Agreement]) -> list[_Session]:
        rng = self.rng
        by_person: dict[int, list[_Agreement]] = defaultdict(list)
        for a in agreements:
            by_person[a.supervisee].append(a)
        people = sorted(by_person, key=lambda u: self.staff[u].username)
        demo_practitioner = self.sign_ins.get("practitioner")
        demo_care_partner = self.sign_ins.get("carepartner")
        candidates = [u for u in people if u not in (demo_practitioner, demo_care_partner)]
        overdue_number = max(1, round(OVERDUE_SHARE * len(people))) - (
            1 if demo_care_partner in by_person else 0
        )
        overdue = set(rng.sample(candidates, max(0, min(overdue_number, len(candidates)))))
        if demo_care_partner in by_person:
            overdue.add(demo_care_partner)
        self.overdue = overdue
        # The last day each overdue person was seen: they miss groups after it.
        self.cutoff: dict[int, dt.date] = {}

        sessions: list[_Session] = []
        for person in people:
            for a in by_person[person]:
                for kind, weeks in sorted(a.terms.items()):
                    if kind == Kind.GROUP:
                        continue
                    every = weeks * 7
                    tail = self._tail(person, a, every, overdue)
                    for day in self._dates(a, every, tail):
                        sessions.append(_Session(kind, a.supervisor, day, [person]))
                    if a.ends_on is None and person in overdue:
                        last = self.as_of - dt.timedelta(days=tail)
                        self.cutoff[person] = min(self.cutoff.get(person, last), last)
                if Kind.GROUP in a.terms and rng.random() < CASE_REVIEW_SHARE:
                    every = CASE_REVIEW_WEEKS * 7
                    tail = rng.randint(10, every) + (
                        (self.as_of - a.ends_on).days if a.ends_on else 0
                    )
                    for day in self._dates(a, every, tail):
                        sessions.append(_Session(Kind.CASE_REVIEW, a.supervisor, day, [person]))
        sessions += self._groups(agreements)
        sessions.sort(key=lambda s: (s.held_on, self.staff[s.supervisor].username, s.kind))
        return sessions

    def _tail(self, person: int, a: _Agreement, every: int, overdue: set[int]) -> int:
        """Days from the last session to the reference date (or to the agreement's end)."""
        rng = self.rng
        if a.ends_on is not None:
            return (self.as_of - a.ends_on).days + rng.randint(1, int(every * 0.8))
        if person == self.sign_ins.get("practitioner"):
            return rng.randint(3, 6)
        if person == self.sign_ins.get("carepartner"):
            return every + rng.randint(6, 12)  # a little overdue
        if person in overdue:
            return every + rng.randint(4, 45)
        return rng.randint(1, int(every * 0.9))

    def _dates(self, a: _Agreement, every: int, tail: int) -> list[dt.date]:
        """Session days counted back from ``tail`` days before the reference date to the
        agreement's start (or 18 months back): mostly a little under the interval, some late."""
        rng = self.rng
        first = max(a.starts_on, self.first_day)
        day = self.as_of - dt.timedelta(days=tail)
        days: list[dt.date] = []
        while True:
            held = _working_day(day)
            if held < first:
                break
            days.append(held)
            draw = rng.random()
            if draw < 0.03:
                factor = rng.uniform(1.8, 2.6)  # leave or sickness: a session or two missed
            elif draw < 0.18:
                factor = rng.uniform(1.05, 1.6)  # late
            else:
                factor = rng.uniform(0.7, 1.0)
            day = held - dt.timedelta(days=round(every * factor))
        days.reverse()
        return days

    def _groups(self, agreements: list[_Agreement]) -> list[_Session]:
        """Each supervisor's group, about every twelve weeks, with those present that day: every
        supervisee who is not overdue comes to the latest one."""
        rng = self.rng
        members: dict[int, list[_Agreement]] = defaultdict(list)
        for a in agreements:
            if Kind.GROUP in a.terms:
                members[a.supervisor].append(a)
        sessions: list[_Session] = []
        for supervisor in sorted(members, key=lambda u: self.staff[u].username):
            group = members[supervisor]
            every = min(a.terms[Kind.GROUP] for a in group) * 7
            tail = rng.randint(7, 70)
            latest = True
            whole = _Agreement(0, supervisor, self.first_day, None, {})
            for day in reversed(self._dates(whole, every, tail)):
                present = []
                for a in group:
                    if not a.current(day) or day > self.cutoff.get(a.supervisee, day):
                        continue
                    if (latest and a.ends_on is None) or rng.random() < GROUP_ATTENDANCE:
                        present.append(a.supervisee)
                latest = False
                if len(present) >= 2:
                    sessions.append(_Session(Kind.GROUP, supervisor, day, sorted(set(present))))
        return sessions

    # --- writing sessions, discussions and actions -----------------------------------------

    def _write_sessions(self, sessions: list[_Session]) -> None:
        rng = self.rng
        session_ids = self._ids(SupervisionSession, len(sessions))
        session_rows: list[Row] = []
        attendee_rows: list[Row] = []
        discussion_rows: list[Row] = []
        action_rows: list[Row] = []
        pending_actions: list[tuple[Row, int | None]] = []  # row, discussion index
        demo_practitioner = self.sign_ins.get("practitioner")
        latest_demo = max(
            (n for n, s in enumerate(sessions) if s.attendees == [demo_practitioner]
             and s.kind == Kind.INDIVIDUAL),
            default=None,
        )  # fmt: skip
        for n, (session, session_id) in enumerate(zip(sessions, session_ids, strict=True)):
            kind = session.kind
            duration = rng.choice(DURATIONS[kind])
            start = dt.datetime.combine(session.held_on, rng.choice(_START_TIMES), tzinfo=_LONDON)
            end = start + dt.timedelta(minutes=duration)
            recorded = min(
                self.now - dt.timedelta(minutes=5), end + dt.timedelta(hours=rng.uniform(0.2, 48))
            )
            reflect = {Kind.INDIVIDUAL: 0.7, Kind.GROUP: 0.4, Kind.META: 0.8}.get(kind, 0.3)
            session_rows.append(
                {
                    "id": session_id,
                    "kind": kind,
                    "supervisor_id": session.supervisor,
                    "held_on": session.held_on,
                    "duration_minutes": duration,
                    "reflections": rng.choice(_REFLECTIONS[kind]) if rng.random() < reflect else "",
                    "recorded_by_id": session.supervisor,
                    "recorded_at": recorded,
                }
            )
            attendee_rows += [{"session_id": session_id, "user_id": u} for u in session.attendees]

            # The people discussed, from the attendees' caseloads for the whole session.
            wanted = {
                Kind.INDIVIDUAL: rng.choices((0, 1, 2, 3, 4), (5, 20, 35, 27, 13))[0],
                Kind.CASE_REVIEW: rng.randint(3, 6),
                Kind.GROUP: rng.randint(1, 3),
                Kind.META: 0,
            }[kind]
            if n == latest_demo:
                wanted = max(wanted, 2)
            discussed: list[int] = []
            first_discussion = len(discussion_rows)
            caseloads: dict[int, list[int]] = {}
            for _ in range(wanted):
                supervisee = rng.choice(session.attendees)
                if supervisee not in caseloads:
                    caseloads[supervisee] = self._caseload(supervisee, start, end)
                caseload = [e for e in caseloads[supervisee] if e not in discussed]
                if not caseload:
                    continue
                stepping = []
                if rng.random() < PREFER_STEP:
                    stepping = [e for e in caseload if self._pending_step(e, end) is not None]
                episode_id = rng.choice(stepping or caseload)
                discussed.append(episode_id)
                row = self._discussion(session_id, session, supervisee, episode_id, start, end)
                discussion_rows.append(row)
                if rng.random() < 0.4:
                    owner = supervisee if rng.random() < 0.75 else session.supervisor
                    pending_actions.append(
                        (self._action(session_id, session, owner, rng.choice(_CASE_ACTIONS)),
                         len(discussion_rows) - 1)
                    )  # fmt: skip

            # Actions about practice, for the session as a whole.
            texts = {
                Kind.INDIVIDUAL: (_PRACTICE_ACTIONS, 0.35),
                Kind.GROUP: (_SUPERVISOR_ACTIONS, 0.5),
                Kind.META: (_META_ACTIONS, 0.5),
                Kind.CASE_REVIEW: (_PRACTICE_ACTIONS, 0.2),
            }
            bank, share = texts[kind]
            if rng.random() < share:
                if kind == Kind.GROUP or rng.random() < 0.2:
                    owner, text = session.supervisor, rng.choice(_SUPERVISOR_ACTIONS)
                else:
                    owner, text = rng.choice(session.attendees), rng.choice(bank)
                pending_actions.append((self._action(session_id, session, owner, text), None))
            if n == latest_demo:
                # The demo key worker's worklist: an open action from their latest session.
                text = "Review the safety plan with them before the next visit"
                action = self._action(session_id, session, demo_practitioner, text, keep_open=True)
                has_discussion = len(discussion_rows) > first_discussion
                pending_actions.append((action, first_discussion if has_discussion else None))

        discussion_ids = self._ids(CaseDiscussion, len(discussion_rows))
        for row, pk in zip(discussion_rows, discussion_ids, strict=True):
            row["id"] = pk
        for row, index in pending_actions:
            row["discussion_id"] = discussion_ids[index] if index is not None else None
            action_rows.append(row)
        self._copy(SupervisionSession, session_rows, "supervision_sessions")
        self._copy(Attendee, attendee_rows, "supervision_attendees")
        self._copy(CaseDiscussion, discussion_rows, "case_discussions")
        self._copy(SupervisionAction, action_rows, "supervision_actions")

    def _discussion(
        self,
        session_id: int,
        session: _Session,
        supervisee: int,
        episode_id: int,
        start: dt.datetime,
        end: dt.datetime,
    ) -> Row:
        rng = self.rng
        episode = self.episodes[episode_id]
        step = Step.NONE
        change_id = None
        index = self._pending_step(episode_id, end)
        if index is not None:
            changes = episode.changes
            _, change_id, level = changes[index]
            up = _LEVELS.index(level) > _LEVELS.index(changes[index - 1][2])
            step = Step.UP if up else Step.DOWN
            reason = rng.choice(_STEP_UP_REASONS if up else _STEP_DOWN_REASONS)
            self.claimed[change_id] = (end, session.supervisor, reason)
            changes[index] = (end, change_id, level)
        goals = [
            t
            for created, ended, t in episode.goals
            if created < start and (ended is None or ended > start)
        ]
        progress = {Step.UP: _PROGRESS_UP, Step.DOWN: _PROGRESS_DOWN}.get(step, _PROGRESS_STEADY)
        if goals:
            parts = [
                f'Goal: "{goal}". In their words: {rng.choice(progress)}'
                for goal in rng.sample(goals, min(len(goals), rng.choice((1, 1, 2))))
            ]
            goals_progress = " ".join(parts)
        else:
            goals_progress = rng.choice(_NO_GOALS)
        return {
            "session_id": session_id,
            "episode_id": episode_id,
            "supervisee_id": supervisee,
            "goals_progress": goals_progress,
            "working": rng.choice(_WORKING) if rng.random() < 0.85 else "",
            "step": step,
            "intensity_change_id": change_id,
            "risks": rng.choice(_RISKS),
            "next_steps": rng.choice(_NEXT_STEPS),
        }

    def _action(
        self, session_id: int, session: _Session, owner: int, text: str, *, keep_open: bool = False
    ) -> Row:
        """An action due one to four weeks on: most done, some open (carried, or overdue)."""
        rng = self.rng
        held = session.held_on
        due = held + dt.timedelta(days=rng.choice((7, 14, 14, 21, 28)))
        if keep_open:
            due = max(due, self.as_of + dt.timedelta(days=7))
        behind = owner in self.overdue
        if due < self.as_of - dt.timedelta(days=STALE_DAYS):
            done = rng.random() < 0.97  # old actions were done or let go long ago
        elif due < self.as_of:
            done = rng.random() < (0.5 if behind else 0.75)
        else:
            done = rng.random() < 0.3
        done_at = done_by = None
        latest = min(due + dt.timedelta(days=10), self.last_day)
        if done and not keep_open and held < latest:
            day = _working_day(held + dt.timedelta(days=rng.randint(1, (latest - held).days)))
            done_at = _moment(max(day, held + _DAY), rng)
            done_by = owner if rng.random() < 0.9 else session.supervisor
        return {
            "session_id": session_id,
            "owner_id": owner,
            "text": text,
            "due_on": due,
            "done_at": done_at,
            "done_by_id": done_by,
        }

    def _claim_steps(self) -> None:
        """The steps agreed in supervision: re-dated to the session, by its supervisor, with the
        reason said there (a fixed table name: care_intensitychange)."""
        self.counts["steps_agreed_in_supervision"] = len(self.claimed)
        if not self.claimed:
            return
        ids = list(self.claimed)
        self.cursor.execute(
            "UPDATE care_intensitychange AS c SET changed_at = v.at, changed_by_id = v.by, "
            "reason = v.reason FROM (SELECT unnest(%s::bigint[]) AS id, "
            "unnest(%s::timestamptz[]) AS at, unnest(%s::bigint[]) AS by, "
            "unnest(%s::text[]) AS reason) AS v WHERE c.id = v.id",
            [
                ids,
                [self.claimed[i][0] for i in ids],
                [self.claimed[i][1] for i in ids],
                [self.claimed[i][2] for i in ids],
            ],
        )

    # --- COPY -------------------------------------------------------------------------------

    def _ids(self, model: type[Model], count: int) -> list[int]:
        if not count:
            return []
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [model._meta.db_table, count],
            )
            return sorted(row[0] for row in cursor.fetchall())

    def _copy(self, model: type[Model], rows: Sequence[Row], name: str) -> None:
        """COPY rows (dicts keyed by field attribute name, ``id`` included when given)."""
        self.counts[name] += len(rows)
        if not rows:
            return
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or "id" in rows[0]]
        names = [f.attname for f in fields]
        defaults = {f.attname: f.get_default() for f in fields if not f.primary_key}
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        self.cursor.execute("SELECT 1")  # through Django's wrappers (pgtrigger.ignore)
        with self.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                full = {**defaults, **row}
                copy.write_row([full[n] for n in names])


def _working_day(day: dt.date) -> dt.date:
    """``day``, or the working day before it."""
    while day.weekday() >= 5 or (day.month, day.day) in _CLOSED_DAYS:
        day -= _DAY
    return day


def _moment(day: dt.date, rng: random.Random) -> dt.datetime:
    """A moment in working hours on ``day``, in UK time."""
    return dt.datetime.combine(
        day, dt.time(rng.randint(9, 16), rng.choice((0, 15, 30, 45))), tzinfo=_LONDON
    )
