"""The demo's training and workforce: which courses each role and which episodes need, the
training records of the place's staff (most current, some expired, some expiring, some
missing), each post's whole-time equivalent and its history (some posts changed hours in the
last year), and a few vacancies.

Called from ``PlaceBuilder.build`` after the staff exist (any point after ``build_staff``). The
courses themselves are the shipped list (``workforce/courses.json``, loaded after migrate; loaded
here if not yet). The requirements are configuration, written if missing and left in place by
``flush_workforce``, like the courses. Every draw comes from the builder's ``workforce`` stage
and every date counts back from the place's date (``PlaceBuilder.as_of``), so the same seed and
date give the same rows.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from alongside.care.models import Intensity
from alongside.organisations.models import Membership, Role, TeamType
from alongside.workforce import courses
from alongside.workforce.models import (
    AllocationWarning,
    Course,
    EpisodeRequirement,
    Post,
    RoleRequirement,
    TrainingRecord,
    Vacancy,
    WteChange,
)
from alongside.workforce.services import expiry_for

if TYPE_CHECKING:
    from alongside.demo.generator import PlaceBuilder

BATCH_SIZE = 2_000

#: The courses each role needs.
ROLE_COURSES: dict[str, tuple[str, ...]] = {
    Role.PRACTITIONER: (
        "coaching-approaches",
        "dialog-plus",
        "safety-planning",
        "trauma-informed-practice",
        "safeguarding-adults-2",
        "information-governance",
    ),
    Role.COORDINATOR: ("safeguarding-adults-2", "information-governance"),
    Role.SUPERVISOR: ("clinical-supervision", "safeguarding-adults-3", "information-governance"),
    Role.TEAM_LEAD: ("safeguarding-adults-3", "information-governance"),
    Role.ANALYST: ("information-governance",),
    Role.ORG_ADMIN: ("information-governance",),
    Role.PRIVACY_LEAD: ("safeguarding-adults-3", "information-governance"),
}
#: What episodes need of their key worker: (course, intensity, team type).
EPISODE_COURSES: tuple[tuple[str, str, str], ...] = (
    ("safety-planning", Intensity.HIGH, ""),
    ("coaching-approaches", "", TeamType.VCSE_SERVICE),
    ("trauma-informed-practice", "", TeamType.PERSONALITY_DISORDER),
)

#: Chance that a course someone's roles need has no record at all.
MISSING = 0.08
#: Whole-time equivalents of a post, and how often each is worked (VCSE posts more part time).
WTE_SHARES = {"1.00": 0.6, "0.80": 0.15, "0.60": 0.12, "0.50": 0.08, "0.40": 0.05}
VCSE_WTE_SHARES = {"1.00": 0.35, "0.80": 0.2, "0.60": 0.2, "0.50": 0.15, "0.40": 0.1}
#: Share of posts whose WTE no one has recorded yet.
NO_WTE = 0.03
#: Share of posts (one per person in a team) whose WTE changed in the last year: before, they
#: were worked at another of these.
WTE_CHANGED = 0.2
WTE_BEFORE = ("1.00", "0.80", "0.60", "0.50", "0.40")
#: Chance that a team with key workers has one vacancy, and a second.
VACANCY, SECOND_VACANCY = 0.35, 0.1
FILLED = 0.3
_NO_EPISODES = {TeamType.PUBLIC_HEALTH, TeamType.OTHER}
_EVIDENCE = (
    "Certificate seen.",
    "E-learning completion certificate.",
    "Attended the trust's face-to-face course.",
    "Attendance register from the training provider.",
    "",
)


def _pick(rng: random.Random, shares: dict[str, float]) -> Decimal:
    return Decimal(rng.choices(list(shares), weights=list(shares.values()))[0])


def _requirements() -> dict[str, int]:
    by_key = {c.key: c for c in Course.objects.all()}
    for role, keys in ROLE_COURSES.items():
        for key in keys:
            RoleRequirement.objects.get_or_create(role=role, course=by_key[key])
    for key, intensity, team_type in EPISODE_COURSES:
        EpisodeRequirement.objects.get_or_create(
            course=by_key[key], intensity=intensity, team_type=team_type
        )
    return {
        "role_requirements": RoleRequirement.objects.count(),
        "episode_requirements": EpisodeRequirement.objects.count(),
    }


def _posts(rng: random.Random, memberships: list[Membership], vcse: set[int]) -> list[Post]:
    """A WTE per membership; someone with two roles in a team splits one post between them."""
    together: dict[tuple[int, int], list[Membership]] = defaultdict(list)
    for m in memberships:
        together[(m.user_id, m.team_id)].append(m)
    posts = []
    for (_user, team_id), held in together.items():
        total = _pick(rng, VCSE_WTE_SHARES if team_id in vcse else WTE_SHARES)
        recorded = rng.random() >= NO_WTE
        if not recorded:
            continue
        if len(held) == 1:
            posts.append(Post(membership=held[0], wte=total))
            continue
        first = max(Decimal("0.1"), (total * Decimal("0.6")).quantize(Decimal("0.1")))
        rest = total - first
        posts.append(Post(membership=held[0], wte=first if rest >= Decimal("0.1") else total))
        if rest >= Decimal("0.1"):
            posts.append(Post(membership=held[1], wte=rest))
    return posts


def _history(
    rng: random.Random, posts: list[Post], recorders: dict[int, int], today: dt.date
) -> list[WteChange]:
    """Each post's WTE history: in force since the membership began; for some, another WTE
    until a change between 11 months and 2 weeks ago. The posts get who recorded the latest."""
    split = defaultdict(int)
    for post in posts:
        split[(post.membership.user_id, post.membership.team_id)] += 1
    changes = []
    for post in posts:
        m = post.membership
        recorder = recorders.get(m.team_id, m.user_id)
        earliest = max(m.started_on + dt.timedelta(days=30), today - dt.timedelta(days=330))
        latest = today - dt.timedelta(days=14)
        steps = [(m.started_on, post.wte)]
        if rng.random() < WTE_CHANGED and split[(m.user_id, m.team_id)] == 1 and earliest < latest:
            before = Decimal(rng.choice([v for v in WTE_BEFORE if Decimal(v) != post.wte]))
            changed = earliest + dt.timedelta(days=rng.randint(0, (latest - earliest).days))
            steps = [(m.started_on, before), (changed, post.wte)]
        for effective_from, wte in steps:
            changes.append(
                WteChange(
                    post=post,
                    wte=wte,
                    effective_from=effective_from,
                    recorded_by_id=recorder,
                    recorded_at=dt.datetime.combine(effective_from, dt.time(9), tzinfo=dt.UTC),
                )
            )
        post.updated_by_id, post.updated_at = recorder, changes[-1].recorded_at
    return changes


def _training(
    rng: random.Random, memberships: list[Membership], recorders: dict[int, int], today: dt.date
) -> list[TrainingRecord]:
    by_key = {c.key: c for c in Course.objects.all()}
    needs: dict[int, set[str]] = defaultdict(set)
    recorder_for: dict[int, int] = {}
    for m in memberships:
        needs[m.user_id].update(ROLE_COURSES.get(m.role, ()))
        recorder_for.setdefault(m.user_id, recorders.get(m.team_id, m.user_id))
    records = []
    for user_id in sorted(needs):
        for key in sorted(needs[user_id]):
            if rng.random() < MISSING:
                continue
            course = by_key[key]
            months = course.valid_for_months or 72
            # Mostly within the validity, some a little past it (expired, due a refresher).
            days = int(rng.uniform(20, months * 30.4 * 1.15))
            completed = today - dt.timedelta(days=days)
            records.append(
                TrainingRecord(
                    user_id=user_id,
                    course=course,
                    completed_on=completed,
                    expires_on=expiry_for(course, completed),
                    evidence=rng.choice(_EVIDENCE),
                    recorded_by_id=recorder_for[user_id],
                    recorded_at=dt.datetime.combine(
                        completed + dt.timedelta(days=rng.randint(0, 14)),
                        dt.time(10),
                        tzinfo=dt.UTC,
                    ),
                )
            )
    return records


def _vacancies(
    rng: random.Random, builder: PlaceBuilder, recorders: dict[int, int]
) -> list[Vacancy]:
    today = builder.as_of
    vacancies = []
    for plan in builder.team_plans:
        team = plan.team
        if team.team_type in _NO_EPISODES or team.pk not in recorders:
            continue
        wanted = (rng.random() < VACANCY) + (rng.random() < SECOND_VACANCY)
        for _ in range(wanted):
            role = Role.PRACTITIONER if rng.random() < 0.8 else Role.SUPERVISOR
            since = today - dt.timedelta(days=rng.randint(14, 330))
            filled = None
            if rng.random() < FILLED and (today - since).days > 45:
                filled = since + dt.timedelta(days=rng.randint(30, (today - since).days))
            vacancies.append(
                Vacancy(
                    team=team,
                    role=role,
                    wte=_pick(rng, WTE_SHARES),
                    job_title=rng.choice(plan.template.practitioner_titles)
                    if role == Role.PRACTITIONER and plan.template.practitioner_titles
                    else "",
                    since=since,
                    filled_on=filled,
                    recorded_by_id=recorders[team.pk],
                    recorded_at=dt.datetime.combine(since, dt.time(9), tzinfo=dt.UTC),
                )
            )
    return vacancies


def build_workforce(builder: PlaceBuilder) -> dict[str, int]:
    """Add the requirements, posts, training records and vacancies; return the counts."""
    rng = builder.rng("workforce")
    if not Course.objects.filter(shipped=True).exists():
        courses.sync_shipped()  # the shipped list loads after migrate; load it if not
    counts = _requirements()
    memberships = [m for m in builder.memberships if m.pk is not None and m.ended_on is None]
    memberships.sort(key=lambda m: m.pk)
    team_ids = {m.team_id for m in memberships}
    vcse = {
        plan.team.pk
        for plan in builder.team_plans
        if plan.team.team_type == TeamType.VCSE_SERVICE or plan.team.organisation.kind == "vcse"
    }
    # Whoever records a team's training and vacancies: its lead, else its first member.
    recorders: dict[int, int] = {}
    for m in memberships:
        if m.role == Role.TEAM_LEAD:
            recorders.setdefault(m.team_id, m.user_id)
    for m in memberships:
        if m.team_id in team_ids:
            recorders.setdefault(m.team_id, m.user_id)
    posts = _posts(rng, memberships, vcse)
    # A stage of its own, so that the history's draws leave the other rows as they were.
    changes = _history(builder.rng("workforce-wte-history"), posts, recorders, builder.as_of)
    Post.objects.bulk_create(posts, batch_size=BATCH_SIZE)
    WteChange.objects.bulk_create(changes, batch_size=BATCH_SIZE)
    records = _training(rng, memberships, recorders, builder.as_of)
    TrainingRecord.objects.bulk_create(records, batch_size=BATCH_SIZE)
    vacancies = _vacancies(rng, builder, recorders)
    Vacancy.objects.bulk_create(vacancies, batch_size=BATCH_SIZE)
    counts.update(
        {
            "posts": len(posts),
            "wte_changes": len(changes),
            "training_records": len(records),
            "vacancies": len(vacancies),
        }
    )
    return counts


def flush_workforce(
    *, episodes: QuerySet, organisations: QuerySet, users: QuerySet
) -> dict[str, int]:
    """Delete the demo's workforce rows, before the episodes, teams, memberships and users go,
    and the requirements it set (a site's own requirements stay; the courses stay)."""
    roles = Q()
    for role, keys in ROLE_COURSES.items():
        roles |= Q(role=role, course__key__in=list(keys))
    episode_rules = Q()
    for key, intensity, team_type in EPISODE_COURSES:
        episode_rules |= Q(course__key=key, intensity=intensity, team_type=team_type)
    posts = Post.objects.filter(
        Q(membership__team__organisation__in=organisations) | Q(membership__user__in=users)
    )
    return {
        "allocation_warnings": AllocationWarning.objects.filter(
            allocation__episode__in=episodes
        ).delete()[0],
        "vacancies": Vacancy.objects.filter(
            Q(team__organisation__in=organisations) | Q(recorded_by__in=users)
        ).delete()[0],
        "training_records": TrainingRecord.objects.filter(
            Q(user__in=users) | Q(recorded_by__in=users)
        ).delete()[0],
        "wte_changes": WteChange.objects.filter(post__in=posts).delete()[0],
        "posts": posts.delete()[0],
        "role_requirements": RoleRequirement.objects.filter(roles).delete()[0],
        "episode_requirements": EpisodeRequirement.objects.filter(episode_rules).delete()[0],
    }
