"""Consent, break-glass and the audit of every look at a person's record.

The access policy itself is in ``policy.py``; the one call views make is in ``access.py``.
"""

from __future__ import annotations

import datetime as dt

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Now
from django.utils import timezone


class Part(models.TextChoices):
    """The parts of a person's record, each with its own sharing level."""

    DETAILS = "details", "Name, date of birth and contact details"
    REFERRALS = "referrals", "Referrals and triage decisions"
    PLAN = "plan", "Care and support plan and goals"
    CONTACTS = "contacts", "Contacts and appointments"
    CLINICAL_NOTES = "clinical_notes", "Clinical notes"
    OUTCOMES = "outcomes", "Questionnaires and outcome measures"
    SHARING = "sharing", "Consent and sharing choices"
    AUDIT = "audit", "Who has looked at the record"


# What a person can agree to share with an organisation (their own audit is theirs alone).
SHAREABLE_PARTS = [p for p in Part if p not in {Part.AUDIT, Part.SHARING}]


class Action(models.TextChoices):
    VIEW = "view", "Viewed"
    CHANGE = "change", "Changed"
    EXPORT = "export", "Exported"


class Basis(models.TextChoices):
    """Why someone may see a person's record. ``NONE`` marks a refused request."""

    SELF = "self", "The person themself"
    CARE_TEAM = "care_team", "Member of the person's care team"
    OPEN_REFERRAL = "open_referral", "Team holding an open referral"
    CONSENT = "consent", "The person agreed to share with this organisation"
    MEETING = "meeting", "Locality meeting with the person on its agenda"
    SUPERVISION = "supervision", "Supervisor of a practitioner with the person on their caseload"
    BREAK_GLASS = "break_glass", "Break-glass access, with a reason"
    PRIVACY_REVIEW = "privacy_review", "Privacy lead reviewing access"
    NONE = "none", "No basis: refused"


class ConsentMethod(models.TextChoices):
    SPOKEN = "spoken", "Spoken (in person or by phone)"
    WRITTEN = "written", "Written"
    PORTAL = "portal", "In the person's own portal"


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on: dt.date | None = None) -> ConsentQuerySet:
        """Consents not withdrawn and within their dates on the given day (default today)."""
        day = on or timezone.localdate()
        return self.filter(withdrawn_at__isnull=True, starts_on__lte=day).filter(
            models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=day)
        )


@pghistory.track()
class Consent(models.Model):
    """What a person agreed to share with one organisation, from when to when.

    A change of mind is a withdrawal (which takes effect at once) and, if wanted, a new consent;
    nothing is overwritten, and the database keeps the history of every row as well.
    """

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="consents")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="consents"
    )
    parts = ArrayField(models.CharField(max_length=20, choices=Part.choices))
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=ConsentMethod.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawal_method = models.CharField(max_length=10, choices=ConsentMethod.choices, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organisation"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_open_per_organisation",
                violation_error_message=(
                    "The person already has a consent with this organisation: withdraw it first."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="consent_dates_in_order",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                    & models.Q(withdrawal_method="")
                )
                | (
                    models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False)
                    & ~models.Q(withdrawal_method="")
                ),
                name="consent_withdrawal_complete",
            ),
            models.CheckConstraint(condition=~models.Q(parts=[]), name="consent_shares_something"),
        ]
        indexes = [models.Index(fields=["organisation", "person"], name="consent_org_person_idx")]

    def __str__(self) -> str:
        return f"Consent {self.pk}"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    def part_labels(self) -> list[str]:
        return [Part(p).label for p in self.parts]


class BreakGlassQuerySet(models.QuerySet):
    def in_force(self, at: dt.datetime | None = None) -> BreakGlassQuerySet:
        moment = at or timezone.now()
        return self.filter(opened_at__lte=moment, expires_at__gt=moment)

    def awaiting_review(self) -> BreakGlassQuerySet:
        return self.filter(reviewed_at__isnull=True)


class ReviewOutcome(models.TextChoices):
    APPROPRIATE = "appropriate", "Appropriate"
    INAPPROPRIATE = "inappropriate", "Not appropriate: followed up"


@pghistory.track()
class BreakGlass(models.Model):
    """Access to a record without a basis, opened with a reason, time-limited and reviewed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="break_glass"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="break_glass"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="break_glass",
        help_text=(
            "The organisation the user acted for: its privacy lead reviews the access (the "
            "place's privacy lead when it has none)."
        ),
    )
    reason = models.TextField()
    opened_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = "break-glass access"
        verbose_name_plural = "break-glass accesses"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("opened_at")),
                name="break_glass_expires_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, review_outcome="")
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False)
                & ~models.Q(review_outcome=""),
                name="break_glass_review_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"Break-glass {self.pk}"


class AccessEvent(models.Model):
    """One look at, or change to, a person's record — or a refused attempt.

    Append-only: the database refuses UPDATE, DELETE and TRUNCATE on this table with triggers, and
    the table is partitioned by month (see the migration and ``audit.ensure_partitions``). The
    foreign keys are not enforced by the database so that audit rows outlive what they describe.
    """

    id = models.BigAutoField(primary_key=True)
    # Set by the database, whatever is sent (migration 0003): the insert leaves it to the
    # column's default and reads it back.
    occurred_at = models.DateTimeField(db_default=Now())
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    person = models.ForeignKey(
        "people.Person",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="access_events",
    )
    part = models.CharField(max_length=20, choices=Part.choices)
    action = models.CharField(max_length=10, choices=Action.choices)
    basis = models.CharField(max_length=20, choices=Basis.choices)
    allowed = models.BooleanField()
    route = models.CharField(max_length=120, help_text="The page, endpoint or command used.")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # The access rested on a relationship the user made for themselves (a ``ClaimedRelationship``
    # not yet found appropriate): shown as such to the person and reviewed by the privacy lead.
    self_claimed = models.BooleanField(default=False, db_default=False)

    class Meta:
        # The table, its partitions, indexes and triggers are made by hand in migration 0001:
        # Django's schema editor cannot create a partitioned table. Unmanaged also keeps the
        # test runner's flush (TRUNCATE) away from it.
        managed = False
        db_table = "sharing_accessevent"
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"Access event {self.pk}"


class ClaimedRelationshipQuerySet(models.QuerySet):
    def standing(self) -> ClaimedRelationshipQuerySet:
        """Claims that still mark access: not reviewed, or found not appropriate (the mark
        stays until the follow-up ends the relationship)."""
        return self.exclude(review_outcome=ReviewOutcome.APPROPRIATE)

    def awaiting_review(self) -> ClaimedRelationshipQuerySet:
        return self.filter(reviewed_at__isnull=True)


@pghistory.track()
class ClaimedRelationship(models.Model):
    """A relationship with a person's record that a member of staff made for themselves.

    Recorded when the maker of a referral matched it, on its identify page, to a record that
    already existed: nobody but them vouches that the referral is about that person. Access
    resting on it is marked ``self_claimed`` in the audit until the privacy lead of the holding
    team's organisation (or the place's) finds it appropriate. The referral is named by id and
    reference rather than a foreign key, because sharing sits below the referrals app.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claimed_relationships"
    )
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="claimed_relationships"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="claimed_relationships",
        help_text=(
            "The organisation of the team holding the referral: its privacy lead reviews the "
            "claim (the place's privacy lead when it has none)."
        ),
    )
    referral_id = models.BigIntegerField(help_text="The referral the relationship rests on.")
    referral_reference = models.CharField(max_length=12)
    referral_made_at = models.DateTimeField()
    how = models.CharField(max_length=200, help_text="How the relationship was made.")
    claimed_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_outcome = models.CharField(max_length=20, choices=ReviewOutcome.choices, blank=True)
    review_note = models.TextField(blank=True)

    objects = ClaimedRelationshipQuerySet.as_manager()

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["referral_id"], name="claim_once_per_referral"),
            models.CheckConstraint(
                condition=models.Q(reviewed_at__isnull=True, reviewed_by__isnull=True)
                & models.Q(review_outcome="")
                | models.Q(reviewed_at__isnull=False, reviewed_by__isnull=False)
                & ~models.Q(review_outcome=""),
                name="claim_review_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(review_outcome=ReviewOutcome.INAPPROPRIATE)
                | ~models.Q(review_note=""),
                name="claim_not_appropriate_has_follow_up",
            ),
        ]
        indexes = [models.Index(fields=["person", "user"], name="claim_person_user_idx")]

    def __str__(self) -> str:
        return f"Claimed relationship {self.pk}"


class RequestStatus(models.TextChoices):
    """Where a subject access request stands: asked, then in review by the privacy lead, then
    released (the reviewed copy is the person's to download) or refused with a reason."""

    ASKED = "asked", "Asked"
    IN_REVIEW = "in_review", "In review"
    RELEASED = "released", "Released"
    REFUSED = "refused", "Refused"


class RequestChannel(models.TextChoices):
    PORTAL = "portal", "In the person's own portal"
    LETTER = "letter", "By letter"
    EMAIL = "email", "By email"
    PHONE = "phone", "By phone"
    IN_PERSON = "in_person", "In person"


class WithholdReason(models.TextChoices):
    """Why an item may be kept out of a released copy (UK GDPR and the Data Protection Act 2018,
    schedules 2 and 3), each with the wording the person is given."""

    SERIOUS_HARM = "serious_harm", "Serious harm to the person or someone else"
    THIRD_PARTY = "third_party", "Information about someone else"
    LEGAL_PRIVILEGE = "legal_privilege", "Legal advice"
    CRIME = "crime", "Preventing or detecting crime"

    @property
    def explanation(self) -> str:
        return WITHHOLD_EXPLANATIONS[self]


WITHHOLD_EXPLANATIONS = {
    WithholdReason.SERIOUS_HARM: (
        "A health professional judged that this information would be likely to cause serious "
        "harm to your physical or mental health, or to someone else's, if it were released."
    ),
    WithholdReason.THIRD_PARTY: (
        "This information is about another person, or would tell you who they are, and they "
        "have not agreed to its release."
    ),
    WithholdReason.LEGAL_PRIVILEGE: "This information is legal advice, which the law protects.",
    WithholdReason.CRIME: (
        "Releasing this information would be likely to harm the prevention or detection of crime."
    ),
}


class SubjectAccessRequestQuerySet(models.QuerySet):
    def open(self) -> SubjectAccessRequestQuerySet:
        return self.filter(status__in=[RequestStatus.ASKED, RequestStatus.IN_REVIEW])


@pghistory.track()
class SubjectAccessRequest(models.Model):
    """A person's request for a copy of everything held about them (UK GDPR article 15).

    Asked by the person in their portal or recorded by staff when the person asked by letter,
    email, phone or in person; due one calendar month after it was received. The privacy lead
    of the organisation chosen to answer it opens the full export (``reviewed_export``, taken
    when the review begins), marks what to withhold and why (``WithheldItem``), and releases it
    or refuses the request with a reason. The person downloads the released copy: the reviewed
    export without the withheld items, with a statement of what was withheld and why.
    """

    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="subject_access_requests"
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="subject_access_requests",
        help_text=(
            "The organisation answering the request: its privacy lead reviews it (the place's "
            "privacy lead when it has none)."
        ),
    )
    channel = models.CharField(max_length=10, choices=RequestChannel.choices)
    asked_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The person's own account, or the member of staff who recorded the request.",
    )
    note = models.TextField(blank=True, help_text="What the person asked for, in their words.")
    due_on = models.DateField()
    status = models.CharField(
        max_length=10, choices=RequestStatus.choices, default=RequestStatus.ASKED
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    reviewed_export = models.JSONField(
        null=True,
        blank=True,
        help_text="The full export as it stood when the review began: what was reviewed.",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    refused_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    objects = SubjectAccessRequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("asked_at__date")),
                name="sar_due_after_asked",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status=RequestStatus.ASKED,
                    reviewer__isnull=True,
                    reviewed_export__isnull=True,
                    released_at__isnull=True,
                    refused_at__isnull=True,
                )
                | models.Q(
                    status=RequestStatus.IN_REVIEW,
                    reviewer__isnull=False,
                    reviewed_export__isnull=False,
                    released_at__isnull=True,
                    refused_at__isnull=True,
                )
                | models.Q(
                    status=RequestStatus.RELEASED,
                    reviewer__isnull=False,
                    reviewed_export__isnull=False,
                    released_at__isnull=False,
                    refused_at__isnull=True,
                )
                | (
                    models.Q(
                        status=RequestStatus.REFUSED,
                        reviewer__isnull=False,
                        released_at__isnull=True,
                        refused_at__isnull=False,
                    )
                    & ~models.Q(refusal_reason="")
                ),
                name="sar_status_complete",
            ),
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status__in=["asked", "in_review"]),
                name="sar_one_open_per_person",
                violation_error_message="The person already has a request being answered.",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status"], name="sar_org_status_idx")]

    def __str__(self) -> str:
        return f"Subject access request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in {RequestStatus.ASKED, RequestStatus.IN_REVIEW}


@pghistory.track()
class WithheldItem(models.Model):
    """One item of a reviewed export kept out of the released copy, with the reason.

    ``section`` names a section of the export; ``index`` the item's place in a section that is a
    list (``None`` for a section that is one item, such as the person's details).
    """

    request = models.ForeignKey(
        SubjectAccessRequest, on_delete=models.PROTECT, related_name="withheld"
    )
    section = models.CharField(max_length=60)
    index = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(max_length=20, choices=WithholdReason.choices)
    note = models.TextField(
        blank=True, help_text="For the record: why, in the privacy lead's words (not released)."
    )
    withheld_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    withheld_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["section", "index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["request", "section", "index"],
                nulls_distinct=False,
                name="withheld_item_once",
                violation_error_message="This item is already withheld.",
            )
        ]

    def __str__(self) -> str:
        return f"Withheld item {self.pk}"

    @property
    def key(self) -> str:
        return self.section if self.index is None else f"{self.section}:{self.index}"
