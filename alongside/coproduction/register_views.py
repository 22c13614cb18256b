"""The register of experts by experience and their work: the register, an expert's page, adding
and editing (consent and naming), linking to their own Person record when they choose, roles,
involvements ('you said, we did'), the list of what changed per team and place, the
organisations' involvement rates, and payments (owed, marked paid, the CSV for finance).

Who may do what is in ``coproduction.access``. Experts are kept apart from Person records: every
view declares ``no_person_data``. The one exception in what it shows is linking, where the user
finds a Person record by NHS number among those they may already open
(``sharing.policy.visible_people``); the record found is shown as a list of one and audited with
``record_list_view``, like any list of people.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.coproduction import presenters, queries, services
from alongside.coproduction.access import Rights
from alongside.coproduction.forms import (
    ChangeForm,
    EndRoleForm,
    ExpertForm,
    FindPersonForm,
    InvolvementForm,
    LinkPersonForm,
    MarkPaidForm,
    PaymentsFilterForm,
    PlaceFilterForm,
    RateForm,
    RoleForm,
)
from alongside.coproduction.models import (
    Expert,
    ExpertRole,
    Involvement,
    InvolvementRate,
    Naming,
    Reward,
    RoleKind,
)
from alongside.coproduction.views import nav_items, overview_back
from alongside.core import formats
from alongside.core.access import no_person_data, requires
from alongside.core.dates import add_months
from alongside.core.validators import normalise_nhs_number
from alongside.organisations.models import Locality, Organisation, Team
from alongside.organisations.permissions import Permission
from alongside.sharing import policy
from alongside.sharing.access import person_list, record_list_view


def _register_back() -> dict[str, str]:
    return {"href": reverse("coproduction:experts"), "text": "Back to the register"}


def _expert_back(expert: Expert) -> dict[str, str]:
    return {
        "href": reverse("coproduction:expert", kwargs={"expert_id": expert.pk}),
        "text": "Back to the expert's page",
    }


def _rights_for_register(request: HttpRequest) -> Rights:
    rights = Rights(request.user)
    if not rights.sees_register:
        raise PermissionDenied("Team leads and organisation administrators")
    return rights


def _managed_expert(request: HttpRequest, expert_id: int) -> tuple[Expert, Rights]:
    rights = Rights(request.user)
    expert = get_object_or_404(Expert.objects.select_related("organisation"), pk=expert_id)
    if not rights.manages(expert):
        raise PermissionDenied("Only the administrators of the organisation that supports them")
    return expert, rights


# --- The register ------------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def register(request: HttpRequest) -> HttpResponse:
    rights = _rights_for_register(request)
    today = timezone.localdate()
    show_left = request.GET.get("show") == "all"
    experts = (
        Expert.objects.select_related("organisation")
        .annotate(n_involvements=Count("involvements", distinct=True))
        .prefetch_related("roles")
        .order_by("organisation__name", "family_name", "given_name", "pk")
    )
    if not show_left:
        experts = experts.filter(Q(left_on__isnull=True) | Q(left_on__gt=today))
    rows = []
    for e in experts:
        full = rights.manages(e)
        current = [
            r.get_kind_display() for r in e.roles.all() if r.ended_on is None or r.ended_on >= today
        ]
        rows.append(
            {
                "name": presenters.expert_label(e, full=full),
                "href": reverse("coproduction:expert", kwargs={"expert_id": e.pk}),
                "organisation": e.organisation.name,
                "roles": ", ".join(sorted(set(current))) or "None now",
                "involvements": formats.number(e.n_involvements),
                "consent": formats.date(e.consent_on),
                "status": {"text": "Left", "classes": "nhsuk-tag--grey"}
                if e.left_on and e.left_on <= today
                else {"text": "Taking part", "classes": "nhsuk-tag--green"},
            }
        )
    return render(
        request,
        "coproduction/experts.jinja",
        {
            "nav": nav_items(rights, "coproduction:experts"),
            "rows": rows,
            "show_left": show_left,
            "may_add": rights.manages_a_register,
            "back_link": overview_back(),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def expert(request: HttpRequest, expert_id: int) -> HttpResponse:
    rights = _rights_for_register(request)
    found = get_object_or_404(Expert.objects.select_related("organisation"), pk=expert_id)
    manages = rights.manages(found)
    today = timezone.localdate()
    rows = [
        ("Name", found.full_name if manages else found.shown_name),
        ("Reference", str(found.pk)),
        ("Named as", f"{found.get_naming_display()}: {found.shown_name}"),
        ("Organisation that supports them", found.organisation.name),
        ("Consent given", formats.date(found.consent_on)),
    ]
    if manages:
        rows += [
            ("What they agreed to", found.consent_note or "Not recorded"),
            ("How they are thanked", found.get_reward_display()),
            ("Email address", found.email or "Not recorded"),
            ("Phone number", found.phone or "Not recorded"),
            (
                "Their own care record",
                f"Linked on {formats.date(found.linked_on)}, because they chose to"
                if found.person_id
                else "Not linked",
            ),
        ]
    if found.left_on:
        rows.append(("Left the register", formats.date(found.left_on)))
    roles = [
        {
            "kind": r.get_kind_display(),
            "where": r.team.name
            if r.team
            else (r.organisation.name if r.organisation else "The whole place"),
            "started": formats.date(r.started_on),
            "ended": formats.date(r.ended_on, "Current"),
            "end_href": reverse("coproduction:end-role", kwargs={"role_id": r.pk})
            if manages and (r.ended_on is None)
            else "",
        }
        for r in found.roles.select_related("team", "organisation").order_by("-started_on", "pk")
    ]
    involvements = found.involvements.select_related("team", "organisation").order_by("-on", "-pk")
    return render(
        request,
        "coproduction/expert.jinja",
        {
            "expert": found,
            "name": found.full_name if manages else found.shown_name,
            "summary_rows": [{"key": {"text": k}, "value": {"text": v}} for k, v in rows],
            "roles": roles,
            "involvements": presenters.involvement_rows(
                involvements, may_change=rights.may_change, shows_money=manages
            ),
            "manages": manages,
            "may_involve": rights.records_involvements
            and not (found.left_on and found.left_on < today),
            "back_link": _register_back(),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def new_expert(request: HttpRequest) -> HttpResponse:
    rights = Rights(request.user)
    if not rights.manages_a_register:
        raise PermissionDenied("Organisation administrators manage the register")
    organisations = rights.managed_organisations().order_by("name")
    form = ExpertForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        initial={
            "naming": Naming.FIRST,
            "reward": Reward.PAYMENT,
            "consent_on": timezone.localdate(),
            "organisation": organisations.first().pk if organisations.count() == 1 else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            added = services.register_expert(by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"{added.full_name} added to the register")
            return redirect("coproduction:expert", expert_id=added.pk)
    return render(
        request,
        "coproduction/expert_form.jinja",
        {
            "form": form,
            "heading": "Add an expert by experience",
            "button_text": "Add to the register",
            "editing": False,
            "page_has_errors": bool(form.errors),
            "back_link": _register_back(),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def edit_expert(request: HttpRequest, expert_id: int) -> HttpResponse:
    found, rights = _managed_expert(request, expert_id)
    form = ExpertForm(
        request.POST if request.method == "POST" else None,
        organisations=rights.managed_organisations().order_by("name"),
        editing=True,
        initial={
            "given_name": found.given_name,
            "family_name": found.family_name,
            "naming": found.naming,
            "organisation": found.organisation_id,
            "consent_on": found.consent_on,
            "consent_note": found.consent_note,
            "reward": found.reward,
            "email": found.email,
            "phone": found.phone,
            "left_on": found.left_on,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_expert(expert=found, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Details saved")
            return redirect("coproduction:expert", expert_id=found.pk)
    return render(
        request,
        "coproduction/expert_form.jinja",
        {
            "form": form,
            "heading": f"Change {found.full_name}'s details",
            "button_text": "Save",
            "editing": True,
            "page_has_errors": bool(form.errors),
            "back_link": _expert_back(found),
        },
    )


# --- Linking to their own record ---------------------------------------------------------------


@person_list(Permission.TAKE_PART_IN_COPRODUCTION)
def link(request: HttpRequest, expert_id: int) -> HttpResponse:
    """Link an expert by experience to their own Person record, only when they choose to: found
    by exact NHS number among the records the user may already open; or unlink it."""
    found, _rights = _managed_expert(request, expert_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    finder = FindPersonForm(request.POST if action == "find" else None)
    confirm = None
    person = None
    if action == "unlink" and found.person_id:
        services.link_person(expert=found, person=None, by=request.user)
        messages.success(request, "The link to their own care record was removed")
        return redirect("coproduction:expert", expert_id=found.pk)
    if action == "find" and finder.is_valid():
        try:
            digits = normalise_nhs_number(finder.cleaned_data["nhs_number"])
        except ValidationError as error:
            finder.add_error("nhs_number", error)
        else:
            person = policy.visible_people(request.user).filter(nhs_number=digits).first()
            if person is None:
                finder.add_error(
                    "nhs_number",
                    "No record you may open has this NHS number. Check the number, or ask "
                    "someone in their care team to link it",
                )
            else:
                confirm = LinkPersonForm()
    if action == "link":
        person_pk = request.POST.get("person", "")
        person = (
            policy.visible_people(request.user).filter(pk=int(person_pk)).first()
            if person_pk.isdigit()
            else None
        )
        if person is None:
            raise Http404("No record you may open")
        confirm = LinkPersonForm(request.POST)
        if confirm.is_valid():
            try:
                services.link_person(expert=found, person=person, by=request.user)
            except ValidationError as error:
                confirm.add_validation_error(error)
            else:
                messages.success(request, "Linked to their own care record, as they chose")
                return redirect("coproduction:expert", expert_id=found.pk)
    if person is not None:
        record_list_view(request, [person])
    return render(
        request,
        "coproduction/link.jinja",
        {
            "expert": found,
            "finder": finder,
            "confirm": confirm,
            "person": person,
            "person_label": f"{person.full_name}, born {formats.date(person.date_of_birth)}, "
            f"NHS number {formats.nhs_number(person.nhs_number)}"
            if person
            else "",
            "linked_on": formats.date(found.linked_on) if found.person_id else "",
            "page_has_errors": bool(finder.errors or (confirm and confirm.errors)),
            "back_link": _expert_back(found),
        },
    )


# --- Roles -------------------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def add_role(request: HttpRequest, expert_id: int) -> HttpResponse:
    found, _rights = _managed_expert(request, expert_id)
    teams = Team.objects.order_by("name")
    form = RoleForm(
        request.POST if request.method == "POST" else None,
        teams=teams,
        organisations=Organisation.objects.filter(teams__isnull=False).distinct().order_by("name"),
        initial={"started_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.add_role(expert=found, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Role added")
            return redirect("coproduction:expert", expert_id=found.pk)
    return render(
        request,
        "coproduction/role_form.jinja",
        {
            "form": form,
            "expert": found,
            "page_has_errors": bool(form.errors),
            "back_link": _expert_back(found),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def end_role(request: HttpRequest, role_id: int) -> HttpResponse:
    role = get_object_or_404(ExpertRole.objects.select_related("expert"), pk=role_id)
    found, _rights = _managed_expert(request, role.expert_id)
    form = EndRoleForm(
        request.POST if request.method == "POST" else None,
        initial={"ended_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.end_role(role=role, on=form.cleaned_data["ended_on"], by=request.user)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, f"Role ended: {role.get_kind_display()}")
            return redirect("coproduction:expert", expert_id=found.pk)
    return render(
        request,
        "coproduction/end_role.jinja",
        {
            "form": form,
            "role": role,
            "started": formats.date(role.started_on),
            "page_has_errors": bool(form.errors),
            "back_link": _expert_back(found),
        },
    )


# --- Involvements ------------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def record_involvement(request: HttpRequest, expert_id: int) -> HttpResponse:
    rights = _rights_for_register(request)
    if not rights.records_involvements:
        raise PermissionDenied("Team leads and organisation administrators")
    found = get_object_or_404(Expert.objects.select_related("organisation"), pk=expert_id)
    organisations = rights.involvement_organisations()
    teams = rights.involvement_teams()
    initial: dict[str, Any] = {"on": timezone.localdate()}
    if organisations.count() == 1:
        initial["organisation"] = organisations.first().pk
    if teams.count() == 1:
        initial["team"] = teams.first().pk
    form = InvolvementForm(
        request.POST if request.method == "POST" else None,
        organisations=organisations,
        teams=teams,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_involvement(expert=found, by=request.user, **form.service_arguments())
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Involvement recorded")
            return redirect("coproduction:expert", expert_id=found.pk)
    return render(
        request,
        "coproduction/involvement_form.jinja",
        {
            "form": form,
            "name": found.full_name if rights.manages(found) else found.shown_name,
            "reward": found.get_reward_display(),
            "page_has_errors": bool(form.errors),
            "back_link": _expert_back(found),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def record_change(request: HttpRequest, involvement_id: int) -> HttpResponse:
    rights = Rights(request.user)
    involvement = get_object_or_404(
        Involvement.objects.select_related("expert", "team", "organisation"), pk=involvement_id
    )
    if not rights.may_change(involvement):
        raise PermissionDenied("Those who record involvements for its team or organisation")
    form = ChangeForm(
        request.POST if request.method == "POST" else None,
        initial={"changed": involvement.changed},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_change(
                involvement=involvement,
                changed=form.cleaned_data.get("changed") or "",
                by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "What changed is recorded: it shows in 'You said, we did'")
            return redirect("coproduction:expert", expert_id=involvement.expert_id)
    return render(
        request,
        "coproduction/change_form.jinja",
        {
            "form": form,
            "involvement": involvement,
            "on": formats.date(involvement.on),
            "where": involvement.team.name if involvement.team else involvement.organisation.name,
            "page_has_errors": bool(form.errors),
            "back_link": _expert_back(involvement.expert),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def you_said_we_did(request: HttpRequest) -> HttpResponse:
    """What changed because of what experts by experience said: for a team, the teams of a
    locality, or the whole place. Experts are named as they asked to be."""
    rights = Rights(request.user)
    choices = [("", "The whole place")]
    choices += [(f"locality-{loc.pk}", f"{loc.name} (locality)") for loc in Locality.objects.all()]
    choices += [
        (f"team-{t.pk}", f"{t.name} ({t.organisation.name})")
        for t in Team.objects.select_related("organisation").order_by("name")
    ]
    form = PlaceFilterForm(request.GET or None, choices=choices)
    where = form.cleaned_data.get("where", "") if form.is_valid() else ""
    if where.startswith("team-"):
        found = queries.you_said_we_did(team_ids=[int(where.removeprefix("team-"))])
    elif where.startswith("locality-"):
        found = queries.you_said_we_did(locality_id=int(where.removeprefix("locality-")))
    else:
        found = queries.you_said_we_did()
    page = Paginator(found, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "coproduction/you_said_we_did.jinja",
        {
            "nav": nav_items(rights, "coproduction:you-said-we-did"),
            "form": form,
            "showing": dict(choices).get(where, "The whole place"),
            "where": where,
            "rows": [
                {
                    "on": formats.date(i.on),
                    "where": i.team.name if i.team else i.organisation.name,
                    "who": i.expert.shown_name,
                    "kind": i.get_kind_display(),
                    "said": i.decided or i.what,
                    "what": i.what,
                    "did": i.changed,
                    "changed_on": formats.date(i.changed_on, ""),
                }
                for i in page.object_list
            ],
            "page": page,
            "back_link": overview_back(),
        },
    )


# --- Rates -------------------------------------------------------------------------------------


def _payment_rights(request: HttpRequest) -> Rights:
    rights = Rights(request.user)
    if not rights.handles_payments:
        raise PermissionDenied("Organisation administrators")
    return rights


def _payment_organisations(rights: Rights) -> list[Organisation]:
    """The organisations whose rates and payments the user handles: their own; for a system
    administrator, those with rates, experts or involvements."""
    if not rights.superuser:
        return list(rights.managed_organisations().order_by("name"))
    return list(
        Organisation.objects.filter(
            Q(pk__in=InvolvementRate.objects.values("organisation_id"))
            | Q(pk__in=Expert.objects.values("organisation_id"))
            | Q(pk__in=Involvement.objects.values("organisation_id"))
        ).order_by("name")
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def rates(request: HttpRequest) -> HttpResponse:
    rights = _payment_rights(request)
    today = timezone.localdate()
    managed = rights.managed_organisations()
    form = RateForm(
        request.POST if request.method == "POST" else None,
        organisations=managed,
        initial={
            "valid_from": today,
            "organisation": managed.first().pk if managed.count() == 1 else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            rate = services.set_rate(
                organisation=data["organisation"],
                kind=data.get("kind") or "",
                hourly=data.get("hourly"),
                valid_from=data["valid_from"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request,
                f"{rate.organisation.name}: £{rate.hourly} an hour for "
                f"{rate.get_kind_display().lower()} from {formats.date(rate.valid_from)}",
            )
            return redirect("coproduction:rates")
    organisations = _payment_organisations(rights)
    by_org: dict[int, list[InvolvementRate]] = {o.pk: [] for o in organisations}
    for rate in InvolvementRate.objects.filter(organisation__in=organisations).order_by(
        "kind", "-valid_from"
    ):
        by_org[rate.organisation_id].append(rate)
    tables = []
    for organisation in organisations:
        rows = []
        for kind in RoleKind:
            history = [r for r in by_org[organisation.pk] if r.kind == kind]
            current = next((r for r in history if r.valid_from <= today), None)
            upcoming = [r for r in history if r.valid_from > today]
            rows.append(
                {
                    "kind": kind.label,
                    "current": presenters.money(current.hourly) if current else "Not set",
                    "since": formats.date(current.valid_from) if current else "",
                    "later": "; ".join(
                        f"{presenters.money(r.hourly)} from {formats.date(r.valid_from)}"
                        for r in reversed(upcoming)
                    ),
                    "earlier": "; ".join(
                        f"{presenters.money(r.hourly)} from {formats.date(r.valid_from)}"
                        for r in history
                        if r.valid_from <= today and r is not current
                    ),
                }
            )
        tables.append({"organisation": organisation.name, "rows": rows})
    return render(
        request,
        "coproduction/rates.jinja",
        {
            "nav": nav_items(rights, "coproduction:rates"),
            "form": form,
            "tables": tables,
            "page_has_errors": bool(form.errors),
            "back_link": overview_back(),
        },
    )


# --- Payments ----------------------------------------------------------------------------------


def _month(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except (TypeError, ValueError):
        return None


def _payments_filter(
    request: HttpRequest, rights: Rights
) -> tuple[PaymentsFilterForm, queries.PaymentsFilter, list[Organisation]]:
    """The filter the address asks for, within the organisations the user handles; by default
    all of them, from two months ago to this month."""
    today = timezone.localdate()
    organisations = _payment_organisations(rights)
    earliest = (
        Involvement.objects.filter(organisation__in=organisations)
        .order_by("on")
        .values_list("on", flat=True)
        .first()
    )
    first_choice = min(earliest or today, add_months(today, -12))
    months = presenters.month_choices(first_choice, today)
    default_first = queries.month_start(add_months(today, -2))
    form = PaymentsFilterForm(
        request.GET or None,
        organisations=[(str(o.pk), o.name) for o in organisations],
        months=months,
        initial={"first_month": f"{default_first:%Y-%m}", "last_month": f"{today:%Y-%m}"},
    )
    chosen_ids = tuple(o.pk for o in organisations)
    first, last = default_first, queries.month_start(today)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data.get("organisation"):
            chosen_ids = (int(data["organisation"]),)
        first = _month(data["first_month"]) or first
        last = _month(data["last_month"]) or last
    return form, queries.PaymentsFilter(chosen_ids, first, last), organisations


def _filter_query(chosen: queries.PaymentsFilter, all_ids: tuple[int, ...]) -> str:
    parts = [f"first_month={chosen.first_month:%Y-%m}", f"last_month={chosen.last_month:%Y-%m}"]
    if chosen.organisation_ids != all_ids and len(chosen.organisation_ids) == 1:
        parts.insert(0, f"organisation={chosen.organisation_ids[0]}")
    return "&".join(parts)


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def payments(request: HttpRequest) -> HttpResponse:
    """What is owed to experts by experience, by expert and month, for the organisations the
    user handles; each group marked paid once finance has paid it; the CSV for finance."""
    rights = _payment_rights(request)
    form, chosen, organisations = _payments_filter(request, rights)
    all_ids = tuple(o.pk for o in organisations)
    query = _filter_query(chosen, all_ids)
    owed = queries.owed_by_expert_and_month(chosen) if not form.errors else []
    rows = [
        {
            "month": presenters.month_label(o.month),
            "name": o.full_name,
            "reference": str(o.expert_id),
            "involvements": formats.number(len(o.involvements)),
            "hours": presenters.hours_number(o.hours),
            "owed": presenters.money(o.owed),
            "paid": presenters.money(o.paid),
            "unpaid": presenters.money(o.unpaid),
            "mark_href": f"{reverse('coproduction:mark-paid')}?expert={o.expert_id}"
            f"&month={o.month:%Y-%m}&{query}"
            if o.unpaid_involvements
            else "",
        }
        for o in owed
    ]
    totals = {
        "involvements": formats.number(sum(len(o.involvements) for o in owed)),
        "hours": presenters.hours_number(sum((o.hours for o in owed), Decimal("0"))),
        "owed": presenters.money(sum((o.owed for o in owed), Decimal("0"))),
        "paid": presenters.money(sum((o.paid for o in owed), Decimal("0"))),
        "unpaid": presenters.money(sum((o.unpaid for o in owed), Decimal("0"))),
    }
    return render(
        request,
        "coproduction/payments.jinja",
        {
            "nav": nav_items(rights, "coproduction:payments"),
            "form": form,
            "rows": rows,
            "totals": totals,
            "period": f"{presenters.month_label(chosen.first_month)} to "
            f"{presenters.month_label(chosen.last_month)}",
            "csv_href": f"{reverse('coproduction:payments-csv')}?{query}",
            "has_organisations": bool(organisations),
            "back_link": overview_back(),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def payments_csv(request: HttpRequest) -> HttpResponse:
    """One row per involvement earning payment or vouchers, and a totals row, for finance."""
    rights = _payment_rights(request)
    form, chosen, _organisations = _payments_filter(request, rights)
    if form.errors:
        return HttpResponse(
            "Choose a first month on or before the last month.",
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(queries.payments_csv(chosen), content_type="text/csv; charset=utf-8")
    name = f"coproduction-payments-{chosen.first_month:%Y-%m}-to-{chosen.last_month:%Y-%m}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def mark_paid(request: HttpRequest) -> HttpResponse:
    """Mark one expert's unpaid involvements in one month (of the filtered organisations) paid."""
    rights = _payment_rights(request)
    _form, chosen, organisations = _payments_filter(request, rights)
    month = _month(request.GET.get("month", ""))
    expert_id = request.GET.get("expert", "")
    if month is None or not expert_id.isdigit():
        raise Http404("Choose an expert and a month from the payments page")
    found = get_object_or_404(Expert, pk=int(expert_id))
    in_month = queries.PaymentsFilter(chosen.organisation_ids, month, month)
    unpaid = [
        i
        for i in queries.payable(in_month).filter(expert=found)
        if i.paid_on is None and i.owed > 0
    ]
    back = (
        f"{reverse('coproduction:payments')}?"
        f"{_filter_query(chosen, tuple(o.pk for o in organisations))}"
    )
    form = MarkPaidForm(
        request.POST if request.method == "POST" else None,
        initial={"paid_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            marked = services.mark_paid(
                involvements=unpaid, on=form.cleaned_data["paid_on"], by=request.user
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request,
                f"{presenters.plural(marked, 'involvement')} of {found.full_name} marked paid",
            )
            return redirect(back)
    return render(
        request,
        "coproduction/mark_paid.jinja",
        {
            "form": form,
            "name": found.full_name,
            "month": presenters.month_label(month),
            "rows": [
                {
                    "on": formats.date(i.on),
                    "organisation": i.organisation.name,
                    "kind": i.get_kind_display(),
                    "hours": presenters.hours_text(i.hours),
                    "reward": i.get_reward_display(),
                    "owed": presenters.money(i.owed),
                }
                for i in unpaid
            ],
            "total": presenters.money(sum((i.owed for i in unpaid), Decimal("0"))),
            "page_has_errors": bool(form.errors),
            "back_link": {"href": back, "text": "Back to payments"},
        },
    )
