"""Reads about referrals that pages, exports and benchmarks share: worklists, waiting lists,
follow-ups due, likely duplicates and bounces.

Every worklist is one statement for its rows (with what the page shows joined in) and one for its
count, whatever its length; the waiting-time clock starts when the referral was received.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from django.db.models import Value as V
from django.db.models.functions import Lower
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import CARE_TEAM_TYPES, Membership, Role, Team
from alongside.organisations.queries import duty_teams
from alongside.people.models import Person
from alongside.referrals.models import (
    AWAITING_DECISION,
    URGENCY_ORDER,
    Handover,
    Referral,
    Source,
    State,
)

#: The roles that may be a key worker (hold a caseload) in the team accepting.
KEY_WORKER_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.TEAM_LEAD)


class Worklist:
    TRIAGE = "triage"
    FOLLOW_UPS = "follow-ups"
    FIRST_CONTACT = "first-contact"
    SECOND_CONTACT = "second-contact"

    LABELS = {
        TRIAGE: "Waiting for triage",
        FOLLOW_UPS: "Follow-ups due",
        FIRST_CONTACT: "Waiting for a first contact",
        SECOND_CONTACT: "Waiting for a second contact",
    }
    ALL = (TRIAGE, FOLLOW_UPS, FIRST_CONTACT, SECOND_CONTACT)


@dataclass(frozen=True)
class WorklistFilter:
    """Which referrals a worklist shows: always within ``team_ids`` (the user's teams)."""

    team_ids: tuple[int, ...]
    team_id: int | None = None
    locality_id: int | None = None
    source: str | None = None

    def apply(self, referrals: QuerySet[Referral], team_field: str = "team_id") -> QuerySet:
        teams = [self.team_id] if self.team_id in self.team_ids else list(self.team_ids)
        referrals = referrals.filter(**{f"{team_field}__in": teams})
        if self.locality_id:
            referrals = referrals.filter(locality_id=self.locality_id)
        if self.source in Source.values:
            referrals = referrals.filter(source=self.source)
        return referrals


_ROW_RELATED = ("team", "locality")
# What a worklist row shows (and its audit needs): fetching only these keeps the rows cheap.
ROW_FIELDS = (
    "reference",
    "given_name",
    "family_name",
    "received_at",
    "urgency",
    "urgency_reason",
    "due_at",
    "escalated_at",
    "source",
    "state",
    "person_id",
    "locality__name",
    "team__name",
    "team__organisation_id",
)


def urgency_rank() -> Case:
    """0 for an emergency, 1 urgent, 2 routine: the order worklists show them in."""
    return Case(
        *(When(urgency=u, then=V(i)) for i, u in enumerate(URGENCY_ORDER)),
        default=V(len(URGENCY_ORDER)),
        output_field=IntegerField(),
    )


def by_urgency(referrals: QuerySet[Referral]) -> QuerySet[Referral]:
    """Most urgent first; within an urgency, the closest to (or furthest past) its due time."""
    return referrals.annotate(urgency_rank=urgency_rank()).order_by(
        "urgency_rank", F("due_at").asc(nulls_last=True), "received_at", "id"
    )


def waiting_triage(filters: WorklistFilter) -> QuerySet[Referral]:
    """Referrals waiting for a triage decision: emergencies, then urgent, then routine, each by
    how close it is to its due time."""
    return by_urgency(
        filters.apply(Referral.objects.filter(state__in=AWAITING_DECISION))
        .select_related(*_ROW_RELATED)
        .only(*ROW_FIELDS)
    )


def waiting_first_contact(filters: WorklistFilter) -> QuerySet[Referral]:
    """Accepted referrals whose person has not yet had an attended direct contact."""
    return (
        filters.apply(
            Referral.objects.filter(state=State.ACCEPTED, first_contact_at__isnull=True),
            "accepted_team_id",
        )
        .select_related(*_ROW_RELATED)
        .only(*ROW_FIELDS)
        .order_by("received_at", "id")
    )


def waiting_second_contact(filters: WorklistFilter) -> QuerySet[Referral]:
    """Accepted referrals with one attended direct contact and not yet a second (the interim
    waiting-time clock stops at the second)."""
    return (
        filters.apply(
            Referral.objects.filter(
                state=State.ACCEPTED,
                first_contact_at__isnull=False,
                second_contact_at__isnull=True,
            ),
            "accepted_team_id",
        )
        .select_related(*_ROW_RELATED)
        .only(*ROW_FIELDS)
        .order_by("received_at", "id")
    )


def follow_ups_due(filters: WorklistFilter, on: dt.date | None = None) -> QuerySet[Handover]:
    """Handovers whose follow-up date has come with no outcome recorded, oldest due first. They
    stay on the list until someone records whether the person connected."""
    day = on or timezone.localdate()
    referrals = filters.apply(Referral.objects.all())
    return (
        Handover.objects.filter(outcome="", follow_up_on__lte=day, referral__in=referrals)
        .select_related("referral", "referral__team", "referral__locality", "service", "team")
        .only(
            "follow_up_on",
            "referral_id",
            "service__name",
            "team__name",
            *(f"referral__{name}" for name in ROW_FIELDS),
        )
        .order_by("follow_up_on", "id")
    )


def worklist(name: str, filters: WorklistFilter) -> QuerySet:
    return {
        Worklist.TRIAGE: waiting_triage,
        Worklist.FOLLOW_UPS: follow_ups_due,
        Worklist.FIRST_CONTACT: waiting_first_contact,
        Worklist.SECOND_CONTACT: waiting_second_contact,
    }[name](filters)


def days_waited(received_at: dt.datetime, on: dt.date | None = None) -> int:
    """Whole days since the referral was received (the clock starts at receipt)."""
    day = on or timezone.localdate()
    return (day - timezone.localtime(received_at).date()).days


def likely_duplicates(
    *,
    given_name: str,
    family_name: str,
    date_of_birth: dt.date,
    postcode: str,
    nhs_number: str = "",
) -> QuerySet[Person]:
    """People who are probably the person referred: the same NHS number, or the same name, date
    of birth and postcode. Offered for matching; never merged without someone choosing."""
    same_details = Q(date_of_birth=date_of_birth, postcode=postcode) & Q(
        given_lower=given_name.strip().lower(), family_lower=family_name.strip().lower()
    )
    condition = same_details
    if nhs_number:
        condition |= Q(nhs_number=nhs_number)
    return (
        Person.objects.annotate(given_lower=Lower("given_name"), family_lower=Lower("family_name"))
        .filter(condition)
        .order_by("family_name", "given_name", "id")
    )


def duplicates_of(referral: Referral) -> QuerySet[Person]:
    return likely_duplicates(
        given_name=referral.given_name,
        family_name=referral.family_name,
        date_of_birth=referral.date_of_birth,
        postcode=referral.postcode,
        nhs_number=referral.nhs_number,
    )


def open_referrals_for(people: Iterable[Person], *, excluding: Referral) -> set[int]:
    """Which of these people already have another referral waiting for a decision."""
    return set(
        Referral.objects.filter(person__in=list(people), state__in=AWAITING_DECISION)
        .exclude(pk=excluding.pk)
        .values_list("person_id", flat=True)
    )


def bounces(referrals: QuerySet[Referral] | None = None) -> QuerySet[Referral]:
    """Referrals that left without a named next step: closed, never accepted, and with no
    handover to anyone. The services allow this only when the person ended it before a decision;
    every one is reported."""
    base = referrals if referrals is not None else Referral.objects.all()
    return base.filter(state=State.CLOSED, accepted_team__isnull=True).filter(
        ~Exists(Handover.objects.filter(referral=OuterRef("pk")))
    )


def bounces_for(team_ids: Iterable[int]) -> QuerySet[Referral]:
    """The bounces among referrals these teams held."""
    return bounces(Referral.objects.filter(team_id__in=list(team_ids)))


def referrals_of(person: Person) -> QuerySet[Referral]:
    return person.referrals.select_related("team", "locality").order_by("-received_at", "-id")


def history(referral: Referral) -> QuerySet:
    return referral.transitions.select_related("by").order_by("at", "id")


def handovers(referral: Referral) -> QuerySet[Handover]:
    return referral.handovers.select_related(
        "service", "service__organization", "team", "team__organisation", "onward_referral"
    ).order_by("created_at", "id")


def worklist_counts(
    team_ids: Iterable[int], on: dt.date | None = None
) -> dict[int, dict[str, int]]:
    """For each team, how many referrals are on each worklist: four grouped counts in all."""
    ids = list(team_ids)
    counts: dict[int, dict[str, int]] = {pk: dict.fromkeys(Worklist.ALL, 0) for pk in ids}
    day = on or timezone.localdate()
    grouped = {
        Worklist.TRIAGE: Referral.objects.filter(state__in=AWAITING_DECISION, team_id__in=ids)
        .values_list("team_id")
        .annotate(n=Count("id")),
        Worklist.FOLLOW_UPS: Handover.objects.filter(
            outcome="", follow_up_on__lte=day, referral__team_id__in=ids
        )
        .values_list("referral__team_id")
        .annotate(n=Count("id")),
        Worklist.FIRST_CONTACT: Referral.objects.filter(
            state=State.ACCEPTED, first_contact_at__isnull=True, accepted_team_id__in=ids
        )
        .values_list("accepted_team_id")
        .annotate(n=Count("id")),
        Worklist.SECOND_CONTACT: Referral.objects.filter(
            state=State.ACCEPTED,
            first_contact_at__isnull=False,
            second_contact_at__isnull=True,
            accepted_team_id__in=ids,
        )
        .values_list("accepted_team_id")
        .annotate(n=Count("id")),
    }
    for name, rows in grouped.items():
        for team_id, n in rows:
            counts[team_id][name] = n
    return counts


# --- Escalation and acceptance -----------------------------------------------------------------


def escalated_for(user: User) -> QuerySet[Referral]:
    """Referrals undecided past their due time, held by a team the user leads or is on duty for
    today: what their home page shows, most urgent first."""
    today = timezone.localdate()
    led = Membership.objects.active().filter(user=user, role=Role.TEAM_LEAD).values("team_id")
    on_duty = duty_teams(user, today)
    return by_urgency(
        Referral.objects.filter(state__in=AWAITING_DECISION, escalated_at__isnull=False).filter(
            Q(team_id__in=led) | Q(team_id__in=on_duty)
        )
    ).select_related("team")


def accepting_teams() -> QuerySet[Team]:
    """Teams a referral may be accepted into: those whose type provides care (never a corporate
    team such as Information Governance)."""
    return (
        Team.objects.filter(team_type__in=CARE_TEAM_TYPES)
        .select_related("organisation")
        .order_by("name", "id")
    )


def key_worker_choices(team: Team) -> QuerySet[User]:
    """The team's people who may be a key worker, once each, with ``team_role`` (their role in
    the team) and ``caseload_size`` (open episodes they are key worker for now), by name.

    The caseload is counted through the user's ``allocations`` (kept by the care app): read by
    name, so this app does not import care."""
    memberships = Membership.objects.active().filter(
        team=team, role__in=KEY_WORKER_ROLES, user=OuterRef("pk")
    )
    return (
        User.objects.filter(Exists(memberships))
        .annotate(
            team_role_code=Subquery(memberships.order_by("role").values("role")[:1]),
            caseload_size=Count(
                "allocations",
                filter=Q(
                    allocations__ended_at__isnull=True,
                    allocations__episode__ended_at__isnull=True,
                ),
                distinct=True,
            ),
        )
        .order_by("first_name", "last_name", "id")
    )
