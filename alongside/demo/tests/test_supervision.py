"""The demo's supervision: agreements that form a tree, 18 months of sessions as agreed (with
some people overdue), case discussions of people on the supervisee's caseload, steps agreed in
supervision that are the episodes' intensity changes, and actions.

The tests share one small place, built once for the module (and flushed after it).
"""

import datetime as dt
import itertools
import statistics
from collections import defaultdict

import pytest
from django.db.models import Q
from django.utils import timezone

from alongside.care.models import Allocation, CareTeamMember, Episode, Intensity, IntensityChange
from alongside.demo.generator import flush, generate
from alongside.demo.supervision import DURATIONS, POLICIES
from alongside.demo.tests.pinned import AS_OF, FIRST_DAY, NOW
from alongside.organisations.models import Membership, Role, TeamType
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

SMALL = 400
SEED = 7
REF = AS_OF
_LEVEL = {Intensity.LOW: 0, Intensity.MEDIUM: 1, Intensity.HIGH: 2}
MODELS = (
    SupervisionPolicy,
    SupervisionAgreement,
    AgreementTerm,
    SupervisionSession,
    Attendee,
    CaseDiscussion,
    SupervisionAction,
)


@pytest.fixture(scope="module")
def place(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        counts = generate(SEED, SMALL, as_of=AS_OF)
        try:
            yield counts
        finally:
            flush()


def local_day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def clinical_roles() -> dict[int, set[str]]:
    roles: dict[int, set[str]] = defaultdict(set)
    for user_id, role in Membership.objects.exclude(
        team__team_type__in=[TeamType.OTHER, TeamType.PUBLIC_HEALTH]
    ).values_list("user_id", "role"):
        roles[user_id].add(role)
    return roles


def overdue_terms(on: dt.date) -> dict[int, list[tuple[str, int]]]:
    """Each supervisee's terms overdue on the day, with the days overdue: the next session is
    due ``every_weeks`` × 7 days after the later of the agreement's start and the latest session
    of that kind with that supervisor the supervisee attended; overdue once that day passed."""
    latest: dict[tuple[int, int, str], dt.date] = {}
    for user_id, supervisor_id, kind, held in Attendee.objects.filter(
        session__held_on__lte=on
    ).values_list("user_id", "session__supervisor_id", "session__kind", "session__held_on"):
        key = (user_id, supervisor_id, kind)
        latest[key] = max(held, latest.get(key, held))
    found: dict[int, list[tuple[str, int]]] = defaultdict(list)
    for term in AgreementTerm.objects.filter(
        agreement__in=SupervisionAgreement.objects.current(on)
    ).select_related("agreement"):
        a = term.agreement
        since = max(
            a.starts_on, latest.get((a.supervisee_id, a.supervisor_id, term.kind), a.starts_on)
        )
        due = since + dt.timedelta(weeks=term.every_weeks)
        if due < on:
            found[a.supervisee_id].append((term.kind, (on - due).days))
    return found


def snapshot() -> dict[str, list]:
    """The stage's rows, without ids (they differ from load to load)."""
    reference = "episode__referral__reference"

    def rows(queryset, *fields):
        return sorted(queryset.values_list(*fields), key=repr)

    return {
        "policies": rows(SupervisionPolicy.objects, "role", "kind", "every_weeks"),
        "agreements": rows(
            SupervisionAgreement.objects,
            "supervisee__username",
            "supervisor__username",
            "starts_on",
            "ends_on",
            "created_at",
            "terms__kind",
            "terms__every_weeks",
        ),
        "sessions": rows(
            SupervisionSession.objects,
            "supervisor__username",
            "kind",
            "held_on",
            "duration_minutes",
            "reflections",
            "recorded_at",
            "attendees__user__username",
        ),
        "discussions": rows(
            CaseDiscussion.objects,
            "session__supervisor__username",
            "session__held_on",
            "session__kind",
            f"{reference}",
            "supervisee__username",
            "goals_progress",
            "working",
            "step",
            "intensity_change__changed_at",
            "risks",
            "next_steps",
        ),
        "actions": rows(
            SupervisionAction.objects,
            "session__supervisor__username",
            "session__held_on",
            f"discussion__{reference}",
            "owner__username",
            "text",
            "due_on",
            "done_at",
            "done_by__username",
        ),
        "intensity": rows(
            IntensityChange.objects,
            f"{reference}",
            "intensity",
            "changed_at",
            "reason",
            "changed_by__username",
        ),
    }


@pytest.mark.django_db
def test_the_stage_writes_every_kind_of_row(place):
    assert place["supervision_policies"] == SupervisionPolicy.objects.count() == 4
    assert {(p.role, p.kind, p.every_weeks) for p in SupervisionPolicy.objects.all()} == {
        (role, kind, weeks) for role, terms in POLICIES.items() for kind, weeks in terms.items()
    }
    assert place["supervision_agreements"] == SupervisionAgreement.objects.count() > 0
    assert place["agreement_terms"] == AgreementTerm.objects.count()
    assert place["supervision_sessions"] == SupervisionSession.objects.count() > 0
    assert place["supervision_attendees"] == Attendee.objects.count()
    assert place["case_discussions"] == CaseDiscussion.objects.count() > 0
    assert place["supervision_actions"] == SupervisionAction.objects.count() > 0
    assert place["steps_agreed_in_supervision"] == (
        CaseDiscussion.objects.exclude(step=Step.NONE).count()
    )
    assert set(SupervisionSession.objects.values_list("kind", flat=True)) == set(Kind.values)


@pytest.mark.django_db
def test_every_row_is_what_the_models_would_accept(place):
    for model in MODELS:
        for row in model.objects.order_by("?")[:60]:
            row.full_clean()
    for a in SupervisionAgreement.objects.order_by("?")[:60]:
        assert a.terms.exists()


@pytest.mark.django_db
def test_agreements_never_overlap_nobody_supervises_themself_and_the_chain_is_a_tree(place):
    agreements = list(SupervisionAgreement.objects.order_by("starts_on"))
    by_pair = defaultdict(list)
    by_supervisee = defaultdict(list)
    for a in agreements:
        assert a.supervisee_id != a.supervisor_id
        by_pair[a.supervisee_id, a.supervisor_id].append(a)
        by_supervisee[a.supervisee_id].append(a)
    for group in (*by_pair.values(), *by_supervisee.values()):
        # One at a time: a pair's agreements never overlap, nor does anyone have two supervisors.
        for earlier, later in itertools.pairwise(group):
            assert earlier.ends_on is not None and earlier.ends_on < later.starts_on
    # Some ended within the 18 months and were replaced by one with someone else the next day.
    replaced = [g for g in by_supervisee.values() if len(g) > 1]
    assert replaced
    for first, second in replaced:
        assert first.ends_on >= FIRST_DAY and second.starts_on == first.ends_on + dt.timedelta(1)
        assert first.supervisor_id != second.supervisor_id
    # Upwards only: following anyone's supervisors never comes back to them.
    above = defaultdict(set)
    for a in agreements:
        above[a.supervisee_id].add(a.supervisor_id)
    for start in above:
        seen, todo = set(), [start]
        while todo:
            for up in above.get(todo.pop(), ()):
                assert up != start
                if up not in seen:
                    seen.add(up)
                    todo.append(up)


@pytest.mark.django_db
def test_every_practitioner_is_supervised_and_care_partners_often_across_organisations(place):
    roles = clinical_roles()
    current = {
        a.supervisee_id: a
        for a in SupervisionAgreement.objects.current(REF).select_related(
            "supervisee", "supervisor"
        )
    }
    practitioners = [u for u, r in roles.items() if r == {Role.PRACTITIONER}]
    assert practitioners
    settled = Membership.objects.filter(
        user_id__in=practitioners, started_on__lt=REF - dt.timedelta(days=45)
    ).values_list("user_id", flat=True)
    assert set(settled) <= set(current)
    for user_id in practitioners:
        if user_id in current:
            terms = dict(current[user_id].terms.values_list("kind", "every_weeks"))
            assert terms.get(Kind.INDIVIDUAL) == 4 and terms.get(Kind.GROUP, 12) == 12
            assert Role.SUPERVISOR in roles[current[user_id].supervisor_id]
    # Supervisors have meta-supervision (every 8 weeks) with a senior clinician (a team lead).
    supervisors = [u for u, r in roles.items() if Role.SUPERVISOR in r and u in current]
    assert supervisors
    for user_id in supervisors:
        agreement = current[user_id]
        assert agreement.terms.filter(kind=Kind.META, every_weeks=8).exists()
        assert Role.TEAM_LEAD in roles[agreement.supervisor_id]
    # VCSE practitioners: some supervised in their own organisation, many by a trust clinician.
    org_of = dict(Membership.objects.values_list("user_id", "team__organisation__kind"))
    vcse = [current[u] for u in practitioners if u in current and org_of[u] == "vcse"]
    across = [a for a in vcse if org_of[a.supervisor_id] == "nhs_trust"]
    assert 0.2 * len(vcse) <= len(across) <= 0.8 * len(vcse)


@pytest.mark.django_db
def test_sessions_follow_the_agreements(place):
    agreements = defaultdict(list)
    for a in SupervisionAgreement.objects.prefetch_related("terms"):
        agreements[a.supervisee_id, a.supervisor_id].append(a)
    for session in SupervisionSession.objects.prefetch_related("attendees"):
        assert FIRST_DAY <= session.held_on < REF
        assert session.duration_minutes in DURATIONS[session.kind]
        assert session.recorded_by_id == session.supervisor_id
        assert local_day(session.recorded_at) >= session.held_on and session.recorded_at < NOW
        people = [a.user_id for a in session.attendees.all()]
        assert people and session.supervisor_id not in people
        if session.kind != Kind.GROUP:
            assert len(people) == 1
        for user_id in people:
            # As recording it would require: a current agreement with the supervisor that day,
            # with a term of the session's kind (a case review is extra to the terms).
            pair = agreements[user_id, session.supervisor_id]
            current = [a for a in pair if a.is_current(session.held_on)]
            assert len(current) == 1, session
            if session.kind != Kind.CASE_REVIEW:
                assert session.kind in {t.kind for t in current[0].terms.all()}


@pytest.mark.django_db
def test_sessions_are_mostly_on_time_with_some_late(place):
    held = defaultdict(list)
    for user_id, supervisor_id, held_on in Attendee.objects.filter(
        session__kind=Kind.INDIVIDUAL
    ).values_list("user_id", "session__supervisor_id", "session__held_on"):
        held[user_id, supervisor_id].append(held_on)
    weeks = {}
    for a in SupervisionAgreement.objects.prefetch_related("terms"):
        for t in a.terms.all():
            if t.kind == Kind.INDIVIDUAL:
                weeks[a.supervisee_id, a.supervisor_id] = t.every_weeks
    gaps = []
    for key, days in held.items():
        days.sort()
        gaps += [(b - a).days / (7 * weeks[key]) for a, b in itertools.pairwise(days)]
    late = [g for g in gaps if g > 1]
    assert 0.05 <= len(late) / len(gaps) <= 0.3
    assert 0.6 <= statistics.mean(gaps) <= 1.05


@pytest.mark.django_db
def test_some_practitioners_are_overdue_at_the_reference_date_and_most_are_not(place):
    roles = clinical_roles()
    supervised = set(
        SupervisionAgreement.objects.current(REF).values_list("supervisee_id", flat=True)
    )
    practitioners = [u for u in supervised if roles[u] == {Role.PRACTITIONER}]
    overdue = overdue_terms(REF)
    late = [u for u in practitioners if u in overdue]
    assert late
    assert len(late) <= 0.25 * len(practitioners)
    # Everyone overdue is overdue for individual supervision; the rest are up to date in all.
    assert all(Kind.INDIVIDUAL in {kind for kind, _ in overdue[u]} for u in late)


@pytest.mark.django_db
def test_group_sessions_have_several_attendees_and_meta_supervision_happens(place):
    sizes = [
        s.attendees.count()
        for s in SupervisionSession.objects.filter(kind=Kind.GROUP).prefetch_related("attendees")
    ]
    assert sizes and min(sizes) >= 2 and statistics.mean(sizes) >= 3
    roles = clinical_roles()
    meta = Attendee.objects.filter(session__kind=Kind.META)
    assert meta.exists()
    for user_id, supervisor_id in meta.values_list("user_id", "session__supervisor_id"):
        assert roles[user_id] & {Role.SUPERVISOR, Role.TEAM_LEAD}
        assert Role.TEAM_LEAD in roles[supervisor_id]
    assert not CaseDiscussion.objects.filter(session__kind=Kind.META).exists()


@pytest.mark.django_db
def test_every_discussion_is_of_someone_on_the_supervisees_caseload_that_day(place):
    spells = defaultdict(list)
    for model, user in ((Allocation, "key_worker_id"), (CareTeamMember, "user_id")):
        for episode_id, user_id, started, ended in model.objects.values_list(
            "episode_id", user, "started_at", "ended_at"
        ):
            spells[episode_id, user_id].append((started, ended))
    episodes = {e.pk: e for e in Episode.objects.all()}
    discussions = list(CaseDiscussion.objects.select_related("session"))
    assert discussions
    for d in discussions:
        day = d.session.held_on
        episode = episodes[d.episode_id]
        assert local_day(episode.started_at) <= day
        assert episode.ended_at is None or local_day(episode.ended_at) >= day
        assert any(
            local_day(started) <= day and (ended is None or local_day(ended) >= day)
            for started, ended in spells[d.episode_id, d.supervisee_id]
        ), d
        assert d.session.attendees.filter(user_id=d.supervisee_id).exists()
        assert d.goals_progress and d.next_steps and d.risks
    # Goals in the person's own words: their plan's goals, quoted.
    quoted = [d for d in discussions if d.goals_progress.startswith('Goal: "')]
    assert len(quoted) > 0.5 * len(discussions)
    for d in quoted[:100]:
        goal = d.goals_progress.split('"')[1]
        assert d.episode.goals.filter(text=goal).exists()


@pytest.mark.django_db
def test_steps_agreed_in_supervision_are_the_episodes_intensity_changes(place):
    stepped = list(
        CaseDiscussion.objects.exclude(step=Step.NONE).select_related("session", "intensity_change")
    )
    discussions = CaseDiscussion.objects.count()
    assert 0.03 * discussions <= len(stepped) <= 0.35 * discussions
    assert not CaseDiscussion.objects.filter(
        step=Step.NONE, intensity_change__isnull=False
    ).exists()
    history = defaultdict(list)
    for change in IntensityChange.objects.order_by("changed_at", "id"):
        history[change.episode_id].append(change)
    for d in stepped:
        change = d.intensity_change
        assert change.episode_id == d.episode_id
        assert local_day(change.changed_at) == d.session.held_on
        assert change.changed_by_id == d.session.supervisor_id
        assert change.reason.startswith("Agreed in supervision")
        changes = history[d.episode_id]
        before = changes[changes.index(change) - 1]
        direction = _LEVEL[change.intensity] - _LEVEL[before.intensity]
        assert direction == (1 if d.step == Step.UP else -1)
    # The history stays whole: one level at a time, and the episode's intensity is the latest.
    intensity = dict(Episode.objects.values_list("pk", "intensity"))
    for episode_id, changes in history.items():
        for a, b in itertools.pairwise(changes):
            assert abs(_LEVEL[a.intensity] - _LEVEL[b.intensity]) == 1
        assert intensity[episode_id] == changes[-1].intensity


@pytest.mark.django_db
def test_actions_have_owners_most_are_done_and_some_are_carried_or_overdue(place):
    actions = list(SupervisionAction.objects.select_related("session", "discussion"))
    assert actions
    for a in actions:
        assert a.owner_id and a.text and a.due_on > a.session.held_on
        if a.discussion is not None:
            assert a.discussion.session_id == a.session_id
        if a.done_at is not None:
            assert a.done_by_id and local_day(a.done_at) > a.session.held_on and a.done_at < NOW
    done = [a for a in actions if a.done_at]
    carried = [a for a in actions if not a.done_at and a.due_on >= REF]
    overdue = [a for a in actions if not a.done_at and a.due_on < REF]
    assert len(done) >= 0.7 * len(actions)
    assert carried and overdue
    assert len(overdue) <= 0.2 * len(actions)


@pytest.mark.django_db
def test_the_demo_sign_ins_have_supervision_to_show(place):
    current = SupervisionAgreement.objects.current(REF)
    mine = current.filter(supervisor__username="supervisor")
    practitioner = mine.get(supervisee__username="practitioner")
    care_partner = mine.get(supervisee__username="carepartner")
    assert practitioner.starts_on < FIRST_DAY and care_partner.starts_on < FIRST_DAY
    assert current.filter(supervisee__username="supervisor", terms__kind=Kind.META).exists()
    # The Care Partner is supervised across organisations.
    assert (
        Membership.objects.filter(user__username="carepartner").get().team.organisation_id
        != Membership.objects.filter(user__username="supervisor").get().team.organisation_id
    )
    # A session with the key worker in the last week, a person discussed, an open action.
    latest = (
        SupervisionSession.objects.filter(
            supervisor__username="supervisor",
            kind=Kind.INDIVIDUAL,
            attendees__user__username="practitioner",
        )
        .order_by("-held_on")
        .first()
    )
    assert REF - dt.timedelta(days=8) <= latest.held_on < REF
    assert latest.discussions.exists()
    assert latest.actions.filter(owner__username="practitioner", done_at__isnull=True).exists()
    # The key worker is up to date; the Care Partner is a little overdue for individual.
    overdue = overdue_terms(REF)
    ids = dict(
        Membership.objects.filter(user__username__in=["practitioner", "carepartner"]).values_list(
            "user__username", "user_id"
        )
    )
    assert ids["practitioner"] not in overdue
    late = dict(overdue[ids["carepartner"]])
    assert 1 <= late[Kind.INDIVIDUAL] <= 14


@pytest.mark.django_db
def test_the_same_seed_makes_the_same_supervision_and_flush_removes_it(place):
    first = snapshot()
    flush()
    for model in MODELS:
        assert not model.objects.exists(), model
    assert not IntensityChange.objects.exists()
    generate(SEED, SMALL, as_of=AS_OF)
    assert snapshot() == first
    assert not SupervisionSession.objects.filter(Q(held_on__gte=REF) | Q(held_on__lt=FIRST_DAY))
