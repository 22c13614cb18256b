"""Who is overdue for supervision, and by how long: for a team lead's page.

The rule is the insights metric ``supervision_coverage``'s (``alongside/insights/metrics.py``,
documented in ``docs/metrics.md``), read here from the platform's own tables so a page can name
the people: for every term of every agreement current on the day (a kind of supervision, at
most ``every_weeks`` apart), the next session is due ``every_weeks`` × 7 days after the later
of the agreement's start and the latest session of that kind with that supervisor the
supervisee attended (a group session counts for each who attended). A term is overdue once that
day has passed. A test holds this module and the metric to the same numerator and denominator.

A supervisee belongs to the team of their first active care membership (the earliest started
practitioner, coordinator, supervisor or team lead role not ended), as the metric's team filter
has it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from alongside.accounts.models import User
from alongside.organisations.models import Membership, Role
from alongside.sharing.policy import CARE_ROLES
from alongside.supervision.models import AgreementTerm, Attendee, Kind, SupervisionAgreement


@dataclass(frozen=True)
class Overdue:
    """One term of a current agreement whose next session is past its due day."""

    supervisee: User
    supervisor: User
    kind: str
    due_on: dt.date
    days_overdue: int

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label


def _home_team_of(field: str = "supervisee") -> Subquery:
    """The team of a supervisee's first active care membership."""
    first = (
        Membership.objects.active()
        .filter(user=OuterRef(field), role__in=CARE_ROLES)
        .order_by("started_on", "id")
        .values("team_id")[:1]
    )
    return Subquery(first)


def current_agreements(
    team_ids: Collection[int] | None, today: dt.date
) -> QuerySet[SupervisionAgreement]:
    """Agreements current on ``today``, of supervisees in these teams (everyone's if ``None``)."""
    agreements = SupervisionAgreement.objects.current(today)
    if team_ids is not None:
        agreements = agreements.annotate(home_team=_home_team_of()).filter(
            home_team__in=list(team_ids)
        )
    return agreements


def supervisee_ids(team_ids: Collection[int] | None, today: dt.date | None = None) -> set[int]:
    """Everyone supervised under an agreement current on the day: the metric's denominator."""
    day = today or timezone.localdate()
    return set(current_agreements(team_ids, day).values_list("supervisee_id", flat=True))


@dataclass(frozen=True)
class Standing:
    """One supervisee's standing on the day: covered when none of their agreement's terms (of
    the kinds counted) is overdue; ``days_overdue`` is their most overdue term's, else 0."""

    supervisee: User
    team_id: int | None
    covered: bool
    days_overdue: int


def _due_terms(
    team_ids: Collection[int] | None, day: dt.date, *, supervisor: User | None = None
) -> list[tuple[AgreementTerm, dt.date]]:
    """Each term of each agreement current on the day (``supervisor``'s only, if given), with
    the day its next session is due. Two queries, whatever the numbers."""
    agreements = current_agreements(team_ids, day)
    if supervisor is not None:
        agreements = agreements.filter(supervisor=supervisor)
    terms = list(
        AgreementTerm.objects.filter(agreement__in=agreements)
        .annotate(home_team=_home_team_of("agreement__supervisee"))
        .select_related("agreement__supervisee", "agreement__supervisor")
        .order_by("agreement_id", "kind")
    )
    people = {term.agreement.supervisee_id for term in terms}
    latest = {
        (row["user_id"], row["session__supervisor_id"], row["session__kind"]): row["last"]
        for row in Attendee.objects.filter(user_id__in=people, session__held_on__lte=day)
        .values("user_id", "session__supervisor_id", "session__kind")
        .annotate(last=Max("session__held_on"))
        .order_by()
    }
    due = []
    for term in terms:
        agreement = term.agreement
        last = latest.get((agreement.supervisee_id, agreement.supervisor_id, term.kind))
        since = max(agreement.starts_on, last) if last else agreement.starts_on
        due.append((term, since + dt.timedelta(days=7 * term.every_weeks)))
    return due


def overdue(team_ids: Collection[int] | None, today: dt.date | None = None) -> list[Overdue]:
    """Every term of a current agreement overdue on ``today`` (by default today), most overdue
    first; for supervisees in ``team_ids``, or everyone when ``None``. Two queries, whatever
    the numbers."""
    day = today or timezone.localdate()
    found = [
        Overdue(
            supervisee=term.agreement.supervisee,
            supervisor=term.agreement.supervisor,
            kind=term.kind,
            due_on=due_on,
            days_overdue=(day - due_on).days,
        )
        for term, due_on in _due_terms(team_ids, day)
        if day > due_on
    ]
    return sorted(
        found,
        key=lambda o: (-o.days_overdue, o.supervisee.get_full_name(), o.supervisee.pk, o.kind),
    )


def sessions_due(
    supervisor: User, *, within_days: int, today: dt.date | None = None
) -> list[Overdue]:
    """The sessions ``supervisor`` owes their supervisees: every term of their current
    agreements due within ``within_days`` of ``today`` or overdue (``days_overdue`` negative
    while it is still to come), soonest due first. Two queries, whatever the numbers."""
    day = today or timezone.localdate()
    found = [
        Overdue(
            supervisee=term.agreement.supervisee,
            supervisor=term.agreement.supervisor,
            kind=term.kind,
            due_on=due_on,
            days_overdue=(day - due_on).days,
        )
        for term, due_on in _due_terms(None, day, supervisor=supervisor)
        if due_on <= day + dt.timedelta(days=within_days)
    ]
    return sorted(found, key=lambda o: (o.due_on, o.supervisee.get_full_name(), o.kind))


def standings(
    team_ids: Collection[int] | None, today: dt.date | None = None, *, meta: bool = False
) -> list[Standing]:
    """Each supervisee's standing on the day, as the coverage metric counts them (``meta``: as
    meta-supervision coverage does, only supervisors' meta-supervision terms). Three queries."""
    day = today or timezone.localdate()
    due = _due_terms(team_ids, day)
    if meta:
        supervisors = _supervisors(day)
        due = [
            (t, d)
            for t, d in due
            if t.kind == Kind.META and t.agreement.supervisee_id in supervisors
        ]
    worst: dict[int, tuple[AgreementTerm, int]] = {}
    for term, due_on in due:
        late = (day - due_on).days
        held = worst.get(term.agreement.supervisee_id)
        if held is None or late > held[1]:
            worst[term.agreement.supervisee_id] = (term, late)
    return sorted(
        (
            Standing(
                supervisee=term.agreement.supervisee,
                team_id=term.home_team,
                covered=late <= 0,
                days_overdue=max(late, 0),
            )
            for term, late in worst.values()
        ),
        key=lambda s: (-s.days_overdue, s.supervisee.get_full_name(), s.supervisee.pk),
    )


def _supervisors(day: dt.date) -> set[int]:
    """Who is a supervisor on the day: holds an active supervisor role, or supervises someone
    under an agreement not ended by the day (the metric's ``supervisee_is_supervisor``)."""
    roles = (
        Membership.objects.active().filter(role=Role.SUPERVISOR).values_list("user_id", flat=True)
    )
    supervising = SupervisionAgreement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=day)
    ).values_list("supervisor_id", flat=True)
    return set(roles) | set(supervising)
