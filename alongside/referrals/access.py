"""The door to a referral's pages, through the sharing module.

A referral linked to a person's record is opened exactly like the record itself: the sharing
policy decides (the team holding the referral has the open-referral basis) and the look is
audited. A referral not yet linked to a record has no person to decide on, so the rule is the
open-referral basis's own: the triage roles (coordinator, team lead) of the team holding it. That
look is audited too, with the referral's reference as the reason. Matching a referral to a record
and every triage decision need ``Permission.TRIAGE`` as well (``referral_data(...,
permissions=TRIAGE)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse

from alongside.accounts.models import User
from alongside.organisations.permissions import Permission
from alongside.referrals.models import Referral
from alongside.sharing import audit, policy
from alongside.sharing.access import (
    STAFF_RECORD_PAGES,
    Access,
    audit_refusal,
    client_address,
    record_list_view,
    serve,
    wanted_action,
)
from alongside.sharing.models import AccessEvent, Action, Basis, Part

View = Callable[..., HttpResponse]
#: Who may open the pages that match a referral to a record or make a triage decision.
TRIAGE = frozenset({Permission.TRIAGE})
UNLINKED_PARTS = frozenset({Part.DETAILS, Part.REFERRALS})


@dataclass(frozen=True)
class ReferralAccess:
    """A granted look at (or change to) a referral, linked to a person's record or not yet."""

    referral: Referral
    part: Part
    action: Action
    basis: Basis
    organisation_id: int | None
    _granted: dict[int, list[policy.Rights]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def may(self, user: User, part: Part, action: Action = Action.VIEW) -> bool:
        """Whether the user may also see or change another part (for links); not audited."""
        if self.referral.person_id is None:
            return part in UNLINKED_PARTS and holds(user, self.referral)
        if user.pk not in self._granted:
            self._granted[user.pk] = policy.granted(user, self.referral.person)
        return any(rights.allows(part, action) for rights in self._granted[user.pk])


def holds(user: User, referral: Referral) -> bool:
    """Whether the user holds a triage role in the team holding the referral."""
    return policy.triage_memberships(user).filter(team_id=referral.team_id).exists()


def _route(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match and match.view_name else request.path_info[:120]


def _audit_unlinked(
    request: HttpRequest, referral: Referral, part: Part, action: Action, allowed: bool
) -> None:
    audit.record(
        user_id=request.user.pk,
        person_id=None,
        organisation_id=referral.team.organisation_id
        if allowed
        else policy.acting_organisation_id(request.user),
        part=part,
        action=action,
        basis=Basis.OPEN_REFERRAL if allowed else Basis.NONE,
        allowed=allowed,
        route=_route(request),
        ip_address=client_address(request),
        reason=f"Referral {referral.reference}, not yet linked to a record",
    )


def referral_data(
    part: Part,
    *,
    action: Action = Action.VIEW,
    permissions: frozenset[Permission] = STAFF_RECORD_PAGES,
) -> Callable[[View], View]:
    """For a view whose URL names a referral (``referral_id``); the view gets a
    ``ReferralAccess``. GET is a look at ``part``; any other method is ``action``, run in one
    transaction with its audit row, exactly as ``sharing.access.person_data``. Only holders of
    one of ``permissions`` get as far as the decision (``TRIAGE`` for matching and decisions)."""

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(
            request: HttpRequest, referral_id: int, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            wanted = wanted_action(request, action)
            referral = (
                Referral.objects.select_related("team", "person").filter(pk=referral_id).first()
            )
            if referral is None:
                raise Http404("No referral you may see")
            if referral.person_id is not None:

                def linked(
                    request: HttpRequest, access: Access, *a: Any, **kw: Any
                ) -> HttpResponse:
                    granted = ReferralAccess(
                        referral, part, wanted, access.basis, access.organisation_id
                    )
                    return view(request, granted, *a, **kw)

                return serve(request, referral.person_id, part, wanted, linked, *args, **kwargs)
            allowed = part in UNLINKED_PARTS and holds(request.user, referral)
            granted = ReferralAccess(
                referral, part, wanted, Basis.OPEN_REFERRAL, referral.team.organisation_id
            )
            if wanted == Action.VIEW or not allowed:
                _audit_unlinked(request, referral, part, wanted, allowed)
                if not allowed:
                    raise Http404("No referral you may see")
                return view(request, granted, *args, **kwargs)
            with transaction.atomic():
                _audit_unlinked(request, referral, part, wanted, allowed)
                return view(request, granted, *args, **kwargs)

        def refused(request: HttpRequest, kwargs: dict[str, Any]) -> None:
            """Audit a refusal by the permission check: a look at the linked record, or at a
            referral not yet linked."""
            wanted = wanted_action(request, action)
            referral = (
                Referral.objects.select_related("team").filter(pk=kwargs["referral_id"]).first()
            )
            if referral is not None and referral.person_id is None:
                _audit_unlinked(request, referral, part, wanted, False)
            elif referral is not None:
                audit_refusal(request, referral.person_id, part=part, action=wanted)

        wrapped.person_data = (part, action)  # type: ignore[attr-defined]
        wrapped.permission = frozenset(permissions)  # type: ignore[attr-defined]
        wrapped.on_refused = refused  # type: ignore[attr-defined]
        return wrapped

    return decorator


def record_referral_list_view(request: HttpRequest, referrals: list[Referral]) -> None:
    """Audit a list of referrals: the people they are linked to as a list view of each, and each
    referral not yet linked to a record as a look at that referral."""
    record_list_view(request, [r.person_id for r in referrals if r.person_id is not None])
    AccessEvent.objects.bulk_create(
        AccessEvent(
            user_id=request.user.pk,
            person_id=None,
            organisation_id=r.team.organisation_id,
            part=Part.DETAILS,
            action=Action.VIEW,
            basis=Basis.OPEN_REFERRAL,
            allowed=True,
            route=_route(request),
            ip_address=client_address(request),
            reason=f"Referral {r.reference}, not yet linked to a record",
        )
        for r in referrals
        if r.person_id is None
    )
