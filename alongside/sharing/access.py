"""The one door to a person's data for every page, export and endpoint.

``open_record`` asks the policy and records the AccessEvent in the same call: an allowed look is
audited with its basis; a refused one is audited too and answered with 404, so a record's
existence is not revealed to someone without a basis.

Every view in the URL table declares what it touches, with one of three decorators:
``person_data`` (a person's record named in the URL), ``own_record`` (the signed-in person's own
record, in the portal) or ``no_person_data`` (from ``core.access``). A test walks the URL table
and fails for any view that declares nothing, so a new page cannot bypass this module by accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse

from alongside.accounts.models import User
from alongside.core import addresses
from alongside.core.access import declaration, no_person_data
from alongside.organisations.permissions import Permission
from alongside.people.models import Person
from alongside.sharing import audit, policy
from alongside.sharing.models import AccessEvent, Action, Basis, Part

__all__ = [
    "Access",
    "declaration",
    "no_person_data",
    "open_record",
    "own_record",
    "person_data",
    "person_list",
    "serve",
    "wanted_action",
]

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Access:
    """A granted look at (or change to) one part of one person's record."""

    person: Person
    part: Part
    action: Action
    basis: Basis
    organisation_id: int | None
    _granted: dict[int, list[policy.Rights]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def may(self, user: User, part: Part, action: Action = Action.VIEW) -> bool:
        """Whether the same user may also see another part (for showing links); not audited.

        Every basis is asked once per user and page, however many links are checked.
        """
        if user.pk not in self._granted:
            self._granted[user.pk] = policy.granted(user, self.person)
        return any(rights.allows(part, action) for rights in self._granted[user.pk])


def client_address(request: HttpRequest) -> str | None:
    """The address the request came from, read through the site's trusted proxies."""
    return addresses.client_address(request)


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match and match.view_name else request.path_info[:120]


def open_record(
    request: HttpRequest,
    person_id: int,
    *,
    part: Part,
    action: Action = Action.VIEW,
    route: str | None = None,
    portal: bool = False,
) -> Access:
    """Decide and audit in one step; return the access or raise ``Http404``.

    The audit row is written in the caller's transaction. Inside a transaction that the 404 will
    roll back, call ``refuse_without_basis`` first, outside it, so that a refusal stays on record
    (the decorators below and the admin do).
    """
    person, decision = _decide(request, person_id, part, action, portal=portal)
    _audit(request, person_id, part, action, decision, route)
    if not decision.allowed or person is None:
        raise Http404("No record you may see")
    request.people_named_through_policy = True  # for the access matrix
    return Access(person, part, action, decision.basis, decision.organisation_id)


def serve(
    request: HttpRequest,
    person_id: int,
    part: Part,
    action: Action,
    view: View,
    *args: Any,
    portal: bool = False,
    **kwargs: Any,
) -> HttpResponse:
    """Open the record and run the view. A look is audited on its own; a change is audited in
    one transaction with the change, and a refused change is audited before any transaction
    opens, so the refusal is kept. ``portal``: the person's own door (the basis SELF counts
    there, and only there)."""
    if action == Action.VIEW:
        access = open_record(request, person_id, part=part, portal=portal)
        return view(request, access, *args, **kwargs)
    person, decision = refuse_without_basis(
        request, person_id, part=part, action=action, portal=portal
    )
    with transaction.atomic():
        _audit(request, person_id, part, action, decision, None)
        access = Access(person, part, action, decision.basis, decision.organisation_id)
        return view(request, access, *args, **kwargs)


def refuse_without_basis(
    request: HttpRequest,
    person_id: int,
    *,
    part: Part,
    action: Action,
    route: str | None = None,
    portal: bool = False,
) -> tuple[Person, policy.Decision]:
    """Decide; a refusal is audited at once (outside any business transaction) and raised as
    ``Http404``. An allowed decision is returned for the caller to audit with its change."""
    person, decision = _decide(request, person_id, part, action, portal=portal)
    if not decision.allowed or person is None:
        _audit(request, person_id, part, action, decision, route)
        raise Http404("No record you may see")
    return person, decision


def _decide(
    request: HttpRequest, person_id: int, part: Part, action: Action, *, portal: bool = False
) -> tuple[Person | None, policy.Decision]:
    """The policy's decision, with one rule of the door on top: a staff page never opens the
    user's own record, whatever basis they hold (their door is the portal, which shows what
    the person may see and change, not what staff may)."""
    user = request.user
    person = Person.objects.filter(pk=person_id).first()
    if person is None or (not portal and person.user_id is not None and person.user_id == user.pk):
        return None, policy.Decision(False, Basis.NONE, policy.acting_organisation_id(user))
    return person, policy.decide(user, person, part, action)


def audit_refusal(request: HttpRequest, person_id: int, *, part: Part, action: Action) -> None:
    """Audit a refusal made before any basis was asked: the user's role may not open the page
    at all (the caller answers with the same 404 as a record that does not exist)."""
    decision = policy.Decision(False, Basis.NONE, policy.acting_organisation_id(request.user))
    _audit(request, person_id, part, action, decision, None)


def _audit(
    request: HttpRequest,
    person_id: int,
    part: Part,
    action: Action,
    decision: policy.Decision,
    route: str | None,
) -> None:
    audit.record(
        user_id=request.user.pk,
        person_id=person_id,
        organisation_id=decision.organisation_id,
        part=part,
        action=action,
        basis=decision.basis,
        allowed=decision.allowed,
        route=route or _route(request),
        ip_address=client_address(request),
        reason=decision.reason,
        self_claimed=decision.self_claimed,
    )


def record_list_view(request: HttpRequest, people: Iterable[Person | int]) -> None:
    """Audit a list that shows several people's details: one row for each person (or person id)
    shown.

    A list only ever shows the details part, which every basis that reaches a person grants, so
    the basis of each row comes from one query per basis rather than one decision per person.
    """
    user = request.user
    request.people_named_through_policy = True  # for the access matrix
    remaining = {person if isinstance(person, int) else person.pk for person in people}
    organisation_id = policy.acting_organisation_id(user)
    rows: list[AccessEvent] = []

    def audit_reached(basis: Basis, reach: Any, *, self_claimed: bool = False) -> None:
        nonlocal remaining
        reached = set(
            Person.objects.filter(pk__in=remaining)
            .filter(pk__in=reach)
            .values_list("pk", flat=True)
        )
        rows.extend(
            AccessEvent(
                user_id=user.pk,
                person_id=person_id,
                organisation_id=organisation_id,
                part=Part.DETAILS,
                action=Action.VIEW,
                basis=basis,
                allowed=True,
                route=_route(request),
                ip_address=client_address(request),
                self_claimed=self_claimed,
            )
            for person_id in sorted(reached)
        )
        remaining -= reached

    # As ``policy.decide``: a relationship not self-claimed first, then a self-claimed one, then
    # break-glass.
    ordered = sorted(policy.providers(), key=lambda p: p.basis == Basis.BREAK_GLASS)
    ordinary = [p for p in ordered if p.basis != Basis.BREAK_GLASS]
    for provider in ordinary:
        if remaining:
            claimed = policy.claimed_people(provider, user)
            reach = provider.people(user)
            if claimed is not None:
                reach = Person.objects.filter(pk__in=reach).exclude(pk__in=claimed).values("pk")
            audit_reached(provider.basis, reach)
    for provider in ordinary:
        claimed = policy.claimed_people(provider, user)
        if remaining and claimed is not None:
            audit_reached(provider.basis, claimed, self_claimed=True)
    for provider in ordered[len(ordinary) :]:
        if remaining:
            audit_reached(provider.basis, provider.people(user))
    if remaining:
        raise PermissionError("A list showed people no basis reaches: scope it with visible_people")
    AccessEvent.objects.bulk_create(rows)


# Methods that by definition change nothing (RFC 9110, "safe methods"): never a change. Only
# GET, HEAD and POST reach a view at all (core.middleware.AllowedMethodsMiddleware).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def wanted_action(request: HttpRequest, action: Action) -> Action:
    """What a request to a view declared with ``action`` does: a safe method is a look."""
    if action == Action.EXPORT or request.method not in SAFE_METHODS:
        return action
    return Action.VIEW


#: Who may open a staff page about a person's record, unless it says otherwise.
STAFF_RECORD_PAGES = frozenset({Permission.WORK_WITH_PEOPLE})
#: Pages a privacy lead opens too (details, sharing choices), and those only they open (the
#: audit: who has looked, the history of changes, the subject access export).
RECORD_OR_PRIVACY = frozenset({Permission.WORK_WITH_PEOPLE, Permission.REVIEW_PRIVACY})
PRIVACY = frozenset({Permission.REVIEW_PRIVACY})


def person_data(
    part: Part,
    *,
    action: Action = Action.VIEW,
    permissions: frozenset[Permission] = STAFF_RECORD_PAGES,
) -> Callable[[View], View]:
    """For a staff view whose URL names a person (``person_id``). The view gets ``access``.

    Only users holding one of ``permissions`` may open it (checked by the permission
    middleware, which audits a refusal as a refused look at ``part``); then the policy decides.
    GET (and HEAD) is a look at ``part``; POST is ``action`` (``CHANGE`` for a form that saves),
    and runs in one transaction with its audit row (no other method gets this far). An ``EXPORT``
    view is an export whatever the method.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, person_id: int, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            return serve(
                request, person_id, part, wanted_action(request, action), view, *args, **kwargs
            )

        wrapped.person_data = (part, action)  # type: ignore[attr-defined]
        wrapped.permission = frozenset(permissions)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def person_list(*permissions: Permission) -> Callable[[View], View]:
    """For a view that names people in a list (a caseload, a worklist, an agenda, supervision).

    Like a record page it needs a permission (any of ``permissions``); the people it names must
    come from ``policy.visible_people`` and be audited with ``record_list_view``, which the
    access matrix checks for every such view.
    """
    if not permissions:
        raise ValueError("person_list() needs at least one permission")

    def decorator(view: View) -> View:
        view.person_list = True  # type: ignore[attr-defined]
        view.permission = frozenset(permissions)  # type: ignore[attr-defined]
        return view

    return decorator


def own_record(part: Part, *, action: Action = Action.VIEW) -> Callable[[View], View]:
    """For a portal view: the signed-in person's own record, on the basis SELF."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            person_id = (
                Person.objects.filter(user=request.user).values_list("id", flat=True).first()
            )
            if person_id is None:
                raise Http404("No record is linked to this account")
            return serve(
                request,
                person_id,
                part,
                wanted_action(request, action),
                view,
                *args,
                portal=True,
                **kwargs,
            )

        wrapped.own_record = (part, action)  # type: ignore[attr-defined]
        wrapped.permission = frozenset({Permission.USE_PORTAL})  # type: ignore[attr-defined]
        return wrapped

    return decorator
