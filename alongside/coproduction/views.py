"""Co-production review pages: the overview of every team, service and alliance the user may see
(last review, when the next is due, the latest staff and experts' means and their gap, open
actions); a subject's page (the six characteristics rated by staff and by experts by experience
side by side with the gap, the evidence, the trend across reviews, the actions); opening a review;
the staff and the experts' rating forms; actions agreed and completed.

Who may do what is in ``coproduction.access``. These pages show staff, experts by experience and
figures, never a person who needs support: every view declares ``no_person_data``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from alongside.coproduction import presenters, queries, services, signals
from alongside.coproduction.access import Rights
from alongside.coproduction.forms import (
    ActionForm,
    CompleteActionForm,
    OpenReviewForm,
    RatingsForm,
)
from alongside.coproduction.models import Expert, Raters, Review, ReviewAction
from alongside.coproduction.queries import ALLIANCE, ORGANISATION, TEAM, Subject
from alongside.coproduction.signals import Signals
from alongside.core import formats
from alongside.core.access import no_person_data, requires
from alongside.organisations.models import Membership, Role
from alongside.organisations.permissions import Permission

#: The sections of the overview, in order.
SECTIONS = (
    (ALLIANCE, "Alliances"),
    (ORGANISATION, "Services (organisations)"),
    (TEAM, "Teams"),
)


def nav_items(rights: Rights, current: str) -> list[dict[str, Any]]:
    """Links between the co-production pages the user may open."""
    items = [("coproduction:overview", "Reviews")]
    if rights.sees_register:
        items.append(("coproduction:experts", "Experts by experience"))
    items.append(("coproduction:you-said-we-did", "You said, we did"))
    if rights.handles_payments:
        items += [("coproduction:rates", "Rates"), ("coproduction:payments", "Payments")]
    return [
        {"href": reverse(route), "text": text, "current": route == current} for route, text in items
    ]


def overview_back() -> dict[str, str]:
    return {"href": reverse("coproduction:overview"), "text": "Back to co-production"}


def _subject(kwargs: dict[str, Any], rights: Rights) -> Subject:
    """The subject named in the address, if the user may see it (else 404)."""
    for kind in queries.SUBJECT_KINDS:
        if f"{kind}_id" in kwargs:
            subject = queries.find_subject(kind, kwargs[f"{kind}_id"])
            break
    else:
        subject = None
    if subject is None or not rights.may_see(subject):
        raise Http404("No team, service or alliance whose co-production you may see")
    return subject


def _review(review_id: int, rights: Rights) -> tuple[Review, Subject]:
    review = get_object_or_404(
        Review.objects.select_related("team__organisation", "organisation", "alliance"),
        pk=review_id,
    )
    subject = Subject.of_review(review)
    if not rights.may_see(subject):
        raise Http404("No review you may see")
    return review, subject


def _subject_back(subject: Subject) -> dict[str, str]:
    return {"href": presenters.subject_href(subject), "text": f"Back to {subject.name}"}


# --- The overview ------------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def overview(request: HttpRequest) -> HttpResponse:
    rights = Rights(request.user)
    subjects = queries.expected_subjects(*rights.visible_subjects())
    found = queries.overview(subjects)
    rows = presenters.overview_rows(found)
    sections = [
        {"kind": kind, "heading": heading, "rows": [r for r in rows if r["kind"] == kind]}
        for kind, heading in SECTIONS
    ]
    due_now = sum(1 for r in found if r.due.status in (queries.NEVER, queries.OVERDUE))
    return render(
        request,
        "coproduction/overview.jinja",
        {
            "nav": nav_items(rights, "coproduction:overview"),
            "sections": [s for s in sections if s["rows"]],
            "due_now": due_now,
            "months": queries.review_months(),
            "back_link": {"href": reverse("home"), "text": "Back to home"},
        },
    )


# --- A subject's page --------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def subject_page(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    """A team's, service's or alliance's co-production: the latest review's ratings side by side
    with the gap, the evidence, the trend across reviews, the actions and every review."""
    rights = Rights(request.user)
    subject = _subject(kwargs, rights)
    today = timezone.localdate()
    figures = queries.subject_reviews(subject)
    latest = next((f for f in reversed(figures) if f.has_staff or f.has_experts), None)
    points = queries.trend(figures)
    still_open, done = queries.subject_actions(subject)
    due = queries.Due.after(
        figures[-1].review.held_on if figures else None, today, queries.review_months()
    )

    in_care = Signals()
    for found in signals.team_signals(subject.team_ids(), today).values():
        in_care += found

    def may_complete(action: ReviewAction) -> bool:
        return rights.may_complete(action, subject)

    return render(
        request,
        "coproduction/subject.jinja",
        {
            "subject": subject,
            "nav": nav_items(rights, ""),
            "due": presenters.due_tag(due),
            "latest": latest,
            "latest_href": presenters.review_href(latest.review.pk) if latest else "",
            "latest_held_on": formats.date(latest.review.held_on) if latest else "",
            "latest_experts": presenters.experts_named(latest.review.experts.all())
            if latest
            else "",
            "comparison": presenters.comparison_rows(latest) if latest else [],
            "means": presenters.means_row(latest) if latest else None,
            "gap_sentence": presenters.gap_sentence(latest.mean_gap if latest else None),
            "chart_gap": presenters.GapChart("gap-chart", latest) if latest else None,
            "chart_trend": presenters.TrendChart("trend-chart", points) if points else None,
            "trend": presenters.trend_rows(points),
            "open_actions": presenters.action_rows(still_open, today, may_complete=may_complete),
            "done_actions": presenters.action_rows(done, today, may_complete=may_complete),
            "reviews": [
                {
                    "held_on": formats.date(f.review.held_on),
                    "href": presenters.review_href(f.review.pk),
                    "status": presenters.review_status(f),
                    "staff": presenters.one_decimal(f.staff_mean),
                    "experts": presenters.one_decimal(f.experts_mean),
                    "gap_tag": presenters.gap_tag(f.mean_gap),
                }
                for f in reversed(figures)
            ],
            "care": presenters.care_signal_rows(in_care),
            "care_summary": presenters.care_summary(in_care),
            "may_record": rights.may_record(subject),
            "open_href": reverse(
                f"coproduction:open-{subject.kind}-review",
                kwargs={f"{subject.kind}_id": subject.pk},
            ),
            "back_link": overview_back(),
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def open_review(request: HttpRequest, **kwargs: Any) -> HttpResponse:
    rights = Rights(request.user)
    subject = _subject(kwargs, rights)
    if not rights.may_record(subject):
        raise PermissionDenied("Only the team's lead or the organisation's administrators")
    form = OpenReviewForm(
        request.POST if request.method == "POST" else None,
        initial={"held_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            review = services.open_review(
                held_on=form.cleaned_data["held_on"],
                notes=form.cleaned_data.get("notes") or "",
                by=request.user,
                **{subject.kind: subject.instance()},
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Review opened: now record the two groups' ratings")
            return redirect("coproduction:review", review_id=review.pk)
    return render(
        request,
        "coproduction/open_review.jinja",
        {
            "form": form,
            "subject": subject,
            "page_has_errors": bool(form.errors),
            "back_link": _subject_back(subject),
        },
    )


# --- A review ----------------------------------------------------------------------------------


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def review_page(request: HttpRequest, review_id: int) -> HttpResponse:
    rights = Rights(request.user)
    review, subject = _review(review_id, rights)
    (figures,) = queries.review_figures([review])
    today = timezone.localdate()
    actions = list(
        review.actions.select_related("owner", "completed_by", "review").order_by(
            "completed_on", "due_on", "pk"
        )
    )
    summary = [
        (subject.kind_label, subject.label),
        ("Date of the review", formats.date(review.held_on)),
        (
            "Staff who rated",
            presenters.plural(review.staff_raters, "person", "people")
            if figures.has_staff
            else "Not rated yet",
        ),
        (
            "Experts by experience who rated",
            presenters.experts_named(review.experts.all())
            if figures.has_experts
            else "Not rated yet",
        ),
        ("Notes", review.notes or "None"),
    ]
    return render(
        request,
        "coproduction/review.jinja",
        {
            "review": review,
            "subject": subject,
            "held_on": formats.date(review.held_on),
            "summary_rows": [
                {"key": {"text": key}, "value": {"text": value}} for key, value in summary
            ],
            "figures": figures,
            "status": presenters.review_status(figures),
            "comparison": presenters.comparison_rows(figures),
            "means": presenters.means_row(figures),
            "gap_sentence": presenters.gap_sentence(figures.mean_gap),
            "chart_gap": presenters.GapChart("gap-chart", figures)
            if figures.has_staff or figures.has_experts
            else None,
            "actions": presenters.action_rows(
                actions, today, may_complete=lambda a: rights.may_complete(a, subject)
            ),
            "may_rate_staff": rights.may_rate_staff(subject),
            "may_record": rights.may_record(subject),
            "back_link": _subject_back(subject),
        },
    )


def _expert_choices(review: Review, rights: Rights) -> dict[int, str]:
    """The register's experts who had not left by the day of the review (and any already
    chosen), named as the user may see them."""
    chosen = set(review.experts.values_list("pk", flat=True))
    experts = Expert.objects.filter(
        Q(left_on__isnull=True) | Q(left_on__gte=review.held_on) | Q(pk__in=chosen)
    ).select_related("organisation")
    full_for = (
        set(rights.managed_organisations().values_list("pk", flat=True))
        if rights.manages_a_register
        else set()
    )
    ordered = sorted(experts, key=lambda e: (e.organisation.name, e.shown_name.lower(), e.pk))
    return presenters.expert_choice_labels(ordered, full_for=full_for)


def _initial_ratings(review: Review, raters: str) -> dict[str, Any]:
    initial: dict[str, Any] = {}
    for rating in review.ratings.filter(raters=raters):
        initial[rating.characteristic] = str(rating.score)
        initial[f"{rating.characteristic}_evidence"] = rating.evidence
    if raters == Raters.STAFF and review.staff_raters:
        initial["staff_raters"] = review.staff_raters
    if raters == Raters.EXPERTS:
        initial["experts"] = [str(pk) for pk in review.experts.values_list("pk", flat=True)]
    return initial


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def rate(request: HttpRequest, review_id: int, raters: str) -> HttpResponse:
    """One group's rating of all six characteristics: staff (anyone in the team, or who records
    its reviews) or experts by experience (recorded by the team's lead with the experts)."""
    rights = Rights(request.user)
    review, subject = _review(review_id, rights)
    allowed = (
        rights.may_rate_staff(subject) if raters == Raters.STAFF else rights.may_record(subject)
    )
    if not allowed:
        raise PermissionDenied("You may not record this group's rating")
    experts = _expert_choices(review, rights) if raters == Raters.EXPERTS else None
    form = RatingsForm(
        request.POST if request.method == "POST" else None,
        raters=raters,
        experts=experts,
        initial=_initial_ratings(review, raters),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_ratings(
                review=review,
                raters=raters,
                ratings=form.ratings(),
                by=request.user,
                **form.service_arguments(),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            group = "Staff" if raters == Raters.STAFF else "Experts by experience"
            messages.success(request, f"{group} rating saved")
            return redirect("coproduction:review", review_id=review.pk)
    group = "staff" if raters == Raters.STAFF else "experts by experience"
    return render(
        request,
        "coproduction/rate.jinja",
        {
            "form": form,
            "subject": subject,
            "review": review,
            "raters": raters,
            "heading": f"Rating by {group}",
            "held_on": formats.date(review.held_on),
            "has_experts": bool(experts),
            "register_href": reverse("coproduction:experts") if rights.sees_register else "",
            "scale": [{"score": s, "label": label} for s, label in presenters.SCALE.items()],
            "page_has_errors": bool(form.errors),
            "back_link": {
                "href": presenters.review_href(review.pk),
                "text": "Back to the review",
            },
        },
    )


# --- Actions -----------------------------------------------------------------------------------


def _owners(subject: Subject) -> dict[int, str]:
    """Who may own an action: the people in the team, or in the service, or the leads and
    administrators of the alliance's organisations; by name."""
    members = Membership.objects.active().select_related("user", "team")
    if subject.kind == TEAM:
        members = members.filter(team_id=subject.pk)
    elif subject.kind == ORGANISATION:
        members = members.filter(team__organisation_id=subject.pk)
    else:
        members = members.filter(
            team__organisation__alliances=subject.pk,
            role__in=(Role.TEAM_LEAD, Role.ORG_ADMIN),
        )
    labels: dict[int, str] = {}
    for m in sorted(members, key=lambda m: (m.user.display_name.lower(), m.user_id)):
        if m.user_id not in labels:
            labels[m.user_id] = f"{m.user.display_name} – {m.get_role_display()}, {m.team.name}"
    return labels


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def add_action(request: HttpRequest, review_id: int) -> HttpResponse:
    rights = Rights(request.user)
    review, subject = _review(review_id, rights)
    if not rights.may_record(subject):
        raise PermissionDenied("Only those who record the reviews agree their actions")
    form = ActionForm(request.POST if request.method == "POST" else None, owners=_owners(subject))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_review_action(
                review=review,
                text=data.get("text") or "",
                owner=data.get("owner"),
                due_on=data.get("due_on"),
                characteristic=data.get("characteristic") or "",
                by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Action added")
            return redirect("coproduction:review", review_id=review.pk)
    return render(
        request,
        "coproduction/action_form.jinja",
        {
            "form": form,
            "subject": subject,
            "held_on": formats.date(review.held_on),
            "page_has_errors": bool(form.errors),
            "back_link": {"href": presenters.review_href(review.pk), "text": "Back to the review"},
        },
    )


@no_person_data
@requires(Permission.TAKE_PART_IN_COPRODUCTION)
def complete_action(request: HttpRequest, action_id: int) -> HttpResponse:
    rights = Rights(request.user)
    action = get_object_or_404(ReviewAction.objects.select_related("owner"), pk=action_id)
    _review_obj, subject = _review(action.review_id, rights)
    if not rights.may_complete(action, subject):
        raise PermissionDenied("Only its owner or those who record the reviews")
    form = CompleteActionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complete_review_action(
                action=action,
                by=request.user,
                what_changed=form.cleaned_data.get("what_changed") or "",
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(request, "Action completed")
            return redirect(presenters.subject_href(subject))
    return render(
        request,
        "coproduction/complete_action.jinja",
        {
            "form": form,
            "action": action,
            "subject": subject,
            "page_has_errors": bool(form.errors),
            "back_link": _subject_back(subject),
        },
    )
