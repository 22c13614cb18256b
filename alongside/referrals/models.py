"""Referrals: a request for help, from the person themself or from anyone who works with them,
and the triage that gives every one a named next step.

A referral is a state machine. Its state changes only through the named transitions in
``services.py`` (the table of which transitions leave which state is ``TRANSITIONS`` there), each
of which writes a ``Transition`` row saying who, when and why. Every way out of triage other than
acceptance names somewhere for the person to go — a ``Handover`` to a directory service or a team —
with a follow-up date to check that the person connected. A referral that ends with no named next
step is a *bounce*, and ``queries.bounces`` reports every one.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from alongside.people.models import EARLIEST_BIRTH_DATE


class Source(models.TextChoices):
    """Who made the referral, with the MHSDS SourceOfReferralMH code it exports as."""

    SELF = "self", "Self-referral"
    GP = "gp", "GP practice"
    VCSE = "vcse", "Voluntary, community or social enterprise partner"
    SOCIAL_CARE = "social_care", "Adult social care"
    SECONDARY_CARE = "secondary_care", "NHS mental health trust"
    OTHER = "other", "Other"


# SourceOfReferralMH (NHS Data Dictionary 'SOURCE OF REFERRAL FOR MENTAL HEALTH'): B1 self,
# A1 general medical practitioner, G4 voluntary sector, C1 social services, P1 internal referral
# within the provider. 'Other' has no single code and is exported as reported by the referrer.
MHSDS_SOURCE_CODES: dict[str, str] = {
    Source.SELF: "B1",
    Source.GP: "A1",
    Source.VCSE: "G4",
    Source.SOCIAL_CARE: "C1",
    Source.SECONDARY_CARE: "P1",
}


class ReasonForReferral(models.TextChoices):
    """MHSDS PrimReasonReferralMH: the main reason the person is referred, in NHS England's
    reference list (``menh_bbrb/schemas/00_create_common_objects/01_create_common_tables.py``,
    ``ref_reason_desc``, the codes valid from April 2021; 31 from April 2024). The children's,
    perinatal partner and learning disability codes are left out: Alongside serves adults."""

    FIRST_EPISODE_PSYCHOSIS = "01", "(Suspected) first episode psychosis"
    PSYCHOSIS = "02", "Ongoing or recurrent psychosis"
    BIPOLAR = "03", "Bipolar disorder"
    DEPRESSION = "04", "Depression"
    ANXIETY = "05", "Anxiety"
    OCD = "06", "Obsessive compulsive disorder"
    PHOBIAS = "07", "Phobias"
    ORGANIC_BRAIN = "08", "Organic brain disorder"
    DRUG_ALCOHOL = "09", "Drug and alcohol difficulties"
    UNEXPLAINED_SYMPTOMS = "10", "Unexplained physical symptoms"
    PTSD = "11", "Post-traumatic stress disorder"
    EATING = "12", "Eating disorders"
    PERINATAL = "13", "Perinatal mental health issues"
    PERSONALITY = "14", "Personality disorders"
    SELF_HARM = "15", "Self harm behaviours"
    IN_CRISIS = "18", "In crisis"
    RELATIONSHIPS = "19", "Relationship difficulties"
    GENDER_DISCOMFORT = "20", "Gender discomfort issues"
    SELF_CARE = "22", "Self-care issues"
    HEALTH_ADJUSTMENT = "23", "Adjustment to health issues"
    NEURODEVELOPMENTAL = "24", "Neurodevelopmental conditions, excluding autism"
    SUSPECTED_AUTISM = "25", "Suspected autism"
    DIAGNOSED_AUTISM = "26", "Diagnosed autism"
    GAMBLING = "28", "Gambling disorder"
    EMPLOYMENT = "31", "Employment support"


class Urgency(models.TextChoices):
    """How soon the referral needs a response. What each promises is set per site
    (``settings.ALONGSIDE_RESPONSE_TIMES``; see ``response_time``)."""

    ROUTINE = "routine", "Routine"
    URGENT = "urgent", "Urgent"
    EMERGENCY = "emergency", "Emergency"


#: Worklists show the most urgent first.
URGENCY_ORDER = (Urgency.EMERGENCY, Urgency.URGENT, Urgency.ROUTINE)


def response_time(urgency: str) -> dt.timedelta:
    """How soon this site promises a triage decision for a referral of this urgency."""
    times = getattr(settings, "ALONGSIDE_RESPONSE_TIMES", {})
    return times.get(urgency) or DEFAULT_RESPONSE_TIMES[urgency]


DEFAULT_RESPONSE_TIMES: dict[str, dt.timedelta] = {
    Urgency.EMERGENCY: dt.timedelta(hours=4),
    Urgency.URGENT: dt.timedelta(hours=24),
    Urgency.ROUTINE: dt.timedelta(days=28),
}


def describe_response_time(urgency: str) -> str:
    """'within 24 hours', 'within 4 weeks': what the site promises, in words."""
    span = response_time(urgency)
    hours = int(span.total_seconds() // 3600)
    if hours < 48:
        return f"within {hours} hour{'s' if hours != 1 else ''}"
    days = span.days
    if days % 7 == 0:
        weeks = days // 7
        return f"within {weeks} week{'s' if weeks != 1 else ''}"
    return f"within {days} days"


class RiskAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


class State(models.TextChoices):
    RECEIVED = "received", "Received"
    IN_TRIAGE = "in_triage", "In triage"
    FOR_MEETING = "for_meeting", "For the locality meeting"
    ACCEPTED = "accepted", "Accepted"
    SIGNPOSTED = "signposted", "Signposted with a warm handover"
    DECLINED = "declined", "Declined with an alternative offered"
    CLOSED = "closed", "Closed"


# States in which the referral waits for a triage decision (the waiting-triage list).
AWAITING_DECISION = (State.RECEIVED, State.IN_TRIAGE, State.FOR_MEETING)


class RejectionReason(models.TextChoices):
    """MHSDS ReferRejectReason."""

    DUPLICATE = "01", "Duplicate referral"
    ALTERNATIVE_SERVICE = "02", "Alternative service required"
    INCOMPLETE = "03", "Incomplete referral"


class ClosureReason(models.TextChoices):
    """MHSDS ReferClosReason."""

    ADMITTED = "01", "Admitted as an inpatient"
    TREATMENT_COMPLETE = "02", "Treatment complete"
    MOVED = "03", "Person moved out of the area"
    NOT_APPROPRIATE = "04", "Further treatment not appropriate"
    DID_NOT_ATTEND = "05", "Did not attend"
    PERSON_REQUESTED = "07", "Person asked for the referral to be closed"
    REFERRED_ON = "08", "Referred to another service"
    REFUSED = "09", "Person refused to be seen"


# Closures that the person leads; the only ones allowed before a triage decision.
PERSON_LED_CLOSURES = (ClosureReason.MOVED, ClosureReason.PERSON_REQUESTED, ClosureReason.REFUSED)


class ContactMethod(models.TextChoices):
    PHONE = "phone", "Phone call"
    TEXT = "text", "Text message"
    EMAIL = "email", "Email"
    LETTER = "letter", "Letter"


class ReferralQuerySet(models.QuerySet):
    def awaiting_decision(self) -> ReferralQuerySet:
        return self.filter(state__in=AWAITING_DECISION)


@pghistory.track()
class Referral(models.Model):
    """One request for help. The person's details are kept as given until triage links the
    referral to a ``Person`` record (matching a known person, or registering a new one)."""

    reference = models.CharField(max_length=12, unique=True, editable=False)
    source = models.CharField(max_length=20, choices=Source.choices)
    referring_organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_made",
        help_text="The member of staff who made the referral; empty for a self-referral.",
    )
    received_at = models.DateTimeField(default=timezone.now)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    urgency_reason = models.TextField(
        blank=True, help_text="Why the referral is urgent or an emergency, as recorded."
    )
    due_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a triage decision is due: received (or the urgency changed) plus the "
        "response time the site promises for its urgency.",
    )
    escalated_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the referral passed its due time undecided and went to the team lead "
        "and the duty worker.",
    )
    reason_for_referral = models.CharField(
        max_length=2,
        choices=ReasonForReferral.choices,
        blank=True,
        help_text="The main reason for referral (MHSDS PrimReasonReferralMH); empty until known.",
    )

    # Who the referral is about, as given.
    person = models.ForeignKey(
        "people.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    nhs_number = models.CharField("NHS number", max_length=10, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    contact_methods = ArrayField(
        models.CharField(max_length=10, choices=ContactMethod.choices), default=list, blank=True
    )
    may_leave_message = models.BooleanField(default=False)
    contact_safety = models.TextField(
        blank=True, help_text="When and how not to make contact, in the person's words."
    )
    consent_to_contact = models.BooleanField(default=False)
    gp_practice = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "gp_practice"},
    )
    gp_practice_name = models.CharField(
        max_length=200, blank=True, help_text="As given, when not found in the list of practices."
    )
    preferred_language = models.CharField(max_length=60, blank=True)
    interpreter_needed = models.BooleanField(default=False)
    communication_needs = models.TextField(blank=True)
    access_needs = models.TextField(blank=True)

    # What is going on.
    concerns = models.TextField(help_text="What is going on, in the referrer's words.")
    what_would_help = models.TextField(blank=True)
    needs = models.ManyToManyField("directory.TaxonomyTerm", related_name="+", blank=True)
    person_knows = models.TextField(
        blank=True, help_text="What the person already knows about this referral and agreed to."
    )
    person_agreed = models.BooleanField(
        default=False, help_text="The person agreed to being referred."
    )
    # The self-referral's question about risk, as answered (empty: not asked, or skipped).
    self_harm_thoughts = models.CharField(
        max_length=8,
        choices=RiskAnswer.choices,
        blank=True,
        help_text="Thoughts of self-harm or of ending their life, as the person answered.",
    )
    safe_now = models.CharField(
        "Safe now",
        max_length=8,
        choices=RiskAnswer.choices,
        blank=True,
        help_text="Whether they are safe now, as the person answered.",
    )

    # Where it is held, and what became of it.
    locality = models.ForeignKey(
        "organisations.Locality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    team = models.ForeignKey(
        "organisations.Team",
        on_delete=models.PROTECT,
        related_name="referrals",
        help_text="The team holding the referral: it owns it until there is a named next step.",
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    version = models.PositiveIntegerField(default=1)
    accepted_team = models.ForeignKey(
        "organisations.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="accepted_referrals",
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=2, choices=RejectionReason.choices, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closure_reason = models.CharField(max_length=2, choices=ClosureReason.choices, blank=True)
    onward_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="onward_referrals",
        help_text="The referral whose warm handover to a team made this one.",
    )
    # First and second attended direct contacts (the waiting-time clock stops at the second);
    # kept up to date by the care app's contact services.
    first_contact_at = models.DateTimeField(null=True, blank=True)
    second_contact_at = models.DateTimeField(null=True, blank=True)
    submission_key = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The self-referral form's one-time key: a resubmission finds this referral.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        ordering = ["received_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=State.values), name="referral_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(source__in=Source.values), name="referral_source_valid"
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=Urgency.values), name="referral_urgency_valid"
            ),
            models.CheckConstraint(
                condition=Q(reason_for_referral="")
                | Q(reason_for_referral__in=ReasonForReferral.values),
                name="referral_reason_valid",
            ),
            models.CheckConstraint(
                condition=Q(date_of_birth__gte=EARLIEST_BIRTH_DATE),
                name="referral_date_of_birth_plausible",
            ),
            models.CheckConstraint(
                condition=Q(nhs_number="") | Q(nhs_number__regex=r"^\d{10}$"),
                name="referral_nhs_number_ten_digits",
            ),
            models.CheckConstraint(
                condition=~Q(source=Source.SELF) | Q(consent_to_contact=True),
                name="referral_self_consents_to_contact",
            ),
            models.CheckConstraint(
                condition=Q(source=Source.SELF) | Q(referred_by__isnull=False),
                name="referral_professional_has_referrer",
            ),
            # Leaving triage needs to know who the person is.
            models.CheckConstraint(
                condition=Q(state__in=[State.RECEIVED, State.IN_TRIAGE])
                | Q(person__isnull=False)
                | Q(state=State.CLOSED),
                name="referral_decided_has_person",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.ACCEPTED) | Q(accepted_team__isnull=False),
                name="referral_accepted_has_team",
            ),
            models.CheckConstraint(
                condition=Q(rejected_at__isnull=True, rejection_reason="")
                | Q(rejected_at__isnull=False) & ~Q(rejection_reason=""),
                name="referral_rejection_complete",
            ),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True, closure_reason="")
                | Q(closed_at__isnull=False) & ~Q(closure_reason=""),
                name="referral_closure_complete",
            ),
            models.CheckConstraint(
                condition=~Q(state=State.CLOSED) | Q(closed_at__isnull=False),
                name="referral_closed_has_date",
            ),
            models.CheckConstraint(
                condition=Q(second_contact_at__isnull=True)
                | Q(first_contact_at__isnull=False, second_contact_at__gte=F("first_contact_at")),
                name="referral_contacts_in_order",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "team", "received_at"], name="referral_worklist_idx"),
            models.Index(fields=["locality", "state"], name="referral_locality_state_idx"),
            models.Index(fields=["family_name", "date_of_birth"], name="referral_name_dob_idx"),
            models.Index(fields=["nhs_number"], name="referral_nhs_number_idx"),
            models.Index(
                fields=["due_at"],
                condition=Q(state__in=AWAITING_DECISION, escalated_at__isnull=True),
                name="referral_due_undecided_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral {self.reference}"

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def mhsds_source(self) -> str | None:
        return MHSDS_SOURCE_CODES.get(self.source)

    @property
    def is_urgent(self) -> bool:
        """Urgent or an emergency: tagged on every worklist."""
        return self.urgency in (Urgency.URGENT, Urgency.EMERGENCY)


class Transition(models.Model):
    """One change of a referral's state: who, when and why. Written by the services only."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="transitions")
    name = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12, choices=State.choices)
    to_state = models.CharField(max_length=12, choices=State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the person's own self-referral.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)
    code = models.CharField(
        max_length=2, blank=True, help_text="The MHSDS rejection or closure reason, if any."
    )

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["referral", "at"], name="transition_referral_at_idx")]

    def __str__(self) -> str:
        return f"{self.name}: {self.from_state} → {self.to_state}"


class HandoverKind(models.TextChoices):
    SIGNPOST = "signpost", "Signposted with a warm handover"
    ALTERNATIVE = "alternative", "Alternative offered when declining"
    CLOSURE = "closure", "Alternative offered at closure"


class FollowUpOutcome(models.TextChoices):
    CONNECTED = "connected", "The person is in touch with them"
    NOT_CONNECTED = "not_connected", "Not connected: find another next step"
    NOT_WANTED = "not_wanted", "The person did not want this"
    NO_REPLY = "no_reply", "Could not reach the person after trying"


class Handover(models.Model):
    """A named next step outside acceptance: where the person was passed to, what was passed on,
    and when someone checks that they connected."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="handovers")
    kind = models.CharField(max_length=12, choices=HandoverKind.choices)
    service = models.ForeignKey(
        "directory.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    team = models.ForeignKey(
        "organisations.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    passed_on = models.TextField(help_text="What was passed on, and how.")
    told_person = models.TextField(blank=True, help_text="What the person was told.")
    follow_up_on = models.DateField()
    onward_referral = models.OneToOneField(
        Referral, null=True, blank=True, on_delete=models.PROTECT, related_name="handed_over_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=16, choices=FollowUpOutcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)
    outcome_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(service__isnull=False, team__isnull=True)
                | Q(service__isnull=True, team__isnull=False),
                name="handover_names_one_place",
                violation_error_message="Name one service or one team.",
            ),
            models.CheckConstraint(
                condition=Q(outcome="", outcome_at__isnull=True, outcome_by__isnull=True)
                | ~Q(outcome="") & Q(outcome_at__isnull=False, outcome_by__isnull=False),
                name="handover_outcome_complete",
            ),
        ]
        indexes = [
            models.Index(
                fields=["follow_up_on"],
                condition=Q(outcome=""),
                name="handover_follow_up_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Handover {self.pk}"

    @property
    def is_open(self) -> bool:
        return not self.outcome


class SelfReferralAttempt(models.Model):
    """One self-referral submission from an address, kept briefly for the rate limit. The address
    is stored only as a keyed hash."""

    address_hash = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["address_hash", "at"], name="selfref_attempt_idx")]

    def __str__(self) -> str:
        return f"Self-referral attempt {self.pk}"
