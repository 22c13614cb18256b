"""Key working: the episode of care an accepted referral opens, who is allocated to it, and the
contacts with the person.

An episode is opened only by accepting a referral (``referrals.services.accept_referral`` calls
``services.open_episode_from_referral`` in the same transaction), so every episode has the referral
that started the person's waiting-time clock.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class EpisodeQuerySet(models.QuerySet):
    def open(self) -> EpisodeQuerySet:
        return self.filter(ended_at__isnull=True)


@pghistory.track()
class Episode(models.Model):
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="episodes")
    referral = models.OneToOneField(
        "referrals.Referral", on_delete=models.PROTECT, related_name="episode"
    )
    lead_team = models.ForeignKey(
        "organisations.Team", on_delete=models.PROTECT, related_name="episodes"
    )
    partner_teams = models.ManyToManyField(
        "organisations.Team",
        blank=True,
        related_name="partner_episodes",
        help_text="Teams from other organisations making a joint offer with the lead team.",
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    discharge_reason = models.CharField(max_length=2, blank=True)

    objects = EpisodeQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="episode_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, discharge_reason="")
                | Q(ended_at__isnull=False) & ~Q(discharge_reason=""),
                name="episode_discharge_complete",
            ),
        ]
        indexes = [models.Index(fields=["lead_team", "ended_at"], name="episode_team_open_idx")]

    def __str__(self) -> str:
        return f"Episode {self.pk}"


class Allocation(models.Model):
    """Who is the key worker, from when to when. History is kept: a reallocation ends one row and
    starts another, with a reason."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="allocations")
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="allocations"
    )
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    allocated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=Q(ended_at__isnull=True),
                name="allocation_one_current_key_worker",
                violation_error_message="The episode already has a key worker.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="allocation_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Allocation {self.pk}"


class Mode(models.TextChoices):
    """How the contact happened, with its MHSDS ConsMechanismMH (v6) code."""

    FACE_TO_FACE = "face_to_face", "Face to face"
    PHONE = "phone", "Telephone"
    VIDEO = "video", "Video"
    TEXT = "text", "Text or other written message"


MHSDS_MECHANISM_CODES: dict[str, str] = {
    Mode.FACE_TO_FACE: "01",
    Mode.PHONE: "02",
    Mode.VIDEO: "11",
    Mode.TEXT: "09",
}
DIRECT_MODES = (Mode.FACE_TO_FACE, Mode.PHONE, Mode.VIDEO)


class Kind(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    COACHING = "coaching", "Coaching session"
    REVIEW = "review", "Review"
    PEER_SUPPORT = "peer_support", "Peer support"
    GROUP = "group", "Group"
    OTHER = "other", "Other"


class Outcome(models.TextChoices):
    """What happened, with its MHSDS AttendStatus code."""

    PLANNED = "", "Planned"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"


MHSDS_ATTEND_CODES: dict[str, str] = {
    Outcome.ATTENDED: "5",
    Outcome.DID_NOT_ATTEND: "7",
    Outcome.CANCELLED_BY_PERSON: "2",
    Outcome.CANCELLED_BY_SERVICE: "4",
}


class Contact(models.Model):
    """A contact with the person, planned (an appointment) or recorded after it happened."""

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="contacts")
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contacts"
    )
    team = models.ForeignKey("organisations.Team", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    mode = models.CharField(max_length=16, choices=Mode.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="contact_outcome_valid"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True)
                | Q(duration_minutes__gte=1, duration_minutes__lte=600),
                name="contact_duration_plausible",
            ),
        ]
        indexes = [
            models.Index(fields=["episode", "starts_at"], name="contact_episode_idx"),
            models.Index(fields=["practitioner", "starts_at"], name="contact_practitioner_idx"),
        ]

    def __str__(self) -> str:
        return f"Contact {self.pk}"

    @property
    def is_direct_attended(self) -> bool:
        return self.outcome == Outcome.ATTENDED and self.mode in DIRECT_MODES
