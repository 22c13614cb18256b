"""Key working: the episode of care an accepted referral opens, who is allocated to it, and the
contacts with the person.

An episode is opened only by accepting a referral (``referrals.services.accept_referral`` calls
``services.open_episode_from_referral`` in the same transaction), so every episode has the referral
that started the person's waiting-time clock.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class EpisodeQuerySet(models.QuerySet):
    def open(self) -> EpisodeQuerySet:
        return self.filter(ended_at__isnull=True)


class Intensity(models.TextChoices):
    """How much support the person has now: it steps up and down with need."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


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
    discharge_reason = models.CharField(
        max_length=2, blank=True, help_text="The MHSDS ReferClosReason the referral closes with."
    )
    intensity = models.CharField(
        max_length=6,
        choices=Intensity.choices,
        default=Intensity.MEDIUM,
        help_text="The current intensity; its history is in IntensityChange.",
    )
    discharge_summary = models.TextField(
        blank=True, help_text="For the person and their GP, in plain English."
    )
    discharged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

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
            models.CheckConstraint(
                condition=Q(intensity__in=Intensity.values), name="episode_intensity_valid"
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


class IntensityChange(models.Model):
    """One step up or down (or the starting intensity), dated, with the reason."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="intensity_changes")
    intensity = models.CharField(max_length=6, choices=Intensity.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(intensity__in=Intensity.values), name="intensity_change_valid"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="intensity_change_has_reason"),
        ]

    def __str__(self) -> str:
        return f"Intensity change {self.pk}"


class CareTeamMember(models.Model):
    """A practitioner from any organisation in the person's care team, with their role in it.
    The key worker is the current ``Allocation``; the care team is everyone else around them."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="care_team")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="care_team_places"
    )
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The team (and so the organisation) they take part for.",
    )
    role = models.CharField(max_length=120, help_text="For example: psychiatrist, Care Partner.")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["started_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["episode", "user"],
                condition=Q(ended_at__isnull=True),
                name="care_team_member_once",
                violation_error_message="This person is already in the care team.",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="care_team_dates_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"Care team member {self.pk}"


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


class TimeOfDay(models.TextChoices):
    """When in the day a contact starts, for the person's stated preferences."""

    MORNING = "morning", "Mornings (before 12 noon)"
    AFTERNOON = "afternoon", "Afternoons (12 noon to 5pm)"
    EVENING = "evening", "Evenings (from 5pm)"


def time_of_day(hour: int) -> str:
    """The :class:`TimeOfDay` an hour (0–23, local time) falls in."""
    if hour < 12:
        return TimeOfDay.MORNING
    return TimeOfDay.AFTERNOON if hour < 17 else TimeOfDay.EVENING


class Kind(models.TextChoices):
    ASSESSMENT = "assessment", "Assessment"
    COACHING = "coaching", "Coaching session"
    REVIEW = "review", "Review"
    PEER_SUPPORT = "peer_support", "Peer support"
    GROUP = "group", "Group"
    OTHER = "other", "Other"


# Broad SNOMED CT procedure concepts for each kind of contact, so that assessments and
# interventions can be counted and exported (MHS202CareActivity). A deployment may refine them
# with more specific concepts from its terminology server.
SNOMED_PROCEDURES: dict[str, tuple[str, str]] = {
    Kind.ASSESSMENT: ("386053000", "Evaluation procedure"),
    Kind.COACHING: ("409063005", "Counselling"),
    Kind.REVIEW: ("386053000", "Evaluation procedure"),
    Kind.PEER_SUPPORT: ("410606002", "Social service procedure"),
    Kind.GROUP: ("76168009", "Group psychotherapy"),
    Kind.OTHER: ("24642003", "Psychiatry procedure or service"),
}
ASSESSMENT_KINDS = (Kind.ASSESSMENT,)
INTERVENTION_KINDS = (Kind.COACHING, Kind.PEER_SUPPORT, Kind.GROUP)


class NoteSharing(models.TextChoices):
    """Who may read a contact's note."""

    CARE_TEAM = "care_team", "The person's care team"
    ORGANISATION = "organisation", "My organisation only"
    PERSON = "person", "The care team and the person"


class Outcome(models.TextChoices):
    """What happened, with its MHSDS AttendStatus code."""

    PLANNED = "", "Planned"
    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "did_not_attend", "Did not attend"
    CANCELLED_BY_PERSON = "cancelled_by_person", "Cancelled by the person"
    CANCELLED_BY_SERVICE = "cancelled_by_service", "Cancelled by the service"


MHSDS_ATTEND_CODES: dict[str, str] = {
    Outcome.ATTENDED: "5",
    Outcome.DID_NOT_ATTEND: "3",  # did not attend, no advance warning (7 is arrived late)
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
    note = models.TextField(blank=True)
    others_present = models.BooleanField(
        "family, a carer or a friend joined",
        default=False,
        help_text="Someone the person chose to bring took part in the contact.",
    )
    note_sharing = models.CharField(
        max_length=12, choices=NoteSharing.choices, default=NoteSharing.CARE_TEAM
    )
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

    @property
    def is_planned(self) -> bool:
        return self.outcome == Outcome.PLANNED

    @property
    def snomed_procedure(self) -> tuple[str, str]:
        return SNOMED_PROCEDURES[self.kind]


class AgreementMethod(models.TextChoices):
    SPOKEN = "spoken", "Agreed in conversation"
    WRITTEN = "written", "Agreed in writing"
    PORTAL = "portal", "Agreed in the person's own portal"


class Authorship(models.TextChoices):
    """Who wrote a plan section or worded a goal: the co-production signal in a person's care."""

    PERSON = "person", "The person, in their own words"
    TOGETHER = "together", "The person and their key worker together"
    PRACTITIONER = "practitioner", "The key worker or care team"


#: Authorship that counts as written by or with the person.
WITH_THE_PERSON = (Authorship.PERSON, Authorship.TOGETHER)


class CarePlan(models.Model):
    """The person's care and support plan for an episode. Its content lives in versions; the plan
    row only says which version is current (and is locked while a new one is written)."""

    episode = models.OneToOneField(Episode, on_delete=models.CASCADE, related_name="plan")
    current_version = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Care plan {self.pk}"


class CarePlanVersion(models.Model):
    """One version of the plan, in the sections of the PRSB Community Mental Health Personalised
    Care and Support Plan standard. Never edited: a change is a new version."""

    plan = models.ForeignKey(CarePlan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    about_me = models.TextField("About me and what matters to me", blank=True)
    shared_understanding = models.TextField(
        "Our shared understanding", blank=True, help_text="The formulation, in plain words."
    )
    strengths = models.TextField("My strengths and what helps", blank=True)
    goals = models.JSONField(
        default=list, blank=True, help_text="The goals at this version: [{id, text}]."
    )
    actions = models.JSONField(
        default=list,
        blank=True,
        help_text="Who does what: [{who, what, service_id?}]; who is 'me', 'key worker', or a "
        "named partner or directory service.",
    )
    warning_signs = models.TextField("My warning signs", blank=True)
    what_i_can_do = models.TextField("What I can do", blank=True)
    who_i_can_contact = models.TextField("Who I can contact", blank=True)
    safer_surroundings = models.TextField("Making my surroundings safer", blank=True)
    crisis_numbers = models.TextField("Crisis numbers", blank=True)
    review_on = models.DateField(null=True, blank=True)
    authorship = models.JSONField(
        default=dict,
        blank=True,
        help_text="Who wrote each section at this version: {section field: Authorship}.",
    )
    person_present = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether the person took part in writing or reviewing this version (blank "
        "when not recorded).",
    )
    change_note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    agreed_on = models.DateField(null=True, blank=True)
    agreement_method = models.CharField(max_length=10, choices=AgreementMethod.choices, blank=True)
    agreement_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="plan_version_from_one"),
            models.CheckConstraint(
                condition=Q(agreed_on__isnull=True, agreement_method="")
                | Q(agreed_on__isnull=False) & ~Q(agreement_method=""),
                name="plan_version_agreement_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Care plan {self.plan_id} version {self.number}"


class Goal(models.Model):
    """A goal in the person's own words; rated over time with Goal Based Outcomes (0–10)."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="goals")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_because = models.CharField(max_length=200, blank=True)
    worded_by = models.CharField(
        max_length=12,
        choices=Authorship.choices,
        blank=True,
        help_text="Whose words the goal is in (blank when not recorded).",
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="goal_has_words")]

    def __str__(self) -> str:
        return f"Goal {self.pk}"


class RatedBy(models.TextChoices):
    WITH_WORKER = "with_worker", "With the key worker"
    PERSON = "person", "By the person in their portal"


class GoalRating(models.Model):
    """How close am I to my goal? 0 (not at all) to 10 (reached it)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="ratings")
    score = models.PositiveSmallIntegerField()
    rated_at = models.DateTimeField(default=timezone.now)
    rated_by = models.CharField(max_length=12, choices=RatedBy.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["rated_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10),
                name="goal_rating_0_to_10",
                violation_error_message="A goal rating is from 0 to 10.",
            )
        ]

    def __str__(self) -> str:
        return f"Goal rating {self.pk}"


class ContactPreferences(models.Model):
    """How the person wants to be in touch: the modes and times that suit them and whether family,
    a carer or a friend may join. Stated by the person (in the portal or with their key worker);
    an empty list means no preference. Contacts are checked against it
    (:meth:`honoured_by`) as a co-production signal."""

    person = models.OneToOneField(
        "people.Person", on_delete=models.CASCADE, related_name="contact_preferences"
    )
    modes = ArrayField(
        models.CharField(max_length=16, choices=Mode.choices), default=list, blank=True
    )
    times = ArrayField(
        models.CharField(max_length=10, choices=TimeOfDay.choices), default=list, blank=True
    )
    others_may_join = models.BooleanField(
        null=True,
        blank=True,
        help_text="Whether family, a carer or a friend may join contacts (blank: not said).",
    )
    who_may_be_involved = models.TextField(
        blank=True, help_text="Who the person wants involved in their care, in their words."
    )
    stated_in_portal = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "contact preferences"

    def __str__(self) -> str:
        return f"Contact preferences of person {self.person_id}"

    @property
    def stated(self) -> bool:
        return bool(self.modes or self.times or self.others_may_join is not None)

    def honoured_by(self, contact: Contact) -> bool:
        """Whether a contact kept to every preference stated (its mode, the time it started, and
        nobody else joining when the person said no)."""
        if self.modes and contact.mode not in self.modes:
            return False
        if self.times and time_of_day(timezone.localtime(contact.starts_at).hour) not in self.times:
            return False
        return not (self.others_may_join is False and contact.others_present)


class PlanNote(models.Model):
    """Something the person wrote in their portal for the next conversation about their plan."""

    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, related_name="person_notes")
    text = models.TextField()
    urgent = models.BooleanField(
        default=False, help_text="The person marked it urgent: it raises a risk flag."
    )
    written_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-written_at", "-id"]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="plan_note_has_words")]

    def __str__(self) -> str:
        return f"Plan note {self.pk}"


class RiskSource(models.TextChoices):
    MEASURE = "measure", "An answer on an outcome measure"
    PORTAL_NOTE = "portal_note", "A note the person marked urgent"
    PRACTITIONER = "practitioner", "Raised by the care team"


class RiskFlag(models.Model):
    """Something that says a person may be at risk, which a person must act on: a self-harm
    answer on a measure, a portal note the person marked urgent, or a flag raised by anyone in
    the care team. It shows on the key worker's home page and caseload until a practitioner
    records what was done; unacted after ``settings.ALONGSIDE_RISK_ACTION_TIME`` it is escalated
    to the lead team's duty worker and team lead. Written only by ``care.services``."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="risk_flags")
    source = models.CharField(max_length=16, choices=RiskSource.choices)
    #: The response or note it came from (an id in the source's table), so it is raised once.
    source_id = models.PositiveBigIntegerField(null=True, blank=True)
    said = models.TextField(help_text="What was said, as it was said or answered.")
    raised_at = models.DateTimeField(default=timezone.now)
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the person's own answer or note raised it.",
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    acted_at = models.DateTimeField(null=True, blank=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.TextField(blank=True, help_text="What was done, by the practitioner.")

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=RiskSource.values), name="risk_flag_source_valid"
            ),
            models.CheckConstraint(condition=~Q(said=""), name="risk_flag_says_what"),
            models.CheckConstraint(
                condition=Q(acted_at__isnull=True, acted_by__isnull=True, action="")
                | Q(acted_at__isnull=False, acted_by__isnull=False) & ~Q(action=""),
                name="risk_flag_action_complete",
            ),
            models.CheckConstraint(
                condition=~Q(source="practitioner") | Q(raised_by__isnull=False),
                name="risk_flag_practitioner_named",
            ),
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=Q(source_id__isnull=False),
                name="risk_flag_once_per_source",
            ),
        ]
        indexes = [
            models.Index(
                fields=["episode"], condition=Q(acted_at__isnull=True), name="risk_flag_open_idx"
            )
        ]

    def __str__(self) -> str:
        return f"Risk flag {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.acted_at is None
