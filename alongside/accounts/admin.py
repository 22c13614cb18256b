"""Staff accounts in the Django admin, and nothing of the people who need support.

A person's own portal account (a user linked to a Person record) is not in the admin at all: not
listed, not searchable, not in any autocomplete or lookup, and its change and password pages are
404s. Its username and email would say that someone uses mental health services, and nothing an
administrator does needs it: the account is made from an invitation by the person's care team,
and the person signs in with a one-time code sent to the email on their record if they forget
their password. So no one sets a person's password for them, and no administrator can sign in as
them. Staff accounts keep Django's own password reset by a system administrator.

The same holds for the two-factor devices of portal accounts, and the sign-in failure log
(django-axes) is left out of the admin: it holds whatever was typed as a username, a person's
email address included, and a lockout ends by itself after its cool-off time.
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as BaseTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from alongside.accounts.models import User


def staff_accounts() -> QuerySet[User]:
    """Every account but a person's own portal account."""
    return User.objects.filter(person__isnull=True)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "is_active", "is_superuser")

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        # The change page, the password page, search and autocomplete all read this queryset.
        return super().get_queryset(request).filter(person__isnull=True)


for model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(BaseTOTPDeviceAdmin):
    """Which staff accounts have an authenticator app, and removing a lost one (the member of
    staff sets up a new one themselves when next signing in). Devices are never added or shown
    here: whoever saw a device's key could make its codes."""

    search_fields = ("user__username",)
    search_help_text = "Search by username."
    list_display = ("user", "name", "created_at", "last_used_at", "confirmed")
    readonly_fields = ("user", "name", "confirmed", "created_at", "last_used_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[TOTPDevice]:
        return super().get_queryset(request).filter(user__person__isnull=True)

    def get_list_display(self, request: HttpRequest) -> Any:
        return self.list_display

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(None, {"fields": list(self.readonly_fields)})]

    def _is_staff_device(self, obj: Any) -> bool:
        return obj is None or staff_accounts().filter(pk=obj.user_id).exists()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_staff_device(obj) and super().has_view_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_staff_device(obj) and super().has_delete_permission(request, obj)

    def config_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied

    def qrcode_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        raise PermissionDenied
