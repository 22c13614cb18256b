"""The supervision pages' forms: an agreement (with its terms), ending one, and a session with
its rows of people discussed and actions agreed.

A session is one ``SessionForm`` plus numbered rows (``DiscussionForm`` with the prefix
``discussion-N``, ``ActionForm`` with ``action-N``), so the page works without JavaScript: a
button adds a row by posting the page back. ``SessionForms`` gathers them, turns them into the
arguments of ``services.record_session`` and puts each of the service's refusals beside the
field of the row it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import ErrorDict
from django.utils import timezone

from alongside.accounts.models import User
from alongside.care.models import Episode
from alongside.core.forms import (
    DateField,
    LabelledChoice,
    LabelledChoices,
    NhsForm,
    RadioSelect,
    Select,
    Textarea,
)
from alongside.supervision.models import Kind, Step
from alongside.supervision.services import Discussion, NewAction

#: At most this many rows of each kind on one page.
MAX_ROWS = 20


def _users(labels: Mapping[int, str]) -> QuerySet[User]:
    return User.objects.filter(pk__in=list(labels)).order_by("first_name", "last_name", "pk")


# --- Agreements --------------------------------------------------------------------------------


def weeks_field(kind: str) -> forms.IntegerField:
    label = Kind(kind).label
    return forms.IntegerField(
        label=f"{label}: every how many weeks",
        required=False,
        min_value=1,
        max_value=52,
        error_messages={
            "invalid": f"{label}: write how many weeks apart, as a number",
            "min_value": "How often must be every 1 to 52 weeks",
            "max_value": "How often must be every 1 to 52 weeks",
        },
    )


class AgreementForm(NhsForm):
    supervisee = LabelledChoice(
        User.objects.none(),
        label="Supervisee",
        empty_label="Choose who is supervised",
        help_text="Someone in a team you lead or supervise, or in your organisation",
        error_messages={
            "required": "Choose who is supervised",
            "invalid_choice": "Choose someone in a team you lead or supervise",
        },
    )
    supervisor = LabelledChoice(
        User.objects.none(),
        label="Supervisor",
        empty_label="Choose the supervisor",
        help_text="They may work for another organisation",
        error_messages={
            "required": "Choose the supervisor",
            "invalid_choice": "Choose a supervisor from the list",
        },
    )
    starts_on = DateField(
        label="Start date",
        label_name="Start date",
        help_text="For example, 1 12 2026",
        error_messages={"required": "Enter the date the agreement starts"},
    )
    ends_on = DateField(
        label="End date (optional)",
        label_name="End date",
        required=False,
        help_text="Leave blank if it runs until someone ends it",
    )

    def __init__(
        self,
        *args: Any,
        supervisees: Mapping[int, str],
        supervisors: Mapping[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisee"].queryset = _users(supervisees)
        self.fields["supervisee"].labels = dict(supervisees)
        self.fields["supervisor"].queryset = _users(supervisors)
        self.fields["supervisor"].labels = dict(supervisors)
        for kind in Kind.values:
            self.fields[f"weeks_{kind}"] = weeks_field(kind)

    @property
    def term_fields(self) -> list[forms.BoundField]:
        return [self[f"weeks_{kind}"] for kind in Kind.values]

    def terms(self) -> dict[str, int] | None:
        """The kinds chosen and how often; ``None`` when none is filled in (the service then
        uses what the supervisee's roles call for)."""
        chosen = {
            kind: self.cleaned_data[f"weeks_{kind}"]
            for kind in Kind.values
            if self.cleaned_data.get(f"weeks_{kind}")
        }
        return chosen or None

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "supervisee": data["supervisee"],
            "supervisor": data["supervisor"],
            "starts_on": data["starts_on"],
            "ends_on": data.get("ends_on"),
            "terms": self.terms(),
        }

    def add_validation_error(self, error: ValidationError) -> None:
        # The service names its terms problem "terms"; it belongs beside the first term.
        if hasattr(error, "error_dict") and "terms" in error.error_dict:
            messages = error.error_dict.pop("terms")
            self.add_error(f"weeks_{Kind.values[0]}", messages)
        super().add_validation_error(error)


class EndAgreementForm(NhsForm):
    on = DateField(
        label="Last day of the agreement",
        label_name="Last day",
        help_text="For example, 30 11 2026",
        error_messages={"required": "Enter the last day of the agreement"},
    )


# --- Sessions ----------------------------------------------------------------------------------

CASE = re.compile(r"^(?P<supervisee>\d{1,10}):(?P<episode>\d{1,10})$")


class CaseField(forms.ChoiceField):
    """A person to discuss, as ``supervisee id:episode id``. Any such pair is taken, listed or
    not: whether the person is on that supervisee's caseload is the service's decision, which
    also keeps a refused attempt on record."""

    widget = Select

    def valid_value(self, value: str) -> bool:
        return bool(CASE.match(str(value)))


class SessionForm(NhsForm):
    kind = forms.ChoiceField(
        label="Kind of session",
        choices=Kind.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose the kind of session"},
    )
    held_on = DateField(
        label="Date held",
        label_name="Date held",
        help_text="For example, 20 11 2026",
        error_messages={"required": "Enter the date the session was held"},
    )
    duration_minutes = forms.IntegerField(
        label="How long it lasted, in minutes",
        help_text="For example, 60",
        error_messages={
            "required": "Give how long it lasted, in minutes",
            "invalid": "Give how long it lasted as a number of minutes, like 60",
        },
    )
    attendees = LabelledChoices(
        User.objects.none(),
        label="Who attended",
        help_text="The people you supervise now",
        error_messages={
            "required": "Choose who attended",
            "invalid_choice": "Choose who attended from the list",
            "invalid_pk_value": "Choose who attended from the list",
        },
    )
    reflections = forms.CharField(
        label="Reflections on practice and wellbeing (optional)",
        required=False,
        widget=Textarea,
        help_text=(
            "About the practitioners' own practice and wellbeing. Seen only by you and those who "
            "attended; not part of any person's record."
        ),
    )

    def __init__(self, *args: Any, supervisees: Mapping[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _users(supervisees)
        self.fields["attendees"].labels = dict(supervisees)


class DiscussionForm(NhsForm):
    case = CaseField(
        label="Person discussed",
        required=False,
        help_text="From the caseloads of those who attended",
    )
    goals_progress = forms.CharField(
        label="Goals and progress, in the person's words",
        required=False,
        widget=Textarea,
    )
    working = forms.CharField(label="What is working (optional)", required=False, widget=Textarea)
    step = forms.ChoiceField(
        label="Support",
        choices=Step.choices,
        required=False,
        widget=RadioSelect,
        help_text="Stepping up or down changes the episode's intensity when you save",
    )
    step_reason = forms.CharField(
        label="Why support steps up or down",
        required=False,
        widget=Textarea,
        help_text="Needed only when support steps up or down",
    )
    risks = forms.CharField(label="Risks (optional)", required=False, widget=Textarea)
    next_steps = forms.CharField(
        label="What the practitioner will try next (optional)", required=False, widget=Textarea
    )
    action_text = forms.CharField(
        label="Action agreed about this person (optional)", required=False, max_length=300
    )
    action_owner = LabelledChoice(
        User.objects.none(),
        label="Who will do it",
        required=False,
        empty_label="Choose who will do it",
        error_messages={"invalid_choice": "Choose who will do it from the list"},
    )
    action_due_on = DateField(
        label="When it is due",
        label_name="Due date",
        required=False,
        help_text="For example, 4 1 2027",
    )

    TEXTS = ("goals_progress", "working", "step_reason", "risks", "next_steps", "action_text")

    def __init__(
        self,
        *args: Any,
        cases: Iterable[tuple[str, str]],
        owners: Mapping[int, str],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "Choose a person"), *cases]
        self.fields["action_owner"].queryset = _users(owners)
        self.fields["action_owner"].labels = dict(owners)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not data.get("case") and not any((data.get(n) or "").strip() for n in self.TEXTS)

    def action(self) -> NewAction | None:
        data = self.cleaned_data
        words = (data.get("action_text") or "").strip()
        if not words and not data.get("action_owner") and not data.get("action_due_on"):
            return None
        return NewAction(
            data.get("action_text") or "", data.get("action_owner"), data.get("action_due_on")
        )


class ActionForm(NhsForm):
    text = forms.CharField(label="Action (optional)", required=False, max_length=300)
    owner = LabelledChoice(
        User.objects.none(),
        label="Who will do it",
        required=False,
        empty_label="Choose who will do it",
        error_messages={"invalid_choice": "Choose who will do it from the list"},
    )
    due_on = DateField(
        label="When it is due",
        label_name="Due date",
        required=False,
        help_text="For example, 4 1 2027",
    )

    def __init__(self, *args: Any, owners: Mapping[int, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _users(owners)
        self.fields["owner"].labels = dict(owners)

    def is_blank(self) -> bool:
        data = self.cleaned_data
        words = (data.get("text") or "").strip()
        return not words and not data.get("owner") and not data.get("due_on")

    def action(self) -> NewAction:
        data = self.cleaned_data
        return NewAction(data.get("text") or "", data.get("owner"), data.get("due_on"))


def _rows(data: Mapping[str, Any] | None, name: str, default: int) -> int:
    try:
        count = int((data or {}).get(name, default))
    except (TypeError, ValueError):
        count = default
    return max(1, min(MAX_ROWS, count))


@dataclass
class SessionForms:
    """The session form and its rows, bound or not."""

    session: SessionForm
    discussions: list[DiscussionForm]
    actions: list[ActionForm]
    #: Row numbers (from 1) of the discussions and actions handed to the service, in order.
    _sent_discussions: list[int] = field(default_factory=list)
    _sent_actions: list[int] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        data: Mapping[str, Any] | None,
        *,
        supervisees: Mapping[int, str],
        cases: list[tuple[str, str]],
        owners: Mapping[int, str],
        picked: list[str] = (),  # type: ignore[assignment]
        today: dt.date | None = None,
        add: str = "",
    ) -> SessionForms:
        today = today or timezone.localdate()
        picked = list(picked)
        n_discussions = _rows(data, "discussion_rows", max(1, len(picked)))
        n_actions = _rows(data, "action_rows", 1)
        if add == "discussion":
            n_discussions = min(MAX_ROWS, n_discussions + 1)
        elif add == "action":
            n_actions = min(MAX_ROWS, n_actions + 1)
        attendees = sorted({int(CASE.match(c)["supervisee"]) for c in picked if CASE.match(c)})
        session = SessionForm(
            data,
            supervisees=supervisees,
            initial={
                "kind": Kind.INDIVIDUAL if len(attendees) <= 1 else Kind.GROUP,
                "held_on": today,
                "duration_minutes": 60,
                "attendees": [a for a in attendees if a in supervisees],
            },
        )
        discussions = [
            DiscussionForm(
                data,
                prefix=f"discussion-{n}",
                cases=cases,
                owners=owners,
                initial={"case": picked[n - 1] if n <= len(picked) else "", "step": ""},
            )
            for n in range(1, n_discussions + 1)
        ]
        actions = [
            ActionForm(data, prefix=f"action-{n}", owners=owners) for n in range(1, n_actions + 1)
        ]
        forms_ = cls(session, discussions, actions)
        if add:
            forms_.quiet()
        return forms_

    @property
    def all(self) -> list[NhsForm]:
        return [self.session, *self.discussions, *self.actions]

    def quiet(self) -> None:
        """Show what was typed without judging it (a row was added, nothing was sent)."""
        for form in self.all:
            form._errors = ErrorDict()

    def is_valid(self) -> bool:
        return all([form.is_valid() for form in self.all])

    @property
    def errors(self) -> bool:
        return any(form.errors for form in self.all)

    def error_summary_items(self) -> list[dict[str, str]]:
        return [item for form in self.all for item in form.error_summary_items()]

    def service_arguments(
        self, *, episodes: Mapping[int, Episode], users: Mapping[int, User]
    ) -> dict[str, Any] | None:
        """The arguments of ``services.record_session`` (all but who records it); ``None``
        when a row names a person or supervisee that does not exist (the row says so)."""
        data = self.session.cleaned_data
        discussions: list[Discussion] = []
        missing = False
        self._sent_discussions = []
        for number, form in enumerate(self.discussions, start=1):
            if form.is_blank():
                continue
            row = form.cleaned_data
            match = CASE.match(row.get("case") or "")
            episode = episodes.get(int(match["episode"])) if match else None
            supervisee = users.get(int(match["supervisee"])) if match else None
            if episode is None or supervisee is None:
                form.add_error("case", "Choose the person discussed from the list")
                missing = True
                continue
            action = form.action()
            discussions.append(
                Discussion(
                    episode=episode,
                    supervisee=supervisee,
                    goals_progress=row.get("goals_progress") or "",
                    working=row.get("working") or "",
                    step=row.get("step") or "",
                    step_reason=row.get("step_reason") or "",
                    risks=row.get("risks") or "",
                    next_steps=row.get("next_steps") or "",
                    actions=[action] if action else [],
                )
            )
            self._sent_discussions.append(number)
        if missing:
            return None
        self._sent_actions = [
            n for n, form in enumerate(self.actions, start=1) if not form.is_blank()
        ]
        return {
            "kind": data["kind"],
            "held_on": data["held_on"],
            "duration_minutes": data["duration_minutes"],
            "attendees": list(data["attendees"]),
            "reflections": data.get("reflections") or "",
            "discussions": discussions,
            "actions": [self.actions[n - 1].action() for n in self._sent_actions],
        }

    def add_validation_error(self, error: ValidationError) -> None:
        """A refusal from the service, each message beside the field of the row it is about."""
        if not hasattr(error, "error_dict"):
            self.session.add_validation_error(error)
            return
        for key, messages in error.error_dict.items():
            form, name = self._target(key, messages)
            if form is None:
                self.session.add_error(name if name in self.session.fields else None, messages)
            else:
                form.add_error(name, messages)

    def _target(self, key: str, messages: list[ValidationError]) -> tuple[NhsForm | None, str]:
        found = re.match(r"^discussion_(\d+)(?:_(.+))?$", key)
        if found:
            form = self.discussions[self._sent_discussions[int(found[1]) - 1] - 1]
            rest = found[2] or ""
            if rest == "goals_progress":
                return form, "goals_progress"
            if rest == "step":
                text = " ".join(m for e in messages for m in e.messages)
                return form, "step_reason" if text.startswith("Say why") else "step"
            if rest.startswith("action"):
                return form, "action_" + _action_field(messages, "text", "owner", "due_on")
            return form, "case"
        found = re.match(r"^action_(\d+)$", key)
        if found:
            form = self.actions[self._sent_actions[int(found[1]) - 1] - 1]
            return form, _action_field(messages, "text", "owner", "due_on")
        return None, key


def _action_field(messages: list[ValidationError], text: str, owner: str, due: str) -> str:
    """Which field of an action a refusal is about: its owner, its date, or else its words."""
    said = " ".join(m for e in messages for m in e.messages)
    if "owner" in said:
        return owner
    if "date it is due" in said:
        return due
    return text
