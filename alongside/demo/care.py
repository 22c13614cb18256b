"""The demo's key working: what happens in each episode of care after its first contacts.

Called from ``PlaceBuilder.build`` after ``referrals.build_referrals``, it reads the episodes,
key workers and first contacts that stage wrote and adds, in bulk: the episode's intensity and
each step up or down (with the reason), a care team from other organisations for about a third
of episodes, the rest of the contacts through to discharge or the generator's 'now' (and one or
two booked appointments for open episodes), the care and support plan in versions agreed with the
person, goals in the person's own words with Goal Based Outcomes ratings over time, and a few
notes people left in their portal for the next conversation about their plan.

Contacts are added strictly after an episode's existing last contact, so the first and second
attended direct contacts the referral stage set on the referral stay the first and second; a
referral that had fewer than two gets them from the new contacts (as
``care.services.refresh_waiting_clock`` would).

How often people are seen follows the intensity (``GAP_DAYS``: every three, six or twelve days
or so when high, medium or low, on working days), which gives a county of 25,000 people about
300,000 contacts a year (each an appointment, kept or not).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import zoneinfo
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import Count, JSONField, Max, Min, Model, Q, QuerySet
from psycopg.types.json import Jsonb

from alongside.care.models import (
    DIRECT_MODES,
    AgreementMethod,
    Allocation,
    CarePlan,
    CarePlanVersion,
    CareTeamMember,
    Contact,
    Episode,
    Goal,
    GoalRating,
    Intensity,
    IntensityChange,
    Kind,
    Mode,
    NoteSharing,
    Outcome,
    PlanNote,
    RatedBy,
)
from alongside.demo import data
from alongside.demo.sign_ins import DEMO_SIGN_INS
from alongside.directory.models import Service
from alongside.organisations.models import Role, TeamType
from alongside.outcomes.models import ResponseGoal
from alongside.people.models import StatedGender
from alongside.referrals.models import Referral, Transition, Urgency
from alongside.supervision.models import CaseDiscussion

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

Row = dict[str, Any]
_LONDON = zoneinfo.ZoneInfo("Europe/London")
BATCH_SIZE = 20_000
_DAY = dt.timedelta(days=1)
_CLOSED_DAYS = {(12, 25), (12, 26), (1, 1)}
_SLOTS = tuple(dt.time(hour, minute) for hour in (9, 10, 11, 13, 14, 15, 16) for minute in (0, 30))

# Mean days between appointments at each intensity (each gap varies by a third either way).
GAP_DAYS: dict[str, float] = {Intensity.HIGH: 3.0, Intensity.MEDIUM: 6.0, Intensity.LOW: 12.0}
# Starting intensity by the lead team's type (per cent: high, medium, low).
_START_INTENSITY: dict[str, tuple[float, float, float]] = {
    TeamType.COMMUNITY_MENTAL_HEALTH: (20, 62, 18),
    TeamType.PRIMARY_CARE_MENTAL_HEALTH: (5, 55, 40),
    TeamType.VCSE_SERVICE: (8, 62, 30),
    TeamType.SOCIAL_CARE: (10, 50, 40),
}
_SPECIALIST_INTENSITY = (30, 55, 15)
_URGENT_INTENSITY = (60, 35, 5)
_LEVELS = (Intensity.LOW, Intensity.MEDIUM, Intensity.HIGH)
# Days between steps up or down (exponential mean), and the earliest first step.
_CHANGE_MEAN_DAYS = 110
_FIRST_CHANGE_DAYS = 21

OUTCOME_SHARES: dict[str, float] = {
    Outcome.ATTENDED: 78.0,
    Outcome.DID_NOT_ATTEND: 12.0,
    Outcome.CANCELLED_BY_PERSON: 6.0,
    Outcome.CANCELLED_BY_SERVICE: 4.0,
}
MODE_SHARES: dict[str, float] = {
    Mode.FACE_TO_FACE: 55.0,
    Mode.PHONE: 28.0,
    Mode.VIDEO: 13.0,
    Mode.TEXT: 4.0,
}
_KINDS_NHS = {Kind.COACHING: 55, Kind.OTHER: 25, Kind.PEER_SUPPORT: 12, Kind.GROUP: 8}
_KINDS_VCSE = {Kind.COACHING: 60, Kind.PEER_SUPPORT: 25, Kind.GROUP: 15}
REVIEW_DAYS = 84  # a review about every three months
CARE_TEAM_SHARE = 1 / 3
CARE_TEAM_CONTACT_SHARE = 0.15
PLAN_SHARE = 0.90  # of episodes with an attended contact
AGREED_SHARE = 0.92  # of plan versions
NOTE_SHARE = 0.45  # of attended contacts
SHARING_SHARES = {
    NoteSharing.CARE_TEAM: 75.0,
    NoteSharing.PERSON: 18.0,
    NoteSharing.ORGANISATION: 7,
}
RATING_EVERY_DAYS = 28
PLAN_NOTE_SHARE = 0.08  # of open episodes with a plan

_STEP_UP = (
    "Things have got harder at home: more contact agreed until they settle.",
    "Mood has dropped over the last few weeks; seeing them more often for now.",
    "A crisis at the weekend: stepping up while the safety plan is reviewed.",
    "Lost their job this month and struggling to cope: more support agreed.",
    "Sleeping badly and not eating well again: agreed to meet more often.",
    "Asked for more support around an anniversary that is always hard.",
    "Housing is at risk; more contact while the tenancy is sorted out.",
)
_STEP_DOWN = (
    "Feeling more settled and using the safety plan: agreed to step down.",
    "Back at work part-time and coping well: less frequent contact agreed.",
    "Goals are going well; fewer sessions, with the door left open.",
    "Now connected with a local group for day-to-day support: stepping down.",
    "Mood steadier for over a month; agreed together to meet less often.",
    "Managing the anxiety with the techniques practised: stepping down.",
)
_START_REASON = "Starting intensity agreed at acceptance"

_NOTES: dict[str, tuple[str, ...]] = {
    Kind.ASSESSMENT: ("Assessment continued; talked about what matters most right now.",),
    Kind.COACHING: (
        "Talked through the week. Practised a breathing exercise to use before going out.",
        "Worked on the goal about getting out more: a short walk planned for Tuesday.",
        "Looked at what helped last time things were hard; wrote it into the plan.",
        "Went through the budget sheet together. Feeling less overwhelmed about the bills.",
        "Planned small steps for the week and what to do if a day goes badly.",
        "Talked about sleep. Agreed to try a regular bedtime and no phone in bed.",
        "Good session. Proud of going to the shop alone for the first time in months.",
    ),
    Kind.REVIEW: (
        "Reviewed the plan together: goals updated and the safety plan checked.",
        "Three-month review. Progress on goals discussed; intensity kept as it is.",
        "Reviewed how things are going and what to focus on next.",
    ),
    Kind.PEER_SUPPORT: (
        "Met at the café. Shared experiences of getting back into routines.",
        "Peer support session: talked about what it was like starting the group.",
    ),
    Kind.GROUP: (
        "Came to the wellbeing group and joined in the discussion.",
        "Attended the anxiety management group, session on worry time.",
    ),
    Kind.OTHER: (
        "Checked in between sessions; things are steady.",
        "Helped fill in the benefits form and booked the GP appointment.",
        "Medication reviewed with the team's prescriber; no changes.",
    ),
}
_TEXT_NOTES = (
    "Text to check in; replied that the week has been OK.",
    "Sent a reminder of the next appointment and the crisis line number.",
)
_MISSED_NOTES = (
    "Did not attend. Called and left a message offering another time.",
    "Not in when visited. Letter sent with a new appointment.",
    "No answer to the call. Will try again tomorrow.",
)
_CANCELLED_NOTES = (
    "Cancelled by text the day before: feeling unwell. Rebooked.",
    "Cancelled as the practitioner was off sick. Rebooked for next week.",
)

# Goals in the person's words, by the referral's main need; then some anyone might have.
_GOALS: dict[str, tuple[str, ...]] = {
    "low-mood": (
        "Get back to swimming on Saturdays",
        "Get out of bed before ten most days",
        "Cook a proper meal three times a week",
        "Feel like myself again",
    ),
    "anxiety": (
        "Take the bus into town on my own",
        "Go to the supermarket without panicking",
        "Answer the phone when it rings",
        "Worry less about things I can't change",
    ),
    "trauma": ("Sleep through the night without nightmares", "Feel safe in my own home"),
    "self-harm": ("Keep myself safe when things get bad", "Use my safety plan instead of hurting"),
    "loneliness": ("Meet new people at a group each week", "See my sister more often"),
    "psychosis": ("Go back to college in September", "Understand my voices and cope with them"),
    "substance-use": ("Cut down my drinking to weekends", "Stay clean for three months"),
    "debt-money": ("Sort out my debts and stop the letters", "Make a budget I can stick to"),
    "housing": ("Find somewhere safe to live", "Keep my tenancy and pay the rent on time"),
    "bereavement": ("Visit Mum's grave without falling apart", "Talk about Dad without crying"),
    "employment": ("Get back to work part-time", "Apply for two jobs a month"),
    "crisis": ("Know who to call when I feel like giving up", "Get through the nights"),
    "eating": ("Eat three meals a day", "Eat out with friends without worrying"),
    "perinatal": ("Enjoy time with my baby", "Get out to the baby group once a week"),
    "memory": ("Keep doing my garden", "Use my diary so I don't miss things"),
    "sleep": ("Sleep at least six hours a night", "Stop napping in the day"),
    "carers": ("Have one evening a week for me", "Get help caring for my husband"),
}
_ANY_GOALS = (
    "Walk the dog every day",
    "Go back to the allotment",
    "Ring a friend once a week",
    "Be more patient with my kids",
    "Feel less on edge",
    "Get my confidence back",
    "Go to the gym twice a week",
    "Do something I enjoy every weekend",
)
_ABOUT_ME = (
    "I live with my partner and two cats. My family matter most to me. A good day is when I "
    "get outside and talk to someone.",
    "I live on my own in a flat. I used to love football and want to get back to watching it "
    "with my mates.",
    "I'm a mum of two. What matters most is being there for my kids and feeling like me again.",
    "I've worked in retail for twenty years. I like cooking, music and being by the river.",
    "I care for my dad. I need some time for myself and someone to talk to who understands.",
)
# Lines that only some people would write about themselves: (youngest, oldest, women only).
_ONLY_FOR: dict[str, tuple[int, int, bool]] = {
    _ABOUT_ME[2]: (22, 55, True),
    _ABOUT_ME[3]: (38, 70, False),
    _ABOUT_ME[4]: (20, 65, False),
    "Be more patient with my kids": (20, 60, False),
    "Get back to work part-time": (18, 66, False),
    "Apply for two jobs a month": (18, 66, False),
}
_UNDERSTANDING = {
    "default": "Things have built up over the last year and my mood has dropped. When I stop "
    "going out I feel worse, and then it's harder to go out.",
    "anxiety": "Worry takes over and I avoid things, which makes the worry bigger next time.",
    "debt-money": "Money worries keep me awake and make everything else feel harder.",
    "trauma": "What happened still affects how safe I feel, especially at night.",
    "psychosis": "When I'm stressed and not sleeping the voices get louder.",
}
_STRENGTHS = (
    "I'm determined and I don't give up. My sister and my friend Sam help.",
    "I'm good with my hands and I like helping people. Walking helps clear my head.",
    "I'm a good listener. Music and my dog help me on bad days.",
    "I've got through hard times before. My faith and my neighbour help.",
)
_WARNING_SIGNS = (
    "I stop answering my phone, stay in bed and stop eating properly.",
    "I can't sleep, I get irritable and I start drinking more.",
    "I stop going out and start thinking everyone would be better off without me.",
)
_WHAT_I_CAN_DO = (
    "Go for a walk, ring my sister, use the breathing exercise, have a bath.",
    "Write down what is worrying me, listen to music, get out of the house for an hour.",
    "Use my grounding technique, text a friend, go to the café where I feel safe.",
)
_WHO_I_CAN_CONTACT = (
    "My key worker in working hours; my sister any time; my GP practice.",
    "My Care Partner on weekdays; my friend Sam; the crisis line at night.",
)
_SAFER = (
    "My partner keeps my medication and gives me a week at a time.",
    "I've agreed to give the spare tablets back to the pharmacy.",
    "I'll go to my sister's when I feel unsafe at home.",
)
_CRISIS_NUMBERS = (
    "NHS 111 (option 2 for mental health), any time. Samaritans 116 123. In an emergency 999."
)
_MY_ACTIONS = (
    "Go for a walk three times a week",
    "Use the breathing exercise when I feel panicky",
    "Keep a sleep diary for two weeks",
    "Ring my sister on Sundays",
    "Try the wellbeing group once",
)
_WORKER_ACTIONS = (
    "Meet every week and review how the goals are going",
    "Write to the GP about a medication review",
    "Help with the benefits form",
    "Find out about local groups and go with me the first time",
)
_PARTNER_ACTIONS = (
    "Introduce me to the group and meet me there the first time",
    "Help me sort out the debts and talk to the council",
    "Support with the housing application",
)
_CHANGE_NOTES = (
    "Reviewed together: goals updated and safety plan checked.",
    "Three-month review: progress on goals, actions updated.",
    "Updated after stepping support up: more contact and a new safety plan.",
    "Reviewed before stepping down: what will help after discharge.",
)
_PLAN_NOTES = (
    "I'd like to talk about going back to work next time.",
    "Can we look at my safety plan again? The numbers on it have changed.",
    "Things have been better this week. I went to the group on my own!",
    "I'm worried about the letter from the council. Can we talk about it?",
    "I want to change my goal about the gym to swimming instead.",
)


@dataclass
class _Episode:
    pk: int
    referral_id: int
    lead_team_id: int
    team_type: str
    organisation_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    discharge_reason: str
    urgent: bool
    need: str
    locality_id: int | None
    person_user_id: int | None
    accepted_by: int | None
    age: int = 40  # the person's, at the episode's start
    female: bool = False
    allocations: list[tuple[dt.datetime, dt.datetime | None, int]] = field(default_factory=list)
    partners: list[int] = field(default_factory=list)
    contacts: int = 0
    last_contact: dt.datetime | None = None
    planned: int = 0
    first_attended: dt.datetime | None = None
    last_review: dt.datetime | None = None

    def key_worker_at(self, at: dt.datetime) -> int:
        current = self.allocations[0][2]
        for started, _, user_id in self.allocations:
            if started <= at:
                current = user_id
        return current


@dataclass
class _Member:
    user_id: int
    team_id: int
    role: str
    started_at: dt.datetime
    ended_at: dt.datetime | None


class _Deck:
    """Draws in exact shares over every ``size`` draws (as the referral stage deals them)."""

    def __init__(self, shares: Mapping[str, float], rng: random.Random, size: int = 100) -> None:
        total = sum(shares.values())
        exact = {key: share * size / total for key, share in shares.items()}
        counts = {key: math.floor(value) for key, value in exact.items()}
        by_remainder = sorted(shares, key=lambda key: exact[key] - counts[key], reverse=True)
        for key in by_remainder[: size - sum(counts.values())]:
            counts[key] += 1
        self.cards = [key for key in shares for _ in range(counts[key])]
        self.rng = rng
        self.hand: list[str] = []

    def draw(self) -> str:
        if not self.hand:
            self.hand = list(self.cards)
            self.rng.shuffle(self.hand)
        return self.hand.pop()


def build_key_working(builder: PlaceBuilder) -> dict[str, int]:
    """Add the key working to every episode the referral stage made; return how many rows of
    each kind it wrote (``contacts`` counts only the contacts it added)."""
    return _KeyWorking(builder).build()


def flush_key_working(episodes: QuerySet) -> dict[str, int]:
    """Delete what this stage adds to ``episodes`` (and what people added since), in dependency
    order, before the referral stage's flush deletes the episodes."""
    deleted: dict[str, int] = {}
    plans = CarePlan.objects.filter(episode__in=episodes)
    goals = Goal.objects.filter(episode__in=episodes)
    deleted["plan_versions"] = CarePlanVersion.objects.filter(plan__in=plans)._raw_delete("default")
    deleted["care_plans"] = plans._raw_delete("default")
    # Goal Based Outcomes responses point at goals and their ratings (``outcomes`` flushes the
    # responses themselves; this is for a caller that flushes this stage first).
    ResponseGoal.objects.filter(goal__in=goals)._raw_delete("default")
    deleted["goal_ratings"] = GoalRating.objects.filter(goal__in=goals)._raw_delete("default")
    deleted["goals"] = goals._raw_delete("default")
    deleted["plan_notes"] = PlanNote.objects.filter(episode__in=episodes)._raw_delete("default")
    deleted["care_team_members"] = CareTeamMember.objects.filter(episode__in=episodes)._raw_delete(
        "default"
    )
    # Case discussions point at the steps agreed in supervision (``supervision`` flushes the
    # discussions themselves; this is for a caller that flushes this stage first).
    CaseDiscussion.objects.filter(intensity_change__episode__in=episodes).update(
        intensity_change=None
    )
    deleted["intensity_changes"] = IntensityChange.objects.filter(episode__in=episodes)._raw_delete(
        "default"
    )
    return deleted


class _KeyWorking:
    def __init__(self, builder: PlaceBuilder) -> None:
        self.builder = builder
        self.now, self.start = builder.now, builder.start
        self.rng = builder.rng("key-working")
        self.plan_rng = builder.rng("care-plans")
        self.outcomes = _Deck(OUTCOME_SHARES, self.rng)
        self.modes = _Deck(MODE_SHARES, self.rng)
        self.sharing = _Deck(SHARING_SHARES, self.rng)
        self.counts: dict[str, int] = defaultdict(int)
        self.contact_rows: list[Row] = []
        self.intensity_rows: list[Row] = []
        self.member_rows: list[Row] = []
        self.note_rows: list[Row] = []
        self.plans: list[tuple[CarePlan, list[tuple[Row, list[Goal]]]]] = []
        self.goals: list[Goal] = []
        self.ratings: list[tuple[Goal, Row]] = []
        self.intensity: dict[int, str] = {}
        self.touched: list[int] = []
        self._staff()
        self._services()

    # --- what the place holds ---------------------------------------------------------------

    def _staff(self) -> None:
        builder = self.builder
        self.team_type: dict[int, str] = {}
        self.team_org: dict[int, int] = {}
        self.team_localities: dict[int, list[int]] = {}
        locality_pk = [loc.pk for loc in builder.localities]
        by_type: dict[str, list[int]] = defaultdict(list)
        for plan in builder.team_plans:
            team = plan.team
            self.team_type[team.pk] = team.team_type
            self.team_org[team.pk] = team.organisation_id
            self.team_localities[team.pk] = [locality_pk[i] for i in plan.locality_indexes]
            by_type[team.team_type].append(team.pk)
        care_partners = data.VCSE_ORGANISATIONS[0].teams[0].name
        self.care_partners = next(
            p.team.pk for p in builder.team_plans if p.team.name == care_partners
        )
        self.social_care = by_type[TeamType.SOCIAL_CARE][:1]
        self.cmht_for: dict[int, int] = {}
        self.pcn_for: dict[int, list[int]] = defaultdict(list)
        for team_id in by_type[TeamType.COMMUNITY_MENTAL_HEALTH]:
            self.cmht_for[self.team_localities[team_id][0]] = team_id
        for team_id in by_type[TeamType.PRIMARY_CARE_MENTAL_HEALTH]:
            self.pcn_for[self.team_localities[team_id][0]].append(team_id)
        self.practitioners: dict[int, list[tuple[dt.date, int, str]]] = defaultdict(list)
        self.teams_of: dict[int, list[int]] = defaultdict(list)
        for m in builder.memberships:
            if m.role == Role.PRACTITIONER:
                self.practitioners[m.team.pk].append((m.started_on, m.user.pk, m.job_title))
                self.teams_of[m.user.pk].append(m.team.pk)
        for members in self.practitioners.values():
            members.sort()

    def _services(self) -> None:
        services = Service.objects.filter(
            organization__website__endswith=f"{data.DOMAIN_SUFFIX}/",
            organization__organisation__kind="vcse",
        ).order_by("name", "url")
        self.services = [(str(pk), name) for pk, name in services.values_list("pk", "name")]

    def _episodes(self) -> list[_Episode]:
        rows = (
            Episode.objects.filter(lead_team_id__in=list(self.team_type))
            .order_by("started_at", "id")
            .values_list(
                "pk",
                "referral_id",
                "lead_team_id",
                "lead_team__team_type",
                "lead_team__organisation_id",
                "started_at",
                "ended_at",
                "discharge_reason",
                "referral__urgency",
                "referral__locality_id",
                "person__user_id",
                "person__date_of_birth",
                "person__stated_gender",
            )
        )
        episodes = {}
        for pk, ref, team, ttype, org, start, end, reason, urgency, loc, user, born, gender in rows:
            episodes[pk] = _Episode(
                pk, ref, team, ttype, org, start, end, reason, urgency == Urgency.URGENT, "",
                loc, user, None, _age_on(born, start.date()), gender == StatedGender.FEMALE,
            )  # fmt: skip
        needs: dict[int, str] = {}
        for referral_id, code in (
            Referral.needs.through.objects.filter(
                referral_id__in=[e.referral_id for e in episodes.values()]
            )
            .order_by("id")
            .values_list("referral_id", "taxonomyterm__code")
        ):
            needs.setdefault(referral_id, code)
        accepted = dict(
            Transition.objects.filter(
                name="accept", referral_id__in=[e.referral_id for e in episodes.values()]
            ).values_list("referral_id", "by_id")
        )
        for episode in episodes.values():
            episode.need = needs.get(episode.referral_id, "low-mood")
            episode.accepted_by = accepted.get(episode.referral_id)
        for episode_id, start, end, user_id in (
            Allocation.objects.filter(episode_id__in=episodes)
            .order_by("started_at", "id")
            .values_list("episode_id", "started_at", "ended_at", "key_worker_id")
        ):
            episodes[episode_id].allocations.append((start, end, user_id))
        for episode_id, team_id in Episode.partner_teams.through.objects.filter(
            episode_id__in=episodes
        ).values_list("episode_id", "team_id"):
            episodes[episode_id].partners.append(team_id)
        direct = Q(outcome=Outcome.ATTENDED, mode__in=DIRECT_MODES)
        for row in (
            Contact.objects.filter(episode_id__in=episodes)
            .values("episode_id")
            .annotate(
                n=Count("id"),
                last=Max("starts_at"),
                planned=Count("id", filter=Q(outcome=Outcome.PLANNED)),
                first=Min("starts_at", filter=direct),
                review=Max(
                    "starts_at",
                    filter=Q(outcome=Outcome.ATTENDED, kind__in=[Kind.ASSESSMENT, Kind.REVIEW]),
                ),
            )
        ):
            episode = episodes[row["episode_id"]]
            episode.contacts = row["n"]
            episode.last_contact = row["last"]
            episode.planned = row["planned"]
            episode.first_attended = row["first"]
            episode.last_review = row["review"]
        for episode in episodes.values():
            episode.partners = sorted(episode.partners)
        return list(episodes.values())

    # --- the whole stage --------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        episodes = self._episodes()
        progress = self.builder.progress
        progress.start("Key working: contacts, plans and goals", max(1, len(episodes)))
        with connection.cursor() as cursor:
            self.cursor = cursor
            for n, episode in enumerate(episodes, start=1):
                self._episode(episode)
                if len(self.contact_rows) >= BATCH_SIZE:
                    self._copy(Contact, self.contact_rows, "contacts")
                if n % 500 == 0:
                    progress.advance(500)
            self._copy(Contact, self.contact_rows, "contacts")
            self._copy(IntensityChange, self.intensity_rows, "intensity_changes")
            self._copy(CareTeamMember, self.member_rows, "care_team_members")
            self._copy(PlanNote, self.note_rows, "plan_notes")
            self._write_plans_and_goals()
            self._update_episodes_and_referrals()
        progress.advance(len(episodes) % 500)
        return dict(self.counts)

    def _copy(self, model: type[Model], rows: list[Row], name: str) -> None:
        """COPY rows (dicts keyed by field attribute name; a field left out takes its default).
        The statement before goes through Django's wrappers, so the generator's
        ``pgtrigger.ignore`` switch is set for the transaction."""
        if not rows:
            self.counts.setdefault(name, 0)
            return
        now = self.now
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        names = [f.attname for f in fields]
        defaults = {
            f.attname: now if getattr(f, "auto_now_add", False) else f.get_default() for f in fields
        }
        json = {f.attname for f in fields if isinstance(f, JSONField)}
        names_json = [(n, n in json) for n in names]

        def values(row: Row) -> list[object]:
            return [Jsonb(row[n]) if is_json else row[n] for n, is_json in names_json]

        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        self.cursor.execute("SELECT 1")
        with self.cursor.copy(f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(values({**defaults, **row}))
        self.counts[name] += len(rows)
        rows.clear()

    # --- one episode ------------------------------------------------------------------------

    def _episode(self, episode: _Episode) -> None:
        rng = self.rng
        until = min(episode.ended_at or self.now, self.now)
        if not episode.allocations:
            self._care_partner_for_the_portal(episode, [])
            # Waiting for a key worker: only the starting intensity, set by whoever accepted.
            if episode.accepted_by is not None:
                level = self._starting_intensity(episode)
                self._intensity(episode, level, episode.started_at, _START_REASON, None)
            return
        timeline = self._intensities(episode, until)
        members = self._care_team(episode, until) if rng.random() < CARE_TEAM_SHARE else []
        members += self._care_partner_for_the_portal(episode, members)
        contacts = self._contacts(episode, timeline, members, until)
        self.touched.append(episode.pk)
        self._plan(episode, contacts, timeline, until)

    def _starting_intensity(self, episode: _Episode) -> str:
        if episode.urgent:
            weights = _URGENT_INTENSITY
        else:
            weights = _START_INTENSITY.get(episode.team_type, _SPECIALIST_INTENSITY)
        return self.rng.choices((Intensity.HIGH, Intensity.MEDIUM, Intensity.LOW), weights)[0]

    def _intensity(
        self, episode: _Episode, level: str, at: dt.datetime, reason: str, by: int | None
    ) -> None:
        self.intensity_rows.append(
            {
                "episode_id": episode.pk,
                "intensity": level,
                "changed_at": at,
                "reason": reason,
                "changed_by_id": by or episode.accepted_by or episode.allocations[0][2],
            }
        )
        self.intensity[episode.pk] = level

    def _intensities(self, episode: _Episode, until: dt.datetime) -> list[tuple[dt.datetime, str]]:
        """The starting intensity and the steps up and down, as (from when, intensity)."""
        rng = self.rng
        level = self._starting_intensity(episode)
        self._intensity(episode, level, episode.started_at, _START_REASON, episode.accepted_by)
        timeline = [(episode.started_at, level)]
        at = episode.started_at + dt.timedelta(days=_FIRST_CHANGE_DAYS)
        while True:
            at = _working(at + dt.timedelta(days=rng.expovariate(1 / _CHANGE_MEAN_DAYS)), rng)
            if at >= until - _DAY:
                return timeline
            index = _LEVELS.index(level)
            # Support steps down more often than up as people recover.
            up = index == 0 or (index == 1 and rng.random() < 0.4)
            level = _LEVELS[index + 1 if up else index - 1]
            reason = rng.choice(_STEP_UP if up else _STEP_DOWN)
            self._intensity(episode, level, at, reason, episode.key_worker_at(at))
            timeline.append((at, level))

    def _care_partner_for_the_portal(
        self, episode: _Episode, members: list[_Member]
    ) -> list[_Member]:
        """The demo's Care Partner is in the care team of the portal person's open episode
        (accepted "with a Care Partner alongside"), so that she reaches the person through a
        relationship: consent to share with her organisation alone opens nothing (ADR-009).
        Draws nothing from the generator, so the rest of the place is as before."""
        portal = self.builder.sign_in_users.get(
            next(s.username for s in DEMO_SIGN_INS if s.is_portal_person)
        )
        partner = self.builder.sign_in_users.get("carepartner")
        if (
            portal is None
            or partner is None
            or episode.person_user_id != portal.pk
            or episode.ended_at is not None
            or self.care_partners not in self.teams_of.get(partner.pk, [])
            or any(m.user_id == partner.pk and m.ended_at is None for m in members)
        ):
            return []
        start = episode.started_at + dt.timedelta(days=7)
        member = _Member(partner.pk, self.care_partners, "Care Partner", start, None)
        self.member_rows.append(
            {
                "episode_id": episode.pk,
                "user_id": partner.pk,
                "team_id": self.care_partners,
                "role": "Care Partner",
                "started_at": start,
                "ended_at": None,
                "added_by_id": episode.key_worker_at(start)
                if episode.allocations
                else (episode.accepted_by or partner.pk),
            }
        )
        return [member]

    def _care_team(self, episode: _Episode, until: dt.datetime) -> list[_Member]:
        """One or two practitioners from other organisations, for about a third of episodes."""
        rng = self.rng
        lead_org = episode.organisation_id
        locality = episode.locality_id
        options: list[int] = [t for t in episode.partners if self.team_org.get(t) != lead_org]
        pool = [self.care_partners, self.care_partners, *self.social_care]
        if locality is not None:
            pool += self.pcn_for.get(locality, [])[:1]
            if locality in self.cmht_for:
                pool.append(self.cmht_for[locality])
        rng.shuffle(pool)
        options += [t for t in pool if self.team_org.get(t) != lead_org and t not in options]
        wanted = 1 if rng.random() < 0.7 else 2
        members: list[_Member] = []
        key_workers = {user for _, _, user in episode.allocations}
        for team_id in options:
            if len(members) == wanted:
                break
            start = _working(episode.started_at + dt.timedelta(days=rng.uniform(3, 35)), rng)
            if start >= until:
                break
            in_post = [
                (user, title)
                for started, user, title in self.practitioners.get(team_id, [])
                if started <= start.date()
                and user not in key_workers
                and user not in {m.user_id for m in members}
            ]
            if not in_post:
                continue
            user, title = rng.choice(in_post)
            ended = episode.ended_at
            if rng.random() < 0.15:
                left = start + dt.timedelta(days=rng.uniform(30, 150))
                if left < until:
                    ended = _working(left, rng)
            member = _Member(user, team_id, title, start, ended)
            members.append(member)
            self.member_rows.append(
                {
                    "episode_id": episode.pk,
                    "user_id": user,
                    "team_id": team_id,
                    "role": title,
                    "started_at": start,
                    "ended_at": ended,
                    "added_by_id": episode.key_worker_at(start),
                }
            )
        return members

    def _team_of(self, user_id: int, lead_team_id: int) -> int:
        teams = self.teams_of.get(user_id, [])
        return lead_team_id if lead_team_id in teams or not teams else teams[0]

    def _contacts(
        self,
        episode: _Episode,
        timeline: list[tuple[dt.datetime, str]],
        members: list[_Member],
        until: dt.datetime,
    ) -> list[Row]:
        """The contacts after the existing ones, through to the end or now, then (for an open
        episode) one or two booked appointments. Returns the new contacts."""
        rng = self.rng
        added: list[Row] = []
        last = episode.last_contact or episode.allocations[0][0]
        starts = [moment for moment, _ in timeline]
        last_review = episode.last_review or episode.started_at
        vcse = episode.team_type == TeamType.VCSE_SERVICE
        kinds = _KINDS_VCSE if vcse else _KINDS_NHS
        at = last
        if not episode.planned:
            while True:
                level = timeline[bisect.bisect_right(starts, at) - 1][1]
                gap = GAP_DAYS[level] * rng.uniform(0.67, 1.33)
                at = _slot(at + dt.timedelta(days=gap), rng)
                if at >= until - dt.timedelta(hours=1):
                    break
                contact = self._contact(episode, at, members, kinds, last_review)
                if contact["kind"] == Kind.REVIEW and contact["outcome"] == Outcome.ATTENDED:
                    last_review = at
                added.append(contact)
        if episode.ended_at is None:
            booked = max(last, *(c["starts_at"] for c in added)) if added else last
            wanted = rng.randint(1, 2) - (1 if episode.planned else 0)
            at = max(booked, self.now)
            recorded = min(self.now - dt.timedelta(hours=2), booked + dt.timedelta(hours=2))
            for _ in range(wanted):
                level = timeline[-1][1]
                at = _slot(at + dt.timedelta(days=GAP_DAYS[level] * rng.uniform(0.3, 1.0)), rng)
                user = episode.key_worker_at(at)
                added.append(
                    {
                        "episode_id": episode.pk,
                        "practitioner_id": user,
                        "team_id": self._team_of(user, episode.lead_team_id),
                        "starts_at": at,
                        "mode": rng.choice((Mode.FACE_TO_FACE, Mode.FACE_TO_FACE, Mode.PHONE)),
                        "kind": rng.choice(list(kinds)),
                        "outcome": Outcome.PLANNED,
                        "duration_minutes": None,
                        "recorded_by_id": user,
                        "recorded_at": recorded,
                    }
                )
        self.contact_rows.extend(added)
        return added

    def _contact(
        self,
        episode: _Episode,
        at: dt.datetime,
        members: list[_Member],
        kinds: Mapping[str, float],
        last_review: dt.datetime,
    ) -> Row:
        rng = self.rng
        user = episode.key_worker_at(at)
        team = self._team_of(user, episode.lead_team_id)
        active = [
            m for m in members if m.started_at <= at and (m.ended_at is None or at < m.ended_at)
        ]
        by_member = bool(active) and rng.random() < CARE_TEAM_CONTACT_SHARE
        mode = self.modes.draw()
        if by_member:
            member = rng.choice(active)
            user, team = member.user_id, member.team_id
            kind = rng.choice((Kind.COACHING, Kind.PEER_SUPPORT, Kind.OTHER))
        elif (at - last_review).days >= REVIEW_DAYS and mode != Mode.TEXT:
            kind = Kind.REVIEW
        else:
            kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        if mode == Mode.TEXT:
            kind = Kind.OTHER
        outcome = Outcome.ATTENDED if mode == Mode.TEXT else self.outcomes.draw()
        duration = None
        note = ""
        if outcome == Outcome.ATTENDED:
            if mode == Mode.TEXT:
                duration = rng.randint(5, 15)
                note = rng.choice(_TEXT_NOTES) if rng.random() < 0.5 else ""
            elif kind in (Kind.REVIEW, Kind.GROUP):
                duration = rng.choice((45, 60, 75, 90))
            elif mode == Mode.PHONE:
                duration = rng.randint(20, 45)
            else:
                duration = rng.choice((30, 40, 45, 50, 60))
            if not note and rng.random() < NOTE_SHARE:
                note = rng.choice(_NOTES[kind])
        elif rng.random() < 0.5:
            missed = outcome == Outcome.DID_NOT_ATTEND
            note = rng.choice(_MISSED_NOTES if missed else _CANCELLED_NOTES)
        return {
            "episode_id": episode.pk,
            "practitioner_id": user,
            "team_id": team,
            "starts_at": at,
            "mode": mode,
            "kind": kind,
            "outcome": outcome,
            "duration_minutes": duration,
            "note": note,
            "note_sharing": self.sharing.draw() if note else NoteSharing.CARE_TEAM,
            "recorded_by_id": user,
            "recorded_at": min(
                self.now - dt.timedelta(minutes=1), at + dt.timedelta(hours=rng.uniform(1, 30))
            ),
        }

    # --- the plan and goals -----------------------------------------------------------------

    def _plan(
        self,
        episode: _Episode,
        contacts: list[Row],
        timeline: list[tuple[dt.datetime, str]],
        until: dt.datetime,
    ) -> None:
        rng = self.plan_rng
        attended = [c["starts_at"] for c in contacts if c["outcome"] == Outcome.ATTENDED]
        first = episode.first_attended or (attended[0] if attended else None)
        if first is None or rng.random() > PLAN_SHARE:
            return
        created = _working(first + dt.timedelta(days=rng.uniform(0, 10)), rng)
        if created >= until:
            return
        reviews = [
            c["starts_at"]
            for c in contacts
            if c["kind"] == Kind.REVIEW and c["outcome"] == Outcome.ATTENDED
        ]
        moments = [created]
        for review in reviews:
            if len(moments) == 4:
                break
            if review > moments[-1] + dt.timedelta(days=40) and rng.random() < 0.8:
                moment = _working(review + dt.timedelta(hours=rng.uniform(1, 48)), rng)
                if moment < until:
                    moments.append(moment)

        # Goals: one to three at the first version, sometimes one more at a review.
        need = episode.need
        own = _GOALS.get(need, ())
        wanted = rng.choices((1, 2, 3), (30, 45, 25))[0]
        own = tuple(t for t in own if _fits(t, episode))
        anyone = [t for t in _ANY_GOALS if _fits(t, episode)]
        texts = rng.sample(own, min(len(own), wanted, 2))
        texts += rng.sample(anyone, wanted - len(texts))
        bank = [*own, *anyone]
        goals: list[Goal] = []
        for text in texts:
            goals.append(self._goal(episode, text, created - dt.timedelta(minutes=5), until))
        extra = [t for t in bank if t not in texts]
        if len(texts) < 3 and len(moments) > 1 and rng.random() < 0.3:
            at = moments[1] - dt.timedelta(minutes=5)
            goals.append(self._goal(episode, rng.choice(extra), at, until))

        # Ratings at attended contacts, about monthly, improving on average.
        visits = sorted({first, *attended})
        for n, goal in enumerate(goals):
            # The first goal stays open, so every version of the plan has a goal.
            self._ratings(episode, goal, visits, until, may_end=n > 0)

        plan = CarePlan(episode_id=episode.pk, current_version=len(moments))
        versions: list[tuple[Row, list[Goal]]] = []
        about = rng.choice([t for t in _ABOUT_ME if _fits(t, episode)])
        understanding = _UNDERSTANDING.get(need, _UNDERSTANDING["default"])
        strengths = rng.choice(_STRENGTHS)
        warning = rng.choice(_WARNING_SIGNS)
        can_do = rng.choice(_WHAT_I_CAN_DO)
        contact = rng.choice(_WHO_I_CAN_CONTACT)
        safer = rng.choice(_SAFER)
        actions = [
            {"who": "me", "what": rng.choice(_MY_ACTIONS)},
            {"who": "key worker", "what": rng.choice(_WORKER_ACTIONS)},
        ]
        if self.services and rng.random() < 0.5:
            service_id, name = rng.choice(self.services)
            actions.append(
                {"who": name, "what": rng.choice(_PARTNER_ACTIONS), "service_id": service_id}
            )
        for number, moment in enumerate(moments, start=1):
            worker = episode.key_worker_at(moment)
            if number > 1:
                actions = [{"who": "me", "what": rng.choice(_MY_ACTIONS)}, *actions[1:]]
                if rng.random() < 0.5:
                    can_do = f"{can_do} {rng.choice(_WHAT_I_CAN_DO)}"
            live = [
                g
                for g in goals
                if g.created_at <= moment and (g.ended_at is None or g.ended_at > moment)
            ]
            row: Row = {
                "number": number,
                "about_me": about,
                "shared_understanding": understanding,
                "strengths": strengths,
                "actions": list(actions),
                "warning_signs": warning,
                "what_i_can_do": can_do,
                "who_i_can_contact": contact,
                "safer_surroundings": safer,
                "crisis_numbers": _CRISIS_NUMBERS,
                "review_on": moment.astimezone(_LONDON).date()
                + dt.timedelta(days=rng.randint(84, 98)),
                "change_note": "" if number == 1 else rng.choice(_CHANGE_NOTES),
                "created_by_id": worker,
                "created_at": moment,
                "agreed_on": None,
                "agreement_method": "",
                "agreement_recorded_by_id": None,
            }
            agreed = moment + dt.timedelta(days=rng.choice((0, 0, 0, 1, 3, 7, 10)))
            if rng.random() < AGREED_SHARE and agreed < until:
                methods = [AgreementMethod.SPOKEN, AgreementMethod.WRITTEN]
                if episode.person_user_id:
                    methods.append(AgreementMethod.PORTAL)
                row.update(
                    agreed_on=agreed.astimezone(_LONDON).date(),
                    agreement_method=rng.choice(methods),
                    agreement_recorded_by_id=worker,
                )
            versions.append((row, live))
        self.plans.append((plan, versions))

        # The person's own notes for the next conversation, in open episodes.
        if episode.ended_at is None and (episode.person_user_id or rng.random() < PLAN_NOTE_SHARE):
            for _ in range(rng.randint(1, 2)):
                written = self.now - dt.timedelta(days=rng.uniform(0.5, 30))
                if written <= created:
                    continue
                read = written + dt.timedelta(days=rng.uniform(0.5, 6))
                unread = read >= self.now or rng.random() < 0.3
                self.note_rows.append(
                    {
                        "episode_id": episode.pk,
                        "text": rng.choice(_PLAN_NOTES),
                        "written_at": written,
                        "read_at": None if unread else read,
                        "read_by_id": None if unread else episode.key_worker_at(read),
                    }
                )

    def _goal(self, episode: _Episode, text: str, at: dt.datetime, until: dt.datetime) -> Goal:
        goal = Goal(
            episode_id=episode.pk,
            text=text,
            created_at=at,
            created_by_id=episode.key_worker_at(at),
        )
        self.goals.append(goal)
        return goal

    def _ratings(
        self,
        episode: _Episode,
        goal: Goal,
        visits: Sequence[dt.datetime],
        until: dt.datetime,
        *,
        may_end: bool,
    ) -> None:
        rng = self.plan_rng
        start = rng.choices((1, 2, 3, 4, 5), (1, 3, 4, 3, 1))[0]
        gain = max(-2.0, min(8.0, rng.gauss(4.0, 2.5)))
        rated = goal.created_at
        self._rating(episode, goal, start, rated, rng)
        for visit in visits:
            if visit <= rated + dt.timedelta(days=RATING_EVERY_DAYS) or visit >= until:
                continue
            days = (visit - goal.created_at).days
            expected = start + gain * min(1.0, days / 150)
            score = max(0, min(10, round(expected + rng.gauss(0, 0.8))))
            rated = visit + dt.timedelta(minutes=rng.randint(20, 50))
            self._rating(episode, goal, score, rated, rng)
            if may_end and score >= 9 and rng.random() < 0.5:
                goal.ended_at = rated + dt.timedelta(minutes=1)
                goal.ended_because = "Reached it"
                return

    def _rating(
        self, episode: _Episode, goal: Goal, score: int, at: dt.datetime, rng: random.Random
    ) -> None:
        online = episode.person_user_id is not None and rng.random() < 0.4
        self.ratings.append(
            (
                goal,
                {
                    "score": score,
                    "rated_at": at,
                    "rated_by": RatedBy.PERSON if online else RatedBy.WITH_WORKER,
                    "recorded_by_id": episode.person_user_id
                    if online
                    else episode.key_worker_at(at),
                },
            )
        )

    def _write_plans_and_goals(self) -> None:
        Goal.objects.bulk_create(self.goals, batch_size=2_000)
        self.counts["goals"] = len(self.goals)
        rows = []
        for goal, row in self.ratings:
            row["goal_id"] = goal.pk
            rows.append(row)
        self._copy(GoalRating, rows, "goal_ratings")
        plans = [plan for plan, _ in self.plans]
        CarePlan.objects.bulk_create(plans, batch_size=2_000)
        self.counts["care_plans"] = len(plans)
        versions = []
        for plan, plan_versions in self.plans:
            for row, live in plan_versions:
                row["plan_id"] = plan.pk
                row["goals"] = [{"id": g.pk, "text": g.text} for g in live]
                versions.append(row)
        self._copy(CarePlanVersion, versions, "plan_versions")

    def _update_episodes_and_referrals(self) -> None:
        """Each episode's current intensity, and the first and second attended direct contacts of
        referrals that had fewer than two before this stage's contacts."""
        ids = list(self.intensity)
        levels = [self.intensity[pk] for pk in ids]
        # Fixed table names (care_episode, care_contact, referrals_referral).
        self.cursor.execute(
            "UPDATE care_episode AS e SET intensity = v.level "
            "FROM (SELECT unnest(%s::bigint[]) AS id, unnest(%s::text[]) AS level) AS v "
            "WHERE e.id = v.id AND e.intensity <> v.level",
            [ids, levels],
        )
        self.cursor.execute(
            """
            UPDATE referrals_referral AS r SET first_contact_at = c.moments[1],
                second_contact_at = c.moments[2]
            FROM (
                SELECT e.referral_id,
                    (array_agg(c.starts_at ORDER BY c.starts_at, c.id))[1:2] AS moments
                FROM care_contact AS c JOIN care_episode AS e ON e.id = c.episode_id
                WHERE c.episode_id = ANY(%s) AND c.outcome = %s AND c.mode = ANY(%s)
                GROUP BY e.referral_id
            ) AS c
            WHERE r.id = c.referral_id AND r.second_contact_at IS NULL
                AND (r.first_contact_at IS DISTINCT FROM c.moments[1]
                     OR c.moments[2] IS NOT NULL)
            """,
            [self.touched, Outcome.ATTENDED.value, [m.value for m in DIRECT_MODES]],
        )


def _fits(text: str, episode: _Episode) -> bool:
    """Whether the person in the episode could say ``text`` of themself (see ``_ONLY_FOR``)."""
    rule = _ONLY_FOR.get(text)
    if rule is None:
        return True
    youngest, oldest, women_only = rule
    return youngest <= episode.age <= oldest and (episode.female or not women_only)


def _age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def _working(at: dt.datetime, rng: random.Random) -> dt.datetime:
    """``at`` if it is in working hours, otherwise a moment early on the next working day."""
    local = at.astimezone(_LONDON).replace(second=0, microsecond=0)
    if (
        local.weekday() < 5
        and 9 <= local.hour < 17
        and (local.month, local.day) not in _CLOSED_DAYS
    ):
        return local
    day = local.date() if local.hour < 9 else local.date() + _DAY
    while day.weekday() >= 5 or (day.month, day.day) in _CLOSED_DAYS:
        day += _DAY
    return dt.datetime.combine(day, dt.time(9), tzinfo=_LONDON) + dt.timedelta(
        minutes=rng.randint(0, 150)
    )


def _slot(due: dt.datetime, rng: random.Random) -> dt.datetime:
    """An appointment slot on the first working day after the day of ``due``'s moment."""
    day = due.astimezone(_LONDON).date()
    while day.weekday() >= 5 or (day.month, day.day) in _CLOSED_DAYS:
        day += _DAY
    return dt.datetime.combine(day, rng.choice(_SLOTS), tzinfo=_LONDON)
