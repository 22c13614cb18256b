"""Supervision pages: agreements and the supervision tree, sessions (recording one, reading
one), marking actions done, the caseload review, and the supervision discussions on a person's
record.

Who may do what:

* agreements are made and ended by the supervisee's team leads and supervisors, and by
  administrators of the supervisee's organisation; everyone sees their own agreements;
* the tree is for supervisors, team leads and organisation administrators (staff names only);
* a session is recorded by its supervisor, with their current supervisees; it is read by the
  supervisor and those who attended (anyone else gets 404);
* an action is marked done by its owner or the session's supervisor.

Person data: the session form and the caseload review list people (scoped to the people the
user may reach, audited with ``record_list_view``); a session's page opens each person's
discussion through ``sharing.access.open_record`` (clinical notes), so a discussion shows only to
those the access policy allows, and each look is audited; the discussions page of a person's
record is a ``person_data`` view.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.core import formats
from alongside.core.access import no_person_data, requires
from alongside.core.paging import paginate
from alongside.organisations.models import Membership, Role, Team
from alongside.organisations.permissions import Permission
from alongside.sharing import policy
from alongside.sharing.access import Access, open_record, person_data, person_list, record_list_view
from alongside.sharing.models import Part
from alongside.sharing.presenters import RecordNavigation
from alongside.supervision import coverage, presenters, queries, services
from alongside.supervision.access import (
    SUPERVISING,
    agreement_makers,
    coverage_scopes,
    has_oversight,
    managed_members,
    may_manage,
    tree_scopes,
)
from alongside.supervision.forms import AgreementForm, EndAgreementForm, SessionForms
from alongside.supervision.models import (
    CaseDiscussion,
    SupervisionAction,
    SupervisionAgreement,
    SupervisionPolicy,
    SupervisionSession,
)
from alongside.supervision.review import caseload_review


def _labels(user_ids: set[int]) -> dict[int, str]:
    return presenters.people_labels(
        Membership.objects.active()
        .filter(user_id__in=user_ids)
        .select_related("user", "team__organisation")
    )


def _current_supervisees(user: User) -> dict[int, str]:
    ids = queries.supervisee_ids(user)
    labels = _labels(ids)
    for supervisee in User.objects.filter(pk__in=ids - set(labels)):
        labels[supervisee.pk] = supervisee.display_name  # no team now, still supervised
    return labels


def _back_home() -> dict[str, str]:
    return {"href": reverse("home"), "text": "Back to home"}


def _safe_next(request: HttpRequest, default: str) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and allowed else default


# --- Agreements -------------------------------------------------------------------------------


@no_person_data
@requires(Permission.USE_SUPERVISION)
def agreements(request: HttpRequest) -> HttpResponse:
    """The user's own agreements (as supervisee and as supervisor) and, for team leads,
    supervisors and organisation administrators, those of the people they manage."""
    user = request.user
    today = timezone.localdate()
    show_ended = request.GET.get("show") == "all"
    managed = set(managed_members(user).values_list("user_id", flat=True))
    found = (
        SupervisionAgreement.objects.filter(
            Q(supervisor=user) | Q(supervisee=user) | Q(supervisee_id__in=managed)
        )
        .select_related("supervisee", "supervisor")
        .prefetch_related("terms")
        .order_by("supervisee__first_name", "supervisee__last_name", "-starts_on", "pk")
    )
    if not show_ended:
        found = found.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
    found = list(found)
    labels = _labels({a.supervisee_id for a in found} | {a.supervisor_id for a in found})
    groups: dict[str, list[presenters.AgreementRow]] = {"own": [], "supervising": [], "team": []}
    for agreement in found:
        row = presenters.AgreementRow(
            agreement, today, labels, may_end=agreement.supervisee_id in managed
        )
        if agreement.supervisee_id == user.pk:
            groups["own"].append(row)
        elif agreement.supervisor_id == user.pk:
            groups["supervising"].append(row)
        else:
            groups["team"].append(row)
    return render(
        request,
        "supervision/agreements.jinja",
        {
            "groups": groups,
            "show_ended": show_ended,
            "ask": presenters.ask_for_an_agreement(agreement_makers(user))
            if not groups["own"]
            else "",
            "may_make": bool(managed),
            "may_see_tree": has_oversight(user),
            "back_link": _back_home(),
        },
    )


def _agreement_initial(request: HttpRequest, supervisees: dict[int, str]) -> dict[str, Any]:
    """A new agreement's starting values: today, and for a supervisee named in the address,
    the terms their roles call for."""
    initial: dict[str, Any] = {"starts_on": timezone.localdate()}
    for name in ("supervisee", "supervisor"):
        value = request.GET.get(name, "")
        if value.isdigit():
            initial[name] = int(value)
    chosen = initial.get("supervisee")
    if chosen in supervisees:
        supervisee = User.objects.get(pk=chosen)
        for kind, weeks in services.policy_terms(supervisee).items():
            initial[f"weeks_{kind}"] = weeks
    return initial


@no_person_data
@requires(Permission.USE_SUPERVISION)
def new_agreement(request: HttpRequest) -> HttpResponse:
    user = request.user
    supervisees = presenters.people_labels(managed_members(user))
    if not supervisees:
        raise PermissionDenied("Only team leads, supervisors and organisation administrators")
    supervisors = presenters.people_labels(
        Membership.objects.active()
        .filter(role__in=SUPERVISING)
        .select_related("user", "team__organisation")
    )
    form = AgreementForm(
        request.POST if request.method == "POST" else None,
        supervisees=supervisees,
        supervisors=supervisors,
        initial=_agreement_initial(request, supervisees),
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.make_agreement(by=user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request,
                f"{agreement.supervisor.display_name} now supervises "
                f"{agreement.supervisee.display_name}",
            )
            return redirect("supervision:agreements")
    return render(
        request,
        "supervision/agreement_form.jinja",
        {
            "form": form,
            "policies": [str(p) for p in SupervisionPolicy.objects.all()],
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("supervision:agreements"), "text": "Back to agreements"},
        },
    )


@no_person_data
@requires(Permission.USE_SUPERVISION)
def end_agreement(request: HttpRequest, agreement_id: int) -> HttpResponse:
    agreement = get_object_or_404(
        SupervisionAgreement.objects.select_related("supervisee", "supervisor").prefetch_related(
            "terms"
        ),
        pk=agreement_id,
    )
    if not may_manage(request.user, agreement.supervisee_id):
        raise Http404("No agreement you may end")
    form = EndAgreementForm(
        request.POST if request.method == "POST" else None,
        initial={"on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.end_agreement(agreement=agreement, on=form.cleaned_data["on"], by=request.user)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Agreement ended")
            return redirect("supervision:agreements")
    labels = _labels({agreement.supervisee_id, agreement.supervisor_id})
    row = presenters.AgreementRow(agreement, timezone.localdate(), labels)
    return render(
        request,
        "supervision/end_agreement.jinja",
        {
            "form": form,
            "row": row,
            "page_has_errors": bool(form.errors),
            "back_link": {"href": reverse("supervision:agreements"), "text": "Back to agreements"},
        },
    )


# --- The tree ---------------------------------------------------------------------------------


@no_person_data
@requires(Permission.OVERSEE_SUPERVISION)
def tree(request: HttpRequest) -> HttpResponse:
    """Who supervises whom, from the top: for a team, an organisation or the place."""
    teams, organisations = tree_scopes(request.user)
    choices = [("place", "The whole place")]
    choices += [(f"organisation-{o.pk}", o.name) for o in organisations]
    choices += [(f"team-{t.pk}", f"{t.name} ({t.organisation.name})") for t in teams]
    wanted = request.GET.get("scope") or (choices[-1][0] if len(choices) > 1 else "place")
    if wanted not in dict(choices):
        raise Http404("No such team or organisation")
    members = Membership.objects.active()
    if wanted.startswith("team-"):
        members = members.filter(team_id=int(wanted.removeprefix("team-")))
    elif wanted.startswith("organisation-"):
        members = members.filter(team__organisation_id=int(wanted.removeprefix("organisation-")))
    scope = None if wanted == "place" else set(members.values_list("user_id", flat=True))
    current = list(SupervisionAgreement.objects.current().prefetch_related("terms"))
    nodes = presenters.supervision_tree(
        current,
        scope,
        _labels({a.supervisee_id for a in current} | {a.supervisor_id for a in current}),
    )
    supervised = {a.supervisee_id for a in current}
    unsupervised = presenters.people_labels(
        members.filter(role__in=(Role.PRACTITIONER, Role.SUPERVISOR))
        .exclude(user_id__in=supervised)
        .select_related("user", "team__organisation")
    )
    managed = set(managed_members(request.user).values_list("user_id", flat=True))
    return render(
        request,
        "supervision/tree.jinja",
        {
            "nodes": nodes,
            "choices": [{"value": v, "text": t, "selected": v == wanted} for v, t in choices],
            "scope_name": dict(choices)[wanted],
            "unsupervised": [
                {
                    "label": label,
                    "href": f"{reverse('supervision:new-agreement')}?supervisee={pk}"
                    if pk in managed
                    else "",
                }
                for pk, label in unsupervised.items()
            ],
            "back_link": {"href": reverse("supervision:agreements"), "text": "Back to agreements"},
        },
    )


# --- Coverage ---------------------------------------------------------------------------------


@no_person_data
@requires(Permission.SEE_SUPERVISION_COVERAGE)
def coverage_page(request: HttpRequest) -> HttpResponse:
    """Supervision coverage today for a team, an organisation or the place: the share of
    supervisees supervised within their agreement, meta-supervision of supervisors, the split by
    NHS and VCSE and by team, and who is overdue and by how long. Staff only, no person data."""
    scopes = coverage_scopes(request.user)
    if not scopes:
        raise PermissionDenied
    by_value = {scope.value: scope for scope in scopes}
    wanted = request.GET.get("scope") or scopes[0].value
    if wanted not in by_value:
        raise Http404("No such team or organisation")
    scope = by_value[wanted]
    today = timezone.localdate()
    standings = coverage.standings(scope.team_ids, today)
    meta = coverage.standings(scope.team_ids, today, meta=True)
    team_ids = {s.team_id for s in standings if s.team_id is not None}
    page = presenters.CoveragePage(
        standings=standings,
        meta=meta,
        overdue=coverage.overdue(scope.team_ids, today),
        teams=Team.objects.select_related("organisation").in_bulk(team_ids),
        today=today,
    )
    return render(
        request,
        "supervision/coverage.jinja",
        {
            "page": page,
            "scope_name": scope.name,
            "choices": [
                {"value": s.value, "text": s.name, "selected": s.value == wanted} for s in scopes
            ],
            "today": formats.date(today),
        },
    )


# --- Sessions ---------------------------------------------------------------------------------


@no_person_data
@requires(Permission.USE_SUPERVISION)
def sessions(request: HttpRequest) -> HttpResponse:
    """Sessions the user led or attended, newest first."""
    user = request.user
    found = (
        SupervisionSession.objects.filter(Q(supervisor=user) | Q(attendees__user=user))
        .distinct()
        .select_related("supervisor")
        .prefetch_related("attendees__user")
        .order_by("-held_on", "-pk")
    )
    page = Paginator(found, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/sessions.jinja",
        {
            "sessions": [presenters.SessionPresenter(s) for s in page.object_list],
            "page": page,
            "supervises": bool(queries.supervisee_ids(user)),
            "back_link": _back_home(),
        },
    )


def _case_choices(
    request: HttpRequest, supervisees: dict[int, str]
) -> tuple[list[tuple[str, str]], set[int]]:
    """The people on the supervisees' caseloads that the user may see, as choices
    ('supervisee:episode'), and their ids; the list is audited as a list of people."""
    found: list[tuple[int, Episode]] = []
    for supervisee in User.objects.filter(pk__in=list(supervisees)):
        for episode in queries.caseload_episodes(supervisee).select_related("person"):
            found.append((supervisee.pk, episode))
    visible = set(
        policy.visible_people(request.user)
        .filter(pk__in={e.person_id for _s, e in found})
        .values_list("pk", flat=True)
    )
    record_list_view(request, visible)
    names = {pk: label.split(" – ")[0] for pk, label in supervisees.items()}
    found.sort(key=lambda f: (names[f[0]], f[1].person.family_name, f[1].person.given_name))
    return [
        (
            presenters.case_value(supervisee_id, episode.pk),
            f"{episode.person.full_name}, born {formats.date(episode.person.date_of_birth)} – "
            f"{names[supervisee_id]}'s caseload",
        )
        for supervisee_id, episode in found
        if episode.person_id in visible
    ], visible


def _about(action: SupervisionAction, visible: set[int]) -> str:
    """The name of the person an action is about, if the list of cases already names them."""
    discussion = action.discussion
    if discussion is None or discussion.episode.person_id not in visible:
        return ""
    return discussion.episode.person.full_name


def _posted_cases(forms: SessionForms) -> tuple[dict[int, Episode], dict[int, User]]:
    episode_ids, user_ids = set(), set()
    for form in forms.discussions:
        value = (form.cleaned_data.get("case") or "").split(":")
        if len(value) == 2:
            user_ids.add(int(value[0]))
            episode_ids.add(int(value[1]))
    return Episode.objects.in_bulk(episode_ids), User.objects.in_bulk(user_ids)


@person_list(Permission.USE_SUPERVISION)
def new_session(request: HttpRequest) -> HttpResponse:
    """Record a session: the supervisor is the user; attendees from their current supervisees;
    people discussed from the attendees' caseloads (prefilled from the caseload review's
    picks, ``?case=``); actions. Open actions from earlier sessions are shown first."""
    user = request.user
    supervisees = _current_supervisees(user)
    if not supervisees:
        return render(
            request,
            "supervision/no_supervisees.jinja",
            {"back_link": _back_home()},
        )
    cases, visible = _case_choices(request, supervisees)
    owners = {**supervisees, user.pk: f"{user.display_name} (you)"}
    posted = request.method == "POST"
    add = request.POST.get("add", "") if posted else ""
    forms = SessionForms.build(
        request.POST if posted else None,
        supervisees=supervisees,
        cases=cases,
        owners=owners,
        picked=request.GET.getlist("case"),
        add=add if add in ("discussion", "action") else "",
    )
    if posted and not add and forms.is_valid():
        episodes, users = _posted_cases(forms)
        arguments = forms.service_arguments(episodes=episodes, users=users)
        if arguments is not None:
            try:
                session = services.record_session(supervisor=user, by=user, **arguments)
            except ValidationError as error:
                forms.add_validation_error(error)
            else:
                messages.success(request, "Session recorded")
                return redirect("supervision:session", session_id=session.pk)
    today = timezone.localdate()
    carried = (
        queries.carried_actions(user, list(supervisees))
        .select_related("owner", "session", "discussion__episode__person")
        .order_by("due_on", "pk")
    )
    return render(
        request,
        "supervision/session_form.jinja",
        {
            "forms": forms,
            "carried": [
                presenters.ActionRow(a, today, may_complete=True, about=_about(a, visible))
                for a in carried
            ],
            "here": request.get_full_path(),
            "has_cases": bool(cases),
            "page_has_errors": forms.errors,
            "back_link": {"href": reverse("supervision:review"), "text": "Back to caseload review"},
        },
    )


def _session_for(user: User, session_id: int) -> SupervisionSession:
    session = (
        SupervisionSession.objects.filter(pk=session_id)
        .filter(Q(supervisor=user) | Q(attendees__user=user))
        .select_related("supervisor", "recorded_by")
        .prefetch_related("attendees__user")
        .first()
    )
    if session is None:
        raise Http404("No session you took part in")
    return session


def _opened(request: HttpRequest, discussions: list[CaseDiscussion], attended: bool) -> set[int]:
    """Open each discussed person's clinical notes through the access module (decided and
    audited, one look per person); the ids of those the user may see.

    A supervisee who attended also reads what was said about the people on their own current
    caseload when their organisation does not see clinical notes (a voluntary sector Care
    Partner): they were in the room, and the discussion is of their own work with the person.
    That look is decided and audited as a look at the person's plan, on the care basis."""
    own = queries.caseload_episode_ids(request.user) if attended else set()
    people = {d.episode.person_id: d.episode.person for d in discussions}
    mine = {d.episode.person_id for d in discussions if d.episode_id in own}
    shown = set()
    for person_id in sorted(people):
        part = Part.CLINICAL_NOTES
        if person_id in mine and not policy.decide(request.user, people[person_id], part).allowed:
            part = Part.PLAN
        try:
            open_record(request, person_id, part=part)
        except Http404:
            continue
        shown.add(person_id)
    return shown


@person_list(Permission.USE_SUPERVISION)
def session_page(request: HttpRequest, session_id: int) -> HttpResponse:
    user = request.user
    session = _session_for(user, session_id)
    discussions = list(
        session.discussions.select_related(
            "episode__person", "supervisee", "intensity_change"
        ).order_by("pk")
    )
    attended = session.attendees.filter(user=user).exists()
    shown = _opened(request, discussions, attended)
    hidden_discussions = {d.pk for d in discussions if d.episode.person_id not in shown}
    today = timezone.localdate()
    people = {d.pk: d.episode.person for d in discussions if d.pk not in hidden_discussions}
    actions = [
        presenters.ActionRow(
            action,
            today,
            about=people[action.discussion_id].full_name if action.discussion_id in people else "",
            shown=action.discussion_id not in hidden_discussions or action.owner_id == user.pk,
            may_complete=action.done_at is None
            and user.pk in (action.owner_id, session.supervisor_id),
        )
        for action in session.actions.select_related("owner", "session").order_by("due_on", "pk")
    ]
    return render(
        request,
        "supervision/session.jinja",
        {
            "session": presenters.SessionPresenter(session),
            "reflections": session.reflections,
            "discussions": [
                presenters.DiscussionPresenter(d, number=n, shown=d.episode.person_id in shown)
                for n, d in enumerate(discussions, start=1)
            ],
            "actions": actions,
            "here": request.get_full_path(),
            "back_link": {"href": reverse("supervision:sessions"), "text": "Back to sessions"},
        },
    )


@no_person_data
@requires(Permission.USE_SUPERVISION)
@require_POST
def complete_action(request: HttpRequest, action_id: int) -> HttpResponse:
    user = request.user
    action = get_object_or_404(
        SupervisionAction.objects.filter(Q(owner=user) | Q(session__supervisor=user)),
        pk=action_id,
    )
    try:
        services.complete_action(action=action, by=user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Marked as done: {action.text}")
    return redirect(_safe_next(request, reverse("home")))


# --- Caseload review --------------------------------------------------------------------------


@person_list(Permission.USE_SUPERVISION)
def review(request: HttpRequest) -> HttpResponse:
    """One current supervisee's caseload at a time (``?supervisee=``, the first by name when
    none is chosen), a page of it at a time, with the signals that call for a discussion; the
    cases ticked go to the session form."""
    reviews = caseload_review(request.user)
    show_all = request.GET.get("show") == "all"
    people = {case.episode.person_id for r in reviews for case in r.cases}
    visible = set(
        policy.visible_people(request.user).filter(pk__in=people).values_list("pk", flat=True)
    )
    sections = presenters.review_sections(reviews, visible, show_all=show_all)
    chosen, notice = presenters.chosen_section(sections, request.GET.get("supervisee", ""))
    paged = None
    if chosen is not None:
        paged = paginate(
            request,
            chosen.rows,
            one="person",
            many="people",
            anchor="#caseload",
            label=f"Pages of {chosen.supervisee}'s caseload",
        )
    shown = list(paged.page.object_list) if paged else []
    record_list_view(request, {row.person_id for row in shown})
    return render(
        request,
        "supervision/review.jinja",
        {
            "sections": sections,
            "chosen": chosen,
            "notice": notice,
            "paged": paged,
            "rows": shown,
            "contents": presenters.review_contents(sections, chosen, show_all=show_all),
            "show_all": show_all,
            "show_href": presenters.review_href(chosen, show_all=not show_all),
            "signal_counts": presenters.signal_counts(reviews, visible),
            "session_href": reverse("supervision:new-session"),
            "back_link": _back_home(),
        },
    )


# --- A person's record: supervision discussions -----------------------------------------------


@person_data(Part.CLINICAL_NOTES)
def person_discussions(request: HttpRequest, access: Access) -> HttpResponse:
    """What was said about the person in supervision: part of their record, at the sharing
    level of clinical notes. The practitioners' own reflections are never here."""
    discussions = (
        CaseDiscussion.objects.filter(episode__person=access.person)
        .select_related("session__supervisor", "supervisee", "intensity_change", "episode__person")
        .order_by("-session__held_on", "-pk")
    )
    rows = [
        {
            "heading": presenters.SessionPresenter(d.session).title,
            "supervisor": d.session.supervisor.display_name,
            "discussion": presenters.DiscussionPresenter(d, number=n, shown=True),
        }
        for n, d in enumerate(discussions, start=1)
    ]
    return render(
        request,
        "supervision/person_discussions.jinja",
        {
            "person": access.person,
            "access": access,
            "record_nav": RecordNavigation(request.user, access),
            "rows": rows,
            "back_link": {
                "href": reverse("people:record", kwargs={"person_id": access.person.pk}),
                "text": "Back to the record",
            },
        },
    )
