"""The reads behind the co-production pages, on hand-worked reviews: each characteristic's gap
(staff − experts), the mean gap, the trend by quarter, the actions, which reviews are due, the
overview (in a fixed number of queries) and what is owed, with the finance CSV's totals."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from alongside.coproduction import queries, services
from alongside.coproduction.models import Characteristic, Naming, Raters, Reward, RoleKind
from alongside.coproduction.queries import Quarter, Subject
from alongside.coproduction.services import Given
from alongside.organisations.models import Alliance, Organisation, OrganisationKind, Role, Team
from alongside.organisations.tests.factories import (
    LocalityFactory,
    MembershipFactory,
    OrganisationFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

C = list(Characteristic)  # assets, capabilities, mutuality, peer support, blurring, facilitating


def given(scores: list[int]) -> list[Given]:
    return [Given(c.value, s, f"{c.label}: what happened") for c, s in zip(C, scores, strict=True)]


@pytest.fixture
def team_reviews():
    """Four reviews of one team, worked by hand:

    =========  ==========  =====================  =====================  ==================
    review     held        staff                  experts                gaps (staff−experts)
    =========  ==========  =====================  =====================  ==================
    first      10 Feb 25   4 4 3 3 4 3 (mean 3.5)  2 3 2 3 1 2 (13/6)    2 1 1 0 3 1 (8/6)
    second     20 May 25   4 4 4 3 4 4 (23/6)      3 3 3 3 2 3 (17/6)    1 1 1 0 2 1 (1.0)
    third      25 Jun 25   5 5 4 4 4 4 (26/6)      not yet               none
    fourth     1 Aug 25    not yet                 not yet               none
    =========  ==========  =====================  =====================  ==================

    By quarter: Jan–Mar has the first; Apr–Jun the third (the latest rated review in the
    quarter supersedes the second); Jul–Sep none rated, so no point.
    """
    team = TeamFactory(name="Central CMHT")
    lead = MembershipFactory(team=team, role=Role.TEAM_LEAD).user
    expert = services.register_expert(
        given_name="Sam",
        family_name="Okafor",
        organisation=team.organisation,
        consent_on=dt.date(2024, 12, 1),
        by=lead,
        naming=Naming.FIRST,
    )
    held = [dt.date(2025, 2, 10), dt.date(2025, 5, 20), dt.date(2025, 6, 25), dt.date(2025, 8, 1)]
    reviews = [services.open_review(held_on=day, by=lead, team=team) for day in held]
    staff = [[4, 4, 3, 3, 4, 3], [4, 4, 4, 3, 4, 4], [5, 5, 4, 4, 4, 4]]
    experts = [[2, 3, 2, 3, 1, 2], [3, 3, 3, 3, 2, 3]]
    for review, scores in zip(reviews, staff, strict=False):
        services.record_ratings(
            review=review, raters=Raters.STAFF, ratings=given(scores), by=lead, staff_raters=6
        )
    for review, scores in zip(reviews, experts, strict=False):
        services.record_ratings(
            review=review, raters=Raters.EXPERTS, ratings=given(scores), by=lead, experts=[expert]
        )
    return team, lead, reviews


def test_each_characteristic_has_both_scores_and_the_gap(team_reviews):
    team, _lead, reviews = team_reviews
    figures = queries.subject_reviews(Subject.of_team(team))
    assert [f.review for f in figures] == reviews  # oldest first
    first = figures[0]
    assert [(s.characteristic, s.staff, s.experts, s.gap) for s in first.scores] == [
        (C[0], 4, 2, 2),
        (C[1], 4, 3, 1),
        (C[2], 3, 2, 1),
        (C[3], 3, 3, 0),
        (C[4], 4, 1, 3),
        (C[5], 3, 2, 1),
    ]
    assert first.scores[4].staff_evidence == f"{C[4].label}: what happened"
    assert first.staff_mean == pytest.approx(21 / 6) == 3.5
    assert first.experts_mean == pytest.approx(13 / 6)
    assert first.mean_gap == pytest.approx(8 / 6)  # = 3.5 − 13/6
    second = figures[1]
    assert (second.staff_mean, second.experts_mean, second.mean_gap) == pytest.approx(
        (23 / 6, 17 / 6, 1.0)
    )
    third = figures[2]
    assert third.has_staff and not third.has_experts
    assert third.staff_mean == pytest.approx(26 / 6)
    assert third.experts_mean is None and third.mean_gap is None
    assert [s.gap for s in third.scores] == [None] * 6
    fourth = figures[3]
    assert not fourth.has_staff and fourth.staff_mean is None


def test_the_trend_is_each_groups_mean_by_quarter(team_reviews):
    team, _lead, reviews = team_reviews
    points = queries.trend(queries.subject_reviews(Subject.of_team(team)))
    assert [p.quarter for p in points] == [Quarter(2025, 1), Quarter(2025, 2)]
    assert [p.quarter.label for p in points] == ["Jan to Mar 2025", "Apr to Jun 2025"]
    assert [p.figures.review for p in points] == [reviews[0], reviews[2]]
    assert [p.staff_mean for p in points] == pytest.approx([3.5, 26 / 6])
    assert points[0].experts_mean == pytest.approx(13 / 6)
    assert points[1].experts_mean is None and points[1].mean_gap is None


def test_a_later_review_in_the_same_quarter_replaces_the_earlier_in_the_trend():
    team = TeamFactory()
    lead = UserFactory()
    early = services.open_review(held_on=dt.date(2025, 10, 2), by=lead, team=team)
    late = services.open_review(held_on=dt.date(2025, 12, 30), by=lead, team=team)
    services.record_ratings(
        review=early, raters=Raters.STAFF, ratings=given([1] * 6), by=lead, staff_raters=2
    )
    services.record_ratings(
        review=late, raters=Raters.STAFF, ratings=given([2, 2, 2, 2, 2, 5]), by=lead, staff_raters=2
    )
    (point,) = queries.trend(queries.subject_reviews(Subject.of_team(team)))
    assert point.quarter.label == "Oct to Dec 2025"
    assert point.figures.review == late and point.staff_mean == pytest.approx(2.5)


def test_open_and_completed_actions(team_reviews):
    team, lead, reviews = team_reviews
    later = services.add_review_action(
        review=reviews[1], text="Peer group", owner=lead, due_on=dt.date(2025, 9, 1), by=lead
    )
    sooner = services.add_review_action(
        review=reviews[0], text="Co-chair", owner=lead, due_on=dt.date(2025, 4, 1), by=lead
    )
    done = services.add_review_action(
        review=reviews[0], text="Leaflet", owner=lead, due_on=dt.date(2025, 3, 1), by=lead
    )
    services.complete_review_action(action=done, by=lead, what_changed="Rewritten together")
    elsewhere = services.open_review(held_on=dt.date(2025, 2, 1), by=lead, team=TeamFactory())
    services.add_review_action(
        review=elsewhere, text="Not this team", owner=lead, due_on=dt.date(2025, 3, 1), by=lead
    )
    still_open, completed = queries.subject_actions(Subject.of_team(team))
    assert still_open == [sooner, later]
    assert completed == [done]


@pytest.mark.parametrize(
    ("today", "status", "due_on"),
    [
        (dt.date(2025, 9, 1), queries.NOT_DUE, dt.date(2025, 11, 1)),
        (dt.date(2025, 10, 20), queries.DUE_SOON, dt.date(2025, 11, 1)),
        (dt.date(2025, 11, 1), queries.DUE, dt.date(2025, 11, 1)),
        (dt.date(2025, 11, 2), queries.OVERDUE, dt.date(2025, 11, 1)),
    ],
)
def test_a_review_is_due_three_months_after_the_last(team_reviews, today, status, due_on):
    team, _lead, _reviews = team_reviews
    (row,) = queries.overview([Subject.of_team(team)], today=today)
    assert row.due == queries.Due(dt.date(2025, 8, 1), due_on, status)


def test_never_reviewed_is_due_now_and_the_interval_is_a_setting(settings, team_reviews):
    team, _lead, _reviews = team_reviews
    other = Subject.of_team(TeamFactory())
    settings.ALONGSIDE_COPRODUCTION_REVIEW_MONTHS = 6
    today = dt.date(2025, 12, 1)
    rows = queries.overview([Subject.of_team(team), other], today=today)
    assert rows[0].due == queries.Due(dt.date(2025, 8, 1), dt.date(2026, 2, 1), queries.NOT_DUE)
    assert rows[1].due == queries.Due(None, today, queries.NEVER)
    assert queries.add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert queries.add_months(dt.date(2023, 11, 30), 3) == dt.date(2024, 2, 29)
    assert queries.add_months(dt.date(2025, 12, 15), -12) == dt.date(2024, 12, 15)


def test_the_overview_has_the_latest_rated_review_and_open_actions(team_reviews):
    team, lead, reviews = team_reviews
    services.add_review_action(
        review=reviews[0], text="Peer group", owner=lead, due_on=dt.date(2025, 9, 1), by=lead
    )
    services.add_review_action(
        review=reviews[3], text="Co-chair", owner=lead, due_on=dt.date(2025, 9, 1), by=lead
    )
    (row,) = queries.overview([Subject.of_team(team)], today=dt.date(2025, 9, 1))
    assert row.latest.review == reviews[2]  # the fourth is not rated yet
    assert row.reviews == 4 and row.open_actions == 2
    assert row.due.last_held_on == dt.date(2025, 8, 1)


def test_the_overview_takes_the_same_queries_however_many_subjects():
    lead = UserFactory()

    def subjects(n: int) -> list[Subject]:
        out = []
        for _ in range(n):
            team = TeamFactory()
            review = services.open_review(held_on=dt.date(2025, 5, 1), by=lead, team=team)
            services.record_ratings(
                review=review, raters=Raters.STAFF, ratings=given([3] * 6), by=lead, staff_raters=3
            )
            services.add_review_action(
                review=review, text="Act", owner=lead, due_on=dt.date(2025, 6, 1), by=lead
            )
            out.append(Subject.of_team(team))
        organisation = OrganisationFactory()
        out.append(Subject.of_organisation(organisation))
        out.append(Subject.of_alliance(Alliance.objects.create(name=f"Alliance {n}")))
        return out

    few, many = subjects(1), subjects(6)
    with CaptureQueriesContext(connection) as one:
        queries.overview(few)
    with CaptureQueriesContext(connection) as six:
        rows = queries.overview(many)
    assert len(six) == len(one) <= 4
    assert [r.latest.staff_mean for r in rows[:6]] == [3.0] * 6
    assert rows[-1].due.status == queries.NEVER


def test_expected_subjects_are_caring_teams_their_organisations_and_alliances():
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    caring = TeamFactory(organisation=vcse, name="Connectors")
    MembershipFactory(team=caring, role=Role.PRACTITIONER)
    office = TeamFactory(organisation=OrganisationFactory(name="Back office"), name="Finance")
    MembershipFactory(team=office, role=Role.ORG_ADMIN)
    reviewed = TeamFactory(name="Reviewed, though no one works with people")
    services.open_review(held_on=dt.date(2025, 1, 1), by=UserFactory(), team=reviewed)
    alliance = Alliance.objects.create(name="Wellbeing Alliance")
    found = queries.expected_subjects(
        Team.objects.all(), Organisation.objects.all(), Alliance.objects.all()
    )
    assert [s.key for s in found] == [
        ("alliance", alliance.pk),
        ("organisation", vcse.pk),
        ("team", reviewed.pk),  # its organisation, "Organisation N", sorts before Wyvern Mind
        ("team", caring.pk),
    ]


# --- Payments ------------------------------------------------------------------------------------


@pytest.fixture
def payments():
    """A VCSE and a trust with rates; two paid experts, a vouchers one and a volunteer; work in
    September and October 2025 (and one day in November, outside the period)."""
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    trust = OrganisationFactory(name="Wyvern Trust", kind=OrganisationKind.NHS_TRUST)
    lead = UserFactory()
    for organisation, hourly in ((vcse, "15.00"), (trust, "20.00")):
        services.set_rate(
            organisation=organisation,
            kind=RoleKind.RECRUITMENT,
            hourly=Decimal(hourly),
            valid_from=dt.date(2025, 1, 1),
            by=lead,
        )
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.RECRUITMENT,
        hourly=Decimal("17.50"),
        valid_from=dt.date(2025, 10, 1),
        by=lead,
    )

    def expert(given_name: str, family_name: str, reward: str = Reward.PAYMENT):
        return services.register_expert(
            given_name=given_name,
            family_name=family_name,
            organisation=vcse,
            consent_on=dt.date(2025, 1, 1),
            by=lead,
            reward=reward,
        )

    ana, ben = expert("Ana", "Adams"), expert("=Ben", "Brown")
    kit = expert("Kit", "Cole", Reward.VOUCHER)
    vol = expert("Vic", "Dale", Reward.NONE)

    def involve(who, organisation, day, hours):
        return services.record_involvement(
            expert=who,
            kind=RoleKind.RECRUITMENT,
            on=day,
            hours=Decimal(hours),
            organisation=organisation,
            what="Interview panel",
            by=lead,
        )

    made = [
        involve(ana, vcse, dt.date(2025, 9, 3), "2"),  # 30.00 (at £15)
        involve(ana, vcse, dt.date(2025, 10, 7), "2"),  # 35.00 (at £17.50 from 1 October)
        involve(ana, trust, dt.date(2025, 10, 8), "1.5"),  # 30.00 (the trust's £20)
        involve(ben, vcse, dt.date(2025, 9, 30), "3.25"),  # 48.75
        involve(kit, vcse, dt.date(2025, 10, 31), "0.5"),  # 8.75 in vouchers
        involve(vol, vcse, dt.date(2025, 10, 2), "4"),  # volunteer: nothing, not listed
        involve(ana, vcse, dt.date(2025, 11, 1), "1"),  # outside the period
    ]
    services.mark_paid(involvements=[made[0]], on=dt.date(2025, 10, 1), by=lead)
    return vcse, trust, made, (ana, ben, kit, vol)


def test_owed_by_expert_and_month(payments):
    vcse, trust, _made, _experts = payments
    chosen = queries.PaymentsFilter((vcse.pk, trust.pk), dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    owed = queries.owed_by_expert_and_month(chosen)
    assert [(o.full_name, o.month, o.hours, o.owed, o.paid, o.unpaid) for o in owed] == [
        ("=Ben Brown", dt.date(2025, 9, 1), Decimal("3.25"), Decimal("48.75"), 0, Decimal("48.75")),
        ("Ana Adams", dt.date(2025, 9, 1), Decimal("2"), Decimal("30"), Decimal("30"), 0),
        ("Ana Adams", dt.date(2025, 10, 1), Decimal("3.5"), Decimal("65"), 0, Decimal("65")),
        ("Kit Cole", dt.date(2025, 10, 1), Decimal("0.5"), Decimal("8.75"), 0, Decimal("8.75")),
    ]
    assert owed[1].unpaid_involvements == []
    only_trust = queries.PaymentsFilter((trust.pk,), dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    assert [o.owed for o in queries.owed_by_expert_and_month(only_trust)] == [Decimal("30")]


def test_the_finance_csv_has_a_row_per_involvement_and_totals_that_add_up(payments):
    vcse, trust, _made, (ana, _ben, _kit, _vol) = payments
    chosen = queries.PaymentsFilter((vcse.pk, trust.pk), dt.date(2025, 9, 1), dt.date(2025, 10, 1))
    rows = list(csv.reader(io.StringIO(queries.payments_csv(chosen))))
    assert rows[0] == queries.CSV_HEADINGS
    body, total = rows[1:-1], rows[-1]
    assert [r[0] for r in body] == [
        "2025-09-03",
        "2025-09-30",
        "2025-10-07",
        "2025-10-08",
        "2025-10-31",
    ]
    assert body[0] == [
        "2025-09-03",
        "Ana Adams",
        str(ana.pk),
        "Wyvern Mind",
        "Recruitment panel member",
        "2.00",
        "15.00",
        "Payment",
        "30.00",
        "2025-10-01",
    ]
    # A name that starts like a spreadsheet formula is quoted, so it stays text.
    assert body[1][1] == "'=Ben Brown" and body[1][8] == "48.75" and body[1][9] == ""
    assert body[2][6] == "17.50" and body[2][8] == "35.00"  # the new rate from 1 October
    assert body[3][3] == "Wyvern Trust" and body[3][8] == "30.00"
    assert body[4][7] == "Vouchers" and body[4][8] == "8.75"
    # Worked by hand: hours 2 + 3.25 + 2 + 1.5 + 0.5 = 9.25; owed 30 + 48.75 + 35 + 30 + 8.75
    # = 152.50. The totals row agrees with the rows above it.
    assert total == ["Total (5 involvements)", "", "", "", "", "9.25", "", "", "152.50", ""]
    assert sum(Decimal(r[5]) for r in body) == Decimal(total[5])
    assert sum(Decimal(r[8]) for r in body) == Decimal(total[8])
    one_org_one_month = queries.PaymentsFilter(
        (trust.pk,), dt.date(2025, 10, 1), dt.date(2025, 10, 1)
    )
    rows = list(csv.reader(io.StringIO(queries.payments_csv(one_org_one_month))))
    assert len(rows) == 3 and rows[-1][8] == "30.00"


def test_you_said_we_did_lists_what_changed_for_a_team_or_a_locality(payments):
    vcse, _trust, made, _experts = payments
    lead = UserFactory()
    north = LocalityFactory(name="North")
    team = TeamFactory(organisation=vcse, localities=[north])
    changed = services.record_involvement(
        expert=made[0].expert,
        kind=RoleKind.RECRUITMENT,
        on=dt.date(2025, 10, 9),
        hours=Decimal("1"),
        organisation=vcse,
        team=team,
        what="Panel",
        decided="Ask about lived experience",
        changed="Every interview now has that question",
        by=lead,
    )
    services.record_change(involvement=made[1], changed="New leaflet", by=lead)
    # Newest change first: the leaflet's was recorded today, the panel's on its day.
    assert list(queries.you_said_we_did()) == [made[1], changed]
    assert list(queries.you_said_we_did(team_ids=[team.pk])) == [changed]
    assert list(queries.you_said_we_did(locality_id=north.pk)) == [changed]
