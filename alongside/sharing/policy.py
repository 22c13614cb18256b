"""The access policy: may this user see or change this part of this person's record, and why?

``decide()`` is the single answer. Access needs a *relationship* — this user's own part in the
person's care or in overseeing it — and a *lawful basis* for what is shown (ADR-009). Each basis
here is a relationship carrying its own lawful basis: the person themself, the care team, a
triage role in the team holding an open referral, a locality meeting, supervision, a privacy
lead's review, break-glass. The person's consent to share with an organisation is a lawful basis
only: it opens nothing by itself, and widens the rights of a relationship its holder has, in one
place (``Rights.widened``), so that no basis reads consent itself.

Bases are asked in turn and the first that allows wins; a relationship the user made for
themselves (``self_claimed``) counts only when no other allows, and break-glass is asked last.
Bases that rest on records other apps own (care team, referral, meeting, supervision) are
registered by those apps with ``register()`` from their ``AppConfig.ready``, so imports keep
flowing one way.

Roles matter: only people who work with people (key workers, coordinators, supervisors, team
leads) can hold a relationship through their team, and only the triage roles hold a team's open
referrals. Analysts and organisation administrators see aggregates and services, never a
person's record. Privacy leads see access, not care.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Protocol

from django.db.models import Q, QuerySet

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Role
from alongside.organisations.permissions import ROLE_PERMISSIONS, Permission
from alongside.people.models import Person
from alongside.sharing.models import Action, Basis, BreakGlass, Consent, Part

# Roles whose holders work with people and so may hold a relationship through their team.
CARE_ROLES = frozenset({Role.PRACTITIONER, Role.COORDINATOR, Role.SUPERVISOR, Role.TEAM_LEAD})
# The care roles that triage (coordinator, team lead): they hold their team's open referrals and
# match referrals to records. Read from the permission table, so the two cannot disagree.
TRIAGE_ROLES = frozenset(role for role in CARE_ROLES if Permission.TRIAGE in ROLE_PERMISSIONS[role])
# The relationships that the person's consent to share with the holder's organisation widens.
# The person themself, the privacy lead's review and break-glass are never widened.
WIDENED_BY_CONSENT = frozenset(
    {Basis.CARE_TEAM, Basis.OPEN_REFERRAL, Basis.MEETING, Basis.SUPERVISION}
)

# What each basis lets its holder see and change.
PERSON_OWN_VIEW = frozenset(
    {Part.DETAILS, Part.PLAN, Part.CONTACTS, Part.OUTCOMES, Part.SHARING, Part.AUDIT}
)
PERSON_OWN_CHANGE = frozenset({Part.SHARING, Part.PLAN, Part.OUTCOMES})  # notes, ratings
# What consent adds to a relationship besides the parts agreed: the details and the sharing
# choices, which the holder may change, so that a change of mind is recorded where it is told.
CONSENT_ALWAYS_VIEW = frozenset({Part.DETAILS, Part.SHARING})
CONSENT_CHANGE = frozenset({Part.SHARING})
BREAK_GLASS_VIEW = frozenset(set(Part) - {Part.AUDIT})
PRIVACY_REVIEW_VIEW = frozenset({Part.DETAILS, Part.SHARING, Part.AUDIT})


@dataclass(frozen=True)
class Rights:
    """What one basis grants one user on one person's record.

    ``self_claimed``: the relationship rests on a claim its holder made for themselves (a
    referral they made and matched to an existing record) that the privacy lead has not found
    appropriate; access through it is marked so in the audit.
    """

    basis: Basis
    view: frozenset[Part] = frozenset()
    change: frozenset[Part] = frozenset()
    export: bool = False
    organisation_id: int | None = None
    self_claimed: bool = False

    def allows(self, part: Part, action: Action) -> bool:
        if action == Action.EXPORT:
            return self.export
        if action == Action.CHANGE:
            return part in self.change
        return part in self.view or part in self.change

    def widened(self, shared: frozenset[Part]) -> Rights:
        """These rights with the person's consent added: ``shared`` is what they agreed to
        share with an organisation where the user works with people. A relationship gains those
        parts (to see) and the sharing choices (to see and change); other bases gain nothing.
        This is the one place consent counts: without a relationship it opens nothing."""
        if not shared or self.basis not in WIDENED_BY_CONSENT:
            return self
        return replace(
            self,
            view=self.view | shared | CONSENT_ALWAYS_VIEW,
            change=self.change | CONSENT_CHANGE,
        )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: Basis
    organisation_id: int | None = None
    reason: str = ""
    self_claimed: bool = False


class BasisProvider(Protocol):
    """One relationship, with its lawful basis. ``rights`` says what it grants on one person
    (preferring, where the user has several, one that is not self-claimed); ``people`` which
    people it reaches at all (for lists), as a queryset of person ids.

    A basis that can rest on a self-claimed relationship also has ``claimed_people(user)``: the
    people it reaches *only* through one (a queryset of person ids), for marking list rows.
    """

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


def triage_memberships(user: User) -> QuerySet[Membership]:
    """The user's current memberships in a role that triages (coordinator, team lead)."""
    return Membership.objects.active().filter(user=user, role__in=TRIAGE_ROLES)


def claimed_people(provider: BasisProvider, user: User) -> QuerySet | None:
    """The people ``provider`` reaches for ``user`` only through a self-claimed relationship,
    or ``None`` for a basis that never rests on one."""
    claimed = getattr(provider, "claimed_people", None)
    return claimed(user) if claimed is not None else None


def consented_parts(user: User, person: Person) -> frozenset[Part]:
    """What the person agreed, in consents in force now, to share with the organisations where
    the user holds a care role: the lawful basis that widens a relationship (one query)."""
    consents = Consent.objects.in_force().filter(
        person=person,
        organisation_id__in=care_memberships(user).values("team__organisation_id"),
    )
    return frozenset(Part(p) for parts in consents.values_list("parts", flat=True) for p in parts)


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


class PrivacyReviewBasis:
    """A privacy lead (Caldicott guardian role) reviews access to people their organisation
    holds consent for or whose records its staff looked at: who looked, and the sharing choices;
    and answers the requests for a copy of a record that their organisation answers (or that
    they answer for the place) with the full export."""

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
            or self._requests(organisations).filter(person=person).exists()
        )
        if not related:
            return None
        return Rights(
            self.basis, view=PRIVACY_REVIEW_VIEW, export=True, organisation_id=organisations[0]
        )

    def _requests(self, organisations: list[int]) -> QuerySet:
        """Requests for a copy of a record that privacy leads of these organisations answer."""
        from alongside.sharing import queries  # queries reads the policy's memberships
        from alongside.sharing.models import SubjectAccessRequest

        return SubjectAccessRequest.objects.filter(queries.reviewed_by(organisations))

    def people(self, user: User) -> QuerySet:
        organisations = self._organisations(user)
        return Person.objects.filter(
            Q(pk__in=Consent.objects.filter(organisation_id__in=organisations).values("person_id"))
            | Q(pk__in=self._requests(organisations).values("person_id"))
        ).values("id")


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


for _provider in (SelfBasis(), PrivacyReviewBasis(), BreakGlassBasis()):
    register(_provider)


class _Consented:
    """The parts the person agreed to share with the user's organisations, read once and only
    when a relationship needs widening."""

    def __init__(self, user: User, person: Person) -> None:
        self.user, self.person = user, person
        self._parts: frozenset[Part] | None = None

    def widen(self, rights: Rights) -> Rights:
        if rights.basis not in WIDENED_BY_CONSENT:
            return rights
        if self._parts is None:
            self._parts = consented_parts(self.user, self.person)
        return rights.widened(self._parts)


def _asked(user: User, person: Person) -> Iterable[tuple[BasisProvider, Rights]]:
    """Each basis's rights on the person, widened by consent, break-glass last."""
    consented = _Consented(user, person)
    ordered = sorted(providers(), key=lambda p: p.basis == Basis.BREAK_GLASS)
    for provider in ordered:
        rights = provider.rights(user, person)
        if rights is not None:
            yield provider, consented.widen(rights)


def decide(user: User, person: Person, part: Part, action: Action = Action.VIEW) -> Decision:
    """May ``user`` take ``action`` on ``part`` of ``person``'s record, and on what basis?

    The first relationship that allows wins; one the user claimed for themselves only when no
    other allows; break-glass last, so an ordinary basis is recorded whenever one exists.
    """
    if not user.is_authenticated or not user.is_active:
        return Decision(False, Basis.NONE)
    claimed: Rights | None = None
    for provider, rights in _asked(user, person):
        if not rights.allows(part, action):
            continue
        if rights.self_claimed:
            claimed = claimed or rights
            continue
        if provider.basis == Basis.BREAK_GLASS and claimed is not None:
            break
        reason = ""
        if provider.basis == Basis.BREAK_GLASS:
            reason = (
                BreakGlass.objects.in_force()
                .filter(user=user, person=person)
                .values_list("reason", flat=True)
                .first()
                or ""
            )
        return _allowed(user, rights, reason)
    if claimed is not None:
        return _allowed(user, claimed, "")
    return Decision(False, Basis.NONE, acting_organisation_id(user))


def _allowed(user: User, rights: Rights, reason: str) -> Decision:
    organisation_id = rights.organisation_id or acting_organisation_id(user)
    return Decision(True, rights.basis, organisation_id, reason, rights.self_claimed)


def granted(user: User, person: Person) -> list[Rights]:
    """Everything every basis grants ``user`` on ``person``'s record (widened by consent), each
    provider asked once.

    For showing which links to offer on a page (``Access.may``); the audited answer for the page
    itself is always ``decide``'s, which reaches the same verdict for any part and action.
    """
    if not user.is_authenticated or not user.is_active:
        return []
    return [rights for _provider, rights in _asked(user, person)]


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
