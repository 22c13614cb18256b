"""The locality meetings part of a person's subject access export (``sharing.subject_access``):
each time one of their referrals or episodes of care was on a meeting's agenda, who was there, and
what was decided.

A meeting's own notes are about the whole meeting (and so about other people): they are left
out; what was said about this person is in the item's reason and decision note.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q

from alongside.meetings.models import AgendaItem, Attendee
from alongside.organisations.models import Team
from alongside.people.models import Person
from alongside.sharing.subject_access import coded, iso, staff_name, team_entry


def locality_meetings(person: Person) -> list[dict[str, Any]]:
    """Every agenda item about the person (a referral or an episode of care of theirs), in the
    order of the meetings: the meeting, who attended, what it was asked and what it decided."""
    items = (
        AgendaItem.objects.filter(Q(referral__person=person) | Q(episode__person=person))
        .select_related(
            "meeting__locality",
            "meeting__chair",
            "referral",
            "added_by",
            "lead_team__organisation",
            "key_worker",
            "decided_by",
        )
        .prefetch_related(
            Prefetch(
                "partner_teams",
                queryset=Team.objects.select_related("organisation").order_by("name", "id"),
            ),
            Prefetch(
                "meeting__attendees",
                queryset=Attendee.objects.select_related("organisation").order_by(
                    "organisation__name", "name", "id"
                ),
            ),
        )
        .order_by("meeting__starts_at", "position", "id")
    )
    return [
        {
            "meeting": {
                "starts_at": iso(i.meeting.starts_at),
                "locality": i.meeting.locality.name,
                "place": i.meeting.place,
                "chair": staff_name(i.meeting.chair),
                "attendees": [
                    {"name": a.name, "organisation": a.organisation.name, "role": a.role}
                    for a in i.meeting.attendees.all()
                ],
            },
            "referral": i.referral.reference if i.referral else None,
            "episode": i.episode_id,
            "why": i.why,
            "added_by": staff_name(i.added_by),
            "decision": coded(i.decision, i.get_decision_display()),
            "decision_note": i.decision_note,
            "person_present": i.person_present,
            "lead_team": team_entry(i.lead_team),
            "key_worker": staff_name(i.key_worker),
            "partner_teams": [team_entry(t) for t in i.partner_teams.all()],
            "decided_by": staff_name(i.decided_by),
            "decided_at": iso(i.decided_at),
        }
        for i in items
    ]
