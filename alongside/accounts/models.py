"""Accounts: who signs in.

A custom user model from the start, so that single sign-on (NHS CIS2 for NHS staff, an
organisation's own identity provider for VCSE staff) can later attach external identities to
these accounts without reworking them. Roles are not here: they belong to team memberships
(``organisations.Membership``); a system administrator is ``is_superuser``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                models.functions.Lower("email"),
                condition=~models.Q(email=""),
                name="user_email_unique_when_given",
                violation_error_message="Another account already uses this email address.",
            )
        ]

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username
