from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from alongside.organisations import services
from alongside.organisations.models import Alliance, Locality, Membership, Organisation, Team


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
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)
    fields = ("user", "role", "job_title", "started_on", "ended_on")


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
                    filter=Q(memberships__ended_on__isnull=True),
                    distinct=True,
                )
            )
        )

    @admin.display(description="active members", ordering="member_count")
    def member_count(self, obj: Team) -> int:
        return obj.member_count


class ActiveFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("active", "Active"), ("ended", "Ended")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Membership]) -> QuerySet:
        if self.value() == "active":
            return queryset.filter(ended_on__isnull=True)
        if self.value() == "ended":
            return queryset.filter(ended_on__isnull=False)
        return queryset


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "role", "job_title", "started_on", "ended_on")
    list_filter = (ActiveFilter, "role", "team__organisation__kind", "team__organisation")
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
        "team__name",
        "team__organisation__name",
        "job_title",
    )
    autocomplete_fields = ("user", "team")
    list_select_related = ("user", "team", "team__organisation")
    date_hierarchy = "started_on"
