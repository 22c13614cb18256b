"""The meeting pages' forms: scheduling, attendees, adding a person's episode, and a decision.

The decision form has one set of fields for each kind of decision (shown under its radio
button), named for the decision (``allocate_team``, ``joint_team``…); ``service_arguments`` turns
the chosen set into the arguments of ``services.record_decision``, and ``add_service_error``
puts a refusal from the service beside the field it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.core import formats
from alongside.core.forms import (
    CheckboxSelectMultiple,
    DateField,
    NhsForm,
    RadioSelect,
    Select,
    Textarea,
)
from alongside.directory.models import Service
from alongside.meetings import queries
from alongside.meetings.models import AgendaItem, Decision, LocalityMeeting
from alongside.organisations.models import Locality, Membership, Organisation, Team

TIME = re.compile(r"^(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?\s*(?P<half>am|pm)?$")


def parse_time(value: str) -> dt.time:
    """A time as people write it: 14:00, 14.30, 2pm, 2:30pm, 9am."""
    match = TIME.match(value.strip().lower().replace(" ", ""))
    if not match:
        raise ValidationError("Enter the start time like 14:00 or 2pm")
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if match["half"]:
        if not 1 <= hour <= 12:
            raise ValidationError("Enter the start time like 14:00 or 2pm")
        hour = hour % 12 + (12 if match["half"] == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ValidationError("Enter a real time, like 14:00 or 2pm")
    return dt.time(hour, minute)


class LabelledChoice(forms.ModelChoiceField):
    """A model choice whose labels the form sets (``labels``: pk → text)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.labels: dict[Any, str] = {}
        kwargs.setdefault("widget", Select)
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Model) -> str:
        return self.labels.get(obj.pk) or getattr(obj, "display_name", None) or str(obj)


class TeamChoice(forms.ModelChoiceField):
    widget = Select

    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} ({obj.organisation.name})"


class TeamsChoice(forms.ModelMultipleChoiceField):
    widget = CheckboxSelectMultiple

    def label_from_instance(self, obj: Team) -> str:
        return f"{obj.name} ({obj.organisation.name})"


def _people_labels(memberships: QuerySet[Membership]) -> dict[int, str]:
    """User id → 'Name – Team (Organisation), …' for every member listed."""
    teams: dict[int, list[str]] = {}
    names: dict[int, str] = {}
    for membership in memberships:
        names[membership.user_id] = membership.user.display_name
        label = f"{membership.team.name} ({membership.team.organisation.name})"
        if label not in teams.setdefault(membership.user_id, []):
            teams[membership.user_id].append(label)
    return {pk: f"{names[pk]} – {', '.join(teams[pk])}" for pk in names}


def _users(labels: dict[int, str]) -> QuerySet[User]:
    return User.objects.filter(pk__in=list(labels)).order_by("first_name", "last_name", "pk")


class ScheduleForm(NhsForm):
    locality = forms.ModelChoiceField(
        Locality.objects.none(),
        label="Locality",
        empty_label="Choose a locality",
        widget=Select,
        error_messages={
            "required": "Choose the locality the meeting is for",
            "invalid_choice": "Choose a locality one of your teams serves",
        },
    )
    date = DateField(
        label="Date",
        label_name="Date",
        help_text="For example, 4 11 2026",
        error_messages={"required": "Enter the date of the meeting"},
    )
    time = forms.CharField(
        label="Start time",
        max_length=10,
        help_text="For example, 14:00 or 2pm",
        error_messages={"required": "Enter the start time"},
    )
    place = forms.CharField(
        label="Place (optional)",
        required=False,
        max_length=200,
        help_text="Where, or how to join (for example a video link)",
    )
    chair = LabelledChoice(
        User.objects.none(), label="Chair (optional)", required=False, empty_label="Not decided"
    )
    notes = forms.CharField(label="Notes (optional)", required=False, widget=Textarea)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        localities = queries.scheduling_localities(user)
        self.fields["locality"].queryset = localities
        self.fields["chair"].queryset = queries.schedulers_and_chairs(localities)

    def clean_time(self) -> dt.time:
        return parse_time(self.cleaned_data["time"])

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if day and day < timezone.localdate() - dt.timedelta(days=365):
            raise ValidationError("The date must be within the last year, or in the future")
        return day

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        starts_at = timezone.make_aware(dt.datetime.combine(data["date"], data["time"]))
        return {
            "locality": data["locality"],
            "starts_at": starts_at,
            "place": data["place"],
            "chair": data["chair"],
            "notes": data["notes"],
        }


class AttendeeForm(NhsForm):
    user = LabelledChoice(
        User.objects.none(),
        label="Member of staff",
        required=False,
        empty_label="Choose a member of staff",
        help_text="Staff in the teams serving this locality",
    )
    name = forms.CharField(
        label="Or a guest's name",
        required=False,
        max_length=200,
        help_text="Someone without an account, such as a housing officer or an advocate",
    )
    organisation = forms.ModelChoiceField(
        Organisation.objects.order_by("name"),
        label="Organisation they came for",
        required=False,
        empty_label="Their team's organisation",
        widget=Select,
        help_text="Needed for a guest. For staff, leave it to use their team's organisation",
    )
    role = forms.CharField(
        label="Role at the meeting (optional)",
        required=False,
        max_length=120,
        help_text="For example, chair, note-taker or social worker",
    )

    def __init__(self, *args: Any, meeting: LocalityMeeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = _people_labels(queries.staff_serving(meeting.locality_id))
        self.fields["user"].queryset = _users(labels)
        self.fields["user"].labels = labels

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("user") and (data.get("name") or "").strip():
            self.add_error("name", "Choose a member of staff or enter a guest's name, not both")
        return data


class EpisodeItemForm(NhsForm):
    episode = LabelledChoice(
        Episode.objects.none(),
        label="Person",
        empty_label="Choose a person",
        help_text="People with an open episode of care whose lead team serves this locality",
        error_messages={"required": "Choose the person to discuss"},
    )
    why = forms.CharField(
        label="What is the meeting asked to decide?",
        widget=Textarea,
        error_messages={"required": "Say what the meeting is asked to decide"},
    )

    def __init__(self, *args: Any, episodes: QuerySet[Episode], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = episodes
        self.fields["episode"].labels = {
            e.pk: f"{e.person.full_name}, born {formats.date(e.person.date_of_birth)} "
            f"– {e.lead_team.name}"
            for e in episodes
        }


# Where each service argument is shown on the decision form, for each decision.
SERVICE_FIELDS: dict[str, dict[str, str]] = {
    Decision.ALLOCATE: {"lead_team": "allocate_team", "key_worker": "allocate_key_worker"},
    Decision.JOINT_OFFER: {
        "lead_team": "joint_team",
        "key_worker": "joint_key_worker",
        "partner_teams": "joint_partner_teams",
    },
    Decision.SIGNPOST: {
        "service": "signpost_service",
        "team": "signpost_team",
        "passed_on": "passed_on",
        "told_person": "told_person",
        "follow_up_on": "follow_up_on",
    },
    Decision.MORE_INFORMATION: {},
}


class DecisionForm(NhsForm):
    decision = forms.ChoiceField(
        label="What did the meeting decide?",
        choices=Decision.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose what the meeting decided"},
    )
    # Allocate to a team and key worker.
    allocate_team = TeamChoice(
        Team.objects.none(), label="Team", required=False, empty_label="Choose a team"
    )
    allocate_key_worker = LabelledChoice(
        User.objects.none(),
        label="Key worker",
        required=False,
        empty_label="Choose a key worker",
        help_text="Someone who works in the team",
    )
    # Joint offer by several organisations.
    joint_team = TeamChoice(
        Team.objects.none(), label="Lead team", required=False, empty_label="Choose a team"
    )
    joint_partner_teams = TeamsChoice(
        Team.objects.none(),
        label="Partner teams",
        required=False,
        help_text="At least one from another organisation than the lead team's",
    )
    joint_key_worker = LabelledChoice(
        User.objects.none(),
        label="Key worker (optional)",
        required=False,
        empty_label="Allocate later",
        help_text="Someone who works in the lead team",
    )
    # Signpost with a warm handover.
    signpost_service = forms.ModelChoiceField(
        Service.objects.none(),
        label="A service from the directory",
        required=False,
        empty_label="Choose a service",
        widget=Select,
    )
    signpost_team = TeamChoice(
        Team.objects.none(),
        label="Or a team",
        required=False,
        empty_label="Choose a team",
        help_text="The team receives a referral to triage",
    )
    passed_on = forms.CharField(
        label="What was passed on, and how", required=False, widget=Textarea
    )
    told_person = forms.CharField(
        label="What the person was told (optional)", required=False, widget=Textarea
    )
    follow_up_on = DateField(
        label="When to check that the person connected",
        label_name="Follow-up date",
        required=False,
        help_text="Within 90 days. For example, 2 12 2026",
    )
    note = forms.CharField(
        label="Notes on the decision",
        required=False,
        widget=Textarea,
        help_text=(
            "Optional, except for 'More information needed': then say what is needed, and from whom"
        ),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, item: AgendaItem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.item = item
        locality = item.meeting.locality_id
        teams = queries.teams_serving(locality)
        if item.episode_id:
            lead = Team.objects.filter(pk=item.episode.lead_team_id).select_related("organisation")
            for name in ("allocate_team", "joint_team"):
                self.fields[name].queryset = lead
                self.fields[name].empty_label = None
                self.fields[name].help_text = "The episode's lead team"
            self.fields["signpost_team"].help_text = "The team receives a referral to triage"
        else:
            self.fields["allocate_team"].queryset = teams
            self.fields["joint_team"].queryset = teams
        self.fields["joint_partner_teams"].queryset = teams
        self.fields["signpost_team"].queryset = teams
        self.fields["signpost_service"].queryset = queries.services_serving(locality)
        labels = _people_labels(queries.key_workers_serving(locality))
        for name in ("allocate_key_worker", "joint_key_worker"):
            self.fields[name].queryset = _users(labels)
            self.fields[name].labels = labels
        if item.referral_id is None:
            del self.fields["version"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        both = data.get("signpost_service") and data.get("signpost_team")
        if data.get("decision") == Decision.SIGNPOST and both:
            self.add_error("signpost_service", "Choose one service or one team, not both")
        return data

    def service_arguments(self) -> dict[str, Any]:
        """The arguments of ``services.record_decision`` for the decision chosen."""
        data = self.cleaned_data
        decision = data["decision"]
        arguments: dict[str, Any] = {"decision": decision, "note": data.get("note") or ""}
        for argument, field in SERVICE_FIELDS[decision].items():
            value = data.get(field)
            if argument == "partner_teams":
                value = list(value or [])
            elif argument in ("passed_on", "told_person"):
                value = value or ""
            arguments[argument] = value
        if "version" in self.fields:
            arguments["version"] = data.get("version")
        return arguments

    def add_service_error(self, error: ValidationError) -> None:
        """A refusal from the service, shown beside the field of the decision chosen."""
        decision = self.cleaned_data.get("decision")
        fields = SERVICE_FIELDS.get(decision, {})
        if not hasattr(error, "error_dict"):
            self.add_validation_error(error)
            return
        for name, errors in error.error_dict.items():
            field = fields.get(name, name)
            self.add_error(field if field in self.fields else None, errors)
