from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from alongside.core import formats
from alongside.organisations import queries, services
from alongside.organisations.models import (
    Alliance,
    Locality,
    Membership,
    MembershipStatus,
    Organisation,
    Team,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "ods_code", "parent", "team_count")
    list_filter = ("kind",)
    search_fields = ("name", "ods_code")
    autocomplete_fields = ("parent",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organisation]:
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .annotate(team_count=Count("teams", distinct=True))
        )

    @admin.display(description="teams", ordering="team_count")
    def team_count(self, obj: Organisation) -> int:
        return obj.team_count

    def save_model(self, request: HttpRequest, obj: Organisation, form: Any, change: bool) -> None:
        # Through the service, so the admin validates and saves exactly as the app's own pages.
        services.update_organisation(organisation=obj)


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ("name", "lead_organisation", "organisation_count")
    search_fields = ("name", "organisations__name")
    autocomplete_fields = ("lead_organisation",)
    filter_horizontal = ("organisations",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Alliance]:
        return (
            super()
            .get_queryset(request)
            .select_related("lead_organisation")
            .annotate(organisation_count=Count("organisations", distinct=True))
        )

    @admin.display(description="organisations", ordering="organisation_count")
    def organisation_count(self, obj: Alliance) -> int:
        return obj.organisation_count


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ("name", "code")
    search_fields = ("name", "code")
    prepopulated_fields = {"code": ("name",)}


class MembershipInline(admin.TabularInline):
    """A team's memberships, to look at: they are asked for and ended on the membership pages,
    through the services, never saved from here."""

    model = Membership
    extra = 0
    fields = ("user", "role", "status", "job_title", "started_on", "ended_on")
    readonly_fields = fields
    show_change_link = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        return super().get_queryset(request).select_related("user")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "team_type", "member_count")
    list_filter = ("team_type", "organisation__kind", "localities")
    search_fields = ("name", "organisation__name")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("localities",)
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Team]:
        return (
            super()
            .get_queryset(request)
            .select_related("organisation")
            .annotate(
                member_count=Count(
                    "memberships__user",
                    filter=Q(memberships__status=MembershipStatus.APPROVED)
                    & Q(memberships__ended_on__isnull=True),
                    distinct=True,
                )
            )
        )

    @admin.display(description="active members", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("active", "In force"),
            ("pending", "Waiting for approval"),
            ("refused", "Refused"),
            ("ended", "Ended"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> QuerySet:
        if self.value() == "active":
            return queryset.active()
        if self.value() == "pending":
            return queryset.pending()
        if self.value() == "refused":
            return queryset.filter(status=MembershipStatus.REFUSED)
        if self.value() == "ended":
            return queryset.approved().filter(ended_on__isnull=False)
        return queryset


class MembershipAddForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("user", "team", "role", "job_title", "started_on")


#: What the change page shows and never saves: who holds which role where is a new membership.
DECIDED_FIELDS = (
    "user",
    "team",
    "role",
    "status",
    "created_by",
    "created_at",
    "decided_by",
    "decided_at",
    "refusal_reason",
    "history",
)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    """Memberships are asked for here and approved by someone else on the approvals page
    (``organisations:waiting-memberships``). Every save goes through ``organisations.services``:
    adding asks for the membership; a change corrects the job title or start date, or ends it.
    Nothing is deleted: an ended or refused membership stays on record with its history."""

    list_display = (
        "user",
        "team",
        "role",
        "status",
        "job_title",
        "started_on",
        "ended_on",
        "created_by",
        "decided_by",
    )
    list_filter = (StatusFilter, "role", "team__organisation__kind", "team__organisation")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "team__name",
        "team__organisation__name",
        "job_title",
    )
    autocomplete_fields = ("user", "team")
    list_select_related = ("user", "team", "team__organisation", "created_by", "decided_by")
    date_hierarchy = "started_on"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Membership]:
        # A person's own portal account never holds a role; should one, it is not shown here.
        return super().get_queryset(request).filter(user__person__isnull=True)

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = MembershipAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if obj is None:
            return MembershipAddForm.Meta.fields
        return (*DECIDED_FIELDS[:3], "job_title", "started_on", "ended_on", *DECIDED_FIELDS[3:])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Sequence[str]:
        if obj is None:
            return ()
        if obj.status != MembershipStatus.APPROVED or obj.ended_on is not None:
            return (*DECIDED_FIELDS, "ended_on")  # an end is final; only approved ones end
        return DECIDED_FIELDS

    @admin.display(description="history")
    def history(self, obj: Membership) -> str:
        rows = queries.membership_history(obj)
        if not rows:
            return "No changes recorded."
        return format_html(
            "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Changed</th></tr>"
            "</thead><tbody>{}</tbody></table>",
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        formats.datetime(row.at),
                        row.by.username if row.by else "Not recorded",
                        row.what,
                        ", ".join(
                            f"{name}: {old} → {new}" for name, (old, new) in row.changes.items()
                        ),
                    )
                    for row in rows
                ),
            ),
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        if not change:
            made = services.request_membership(
                user=obj.user,
                team=obj.team,
                role=obj.role,
                job_title=obj.job_title,
                started_on=obj.started_on,
                by=request.user,
            )
            obj.pk, obj.status, obj.created_by, obj.created_at = (
                made.pk,
                made.status,
                made.created_by,
                made.created_at,
            )
            return
        if {"job_title", "started_on"} & set(form.changed_data):
            services.change_membership(
                membership=obj,
                by=request.user,
                job_title=obj.job_title,
                started_on=obj.started_on,
            )
        if "ended_on" in form.changed_data and obj.ended_on is not None:
            services.end_membership(membership=obj, by=request.user, ended_on=obj.ended_on)

    def response_add(
        self, request: HttpRequest, obj: Membership, post_url_continue: Any = None
    ) -> HttpResponse:
        self.message_user(
            request,
            "The membership grants nothing until someone else approves it: an organisation "
            "administrator or privacy lead of the organisation, or another system administrator, "
            f"on {reverse('organisations:waiting-memberships')}.",
            messages.WARNING,
        )
        return super().response_add(request, obj, post_url_continue)
