"""Reads of locality meetings, shared by the pages and the printable agenda and decision record.

Who may take part: care staff (``sharing.policy.care_memberships``) in a team serving the
meeting's locality; team leads and triage coordinators among them may schedule meetings.
A meeting page is built in a fixed number of queries whatever the length of its agenda.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.directory.models import Service
from alongside.directory.queries import ServiceSearch, search_services
from alongside.meetings.models import AgendaItem, Attendee, LocalityMeeting
from alongside.organisations.models import Locality, Membership, Role, Team
from alongside.referrals.models import Handover, Referral, State
from alongside.sharing import policy

#: Who may schedule a meeting for a locality their team serves.
SCHEDULING_ROLES = (Role.COORDINATOR, Role.TEAM_LEAD)
#: Roles that may hold a caseload: who can be a key worker.
KEY_WORKER_ROLES = (Role.PRACTITIONER, Role.SUPERVISOR, Role.TEAM_LEAD)
#: How many past meetings the list shows.
RECENT = 12


# --- Who may take part -------------------------------------------------------------------------


def care_localities(user: User) -> QuerySet[Locality]:
    """The localities served by the teams where the user holds a care role now."""
    teams = policy.care_memberships(user).values("team_id")
    return Locality.objects.filter(teams__in=teams).distinct().order_by("name")


def scheduling_localities(user: User) -> QuerySet[Locality]:
    teams = policy.care_memberships(user).filter(role__in=SCHEDULING_ROLES).values("team_id")
    return Locality.objects.filter(teams__in=teams).distinct().order_by("name")


def works_in_localities(user: User) -> bool:
    """Whether the user takes part in any locality's meetings (a care role in a team serving a
    locality)."""
    return bool(user.is_authenticated) and care_localities(user).exists()


def may_schedule(user: User) -> bool:
    return bool(user.is_authenticated) and scheduling_localities(user).exists()


def meetings_for(user: User) -> QuerySet[LocalityMeeting]:
    """Meetings of the user's localities, each with ``item_count`` and ``decided_count``."""
    return (
        LocalityMeeting.objects.filter(locality__in=care_localities(user))
        .select_related("locality", "chair")
        .annotate(
            item_count=Count("agenda_items", distinct=True),
            decided_count=Count(
                "agenda_items", filter=~Q(agenda_items__decision=""), distinct=True
            ),
        )
    )


def upcoming_and_recent(
    user: User, now: dt.datetime
) -> tuple[list[LocalityMeeting], list[LocalityMeeting]]:
    """The user's meetings from the start of today on (soonest first), and the latest before."""
    start_of_today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    meetings = meetings_for(user)
    upcoming = list(meetings.filter(starts_at__gte=start_of_today).order_by("starts_at", "id"))
    recent = list(meetings.filter(starts_at__lt=start_of_today).order_by("-starts_at")[:RECENT])
    return upcoming, recent


def _handovers() -> Prefetch:
    return Prefetch(
        "handovers",
        queryset=Handover.objects.select_related("service", "team").order_by("created_at", "id"),
    )


def items_with_details() -> QuerySet[AgendaItem]:
    """Agenda items with what the pages show of each, in a fixed number of queries."""
    return AgendaItem.objects.select_related(
        "referral",
        "referral__person",
        "episode",
        "episode__person",
        "episode__lead_team",
        "episode__referral",
        "lead_team",
        "lead_team__organisation",
        "key_worker",
        "decided_by",
    ).prefetch_related(
        Prefetch("partner_teams", queryset=Team.objects.select_related("organisation")),
        Prefetch("referral__handovers", queryset=_handovers().queryset),
        Prefetch("episode__referral__handovers", queryset=_handovers().queryset),
    )


def meeting_for(user: User, meeting_id: int) -> LocalityMeeting | None:
    """One meeting of the user's localities, with its attendees and agenda (``None`` if the
    user takes no part in its locality, or there is no such meeting)."""
    return (
        LocalityMeeting.objects.filter(locality__in=care_localities(user))
        .select_related("locality", "chair", "created_by")
        .prefetch_related(
            Prefetch(
                "attendees",
                queryset=Attendee.objects.select_related("organisation").order_by(
                    "organisation__name", "name"
                ),
            ),
            Prefetch("agenda_items", queryset=items_with_details().order_by("position", "id")),
        )
        .filter(pk=meeting_id)
        .first()
    )


def item_for(meeting: LocalityMeeting, item_id: int) -> AgendaItem | None:
    return items_with_details().filter(meeting=meeting, pk=item_id).first()


# --- What can go on the agenda -----------------------------------------------------------------


def awaiting_a_meeting(locality: Locality | int) -> QuerySet[Referral]:
    """Referrals marked for the locality's meeting that no meeting is still to decide on."""
    locality_id = locality.pk if isinstance(locality, Locality) else locality
    undecided = AgendaItem.objects.filter(decision="", referral__isnull=False)
    return (
        Referral.objects.filter(state=State.FOR_MEETING, locality_id=locality_id)
        .exclude(pk__in=undecided.values("referral_id"))
        .order_by("received_at", "id")
    )


def open_episodes_to_add(meeting: LocalityMeeting, people: QuerySet) -> QuerySet[Episode]:
    """Open episodes of care whose lead team serves the meeting's locality, of the ``people``
    given (the ones the user may see), not yet on this meeting's agenda."""
    return (
        Episode.objects.open()
        .filter(lead_team__localities=meeting.locality_id, person__in=people)
        .exclude(agenda_items__meeting=meeting)
        .select_related("person", "lead_team")
        .distinct()
        .order_by("person__family_name", "person__given_name", "id")
    )


# --- Choices for the forms ---------------------------------------------------------------------


def teams_serving(locality: Locality | int) -> QuerySet[Team]:
    return (
        Team.objects.filter(localities=locality)
        .select_related("organisation")
        .order_by("name", "organisation__name")
    )


def staff_serving(locality: Locality | int) -> QuerySet[Membership]:
    """Everyone with an active role in a team serving the locality (who might attend)."""
    return (
        Membership.objects.active()
        .filter(team__localities=locality)
        .select_related("user", "team__organisation")
        .order_by("user__first_name", "user__last_name", "team__name")
    )


def key_workers_serving(locality: Locality | int) -> QuerySet[Membership]:
    return staff_serving(locality).filter(role__in=KEY_WORKER_ROLES)


def schedulers_and_chairs(localities: QuerySet[Locality]) -> QuerySet[User]:
    """Care staff in teams serving any of the localities: who may chair a meeting."""
    teams = Team.objects.filter(localities__in=localities).values("id")
    members = (
        Membership.objects.active()
        .filter(team__in=teams, role__in=policy.CARE_ROLES)
        .values("user_id")
    )
    return User.objects.filter(pk__in=members, is_active=True).order_by("first_name", "last_name")


def services_serving(locality: Locality | int) -> QuerySet[Service]:
    """Active directory services serving the locality, by name: where to signpost."""
    locality_id = locality.pk if isinstance(locality, Locality) else locality
    return (
        search_services(ServiceSearch(locality_id=locality_id))
        .select_related("organization")
        .order_by("name", "id")
    )
