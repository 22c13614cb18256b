"""The person's voice in their own care, as a part of their record: for each of their episodes,
the six co-production signals read from what the care record holds (``coproduction.signals``).

A ``person_data`` view at the plan's sharing level: whoever may read the person's plan may read
this, and each look is decided and audited by the access module.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from alongside.coproduction import presenters
from alongside.coproduction.signals import person_signals
from alongside.core import formats
from alongside.sharing.access import Access, person_data
from alongside.sharing.models import Part
from alongside.sharing.presenters import RecordNavigation


@person_data(Part.PLAN)
def voice(request: HttpRequest, access: Access) -> HttpResponse:
    """Each episode's signals: newest first, an open one as today, an ended one as on its
    last day."""
    episodes = [
        {
            "heading": f"{episode.lead_team.name} ({episode.lead_team.organisation.name})",
            "dates": (
                f"From {formats.date(episode.started_at)}"
                + (f" to {formats.date(episode.ended_at)}" if episode.ended_at else ", open")
            ),
            "rows": presenters.care_signal_rows(found),
            "summary": presenters.care_summary(found),
        }
        for episode, found in person_signals(access.person)
    ]
    return render(
        request,
        "coproduction/person_voice.jinja",
        {
            "person": access.person,
            "access": access,
            "record_nav": RecordNavigation(request.user, access),
            "episodes": episodes,
            "back_link": {
                "href": reverse("people:record", kwargs={"person_id": access.person.pk}),
                "text": "Back to the record",
            },
        },
    )
