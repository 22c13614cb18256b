"""Organisations, alliances, localities, teams and who works in them.

The base of the pathway: every other app refers to these, and these refer to nothing above them.
"""

from __future__ import annotations

import re

import pghistory
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from alongside.core.validators import validate_ods_code


class OrganisationKind(models.TextChoices):
    NHS_TRUST = "nhs_trust", "NHS trust"
    GP_PRACTICE = "gp_practice", "GP practice"
    PCN = "pcn", "Primary care network"
    VCSE = "vcse", "Voluntary, community and social enterprise"
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    PUBLIC_HEALTH = "public_health", "Public health"
    OTHER = "other", "Other"


class Organisation(models.Model):
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    ods_code = models.CharField(
        "ODS code",
        max_length=10,
        null=True,
        blank=True,
        validators=[validate_ods_code],
        help_text="The Organisation Data Service code, if the organisation has one.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="For a GP practice, its primary care network.",
    )
    website = models.URLField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "ods_code",
                name="organisation_ods_code_unique",
                violation_error_message="Another organisation already has this ODS code.",
            ),
            models.CheckConstraint(
                condition=models.Q(ods_code__isnull=True) | ~models.Q(ods_code=""),
                name="organisation_ods_code_null_not_blank",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=OrganisationKind.values),
                name="organisation_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: list[str] | None = None) -> None:
        """An empty ODS code means none; a given one is put in capitals before validation."""
        if self.ods_code is not None:
            self.ods_code = self.ods_code.strip().upper() or None
        super().clean_fields(exclude=exclude)

    @property
    def is_nhs(self) -> bool:
        return self.kind in {
            OrganisationKind.NHS_TRUST,
            OrganisationKind.GP_PRACTICE,
            OrganisationKind.PCN,
        }


class Alliance(models.Model):
    """A group of organisations that work as one, such as the local VCSE alliance."""

    name = models.CharField(max_length=200, unique=True)
    lead_organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisations = models.ManyToManyField(Organisation, related_name="alliances", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Locality(models.Model):
    """A place within the system; integrated local team meetings are held per locality."""

    name = models.CharField(max_length=100)
    code = models.SlugField(max_length=40, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="locality_name_unique",
                violation_error_message="There is already a locality with this name.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TeamType(models.TextChoices):
    """What a team does. NHS team types carry their MHSDS ServTeamTypeRefToMH code."""

    COMMUNITY_MENTAL_HEALTH = "community_mental_health", "Community mental health team"
    PRIMARY_CARE_MENTAL_HEALTH = "primary_care_mental_health", "Primary care mental health"
    ASSERTIVE_OUTREACH = "assertive_outreach", "Assertive outreach"
    COMMUNITY_REHABILITATION = "community_rehabilitation", "Community rehabilitation"
    PSYCHOLOGICAL_THERAPY = "psychological_therapy", "Psychological therapy (not Talking Therapies)"
    PERSONALITY_DISORDER = "personality_disorder", "Personality disorder service"
    EARLY_INTERVENTION = "early_intervention", "Early intervention in psychosis"
    INDIVIDUAL_PLACEMENT_SUPPORT = (
        "individual_placement_support",
        "Individual placement and support",
    )
    VCSE_SERVICE = "vcse_service", "Voluntary sector service"
    SOCIAL_CARE = "social_care", "Adult social care"
    PUBLIC_HEALTH = "public_health", "Public health"
    OTHER = "other", "Other"


#: Team types that provide care, so may accept referrals and hold episodes of care. Corporate and
#: public health teams (``other``, ``public_health``) do not.
CARE_TEAM_TYPES: frozenset[str] = frozenset(
    {
        TeamType.COMMUNITY_MENTAL_HEALTH,
        TeamType.PRIMARY_CARE_MENTAL_HEALTH,
        TeamType.ASSERTIVE_OUTREACH,
        TeamType.COMMUNITY_REHABILITATION,
        TeamType.PSYCHOLOGICAL_THERAPY,
        TeamType.PERSONALITY_DISORDER,
        TeamType.EARLY_INTERVENTION,
        TeamType.INDIVIDUAL_PLACEMENT_SUPPORT,
        TeamType.VCSE_SERVICE,
        TeamType.SOCIAL_CARE,
    }
)

MHSDS_TEAM_TYPE_CODES: dict[str, str] = {
    TeamType.COMMUNITY_MENTAL_HEALTH: "A06",
    TeamType.PRIMARY_CARE_MENTAL_HEALTH: "A05",
    TeamType.ASSERTIVE_OUTREACH: "A08",
    TeamType.COMMUNITY_REHABILITATION: "A09",
    TeamType.PSYCHOLOGICAL_THERAPY: "A13",
    TeamType.PERSONALITY_DISORDER: "A16",
    TeamType.EARLY_INTERVENTION: "A14",
    TeamType.INDIVIDUAL_PLACEMENT_SUPPORT: "D05",
}


_PHONE_NUMBER = re.compile(r"^\+?[\d\s()-]+$")


def validate_phone_number(value: str) -> None:
    """A UK or international phone number: digits, spaces, brackets and dashes, 10 to 15 digits."""
    digits = re.sub(r"\D", "", value)
    if not _PHONE_NUMBER.match(value) or not 10 <= len(digits) <= 15:
        raise ValidationError(
            "Enter a phone number, like 01632 960 001 or +44 808 157 0192", code="phone"
        )


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    team_type = models.CharField(max_length=40, choices=TeamType.choices)
    localities = models.ManyToManyField(Locality, related_name="teams", blank=True)
    # How the public reaches the team: the self-referral's confirmation gives these (or the
    # service's own contact, ``settings.ALONGSIDE_DEPLOYMENT``, when the team has none).
    phone = models.CharField(
        "phone number",
        max_length=30,
        blank=True,
        validators=[validate_phone_number],
        help_text="The number people referred to the team can call, like 01632 960 001.",
    )
    email = models.EmailField(
        "email address",
        blank=True,
        help_text="The address people referred to the team can write to.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation",
                Lower("name"),
                name="team_name_unique_in_organisation",
                violation_error_message="This organisation already has a team with this name.",
            ),
            models.CheckConstraint(
                condition=models.Q(team_type__in=TeamType.values), name="team_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def mhsds_team_type(self) -> str | None:
        return MHSDS_TEAM_TYPE_CODES.get(self.team_type)

    @property
    def provides_care(self) -> bool:
        return self.team_type in CARE_TEAM_TYPES


class Role(models.TextChoices):
    PRACTITIONER = "practitioner", "Key worker"
    COORDINATOR = "coordinator", "Triage coordinator"
    SUPERVISOR = "supervisor", "Supervisor"
    TEAM_LEAD = "team_lead", "Team lead"
    ANALYST = "analyst", "Analyst"
    ORG_ADMIN = "org_admin", "Organisation administrator"
    PRIVACY_LEAD = "privacy_lead", "Privacy lead (Caldicott guardian)"


class MembershipStatus(models.TextChoices):
    """Whether a membership is in force. One asked for waits for a second person's approval and
    grants nothing until then; a refused one never grants anything."""

    PENDING = "pending", "Waiting for approval"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class MembershipQuerySet(models.QuerySet):
    def approved(self) -> MembershipQuerySet:
        """Memberships that were approved, whether or not they have ended since."""
        return self.filter(status=MembershipStatus.APPROVED)

    def active(self) -> MembershipQuerySet:
        """Memberships in force: approved and not ended. Every role check reads these."""
        return self.approved().filter(ended_on__isnull=True)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status=MembershipStatus.PENDING)


_DECIDED = models.Q(decided_by__isnull=False)


@pghistory.track()
class Membership(models.Model):
    """A user's role in a team. A user may hold several (a team lead who also supervises).

    Made through ``organisations.services``: whoever asks for it (``created_by``) cannot approve
    it, nor can its member (``decided_by`` is someone else; the database refuses otherwise). A
    membership with no maker recorded was made before approvals were kept, or by the synthetic
    data generator. Every insert and update is kept in the history table by the database.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    job_title = models.CharField(max_length=120, blank=True)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who asked for the membership.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who approved or refused it.",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["team__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "team", "role"],
                condition=models.Q(ended_on__isnull=True) & ~models.Q(status="refused"),
                name="membership_unique_active_role",
                violation_error_message="This person already has this role in this team.",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="membership_dates_in_order",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values), name="membership_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=MembershipStatus.values),
                name="membership_status_valid",
            ),
            # The two-person rule: neither the member nor whoever asked decides.
            models.CheckConstraint(
                condition=~_DECIDED | ~models.Q(decided_by=models.F("user")),
                name="membership_not_decided_by_its_member",
                violation_error_message="No one can approve their own membership.",
            ),
            models.CheckConstraint(
                condition=~_DECIDED
                | models.Q(created_by__isnull=True)
                | ~models.Q(decided_by=models.F("created_by")),
                name="membership_not_decided_by_its_maker",
                violation_error_message="A membership must be approved by someone other "
                "than the person who asked for it.",
            ),
            # A membership someone asked for is approved only by a named second person.
            models.CheckConstraint(
                condition=~models.Q(status="approved")
                | models.Q(created_by__isnull=True)
                | _DECIDED,
                name="membership_approved_by_someone",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="pending")
                | models.Q(decided_by__isnull=True, decided_at__isnull=True),
                name="membership_pending_undecided",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="refused")
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="membership_refusal_decided",
            ),
            models.CheckConstraint(
                condition=~_DECIDED | models.Q(decided_at__isnull=False),
                name="membership_decision_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True) | models.Q(status="approved"),
                name="membership_ended_only_if_approved",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}, {self.team}"

    def clean(self) -> None:
        # A person's own portal account never holds a staff role.
        accounts = get_user_model().objects.filter(pk=self.user_id, person__isnull=False)
        if self.user_id and accounts.exists():
            raise ValidationError(
                {"user": "This is a person's own portal account: it cannot have a staff role."}
            )

    @property
    def is_pending(self) -> bool:
        return self.status == MembershipStatus.PENDING


class DutyShift(models.Model):
    """A team's duty worker for a run of days: who sees what is escalated (a referral not
    triaged in time, a risk flag nobody acted on) besides the team lead. Set by the team lead
    through ``organisations.services.set_duty``; a shift is ended early by changing its end."""

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="duty_shifts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="duty_shifts"
    )
    starts_on = models.DateField()
    ends_on = models.DateField()
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["team", "starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="duty_shift_dates_in_order",
                violation_error_message="The last day must be on or after the first day.",
            )
        ]
        indexes = [models.Index(fields=["team", "starts_on", "ends_on"], name="duty_team_days")]

    def __str__(self) -> str:
        return f"Duty {self.team_id} {self.starts_on}–{self.ends_on}"
