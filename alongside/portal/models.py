"""Getting into the portal: invitations from the care team, and one-time sign-in codes by email.

Neither secret is stored as given. An invitation's token is kept only as its SHA-256 hash (the
token is 256 random bits, so a plain hash is enough); a sign-in code, having only a million
values, is kept as an HMAC keyed with the deployment's secret key and a salt of its own, so that
a copy of the table alone does not give the codes away.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

MAX_WRONG_BIRTH_DATES = 5
MAX_WRONG_CODES = 5


class InvitationStatus(models.TextChoices):
    OUTSTANDING = "outstanding", "Waiting to be used"
    USED = "used", "Used"
    EXPIRED = "expired", "Expired"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PortalInvitationQuerySet(models.QuerySet):
    def outstanding(self) -> PortalInvitationQuerySet:
        return self.filter(
            used_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=timezone.now()
        )


class PortalInvitation(models.Model):
    """A single-use link, made by someone in the person's care team, that lets the person set up
    their own portal account after confirming their date of birth, or choose a new password for
    the account they have (``for_account``): nobody else ever sets a person's password."""

    person = models.ForeignKey(
        "people.Person", on_delete=models.CASCADE, related_name="portal_invitations"
    )
    token_hash = models.CharField(
        max_length=64, unique=True, help_text="SHA-256 of the link's token, in hex."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    emailed_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account the person made with this invitation.",
    )
    for_account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The account the person had when the invitation was made: the link lets them "
        "choose a new password for it. Empty for an invitation to make an account.",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the invitation was withdrawn automatically.",
    )
    withdrawn_because = models.CharField(max_length=200, blank=True)
    wrong_birth_dates = models.PositiveSmallIntegerField(default=0)

    objects = PortalInvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="invitation_expires_after_made"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True, account__isnull=True)
                | Q(used_at__isnull=False, account__isnull=False),
                name="invitation_used_with_an_account",
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(withdrawn_at__isnull=True),
                name="invitation_used_or_withdrawn_not_both",
            ),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawn_because=""),
                name="invitation_withdrawn_with_a_reason",
            ),
            models.CheckConstraint(
                condition=Q(wrong_birth_dates__lte=MAX_WRONG_BIRTH_DATES),
                name="invitation_wrong_birth_dates_limited",
            ),
        ]
        indexes = [models.Index(fields=["person", "created_at"], name="invitation_person_idx")]

    def __str__(self) -> str:
        return f"Portal invitation {self.pk}"

    @property
    def status(self) -> InvitationStatus:
        if self.used_at is not None:
            return InvitationStatus.USED
        if self.withdrawn_at is not None:
            return InvitationStatus.WITHDRAWN
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.OUTSTANDING

    @property
    def is_usable(self) -> bool:
        return self.status == InvitationStatus.OUTSTANDING


class SignInCode(models.Model):
    """A 6-digit code sent by email that signs a person in to their portal once, within 10
    minutes. A newer code, or the fifth wrong try, makes it void."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="portal_sign_in_codes"
    )
    code_hash = models.CharField(max_length=64)
    salt = models.CharField(max_length=32)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at")), name="sign_in_code_expires_after_made"
            ),
            models.CheckConstraint(
                condition=Q(wrong_tries__lte=MAX_WRONG_CODES), name="sign_in_code_tries_limited"
            ),
            models.CheckConstraint(
                condition=Q(used_at__isnull=True) | Q(voided_at__isnull=True),
                name="sign_in_code_used_or_void_not_both",
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="sign_in_code_user_idx")]

    def __str__(self) -> str:
        return f"Sign-in code {self.pk}"
