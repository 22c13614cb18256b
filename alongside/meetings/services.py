"""Every write to a locality meeting: scheduling it, its attendees, its agenda and its decisions.

A decision on a referral makes the referral's own transition (``referrals.services``) in the same
transaction as the decision, so a meeting can do nothing a triage coordinator could not, the
transition's reason names the meeting, and either both are saved or neither is. A decision on an
episode of care changes the episode through ``care.services``.

One decision per item: the item's row is locked while the decision is made, so of two people
recording a decision at once the second is refused; the referral's version shown to the user is
passed on, so a referral changed elsewhere since then is refused too (``StaleReferral``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care import services as care_services
from alongside.care.models import Episode
from alongside.core import formats
from alongside.directory.models import Service
from alongside.meetings import queries
from alongside.meetings.models import AgendaItem, Attendee, Decision, LocalityMeeting
from alongside.organisations.models import Locality, Membership, Organisation, Team
from alongside.places.queries import locality_for
from alongside.referrals import services as referral_services
from alongside.referrals.models import Transition

KEY_WORKER_ROLES = queries.KEY_WORKER_ROLES


def meeting_name(meeting: LocalityMeeting) -> str:
    """How a transition's reason names the meeting: 'Locality meeting 4 November 2026'."""
    return f"Locality meeting {formats.date(meeting.starts_at)}"


# --- The meeting -------------------------------------------------------------------------------


@transaction.atomic
def schedule_meeting(
    *,
    locality: Locality,
    starts_at: dt.datetime,
    place: str,
    chair: User | None,
    by: User,
    notes: str = "",
) -> LocalityMeeting:
    meeting = LocalityMeeting(
        locality=locality,
        starts_at=starts_at,
        place=place.strip(),
        chair=chair,
        created_by=by,
        notes=notes.strip(),
    )
    meeting.full_clean()
    meeting.save()
    return meeting


def _organisation_for(user: User, locality: Locality) -> Organisation | None:
    """The organisation a member of staff comes for: their team serving the locality first."""
    memberships = (
        Membership.objects.active()
        .filter(user=user)
        .select_related("team__organisation")
        .order_by("started_on", "id")
    )
    serving = memberships.filter(team__localities=locality).first()
    chosen = serving or memberships.first()
    return chosen.team.organisation if chosen else None


@transaction.atomic
def record_attendee(
    *,
    meeting: LocalityMeeting,
    by: User,
    user: User | None = None,
    name: str = "",
    organisation: Organisation | None = None,
    role: str = "",
) -> Attendee:
    """Someone at the meeting: a member of staff with an account, or a named guest, with the
    organisation they came for (for staff, their team's organisation unless another is given)."""
    name = name.strip()
    errors: dict[str, str] = {}
    if user is None and not name:
        errors["user"] = "Choose a member of staff, or enter a guest's name"
    if user is not None and name and name != user.display_name:
        errors["name"] = "Choose a member of staff or enter a guest's name, not both"
    if user is not None and organisation is None:
        organisation = _organisation_for(user, meeting.locality)
    if organisation is None and "user" not in errors:
        errors["organisation"] = "Choose the organisation they came for"
    if errors:
        raise ValidationError(errors)
    attendee = Attendee(
        meeting=meeting,
        user=user,
        name=name or user.display_name,
        organisation=organisation,
        role=role.strip(),
    )
    attendee.full_clean()
    attendee.save()
    return attendee


@transaction.atomic
def remove_attendee(*, attendee: Attendee, by: User) -> None:
    Attendee.objects.filter(pk=attendee.pk).delete()


# --- The agenda --------------------------------------------------------------------------------


def _next_position(meeting: LocalityMeeting) -> int:
    highest = meeting.agenda_items.aggregate(highest=Max("position"))["highest"]
    return (highest or 0) + 1


@transaction.atomic
def add_referral_items(*, meeting: LocalityMeeting, by: User) -> list[AgendaItem]:
    """Put on the agenda every referral marked for this locality's meeting that no meeting is
    still to decide on, oldest first. Running it again adds only what is new."""
    # Lock the meeting, so that two people pressing the button at once add each referral once.
    LocalityMeeting.objects.select_for_update().get(pk=meeting.pk)
    waiting = list(
        queries.awaiting_a_meeting(meeting.locality_id).exclude(agenda_items__meeting=meeting)
    )
    why = dict(
        Transition.objects.filter(referral__in=waiting, name="mark_for_meeting")
        .order_by("referral_id", "at", "id")
        .values_list("referral_id", "reason")
    )  # the latest marking of each referral wins
    position = _next_position(meeting)
    items = []
    for offset, referral in enumerate(waiting):
        items.append(
            AgendaItem(
                meeting=meeting,
                referral=referral,
                position=position + offset,
                why=why.get(referral.pk, ""),
                added_by=by,
            )
        )
    return AgendaItem.objects.bulk_create(items)


def serves(team: Team, locality: Locality | int) -> bool:
    locality_id = locality.pk if isinstance(locality, Locality) else locality
    return team.localities.filter(pk=locality_id).exists()


@transaction.atomic
def add_episode_item(
    *, meeting: LocalityMeeting, episode: Episode, why: str, by: User
) -> AgendaItem:
    """Bring an open episode of care to the meeting: someone whose support needs several
    organisations, or a change the lead team wants to agree with partners."""
    errors: dict[str, str] = {}
    if not why.strip():
        errors["why"] = "Say what the meeting is asked to decide"
    current = Episode.objects.select_related("person", "lead_team").get(pk=episode.pk)
    if current.ended_at is not None:
        errors["episode"] = "This episode of care has ended: only open episodes can be discussed"
    elif not (
        serves(current.lead_team, meeting.locality_id)
        or getattr(locality_for(current.person.postcode), "pk", None) == meeting.locality_id
    ):
        errors["episode"] = (
            f"Choose someone who lives in {meeting.locality.name} or whose lead team serves it"
        )
    elif meeting.agenda_items.filter(episode=current).exists():
        errors["episode"] = "This person is already on the meeting's agenda"
    if errors:
        raise ValidationError(errors)
    item = AgendaItem(
        meeting=meeting,
        episode=current,
        position=_next_position(meeting),
        why=why.strip(),
        added_by=by,
    )
    item.full_clean()
    item.save()
    return item


# --- Decisions ---------------------------------------------------------------------------------


def _is_key_worker_in(user: User, team: Team) -> bool:
    return (
        Membership.objects.active().filter(user=user, team=team, role__in=KEY_WORKER_ROLES).exists()
    )


def _check_joint_offer(lead_team: Team, partner_teams: list[Team]) -> None:
    partners = [t for t in partner_teams if t.pk != lead_team.pk]
    if not partners:
        raise ValidationError({"partner_teams": "Choose the partner teams making the joint offer"})
    if all(t.organisation_id == lead_team.organisation_id for t in partners):
        raise ValidationError(
            {
                "partner_teams": "A joint offer needs a team from another organisation: choose "
                f"at least one partner team that is not part of {lead_team.organisation.name}"
            }
        )


def _reason(meeting: LocalityMeeting, decision: str, note: str) -> str:
    label = {
        Decision.ALLOCATE: "allocated to a team and key worker",
        Decision.JOINT_OFFER: "joint offer by several organisations",
        Decision.SIGNPOST: "signposted with a warm handover",
        Decision.MORE_INFORMATION: "more information needed",
    }[Decision(decision)]
    return f"{meeting_name(meeting)}: {label}" + (f". {note}" if note else "")


def _already_decided(item: AgendaItem) -> ValidationError:
    who = item.decided_by.display_name if item.decided_by else "Someone"
    when = formats.datetime(item.decided_at)
    return ValidationError(
        f"{who} already recorded a decision for this item ({item.get_decision_display()}, "
        f"{when}). Each item has one decision. Nothing you entered was saved."
    )


@transaction.atomic
def record_decision(
    *,
    item: AgendaItem,
    decision: str,
    by: User,
    note: str = "",
    lead_team: Team | None = None,
    key_worker: User | None = None,
    partner_teams: Iterable[Team] = (),
    service: Service | None = None,
    team: Team | None = None,
    passed_on: str = "",
    told_person: str = "",
    follow_up_on: dt.date | None = None,
    version: int | None = None,
    person_present: bool | None = None,
) -> AgendaItem:
    """Record the meeting's decision on one item, and make what it decides happen.

    For a referral: allocate and joint offer accept it (to ``lead_team``, with ``key_worker`` and,
    for a joint offer, ``partner_teams`` from another organisation); signpost hands over to a
    directory ``service`` or a ``team``; more information sends it back to triage, the ``note``
    saying what is needed and from whom. For an episode of care: allocate changes the key
    worker, joint offer adds partner teams, signpost hands over alongside the care, and more
    information is a note. ``version`` is the referral's version the user saw.
    ``person_present`` records whether the person (or their advocate) took part in the
    discussion (``None``: not recorded).
    """
    current = AgendaItem.objects.select_for_update().get(pk=item.pk)
    if current.decision:
        current = AgendaItem.objects.select_related("decided_by").get(pk=item.pk)
        raise _already_decided(current)
    meeting = LocalityMeeting.objects.select_related("locality").get(pk=current.meeting_id)
    note = note.strip()
    partners = list(partner_teams)
    if decision not in Decision.values:
        raise ValidationError({"decision": "Choose the meeting's decision"})

    errors: dict[str, str] = {}
    if decision in (Decision.ALLOCATE, Decision.JOINT_OFFER):
        if lead_team is None:
            errors["lead_team"] = "Choose the lead team"
        elif current.referral_id and not serves(lead_team, meeting.locality_id):
            errors["lead_team"] = f"Choose a team that serves {meeting.locality.name}"
    if decision == Decision.ALLOCATE and key_worker is None:
        errors["key_worker"] = "Choose the key worker"
    if decision == Decision.MORE_INFORMATION and not note:
        errors["note"] = "Say what information is needed, and from whom"
    if errors:
        raise ValidationError(errors)
    if decision == Decision.JOINT_OFFER:
        _check_joint_offer(lead_team, partners)

    reason = _reason(meeting, decision, note)
    if current.referral_id is not None:
        _decide_referral(
            current,
            decision,
            by=by,
            reason=reason,
            lead_team=lead_team,
            key_worker=key_worker,
            partners=partners,
            service=service,
            team=team,
            passed_on=passed_on,
            told_person=told_person,
            follow_up_on=follow_up_on,
            version=version,
        )
    else:
        _decide_episode(
            current,
            decision,
            by=by,
            reason=reason,
            lead_team=lead_team,
            key_worker=key_worker,
            partners=partners,
            service=service,
            team=team,
            passed_on=passed_on,
            told_person=told_person,
            follow_up_on=follow_up_on,
        )

    current.decision = decision
    current.decision_note = note
    current.person_present = person_present
    if decision in (Decision.ALLOCATE, Decision.JOINT_OFFER):
        current.lead_team = lead_team
        current.key_worker = key_worker
    current.decided_by = by
    current.decided_at = timezone.now()
    current.full_clean(exclude=["referral", "episode", "added_by", "meeting"])
    current.save()
    if decision == Decision.JOINT_OFFER:
        current.partner_teams.set([t for t in partners if t.pk != lead_team.pk])
    return current


def _decide_referral(
    item: AgendaItem,
    decision: str,
    *,
    by: User,
    reason: str,
    lead_team: Team | None,
    key_worker: User | None,
    partners: list[Team],
    service: Service | None,
    team: Team | None,
    passed_on: str,
    told_person: str,
    follow_up_on: dt.date | None,
    version: int | None,
) -> None:
    referral = item.referral
    if decision == Decision.ALLOCATE:
        referral_services.accept_referral(
            referral=referral,
            team=lead_team,
            by=by,
            key_worker=key_worker,
            reason=reason,
            version=version,
        )
    elif decision == Decision.JOINT_OFFER:
        referral_services.accept_referral(
            referral=referral,
            team=lead_team,
            by=by,
            key_worker=key_worker,
            partner_teams=partners,
            reason=reason,
            version=version,
        )
    elif decision == Decision.SIGNPOST:
        referral_services.signpost_referral(
            referral=referral,
            by=by,
            passed_on=passed_on.strip(),
            follow_up_on=follow_up_on,
            service=service,
            team=team,
            told_person=told_person.strip(),
            reason=reason,
            version=version,
        )
    else:
        referral_services.return_to_triage(referral=referral, by=by, reason=reason, version=version)


def _decide_episode(
    item: AgendaItem,
    decision: str,
    *,
    by: User,
    reason: str,
    lead_team: Team | None,
    key_worker: User | None,
    partners: list[Team],
    service: Service | None,
    team: Team | None,
    passed_on: str,
    told_person: str,
    follow_up_on: dt.date | None,
) -> None:
    episode = Episode.objects.select_for_update().get(pk=item.episode_id)
    if episode.ended_at is not None:
        raise ValidationError("This episode of care has ended, so the meeting cannot change it.")
    if decision in (Decision.ALLOCATE, Decision.JOINT_OFFER):
        if lead_team.pk != episode.lead_team_id:
            raise ValidationError(
                {"lead_team": "The lead team stays the episode's own: choose that team"}
            )
        if key_worker is not None:
            if not _is_key_worker_in(key_worker, lead_team):
                raise ValidationError({"key_worker": "The key worker must work in the lead team"})
            already = episode.allocations.filter(ended_at__isnull=True, key_worker=key_worker)
            if decision == Decision.ALLOCATE or not already.exists():
                care_services.allocate_key_worker(
                    episode=episode, key_worker=key_worker, by=by, reason=reason
                )
        if decision == Decision.JOINT_OFFER:
            care_services.add_partner_teams(episode=episode, teams=partners)
    elif decision == Decision.SIGNPOST:
        referral_services.hand_over_alongside_episode(
            referral=episode.referral,
            by=by,
            passed_on=passed_on.strip(),
            follow_up_on=follow_up_on,
            service=service,
            team=team,
            told_person=told_person.strip(),
        )
    # More information: the decision's note is the record; the episode goes on unchanged.
