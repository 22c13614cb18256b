"""When a team asks for measures: the team lead's page listing each measure the team schedules,
a form to add or change one, and removal; and what the key-working pages show of it through
``care.hooks`` (registered in ``apps.py``): the caseloads' "Measures due" column and the
discharge page's reminder.

The schedule page shows no one's record (``no_person_data``): only the team's lead or
supervisor opens it, as for the team's caseloads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse

from alongside.care.hooks import Reminder, Tag
from alongside.care.models import Episode
from alongside.care.queries import teams_led_by
from alongside.core import formats
from alongside.core.access import requires
from alongside.organisations.models import Team
from alongside.organisations.permissions import Permission
from alongside.outcomes import registry, schedule, services
from alongside.outcomes.models import MeasureSchedule
from alongside.outcomes.schedule_forms import ScheduleForm
from alongside.sharing.access import no_person_data

TAG_COLOURS = {
    schedule.DueState.OVERDUE: "nhsuk-tag--red",
    schedule.DueState.DUE: "nhsuk-tag--yellow",
    schedule.DueState.SOON: "nhsuk-tag--grey",
}


def _team_led_by(request: HttpRequest, team_id: int) -> Team:
    """The team, if the user is its lead or supervisor (else 403; 404 if there is none)."""
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    if not teams_led_by(request.user).filter(pk=team.pk).exists():
        raise PermissionDenied
    return team


def _measures() -> list[tuple[str, str]]:
    """(name, title) of each measure that can be completed here, by title."""
    return [(q.name, m.title) for q, m in registry.usable()]


@dataclass
class ScheduleRow:
    """One measure the team asks for, as the team's page lists it."""

    schedule: MeasureSchedule
    #: The measure's title; ``None`` if it can no longer be completed here.
    measure_title: str | None

    @property
    def title(self) -> str:
        if self.measure_title is None:
            return f"{self.schedule.measure} (not in use here now)"
        return self.measure_title

    @property
    def when(self) -> str:
        s = self.schedule
        parts = []
        if s.at_start:
            parts.append("at the start")
        if s.every_weeks:
            parts.append(f"every {s.every_weeks} week{'s' if s.every_weeks != 1 else ''}")
        if s.at_discharge:
            parts.append("at discharge")
        text = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        return text[:1].upper() + text[1:]

    @property
    def overdue_after(self) -> str:
        days = self.schedule.grace_days
        if days == 0:
            return "The day after it falls due"
        return f"{days} day{'s' if days != 1 else ''} after it falls due"

    @property
    def changed(self) -> str:
        s = self.schedule
        by = f" by {s.updated_by.display_name}" if s.updated_by else ""
        return f"{formats.date(s.updated_at)}{by}"

    @property
    def change_href(self) -> str:
        base = reverse("schedules:team", kwargs={"team_id": self.schedule.team_id})
        return f"{base}?measure={self.schedule.measure}#schedule"

    @property
    def remove_href(self) -> str:
        return reverse(
            "schedules:remove",
            kwargs={"team_id": self.schedule.team_id, "schedule_id": self.schedule.pk},
        )


@no_person_data
@requires(Permission.LEAD_TEAM)
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """The measures the team asks for and when, and a form to add one or change one
    (``?measure=`` chooses the one to change)."""
    team = _team_led_by(request, team_id)
    measures = _measures()
    titles = dict(measures)
    schedules = list(team.measure_schedules.select_related("updated_by"))
    wanted = request.GET.get("measure")
    changing = next((s for s in schedules if s.measure == wanted and s.measure in titles), None)
    initial = ScheduleForm.initial_for(changing)
    if changing is None and wanted in titles:
        initial["measure"] = wanted
    form = ScheduleForm(
        request.POST if request.method == "POST" else None, measures=measures, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_schedule(team=team, by=request.user, **form.service_fields())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{titles[saved.measure]}: schedule saved")
            return redirect("schedules:team", team_id=team.pk)
    return render(
        request,
        "outcomes/schedule/team.jinja",
        {
            "team": team,
            "rows": [ScheduleRow(s, titles.get(s.measure)) for s in schedules],
            "form": form,
            "changing": ScheduleRow(changing, titles[changing.measure]) if changing else None,
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": reverse("care:team-caseloads", kwargs={"team_id": team.pk}),
                "text": "Back to the team's caseloads",
            },
        },
    )


@no_person_data
@requires(Permission.LEAD_TEAM)
def remove(request: HttpRequest, team_id: int, schedule_id: int) -> HttpResponse:
    """Stop asking for a measure: a page to confirm, then (POST) remove the schedule. Responses
    already given are kept."""
    team = _team_led_by(request, team_id)
    found = get_object_or_404(MeasureSchedule, pk=schedule_id, team=team)
    row = ScheduleRow(found, dict(_measures()).get(found.measure))
    back = reverse("schedules:team", kwargs={"team_id": team.pk})
    if request.method == "POST":
        services.remove_schedule(schedule=found, by=request.user)
        messages.success(request, f"{team.name} no longer asks for {row.title}")
        return redirect(back)
    return render(
        request,
        "outcomes/schedule/remove.jinja",
        {"team": team, "row": row, "back_link": {"href": back, "text": "Back"}},
    )


# --- What the key-working pages show (registered with care.hooks in apps.py) -------------------


def due_tag(due: schedule.Due) -> Tag:
    return {"text": due.label, "classes": TAG_COLOURS[due.state]}


def caseload_tags(episodes: Sequence[Episode]) -> dict[int, list[Tag]]:
    """The caseloads' "Measures due" column: answers that raised a flag nobody has seen yet
    (PHQ-9 question 9), then what each episode owes now, overdue first; worked out for all the
    rows in a fixed number of queries."""
    names = schedule.titles()
    to_review = schedule.unseen_flags((e.pk for e in episodes), names=names)
    return {
        episode_id: [
            *(
                {"text": f"{title} answers to review", "classes": "nhsuk-tag--red"}
                for title in to_review.get(episode_id, [])
            ),
            *(due_tag(d) for d in owed),
        ]
        for episode_id, owed in schedule.due_for(episodes, names=names).items()
    }


def discharge_reminder(episode: Episode) -> Reminder | None:
    """The measures the lead team asks for at discharge that have not been completed lately,
    with a link to the person's outcome measures (a reminder: discharge can go ahead)."""
    owed = schedule.due_at_discharge(episode)
    if not owed:
        return None
    try:
        href = reverse("outcomes:person", kwargs={"person_id": episode.person_id})
    except NoReverseMatch:
        link = None
    else:
        link = {"href": href, "text": "Complete outcome measures with the person"}
    return Reminder(
        title="Outcome measures due at discharge",
        text=f"{episode.lead_team.name} asks for these at discharge, and they have not been "
        "completed lately. Complete them with the person before discharge if you can: the "
        "discharge can still go ahead without them.",
        items=[d.title for d in owed],
        link=link,
    )
