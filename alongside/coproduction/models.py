"""Co-production at the level of teams, services and the alliance, and the experts by experience
who take part in the work.

- A :class:`Review` is a team, an organisation (a service) or an alliance rating itself on the six
  core characteristics of co-production, once by staff and once by experts by experience, each
  rating with its evidence; the gap between the two is the point. Actions agreed at a review are
  followed to completion.
- An :class:`Expert` is someone with lived experience who takes part in the work: recorded with
  their consent and how they wish to be named, kept apart from Person records unless they choose
  to link them. Their :class:`ExpertRole`\\s and :class:`Involvement`\\s ('you said, we did') are
  recorded, with what each organisation owes them at its :class:`InvolvementRate`.

The co-production signals in a person's own care live with that care (plan section authorship,
goals' wording, presence at decisions, contact preferences, CollaboRATE), not here.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Characteristic(models.TextChoices):
    """The six core characteristics of co-production (New Economics Foundation / NESTA)."""

    ASSETS = "assets", "Recognising people as assets"
    CAPABILITIES = "capabilities", "Building on people's capabilities"
    MUTUALITY = "mutuality", "Mutuality and reciprocity"
    PEER_SUPPORT = "peer_support", "Peer support networks"
    BLURRING = "blurring", "Blurring distinctions between professionals and the people they serve"
    FACILITATING = "facilitating", "Facilitating rather than delivering"


#: The rating scale: 1 (not yet) to 5 (part of how we always work).
SCALE = {
    1: "Not yet: this does not happen",
    2: "Starting: it happens now and then",
    3: "Developing: it happens often, not yet everywhere",
    4: "Established: it is how we usually work",
    5: "Embedded: it is how we always work, and people would notice if it stopped",
}
LOWEST, HIGHEST = min(SCALE), max(SCALE)


class Raters(models.TextChoices):
    STAFF = "staff", "Staff"
    EXPERTS = "experts", "Experts by experience"


class Review(models.Model):
    """One co-production review of a team, an organisation or an alliance (exactly one of them),
    for the quarter it was held in."""

    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    alliance = models.ForeignKey(
        "organisations.Alliance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField()
    staff_raters = models.PositiveSmallIntegerField(
        default=0, help_text="How many staff took part in the staff rating."
    )
    experts = models.ManyToManyField(
        "Expert", blank=True, related_name="reviews", help_text="Who made the experts' rating."
    )
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(team__isnull=False, organisation__isnull=True, alliance__isnull=True)
                | Q(team__isnull=True, organisation__isnull=False, alliance__isnull=True)
                | Q(team__isnull=True, organisation__isnull=True, alliance__isnull=False),
                name="review_of_one_subject",
                violation_error_message="A review is of one team, one service or one alliance.",
            )
        ]

    def __str__(self) -> str:
        return f"Co-production review {self.pk}"

    @property
    def subject(self) -> models.Model:
        return self.team or self.organisation or self.alliance  # type: ignore[return-value]


class Rating(models.Model):
    """One group's rating of one characteristic, with the evidence for it."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="ratings")
    raters = models.CharField(max_length=8, choices=Raters.choices)
    characteristic = models.CharField(max_length=16, choices=Characteristic.choices)
    score = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(LOWEST), MaxValueValidator(HIGHEST)]
    )
    evidence = models.TextField(help_text="What happened that shows it: examples, not opinions.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["review", "raters", "characteristic"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "raters", "characteristic"], name="rating_once_per_group"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=LOWEST, score__lte=HIGHEST), name="rating_on_the_scale"
            ),
            models.CheckConstraint(condition=~Q(evidence=""), name="rating_has_evidence"),
        ]

    def __str__(self) -> str:
        return f"{self.get_raters_display()}: {self.get_characteristic_display()} {self.score}"


class ReviewAction(models.Model):
    """Something a review agreed to do, with an owner and a date, followed to completion."""

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="actions")
    text = models.TextField()
    characteristic = models.CharField(max_length=16, choices=Characteristic.choices, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    what_changed = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["completed_on", "due_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="review_action_has_words"),
            models.CheckConstraint(
                condition=Q(completed_on__isnull=True) | Q(completed_by__isnull=False),
                name="review_action_completed_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Review action {self.pk}"


class Naming(models.TextChoices):
    """How an expert by experience wishes to be named in minutes, reports and 'you said, we did'."""

    FULL = "full", "Full name"
    FIRST = "first", "First name only"
    INITIALS = "initials", "Initials only"
    ANONYMOUS = "anonymous", "Not named"


class Reward(models.TextChoices):
    """How an expert by experience is thanked for their time."""

    PAYMENT = "payment", "Payment"
    VOUCHER = "voucher", "Vouchers"
    NONE = "none", "Neither (they prefer to volunteer)"


class Expert(models.Model):
    """Someone with lived experience who takes part in the work. Kept apart from Person records:
    linked to one only when they choose to (``person``, with the date they chose)."""

    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    naming = models.CharField(max_length=10, choices=Naming.choices, default=Naming.FIRST)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation that supports and pays them.",
    )
    consent_on = models.DateField(help_text="When they agreed to these details being kept.")
    consent_note = models.TextField(blank=True)
    reward = models.CharField(max_length=8, choices=Reward.choices, default=Reward.PAYMENT)
    person = models.OneToOneField(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Only when they choose to link their involvement to their own care record.",
    )
    linked_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["family_name", "given_name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=True) | Q(linked_on__isnull=False),
                name="expert_link_is_chosen",
            )
        ]

    def __str__(self) -> str:
        return self.shown_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def shown_name(self) -> str:
        """The name to use where others will read it, as they asked to be named."""
        if self.naming == Naming.FULL:
            return self.full_name
        if self.naming == Naming.FIRST:
            return self.given_name
        if self.naming == Naming.INITIALS:
            return f"{self.given_name[:1]}{self.family_name[:1]}".upper()
        return "An expert by experience"


class RoleKind(models.TextChoices):
    STRATEGIC = "strategic", "Strategic group member"
    RECRUITMENT = "recruitment", "Recruitment panel member"
    CO_TRAINER = "co_trainer", "Co-trainer"
    PEER_RESEARCHER = "peer_researcher", "Peer researcher"
    SERVICE_DESIGN = "service_design", "Service design"


class ExpertRole(models.Model):
    """A role an expert by experience holds, for a team or an organisation (or the place)."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="roles")
    kind = models.CharField(max_length=16, choices=RoleKind.choices)
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["expert", "-started_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="expert_role_ends_after_it_starts",
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class InvolvementRate(models.Model):
    """What an organisation pays (or gives in vouchers) per hour for a kind of involvement, from a
    date. The rate in force on the day of an involvement is the one owed."""

    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=RoleKind.choices)
    hourly = models.DecimalField(
        max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    valid_from = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation", "kind", "-valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "kind", "valid_from"],
                name="one_rate_per_kind_and_day",
                violation_error_message="This organisation already has a rate for this kind "
                "of involvement from that date.",
            ),
            models.CheckConstraint(condition=Q(hourly__gte=0), name="rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"£{self.hourly}/hour for {self.get_kind_display()} from {self.valid_from}"


class Involvement(models.Model):
    """One piece of work an expert by experience took part in: when, how long, what was decided
    and what changed because of it ('you said, we did'), and what is owed for it."""

    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="involvements")
    kind = models.CharField(max_length=16, choices=RoleKind.choices)
    on = models.DateField()
    hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal("12"))],
    )
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation the work was for, which owes the payment.",
    )
    what = models.TextField(help_text="What the work was.")
    decided = models.TextField(blank=True, help_text="What was decided.")
    changed = models.TextField(
        blank=True, help_text="What changed because of it: 'you said, we did'."
    )
    changed_on = models.DateField(null=True, blank=True)
    reward = models.CharField(max_length=8, choices=Reward.choices)
    hourly = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    owed = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    paid_on = models.DateField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0) & Q(hours__lte=12), name="involvement_hours_in_a_day"
            ),
            models.CheckConstraint(condition=~Q(what=""), name="involvement_says_what"),
            models.CheckConstraint(condition=Q(owed__gte=0), name="involvement_owed_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True) | Q(paid_by__isnull=False),
                name="involvement_paid_by_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"Involvement {self.pk}"
