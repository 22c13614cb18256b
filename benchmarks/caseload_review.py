"""Caseload review for a supervisor of eight practitioners at county scale: queries per page and
server time beside one hand-written statement that yields the same rows.

The county place (``alongside demo --scale county``) is loaded into a fresh database for the
background. Beside it, with ``bulk_create``, a community team where three supervisors each
supervise eight practitioners under a current agreement (and one more under an agreement that
has ended); each practitioner is key worker for 10, 25 or 50 open episodes (one supervisor for
each size) and a few closed ones, and about one episode in ten has another of the eight in its
care team. Each episode has contacts every fortnight (some missed, some stopping weeks ago), an
appointment to come, usually a plan (some past their review date), goals with ratings (some not
rated for months), outcome measures every month (DIALOG, PHQ-9 and GAD-7, scored by the engine;
some getting worse), steps up or down in intensity, and for some people a warm handover whose
follow-up is past its date: enough for every signal of the review to fire.

The page's time is also shown beside ``caseload_review`` alone ('rows'), to tell what the review's
own reads and Python cost from what the access checks, audit rows and template add.

``/supervision/review/`` is requested through Django's test client as each supervisor (the whole
request: the access check of every person listed, their audit rows, the template), and the SQL it
ran is captured and run again directly (``benchmarks.pages.measure_page``). Beside it, one
statement written by hand (``REVIEW_SQL``) that yields the review's rows: every case on each
supervisee's caseload in the page's order, with its key worker and its signals' texts. The
benchmark checks that it yields exactly the rows ``supervision.review.caseload_review`` does
before timing it. Targets: the same number of queries at every size, and the page within 2× of
the hand-written statement.
"""

from __future__ import annotations

import dataclasses
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

REPEATS = 25
SIZES = (10, 25, 50)
SUPERVISEES = 8
TARGET = 2.0
SEED = 20_261_205
PATH = "/supervision/review/"

#: The review's rows in one statement: for each current supervisee of the supervisor (by name),
#: the open episodes where they are key worker or in the care team, flagged ones first (most
#: signals first), then by family name; each with its person, key worker, intensity and the
#: texts of its signals (sorted). The rules are ``supervision.review``'s, written out.
REVIEW_SQL = """
WITH supervisees AS (
  SELECT DISTINCT a.supervisee_id AS user_id
  FROM supervision_supervisionagreement a
  WHERE a.supervisor_id = %(supervisor)s AND a.starts_on <= %(today)s
    AND (a.ends_on IS NULL OR a.ends_on >= %(today)s)),
held AS (
  SELECT al.episode_id, al.key_worker_id AS user_id
  FROM care_allocation al JOIN supervisees s ON s.user_id = al.key_worker_id
  WHERE al.ended_at IS NULL
  UNION
  SELECT m.episode_id, m.user_id
  FROM care_careteammember m JOIN supervisees s USING (user_id)
  WHERE m.ended_at IS NULL),
ep AS (
  SELECT e.id, e.person_id, e.intensity,
    coalesce(seen.at, e.started_at) AS since, seen.at IS NOT NULL AS seen,
    (SELECT v.review_on FROM care_careplan cp
     JOIN care_careplanversion v ON v.plan_id = cp.id AND v.number = cp.current_version
     WHERE cp.episode_id = e.id) AS review_on,
    (SELECT a.key_worker_id FROM care_allocation a
     WHERE a.episode_id = e.id AND a.ended_at IS NULL LIMIT 1) AS key_worker_id
  FROM care_episode e
  LEFT JOIN LATERAL (
    SELECT max(c.starts_at) AS at FROM care_contact c
    WHERE c.episode_id = e.id AND c.outcome = 'attended') seen ON true
  WHERE e.ended_at IS NULL AND e.id IN (SELECT episode_id FROM held)),
goals AS (
  SELECT g.episode_id, max(r.rated_at) AS last_rated,
    min(g.created_at) FILTER (WHERE g.ended_at IS NULL) AS first_open
  FROM care_goal g LEFT JOIN care_goalrating r ON r.goal_id = g.id
  WHERE g.episode_id IN (SELECT id FROM ep)
  GROUP BY g.episode_id),
rules AS (
  SELECT q.name AS measure, sc ->> 'id' AS key, coalesce(sc ->> 'better', 'higher') AS better,
    (sc -> 'reliableChange' ->> 'threshold')::numeric AS threshold
  FROM outcomes_questionnaire q, jsonb_array_elements(q.definition -> 'scoring' -> 'scores') sc
  WHERE q.is_current AND coalesce((sc ->> 'change')::boolean, false)
    AND (coalesce(q.definition ->> 'wording', '') <> 'licensed' OR q.wording <> '{}'::jsonb)),
pairs AS (
  SELECT s.episode_id, s.measure, s.key, min(s.completed_at) AS first_at,
    (array_agg(s.value ORDER BY s.completed_at DESC, s.id DESC))[1]
      - (array_agg(s.value ORDER BY s.completed_at, s.id))[1] AS change
  FROM outcomes_score s
  WHERE s.current AND s.in_change AND s.episode_id IN (SELECT id FROM ep)
  GROUP BY s.episode_id, s.measure, s.key
  HAVING count(*) >= 2),
reliable AS (
  SELECT p.episode_id, p.measure, p.key, p.first_at,
    CASE WHEN r.better = 'lower' THEN -p.change ELSE p.change END <= -r.threshold AS worse
  FROM pairs p JOIN rules r USING (measure, key)
  WHERE abs(p.change) >= r.threshold),
unstepped AS (
  SELECT DISTINCT ON (x.episode_id) x.episode_id, x.measure
  FROM reliable x
  WHERE NOT EXISTS (
    SELECT 1 FROM care_intensitychange i
    WHERE i.episode_id = x.episode_id AND i.changed_at > x.first_at)
  ORDER BY x.episode_id, x.measure COLLATE "C", x.key COLLATE "C"),
missed AS (
  SELECT e.id AS episode_id FROM ep e
  CROSS JOIN LATERAL (
    SELECT count(*) AS n, bool_and(c.outcome = 'did_not_attend') AS all_missed
    FROM (SELECT c.outcome FROM care_contact c
          WHERE c.episode_id = e.id AND c.outcome IN ('attended', 'did_not_attend')
          ORDER BY c.starts_at DESC, c.id DESC LIMIT %(in_a_row)s) c) last
  WHERE last.n = %(in_a_row)s AND last.all_missed),
follow_ups AS (
  SELECT r.person_id, %(today)s - min(h.follow_up_on) AS late
  FROM referrals_handover h JOIN referrals_referral r ON r.id = h.referral_id
  WHERE h.outcome = '' AND h.follow_up_on < %(today)s
    AND r.person_id IN (SELECT person_id FROM ep)
  GROUP BY r.person_id),
days AS (
  SELECT e.id, e.seen, floor(extract(epoch FROM %(now)s - e.since) / 86400)::int AS quiet,
    floor(extract(epoch FROM %(now)s - coalesce(g.last_rated, g.first_open)) / 86400)::int
      AS unrated
  FROM ep e LEFT JOIN goals g ON g.episode_id = e.id AND g.first_open IS NOT NULL),
signals AS (
  SELECT id AS episode_id, CASE WHEN seen
    THEN 'No contact for ' || quiet / 7 || ' week' || CASE WHEN quiet / 7 = 1 THEN '' ELSE 's' END
    ELSE 'No contact since it began, ' || quiet / 7 || ' week'
      || CASE WHEN quiet / 7 = 1 THEN '' ELSE 's' END || ' ago' END AS text
  FROM days WHERE quiet >= %(no_contact_days)s
  UNION ALL
  SELECT id, 'Plan review ' || (%(today)s - review_on) || ' days overdue'
  FROM ep WHERE review_on < %(today)s
  UNION ALL
  SELECT id, 'Goals not rated for ' || unrated / 7 || ' week'
    || CASE WHEN unrated / 7 = 1 THEN '' ELSE 's' END
  FROM days WHERE unrated >= %(unrated_days)s
  UNION ALL
  SELECT episode_id, upper(measure) || ' reliably worse' FROM reliable WHERE worse
  UNION ALL
  SELECT episode_id, upper(measure) || ' changed reliably; intensity not reviewed' FROM unstepped
  UNION ALL
  SELECT episode_id, 'Missed the last ' || %(in_a_row)s || ' appointments' FROM missed
  UNION ALL
  SELECT e.id, 'Follow-up ' || f.late || ' days past its date'
  FROM ep e JOIN follow_ups f USING (person_id)),
flags AS (
  SELECT episode_id, count(*) AS n, array_agg(text ORDER BY text COLLATE "C") AS texts
  FROM signals GROUP BY episode_id)
SELECT h.user_id AS supervisee_id, e.id AS episode_id, e.person_id, p.given_name,
  p.family_name, p.date_of_birth, e.key_worker_id, k.first_name AS key_worker_first_name,
  k.last_name AS key_worker_last_name, e.intensity, coalesce(f.texts, '{}') AS signals
FROM held h
JOIN ep e ON e.id = h.episode_id
JOIN accounts_user u ON u.id = h.user_id
JOIN people_person p ON p.id = e.person_id
LEFT JOIN accounts_user k ON k.id = e.key_worker_id
LEFT JOIN flags f ON f.episode_id = e.id
ORDER BY u.last_name COLLATE "C", u.first_name COLLATE "C", u.id, f.n IS NULL, f.n DESC,
  p.family_name COLLATE "C", e.id
"""


def _params(supervisor_id: int) -> dict[str, Any]:
    from django.utils import timezone

    from alongside.supervision import review

    return {
        "supervisor": supervisor_id,
        "today": timezone.localdate(),
        "now": timezone.now(),
        "in_a_row": review.DNA_IN_A_ROW,
        "no_contact_days": review.NO_CONTACT_WEEKS * 7,
        "unrated_days": review.GOALS_UNRATED_DAYS,
    }


def _hand(supervisor_id: int) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(REVIEW_SQL, _params(supervisor_id))
        return cursor.fetchall()


class _Place:
    """The supervisors, their supervisees and caseloads, built with bulk_create."""

    def __init__(self) -> None:
        from django.utils import timezone

        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.serial = 0
        self.supervisors: dict[int, Any] = {}
        self.episodes = 0
        self.contacts = 0
        self.responses = 0

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
        from alongside.outcomes import registry
        from alongside.supervision.models import AgreementTerm, Kind, SupervisionAgreement

        trust = Organisation.objects.create(
            name="Bench Review NHS Trust", kind=OrganisationKind.NHS_TRUST, ods_code="ZB003"
        )
        charity = Organisation.objects.create(
            name="Bench Review Wellbeing", kind=OrganisationKind.VCSE
        )
        self.team = Team.objects.create(
            organisation=trust,
            name="Bench Review CMHT",
            team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
        )
        self.elsewhere = Team.objects.create(
            organisation=charity, name="Bench Review Wellbeing Service", team_type=TeamType.OTHER
        )
        self.measures = {
            name: (q, registry.measure(q))
            for name in ("dialog", "phq9", "gad7")
            if (q := registry.current(name)) is not None
        }
        since = self.today - dt.timedelta(days=400)
        for size in SIZES:
            supervisor = User.objects.create(
                username=f"bench-review-supervisor-{size}",
                first_name="Supervisor",
                last_name=f"Of {size}",
                password="!",
            )
            workers = User.objects.bulk_create(
                User(
                    username=f"bench-review-{size}-{n}",
                    first_name=self.rng.choice(["Alex", "Sam", "Jo", "Kit", "Ray", "Lee"]),
                    last_name=f"Practitioner {size}-{n:02d}",
                    password="!",
                )
                for n in range(SUPERVISEES + 1)
            )
            Membership.objects.bulk_create(
                Membership(
                    user=u,
                    team=self.team,
                    role=role,
                    started_on=since,
                    status=MembershipStatus.APPROVED,
                )
                for u, role in [
                    (supervisor, Role.SUPERVISOR),
                    *((u, Role.PRACTITIONER) for u in workers),
                ]
            )
            # Eight current agreements, and a ninth that ended last month: that practitioner's
            # caseload is not the supervisor's to review any more.
            agreements = SupervisionAgreement.objects.bulk_create(
                SupervisionAgreement(
                    supervisee=u,
                    supervisor=supervisor,
                    starts_on=since,
                    ends_on=self.today - dt.timedelta(days=30) if n == SUPERVISEES else None,
                    created_by=supervisor,
                )
                for n, u in enumerate(workers)
            )
            AgreementTerm.objects.bulk_create(
                AgreementTerm(agreement=a, kind=kind, every_weeks=weeks)
                for a in agreements
                for kind, weeks in ((Kind.INDIVIDUAL, 4), (Kind.GROUP, 12))
            )
            self.supervisors[size] = supervisor
            for worker in workers:
                colleagues = [u for u in workers if u != worker]
                self._caseload(size, worker, colleagues)

    def _caseload(self, size: int, worker: Any, colleagues: list[Any]) -> None:
        """``size`` open episodes with ``worker`` as key worker, and a few closed ones."""
        from alongside.care.models import (
            Allocation,
            CarePlan,
            CarePlanVersion,
            CareTeamMember,
            Episode,
            Goal,
            GoalRating,
            Intensity,
            IntensityChange,
            PlanNote,
            RatedBy,
        )
        from alongside.people.models import Person
        from alongside.referrals.models import Handover, HandoverKind, Referral, Source, State

        rng, now = self.rng, self.now
        closed = max(1, size // 5)
        count = size + closed
        starts = [now - dt.timedelta(days=rng.randrange(30, 450)) for _ in range(count)]
        # The last few are closed: discharged in the last weeks, not on the caseload any more.
        ends = [
            now - dt.timedelta(days=rng.randrange(1, 20)) if i >= size else None
            for i in range(count)
        ]
        people = Person.objects.bulk_create(
            Person(
                given_name=rng.choice(["Amal", "Bethan", "Ceri", "Dylan", "Eira", "Femi"]),
                family_name=f"Reviewed{self.serial + i:06d}",
                date_of_birth=dt.date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1),
                postcode="LS1 4AP",
            )
            for i in range(count)
        )
        referrals = Referral.objects.bulk_create(
            Referral(
                reference=f"CR{self.serial + i:07d}",
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
                state=State.CLOSED if ended else State.ACCEPTED,
                closed_at=ended,
                closure_reason="02" if ended else "",
            )
            for i, (p, started, ended) in enumerate(zip(people, starts, ends, strict=True))
        )
        self.serial += count
        episodes = Episode.objects.bulk_create(
            Episode(
                person=p,
                referral=r,
                lead_team=self.team,
                started_at=started,
                ended_at=ended,
                discharge_reason="02" if ended else "",
                discharged_by=worker if ended else None,
                intensity=rng.choice(Intensity.values),
            )
            for p, r, started, ended in zip(people, referrals, starts, ends, strict=True)
        )
        self.episodes += size
        Allocation.objects.bulk_create(
            Allocation(
                episode=e,
                key_worker=worker,
                allocated_by=worker,
                started_at=e.started_at,
                ended_at=e.ended_at,
                reason="x",
            )
            for e in episodes
        )
        open_ = episodes[:size]
        # About one in ten also has a colleague in the care team: on two caseloads.
        CareTeamMember.objects.bulk_create(
            CareTeamMember(
                episode=e,
                user=rng.choice(colleagues),
                team=self.team,
                role="Care Partner",
                started_at=e.started_at + dt.timedelta(days=10),
                added_by=worker,
            )
            for e in open_
            if rng.random() < 0.1
        )
        self._contacts(open_, worker)
        plans = CarePlan.objects.bulk_create(
            CarePlan(episode=e, current_version=2) for e in open_ if rng.random() < 0.85
        )
        CarePlanVersion.objects.bulk_create(
            CarePlanVersion(
                plan=plan,
                number=number,
                about_me="What matters to me",
                # The current version's review is due from 40 days ago to 100 days ahead.
                review_on=self.today
                + dt.timedelta(days=rng.randrange(-40, 100) - 90 * (2 - number)),
                created_by=worker,
            )
            for plan in plans
            for number in (1, 2)
        )
        PlanNote.objects.bulk_create(
            PlanNote(episode=e, text="For next time") for e in open_ if rng.random() < 0.2
        )
        goals, ratings = [], []
        for e in open_:
            if rng.random() < 0.1:
                continue
            # Most are rated every month or so; some not for months.
            last = now - dt.timedelta(days=rng.choice([3, 10, 20, 30, 45, 60, 100, 150]))
            for n in range(rng.choice([2, 3])):
                goal = Goal(
                    episode=e,
                    text=rng.choice(["Walk the dog", "Ring a friend", "Sleep better"]),
                    created_at=e.started_at + dt.timedelta(days=7),
                    created_by=worker,
                    ended_at=now - dt.timedelta(days=5) if n == 2 and rng.random() < 0.5 else None,
                )
                goals.append(goal)
                moment = goal.created_at + dt.timedelta(days=14)
                while moment <= last:
                    ratings.append((goal, moment))
                    moment += dt.timedelta(days=30)
        Goal.objects.bulk_create(goals)
        GoalRating.objects.bulk_create(
            GoalRating(
                goal=goal,
                score=rng.randrange(0, 11),
                rated_at=at,
                rated_by=RatedBy.WITH_WORKER,
                recorded_by=worker,
            )
            for goal, at in ratings
        )
        changes = []
        for e in open_:
            changes.append(
                IntensityChange(
                    episode=e,
                    intensity=e.intensity,
                    changed_at=e.started_at,
                    reason="Starting intensity",
                    changed_by=worker,
                )
            )
            if rng.random() < 0.5:
                days = (now - e.started_at).days
                changes.append(
                    IntensityChange(
                        episode=e,
                        intensity=e.intensity,
                        changed_at=e.started_at + dt.timedelta(days=rng.randrange(5, days)),
                        reason="Reviewed in supervision",
                        changed_by=worker,
                    )
                )
        IntensityChange.objects.bulk_create(changes)
        self._outcomes(open_, worker)
        # Warm handovers: about one person in ten has a follow-up past its date, another one in
        # ten one to come or done.
        handovers = []
        for r in referrals[:size]:
            draw = rng.random()
            if draw >= 0.2:
                continue
            done = draw >= 0.1 and rng.random() < 0.5
            due = -rng.randrange(1, 40) if draw < 0.1 else rng.randrange(-20, 30)
            handovers.append(
                Handover(
                    referral=r,
                    kind=HandoverKind.SIGNPOST,
                    team=self.elsewhere,
                    passed_on="Introduced by phone",
                    follow_up_on=self.today + dt.timedelta(days=due),
                    created_by=worker,
                    outcome="connected" if done else "",
                    outcome_by=worker if done else None,
                    outcome_at=now if done else None,
                )
            )
        Handover.objects.bulk_create(handovers)

    def _contacts(self, episodes: list[Any], worker: Any) -> None:
        from alongside.care.models import Contact, Kind, Mode, NoteSharing, Outcome

        rng, now = self.rng, self.now
        contacts = []
        for e in episodes:
            moment = e.started_at + dt.timedelta(days=3)
            # Some people have not been seen lately: their contacts stop weeks ago.
            stop = now - dt.timedelta(weeks=rng.choice([0, 0, 0, 0, 1, 2, 5, 8]))
            missing = rng.random() < 0.1  # the last two missed
            mine = []
            while moment < stop:
                outcome = rng.choices(
                    [Outcome.ATTENDED, Outcome.DID_NOT_ATTEND, Outcome.CANCELLED_BY_PERSON],
                    weights=[80, 13, 7],
                )[0]
                mine.append([moment, outcome])
                moment += dt.timedelta(days=14)
            if missing and len(mine) >= 3:
                mine[-1][1] = mine[-2][1] = Outcome.DID_NOT_ATTEND
            for at, outcome in mine:
                contacts.append(
                    Contact(
                        episode=e,
                        practitioner=worker,
                        team=self.team,
                        starts_at=at,
                        mode=rng.choice(Mode.values),
                        kind=rng.choice(Kind.values),
                        outcome=outcome,
                        duration_minutes=rng.choice([30, 45, 60])
                        if outcome == Outcome.ATTENDED
                        else None,
                        note="Talked about the week, and what comes next.",
                        note_sharing=rng.choice(NoteSharing.values),
                        recorded_by=worker,
                    )
                )
            contacts.append(
                Contact(
                    episode=e,
                    practitioner=worker,
                    team=self.team,
                    starts_at=now + dt.timedelta(days=rng.randrange(1, 20)),
                    mode=Mode.PHONE,
                    kind=Kind.COACHING,
                    outcome=Outcome.PLANNED,
                    recorded_by=worker,
                )
            )
        Contact.objects.bulk_create(contacts, batch_size=5000)
        self.contacts += len(contacts)

    def _outcomes(self, episodes: list[Any], worker: Any) -> None:
        """DIALOG, the PHQ-9 and the GAD-7 every month, scored by the engine; about one person
        in ten getting worse."""
        from alongside.demo.outcomes import ANSWERS, Course, progress
        from alongside.outcomes import engine
        from alongside.outcomes.models import Mode, Response, Score, Status

        rng = self.rng
        responses, results = [], []
        for e in episodes:
            if rng.random() < 0.15:
                continue
            course = Course.draw(rng)
            if rng.random() < 0.12:
                course = dataclasses.replace(
                    course, phq=8.0, phq_gain=-12.0, gad=6.0, gad_gain=-9.0, dialog_gain=-1.5
                )
            at = e.started_at + dt.timedelta(days=3)
            while at < self.now:
                for name, (questionnaire, definition) in self.measures.items():
                    done = progress((at - e.started_at).days)
                    result = engine.score(definition, ANSWERS[name](course, done, rng))
                    responses.append(
                        Response(
                            questionnaire=questionnaire,
                            person_id=e.person_id,
                            episode=e,
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
                    results.append((e, result))
                    at += dt.timedelta(minutes=10)
                at += dt.timedelta(days=30)
        Response.objects.bulk_create(responses, batch_size=2000)
        Score.objects.bulk_create(
            (
                Score(
                    response=response,
                    person_id=response.person_id,
                    episode=e,
                    measure=result.measure.name,
                    key=s.id,
                    value=s.value,
                    band=s.band,
                    snomed=s.rule.code,
                    in_change=s.rule.change,
                    completed_at=response.completed_at,
                )
                for response, (e, result) in zip(responses, results, strict=True)
                for s in result.scores
                if s.value is not None
            ),
            batch_size=5000,
        )
        self.responses += len(responses)


def _review_rows(supervisor: Any) -> list[tuple]:
    """The review's rows as ``caseload_review`` gives them, comparable with the statement's."""
    from alongside.supervision.review import caseload_review

    return [
        (
            review.supervisee.pk,
            case.episode.pk,
            case.episode.person_id,
            case.key_worker.pk if case.key_worker else None,
            case.episode.intensity,
            sorted(signal.text for signal in case.signals),
        )
        for review in caseload_review(supervisor)
        for case in review.cases
    ]


def _same_rows(supervisor: Any) -> tuple[int, int, dict[str, int]]:
    """Check the statement yields the review's rows; (rows, flagged, cases per signal)."""
    from alongside.supervision.review import SIGNALS, caseload_review

    ours = _review_rows(supervisor)
    hand = [(r[0], r[1], r[2], r[6], r[9], list(r[10])) for r in _hand(supervisor.pk)]
    if ours != hand:
        differ = [(a, b) for a, b in zip(ours, hand, strict=False) if a != b][:5]
        raise AssertionError(
            f"The hand-written statement's rows differ from the review's for {supervisor}: "
            f"{len(ours)} rows against {len(hand)}; first differences {differ}"
        )
    per_signal = dict.fromkeys(SIGNALS, 0)
    for review in caseload_review(supervisor):
        for case in review.cases:
            for key in {s.key for s in case.signals}:
                per_signal[key] += 1
    return len(ours), sum(1 for row in ours if row[5]), per_signal


def _time_rows(supervisor: Any) -> tuple[float, float]:
    """(median ms of ``caseload_review``, median ms of the hand-written statement), in turn."""
    from alongside.supervision.review import caseload_review

    orm, hand = [], []
    caseload_review(supervisor)  # warm-up, as the page has
    _hand(supervisor.pk)
    for _ in range(REPEATS):
        started = time.perf_counter()
        caseload_review(supervisor)
        orm.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        _hand(supervisor.pk)
        hand.append((time.perf_counter() - started) * 1000)
    return statistics.median(orm), statistics.median(hand)


def run() -> None:
    data_dir = ROOT / "var" / "bench-caseload-review"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {"ALONGSIDE_DATA_DIR": str(data_dir)}
    measure([str(ALONGSIDE), "migrate", "--no-input", "-v", "0"], env)
    loaded = measure([str(ALONGSIDE), "demo", "--scale", "county"], env)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alongside.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from alongside.care.models import Contact, Episode
    from alongside.referrals.models import Referral

    setup_test_environment()
    referrals = Referral.objects.count()  # the county place's, before ours are added
    started = time.perf_counter()
    place = _Place()
    place.build()
    built_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    contacts = Contact.objects.count()
    open_episodes = Episode.objects.filter(ended_at__isnull=True).count()

    rows, counts, ratios, fired = [], [], [], {}
    load = os.getloadavg()[0]
    for size in SIZES:
        supervisor = place.supervisors[size]
        cases, flagged, per_signal = _same_rows(supervisor)
        fired = {k: fired.get(k, 0) + n for k, n in per_signal.items()}
        client = Client()
        client.force_login(supervisor)
        page_ms, sql_ms, status, queries = measure_page(client, PATH, REPEATS)
        orm_ms, hand_ms = _time_rows(supervisor)
        counts.append(queries)
        ratios.append(page_ms / hand_ms)
        rows.append(
            f"| {SUPERVISEES} × {size} | {cases} | {flagged} | {status} | {queries} | "
            f"{page_ms:.1f} ms | {sql_ms:.1f} ms | {page_ms / sql_ms:.2f}× | {hand_ms:.1f} ms | "
            f"{page_ms / hand_ms:.2f}× | {orm_ms:.1f} ms | {orm_ms / hand_ms:.2f}× |"
        )
        print(rows[-1], flush=True)
    shutil.rmtree(data_dir, ignore_errors=True)

    from alongside.supervision.review import SIGNALS

    constant = len(set(counts)) == 1
    within = sum(r <= TARGET for r in ratios)
    verdict = (
        f"Queries: {'the same' if constant else 'NOT the same'} at every size "
        f"({', '.join(str(n) for n in counts)}). Page within {TARGET:.0f}× of the hand-written "
        f"statement: {within} of {len(ratios)} sizes "
        f"({min(ratios):.2f}× to {max(ratios):.2f}×)."
    )
    signals = ", ".join(f"{SIGNALS[k].lower()} {n}" for k, n in fired.items())
    write_section(
        "caseload_review",
        "Caseload review for a supervisor",
        f"The county place ({referrals:,} referrals; loaded in {loaded.seconds:.0f} s) and, "
        f"built beside it with bulk_create in {built_s:.0f} s, one team where three supervisors "
        f"each supervise {SUPERVISEES} practitioners under a current agreement (and a ninth "
        "whose agreement has ended); each practitioner is key worker for "
        f"{', '.join(str(s) for s in SIZES[:-1])} or {SIZES[-1]} open episodes (one "
        "supervisor for each size) and a few closed ones; about one episode in ten also has "
        "another of the eight in its care team. Each episode has contacts every fortnight "
        "(some missed, some stopping weeks ago), an appointment to come, usually a plan "
        "(some past their review date), goals "
        "rated monthly (some not for months), DIALOG, the PHQ-9 and the GAD-7 every month "
        "(about one person in ten getting worse), steps in intensity, and for some a warm "
        f"handover's follow-up past its date; {open_episodes:,} open episodes and "
        f"{contacts:,} contacts in the database. Cases showing each signal, over the three "
        f"supervisors: {signals}.\n\n"
        f"`{PATH}` as each supervisor (flagged cases only, as it opens), median over "
        f"{REPEATS} requests through the test client: the whole request, with the access "
        "check of everyone listed and their audit rows. 'Its SQL' is every statement the page "
        "ran, run again directly, in turn with the requests. 'Hand SQL' is one statement "
        "written for the review's rows (`REVIEW_SQL` in `benchmarks/caseload_review.py`: "
        "every case on each caseload in the page's order, with its person, key worker, "
        "intensity and its signals' texts), checked to yield exactly the rows "
        "`caseload_review` does before it is timed; 'rows' is `caseload_review` itself (the "
        "review's statements, models built and signals worked out in Python, without the "
        f"access checks, audit or template), timed in turn with it (medians of {REPEATS}). "
        "Targets: the same "
        f"number of queries at every size, and the page within {TARGET:.0f}× of the "
        f"hand-written statement. {verdict} The machine's load average (1 minute) when the "
        f"timing began: {load:.1f}.\n\n"
        "| caseloads | cases | flagged | status | queries | page | its SQL | page ÷ its SQL "
        "| hand SQL | page ÷ hand SQL | rows | rows ÷ hand SQL |\n"
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        + "\n".join(rows),
    )
