"""The access policy: may this user see or change this part of this person's record, and why?

``decide()`` is the single answer. It asks each *basis* in turn — the person themself, the care
team, a team holding an open referral, the person's consent to share with an organisation, a
locality meeting, a privacy lead's review, break-glass — and the first that allows wins. Bases
that rest on records other apps own (care team, referral, meeting) are registered by those apps
with ``register()`` from their ``AppConfig.ready``, so imports keep flowing one way.

Roles matter: only people who work with people (key workers, coordinators, supervisors, team
leads) can hold an organisational basis. Analysts and organisation administrators see aggregates
and services, never a person's record. Privacy leads see access, not care.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Role
from alongside.people.models import Person
from alongside.sharing.models import Action, Basis, BreakGlass, Consent, Part

# Roles whose holders work with people and so may hold a basis through their organisation.
CARE_ROLES = frozenset({Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR, Role.TEAM_LEAD})

# What each basis lets its holder see and change. Consent narrows this to the parts the person
# agreed to share; care-team access for voluntary sector and council staff leaves out clinical
# notes unless the person agreed to share them (see the care-team basis when it lands).
PERSON_OWN_VIEW = frozenset(
    {Part.DETAILS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.SHARING, Part.AUDIT}
)
PERSON_OWN_CHANGE = frozenset({Part.SHARING, Part.PLAN, Part.OUTCOMES})  # notes, ratings
CONSENT_ALWAYS_VIEW = frozenset({Part.DETAILS, Part.SHARING})
CONSENT_CHANGE = frozenset({Part.SHARING})  # so a change of mind can be recorded where it is told
BREAK_GLASS_VIEW = frozenset(set(Part) - {Part.AUDIT})
PRIVACY_REVIEW_VIEW = frozenset({Part.DETAILS, Part.SHARING, Part.AUDIT})


@dataclass(frozen=True)
class Rights:
    """What one basis grants one user on one person's record."""

    basis: Basis
    view: frozenset[Part] = frozenset()
    change: frozenset[Part] = frozenset()
    export: bool = False
    organisation_id: int | None = None

    def allows(self, part: Part, action: Action) -> bool:
        if action == Action.EXPORT:
            return self.export
        if action == Action.CHANGE:
            return part in self.change
        return part in self.view or part in self.change


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis
    organisation_id: int | None = None
    reason: str = ""


class BasisProvider(Protocol):
    """One lawful basis. ``rights`` says what it grants on one person; ``people`` which people
    it reaches at all (for lists), as a queryset of person ids."""

    basis: Basis

    def rights(self, user: User, person: Person) -> Rights | None: ...

    def people(self, user: User) -> QuerySet: ...


@dataclass
class _Registry:
    providers: list[BasisProvider] = field(default_factory=list)


_registry = _Registry()


def register(provider: BasisProvider) -> None:
    """Add a basis. Later apps call this from ``AppConfig.ready``."""
    if all(p.basis != provider.basis for p in _registry.providers):
        _registry.providers.append(provider)


def providers() -> list[BasisProvider]:
    return list(_registry.providers)


def care_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.active().filter(user=user, role__in=CARE_ROLES)


def acting_organisation_id(user: User) -> int | None:
    """The organisation a user acts for when no basis names one: their first active team's."""
    return (
        Membership.objects.active()
        .filter(user=user)
        .order_by("started_on", "id")
        .values_list("team__organisation_id", flat=True)
        .first()
    )


class SelfBasis:
    basis = Basis.SELF

    def rights(self, user: User, person: Person) -> Rights | None:
        if person.user_id is not None and person.user_id == user.pk:
            return Rights(self.basis, view=PERSON_OWN_VIEW, change=PERSON_OWN_CHANGE, export=True)
        return None

    def people(self, user: User) -> QuerySet:
        return Person.objects.filter(user=user).values("id")


class ConsentBasis:
    basis = Basis.CONSENT

    def rights(self, user: User, person: Person) -> Rights | None:
        # One query: the person's consents in force with organisations where the user holds a
        # care role now.
        consents = list(
            Consent.objects.in_force()
            .filter(
                person=person,
                organisation_id__in=care_memberships(user).values("team__organisation_id"),
            )
            .values_list("organisation_id", "parts")
        )
        if not consents:
            return None
        shared = frozenset(Part(p) for _org, parts in consents for p in parts)
        return Rights(
            self.basis,
            view=shared | CONSENT_ALWAYS_VIEW,
            change=CONSENT_CHANGE,
            organisation_id=consents[0][0],
        )

    def people(self, user: User) -> QuerySet:
        return (
            Consent.objects.in_force()
            .filter(organisation_id__in=care_memberships(user).values("team__organisation_id"))
            .values("person_id")
        )


class PrivacyReviewBasis:
    """A privacy lead (Caldicott guardian role) reviews access to people their organisation
    holds records for or looked at: who looked, and the sharing choices; and answers subject
    access requests with a full export."""

    basis = Basis.PRIVACY_REVIEW

    def _organisations(self, user: User) -> list[int]:
        return list(
            Membership.objects.active()
            .filter(user=user, role=Role.PRIVACY_LEAD)
            .values_list("team__organisation_id", flat=True)
        )

    def rights(self, user: User, person: Person) -> Rights | None:
        organisations = self._organisations(user)
        if not organisations:
            return None
        from alongside.sharing.models import AccessEvent

        related = (
            Consent.objects.filter(person=person, organisation_id__in=organisations).exists()
            or AccessEvent.objects.filter(
                person=person, organisation_id__in=organisations, allowed=True
            ).exists()
        )
        if not related:
            return None
        return Rights(
            self.basis, view=PRIVACY_REVIEW_VIEW, export=True, organisation_id=organisations[0]
        )

    def people(self, user: User) -> QuerySet:
        organisations = self._organisations(user)
        return Consent.objects.filter(organisation_id__in=organisations).values("person_id")


class BreakGlassBasis:
    basis = Basis.BREAK_GLASS

    def rights(self, user: User, person: Person) -> Rights | None:
        opened = (
            BreakGlass.objects.in_force()
            .filter(user=user, person=person)
            .values_list("organisation_id", "reason")
            .first()
        )
        if opened is None:
            return None
        return Rights(self.basis, view=BREAK_GLASS_VIEW, organisation_id=opened[0])

    def people(self, user: User) -> QuerySet:
        return BreakGlass.objects.in_force().filter(user=user).values("person_id")


for _provider in (SelfBasis(), ConsentBasis(), PrivacyReviewBasis(), BreakGlassBasis()):
    register(_provider)


def decide(user: User, person: Person, part: Part, action: Action = Action.VIEW) -> Decision:
    """May ``user`` take ``action`` on ``part`` of ``person``'s record, and on what basis?

    Break-glass is asked last, so an ordinary basis is recorded whenever one exists.
    """
    if not user.is_authenticated or not user.is_active:
        return Decision(False, Basis.NONE)
    ordered = sorted(providers(), key=lambda p: p.basis == Basis.BREAK_GLASS)
    for provider in ordered:
        rights = provider.rights(user, person)
        if rights is not None and rights.allows(part, action):
            reason = ""
            if provider.basis == Basis.BREAK_GLASS:
                reason = (
                    BreakGlass.objects.in_force()
                    .filter(user=user, person=person)
                    .values_list("reason", flat=True)
                    .first()
                    or ""
                )
            organisation_id = rights.organisation_id or acting_organisation_id(user)
            return Decision(True, provider.basis, organisation_id, reason)
    return Decision(False, Basis.NONE, acting_organisation_id(user))


def granted(user: User, person: Person) -> list[Rights]:
    """Everything every basis grants ``user`` on ``person``'s record, each provider asked once.

    For showing which links to offer on a page (``Access.may``); the audited answer for the page
    itself is always ``decide``'s, which reaches the same verdict for any part and action.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    found = (provider.rights(user, person) for provider in providers())
    return [rights for rights in found if rights is not None]


def visible_people(user: User, bases: Iterable[Basis] | None = None) -> QuerySet[Person]:
    """The people any basis (or the given ones) lets ``user`` reach at all, for lists.

    What each person's page then shows is still decided per part by ``decide``.
    """
    if not user.is_authenticated or not user.is_active:
        return Person.objects.none()
    wanted = set(bases) if bases is not None else None
    condition = Q(pk__in=[])
    for provider in providers():
        if wanted is None or provider.basis in wanted:
            condition |= Q(pk__in=provider.people(user))
    return Person.objects.filter(condition)
