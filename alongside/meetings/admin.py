"""The meetings in the admin: to look up a meeting and who attended, read only.

Agendas are left out: they name people, and people's records are reached only through the
sharing module. Meetings are scheduled and changed on the meeting pages, through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from alongside.meetings.models import Attendee, LocalityMeeting


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AttendeeInline(ReadOnly, admin.TabularInline):
    model = Attendee
    fields = ("name", "organisation", "role", "user")
    extra = 0


@admin.register(LocalityMeeting)
class LocalityMeetingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("starts_at", "locality", "place", "chair", "item_count")
    list_filter = ("locality",)
    date_hierarchy = "starts_at"
    fields = ("locality", "starts_at", "place", "chair", "notes", "created_by", "created_at")
    inlines = [AttendeeInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LocalityMeeting]:
        return (
            super()
            .get_queryset(request)
            .select_related("locality", "chair")
            .annotate(item_count=Count("agenda_items"))
        )

    @admin.display(description="agenda items", ordering="item_count")
    def item_count(self, obj: LocalityMeeting) -> int:
        return obj.item_count
