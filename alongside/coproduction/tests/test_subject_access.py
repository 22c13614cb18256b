"""The co-production section of the subject access export: a register entry is in a person's
export only when the expert by experience linked it to that person, and then with its roles,
involvements and the reviews they rated."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import timezone

from alongside.coproduction import services
from alongside.coproduction.models import Characteristic, Naming, Raters, RoleKind
from alongside.coproduction.services import Given
from alongside.organisations.models import OrganisationKind
from alongside.organisations.tests.factories import OrganisationFactory, TeamFactory, UserFactory
from alongside.people.tests.factories import PersonFactory
from alongside.sharing.subject_access import export

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def test_a_linked_entry_is_exported_with_its_roles_involvements_and_reviews():
    vcse = OrganisationFactory(name="Wyvern Mind", kind=OrganisationKind.VCSE)
    team = TeamFactory(organisation=vcse, name="Community Connectors")
    lead = UserFactory(first_name="Jo", last_name="Bell")
    person = PersonFactory()
    expert = services.register_expert(
        given_name="Sam",
        family_name="Okafor",
        organisation=vcse,
        consent_on=TODAY() - dt.timedelta(days=400),
        by=lead,
        naming=Naming.INITIALS,
        email="sam@example.org",
        consent_note="Happy to be contacted by email",
    )
    services.link_person(expert=expert, person=person, by=lead)
    services.add_role(
        expert=expert,
        kind=RoleKind.RECRUITMENT,
        started_on=TODAY() - dt.timedelta(days=100),
        by=lead,
        team=team,
    )
    services.set_rate(
        organisation=vcse,
        kind=RoleKind.RECRUITMENT,
        hourly=Decimal("20.00"),
        valid_from=TODAY() - dt.timedelta(days=365),
        by=lead,
    )
    services.record_involvement(
        expert=expert,
        kind=RoleKind.RECRUITMENT,
        on=TODAY() - dt.timedelta(days=10),
        hours=Decimal("1.5"),
        organisation=vcse,
        team=team,
        what="Interview panel for a peer support worker",
        by=lead,
        changed="A lived-experience question is now in every interview",
    )
    review = services.open_review(held_on=TODAY(), by=lead, team=team)
    services.record_ratings(
        review=review,
        raters=Raters.EXPERTS,
        ratings=[Given(c.value, 3, "Examples from this quarter") for c in Characteristic],
        by=lead,
        experts=[expert],
    )
    unlinked = services.register_expert(
        given_name="Alex",
        family_name="Unlinked",
        organisation=vcse,
        consent_on=TODAY(),
        by=lead,
    )
    services.record_involvement(
        expert=unlinked,
        kind=RoleKind.RECRUITMENT,
        on=TODAY(),
        hours=Decimal("2"),
        organisation=vcse,
        what="Another expert's panel",
        by=lead,
    )

    document = export(person)
    text = json.dumps(document)  # JSON-ready as it is: no default= needed

    entry = document["expert_by_experience"]
    assert (entry["given_name"], entry["family_name"], entry["email"]) == (
        "Sam",
        "Okafor",
        "sam@example.org",
    )
    assert entry["naming"] == {"code": "initials", "label": "Initials only"}
    assert entry["organisation"] == "Wyvern Mind"
    assert entry["consent_note"] == "Happy to be contacted by email"
    assert entry["linked_on"] == TODAY().isoformat()
    assert entry["created_by"] == "Jo Bell"
    [role] = entry["roles"]
    assert role["kind"]["code"] == "recruitment" and role["team"]["name"] == "Community Connectors"
    [involvement] = entry["involvements"]
    assert involvement["what"] == "Interview panel for a peer support worker"
    assert involvement["changed"] == "A lived-experience question is now in every interview"
    assert (involvement["hours"], involvement["hourly"], involvement["owed"]) == (
        "1.50",
        "20.00",
        "30.00",
    )
    assert involvement["reward"]["code"] == "payment" and involvement["paid_on"] is None
    assert entry["reviews_rated"] == [
        {"held_on": TODAY().isoformat(), "of": "Community Connectors"}
    ]

    assert "Unlinked" not in text and "Another expert's panel" not in text


def test_no_entry_unless_the_expert_linked_it_to_this_person():
    vcse = OrganisationFactory(kind=OrganisationKind.VCSE)
    lead = UserFactory()
    person, someone_else = PersonFactory(), PersonFactory()
    expert = services.register_expert(
        given_name="Sam", family_name="Okafor", organisation=vcse, consent_on=TODAY(), by=lead
    )
    assert export(person)["expert_by_experience"] is None
    services.link_person(expert=expert, person=someone_else, by=lead)
    assert export(person)["expert_by_experience"] is None
    assert export(someone_else)["expert_by_experience"]["family_name"] == "Okafor"
    services.link_person(expert=expert, person=None, by=lead)
    assert export(someone_else)["expert_by_experience"] is None
