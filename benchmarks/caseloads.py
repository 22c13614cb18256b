"""Caseloads and a person's contacts: queries per page and server time beside the raw SQL the
page runs.

A place is built with ``bulk_create`` in a fresh database: one community team whose three key
workers hold 20, 60 and 200 people, each person with a year of contacts, an appointment to come, a
plan and sometimes an unread note from them; one person with three years of contacts (about three
hundred); and a background of other teams' people and contacts for the queries to look past. Each
page is requested through Django's test client (the whole request: middleware, access checks,
audit rows, templates); the SQL statements it ran are captured and run again directly on the same
database, so the page's server time can be read beside its SQL's. Targets: the same number of
queries whatever the caseload's size or the years of contacts, and the page within 2× of its SQL.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import time
from collections import defaultdict

from benchmarks.pages import measure_page
from benchmarks.process import ALONGSIDE, ROOT, measure
from benchmarks.report import write_section

REPEATS = 25
RATIOS: list[float] = []
CASELOADS = (20, 60, 200)
BACKGROUND_PEOPLE = 3000
SEED = 20_261_124


class _Place:
    """Everything built, by bulk_create, with the ids the pages need."""

    def __init__(self) -> None:
        from django.utils import timezone

        self.rng = random.Random(SEED)
        self.now = timezone.now()
        self.serial = 0
        self.workers: dict[int, object] = {}
        self.lead = None
        self.team = None
        self.long_person_id = 0
        self.short_person_id = 0
        self.contacts = 0

    def _ref(self) -> str:
        self.serial += 1
        return f"B{self.serial:07d}"

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
            name="Bench Mental Health NHS Trust", kind=OrganisationKind.NHS_TRUST, ods_code="ZB001"
        )
        teams = Team.objects.bulk_create(
            Team(
                organisation=trust,
                name=f"Bench CMHT {n}",
                team_type=TeamType.COMMUNITY_MENTAL_HEALTH,
            )
            for n in range(6)
        )
        self.team = teams[0]
        users = User.objects.bulk_create(
            User(username=f"bench{n}", first_name="Worker", last_name=f"{n:02d}", password="!")
            for n in range(14)
        )
        self.lead = users[0]
        since = dt.date(2023, 1, 1)
        memberships = [
            Membership(
                user=self.lead,
                team=self.team,
                role=Role.TEAM_LEAD,
                started_on=since,
                status=MembershipStatus.APPROVED,
            )
        ]
        team_workers = [users[1], users[2], users[3]]
        others = users[4:]
        memberships += [
            Membership(
                user=u,
                team=self.team,
                role=Role.PRACTITIONER,
                started_on=since,
                status=MembershipStatus.APPROVED,
            )
            for u in team_workers
        ]
        memberships += [
            Membership(
                user=u,
                team=teams[1 + n // 2],
                role=Role.PRACTITIONER,
                started_on=since,
                status=MembershipStatus.APPROVED,
            )
            for n, u in enumerate(others)
        ]
        Membership.objects.bulk_create(memberships)
        for size, worker in zip(CASELOADS, team_workers, strict=True):
            self.workers[size] = worker
            self._people(size, self.team, worker, months=12)
        # One person followed for three years, twice a week at times, and one for three months:
        # the team lead is their key worker.
        self.long_person_id = self._people(1, self.team, self.lead, months=36, per_week=2)[0]
        self.short_person_id = self._people(1, self.team, self.lead, months=3, per_week=2)[0]
        # The background: other teams' people, for the queries to look past.
        per_worker = BACKGROUND_PEOPLE // len(others)
        for n, worker in enumerate(others):
            self._people(per_worker, teams[1 + n // 2], worker, months=12)

    def _people(self, count: int, team, worker, *, months: int, per_week: float = 0.5) -> list[int]:
        from alongside.care.models import (
            Allocation,
            CarePlan,
            CarePlanVersion,
            Contact,
            Episode,
            Intensity,
            Kind,
            Mode,
            NoteSharing,
            Outcome,
            PlanNote,
        )
        from alongside.people.models import Person
        from alongside.referrals.models import Referral, Source, State

        rng = self.rng
        now = self.now
        started = now - dt.timedelta(days=30 * months)
        people = Person.objects.bulk_create(
            Person(
                given_name=rng.choice(["Amal", "Bethan", "Ceri", "Dylan", "Eira", "Femi"]),
                family_name=f"Person{self.serial + i:06d}",
                date_of_birth=dt.date(1950 + rng.randrange(50), 1 + rng.randrange(12), 1),
                postcode="LS1 4AP",
            )
            for i in range(count)
        )
        referrals = Referral.objects.bulk_create(
            Referral(
                reference=self._ref(),
                source=Source.GP,
                referred_by=worker,
                received_at=started - dt.timedelta(days=14),
                person=p,
                given_name=p.given_name,
                family_name=p.family_name,
                date_of_birth=p.date_of_birth,
                concerns="Low mood",
                team=team,
                accepted_team=team,
                state=State.ACCEPTED,
            )
            for p in people
        )
        episodes = Episode.objects.bulk_create(
            Episode(
                person=p,
                referral=r,
                lead_team=team,
                started_at=started,
                intensity=rng.choice(Intensity.values),
            )
            for p, r in zip(people, referrals, strict=True)
        )
        Allocation.objects.bulk_create(
            Allocation(
                episode=e, key_worker=worker, allocated_by=worker, started_at=started, reason="x"
            )
            for e in episodes
        )
        contacts = []
        for e in episodes:
            moment = started + dt.timedelta(days=3)
            step = dt.timedelta(days=7 / per_week)
            # Some people have not been seen lately: their contacts stop some weeks ago.
            stop = now - dt.timedelta(weeks=rng.choice([0, 0, 0, 1, 2, 6, 9]))
            while moment < stop:
                outcome = rng.choices(
                    [Outcome.ATTENDED, Outcome.DID_NOT_ATTEND, Outcome.CANCELLED_BY_PERSON],
                    weights=[85, 10, 5],
                )[0]
                contacts.append(
                    Contact(
                        episode=e,
                        practitioner=worker,
                        team=team,
                        starts_at=moment,
                        mode=rng.choice(Mode.values),
                        kind=rng.choice(Kind.values),
                        outcome=outcome,
                        duration_minutes=rng.choice([30, 45, 50, 60])
                        if outcome == Outcome.ATTENDED
                        else None,
                        note="Talked about the week, and what comes next." * rng.randrange(1, 4),
                        note_sharing=rng.choice(NoteSharing.values),
                        recorded_by=worker,
                    )
                )
                moment += step
            contacts.append(
                Contact(
                    episode=e,
                    practitioner=worker,
                    team=team,
                    starts_at=now + dt.timedelta(days=rng.randrange(1, 20)),
                    mode=Mode.PHONE,
                    kind=Kind.COACHING,
                    outcome=Outcome.PLANNED,
                    recorded_by=worker,
                )
            )
        Contact.objects.bulk_create(contacts, batch_size=5000)
        self.contacts += len(contacts)
        plans = CarePlan.objects.bulk_create(
            CarePlan(episode=e, current_version=2) for e in episodes if rng.random() < 0.8
        )
        CarePlanVersion.objects.bulk_create(
            CarePlanVersion(
                plan=plan,
                number=number,
                about_me="What matters to me",
                review_on=(now + dt.timedelta(days=rng.randrange(-30, 90))).date(),
                created_by=worker,
            )
            for plan in plans
            for number in (1, 2)
        )
        PlanNote.objects.bulk_create(
            PlanNote(episode=e, text="For next time") for e in episodes if rng.random() < 0.2
        )
        return [p.pk for p in people]


def _row(rows: list[str], counts: dict, label: str, size: str, client, path: str) -> None:
    page_ms, sql_ms, status, n = measure_page(client, path, REPEATS)
    counts[label].append(n)
    RATIOS.append(page_ms / sql_ms)
    rows.append(
        f"| {label} | {size} | {status} | {n} | {page_ms:.1f} ms | "
        f"{sql_ms:.1f} ms | {page_ms / sql_ms:.2f}× |"
    )
    print(rows[-1], flush=True)


def run() -> None:
    data_dir = ROOT / "var" / "bench-caseloads"
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

    from alongside.care.models import Contact

    setup_test_environment()
    started = time.perf_counter()
    place = _Place()
    place.build()
    built_s = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    total_contacts = Contact.objects.count()
    rows: list[str] = []
    counts: dict[str, list[int]] = defaultdict(list)
    for size in CASELOADS:
        client = Client()
        client.force_login(place.workers[size])
        _row(rows, counts, "My caseload", f"{size} people", client, "/care/caseload/")
    worker = Client()
    worker.force_login(place.workers[CASELOADS[0]])
    for person_id, label in (
        (place.short_person_id, "3 months"),
        (place.long_person_id, "3 years"),
    ):
        n = Contact.objects.filter(episode__person_id=person_id).count()
        path = f"/care/person/{person_id}/contacts/"
        _row(rows, counts, "Contacts", f"{label}, {n} contacts", worker, path)
    # The record's frame alone (banner, navigation, the access check and audit) for reference:
    # the details page of the same person.
    _row(
        rows,
        counts,
        "Details (the record's frame, for reference)",
        "–",
        worker,
        f"/people/{place.long_person_id}/",
    )
    lead = Client()
    lead.force_login(place.lead)
    team_size = sum(CASELOADS) + 2
    _row(
        rows,
        counts,
        "Team caseloads",
        f"{team_size} people, 3 key workers",
        lead,
        f"/care/team/{place.team.pk}/caseloads/",
    )
    constant = {label: len(set(n)) == 1 for label, n in counts.items() if len(n) > 1}
    shutil.rmtree(data_dir, ignore_errors=True)
    verdict = "; ".join(
        f"{label}: {'the same' if same else 'NOT the same'} number of queries at every size"
        for label, same in constant.items()
    )
    within = sum(r <= 2 for r in RATIOS)
    verdict += (
        f". Pages within 2× of their SQL: {within} of {len(RATIOS)} "
        f"({min(RATIOS):.1f}× to {max(RATIOS):.1f}×)"
    )
    write_section(
        "caseloads",
        "Caseloads and a person's contacts",
        f"A place built with bulk_create in {built_s:.0f} s: one team whose key workers hold "
        f"{', '.join(str(s) for s in CASELOADS)} people (each with a year of contacts, an "
        "appointment to come, usually a plan, sometimes an unread note), one person with three "
        "years of contacts and one with three months, and "
        f"{BACKGROUND_PEOPLE:,} other people in other teams; {total_contacts:,} contacts in all. "
        f"Median over {REPEATS} requests through the test client: the whole request, with its "
        "access checks and audit rows. 'Its SQL' is every statement the page ran, run again "
        "directly on the same database, in turn with the requests (request, statements, "
        "request…) so that both meet the same load on the machine. Targets: the same number "
        "of queries whatever the size, "
        f"and the page within 2× of its SQL. {verdict}.\n\n"
        "| page | size | status | queries | page | its SQL | page ÷ SQL |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n" + "\n".join(rows),
    )
