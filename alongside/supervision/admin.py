"""The supervision policy per role, set by a system administrator: the kinds of supervision a
role calls for and how many weeks apart at most. A new agreement for someone in the role starts
from these terms (the agreement form shows them, and they may be changed for the person)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from alongside.supervision import services
from alongside.supervision.models import SupervisionPolicy


@admin.register(SupervisionPolicy)
class SupervisionPolicyAdmin(admin.ModelAdmin):
    list_display = ("role", "kind", "every_weeks")
    list_filter = ("role", "kind")
    ordering = ("role", "kind")

    def save_model(
        self, request: HttpRequest, obj: SupervisionPolicy, form: Any, change: bool
    ) -> None:
        # Through the service, so the admin validates and saves exactly as everything else.
        services.set_policy(policy=obj)
