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
    ExpertRole,
    Involvement,
    InvolvementRate,
    Naming,
    Raters,
    Rating,
    Review,
    ReviewAction,
    Reward,
    RoleKind,
)
from alongside.coproduction.services import Given
from alongside.organisations.models import Alliance, OrganisationKind
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from alongside.people.tests.factories import PersonFactory

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


# --- More bad input, each refused with its message and nothing saved ---------------------------


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Review,
            Rating,
            ReviewAction,
            Expert,
            ExpertRole,
            Involvement,
            InvolvementRate,
        )
    }


def test_a_review_of_no_subject_is_refused_and_nothing_saved(place):
    _, _team, lead, _ = place
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.open_review(held_on=TODAY(), by=lead)
    assert refused.value.message_dict["subject"] == [
        "Choose the team, service or alliance the review is of"
    ]
    assert counts() == before


def test_a_review_of_a_service_or_an_alliance_is_kept(place):
    vcse, _team, lead, _ = place
    alliance = Alliance.objects.create(name="Wyvern Wellbeing Alliance", lead_organisation=vcse)
    service = services.open_review(held_on=TODAY(), by=lead, organisation=vcse, notes="  Q4 ")
    together = services.open_review(held_on=TODAY(), by=lead, alliance=alliance)
    assert service.subject == vcse and service.notes == "Q4"
    assert together.subject == alliance


def test_ratings_need_all_six_and_the_raters(place):
    _, team, lead, _ = place
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.record_ratings(
            review=review, raters=Raters.STAFF, ratings=six()[:5], by=lead, staff_raters=0
        )
    problems = refused.value.message_dict
    assert problems["facilitating"] == ["Rate 'Facilitating rather than delivering' from 1 to 5"]
    assert problems["staff_raters"] == ["Say how many staff took part in the rating"]
    with pytest.raises(ValidationError) as refused:
        services.record_ratings(review=review, raters=Raters.EXPERTS, ratings=six(), by=lead)
    assert refused.value.message_dict["experts"] == [
        "Choose the experts by experience who made the rating"
    ]
    assert counts() == before


def test_a_rating_outside_the_scale_names_the_characteristic_and_the_score(place):
    _, team, lead, _ = place
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    ratings = [
        Given(c.value, 7 if c == Characteristic.PEER_SUPPORT else 3, "x") for c in Characteristic
    ]
    with pytest.raises(ValidationError) as refused:
        services.record_ratings(
            review=review, raters=Raters.STAFF, ratings=ratings, by=lead, staff_raters=4
        )
    assert refused.value.message_dict["peer_support"] == [
        "Rate 'Peer support networks' from 1 to 5: 7 is outside the scale"
    ]
    assert Rating.objects.count() == 0


def test_an_action_is_not_due_before_its_review_and_is_completed_once(place):
    _, team, lead, _ = place
    review = services.open_review(held_on=TODAY() - dt.timedelta(days=10), by=lead, team=team)
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.add_review_action(
            review=review,
            text=" ",
            owner=lead,
            due_on=TODAY() - dt.timedelta(days=20),
            by=lead,
            characteristic="nonsense",
        )
    problems = refused.value.message_dict
    assert problems["text"] == ["Say what will be done"]
    assert problems["due_on"] == ["The action cannot be due before the review was held"]
    assert problems["characteristic"] == ["Choose a characteristic from the list"]
    assert counts() == before
    action = services.add_review_action(
        review=review,
        text="Experts co-chair the team meeting",
        owner=lead,
        due_on=TODAY(),
        by=lead,
        characteristic=Characteristic.BLURRING,
    )
    services.complete_review_action(action=action, by=lead, what_changed="They do, monthly")
    with pytest.raises(ValidationError, match="already complete"):
        services.complete_review_action(action=action, by=lead, what_changed="Again")
    action.refresh_from_db()
    assert action.what_changed == "They do, monthly"


# --- The register --------------------------------------------------------------------------------


def test_registering_an_expert_checks_names_consent_naming_and_reward(place):
    vcse, _team, lead, _ = place
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.register_expert(
            given_name=" ",
            family_name="",
            organisation=vcse,
            consent_on=TODAY() + dt.timedelta(days=1),
            by=lead,
            naming="nickname",
            reward="cash",
        )
    assert refused.value.message_dict == {
        "consent_on": ["The date they consented cannot be in the future"],
        "given_name": ["Enter their first name"],
        "family_name": ["Enter their last name"],
        "naming": ["Choose how they wish to be named"],
        "reward": ["Choose how they are thanked for their time"],
    }
    with pytest.raises(ValidationError) as refused:
        services.register_expert(
            given_name="Jo", family_name="Bell", organisation=vcse, consent_on=None, by=lead
        )
    assert refused.value.message_dict["consent_on"] == ["Enter the date they consented"]
    assert counts() == before


@pytest.mark.parametrize(
    ("naming", "shown"),
    [
        (Naming.FULL, "Sam Okafor"),
        (Naming.FIRST, "Sam"),
        (Naming.INITIALS, "SO"),
        (Naming.ANONYMOUS, "An expert by experience"),
    ],
)
def test_an_expert_is_shown_as_they_asked_to_be_named(place, naming, shown):
    vcse, _team, lead, _ = place
    expert = services.register_expert(
        given_name=" Sam ",
        family_name="Okafor ",
        organisation=vcse,
        consent_on=TODAY(),
        by=lead,
        naming=naming,
    )
    assert expert.shown_name == shown and expert.full_name == "Sam Okafor"


def test_an_expert_links_to_their_own_record_only_once_and_can_unlink(place):
    vcse, _team, lead, expert = place
    person = PersonFactory()
    linked = services.link_person(expert=expert, person=person, by=lead)
    assert linked.person == person and linked.linked_on == TODAY()
    other = services.register_expert(
        given_name="Ali", family_name="Reid", organisation=vcse, consent_on=TODAY(), by=lead
    )
    with pytest.raises(ValidationError) as refused:
        services.link_person(expert=other, person=person, by=lead)
    assert refused.value.message_dict["person"] == ["This person is already linked to someone else"]
    other.refresh_from_db()
    assert other.person is None
    unlinked = services.link_person(expert=expert, person=None, by=lead)
    assert unlinked.person is None and unlinked.linked_on is None


def test_roles_start_and_end(place):
    _, team, lead, expert = place
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.add_role(
            expert=expert, kind="mascot", started_on=TODAY() + dt.timedelta(days=1), by=lead
        )
    assert refused.value.message_dict == {
        "started_on": ["The date the role started cannot be in the future"],
        "kind": ["Choose the role"],
    }
    assert counts() == before
    role = services.add_role(
        expert=expert,
        kind=RoleKind.RECRUITMENT,
        started_on=TODAY() - dt.timedelta(days=30),
        by=lead,
        team=team,
    )
    with pytest.raises(ValidationError, match="cannot end before it started"):
        services.end_role(role=role, on=TODAY() - dt.timedelta(days=31), by=lead)
    ended = services.end_role(role=role, on=TODAY(), by=lead)
    assert ended.ended_on == TODAY()
    with pytest.raises(ValidationError, match="already ended"):
        services.end_role(role=role, on=TODAY(), by=lead)


def test_a_rate_is_not_negative_and_one_a_day_per_kind(place):
    vcse, _team, lead, _ = place
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.set_rate(
            organisation=vcse, kind="other", hourly=Decimal("-1"), valid_from=TODAY(), by=lead
        )
    assert refused.value.message_dict == {
        "kind": ["Choose the kind of involvement"],
        "hourly": ["Enter the hourly rate in pounds, 0 or more"],
    }
    assert counts() == before
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.STRATEGIC,
        hourly=Decimal("20"),
        valid_from=TODAY(),
        by=lead,
    )
    with pytest.raises(ValidationError, match="already has a rate for this kind"):
        services.set_rate(
            organisation=vcse,
            kind=RoleKind.STRATEGIC,
            hourly=Decimal("25"),
            valid_from=TODAY(),
            by=lead,
        )
    assert InvolvementRate.objects.count() == before["InvolvementRate"] + 1


def test_hours_come_in_quarters_and_the_team_belongs_to_the_organisation(place):
    vcse, _team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.CO_TRAINER,
        hourly=Decimal("20"),
        valid_from=TODAY() - dt.timedelta(days=10),
        by=lead,
    )
    before = counts()
    with pytest.raises(ValidationError) as refused:
        services.record_involvement(
            expert=expert,
            kind=RoleKind.CO_TRAINER,
            on=TODAY(),
            hours=Decimal("1.125"),
            organisation=vcse,
            team=TeamFactory(),
            what="Training",
            by=lead,
        )
    assert refused.value.message_dict == {
        "hours": ["Give hours in quarters of an hour, for example 1.25"],
        "team": ["Choose a team of the organisation the work was for"],
    }
    assert counts() == before
    assert services.parse_hours(" 1.5 ") == Decimal("1.5")
    assert services.parse_hours("an hour") is None


def test_hours_that_are_not_a_whole_number_of_quarters_are_refused(place):
    vcse, _team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.CO_TRAINER,
        hourly=Decimal("20"),
        valid_from=TODAY() - dt.timedelta(days=10),
        by=lead,
    )
    with pytest.raises(ValidationError, match="quarters of an hour"):
        services.record_involvement(
            expert=expert,
            kind=RoleKind.CO_TRAINER,
            on=TODAY(),
            hours=Decimal("1.1"),
            organisation=vcse,
            what="Training",
            by=lead,
        )


def test_what_changed_is_said_later_and_not_blank(place):
    vcse, team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.SERVICE_DESIGN,
        hourly=Decimal("16"),
        valid_from=TODAY() - dt.timedelta(days=60),
        by=lead,
    )
    involvement = services.record_involvement(
        expert=expert,
        kind=RoleKind.SERVICE_DESIGN,
        on=TODAY() - dt.timedelta(days=7),
        hours=Decimal("2"),
        organisation=vcse,
        team=team,
        what="Redesign of the waiting room",
        decided="  Quieter space and clearer signs ",
        by=lead,
    )
    assert involvement.decided == "Quieter space and clearer signs"
    assert involvement.changed == "" and involvement.changed_on is None
    with pytest.raises(ValidationError) as refused:
        services.record_change(involvement=involvement, changed="  ", by=lead)
    assert refused.value.message_dict["changed"] == ["Say what changed because of it"]
    involvement.refresh_from_db()
    assert involvement.changed == ""
    changed = services.record_change(
        involvement=involvement, changed="A quiet room opened in March", by=lead
    )
    assert changed.changed == "A quiet room opened in March" and changed.changed_on == TODAY()


# --- Payments ------------------------------------------------------------------------------------


def test_owed_is_at_the_rate_of_the_organisation_and_kind_on_the_day(place):
    """Two organisations, two kinds, a rate change part way through the period, a vouchers
    expert and a volunteer: each involvement is owed hours × the rate in force on its day for
    its organisation and kind."""
    vcse, _team, lead, paid = place
    trust = OrganisationFactory(name="Wyvern Trust", kind=OrganisationKind.NHS_TRUST)
    day = TODAY() - dt.timedelta(days=90)
    for organisation, kind, hourly, start in (
        (vcse, RoleKind.RECRUITMENT, "15.00", day - dt.timedelta(days=1)),
        (vcse, RoleKind.RECRUITMENT, "18.00", day + dt.timedelta(days=30)),
        (vcse, RoleKind.STRATEGIC, "25.00", day - dt.timedelta(days=1)),
        (trust, RoleKind.RECRUITMENT, "21.00", day - dt.timedelta(days=1)),
    ):
        services.set_rate(
            organisation=organisation,
            kind=kind,
            hourly=Decimal(hourly),
            valid_from=start,
            by=lead,
        )
    vouchers = services.register_expert(
        given_name="Kit",
        family_name="Lane",
        organisation=vcse,
        consent_on=day - dt.timedelta(days=5),
        by=lead,
        reward=Reward.VOUCHER,
    )
    volunteer = services.register_expert(
        given_name="Ali",
        family_name="Reid",
        organisation=vcse,
        consent_on=day - dt.timedelta(days=5),
        by=lead,
        reward=Reward.NONE,
    )

    def involve(expert, organisation, kind, days_after, hours):
        return services.record_involvement(
            expert=expert,
            kind=kind,
            on=day + dt.timedelta(days=days_after),
            hours=Decimal(hours),
            organisation=organisation,
            what="Work",
            by=lead,
        )

    # 2 h before the change at £15; 2 h on the day of the change and after at £18.
    assert involve(paid, vcse, RoleKind.RECRUITMENT, 29, "2").owed == Decimal("30.00")
    assert involve(paid, vcse, RoleKind.RECRUITMENT, 30, "2").owed == Decimal("36.00")
    # Another kind at the same organisation, the same kind at another organisation.
    assert involve(paid, vcse, RoleKind.STRATEGIC, 29, "1.5").owed == Decimal("37.50")
    assert involve(paid, trust, RoleKind.RECRUITMENT, 29, "1.5").owed == Decimal("31.50")
    # Vouchers are owed like payments; a volunteer is owed nothing, at no rate.
    by_voucher = involve(vouchers, vcse, RoleKind.RECRUITMENT, 31, "0.75")
    assert (by_voucher.reward, by_voucher.hourly, by_voucher.owed) == (
        Reward.VOUCHER,
        Decimal("18.00"),
        Decimal("13.50"),
    )
    given = involve(volunteer, trust, RoleKind.STRATEGIC, 31, "4")  # the trust has no such rate
    assert (given.reward, given.hourly, given.owed) == (Reward.NONE, Decimal("0"), Decimal("0"))
    # A later rate does not change what was already owed.
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.STRATEGIC,
        hourly=Decimal("40"),
        valid_from=day,
        by=lead,
    )
    assert Involvement.objects.get(kind=RoleKind.STRATEGIC, expert=paid).owed == Decimal("37.50")
    assert services.rate_on(vcse, RoleKind.STRATEGIC, day + dt.timedelta(days=29)) == Decimal(
        "40.00"
    )
    assert services.rate_on(trust, RoleKind.CO_TRAINER, day) is None


def test_marking_paid_is_not_in_the_future_and_leaves_the_paid_alone(place):
    vcse, _team, lead, expert = place
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.PEER_RESEARCHER,
        hourly=Decimal("12"),
        valid_from=TODAY() - dt.timedelta(days=40),
        by=lead,
    )
    first = services.record_involvement(
        expert=expert,
        kind=RoleKind.PEER_RESEARCHER,
        on=TODAY() - dt.timedelta(days=20),
        hours=Decimal("3"),
        organisation=vcse,
        what="Interviews",
        by=lead,
    )
    with pytest.raises(ValidationError) as refused:
        services.mark_paid(involvements=[first], on=TODAY() + dt.timedelta(days=1), by=lead)
    assert refused.value.message_dict["paid_on"] == ["The date of payment cannot be in the future"]
    first.refresh_from_db()
    assert first.paid_on is None
    earlier = TODAY() - dt.timedelta(days=2)
    assert services.mark_paid(involvements=[first], on=earlier, by=lead) == 1
    assert services.mark_paid(involvements=[first], on=TODAY(), by=lead) == 0
    first.refresh_from_db()
    assert first.paid_on == earlier and first.paid_by == lead
