"""Integrated locality meetings: NHS secondary care, primary care mental health practitioners,
the VCSE alliance and social care meet per locality, discuss the referrals and people that need
several organisations, and record one decision per item.

A decision drives the same referral transitions as triage (``referrals.services``), so a meeting
cannot do anything a coordinator could not, and every decision is on the referral's history.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LocalityMeeting(models.Model):
    locality = models.ForeignKey(
        "organisations.Locality", on_delete=models.PROTECT, related_name="meetings"
    )
    starts_at = models.DateTimeField()
    place = models.CharField(
        max_length=200, blank=True, help_text="Where, or how to join (for example a video link)."
    )
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["locality", "starts_at"],
                name="meeting_one_per_locality_and_time",
                violation_error_message="This locality already has a meeting at that time.",
            )
        ]

    def __str__(self) -> str:
        return f"Locality meeting {self.pk}"


class Attendee(models.Model):
    """Someone at the meeting, with the organisation they came for. Staff with an account are
    linked to it; a guest (a carer's advocate, a housing officer) is named."""

    meeting = models.ForeignKey(LocalityMeeting, on_delete=models.CASCADE, related_name="attendees")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["organisation__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False),
                name="attendee_once_per_meeting",
                violation_error_message="This person is already recorded as attending.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Decision(models.TextChoices):
    ALLOCATE = "allocate", "Allocate to a team and key worker"
    JOINT_OFFER = "joint_offer", "Joint offer by several organisations"
    SIGNPOST = "signpost", "Signpost with a warm handover"
    MORE_INFORMATION = "more_information", "More information needed"


class AgendaItem(models.Model):
    """A referral marked for the meeting, or an open episode someone added, and its decision.

    For a referral, the decision makes the referral's transition; for an episode, it changes the
    episode (lead team, key worker, partner teams) or hands over, and the referral stays accepted.
    """

    meeting = models.ForeignKey(
        LocalityMeeting, on_delete=models.CASCADE, related_name="agenda_items"
    )
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    episode = models.ForeignKey(
        "care.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agenda_items",
    )
    position = models.PositiveSmallIntegerField(default=0)
    why = models.TextField(blank=True, help_text="What the meeting is asked to decide.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decision_note = models.TextField(blank=True)
    person_present = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether the person, or their advocate, took part when this was decided "
        "(blank when not recorded).",
    )
    lead_team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_worker = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    partner_teams = models.ManyToManyField("organisations.Team", blank=True, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(referral__isnull=False, episode__isnull=True)
                | Q(referral__isnull=True, episode__isnull=False),
                name="agenda_item_referral_or_episode",
            ),
            models.UniqueConstraint(
                fields=["meeting", "referral"],
                name="agenda_item_referral_once",
                violation_error_message="This referral is already on the meeting's agenda.",
            ),
            models.UniqueConstraint(
                fields=["meeting", "episode"],
                name="agenda_item_episode_once",
                violation_error_message="This person is already on the meeting's agenda.",
            ),
            models.CheckConstraint(
                condition=Q(decision="", decided_at__isnull=True, decided_by__isnull=True)
                | ~Q(decision="") & Q(decided_at__isnull=False, decided_by__isnull=False),
                name="agenda_item_decision_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Agenda item {self.pk}"
