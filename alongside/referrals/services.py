"""Every write to a referral: receiving it, identifying the person, and each triage transition.

The state machine is ``TRANSITIONS``: a transition's name, the states it may leave and the state it
reaches. Each transition is one function here, one transaction, with the referral row locked; a
caller passes the ``version`` it showed the user, and a referral changed since then is refused
with a message saying who changed it and what it is now, so two coordinators acting at once can
never both succeed. Nothing is written unless every check passes.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, When
from django.utils import timezone

from alongside.accounts.models import User
from alongside.core.validators import normalise_nhs_number, normalise_postcode
from alongside.directory.models import Service
from alongside.organisations.models import (
    Locality,
    Membership,
    OrganisationKind,
    Role,
    Team,
    TeamType,
)
from alongside.people import services as people_services
from alongside.people.models import Person
from alongside.places.queries import locality_for
from alongside.referrals import risk
from alongside.referrals.models import (
    AWAITING_DECISION,
    PERSON_LED_CLOSURES,
    ClosureReason,
    FollowUpOutcome,
    Handover,
    HandoverKind,
    Referral,
    RejectionReason,
    Source,
    State,
    Transition,
    Urgency,
    describe_response_time,
    response_time,
)
from alongside.sharing import claims, policy


@dataclass(frozen=True)
class Edge:
    sources: frozenset[str]
    target: str


TRANSITIONS: dict[str, Edge] = {
    "start_triage": Edge(frozenset({State.RECEIVED}), State.IN_TRIAGE),
    "accept": Edge(frozenset({State.IN_TRIAGE, State.FOR_MEETING}), State.ACCEPTED),
    "signpost": Edge(frozenset({State.IN_TRIAGE, State.FOR_MEETING}), State.SIGNPOSTED),
    "mark_for_meeting": Edge(frozenset({State.IN_TRIAGE}), State.FOR_MEETING),
    "decline": Edge(frozenset({State.IN_TRIAGE, State.FOR_MEETING}), State.DECLINED),
    "return_to_triage": Edge(
        frozenset({State.FOR_MEETING, State.SIGNPOSTED, State.DECLINED}), State.IN_TRIAGE
    ),
    "close": Edge(
        frozenset(
            {
                State.RECEIVED,
                State.IN_TRIAGE,
                State.FOR_MEETING,
                State.ACCEPTED,
                State.SIGNPOSTED,
                State.DECLINED,
            }
        ),
        State.CLOSED,
    ),
}

TRANSITION_LABELS = {
    "received": "Referral received",
    "start_triage": "Triage started",
    "accept": "Accepted",
    "signpost": "Signposted with a warm handover",
    "mark_for_meeting": "Marked for the locality meeting",
    "decline": "Declined with an alternative offered",
    "return_to_triage": "Back to triage",
    "close": "Closed",
    "identify": "Person identified",
    "change_urgency": "Urgency changed",
    "escalate": "Escalated: not triaged in time",
}

# What a follow-up outcome does to a referral that was signposted or declined.
FOLLOW_UP_CLOSURES = {
    FollowUpOutcome.CONNECTED: ClosureReason.REFERRED_ON,
    FollowUpOutcome.NOT_WANTED: ClosureReason.PERSON_REQUESTED,
    FollowUpOutcome.NO_REPLY: ClosureReason.DID_NOT_ATTEND,
}

LONGEST_FOLLOW_UP = dt.timedelta(days=90)

# Called inside ``accept_referral``'s transaction, so that accepting opens the episode of care or
# nothing happens at all. The care app registers its handler from ``AppConfig.ready``. What a
# handler returns may carry ``warnings`` (a list of sentences), given back on the referral.
AcceptHandler = Callable[..., Any]
_accept_handlers: list[AcceptHandler] = []


def on_accept(handler: AcceptHandler) -> None:
    if handler not in _accept_handlers:
        _accept_handlers.append(handler)


class StaleReferral(ValidationError):
    """Someone else changed the referral after the user loaded it."""


# --- Receiving ---------------------------------------------------------------------------------

_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O or 1/I: read out on the phone


def new_reference() -> str:
    """A reference like ``R7KQ-M2XD``, easy to read out, random so that it reveals nothing."""
    chars = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


def front_door_team(locality: Locality | None) -> Team:
    """The team that triages referrals for a locality: one with a coordinator, serving the
    locality, the community mental health team first. With no locality, the first such team."""
    coordinated = Membership.objects.active().filter(role=Role.COORDINATOR).values("team_id")
    teams = Team.objects.filter(pk__in=coordinated)
    if locality is not None and teams.filter(localities=locality).exists():
        teams = teams.filter(localities=locality)
    team = (
        teams.annotate(
            not_community=Case(When(team_type=TeamType.COMMUNITY_MENTAL_HEALTH, then=0), default=1),
            not_trust=Case(When(organisation__kind=OrganisationKind.NHS_TRUST, then=0), default=1),
        )
        .order_by("not_community", "not_trust", "name", "id")
        .first()
    )
    if team is None:
        raise ValidationError("No team has a triage coordinator yet, so referrals cannot be taken.")
    return team


def _clean_identifiers(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    if fields.get("nhs_number"):
        try:
            fields["nhs_number"] = normalise_nhs_number(fields["nhs_number"])
        except ValidationError as error:
            errors["nhs_number"] = error.messages[0]
    if fields.get("postcode"):
        try:
            fields["postcode"] = normalise_postcode(fields["postcode"])
        except ValidationError as error:
            errors["postcode"] = error.messages[0]
    if errors:
        raise ValidationError(errors)


def _create(*, needs: Iterable[Any], by: User | None, reason: str = "", **fields: Any) -> Referral:
    _clean_identifiers(fields)
    if fields.get("locality") is None and fields.get("postcode"):
        fields["locality"] = locality_for(fields["postcode"])
    if fields.get("team") is None:
        fields["team"] = front_door_team(fields.get("locality"))
    fields.setdefault("received_at", timezone.now())
    fields.setdefault("urgency", Urgency.ROUTINE)
    if fields["urgency"] not in Urgency.values:
        raise ValidationError({"urgency": "Choose how urgent the referral is"})
    fields["due_at"] = fields["received_at"] + response_time(fields["urgency"])
    referral = Referral(reference=new_reference(), **fields)
    referral.full_clean(exclude=["reference", "needs"])
    for _attempt in range(5):
        try:
            with transaction.atomic():
                referral.save()
                break
        except IntegrityError as error:
            if "reference" not in str(error):
                raise
            referral.reference = new_reference()
    referral.needs.set(list(needs))
    Transition.objects.create(
        referral=referral,
        name="received",
        from_state=State.RECEIVED,
        to_state=State.RECEIVED,
        by=by,
        at=referral.received_at,
        reason=reason,
    )
    return referral


@transaction.atomic
def submit_self_referral(
    *, submission_key: uuid.UUID, needs: Iterable[Any] = (), **fields: Any
) -> Referral:
    """Receive a self-referral. The same ``submission_key`` always gives the same referral, so a
    double click, a resubmitted page or a retry after a dropped connection makes one referral.

    What it says about risk (``risk.assess``: the answer to the question about thoughts of
    self-harm, whether they are safe now, the needs ticked and risk words in what they wrote)
    sets its urgency and the reason the coordinator sees."""
    existing = Referral.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing
    if not fields.get("consent_to_contact"):
        raise ValidationError(
            {"consent_to_contact": "We can only help if you agree to us contacting you."}
        )
    needs = list(needs)
    assessment = risk.assess(
        texts=[fields.get("concerns", ""), fields.get("what_would_help", "")],
        need_names=[getattr(n, "name", str(n)) for n in needs],
        thoughts=fields.get("self_harm_thoughts", ""),
        safe_now=fields.get("safe_now", ""),
    )
    fields["urgency"] = assessment.urgency
    fields["urgency_reason"] = assessment.reason
    try:
        with transaction.atomic():
            return _create(
                source=Source.SELF, submission_key=submission_key, needs=needs, by=None, **fields
            )
    except IntegrityError:
        # The same key arrived twice at once: the first one won, and is this referral too.
        existing = Referral.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def refer(
    *, by: User, needs: Iterable[Any] = (), person: Person | None = None, **fields: Any
) -> Referral:
    """A referral from a member of staff (GP practice, VCSE partner, social care, the trust).

    For someone already known, pass ``person``: their details are copied from the record and the
    referral is linked to it at once.
    """
    if person is not None:
        for name in ("given_name", "family_name", "date_of_birth", "postcode", "phone", "email"):
            fields.setdefault(name, getattr(person, name))
        fields.setdefault("nhs_number", person.nhs_number or "")
        fields["person"] = person
    if not fields.get("source"):
        fields["source"] = source_for(by)
    urgency = fields.get("urgency") or Urgency.ROUTINE
    if urgency != Urgency.ROUTINE and not (fields.get("urgency_reason") or "").strip():
        raise ValidationError(
            {"urgency_reason": f"Say why the referral is {Urgency(urgency).label.lower()}"}
        )
    return _create(by=by, needs=needs, referred_by=by, **fields)


def source_for(user: User) -> str:
    """The referral source a member of staff refers as, from their organisation's kind."""
    kind = (
        Membership.objects.active()
        .filter(user=user)
        .order_by("started_on", "id")
        .values_list("team__organisation__kind", flat=True)
        .first()
    )
    return {
        OrganisationKind.GP_PRACTICE: Source.GP,
        OrganisationKind.PCN: Source.GP,
        OrganisationKind.VCSE: Source.VCSE,
        OrganisationKind.LOCAL_AUTHORITY: Source.SOCIAL_CARE,
        OrganisationKind.NHS_TRUST: Source.SECONDARY_CARE,
    }.get(kind, Source.OTHER)


# --- Urgency and escalation --------------------------------------------------------------------


@transaction.atomic
def change_urgency(
    *, referral: Referral, by: User, urgency: str, reason: str, version: int | None = None
) -> Referral:
    """Change how urgent a referral is, with the reason. Its due time starts again from now at
    the new urgency's response time; the change is kept in the referral's history (a
    ``Transition`` with the reason, and the row's own history)."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if version is not None and current.version != version:
        raise StaleReferral("Someone else changed this referral while you had it open.")
    errors: dict[str, str] = {}
    if urgency not in Urgency.values:
        errors["urgency"] = "Choose how urgent the referral is"
    elif urgency == current.urgency:
        errors["urgency"] = f"The referral is already {Urgency(urgency).label.lower()}"
    if not reason.strip():
        errors["reason"] = "Say why the urgency changes"
    if errors:
        raise ValidationError(errors)
    if current.state not in AWAITING_DECISION:
        raise ValidationError("Urgency can only change while the referral waits for a decision.")
    before = Urgency(current.urgency).label
    now = timezone.now()
    current.urgency = urgency
    current.urgency_reason = reason.strip()
    current.due_at = now + response_time(urgency)
    current.escalated_at = None
    current.version += 1
    current.save(
        update_fields=[
            "urgency",
            "urgency_reason",
            "due_at",
            "escalated_at",
            "version",
            "updated_at",
        ]
    )
    Transition.objects.create(
        referral=current,
        name="change_urgency",
        from_state=current.state,
        to_state=current.state,
        by=by,
        at=now,
        reason=f"{before} to {Urgency(urgency).label.lower()}: {reason.strip()}",
    )
    return current


def escalate_overdue_referrals(*, now: dt.datetime | None = None) -> list[Referral]:
    """Escalate every referral past its due time with no triage decision: it is marked escalated
    (once), its history says so, and it shows on the home pages of the holding team's lead and
    duty worker until it is decided. Safe to run at once from several places: rows another run
    holds are skipped, and each is escalated once. Called on page view and by
    ``alongside escalate``."""
    moment = now or timezone.now()
    escalated: list[Referral] = []
    with transaction.atomic():
        due = (
            Referral.objects.select_for_update(skip_locked=True)
            .filter(state__in=AWAITING_DECISION, escalated_at__isnull=True, due_at__lte=moment)
            .order_by("due_at", "id")
        )
        for referral in due:
            referral.escalated_at = moment
            referral.save(update_fields=["escalated_at", "updated_at"])
            Transition.objects.create(
                referral=referral,
                name="escalate",
                from_state=referral.state,
                to_state=referral.state,
                by=None,
                at=moment,
                reason=f"No triage decision {describe_response_time(referral.urgency)} "
                f"({Urgency(referral.urgency).label.lower()}): shown to the team lead and the "
                "duty worker",
            )
            escalated.append(referral)
    return escalated


# --- The state machine -------------------------------------------------------------------------


def allowed_transitions(state: str) -> list[str]:
    return [name for name, edge in TRANSITIONS.items() if state in edge.sources]


def _locked(referral: Referral | int, version: int | None, name: str) -> Referral:
    """The referral, locked for this transaction; refused if stale or in the wrong state."""
    pk = referral.pk if isinstance(referral, Referral) else referral
    current = Referral.objects.select_for_update().get(pk=pk)
    if version is not None and current.version != version:
        last = current.transitions.select_related("by").order_by("-at", "-id").first()
        who = last.by.display_name if last and last.by else "someone else"
        when = timezone.localtime(last.at).strftime("%-d %B %Y at %H:%M") if last else ""
        raise StaleReferral(
            f"{who} changed this referral ({TRANSITION_LABELS.get(last.name, last.name)}"
            f"{', ' + when if when else ''}) while you had it open. It is now: "
            f"{current.get_state_display().lower()}. Nothing you entered was saved."
            if last
            else "Someone else changed this referral while you had it open."
        )
    edge = TRANSITIONS[name]
    if current.state not in edge.sources:
        raise ValidationError(
            f"A referral that is {current.get_state_display().lower()} cannot be "
            f"{TRANSITION_LABELS[name].lower()}."
        )
    return current


def _move(
    referral: Referral,
    name: str,
    *,
    by: User | None,
    reason: str = "",
    code: str = "",
    **changes: Any,
) -> Referral:
    before = referral.state
    referral.state = TRANSITIONS[name].target
    referral.version += 1
    if before == State.DECLINED and referral.state != State.CLOSED:
        # Leaving a decline for another decision withdraws it: the referral is no longer
        # rejected (its transitions keep that it was, with the reason as their code).
        referral.rejected_at = None
        referral.rejection_reason = ""
    for field, value in changes.items():
        setattr(referral, field, value)
    referral.full_clean(exclude=["reference", "needs", "submission_key"])
    referral.save()
    Transition.objects.create(
        referral=referral,
        name=name,
        from_state=before,
        to_state=referral.state,
        by=by,
        reason=reason,
        code=code,
    )
    return referral


def _needs_person(referral: Referral) -> None:
    if referral.person_id is None:
        raise ValidationError(
            "Say who this is first: match the referral to a known person or register them."
        )


def _follow_up_date(follow_up_on: dt.date | None) -> dt.date:
    today = timezone.localdate()
    if follow_up_on is None:
        raise ValidationError({"follow_up_on": "Enter the date to check the person connected"})
    if follow_up_on < today:
        raise ValidationError({"follow_up_on": "The follow-up date must be today or later"})
    if follow_up_on > today + LONGEST_FOLLOW_UP:
        raise ValidationError(
            {"follow_up_on": "The follow-up must be within 90 days, so that nobody is lost"}
        )
    return follow_up_on


@transaction.atomic
def start_triage(*, referral: Referral, by: User, version: int | None = None) -> Referral:
    current = _locked(referral, version, "start_triage")
    return _move(current, "start_triage", by=by)


@transaction.atomic
def identify_person(
    *, referral: Referral, by: User, person: Person | None = None, version: int | None = None
) -> Referral:
    """Link the referral to a person: a known one the coordinator matched (never merged silently:
    they chose it), or, with no ``person``, a new record made from the referral's details.

    Only a triage role (coordinator, team lead) of the team holding the referral may. A match
    by the referral's own maker to a record that already existed is recorded as a claim
    (``sharing.claims``): nobody else vouches that the referral is about that person."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if not policy.triage_memberships(by).filter(team_id=current.team_id).exists():
        raise PermissionDenied("Only a coordinator or team lead of the team holding it can.")
    if version is not None and current.version != version:
        raise StaleReferral("Someone else changed this referral while you had it open.")
    if current.state not in (State.RECEIVED, State.IN_TRIAGE):
        raise ValidationError("The person can only be identified before a triage decision.")
    if current.person_id is not None:
        raise ValidationError("This referral is already linked to a person's record.")
    if person is None:
        person = people_services.register_person(
            given_name=current.given_name,
            family_name=current.family_name,
            preferred_name=current.preferred_name,
            date_of_birth=current.date_of_birth,
            nhs_number=current.nhs_number or None,
            postcode=current.postcode,
            address=current.address,
            phone=current.phone,
            email=current.email,
            preferred_language=current.preferred_language or "English",
            interpreter_needed=current.interpreter_needed,
            communication_needs=current.communication_needs,
            access_needs=current.access_needs,
            registered_gp_practice=current.gp_practice,
        )
        reason = "Registered as a new person"
    else:
        reason = "Matched to a known person"
        if current.referred_by_id is not None and current.referred_by_id == by.pk:
            claims.record_claim(
                user=by,
                person=person,
                organisation_id=current.team.organisation_id,
                referral_id=current.pk,
                referral_reference=current.reference,
                referral_made_at=current.received_at,
                how="Made this referral, then matched it to this existing record",
            )
            reason = "Matched to a known person by the referral's maker (self-claimed)"
    current.person = person
    current.version += 1
    current.save(update_fields=["person", "version", "updated_at"])
    Transition.objects.create(
        referral=current,
        name="identify",
        from_state=current.state,
        to_state=current.state,
        by=by,
        reason=reason,
    )
    return current


@transaction.atomic
def accept_referral(
    *,
    referral: Referral,
    team: Team,
    by: User,
    key_worker: User | None = None,
    partner_teams: Iterable[Team] = (),
    reason: str = "",
    version: int | None = None,
) -> Referral:
    """Accept to a team: the team holds the referral from now, and the episode of care opens.
    The referral comes back with ``warnings`` the handlers gave (a key worker lacking a
    competency the episode needs): sentences to show, never a block."""
    current = _locked(referral, version, "accept")
    _needs_person(current)
    if not team.provides_care:
        raise ValidationError(
            {
                "team": f"{team.name} does not provide care, so it cannot accept referrals. "
                "Choose a team that provides care."
            }
        )
    partners = [t for t in partner_teams if t.pk != team.pk]
    if (
        key_worker is not None
        and not Membership.objects.active()
        .filter(
            user=key_worker,
            team=team,
            role__in=[Role.PRACTITIONER, Role.SUPERVISOR, Role.TEAM_LEAD],
        )
        .exists()
    ):
        raise ValidationError({"key_worker": "The key worker must work in the team accepting."})
    moved = _move(current, "accept", by=by, reason=reason, accepted_team=team, team=team)
    warnings: list[str] = []
    for handler in _accept_handlers:
        opened = handler(
            referral=moved, team=team, key_worker=key_worker, partner_teams=partners, by=by
        )
        warnings.extend(getattr(opened, "warnings", ()))
    moved.warnings = warnings
    return moved


def _hand_over(
    referral: Referral,
    *,
    kind: str,
    by: User,
    service: Service | None,
    team: Team | None,
    passed_on: str,
    told_person: str,
    follow_up_on: dt.date | None,
) -> Handover:
    errors: dict[str, str] = {}
    if (service is None) == (team is None):
        errors["service"] = "Name one service from the directory or one team"
    if not passed_on.strip():
        errors["passed_on"] = "Say what was passed on, and how"
    try:
        follow_up_on = _follow_up_date(follow_up_on)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    onward = None
    if team is not None:
        onward = _create(
            needs=list(referral.needs.all()),
            by=by,
            reason=f"Warm handover from referral {referral.reference}",
            source=source_for(by),
            referred_by=by,
            person=referral.person,
            onward_from=referral,
            team=team,
            locality=referral.locality,
            urgency=referral.urgency,
            concerns=passed_on,
            what_would_help=referral.what_would_help,
            person_knows=told_person,
            person_agreed=True,
            **{
                name: getattr(referral, name)
                for name in (
                    "given_name",
                    "family_name",
                    "preferred_name",
                    "date_of_birth",
                    "nhs_number",
                    "postcode",
                    "address",
                    "phone",
                    "email",
                    "contact_methods",
                    "may_leave_message",
                    "contact_safety",
                    "consent_to_contact",
                    "gp_practice",
                    "preferred_language",
                    "interpreter_needed",
                    "communication_needs",
                    "access_needs",
                )
            },
        )
    return Handover.objects.create(
        referral=referral,
        kind=kind,
        service=service,
        team=team,
        passed_on=passed_on,
        told_person=told_person,
        follow_up_on=follow_up_on,
        onward_referral=onward,
        created_by=by,
    )


@transaction.atomic
def signpost_referral(
    *,
    referral: Referral,
    by: User,
    passed_on: str,
    follow_up_on: dt.date | None,
    service: Service | None = None,
    team: Team | None = None,
    told_person: str = "",
    reason: str = "",
    version: int | None = None,
) -> Referral:
    """Signpost with a warm handover to a directory service or a team (which receives an onward
    referral to triage). The referral stays with this team until the follow-up is recorded."""
    current = _locked(referral, version, "signpost")
    _needs_person(current)
    _hand_over(
        current,
        kind=HandoverKind.SIGNPOST,
        by=by,
        service=service,
        team=team,
        passed_on=passed_on,
        told_person=told_person,
        follow_up_on=follow_up_on,
    )
    return _move(current, "signpost", by=by, reason=reason or passed_on)


@transaction.atomic
def decline_referral(
    *,
    referral: Referral,
    by: User,
    rejection_reason: str,
    passed_on: str,
    follow_up_on: dt.date | None,
    service: Service | None = None,
    team: Team | None = None,
    told_person: str = "",
    reason: str = "",
    version: int | None = None,
) -> Referral:
    """Decline — only with a named alternative offered to the person and a follow-up."""
    current = _locked(referral, version, "decline")
    _needs_person(current)
    if rejection_reason not in RejectionReason.values:
        raise ValidationError({"rejection_reason": "Choose why the referral is declined"})
    if not told_person.strip():
        raise ValidationError(
            {"told_person": "Say what alternative was offered to the person, and how"}
        )
    _hand_over(
        current,
        kind=HandoverKind.ALTERNATIVE,
        by=by,
        service=service,
        team=team,
        passed_on=passed_on,
        told_person=told_person,
        follow_up_on=follow_up_on,
    )
    return _move(
        current,
        "decline",
        by=by,
        reason=reason or told_person,
        code=rejection_reason,
        rejected_at=timezone.now(),
        rejection_reason=rejection_reason,
    )


@transaction.atomic
def mark_for_meeting(
    *, referral: Referral, by: User, why: str, version: int | None = None
) -> Referral:
    """Put the referral on the next locality meeting's agenda: it needs several organisations."""
    current = _locked(referral, version, "mark_for_meeting")
    _needs_person(current)
    if not why.strip():
        raise ValidationError({"why": "Say what the meeting is asked to decide"})
    if current.locality_id is None:
        raise ValidationError(
            {"locality": "Choose the locality first: meetings are held per locality"}
        )
    return _move(current, "mark_for_meeting", by=by, reason=why)


@transaction.atomic
def return_to_triage(
    *, referral: Referral, by: User, reason: str, version: int | None = None
) -> Referral:
    current = _locked(referral, version, "return_to_triage")
    if not reason.strip():
        raise ValidationError({"reason": "Say why the referral comes back to triage"})
    return _move(current, "return_to_triage", by=by, reason=reason)


@transaction.atomic
def close_referral(
    *,
    referral: Referral,
    by: User,
    closure_reason: str,
    reason: str = "",
    version: int | None = None,
) -> Referral:
    """Close a referral. Before a decision only the person can end it (they moved, asked to stop,
    or refused to be seen) — and a referral closed like that, with no next step named, is
    reported as a bounce. A signposted or declined referral closes when its follow-up is recorded;
    an accepted one when the episode of care ends."""
    current = _locked(referral, version, "close")
    if closure_reason not in ClosureReason.values:
        raise ValidationError({"closure_reason": "Choose why the referral is closed"})
    if current.state in AWAITING_DECISION and closure_reason not in PERSON_LED_CLOSURES:
        raise ValidationError(
            {
                "closure_reason": "Before a triage decision a referral can only be closed because "
                "the person moved, asked for it to be closed or refused to be seen. Otherwise "
                "accept, signpost or decline it with an alternative."
            }
        )
    if current.handovers.filter(outcome="").exists():
        # Closing would drop the follow-up from every worklist: it is recorded first.
        raise ValidationError("Record the follow-up first: did the person connect?")
    return _move(
        current,
        "close",
        by=by,
        reason=reason,
        code=closure_reason,
        closed_at=timezone.now(),
        closure_reason=closure_reason,
    )


@transaction.atomic
def record_follow_up(*, handover: Handover, by: User, outcome: str, note: str = "") -> Handover:
    """Record whether the person connected. For a signposted or declined referral this closes it
    (connected, not wanted, no reply) or brings it back to triage (not connected)."""
    current = Handover.objects.select_for_update().get(pk=handover.pk)
    if current.outcome:
        raise ValidationError("The follow-up was already recorded.")
    if outcome not in FollowUpOutcome.values:
        raise ValidationError({"outcome": "Choose what happened"})
    if outcome == FollowUpOutcome.NOT_CONNECTED and not note.strip():
        raise ValidationError({"note": "Say what got in the way, so triage can find another way"})
    current.outcome = outcome
    current.outcome_note = note
    current.outcome_by = by
    current.outcome_at = timezone.now()
    current.save()
    referral = Referral.objects.select_for_update().get(pk=current.referral_id)
    if referral.state in (State.SIGNPOSTED, State.DECLINED):
        if outcome == FollowUpOutcome.NOT_CONNECTED:
            _move(referral, "return_to_triage", by=by, reason=f"Follow-up: {note}")
        elif not referral.handovers.filter(outcome="").exists():
            code = FOLLOW_UP_CLOSURES[FollowUpOutcome(outcome)]
            _move(
                referral,
                "close",
                by=by,
                reason=f"Follow-up: {FollowUpOutcome(outcome).label}. {note}".strip(),
                code=code,
                closed_at=timezone.now(),
                closure_reason=code,
            )
    return current


@transaction.atomic
def hand_over_alongside_episode(
    *,
    referral: Referral,
    by: User,
    passed_on: str,
    follow_up_on: dt.date | None,
    service: Service | None = None,
    team: Team | None = None,
    told_person: str = "",
) -> Handover:
    """A warm handover for someone whose referral is accepted (for example decided at a locality
    meeting): the episode goes on, and the follow-up still shows until recorded."""
    current = Referral.objects.select_for_update().get(pk=referral.pk)
    if current.state != State.ACCEPTED:
        raise ValidationError("Only an accepted referral can have a handover alongside its care.")
    return _hand_over(
        current,
        kind=HandoverKind.SIGNPOST,
        by=by,
        service=service,
        team=team,
        passed_on=passed_on,
        told_person=told_person,
        follow_up_on=follow_up_on,
    )
