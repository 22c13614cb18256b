"""Outcome measures: the questionnaires a place uses (definitions as data), the responses people
give to them in their episodes, the scores those responses get on completion, and each team's
schedule of when measures are due.

A completed response is never edited: a database trigger refuses any change to its answers, and a
correction is a new response that points at the one it corrects (``corrects``), so both stay in
the history. Scores are rows of their own so the metrics engine can pair first and latest scores
in SQL; ``current`` is false for the scores of a response that a correction replaced.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Source(models.TextChoices):
    SHIPPED = "shipped", "Shipped with Alongside"
    SITE = "site", "Added by this site"


class Questionnaire(models.Model):
    """One version of a measure's definition, as loaded (validated) from its JSON file.

    ``wording`` holds licensed item wording a site loaded separately from the definition; the
    engine lays it over the definition (``registry.measure``)."""

    name = models.SlugField(max_length=40)
    version = models.CharField(max_length=20)
    title = models.CharField(max_length=200)
    definition = models.JSONField()
    wording = models.JSONField(default=dict, blank=True)
    source = models.CharField(max_length=8, choices=Source.choices)
    digest = models.CharField(max_length=64, help_text="SHA-256 of the definition as loaded")
    is_current = models.BooleanField(default=True)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["name", "-loaded_at"]
        constraints = [
            models.UniqueConstraint(fields=["name", "version"], name="questionnaire_version_once"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(is_current=True), name="one_current_questionnaire"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Status(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class Mode(models.TextChoices):
    WITH_PRACTITIONER = "with_practitioner", "With a practitioner"
    SELF = "self", "By the person in their portal"


@pgtrigger.register(
    pgtrigger.Protect(
        name="completed_response_is_final",
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition(
            "OLD.status = 'completed' AND ("
            "OLD.questionnaire_id IS DISTINCT FROM NEW.questionnaire_id "
            "OR OLD.person_id IS DISTINCT FROM NEW.person_id "
            "OR OLD.episode_id IS DISTINCT FROM NEW.episode_id "
            "OR OLD.status IS DISTINCT FROM NEW.status "
            "OR OLD.mode IS DISTINCT FROM NEW.mode "
            "OR OLD.answers IS DISTINCT FROM NEW.answers "
            "OR OLD.completed_at IS DISTINCT FROM NEW.completed_at "
            "OR OLD.completed_by_id IS DISTINCT FROM NEW.completed_by_id "
            "OR OLD.corrects_id IS DISTINCT FROM NEW.corrects_id "
            "OR OLD.plan_version_id IS DISTINCT FROM NEW.plan_version_id "
            ")"
        ),
    ),
)
class Response(models.Model):
    """A person's answers to one questionnaire, in an episode: saved part-way as often as needed,
    then completed (scored) once and never changed."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="responses"
    )
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="responses")
    episode = models.ForeignKey("care.Episode", on_delete=models.PROTECT, related_name="responses")
    contact = models.ForeignKey(
        "care.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="responses"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    mode = models.CharField(max_length=20, choices=Mode.choices)
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrects = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrections"
    )
    correction_reason = models.CharField(max_length=300, blank=True)
    plan_version = models.ForeignKey(
        "care.CarePlanVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a measure asked after each plan review (CollaboRATE): the agreed version "
        "of the plan it is about.",
    )
    #: Flags the answers raised (``engine.FlagRule.id``) and the domains where the person wants
    #: more help (DIALOG), fixed at completion.
    flags = models.JSONField(default=list, blank=True)
    more_help = models.JSONField(default=list, blank=True)
    prompt_seen_at = models.DateTimeField(null=True, blank=True)
    prompt_seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-completed_at", "-started_at", "-id"]
        indexes = [models.Index(fields=["person", "status", "completed_at"])]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status="completed") & Q(completed_at__isnull=False))
                | (Q(status="in_progress") & Q(completed_at__isnull=True)),
                name="completed_response_has_a_time",
            ),
            models.CheckConstraint(
                condition=Q(corrects__isnull=True) | ~Q(correction_reason=""),
                name="correction_says_why",
            ),
        ]

    def __str__(self) -> str:
        return f"Response {self.pk}"

    @property
    def is_completed(self) -> bool:
        return self.status == Status.COMPLETED


class Score(models.Model):
    """One score of a completed response (a total, a mean, a goal's rating), with what the
    metrics engine needs to pair first and latest without reading the definition again."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="scores")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("care.Episode", on_delete=models.PROTECT, related_name="+")
    measure = models.SlugField(max_length=40)
    key = models.CharField(max_length=40)
    value = models.DecimalField(max_digits=8, decimal_places=4)
    band = models.CharField(max_length=80, blank=True)
    snomed = models.CharField(max_length=20, blank=True)
    in_change = models.BooleanField(default=False)
    completed_at = models.DateTimeField()
    current = models.BooleanField(default=True)

    class Meta:
        ordering = ["completed_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "key"], name="one_score_per_key"),
        ]
        indexes = [models.Index(fields=["episode", "measure", "key", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.measure} {self.key} = {self.value}"


class ResponseGoal(models.Model):
    """Goal Based Outcomes: which of the person's plan goals an item of the response rates, and
    the goal rating recorded from it on completion."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="goal_links")
    link_id = models.CharField(max_length=40)
    goal = models.ForeignKey("care.Goal", on_delete=models.PROTECT, related_name="+")
    rating = models.OneToOneField(
        "care.GoalRating", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["link_id"]
        constraints = [
            models.UniqueConstraint(fields=["response", "link_id"], name="one_goal_per_item"),
            models.UniqueConstraint(fields=["response", "goal"], name="goal_once_per_response"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} → goal {self.goal_id}"


class MeasureSchedule(models.Model):
    """When a team asks for a measure in its episodes: at the start, every N weeks, at
    discharge. A measure is overdue ``grace_days`` after it falls due."""

    team = models.ForeignKey(
        "organisations.Team", on_delete=models.CASCADE, related_name="measure_schedules"
    )
    measure = models.SlugField(max_length=40)
    at_start = models.BooleanField(default=True)
    every_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    at_discharge = models.BooleanField(default=False)
    grace_days = models.PositiveSmallIntegerField(default=14)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["team", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["team", "measure"], name="one_schedule_per_measure"),
            models.CheckConstraint(
                condition=Q(every_weeks__isnull=True) | Q(every_weeks__gte=1, every_weeks__lte=104),
                name="schedule_every_1_to_104_weeks",
            ),
            models.CheckConstraint(
                condition=Q(at_start=True) | Q(every_weeks__isnull=False) | Q(at_discharge=True),
                name="schedule_asks_for_something",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure} for team {self.team_id}"
