"""Co-production reviews and the register of experts by experience: what is saved, and bad input
refused with a clear message and nothing half-saved."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alongside.coproduction import services
from alongside.coproduction.models import (
    Characteristic,
    Expert,
    Involvement,
    Naming,
    Raters,
    Rating,
    Review,
    ReviewAction,
    Reward,
    RoleKind,
)
from alongside.coproduction.services import Given
from alongside.organisations.models import OrganisationKind
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


@pytest.fixture
def place():
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    team = TeamFactory(organisation=vcse, name="Community Connectors")
    lead = UserFactory()
    expert = services.register_expert(
        given_name="Sam",
        family_name="Okafor",
        organisation=vcse,
        consent_on=TODAY() - dt.timedelta(days=400),
        by=lead,
        naming=Naming.INITIALS,
    )
    return vcse, team, lead, expert


def six(score: int = 3, evidence: str = "Examples from this quarter") -> list[Given]:
    return [Given(c.value, score, evidence) for c in Characteristic]


def test_a_review_keeps_both_groups_ratings_and_a_new_rating_replaces_the_old(place):
    _, team, lead, expert = place
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    services.record_ratings(
        review=review, raters=Raters.STAFF, ratings=six(4), by=lead, staff_raters=5
    )
    services.record_ratings(
        review=review, raters=Raters.EXPERTS, ratings=six(2), by=lead, experts=[expert]
    )
    services.record_ratings(
        review=review, raters=Raters.EXPERTS, ratings=six(3), by=lead, experts=[expert]
    )
    scores = {
        r: sorted(Rating.objects.filter(review=review, raters=r).values_list("score", flat=True))
        for r in Raters.values
    }
    assert scores == {"staff": [4] * 6, "experts": [3] * 6}
    review.refresh_from_db()
    assert review.staff_raters == 5 and list(review.experts.all()) == [expert]
    assert expert.shown_name == "SO"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (Given(Characteristic.ASSETS, 6, "x"), "assets", "6 is outside the scale"),
        (Given(Characteristic.ASSETS, 0, "x"), "assets", "0 is outside the scale"),
        (Given(Characteristic.BLURRING, 4, "  "), "blurring_evidence", "Give the evidence"),
        (Given(Characteristic.MUTUALITY, None, "x"), "mutuality", "Rate 'Mutuality"),
    ],
)
def test_a_rating_off_the_scale_or_without_evidence_saves_none_of_the_six(
    place, change, field, message
):
    _, team, lead, _ = place
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    ratings = [g for g in six() if g.characteristic != change.characteristic] + [change]
    with pytest.raises(ValidationError) as refused:
        services.record_ratings(
            review=review, raters=Raters.STAFF, ratings=ratings, by=lead, staff_raters=3
        )
    assert message in refused.value.message_dict[field][0]
    assert not Rating.objects.exists()


def test_a_review_is_of_one_subject_and_not_in_the_future(place):
    vcse, team, lead, _ = place
    with pytest.raises(ValidationError, match="cannot be in the future"):
        services.open_review(held_on=TODAY() + dt.timedelta(days=1), by=lead, team=team)
    with pytest.raises(ValidationError, match="Choose the team, service or alliance"):
        services.open_review(held_on=TODAY(), by=lead, team=team, organisation=vcse)
    assert not Review.objects.exists()


def test_an_action_needs_an_owner_and_is_completed_with_what_changed(place):
    _, team, lead, _ = place
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    with pytest.raises(ValidationError) as refused:
        services.add_review_action(
            review=review, text="Co-design the leaflet", owner=None, due_on=TODAY(), by=lead
        )
    assert "owner" in refused.value.message_dict
    assert not ReviewAction.objects.exists()
    action = services.add_review_action(
        review=review, text="Co-design the leaflet", owner=lead, due_on=TODAY(), by=lead
    )
    with pytest.raises(ValidationError, match="Say what changed"):
        services.complete_review_action(action=action, by=lead, what_changed="")
    done = services.complete_review_action(
        action=action, by=lead, what_changed="The leaflet was rewritten with the peer group"
    )
    assert done.completed_on == TODAY() and done.completed_by == lead


def test_what_is_owed_is_the_hours_at_the_rate_in_force_on_the_day(place):
    vcse, team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.RECRUITMENT,
        hourly=Decimal("15.00"),
        valid_from=TODAY() - dt.timedelta(days=300),
        by=lead,
    )
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.RECRUITMENT,
        hourly=Decimal("18.50"),
        valid_from=TODAY() - dt.timedelta(days=30),
        by=lead,
    )

    def involve(days_ago: int, hours: str, who: Expert = expert) -> Involvement:
        return services.record_involvement(
            expert=who,
            kind=RoleKind.RECRUITMENT,
            on=TODAY() - dt.timedelta(days=days_ago),
            hours=Decimal(hours),
            organisation=vcse,
            team=team,
            what="Interview panel",
            by=lead,
        )

    assert involve(100, "2.5").owed == Decimal("37.50")
    assert involve(10, "1.25").owed == Decimal("23.13")
    volunteer = services.register_expert(
        given_name="Ali",
        family_name="Reid",
        organisation=vcse,
        consent_on=TODAY(),
        by=lead,
        reward=Reward.NONE,
    )
    assert involve(10, "3", volunteer).owed == Decimal("0")
    marked = services.mark_paid(involvements=Involvement.objects.all(), on=TODAY(), by=lead)
    assert marked == 2  # the volunteer is owed nothing, so nothing is paid


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"on": TODAY() + dt.timedelta(days=1)}, "on", "cannot be in the future"),
        ({"hours": Decimal("-1")}, "hours", "more than 0"),
        ({"hours": Decimal("0")}, "hours", "more than 0"),
        ({"hours": Decimal("13")}, "hours", "12 or fewer"),
        ({"hours": None}, "hours", "Enter the hours"),
        ({"what": " "}, "what", "Say what the work was"),
    ],
)
def test_bad_involvements_are_refused_and_nothing_saved(place, changes, field, message):
    vcse, team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.CO_TRAINER,
        hourly=Decimal("20"),
        valid_from=TODAY() - dt.timedelta(days=10),
        by=lead,
    )
    given = {
        "expert": expert,
        "kind": RoleKind.CO_TRAINER,
        "on": TODAY(),
        "hours": Decimal("2"),
        "organisation": vcse,
        "team": team,
        "what": "Co-delivered training",
        "by": lead,
    }
    with pytest.raises(ValidationError) as refused:
        services.record_involvement(**{**given, **changes})
    assert message in refused.value.message_dict[field][0]
    assert not Involvement.objects.exists()


def test_an_involvement_without_a_rate_for_a_paid_expert_is_refused(place):
    vcse, _team, lead, expert = place
    with pytest.raises(ValidationError, match="has no rate"):
        services.record_involvement(
            expert=expert,
            kind=RoleKind.STRATEGIC,
            on=TODAY(),
            hours=Decimal("1"),
            organisation=vcse,
            what="Strategy group",
            by=lead,
        )
    assert not Involvement.objects.exists()
