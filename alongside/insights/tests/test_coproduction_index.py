"""The co-production index on a hand-worked place, built through the platform's own records and
read live on PostgreSQL: every component of every team worked out here, the groups as means of
their teams, the same figures from the research extract on DuckDB, and the care component held
to ``coproduction.signals`` (the co-production pages' reading of the same rule).

The place, evaluated on Saturday 31 October 2026 (the window for reviews and involvements is
1 August to 31 October):

* **North CMHT** (NHS trust, serves North): every component known.
* **Early intervention** (the same trust, serves North and South): care only.
* **Care Partners** (voluntary sector, serves South): a review and an involvement, no episodes.
* **Crisis line** (the trust): involvements only, so no index.
* **Home treatment** (the trust): an open episode with nothing recorded, so no index.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import (
    AgreementMethod,
    Authorship,
    CarePlan,
    CarePlanVersion,
    ContactPreferences,
    Episode,
    Goal,
    Mode,
    Outcome,
    TimeOfDay,
    time_of_day,
)
from alongside.care.tests.factories import ContactFactory, EpisodeFactory
from alongside.coproduction import signals
from alongside.coproduction.models import (
    Characteristic,
    Expert,
    Involvement,
    Raters,
    Rating,
    Review,
    Reward,
    RoleKind,
)
from alongside.insights import metrics, presenters
from alongside.insights.engines import DuckDBEngine, PostgresEngine
from alongside.insights.extract import write_extract
from alongside.insights.metrics import BY_KEY, Filters, Period
from alongside.insights.tests.test_views import as_page, csv_rows, page_table
from alongside.meetings.models import AgendaItem, Decision, LocalityMeeting
from alongside.organisations.models import OrganisationKind, Role, Team
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)
from alongside.outcomes import registry
from alongside.outcomes.tests.factories import answered

pytestmark = pytest.mark.django_db

INDEX = BY_KEY["coproduction_index"]
OCTOBER = Period.month(2026, 10)
JULY = Period.month(2026, 7)
BREAKDOWNS = [None, "team", "provider_type", "locality"]


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment in England."""
    naive = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute))
    return timezone.make_aware(naive)


def on(day: str) -> dt.date:
    return dt.date.fromisoformat(day)


@dataclass
class Built:
    north_cmht: Team
    early: Team
    partners: Team
    crisis: Team
    home: Team
    worker: User

    def label(self, team: Team) -> str:
        return f"{team.name} ({team.organisation.name})"


def version(
    episode: Episode,
    number: int,
    written: str,
    by: User,
    *,
    agreed: str | None = None,
    authorship: dict[str, str] | None = None,
    present: bool | None = None,
) -> CarePlanVersion:
    plan, _ = CarePlan.objects.get_or_create(episode=episode)
    plan.current_version = number
    plan.save()
    return CarePlanVersion.objects.create(
        plan=plan,
        number=number,
        about_me="What matters to me.",
        created_by=by,
        created_at=at(written, 15),
        agreed_on=on(agreed) if agreed else None,
        agreement_method=AgreementMethod.SPOKEN if agreed else "",
        authorship=authorship or {},
        person_present=present,
    )


def goal(episode: Episode, set_on: str, by: User, worded_by: str, ended: str | None = None) -> Goal:
    return Goal.objects.create(
        episode=episode,
        text="Back to the allotment",
        created_at=at(set_on, 11),
        created_by=by,
        ended_at=at(ended, 11) if ended else None,
        worded_by=worded_by,
    )


def contact(episode: Episode, starts: dt.datetime, by: User, **fields: object) -> None:
    fields.setdefault("mode", Mode.FACE_TO_FACE)
    ContactFactory(episode=episode, practitioner=by, starts_at=starts, **fields)


def review(team: Team, held: str, by: User, experts: list[int] | None, staff: list[int]) -> None:
    made = Review.objects.create(team=team, held_on=on(held), staff_raters=4, created_by=by)
    for raters, scores in ((Raters.EXPERTS, experts), (Raters.STAFF, staff)):
        for characteristic, score in zip(Characteristic, scores or [], strict=False):
            Rating.objects.create(
                review=made,
                raters=raters,
                characteristic=characteristic,
                score=score,
                evidence="Examples from the quarter",
                recorded_by=by,
            )


def involvement(
    expert: Expert, team: Team | None, day: str, by: User, changed_on: str | None = None
) -> None:
    Involvement.objects.create(
        expert=expert,
        kind=RoleKind.SERVICE_DESIGN,
        on=on(day),
        hours=Decimal("2"),
        team=team,
        organisation=(team.organisation if team else expert.organisation),
        what="Redesigning the first appointment letter",
        changed="The letter now says what to expect" if changed_on else "",
        changed_on=on(changed_on) if changed_on else None,
        reward=Reward.PAYMENT,
        recorded_by=by,
    )


@pytest.fixture
def built() -> Built:
    north = LocalityFactory(name="North")
    south = LocalityFactory(name="South")
    trust = OrganisationFactory(name="Wyvern NHS Trust", kind=OrganisationKind.NHS_TRUST)
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    north_cmht = TeamFactory(organisation=trust, name="North CMHT", localities=[north])
    early = TeamFactory(organisation=trust, name="Early intervention", localities=[north, south])
    partners = TeamFactory(organisation=vcse, name="Care Partners", localities=[south])
    crisis = TeamFactory(organisation=trust, name="Crisis line", localities=[north])
    home = TeamFactory(organisation=trust, name="Home treatment", localities=[south])
    worker = UserFactory()
    registry.load_wording(
        {
            "wordingFor": "collaborate",
            "version": "1",
            "licence": "Synthetic wording for tests",
            "items": {str(n): {"text": f"Question {n}"} for n in (1, 2, 3)},
        }
    )

    # --- North CMHT's care: four episodes, three of them open on 31 October.
    a1 = EpisodeFactory(lead_team=north_cmht, started_at=at("2026-08-01", 9))
    version(a1, 1, "2026-08-10", worker, agreed="2026-08-12", present=True,
            authorship={"about_me": Authorship.PERSON, "strengths": Authorship.TOGETHER,
                        "warning_signs": Authorship.PRACTITIONER})  # fmt: skip
    version(a1, 2, "2026-10-01", worker, present=False,
            authorship={"about_me": Authorship.PERSON,
                        "strengths": Authorship.PRACTITIONER})  # fmt: skip
    # After the day: not counted.
    version(a1, 3, "2026-11-05", worker, agreed="2026-11-05", present=True,
            authorship={"about_me": Authorship.PERSON})  # fmt: skip
    goal(a1, "2026-08-10", worker, Authorship.PERSON)
    goal(a1, "2026-08-10", worker, Authorship.TOGETHER)
    goal(a1, "2026-08-10", worker, "")  # wording not recorded: left out
    goal(a1, "2026-08-10", worker, Authorship.PERSON, ended="2026-09-01")  # ended: left out
    preferences = ContactPreferences.objects.create(
        person=a1.person, modes=[Mode.FACE_TO_FACE], times=[TimeOfDay.MORNING],
        others_may_join=False, updated_by=worker,
    )  # fmt: skip
    ContactPreferences.objects.filter(pk=preferences.pk).update(updated_at=at("2026-09-01"))
    contact(a1, at("2026-08-20"), worker)  # before the preferences: not judged
    contact(a1, at("2026-09-01"), worker)  # the very moment they were stated: kept to
    contact(a1, at("2026-09-10"), worker)  # kept to
    contact(a1, at("2026-09-17", 18), worker)  # an evening
    contact(a1, at("2026-09-24"), worker, mode=Mode.PHONE)  # a phone call
    contact(a1, at("2026-10-01"), worker, others_present=True)  # someone else joined
    contact(a1, at("2026-10-08"), worker, outcome=Outcome.DID_NOT_ATTEND)  # not attended
    contact(a1, at("2026-11-02"), worker)  # after the day
    answered(a1, "collaborate", ["9", "9", "9"], by=worker, at=at("2026-09-15"))  # top
    answered(a1, "collaborate", ["9", "8", "9"], by=worker, at=at("2026-10-20"))
    answered(a1, "collaborate", ["9", "9", "9"], by=worker, at=at("2026-11-10"))  # after
    # Locality meetings: decided with the person there; decided, presence not recorded; not
    # decided yet; decided after the day.
    for day, present, decided in (
        ("2026-10-05", True, True),
        ("2026-10-12", None, True),
        ("2026-10-19", False, False),
        ("2026-11-03", False, True),
    ):
        meeting = LocalityMeeting.objects.create(
            locality=north, starts_at=at(day, 14), place="The hub", created_by=worker
        )
        AgendaItem.objects.create(
            meeting=meeting, episode=a1, added_by=worker, person_present=present,
            decision=Decision.ALLOCATE if decided else "",
            decided_at=at(day, 15) if decided else None, decided_by=worker if decided else None,
        )  # fmt: skip
    a2 = EpisodeFactory(lead_team=north_cmht, started_at=at("2026-10-20", 9))  # 11 days
    goal(a2, "2026-10-21", worker, Authorship.PERSON)
    a3 = EpisodeFactory(lead_team=north_cmht, started_at=at("2026-07-01", 9))
    Episode.objects.filter(pk=a3.pk).update(ended_at=at("2026-09-30", 16), discharge_reason="01")
    goal(a3, "2026-07-05", worker, Authorship.PRACTITIONER)  # discharged: not counted
    a4 = EpisodeFactory(lead_team=north_cmht, started_at=at("2026-07-01", 9))
    version(a4, 1, "2026-07-10", worker, agreed="2026-07-12",
            authorship={"about_me": Authorship.PERSON})  # fmt: skip
    Episode.objects.filter(pk=a4.pk).update(ended_at=at("2026-10-31", 9), discharge_reason="01")

    # --- North CMHT's reviews and involvements.
    review(north_cmht, "2026-06-15", worker, experts=[5] * 6, staff=[5] * 6)  # before
    review(north_cmht, "2026-09-10", worker, experts=[4, 4, 3, 3, 2, 2], staff=[5] * 6)
    review(north_cmht, "2026-10-20", worker, experts=None, staff=[5] * 6)  # staff only
    expert = Expert.objects.create(
        given_name="Sam", family_name="Okafor", organisation=trust,
        consent_on=on("2025-01-01"), created_by=worker,
    )  # fmt: skip
    involvement(expert, north_cmht, "2026-07-20", worker, changed_on="2026-07-25")  # before
    involvement(expert, north_cmht, "2026-08-15", worker, changed_on="2026-09-01")
    involvement(expert, north_cmht, "2026-09-20", worker, changed_on="2026-11-10")  # later
    involvement(expert, north_cmht, "2026-10-05", worker)
    involvement(expert, north_cmht, "2026-10-30", worker, changed_on="2026-10-31")
    involvement(expert, None, "2026-10-01", worker, changed_on="2026-10-02")  # the trust's

    # --- Early intervention: one episode, no review, no involvement.
    b1 = EpisodeFactory(lead_team=early, started_at=at("2026-09-01", 9))
    version(b1, 1, "2026-09-05", worker, agreed="2026-09-06", present=True,
            authorship={"about_me": Authorship.PERSON, "strengths": Authorship.PERSON})  # fmt: skip
    goal(b1, "2026-09-05", worker, Authorship.PRACTITIONER)
    trust_review = Review.objects.create(organisation=trust, held_on=on("2026-09-01"),
                                         created_by=worker)  # fmt: skip
    Rating.objects.create(
        review=trust_review,
        raters=Raters.EXPERTS,
        characteristic=Characteristic.ASSETS,
        score=1,
        evidence="Few",
        recorded_by=worker,
    )  # fmt: skip  (the trust's, no team's)

    # --- Care Partners: a review and an involvement, no episodes.
    review(partners, "2026-08-20", worker, experts=[5, 5, 5, 4, 4, 4], staff=[3] * 6)
    peer = Expert.objects.create(
        given_name="Jo", family_name="Bell", organisation=vcse, consent_on=on("2025-01-01"),
        created_by=worker,
    )  # fmt: skip
    involvement(peer, partners, "2026-09-09", worker, changed_on="2026-09-30")

    # --- Crisis line: involvements only. Home treatment: an episode with nothing recorded.
    involvement(expert, crisis, "2026-10-10", worker, changed_on="2026-10-11")
    EpisodeFactory(lead_team=home, started_at=at("2026-10-21", 9))
    return Built(north_cmht, early, partners, crisis, home, worker)


# North CMHT, pooled over a1, a2 and a4 (a3 was discharged before the day):
#   plan agreed       a1's latest version by the day (2) is not agreed; a4's (1) is; a2 is
#                     11 days old, not yet due                                  1 of 2 = 0.5
#   sections          a1's version 2: 1 of 2; a4's version 1: 1 of 1            2 of 3
#   goals             a1: 1 of 2 (one unrecorded, one ended); a2: 1 of 1         2 of 3
#   present           a1's versions 1 (yes) and 2 (no), the meeting's decision (yes); the
#                     undecided item and the unrecorded ones left out            2 of 3
#   preferences       from 1 September: kept to at 10:00 on 1 and 10 September; not in the
#                     evening, by phone, or with someone else there              2 of 5 = 0.4
#   CollaboRATE       top in September, not in October; November's after        1 of 2 = 0.5
#   care = (0.5 + 2/3 + 2/3 + 2/3 + 0.4 + 0.5) / 6 = 3.4 / 6                    = 56.667
#   review = the experts' mean on 10 September, 3, as (3 − 1) / 4 (the staff-only review of
#            20 October and June's, before the window, do not count)            = 50
#   involvement = 2 of the 4 in the window have a change recorded by the day     = 50
#   index = 0.4 × 56.667 + 0.4 × 50 + 0.2 × 50                                   = 52.667
NORTH_CARE = 100 * 3.4 / 6
NORTH = 0.4 * NORTH_CARE + 0.4 * 50 + 0.2 * 50
# Early intervention: plan agreed 1/1, sections 2/2, present 1/1, goals 0/1: care = 3/4 = 75;
# no review; no involvement, so 0: index = (0.4 × 75 + 0.2 × 0) / 0.6 = 50.
EARLY = (0.4 * 75 + 0.2 * 0) / 0.6
# Care Partners: experts' mean 4.5, (4.5 − 1) / 4 = 87.5; its one involvement changed: 100;
# no care: index = (0.4 × 87.5 + 0.2 × 100) / 0.6 = 91.667.
PARTNERS = (0.4 * 87.5 + 0.2 * 100) / 0.6


def figures(engine, period=OCTOBER, filters=metrics.NO_FILTERS) -> dict:
    rows = metrics.compute_many(engine, INDEX, period, BREAKDOWNS, filters=filters)
    return {(r["dimension"], r["group"]): r for r in rows}


def test_the_index_on_a_hand_worked_place_where_every_component_is_known(built):
    found = figures(PostgresEngine())
    north = found[("team", built.label(built.north_cmht))]
    assert (north["denominator"], north["numerator"]) == (1, 1)
    assert north["care"] == pytest.approx(NORTH_CARE, abs=0.005)
    assert (north["review"], north["involvement"]) == (50.0, 50.0)
    assert north["mean"] == pytest.approx(NORTH, abs=0.005)
    assert (north["episodes"], north["involvements"]) == (3, 4)

    early = found[("team", built.label(built.early))]
    assert (early["care"], early["review"], early["involvement"]) == (75.0, None, 0.0)
    assert early["mean"] == pytest.approx(EARLY) == 50.0
    assert (early["numerator"], early["episodes"], early["involvements"]) == (0, 1, 0)

    partners = found[("team", built.label(built.partners))]
    assert (partners["care"], partners["review"], partners["involvement"]) == (None, 87.5, 100.0)
    assert partners["mean"] == pytest.approx(PARTNERS, abs=0.005)

    # The crisis line (involvements only) and home treatment (nothing recorded) have none.
    assert {g for d, g in found if d == "team"} == {
        built.label(built.north_cmht),
        built.label(built.early),
        built.label(built.partners),
    }
    place = found[(None, None)]
    assert (place["denominator"], place["numerator"]) == (3, 1)
    assert place["mean"] == pytest.approx((NORTH + EARLY + PARTNERS) / 3, abs=0.005)  # 64.78
    assert place["care"] == pytest.approx((NORTH_CARE + 75) / 2, abs=0.005)
    assert (place["care_teams"], place["review_teams"]) == (2, 2)
    assert place["review"] == pytest.approx((50 + 87.5) / 2, abs=0.005)
    assert place["involvement"] == pytest.approx((50 + 0 + 100) / 3, abs=0.005)
    assert (place["episodes"], place["involvements"]) == (4, 5)


def test_a_group_is_the_mean_of_its_teams_and_a_team_counts_in_each_locality_it_serves(built):
    found = figures(PostgresEngine())
    nhs, vcse = found[("provider_type", "NHS")], found[("provider_type", "VCSE")]
    assert (nhs["denominator"], nhs["mean"]) == (2, pytest.approx((NORTH + EARLY) / 2, abs=0.005))
    assert (vcse["denominator"], vcse["mean"]) == (1, pytest.approx(PARTNERS, abs=0.005))
    north, south = found[("locality", "North")], found[("locality", "South")]
    assert north["denominator"] == 2 and north["mean"] == pytest.approx(nhs["mean"], abs=0.005)
    assert south["denominator"] == 2
    assert south["mean"] == pytest.approx((EARLY + PARTNERS) / 2, abs=0.005)  # 70.83
    assert south["care"] == 75.0  # of early intervention only: Care Partners has none

    only_south = figures(PostgresEngine(), filters=Filters(locality="South"))
    assert only_south[(None, None)]["mean"] == south["mean"]
    assert {g for d, g in only_south if d == "locality"} == {"South"}
    one_team = figures(PostgresEngine(), filters=Filters(team_key=built.north_cmht.pk))
    assert one_team[(None, None)]["mean"] == pytest.approx(NORTH, abs=0.005)


def test_the_index_is_of_the_last_day_and_the_three_months_to_it(built):
    # On 31 July a3 and a4 were open, both 30 days: plans agreed 1 of 2 (a3 had none), a4's
    # one section the person's (1 of 1), a3's goal the practitioner's words (0 of 1): care
    # (0.5 + 1 + 0) / 3 = 50. June's review (all 5s): 100. July's involvement, changed on
    # 25 July: 100. North CMHT alone has an index: 0.4 × 50 + 0.4 × 100 + 0.2 × 100 = 80.
    [july] = metrics.trend(PostgresEngine(), INDEX, [JULY])
    assert (july["denominator"], july["mean"]) == (1, 80.0)
    assert (july["care"], july["review"], july["involvement"]) == (50.0, 100.0, 100.0)
    window = metrics.coproduction_window(on("2026-01-15"))
    assert window == Period(on("2025-11-01"), on("2026-01-15"))


def test_the_research_extract_gives_the_same_figures(built, tmp_path):
    live = figures(PostgresEngine())
    write_extract(tmp_path / "extract", salt=b"index")
    assert figures(DuckDBEngine(tmp_path / "extract")) == live


def test_signals_and_the_metric_count_the_same(built):
    """The co-production pages' signals (``coproduction.signals``, read from the live tables)
    and the metric's, on the same place and day: the same counts, the same care component."""
    day = OCTOBER.end
    engine = PostgresEngine()
    rows = engine.run(metrics.voice_counts(engine.tables(), OCTOBER))
    ours = {(r["team_key"], r["signal"]): (r["shown"], r["counted"]) for r in rows}
    theirs = {
        (team, key): (count.shown, count.counted)
        for team, found in signals.team_signals(None, day).items()
        for key, count in found.counts.items()
        if count.counted
    }
    assert ours == theirs
    assert len(theirs) == 10  # North CMHT's six signals and early intervention's four
    cares = {r["group"]: r["care"] for r in metrics.compute(engine, INDEX, OCTOBER, by="team")}
    for team in (built.north_cmht, built.early):
        component = signals.team_signals([team.pk], day)[team.pk].care_component
        assert cares[built.label(team)] == pytest.approx(100 * component, abs=0.005)


def test_the_views_and_the_metric_agree_with_the_python_rules():
    migration = __import__(
        "alongside.insights.migrations.0004_coproduction_tables", fromlist=["VIEWS"]
    )
    from alongside.care.models import WITH_THE_PERSON

    written = "(" + ", ".join(f"'{a}'" for a in WITH_THE_PERSON) + ")"
    assert written == migration.WITH_THE_PERSON
    assert migration.COLLABORATE == signals.COLLABORATE == metrics.COLLABORATE
    assert metrics.PLAN_DUE_DAYS == signals.PLAN_DUE_DAYS
    assert [(s.key, s.title) for s in metrics.CARE_SIGNALS] == [
        (s.key, s.title) for s in signals.SIGNALS
    ]
    assert [time_of_day(h) for h in (11, 12, 16, 17)] == [
        TimeOfDay.MORNING, TimeOfDay.AFTERNOON, TimeOfDay.AFTERNOON, TimeOfDay.EVENING
    ]  # fmt: skip
    hours = migration.time_of_day("c.starts_at")
    assert "< 12 THEN 'morning'" in hours and "< 17 THEN 'afternoon'" in hours
    assert hours.endswith("ELSE 'evening' END")
    assert sum(c.weight for c in metrics.COMPONENTS) == pytest.approx(1)


# --- the page ------------------------------------------------------------------------------------


@pytest.fixture
def analyst(client):
    cache.clear()
    client.force_login(MembershipFactory(role=Role.ANALYST).user)
    yield client
    cache.clear()


def test_the_page_shows_the_components_beside_the_index_and_hides_what_rests_on_few_episodes(
    analyst, built
):
    url = reverse("insights:coproduction")
    text = analyst.get(url, {"month": "2026-10"}).content.decode()
    assert "An indicator set, not a validated scale" in text
    assert "Each team is measured on 31 October 2026" in text
    assert "from 1 August 2026 to that day" in text
    teams = page_table(text, "by-team")
    assert teams[0] == ["Team", "Index", "Person's voice in care", "Experts' rating",
                        "Involvement, what changed", "Open episodes", "Involvements"]  # fmt: skip
    rows = {row[0]: row[1:] for row in teams[1:]}
    # Care Partners' index rests on no one's care; North CMHT's on three open episodes, and
    # early intervention's on one: below the threshold of 5, hidden with their care.
    assert rows == {
        built.label(built.partners): ["91.7", "–", "87.5", "100.0", "*", "1"],  # none: hidden
        built.label(built.north_cmht): ["*", "*", "50.0", "50.0", "*", "4"],
        built.label(built.early): ["*", "*", "–", "0.0", "*", "0"],
    }
    kinds = {row[0]: row[1:] for row in page_table(text, "by-provider_type")[1:]}
    assert kinds["VCSE"] == ["1", "91.7", "–", "87.5", "100.0", "0", "1"]
    assert kinds["NHS"] == ["2", "*", "*", "50.0", "25.0", "2", "1"]
    localities = {row[0]: row[1] for row in page_table(text, "by-locality")[1:]}
    assert localities == {"North": "2", "South": "2"}  # early intervention in both
    trend = page_table(text, "trend")
    assert [row[0] for row in trend[1:]] == ["May to July 2026", "August to October 2026"]
    for slug in ("trend", "by-team", "by-provider_type", "by-locality"):
        csv_url = reverse("insights:coproduction-csv", kwargs={"table": slug})
        downloaded = csv_rows(analyst.get(csv_url, {"month": "2026-10"}))
        assert [[as_page(c) for c in row] for row in downloaded] == page_table(text, slug)


def test_with_a_lower_threshold_the_teams_figures_show(analyst, built, settings):
    settings.ALONGSIDE_SUPPRESSION = {"below": 3, "round_to": 1}
    text = analyst.get(reverse("insights:coproduction"), {"month": "2026-10"}).content.decode()
    rows = {row[0]: row[1:] for row in page_table(text, "by-team")[1:]}
    assert rows[built.label(built.north_cmht)] == ["52.7", "56.7", "50.0", "50.0", "3", "4"]
    assert rows[built.label(built.early)][:2] == ["*", "*"]  # one open episode
    figures = re.findall(r'data-testid="index-card">([^<]*)<', text)
    assert figures == ["64.8", "65.8", "68.8", "50.0"]  # the index and its three components


def test_the_overview_links_the_index_and_its_measure_page_leads_there(analyst, built):
    text = analyst.get(reverse("insights:overview"), {"month": "2026-10"}).content.decode()
    assert f'href="{reverse("insights:coproduction")}?month=2026-10' in text
    response = analyst.get(
        reverse("insights:metric", kwargs={"key": INDEX.key}), {"month": "2026-10"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('insights:coproduction')}?month=2026-10"
    missing = reverse("insights:coproduction-csv", kwargs={"table": "by-nothing"})
    assert analyst.get(missing, {"month": "2026-10"}).status_code == 404


def test_the_trend_is_the_eight_quarters_ending_with_the_chosen_month():
    covered = Period(on("2020-01-01"), on("2026-12-05"))
    quarters = presenters.index_quarters(OCTOBER, covered)
    assert len(quarters) == 8
    assert quarters[0] == Period(on("2024-11-01"), on("2025-01-31"))
    assert quarters[-1] == Period(on("2026-08-01"), on("2026-10-31"))
    assert presenters.quarter_label(quarters[0]) == "November 2024 to January 2025"
    later = Period(on("2026-01-01"), on("2026-12-05"))
    assert presenters.index_quarters(OCTOBER, later)[0].start == on("2025-11-01")
