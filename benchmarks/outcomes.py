"""Outcome measures: the engine's scoring throughput, and a person's outcomes page with five
years of monthly responses beside one with one year.

The engine is timed on its own (no database): for each shipped measure this place can use, a
few thousand answer sets are made up from the definition (every required question, most optional
ones, answers drawn from each question's options or range) and scored with ``engine.score``,
which checks the answers against the definition before scoring them, as completing a response
does.

For the page, a fresh database holds a team, its key worker and two people with one open episode
each: one followed for five years and one for one, each completing DIALOG, the PHQ-9, the GAD-7
and Goal Based Outcomes (three goals) every month, through the outcomes services (a response is
started, then completed with the date it was filled in; the flags it raises are acknowledged, one
is corrected and one is left in progress), with the answers the demo generator draws. Around them,
other people's monthly responses for a year, written in bulk, for the queries to look past. Each
page is requested through Django's test client as the key worker (the whole request: middleware,
the access check and its audit row, the template) and its SQL is captured and run again directly,
in turn with the requests, as ``caseloads`` does. Target: the same number of queries for five
years as for one.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import statistics
import time
from typing import Any

from benchmarks.pages import measure_page
from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

SEED = 20_261_201
ANSWER_SETS = 4_000
ROUNDS = 5
REPEATS = 25
BACKGROUND_PEOPLE = 300


# --- The engine ----------------------------------------------------------------------------


def answer_sets(definition: Any, count: int, rng: random.Random) -> list[dict[str, Any]]:
    """``count`` valid answer sets for a parsed measure, drawn from its definition."""
    sets = []
    for _ in range(count):
        answers: dict[str, Any] = {}
        for item in definition.answerable:
            if not item.required and rng.random() < 0.25:
                continue
            if item.type == "choice":
                answers[item.link_id] = rng.choice(item.options).code
            elif item.type == "integer":
                answers[item.link_id] = rng.randint(item.min_value, item.max_value)
            elif item.type == "boolean":
                answers[item.link_id] = rng.random() < 0.3
            else:
                answers[item.link_id] = "Some words about it."
        sets.append(answers)
    return sets


def engine_rows() -> list[str]:
    from alongside.outcomes import engine, registry
    from alongside.outcomes.models import Questionnaire

    rng = random.Random(SEED)
    rows = []
    for questionnaire in Questionnaire.objects.filter(is_current=True).order_by("name"):
        definition = registry.measure(questionnaire)
        title, questions = definition.short_title, len(definition.answerable)
        if not definition.usable:
            rows.append(
                f"| {title} | {questions} | – | – | – | not usable here: its licensed wording "
                "is not loaded |"
            )
            print(rows[-1], flush=True)
            continue
        sets = answer_sets(definition, ANSWER_SETS, rng)
        rates = []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            for answers in sets:
                engine.score(definition, answers)
            rates.append(len(sets) / (time.perf_counter() - started))
        rate = statistics.median(rates)
        rows.append(
            f"| {title} | {questions} | {len(definition.scores)} | {rate:,.0f} | "
            f"{1e6 / rate:.0f} µs | |"
        )
        print(rows[-1], flush=True)
    return rows


# --- The page ------------------------------------------------------------------------------


class _Place:
    """A team, its key worker, the two people measured and a background of others."""

    def __init__(self) -> None:
        from django.utils import timezone

        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.serial = 0
        self.people: dict[int, int] = {}  # years → person id
        self.responses: dict[int, int] = {}  # years → responses in the episode

    def build(self) -> None:
        from alongside.accounts.models import User
        from alongside.organisations.models import (
            Membership,
            MembershipStatus,
            Organisation,
            OrganisationKind,
            Role,
            Team,
            TeamType,
        )

        trust = Organisation.objects.create(
            name="Bench Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST, ods_code="ZB002"
        )
        self.team = Team.objects.create(
            organisation=trust, name="Bench CMHT", team_type=TeamType.COMMUNITY_MENTAL_HEALTH
        )
        self.worker = User.objects.create(
            username="bench-worker", first_name="Key", last_name="Worker", password="!"
        )
        others = User.objects.create(
            username="bench-other", first_name="Other", last_name="Worker", password="!"
        )
        Membership.objects.bulk_create(
            Membership(
                user=u,
                team=self.team,
                role=Role.PRACTITIONER,
                started_on=dt.date(2020, 1, 1),
                status=MembershipStatus.APPROVED,
            )
            for u in (self.worker, others)
        )
        for years in (1, 5):
            episode = self._episodes(1, self.worker, months=12 * years)[0]
            self.people[years] = episode.person_id
            self.responses[years] = self._through_services(episode, months=12 * years)
        for episode in self._episodes(BACKGROUND_PEOPLE, others, months=12):
            self._in_bulk(episode, others, months=12)

    def _episodes(self, count: int, worker: Any, *, months: int) -> list[Any]:
        from alongside.care.models import Allocation, Episode, Intensity
        from alongside.people.models import Person
        from alongside.referrals.models import Referral, Source, State

        rng = self.rng
        started = self.now - dt.timedelta(days=round(30.44 * months) + 7)
        people = Person.objects.bulk_create(
            Person(
                given_name=rng.choice(["Amal", "Bethan", "Ceri", "Dylan", "Eira", "Femi"]),
                family_name=f"Person{self.serial + i:06d}",
                date_of_birth=dt.date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1),
                postcode="LS1 4AP",
            )
            for i in range(count)
        )
        referrals = []
        for p in people:
            self.serial += 1
            referrals.append(
                Referral(
                    reference=f"O{self.serial:07d}",
                    source=Source.GP,
                    referred_by=worker,
                    received_at=started - dt.timedelta(days=14),
                    person=p,
                    given_name=p.given_name,
                    family_name=p.family_name,
                    date_of_birth=p.date_of_birth,
                    concerns="Low mood",
                    team=self.team,
                    accepted_team=self.team,
                    state=State.ACCEPTED,
                )
            )
        referrals = Referral.objects.bulk_create(referrals)
        episodes = Episode.objects.bulk_create(
            Episode(
                person=p,
                referral=r,
                lead_team=self.team,
                started_at=started,
                intensity=Intensity.MEDIUM,
            )
            for p, r in zip(people, referrals, strict=True)
        )
        Allocation.objects.bulk_create(
            Allocation(
                episode=e, key_worker=worker, allocated_by=worker, started_at=started, reason="x"
            )
            for e in episodes
        )
        return episodes

    def _answers(self, course: Any, name: str, started: dt.datetime, at: dt.datetime) -> dict:
        from alongside.demo.outcomes import ANSWERS, progress

        return ANSWERS[name](course, progress((at - started).days), self.rng)

    def _through_services(self, episode: Any, *, months: int) -> int:
        """Monthly DIALOG, PHQ-9, GAD-7 and Goal Based Outcomes, each started and completed
        through the services; flags acknowledged, one response corrected, one in progress."""
        from alongside.care.models import Goal
        from alongside.demo.outcomes import Course
        from alongside.outcomes import registry, services
        from alongside.outcomes.models import Mode, Response

        rng = self.rng
        course = Course.draw(rng)
        goals = [
            Goal.objects.create(
                episode=episode, text=text, created_at=episode.started_at, created_by=self.worker
            )
            for text in ("Walk the dog every day", "Ring a friend once a week", "Sleep better")
        ]
        questionnaires = {n: registry.current(n) for n in ("dialog", "phq9", "gad7", "gbo")}
        for month in range(months):
            at = episode.started_at + dt.timedelta(days=3 + round(30.44 * month))
            for name, questionnaire in questionnaires.items():
                links = dict(zip(("goal-1", "goal-2", "goal-3"), goals, strict=True))
                response = services.start_response(
                    episode=episode,
                    questionnaire=questionnaire,
                    mode=Mode.WITH_PRACTITIONER,
                    by=self.worker,
                    goals=links if name == "gbo" else None,
                )
                if name == "gbo":
                    answers = {link: min(10, 2 + month // 3 + rng.randint(0, 2)) for link in links}
                else:
                    answers = self._answers(course, name, episode.started_at, at)
                response = services.complete_response(
                    response=response, by=self.worker, answers=answers, completed_at=at
                )
                if response.flags:
                    services.acknowledge_prompt(response=response, by=self.worker)
                at += dt.timedelta(minutes=10)
        first = Response.objects.filter(episode=episode, questionnaire__name="phq9").last()
        correction = services.start_correction(
            response=first, reason="Question 3 was entered as 2; the person said 1.", by=self.worker
        )
        services.complete_response(
            response=correction,
            by=self.worker,
            answers={"3": "1" if first.answers["3"] != "1" else "2"},
        )
        services.start_response(
            episode=episode,
            questionnaire=questionnaires["dialog"],
            mode=Mode.WITH_PRACTITIONER,
            by=self.worker,
        )
        return Response.objects.filter(episode=episode).count()

    def _in_bulk(self, episode: Any, worker: Any, *, months: int) -> None:
        """Monthly DIALOG, PHQ-9 and GAD-7, scored by the engine and written in bulk."""
        from alongside.demo.outcomes import Course
        from alongside.outcomes import engine, registry
        from alongside.outcomes.models import Mode, Response, Score, Status

        if not hasattr(self, "bulk_measures"):
            self.bulk_measures = {
                name: (q, registry.measure(q))
                for name in ("dialog", "phq9", "gad7")
                if (q := registry.current(name)) is not None
            }
        course = Course.draw(self.rng)
        responses, results = [], []
        for month in range(months):
            at = episode.started_at + dt.timedelta(days=3 + round(30.44 * month))
            for name, (questionnaire, definition) in self.bulk_measures.items():
                result = engine.score(
                    definition, self._answers(course, name, episode.started_at, at)
                )
                responses.append(
                    Response(
                        questionnaire=questionnaire,
                        person_id=episode.person_id,
                        episode=episode,
                        status=Status.COMPLETED,
                        mode=Mode.WITH_PRACTITIONER,
                        answers=result.answers,
                        started_at=at,
                        started_by=worker,
                        updated_at=at,
                        completed_at=at,
                        completed_by=worker,
                        flags=[f.id for f in result.flags],
                        more_help=list(result.more_help),
                    )
                )
                results.append(result)
        Response.objects.bulk_create(responses)
        Score.objects.bulk_create(
            Score(
                response=response,
                person_id=response.person_id,
                episode=episode,
                measure=result.measure.name,
                key=s.id,
                value=s.value,
                band=s.band,
                snomed=s.rule.code,
                in_change=s.rule.change,
                completed_at=response.completed_at,
            )
            for response, result in zip(responses, results, strict=True)
            for s in result.scores
            if s.value is not None
        )


def run() -> None:
    data_dir = ROOT / "var" / "bench-outcomes"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from alongside.outcomes.models import Response, Score

    setup_test_environment()
    engine = engine_rows()

    started = time.perf_counter()
    place = _Place()
    place.build()
    built_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    client = Client()
    client.force_login(place.worker)
    rows, counts = [], []
    for years in (1, 5):
        path = reverse("outcomes:person", kwargs={"person_id": place.people[years]})
        page_ms, sql_ms, status, n = measure_page(client, path, REPEATS)
        counts.append(n)
        rows.append(
            f"| {years} year{'s' if years > 1 else ''} | {place.responses[years]} | {status} | "
            f"{n} | {page_ms:.1f} ms | {sql_ms:.1f} ms | {page_ms / sql_ms:.2f}× |"
        )
        print(rows[-1], flush=True)
    total_responses, total_scores = Response.objects.count(), Score.objects.count()
    shutil.rmtree(data_dir, ignore_errors=True)
    same = len(set(counts)) == 1
    write_section(
        "outcomes",
        "Outcome measures: the engine and a person's outcomes page",
        "**Scoring throughput.** For each current measure, "
        f"{ANSWER_SETS:,} answer sets drawn from its definition (every required question, most "
        "optional ones), scored with `engine.score` (which checks the answers against the "
        f"definition first, as completing a response does); the median of {ROUNDS} rounds, in "
        "one process, without the database.\n\n"
        "| measure | questions | scores | responses a second | each | note |\n"
        "| --- | --- | --- | --- | --- | --- |\n" + "\n".join(engine) + "\n\n"
        "**The outcomes page** (`outcomes:person`) as the key worker, for a person with one open "
        "episode in which they completed DIALOG, the PHQ-9, the GAD-7 and Goal Based Outcomes "
        "(three goals) every month, through the services (flags acknowledged, one response "
        "corrected, one in progress), for five years and for one; around them "
        f"{BACKGROUND_PEOPLE} other people's monthly responses for a year "
        f"({total_responses:,} responses and {total_scores:,} scores in all; built in "
        f"{built_s:.0f} s). Median over {REPEATS} requests through the test client (the whole "
        "request: the access check and its audit row, the template); 'its SQL' is every "
        "statement the page ran, run again directly, in turn with the requests. Target: the "
        "same number of queries for five years as for one — "
        f"{'met' if same else 'NOT met'} ({' and '.join(map(str, counts))}).\n\n"
        "| responses over | responses in the episode | status | queries | page | its SQL | "
        "page ÷ SQL |\n| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows),
    )
