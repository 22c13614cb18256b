"""Supervision that holds Care Partners' and key workers' work.

A ``SupervisionAgreement`` names who supervises whom (across organisations: a VCSE Care Partner
supervised by a trust clinician is normal), in which kinds of supervision and how often, from
when to when. Supervisors have their own agreements (meta-supervision), so the chain runs
practitioner → supervisor → meta-supervisor. A ``SupervisionSession`` records a session held:
its kind, who attended, when and for how long. What is said there about a person is a
``CaseDiscussion`` on that person's episode — part of their record, under its sharing level —
while what is about the practitioner's own practice and wellbeing stays in the session's
``reflections``, between supervisor and supervisee. Agreed actions have an owner and a due date,
carry into the next session until done, and show on the owner's worklist.

Writes go through ``services``; a supervisor reaches a supervisee's cases through the
supervision basis (``bases``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from alongside.organisations.models import Role


class Kind(models.TextChoices):
    INDIVIDUAL = "individual", "Individual supervision"
    GROUP = "group", "Group supervision"
    META = "meta", "Meta-supervision"
    CASE_REVIEW = "case_review", "Case review"


class SupervisionPolicy(models.Model):
    """What supervision a role should have: a kind, and how many weeks apart at most. A new
    agreement for someone in the role starts from these (a site sets its own)."""

    role = models.CharField(max_length=20, choices=Role.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    every_weeks = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["role", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind"], name="supervision_policy_once"),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=52),
                name="supervision_policy_weeks_plausible",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.get_role_display()}: {self.get_kind_display()} every {self.every_weeks} weeks"
        )


class AgreementQuerySet(models.QuerySet):
    def current(self, on: object = None) -> AgreementQuerySet:
        day = on or timezone.localdate()
        return self.filter(starts_on__lte=day).filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))


class SupervisionAgreement(models.Model):
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervised_under"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervising"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisee=F("supervisor")),
                name="supervision_not_of_oneself",
                violation_error_message="Nobody can supervise themself.",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="supervision_agreement_dates_in_order",
                violation_error_message="The end date must be on or after the start date.",
            ),
        ]
        indexes = [
            models.Index(fields=["supervisor", "ends_on"], name="supervision_supervisor_idx"),
            models.Index(fields=["supervisee", "ends_on"], name="supervision_supervisee_idx"),
        ]

    def __str__(self) -> str:
        return f"Supervision agreement {self.pk}"

    def is_current(self, on: object = None) -> bool:
        day = on or timezone.localdate()
        return self.starts_on <= day and (self.ends_on is None or self.ends_on >= day)


class AgreementTerm(models.Model):
    """One kind of supervision an agreement includes, and at most how many weeks apart."""

    agreement = models.ForeignKey(
        SupervisionAgreement, on_delete=models.CASCADE, related_name="terms"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    every_weeks = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["agreement", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "kind"], name="agreement_term_once"),
            models.CheckConstraint(
                condition=Q(every_weeks__gte=1, every_weeks__lte=52),
                name="agreement_term_weeks_plausible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} every {self.every_weeks} weeks"


class SupervisionSession(models.Model):
    kind = models.CharField(max_length=12, choices=Kind.choices)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sessions_led"
    )
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    reflections = models.TextField(
        blank=True,
        help_text="About the practitioner's own practice and wellbeing: seen only by the "
        "supervisor and those who attended.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="supervision_session_duration_plausible",
                violation_error_message="A session lasts from 5 minutes to 8 hours.",
            )
        ]
        indexes = [models.Index(fields=["supervisor", "held_on"], name="session_supervisor_idx")]

    def __str__(self) -> str:
        return f"Supervision session {self.pk}"


class Attendee(models.Model):
    """A supervisee who attended a session (the supervisor is the session's own)."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="attendees"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_attended"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="supervision_attendee_once")
        ]
        indexes = [models.Index(fields=["user"], name="supervision_attendee_user_idx")]

    def __str__(self) -> str:
        return f"Attendee {self.pk}"


class Step(models.TextChoices):
    NONE = "", "Keep the support as it is"
    UP = "up", "Step support up"
    DOWN = "down", "Step support down"


class CaseDiscussion(models.Model):
    """What was said in supervision about one person's episode, following the coaching model.
    Part of the person's record (clinical notes' sharing level)."""

    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="discussions"
    )
    episode = models.ForeignKey(
        "care.Episode", on_delete=models.PROTECT, related_name="supervision_discussions"
    )
    supervisee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Whose caseload the person is on.",
    )
    goals_progress = models.TextField(
        "Goals and progress, in the person's words", help_text="What the person says."
    )
    working = models.TextField("What is working", blank=True)
    step = models.CharField(max_length=4, choices=Step.choices, blank=True)
    intensity_change = models.OneToOneField(
        "care.IntensityChange",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervision_discussion",
    )
    risks = models.TextField(blank=True)
    next_steps = models.TextField("What the practitioner will try next", blank=True)

    class Meta:
        ordering = ["session", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "episode"], name="supervision_discussion_once"
            ),
            models.CheckConstraint(
                condition=~Q(goals_progress=""), name="supervision_discussion_has_progress"
            ),
        ]
        indexes = [models.Index(fields=["episode"], name="supervision_discussion_ep_idx")]

    def __str__(self) -> str:
        return f"Case discussion {self.pk}"


class ActionQuerySet(models.QuerySet):
    def open(self) -> ActionQuerySet:
        return self.filter(done_at__isnull=True)


class SupervisionAction(models.Model):
    session = models.ForeignKey(
        SupervisionSession, on_delete=models.CASCADE, related_name="actions"
    )
    discussion = models.ForeignKey(
        CaseDiscussion, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="supervision_actions"
    )
    text = models.CharField(max_length=300)
    due_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="supervision_action_has_words"),
            models.CheckConstraint(
                condition=Q(done_at__isnull=True, done_by__isnull=True)
                | Q(done_at__isnull=False, done_by__isnull=False),
                name="supervision_action_done_complete",
            ),
        ]
        indexes = [
            models.Index(
                fields=["owner", "due_on"],
                condition=Q(done_at__isnull=True),
                name="supervision_action_open_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Supervision action {self.pk}"
