"""The workforce pages: a team's (its lead's), the place's and the commissioners' NHS and VCSE
side by side (analysts and organisation administrators), and the team lead's forms for training
completions, whole-time equivalents and vacancies.

They show staff and aggregates, never a person who needs support's name or record: every view
declares ``no_person_data``. The team's page also lists the kept allocation warnings still
standing; each one's episode shows as the referral's reference, linked to the episode's page,
only to someone the sharing policy lets reach the person, and that list is audited
(``record_list_view``) as the caseload pages' lists are. A team lead sees their own team;
analysts (commissioners, alliance leads) and organisation administrators see the place and every
team in it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from alongside.core import formats
from alongside.core.access import no_person_data, requires
from alongside.organisations.models import Locality, Membership, Organisation, Role, Team
from alongside.organisations.permissions import Permission, has_permission
from alongside.sharing import policy
from alongside.sharing.access import person_list, record_list_view
from alongside.workforce import forms, presenters, queries, services
from alongside.workforce.models import Vacancy


def sees_place(user: Any) -> bool:
    """Analysts (commissioners), organisation administrators and system administrators."""
    return has_permission(user, Permission.SEE_PLACE_WORKFORCE)


def leads(user: Any, team: Team) -> bool:
    return Membership.objects.active().filter(user=user, team=team, role=Role.TEAM_LEAD).exists()


def _team(request: HttpRequest, team_id: int, *, change: bool = False) -> Team:
    """The team, if the user leads it (or, only to look, sees the place); else 403."""
    team = get_object_or_404(Team.objects.select_related("organisation"), pk=team_id)
    if leads(request.user, team) or (not change and sees_place(request.user)):
        return team
    raise PermissionDenied


def _members(team: Team) -> QuerySet[Membership]:
    return (
        Membership.objects.active()
        .filter(team=team)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )


# --- The team's page -----------------------------------------------------------------------------


@person_list(Permission.SEE_TEAM_WORKFORCE)
def team(request: HttpRequest, team_id: int) -> HttpResponse:
    """A team's people in post, WTE, vacancies, caseload per WTE and its trend, and who lacks
    training their role requires (or has it expiring within 60 days)."""
    team = _team(request, team_id)
    work = queries.Workforce(Team.objects.filter(pk=team.pk))
    figures = work.figures(queries.by_team).get(team.pk, queries.Figures())
    caseloads = work.caseloads_at(work.now)
    gaps = queries.training_gaps([team])
    gap_counts = Counter(g.user.pk for g in gaps)
    staff = [
        {
            "name": m.membership.user.display_name,
            "role": m.membership.get_role_display(),
            "job_title": m.membership.job_title or "Not recorded",
            "wte": presenters.decimal_text(m.wte, "Not recorded"),
            "caseload": formats.number(caseloads.get(m.membership.pk, (0, 0))[0])
            if m.membership.role == Role.PRACTITIONER
            else presenters.NONE,
            "gaps": formats.number(gap_counts[m.membership.user_id]),
        }
        for m in work.current_members()
    ]
    vacancies = Vacancy.objects.filter(team=team).order_by("filled_on", "-since", "id")
    trend = presenters.trend_table(
        "trend",
        "Trend",
        work.trend(lambda t: [t.pk]),
        [(team.pk, team.name)],
        chart_group=team.pk,
    )
    may_change = leads(request.user, team)
    warnings = queries.open_allocation_warnings(team)
    visible = _visible_people(request, {w.allocation.episode.person_id for w in warnings})
    return render(
        request,
        "workforce/team.jinja",
        {
            "team": team,
            "summary": presenters.summary(figures),
            "notes": [presenters.weights_note(work.weights), presenters.without_wte_note(figures)],
            "staff": staff,
            "vacancies": [
                {
                    "role": v.get_role_display(),
                    "job_title": v.job_title or "Not recorded",
                    "wte": presenters.decimal_text(v.wte),
                    "since": formats.date(v.since),
                    "filled": formats.date(v.filled_on, "Open"),
                    "fill_href": reverse(
                        "workforce:vacancy-filled",
                        kwargs={"team_id": team.pk, "vacancy_id": v.pk},
                    )
                    if may_change and v.filled_on is None
                    else None,
                }
                for v in vacancies
            ],
            "gaps": presenters.gap_rows(gaps),
            "allocation_warnings": presenters.warning_rows(warnings, visible),
            "expiring_days": queries.EXPIRING_DAYS,
            "trend": trend,
            "may_change": may_change,
            "back_link": {"href": reverse("workforce:place"), "text": "Back to the place"}
            if sees_place(request.user) and not may_change
            else {"href": reverse("home"), "text": "Back to home"},
        },
    )


def _visible_people(request: HttpRequest, person_ids: set[int]) -> set[int]:
    """Of these people, those the user may reach (the list of them audited)."""
    if not person_ids:
        return set()
    visible = set(
        policy.visible_people(request.user).filter(pk__in=person_ids).values_list("pk", flat=True)
    )
    record_list_view(request, visible)
    return visible


# --- The place -----------------------------------------------------------------------------------


def _place_teams() -> QuerySet[Team]:
    return Team.objects.all()


@no_person_data
@requires(Permission.SEE_PLACE_WORKFORCE)
def place(request: HttpRequest) -> HttpResponse:
    """The place's workforce: by organisation, team, role and locality, and its trend."""
    work = queries.Workforce(_place_teams())
    everyone = work.figures(queries.everyone).get("all", queries.Figures())
    organisations = {o.pk: o for o in Organisation.objects.filter(pk__in=_org_ids(work))}
    by_org = work.figures(queries.by_organisation)
    by_team = work.figures(queries.by_team)
    by_role = work.figures(queries.by_role)
    by_locality = work.figures(queries.by_locality)
    localities = {loc.pk: loc for loc in Locality.objects.filter(pk__in=list(by_locality))}
    gap_counts = Counter(g.team.pk for g in queries.training_gaps(work.teams.values()))
    teams = sorted(work.teams.values(), key=lambda t: (t.organisation.name, t.name))
    tables = [
        presenters.figures_table(
            "organisations",
            "By organisation",
            "Organisation",
            [
                (presenters.organisation_label(organisations[pk]), by_org[pk], None)
                for pk in sorted(by_org, key=lambda pk: organisations[pk].name)
            ],
            chart=True,
        ),
        presenters.figures_table(
            "roles",
            "By role",
            "Role",
            [(label, by_role[value], None) for value, label in Role.choices if value in by_role],
        ),
        presenters.figures_table(
            "localities",
            "By locality",
            "Locality",
            [
                (localities[pk].name, by_locality[pk], None)
                for pk in sorted(by_locality, key=lambda pk: localities[pk].name)
            ],
            note="A team serving several localities counts in each, so localities do not add "
            "up to the place.",
        ),
        presenters.figures_table(
            "teams",
            "By team",
            "Team",
            [
                (f"{t.name} ({t.organisation.name})", by_team[t.pk], presenters.team_href(t))
                for t in teams
                if t.pk in by_team
            ],
        ),
    ]
    trend = presenters.trend_table(
        "trend",
        "Trend",
        work.trend(lambda t: ["all"]),
        [("all", "The place")],
        chart_group="all",
    )
    return render(
        request,
        "workforce/place.jinja",
        {
            "summary": presenters.summary(everyone),
            "notes": [presenters.weights_note(work.weights), presenters.without_wte_note(everyone)],
            "tables": tables,
            "trend": trend,
            "training": [
                {
                    "team": f"{t.name} ({t.organisation.name})",
                    "href": presenters.team_href(t),
                    "gaps": formats.number(gap_counts[t.pk]),
                }
                for t in teams
                if gap_counts[t.pk]
            ],
            "expiring_days": queries.EXPIRING_DAYS,
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )


def _org_ids(work: queries.Workforce) -> list[int]:
    return list({t.organisation_id for t in work.teams.values()})


@no_person_data
@requires(Permission.SEE_PLACE_WORKFORCE)
def commissioners(request: HttpRequest) -> HttpResponse:
    """NHS and VCSE side by side: people, WTE, vacancies and caseload per WTE, and the trend."""
    work = queries.Workforce(_place_teams())
    by_sector = work.figures(queries.by_sector)
    sectors = [s for s in queries.Sector if s in by_sector or s != queries.Sector.OTHER]
    table = presenters.figures_table(
        "sectors",
        "NHS and VCSE side by side",
        "Sector",
        [(s.label, by_sector.get(s, queries.Figures()), None) for s in sectors],
        chart=True,
    )
    trend = work.trend(lambda t: [queries.sector_of(t), "all"])
    trend_table = presenters.trend_table(
        "trend",
        "Trend by sector",
        trend,
        [(s, s.label) for s in sectors] + [("all", "The place")],
        chart_group="all",
    )
    return render(
        request,
        "workforce/commissioners.jinja",
        {
            "table": table,
            "trend": trend_table,
            "notes": [presenters.weights_note(work.weights)],
            "back_link": {"href": reverse("workforce:place"), "text": "Back to the place"},
        },
    )


# --- The team lead's forms -----------------------------------------------------------------------


def _form_page(
    request: HttpRequest,
    team: Team,
    form: Any,
    *,
    title: str,
    act: Any,
    done: str,
    intro: str = "",
) -> HttpResponse:
    back = reverse("workforce:team", kwargs={"team_id": team.pk})
    if request.method == "POST" and form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, done)
            return redirect(back)
    return render(
        request,
        "workforce/form.jinja",
        {
            "team": team,
            "title": title,
            "intro": intro,
            "form": form,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": back, "text": "Back"},
        },
    )


def _post(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


@no_person_data
@requires(Permission.SEE_TEAM_WORKFORCE)
def training_new(request: HttpRequest, team_id: int) -> HttpResponse:
    """Record a training completion for someone in the team."""
    team = _team(request, team_id, change=True)
    form = forms.TrainingForm(_post(request), members=_members(team))
    return _form_page(
        request,
        team,
        form,
        title="Record training",
        act=lambda d: services.record_training(
            user=d["membership"].user,
            course=d["course"],
            completed_on=d["completed_on"],
            evidence=d["evidence"],
            by=request.user,
        ),
        done="Training recorded",
        intro="The expiry date follows from how long the course counts.",
    )


@no_person_data
@requires(Permission.SEE_TEAM_WORKFORCE)
def wte(request: HttpRequest, team_id: int) -> HttpResponse:
    """Set the whole-time equivalent of a post in the team."""
    team = _team(request, team_id, change=True)
    form = forms.WteForm(_post(request), members=_members(team))
    return _form_page(
        request,
        team,
        form,
        title="Set a whole-time equivalent",
        act=lambda d: services.set_wte(
            membership=d["membership"],
            wte=d["wte"],
            effective_from=d["effective_from"],
            by=request.user,
        ),
        done="Whole-time equivalent saved",
        intro="Earlier whole-time equivalents are kept: the trend counts each month at the one "
        "then in force.",
    )


@no_person_data
@requires(Permission.SEE_TEAM_WORKFORCE)
def vacancy_new(request: HttpRequest, team_id: int) -> HttpResponse:
    """Record a vacant post in the team."""
    team = _team(request, team_id, change=True)
    form = forms.VacancyForm(_post(request))
    return _form_page(
        request,
        team,
        form,
        title="Record a vacancy",
        act=lambda d: services.record_vacancy(
            team=team,
            role=d["role"],
            wte=d["wte"],
            since=d["since"],
            job_title=d["job_title"],
            by=request.user,
        ),
        done="Vacancy recorded",
    )


@no_person_data
@requires(Permission.SEE_TEAM_WORKFORCE)
def vacancy_filled(request: HttpRequest, team_id: int, vacancy_id: int) -> HttpResponse:
    """Record that a vacancy was filled."""
    team = _team(request, team_id, change=True)
    vacancy = get_object_or_404(Vacancy, pk=vacancy_id, team=team)
    form = forms.FilledForm(_post(request))
    return _form_page(
        request,
        team,
        form,
        title="Vacancy filled",
        act=lambda d: services.fill_vacancy(
            vacancy=vacancy, filled_on=d["filled_on"], by=request.user
        ),
        done="Vacancy filled",
        intro=f"{vacancy.get_role_display()}, {presenters.decimal_text(vacancy.wte)} WTE, "
        f"vacant since {formats.date(vacancy.since)}.",
    )
