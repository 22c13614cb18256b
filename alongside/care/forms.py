"""Forms for key working: contacts and appointments, intensity, the key worker, the care team,
discharge, and the team lead's caseload filter and reallocation.

Forms check what the page asks for (a real date, a whole number of minutes, one of the choices
offered); the business rules (an attended contact is not in the future, a duration is plausible,
an episode with open appointments is not discharged) are the services', and their messages are
shown on the form by ``add_validation_error``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone

from alongside.care.models import (
    CareTeamMember,
    Contact,
    ContactPreferences,
    Episode,
    Intensity,
    Kind,
    Mode,
    NoteSharing,
    Outcome,
    TimeOfDay,
)
from alongside.care.queries import NOT_SEEN_WEEKS
from alongside.care.services import WHO_MAY_BE_INVOLVED_LIMIT
from alongside.core import formats
from alongside.core.forms import (
    CheckboxInput,
    CheckboxSelectMultiple,
    DateField,
    NhsForm,
    RadioSelect,
    Select,
    Textarea,
)
from alongside.organisations.models import Membership
from alongside.referrals.models import ClosureReason

RECORDED_OUTCOMES = [(value, label) for value, label in Outcome.choices if value]


class TimeInput(forms.TextInput):
    """A time typed as 24-hour hours and minutes, like 14:30."""


def _parse_time(value: str) -> dt.time:
    text = value.strip().lower().replace(".", ":")
    for pattern in ("%H:%M", "%H%M", "%I:%M%p", "%I%p", "%I:%M %p", "%I %p"):
        try:
            return dt.datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise forms.ValidationError("Enter a real time, like 09:30 or 14:15")


class TimeField(forms.Field):
    widget = TimeInput

    def to_python(self, value: Any) -> dt.time | None:
        if value in (None, "") or isinstance(value, dt.time):
            return value or None
        return _parse_time(str(value))


def aware(day: dt.date, time: dt.time) -> dt.datetime:
    """A local date and time as an aware moment (Europe/London)."""
    return timezone.make_aware(dt.datetime.combine(day, time))


class _Moment(NhsForm):
    """The date and time fields a contact or an appointment starts with."""

    on = DateField(
        label="Date",
        label_name="Date",
        help_text="For example, 15 3 2026",
        error_messages={"required": "Enter the date"},
    )
    at = TimeField(
        label="Time",
        help_text="Use the 24-hour clock, for example 14:30",
        error_messages={"required": "Enter the time"},
    )

    def starts_at(self) -> dt.datetime:
        return aware(self.cleaned_data["on"], self.cleaned_data["at"])


class _ContactFields(_Moment):
    mode = forms.ChoiceField(
        label="How did it happen?",
        choices=Mode.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose how the contact happened"},
    )
    kind = forms.ChoiceField(
        label="What kind of contact?",
        choices=Kind.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose what kind of contact it was"},
    )


class _Duration(forms.IntegerField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {})
        kwargs["error_messages"].setdefault(
            "invalid", "Enter the duration as a whole number of minutes, like 45"
        )
        super().__init__(**kwargs)


NOTE_SHARING_HELP = (
    "The person can read notes shared with them in their own portal. Notes for your organisation "
    "only are hidden from care team members in other organisations."
)


class _Note(NhsForm):
    note = forms.CharField(label="Note (optional)", required=False, widget=Textarea)
    note_sharing = forms.ChoiceField(
        label="Who may read the note?",
        choices=NoteSharing.choices,
        initial=NoteSharing.CARE_TEAM,
        widget=RadioSelect,
        help_text=NOTE_SHARING_HELP,
        error_messages={"required": "Choose who may read the note"},
    )


def _others_present() -> forms.BooleanField:
    return forms.BooleanField(
        label="Family, a carer or a friend joined",
        required=False,
        widget=CheckboxInput,
    )


class ContactForm(_ContactFields, _Note):
    """A contact that has happened, or that was missed or cancelled."""

    outcome = forms.ChoiceField(
        label="What happened?",
        choices=RECORDED_OUTCOMES,
        widget=RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    duration_minutes = _Duration(
        label="How long did it last, in minutes?",
        required=False,
        help_text="Only for a contact that took place",
    )
    others_present = _others_present()
    field_order = [
        "on",
        "at",
        "mode",
        "kind",
        "outcome",
        "duration_minutes",
        "others_present",
        "note",
        "note_sharing",
    ]

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "starts_at": self.starts_at(),
            "mode": data["mode"],
            "kind": data["kind"],
            "outcome": data["outcome"],
            "duration_minutes": data.get("duration_minutes"),
            "note": data.get("note", ""),
            "note_sharing": data["note_sharing"],
            "others_present": bool(data.get("others_present"))
            and data["outcome"] == Outcome.ATTENDED,
        }


class AppointmentForm(_ContactFields):
    """A planned contact: what happened is recorded after it."""

    duration_minutes = _Duration(label="Planned length in minutes (optional)", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("on") and data.get("at") and self.starts_at() <= timezone.now():
            self.add_error(
                "on",
                "An appointment must be in the future. To record a contact that has happened, "
                "use 'Record a contact'",
            )
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "starts_at": self.starts_at(),
            "mode": data["mode"],
            "kind": data["kind"],
            "outcome": Outcome.PLANNED,
            "duration_minutes": data.get("duration_minutes"),
        }


def appointment_label(contact: Contact) -> str:
    return (
        f"{formats.datetime(contact.starts_at)}: {contact.get_kind_display().lower()}, "
        f"{contact.get_mode_display().lower()}, with {contact.practitioner.display_name}"
    )


class OutcomeForm(_Note):
    """What happened to an appointment."""

    contact = forms.ChoiceField(
        label="Which appointment?",
        widget=RadioSelect,
        error_messages={
            "required": "Choose the appointment",
            "invalid_choice": "Choose the appointment",
        },
    )
    outcome = forms.ChoiceField(
        label="What happened?",
        choices=RECORDED_OUTCOMES,
        widget=RadioSelect,
        error_messages={"required": "Choose what happened"},
    )
    duration_minutes = _Duration(
        label="How long did it last, in minutes?",
        required=False,
        help_text="Only if it took place",
    )
    others_present = _others_present()
    field_order = [
        "contact",
        "outcome",
        "duration_minutes",
        "others_present",
        "note",
        "note_sharing",
    ]

    def __init__(self, *args: Any, appointments: list[Contact], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.appointments = {str(c.pk): c for c in appointments}
        self.fields["contact"].choices = [(str(c.pk), appointment_label(c)) for c in appointments]

    def chosen(self) -> Contact:
        return self.appointments[self.cleaned_data["contact"]]


class IntensityForm(NhsForm):
    intensity = forms.ChoiceField(
        label="Step support to",
        widget=RadioSelect,
        error_messages={"required": "Choose the new intensity"},
    )
    reason = forms.CharField(
        label="Why is support stepping up or down?",
        widget=Textarea,
        help_text="What has changed for the person. They may read this.",
        error_messages={"required": "Say why support is stepping up or down"},
    )

    def __init__(self, *args: Any, current: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["intensity"].choices = [
            (value, label) for value, label in Intensity.choices if value != current
        ]


class _MembershipChoice(forms.ModelChoiceField):
    widget = Select

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "Choose one")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.user.display_name} – {obj.team.name}"


class KeyWorkerForm(NhsForm):
    key_worker = _MembershipChoice(
        Membership.objects.none(),
        label="New key worker",
        error_messages={"required": "Choose the new key worker"},
    )
    reason = forms.CharField(
        label="Why is the key worker changing?",
        widget=Textarea,
        help_text="For example: first allocation; caseload balancing; the person asked.",
        error_messages={"required": "Say why the key worker is changing"},
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key_worker"].queryset = candidates


class _EpisodeChoice(forms.ModelChoiceField):
    widget = Select

    def __init__(self, queryset: Any, **kwargs: Any) -> None:
        kwargs.setdefault("empty_label", "Choose one")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Episode) -> str:
        allocations = getattr(obj, "current_allocations", [])
        now = allocations[0].key_worker.display_name if allocations else "no key worker"
        return f"{obj.person.full_name} (now: {now})"


class ReallocateForm(KeyWorkerForm):
    """The team lead's form: choose the person's episode too."""

    episode = _EpisodeChoice(
        Episode.objects.none(),
        label="Person",
        error_messages={"required": "Choose the person"},
    )
    field_order = ["episode", "key_worker", "reason"]

    def __init__(self, *args: Any, episodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["episode"].queryset = episodes


class CareTeamForm(NhsForm):
    membership = _MembershipChoice(
        Membership.objects.none(),
        label="Who joins the care team?",
        help_text="People with a care role in the lead team, the partner teams, or a team "
        "serving the same localities.",
        error_messages={"required": "Choose who joins the care team"},
    )
    role = forms.CharField(
        label="Their role in the person's care",
        max_length=120,
        help_text="For example: psychiatrist, Care Partner, housing support worker.",
        error_messages={"required": "Say what their role is in the person's care"},
    )

    def __init__(self, *args: Any, candidates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["membership"].queryset = candidates


class _CareTeamMemberChoice(forms.ModelChoiceField):
    widget = RadioSelect

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.user.display_name}, {obj.role} ({obj.team.name})"


class LeaveCareTeamForm(NhsForm):
    member = _CareTeamMemberChoice(
        CareTeamMember.objects.none(),
        label="Who is leaving the care team?",
        empty_label=None,
        error_messages={"required": "Choose who is leaving the care team"},
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


class DischargeForm(NhsForm):
    reason = forms.ChoiceField(
        label="Why is the episode ending?",
        choices=ClosureReason.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose why the episode is ending"},
    )
    summary = forms.CharField(
        label="Discharge summary",
        widget=Textarea,
        help_text="For the person and their GP, in plain English: what support they had, what "
        "changed, what happens next and who to contact if things get worse.",
        error_messages={"required": "Write the discharge summary for the person and their GP"},
    )


class CaseloadFilterForm(NhsForm):
    weeks = forms.IntegerField(
        label="Not seen in how many weeks?",
        initial=NOT_SEEN_WEEKS,
        min_value=1,
        max_value=52,
        required=False,
        error_messages={
            "invalid": "Enter a whole number of weeks, like 4",
            "min_value": "Enter a number of weeks from 1 to 52",
            "max_value": "Enter a number of weeks from 1 to 52",
        },
    )

    def weeks_or_default(self, default: int) -> int:
        if self.is_valid() and self.cleaned_data.get("weeks"):
            return self.cleaned_data["weeks"]
        return default


# --- How the person wants to be in touch -------------------------------------------------------

INCOMPLETE_PAGE = "The page was incomplete: open it again and make your changes there"
#: Whether family, a carer or a friend may join: the form's answers and what the service takes.
OTHERS_MAY_JOIN = {"yes": True, "no": False, "not_said": None}


class ContactPreferencesForm(NhsForm):
    """How the person wants to be in touch. Asked of the care team about the person
    (``person_name``), or of the person themself in their portal (``person_name=None``: "you").
    ``seen_at`` is when the page showed the preferences, so that a change made meanwhile (by the
    person or their care team) is not overwritten."""

    modes = forms.MultipleChoiceField(
        choices=Mode.choices,
        required=False,
        widget=CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose ways of being in touch from the list"},
    )
    times = forms.MultipleChoiceField(
        choices=TimeOfDay.choices,
        required=False,
        widget=CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose times of day from the list"},
    )
    others_may_join = forms.ChoiceField(
        required=False,
        widget=RadioSelect,
        error_messages={"invalid_choice": "Choose yes, no or not said"},
    )
    who_may_be_involved = forms.CharField(
        required=False,
        widget=Textarea,
        max_length=WHO_MAY_BE_INVOLVED_LIMIT,
        error_messages={
            "max_length": f"Keep this to {WHO_MAY_BE_INVOLVED_LIMIT:,} characters or fewer"
        },
    )
    # When the page showed the preferences, to the microsecond (ISO 8601, with its offset).
    seen_at = forms.CharField(
        widget=forms.HiddenInput,
        error_messages={"required": INCOMPLETE_PAGE},
    )

    def __init__(self, *args: Any, person_name: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields = self.fields
        if person_name is None:
            fields["modes"].label = "Which ways of being in touch suit you?"
            fields[
                "modes"
            ].help_text = "Tick all that suit you. Leave them all empty if any way is fine."
            fields["times"].label = "Which times of day suit you?"
            fields[
                "times"
            ].help_text = "Tick all that suit you. Leave them all empty if any time is fine."
            fields[
                "others_may_join"
            ].label = "Can family, a carer or a friend join your appointments?"
            fields["others_may_join"].choices = [
                ("yes", "Yes, if I choose to bring someone"),
                ("no", "No, I would rather it was just me"),
                ("not_said", "I do not want to say"),
            ]
            fields[
                "who_may_be_involved"
            ].label = "Who would you like involved in your care? (optional)"
            fields["who_may_be_involved"].help_text = (
                "In your own words. For example: my sister Jo can come with me, but please do "
                "not contact my dad."
            )
        else:
            fields["modes"].label = f"Which ways of being in touch suit {person_name}?"
            fields[
                "modes"
            ].help_text = "Tick all that suit them. Leave them all empty if any way is fine."
            fields["times"].label = "Which times of day suit them?"
            fields[
                "times"
            ].help_text = "Tick all that suit them. Leave them all empty if any time is fine."
            fields[
                "others_may_join"
            ].label = f"Can family, a carer or a friend join {person_name}'s contacts?"
            fields["others_may_join"].choices = [
                ("yes", "Yes, if they choose to bring someone"),
                ("no", "No, they would rather it was just them"),
                ("not_said", "They have not said"),
            ]
            fields[
                "who_may_be_involved"
            ].label = f"Who does {person_name} want involved in their care? (optional)"
            fields["who_may_be_involved"].help_text = (
                "In their own words. For example: my sister Jo can come with me, but please do "
                "not contact my dad."
            )

    def clean_seen_at(self) -> dt.datetime:
        try:
            seen = dt.datetime.fromisoformat(self.cleaned_data["seen_at"])
        except ValueError:
            raise forms.ValidationError(INCOMPLETE_PAGE) from None
        if timezone.is_naive(seen):
            raise forms.ValidationError(INCOMPLETE_PAGE)
        return seen

    # Where the error summary sends the reader for a problem with the whole form (a change made
    # meanwhile sends them to what the preferences say now).
    non_field_href: str | None = None

    def error_summary_items(self) -> list[dict[str, str]]:
        items = super().error_summary_items()
        hidden = f"#{self['seen_at'].id_for_label}"
        whole_form = {str(message) for message in self.non_field_errors()}
        for item in items:
            if self.non_field_href and item["text"] in whole_form:
                item["href"] = self.non_field_href
            elif item["href"] == hidden:
                item["href"] = "#maincontent"
        return items

    @staticmethod
    def initial_from(
        preferences: ContactPreferences | None, *, seen_at: dt.datetime
    ) -> dict[str, Any]:
        if preferences is None:
            return {"seen_at": seen_at.isoformat()}
        return {
            "seen_at": seen_at.isoformat(),
            "modes": list(preferences.modes),
            "times": list(preferences.times),
            "others_may_join": {True: "yes", False: "no", None: "not_said"}[
                preferences.others_may_join
            ],
            "who_may_be_involved": preferences.who_may_be_involved,
        }

    def service_fields(self) -> dict[str, Any]:
        """What ``set_contact_preferences`` takes, besides the person, the user and where."""
        data = self.cleaned_data
        return {
            "modes": data.get("modes") or [],
            "times": data.get("times") or [],
            "others_may_join": OTHERS_MAY_JOIN.get(data.get("others_may_join") or "not_said"),
            "who_may_be_involved": data.get("who_may_be_involved") or "",
            "seen_at": data["seen_at"],
        }


class RaiseRiskForm(NhsForm):
    said = forms.CharField(
        label="What are you worried about?",
        widget=Textarea,
        help_text="What was said or seen, and when. The key worker sees it at once; if nobody "
        "acts in time, the team's duty worker and team lead see it too.",
        error_messages={"required": "Say what you are worried about"},
    )


class RiskActionForm(NhsForm):
    action = forms.CharField(
        label="What did you do?",
        widget=Textarea,
        help_text="For example: phoned them within the hour, they are safe tonight, safety plan "
        "reviewed together, crisis team told.",
        error_messages={"required": "Say what you did"},
    )
