"""Training, competencies and the workforce: the courses a place recognises (data, not code),
which courses each role and which episodes need, who completed what and until when, the
whole-time equivalent of each post, and the vacancies team leads record.

An app of the pathway after ``care``: it reads episodes and allocations, and ``care`` never
imports it (the allocation warning comes through ``care.hooks.AllocationChecks``).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from alongside.care.models import Intensity
from alongside.organisations.models import Role, TeamType

#: A course's key: lower-case letters, digits and hyphens ("safety-planning").
KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
LONGEST_VALIDITY_MONTHS = 120
WTE_LOW = Decimal("0.1")
WTE_HIGH = Decimal("1.0")
WTE_MESSAGE = "Enter a whole-time equivalent from 0.1 to 1.0"


class Course(models.Model):
    """A course that gives a competency. ``valid_for_months`` is how long a completion counts;
    none means it never expires."""

    key = models.CharField(
        max_length=60,
        unique=True,
        validators=[RegexValidator(KEY_PATTERN, "Use lower-case letters, digits and hyphens")],
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    valid_for_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(LONGEST_VALIDITY_MONTHS)],
        help_text="How long a completion counts, in months; empty for no expiry.",
    )
    shipped = models.BooleanField(
        default=False, help_text="Loaded from the course list Alongside ships."
    )

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_for_months__isnull=True)
                | Q(valid_for_months__gte=1, valid_for_months__lte=LONGEST_VALIDITY_MONTHS),
                name="course_validity_plausible",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="course_has_title"),
        ]

    def __str__(self) -> str:
        return self.title


class RoleRequirement(models.Model):
    """Everyone holding ``role`` needs ``course``."""

    role = models.CharField(max_length=20, choices=Role.choices)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="role_requirements")

    class Meta:
        ordering = ["role", "course__title"]
        constraints = [
            models.UniqueConstraint(fields=["role", "course"], name="role_requirement_once"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="role_requirement_role"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()} needs {self.course}"


class EpisodeRequirement(models.Model):
    """An episode's key worker needs ``course`` when the episode is at ``intensity`` and/or led
    by a team of ``team_type`` (an empty one matches any; at least one is given)."""

    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="episode_requirements"
    )
    intensity = models.CharField(max_length=6, choices=Intensity.choices, blank=True)
    team_type = models.CharField(max_length=40, choices=TeamType.choices, blank=True)

    class Meta:
        ordering = ["course__title", "intensity", "team_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "intensity", "team_type"], name="episode_requirement_once"
            ),
            models.CheckConstraint(
                condition=~Q(intensity="", team_type=""), name="episode_requirement_has_rule"
            ),
            models.CheckConstraint(
                condition=Q(intensity="") | Q(intensity__in=Intensity.values),
                name="episode_requirement_intensity",
            ),
            models.CheckConstraint(
                condition=Q(team_type="") | Q(team_type__in=TeamType.values),
                name="episode_requirement_team_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} for {self.describe()}"

    def describe(self) -> str:
        """ "episodes at high intensity", "episodes led by an early intervention team"..."""
        parts = []
        if self.intensity:
            parts.append(f"at {self.get_intensity_display().lower()} intensity")
        if self.team_type:
            parts.append(f"led by a team of type '{self.get_team_type_display()}'")
        return "episodes " + " and ".join(parts)


class TrainingRecord(models.Model):
    """Someone completed a course on a date; it counts until ``expires_on`` (from the course's
    validity when recorded; none for a course that does not expire)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_records"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="records")
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.TextField(blank=True, help_text="Certificate, provider, or how it was seen.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["user", "course", "-completed_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "completed_on"],
                name="training_record_once",
                violation_error_message="This completion is already recorded.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gt=F("completed_on")),
                name="training_expiry_after_completion",
            ),
        ]
        indexes = [models.Index(fields=["course", "user"], name="training_course_user_idx")]

    def __str__(self) -> str:
        return f"{self.user} – {self.course}, {self.completed_on}"


class AllocationWarning(models.Model):
    """A key worker was allocated without a competency the episode needs: the warning given,
    kept with the allocation."""

    allocation = models.ForeignKey(
        "care.Allocation", on_delete=models.CASCADE, related_name="competency_warnings"
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["allocation", "course"], name="allocation_warning_once")
        ]

    def __str__(self) -> str:
        return self.text


class Post(models.Model):
    """The whole-time equivalent a membership is worked at (1.0 is full time): ``wte`` is the
    one in force today, the latest of its ``changes`` (``services.set_wte`` keeps both)."""

    membership = models.OneToOneField(
        "organisations.Membership", on_delete=models.CASCADE, related_name="post"
    )
    wte = models.DecimalField(
        "Whole-time equivalent",
        max_digits=3,
        decimal_places=2,
        validators=[
            MinValueValidator(WTE_LOW, WTE_MESSAGE),
            MaxValueValidator(WTE_HIGH, WTE_MESSAGE),
        ],
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(wte__gte=WTE_LOW, wte__lte=WTE_HIGH), name="post_wte_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership} at {self.wte} WTE"


class WteChange(models.Model):
    """A post's whole-time equivalent from ``effective_from`` on. Each change is kept beside the
    earlier ones, never over them, so a past month is counted at the WTE then in force; of two
    changes from the same day, the later recorded counts."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="changes")
    wte = models.DecimalField(
        "Whole-time equivalent",
        max_digits=3,
        decimal_places=2,
        validators=[
            MinValueValidator(WTE_LOW, WTE_MESSAGE),
            MaxValueValidator(WTE_HIGH, WTE_MESSAGE),
        ],
    )
    effective_from = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["post", "effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(wte__gte=WTE_LOW, wte__lte=WTE_HIGH), name="wte_change_range"
            )
        ]
        indexes = [models.Index(fields=["post", "effective_from"], name="wte_change_post_idx")]

    def __str__(self) -> str:
        return f"{self.wte} WTE from {self.effective_from}"


class Vacancy(models.Model):
    """A post the team has funding for and no one in: from ``since`` until ``filled_on``."""

    team = models.ForeignKey("organisations.Team", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    wte = models.DecimalField(
        "Whole-time equivalent",
        max_digits=3,
        decimal_places=2,
        validators=[
            MinValueValidator(WTE_LOW, WTE_MESSAGE),
            MaxValueValidator(WTE_HIGH, WTE_MESSAGE),
        ],
    )
    job_title = models.CharField(max_length=120, blank=True)
    since = models.DateField()
    filled_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "since", "id"]
        verbose_name_plural = "vacancies"
        constraints = [
            models.CheckConstraint(
                condition=Q(wte__gte=WTE_LOW, wte__lte=WTE_HIGH), name="vacancy_wte_range"
            ),
            models.CheckConstraint(
                condition=Q(filled_on__isnull=True) | Q(filled_on__gte=F("since")),
                name="vacancy_dates_in_order",
            ),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="vacancy_role_valid"),
        ]

    def __str__(self) -> str:
        return f"Vacancy {self.pk}"
