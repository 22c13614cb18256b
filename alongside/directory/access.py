"""Who may see the staff notes of the directory, and who may edit which services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from alongside.core.access import is_system_admin
from alongside.directory.models import DirectoryOrganization, Service
from alongside.organisations.models import Membership, Role


def is_staff_member(user: Any) -> bool:
    """Signed-in staff: a system administrator, or someone holding a role in a team today."""
    if not getattr(user, "is_authenticated", False):
        return False
    return is_system_admin(user) or Membership.objects.active().filter(user=user).exists()


def managed_organizations(user: Any) -> QuerySet[DirectoryOrganization]:
    """The directory organisations whose entries ``user`` may edit."""
    if not getattr(user, "is_authenticated", False):
        return DirectoryOrganization.objects.none()
    if is_system_admin(user):
        return DirectoryOrganization.objects.all()
    organisation_ids = (
        Membership.objects.active()
        .filter(user=user, role=Role.ORG_ADMIN)
        .values("team__organisation_id")
    )
    return DirectoryOrganization.objects.filter(organisation_id__in=organisation_ids)


def managed_services(user: Any) -> QuerySet[Service]:
    return Service.objects.filter(organization__in=managed_organizations(user))
