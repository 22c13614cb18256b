"""The meetings in the admin: to look up a meeting and which staff attended, read only.

Agendas are left out: they name people, and people's records are reached only through the
sharing module. So are the meeting's notes (free text that may name someone) and the names of
guests without an account (a guest may be a carer or the person themself). Meetings are
scheduled and changed on the meeting pages, through the services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from alongside.meetings.models import LocalityMeeting


class ReadOnly:
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(LocalityMeeting)
class LocalityMeetingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("starts_at", "locality", "place", "chair", "item_count")
    list_filter = ("locality",)
    date_hierarchy = "starts_at"
    fields = ("locality", "starts_at", "place", "chair", "attendees", "created_by", "created_at")
    readonly_fields = ("attendees",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[LocalityMeeting]:
        return (
            super()
            .get_queryset(request)
            .select_related("locality", "chair")
            .annotate(item_count=Count("agenda_items"))
        )

    @admin.display(description="attendees")
    def attendees(self, obj: LocalityMeeting) -> str:
        staff = [a for a in obj.attendees.select_related("user", "organisation") if a.user_id]
        guests = obj.attendees.filter(user__isnull=True).count()
        names = [f"{a.user.display_name} ({a.organisation.name})" for a in staff]
        if guests:
            names.append(f"{guests} guest{'s' if guests > 1 else ''} without an account")
        return "; ".join(names) or "None recorded"

    @admin.display(description="agenda items", ordering="item_count")
    def item_count(self, obj: LocalityMeeting) -> int:
        return obj.item_count
