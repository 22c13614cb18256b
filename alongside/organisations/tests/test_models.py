"""Organisations and memberships: the invariants the database and the services hold."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Organisation, Role, Team, TeamType
from alongside.organisations.services import create_organisation, request_membership
from alongside.organisations.tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


def test_ods_code_is_normalised_and_optional():
    trust = create_organisation(name="Wyvern Trust", kind="nhs_trust", ods_code=" rx9 ")
    charity = create_organisation(name="A charity", kind="vcse", ods_code="")
    assert trust.ods_code == "RX9"
    assert charity.ods_code is None


def test_duplicate_ods_code_is_refused_with_a_message_and_nothing_saved():
    create_organisation(name="Wyvern Trust", kind="nhs_trust", ods_code="RX9")
    with pytest.raises(ValidationError) as caught:
        create_organisation(name="Another", kind="nhs_trust", ods_code="rx9")
    assert "Another organisation already has this ODS code." in str(caught.value)
    assert Organisation.objects.count() == 1


def test_malformed_ods_code_is_refused():
    with pytest.raises(ValidationError) as caught:
        create_organisation(name="Wyvern Trust", kind="nhs_trust", ods_code="R-9!")
    assert "ods_code" in caught.value.message_dict


def test_unknown_kind_is_refused_by_the_database_too():
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="Odd", kind="spaceship")


def test_two_organisations_without_ods_codes_are_fine():
    create_organisation(name="One", kind="vcse")
    create_organisation(name="Two", kind="vcse")
    assert Organisation.objects.filter(ods_code__isnull=True).count() == 2


def test_team_type_has_its_mhsds_code_where_one_exists():
    org = create_organisation(name="Wyvern Trust", kind="nhs_trust")
    cmht = Team.objects.create(
        organisation=org, name="CMHT", team_type=TeamType.COMMUNITY_MENTAL_HEALTH
    )
    vcse = Team(organisation=org, name="Peer", team_type=TeamType.VCSE_SERVICE)
    assert cmht.mhsds_team_type == "A06"
    assert vcse.mhsds_team_type is None


def test_a_role_is_held_once_per_team_while_active():
    org = create_organisation(name="Wyvern Trust", kind="nhs_trust")
    team = Team.objects.create(
        organisation=org, name="CMHT", team_type=TeamType.COMMUNITY_MENTAL_HEALTH
    )
    user = User.objects.create_user(username="kw", password="a long password 1")
    admin = User.objects.create_user(username="admin", password="x", is_superuser=True)
    request_membership(user=user, team=team, role=Role.PRACTITIONER, by=admin)
    request_membership(user=user, team=team, role=Role.SUPERVISOR, by=admin)
    with pytest.raises(ValidationError, match="already has this role"):
        request_membership(user=user, team=team, role=Role.PRACTITIONER, by=admin)
    assert Membership.objects.count() == 2


def test_membership_dates_must_be_in_order():
    org = create_organisation(name="Wyvern Trust", kind="nhs_trust")
    team = Team.objects.create(
        organisation=org, name="CMHT", team_type=TeamType.COMMUNITY_MENTAL_HEALTH
    )
    user = User.objects.create_user(username="kw", password="a long password 1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            user=user,
            team=team,
            role=Role.PRACTITIONER,
            started_on=dt.date(2026, 1, 2),
            ended_on=dt.date(2026, 1, 1),
        )


def test_a_teams_public_phone_and_email_are_optional_but_checked():
    team = TeamFactory()
    team.full_clean()  # none given: the service's own contact is used instead
    team.phone, team.email = "01632 960 456", "central.cmht@wyvernmh.nhs.example"
    team.full_clean()
    team.phone, team.email = "call the office", "not an email"
    with pytest.raises(ValidationError) as error:
        team.full_clean()
    assert error.value.message_dict["phone"] == [
        "Enter a phone number, like 01632 960 001 or +44 808 157 0192"
    ]
    assert "email" in error.value.message_dict
