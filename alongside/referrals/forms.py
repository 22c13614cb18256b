"""Forms for staff: making a referral, and each triage decision.

Every decision form carries the referral's ``version`` as the user saw it, so that a decision
made on a stale page is refused rather than overwriting someone else's.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.core.forms import (
    CheckboxSelectMultiple,
    DateField,
    NhsForm,
    RadioSelect,
    Select,
    TelInput,
    Textarea,
)
from alongside.directory.models import Service, ServiceStatus
from alongside.directory.queries import needs_terms
from alongside.organisations.models import (
    Locality,
    Organisation,
    OrganisationKind,
    Role,
    Team,
)
from alongside.people.forms import IdentifierFieldsMixin
from alongside.referrals.models import (
    PERSON_LED_CLOSURES,
    ClosureReason,
    ContactMethod,
    FollowUpOutcome,
    ReasonForReferral,
    RejectionReason,
    Source,
    Urgency,
    describe_response_time,
)
from alongside.referrals.queries import Worklist, accepting_teams, key_worker_choices

YES_NO = [("yes", "Yes"), ("no", "No")]
DEFAULT_FOLLOW_UP = dt.timedelta(days=14)


class _Choice(forms.ModelChoiceField):
    widget = Select

    def __init__(self, queryset: QuerySet, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "Choose one")
        super().__init__(queryset, **kwargs)


class TeamChoice(_Choice):
    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class ServiceChoice(_Choice):
    def label_from_instance(self, obj: Service) -> str:
        return f"{obj.name} ({obj.organization.name})"


class WorkerChoice(_Choice):
    def label_from_instance(self, obj: User) -> str:
        return obj.display_name


def teams() -> QuerySet[Team]:
    return Team.objects.select_related("organisation").order_by("name")


def urgency_choices() -> list[tuple[str, str]]:
    """Each urgency with the response this site promises: "Urgent: triaged within 24 hours"."""
    return [
        (u.value, f"{u.label}: a decision {describe_response_time(u)}")
        for u in (Urgency.ROUTINE, Urgency.URGENT, Urgency.EMERGENCY)
    ]


def services_for(locality_id: int | None) -> QuerySet[Service]:
    services = Service.objects.filter(status=ServiceStatus.ACTIVE).select_related("organization")
    if locality_id:
        services = services.filter(Q(localities=locality_id) | Q(localities__isnull=True))
    return services.distinct().order_by("name")


class ReferralForm(IdentifierFieldsMixin, NhsForm):
    """A referral from a member of staff. With ``known_person`` the person's details come from
    their record and are not asked again."""

    PERSON_FIELDS = ("given_name", "family_name", "date_of_birth", "nhs_number", "postcode")

    given_name = forms.CharField(
        label="First name", max_length=100, error_messages={"required": "Enter their first name"}
    )
    family_name = forms.CharField(
        label="Last name", max_length=100, error_messages={"required": "Enter their last name"}
    )
    date_of_birth = DateField(
        label="Date of birth",
        label_name="Date of birth",
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter their date of birth"},
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=20,
        help_text="A 10 digit number, like 999 123 4567",
    )
    postcode = forms.CharField(
        label="Postcode", max_length=10, error_messages={"required": "Enter their postcode"}
    )
    phone = forms.CharField(label="Phone number", required=False, max_length=30, widget=TelInput)
    email = forms.EmailField(label="Email address (optional)", required=False)
    contact_methods = forms.MultipleChoiceField(
        label="How may the team contact them?",
        choices=ContactMethod.choices,
        widget=CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one way to contact them"},
    )
    contact_safety = forms.CharField(
        label="When or how not to contact them (optional)",
        required=False,
        widget=Textarea,
        help_text="For example: do not leave voicemail; do not call before 5pm.",
    )
    gp_practice = _Choice(
        Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE).order_by("name"),
        label="GP practice (optional)",
        required=False,
    )
    concerns = forms.CharField(
        label="Reason for referral",
        widget=Textarea,
        help_text="What is going on for the person, and why now.",
        error_messages={"required": "Enter the reason for the referral"},
    )
    reason_for_referral = forms.ChoiceField(
        label="Main reason for referral (optional)",
        choices=[("", "Not known yet"), *ReasonForReferral.choices],
        required=False,
        widget=Select,
        help_text="As the NHS mental health data set records it, if you know it.",
    )
    what_would_help = forms.CharField(
        label="What the person thinks would help (optional)", required=False, widget=Textarea
    )
    needs = forms.ModelMultipleChoiceField(
        label="What they need help with (optional)",
        queryset=needs_terms(),
        required=False,
        widget=CheckboxSelectMultiple,
    )
    urgency = forms.ChoiceField(
        label="How urgent is this?",
        choices=Urgency.choices,
        initial=Urgency.ROUTINE,
        widget=RadioSelect,
        help_text="If the person is at immediate risk, call 999 or the crisis team now instead.",
    )
    urgency_reason = forms.CharField(
        label="Why is it urgent? (needed for urgent and emergency referrals)",
        required=False,
        widget=Textarea,
        help_text="For example: thoughts of ending their life, not safe at home tonight.",
    )
    person_agreed = forms.ChoiceField(
        label="Has the person agreed to this referral?",
        choices=YES_NO,
        widget=RadioSelect,
        error_messages={"required": "Say whether the person agreed to this referral"},
    )
    person_knows = forms.CharField(
        label="What the person knows about this referral and agreed to",
        required=False,
        widget=Textarea,
        help_text="Including anything they do not want shared.",
    )
    locality = _Choice(
        Locality.objects.order_by("name"),
        label="Locality (optional)",
        required=False,
        help_text="Worked out from the postcode when left empty.",
    )

    def __init__(self, *args: Any, known_person: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = needs_terms()
        self.fields["urgency"].choices = urgency_choices()
        if known_person:
            for name in self.PERSON_FIELDS:
                del self.fields[name]

    def clean_nhs_number(self) -> str:
        return super().clean_nhs_number() or ""

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        methods = data.get("contact_methods") or []
        by_phone = ContactMethod.PHONE in methods or ContactMethod.TEXT in methods
        if by_phone and not data.get("phone"):
            self.add_error("phone", "Enter a phone number, or choose another way to contact")
        if ContactMethod.EMAIL in methods and not data.get("email"):
            self.add_error("email", "Enter an email address, or choose another way to contact")
        if data.get("person_agreed") == "no" and not (data.get("person_knows") or "").strip():
            self.add_error(
                "person_knows",
                "Say what the person knows, and why they are being referred without agreeing",
            )
        born = data.get("date_of_birth")
        if born and born > timezone.localdate():
            self.add_error("date_of_birth", "Date of birth must be in the past")
        urgency = data.get("urgency")
        if urgency and urgency != Urgency.ROUTINE and not data.get("urgency_reason", "").strip():
            self.add_error(
                "urgency_reason", f"Say why the referral is {Urgency(urgency).label.lower()}"
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["person_agreed"] = data.get("person_agreed") == "yes"
        needs = data.pop("needs", [])
        return {"needs": needs, **data}


class _Decision(NhsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class StartTriageForm(_Decision):
    pass


class IdentifyForm(_Decision):
    NEW = "new"
    match = forms.ChoiceField(
        label="Is this one of these people?",
        widget=RadioSelect,
        error_messages={"required": "Choose the person, or say that this is someone new"},
    )

    def __init__(self, *args: Any, candidates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [*candidates, (self.NEW, "None of these: register them as a new person")]
        self.fields["match"].choices = choices
        if not candidates:
            self.fields["match"].label = "No known record matches. Register them as a new person?"
            self.fields["match"].choices = [(self.NEW, "Yes, register them as a new person")]


class KeyWorkerChoice(_Choice):
    """A practitioner of the accepting team: name, role and caseload size, so that the choice
    is made knowing who they are and how much they hold."""

    def label_from_instance(self, obj: User) -> str:
        size = getattr(obj, "caseload_size", 0)
        code = getattr(obj, "team_role_code", None)
        role = Role(code).label if code in Role.values else "Member"
        return f"{obj.display_name} – {role}, caseload {size}"


class AcceptForm(_Decision):
    """Accept to a team that provides care, with a key worker from that team only. The key
    workers are listed once the team is chosen (``team`` in the data, or ``chosen_team``)."""

    team = TeamChoice(
        Team.objects.none(), label="Team", error_messages={"required": "Choose the team"}
    )
    key_worker = KeyWorkerChoice(
        User.objects.none(),
        label="Key worker (optional)",
        required=False,
        help_text="Leave empty to allocate later: the person shows as waiting allocation.",
        error_messages={"invalid_choice": "Choose a key worker who works in the team"},
    )
    reason = forms.CharField(label="Notes (optional)", required=False, widget=Textarea)

    def __init__(self, *args: Any, chosen_team: Team | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = accepting_teams()
        self.fields["team"].error_messages["invalid_choice"] = (
            "Choose a team that provides care: this team cannot accept referrals"
        )
        team = chosen_team or self._team_in_data()
        self.chosen_team = team
        if team is not None:
            self.fields["key_worker"].queryset = key_worker_choices(team)
            self.fields["key_worker"].help_text = (
                f"Practitioners in {team.name}, with their caseloads. Leave empty to allocate "
                "later: the person shows as waiting allocation."
            )
        else:
            self.fields["key_worker"].help_text = (
                "Choose the team first: its practitioners are listed here. Leave empty to "
                "allocate later."
            )

    def _team_in_data(self) -> Team | None:
        raw = self.data.get("team") if self.is_bound else None
        if not raw or not str(raw).isdigit():
            return None
        return accepting_teams().filter(pk=int(raw)).first()


class _HandoverForm(_Decision):
    """Where the person goes next: a directory service or a team, what was passed on, and when
    someone checks they connected."""

    SERVICE, TEAM = "service", "team"
    destination = forms.ChoiceField(
        label="Where to?",
        choices=[(SERVICE, "A service in the directory"), (TEAM, "A team")],
        widget=RadioSelect,
        error_messages={"required": "Choose a service or a team"},
    )
    service = ServiceChoice(Service.objects.none(), label="Service", required=False)
    team = TeamChoice(teams(), label="Team", required=False)
    passed_on = forms.CharField(
        label="What was passed on, and how",
        widget=Textarea,
        help_text="For example: phoned the service and gave them the person's number.",
        error_messages={"required": "Say what was passed on, and how"},
    )
    follow_up_on = DateField(
        label="Follow-up date",
        label_name="Follow-up date",
        help_text="When to check that the person connected. For example, 14 days from today.",
        error_messages={"required": "Enter the date to check the person connected"},
    )

    def __init__(self, *args: Any, locality_id: int | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("follow_up_on", timezone.localdate() + DEFAULT_FOLLOW_UP)
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = services_for(locality_id)
        self.fields["team"].queryset = teams()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        destination = data.get("destination")
        if destination == self.SERVICE and not data.get("service"):
            self.add_error("service", "Choose the service")
        if destination == self.TEAM and not data.get("team"):
            self.add_error("team", "Choose the team")
        if destination == self.SERVICE:
            data["team"] = None
        elif destination == self.TEAM:
            data["service"] = None
        return data

    def handover(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "service": data.get("service"),
            "team": data.get("team"),
            "passed_on": data["passed_on"],
            "told_person": data.get("told_person", ""),
            "follow_up_on": data["follow_up_on"],
        }


class SignpostForm(_HandoverForm):
    told_person = forms.CharField(
        label="What the person was told (optional)", required=False, widget=Textarea
    )
    field_order = ["destination", "service", "team", "passed_on", "told_person", "follow_up_on"]


class DeclineForm(_HandoverForm):
    rejection_reason = forms.ChoiceField(
        label="Why is the referral declined?",
        choices=RejectionReason.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose why the referral is declined"},
    )
    told_person = forms.CharField(
        label="The alternative offered to the person, and how they were told",
        widget=Textarea,
        error_messages={"required": "Say what alternative was offered to the person"},
    )
    field_order = [
        "rejection_reason",
        "destination",
        "service",
        "team",
        "told_person",
        "passed_on",
        "follow_up_on",
    ]


class ChangeUrgencyForm(_Decision):
    urgency = forms.ChoiceField(
        label="How urgent is this referral?",
        widget=RadioSelect,
        error_messages={"required": "Choose how urgent the referral is"},
    )
    reason = forms.CharField(
        label="Why does the urgency change?",
        widget=Textarea,
        help_text="Kept in the referral's history.",
        error_messages={"required": "Say why the urgency changes"},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["urgency"].choices = urgency_choices()


class MeetingForm(_Decision):
    why = forms.CharField(
        label="What is the meeting asked to decide?",
        widget=Textarea,
        help_text="For example: which organisations can offer support together.",
        error_messages={"required": "Say what the meeting is asked to decide"},
    )


class ReturnToTriageForm(_Decision):
    reason = forms.CharField(
        label="Why does it come back to triage?",
        widget=Textarea,
        error_messages={"required": "Say why the referral comes back to triage"},
    )


class CloseForm(_Decision):
    closure_reason = forms.ChoiceField(
        label="Why is the referral closed?",
        widget=RadioSelect,
        error_messages={"required": "Choose why the referral is closed"},
    )
    reason = forms.CharField(label="Notes", required=False, widget=Textarea)

    def __init__(self, *args: Any, before_decision: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        allowed = PERSON_LED_CLOSURES if before_decision else ClosureReason
        self.fields["closure_reason"].choices = [(c.value, c.label) for c in allowed]


class FollowUpForm(NhsForm):
    outcome = forms.ChoiceField(
        label="Did the person connect?",
        choices=FollowUpOutcome.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    note = forms.CharField(
        label="Notes",
        required=False,
        widget=Textarea,
        help_text="If they did not connect, say what got in the way.",
    )


class WorklistFilterForm(NhsForm):
    list = forms.ChoiceField(
        choices=[(name, Worklist.LABELS[name]) for name in Worklist.ALL], required=False
    )
    team = forms.TypedChoiceField(label="Team", coerce=int, required=False, widget=Select)
    locality = forms.TypedChoiceField(label="Locality", coerce=int, required=False, widget=Select)
    source = forms.ChoiceField(label="Source", required=False, widget=Select)

    def __init__(self, *args: Any, my_teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All my teams")] + [(t.pk, t.name) for t in my_teams]
        self.fields["locality"].choices = [("", "All localities")] + [
            (loc.pk, loc.name) for loc in Locality.objects.order_by("name")
        ]
        self.fields["source"].choices = [("", "All sources"), *Source.choices]
