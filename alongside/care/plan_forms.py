"""Forms for the care and support plan and goals.

The plan form carries the version the user started from (``base_version``), so that an edit
made on a stale page is refused rather than overwriting someone else's. Its actions ("who does
what") are a short set of rows: the ones the plan has, and a few empty ones to fill.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from alongside.care.models import AgreementMethod, Authorship, CarePlanVersion, Goal, PlanNote
from alongside.care.plan_presenters import ABOUT_ME, KEY_WORKER, ME, SAFETY_PLAN, SECTIONS
from alongside.care.services import AUTHORED_SECTIONS
from alongside.core.forms import DateField, NhsForm, RadioSelect, Select, Textarea
from alongside.directory.models import Service

SCORE_CHOICES = [(str(n), str(n)) for n in range(11)]
SCORE_ERROR = "Choose a number from 0 to 10"
BLANK_ACTION_ROWS = 2
FEWEST_ACTION_ROWS = 3
MOST_ACTION_ROWS = 30
SERVICE_PREFIX = "service:"
SOMEONE = "someone"
#: Whether the person took part in a version: the form's answers and what ``save_plan`` takes.
PRESENT = {"yes": True, "no": False, "not_recorded": None}


def author_field(section: str) -> str:
    """The form field saying who wrote a section (or, for ``actions``, who does what)."""
    return f"{section}_author"


def author_choices(person_name: str = "") -> list[tuple[str, str]]:
    """Who wrote a part of the plan: short, to sit quietly under it."""
    return [
        (Authorship.PERSON, f"{person_name or 'The person'}, in their own words"),
        (Authorship.TOGETHER, "Written together"),
        (Authorship.PRACTITIONER, "The key worker or care team"),
    ]


def _author_choice_field(person_name: str = "") -> forms.ChoiceField:
    return forms.ChoiceField(
        label="Who wrote this?",
        choices=author_choices(person_name),
        required=False,
        widget=RadioSelect,
        error_messages={"invalid_choice": "Choose who wrote this from the list"},
    )


class PlanForm(NhsForm):
    base_version = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        error_messages={
            k: "The page was incomplete: open the plan again and make your changes there"
            for k in ("required", "invalid", "min_value")
        },
    )
    action_rows = forms.IntegerField(
        widget=forms.HiddenInput, min_value=0, max_value=MOST_ACTION_ROWS, required=False
    )
    review_on = DateField(
        label="Review date",
        label_name="Review date",
        required=False,
        help_text="When you and the person will look at the plan together again. "
        "For example, 15 9 2026",
    )
    change_note = forms.CharField(
        label="What changed in this version (optional)",
        max_length=300,
        required=False,
        help_text="For example: added the new goal about getting back to work.",
    )
    person_present = forms.ChoiceField(
        label="Did the person take part in writing or reviewing this version?",
        choices=[("yes", "Yes"), ("no", "No"), ("not_recorded", "Not recorded")],
        required=False,
        widget=RadioSelect,
        error_messages={"invalid_choice": "Choose yes, no or not recorded"},
    )

    def __init__(
        self,
        *args: Any,
        services: QuerySet[Service],
        actions: list[dict[str, Any]] | None = None,
        person_name: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for section in SECTIONS:
            self.fields[section.name] = forms.CharField(
                label=section.heading,
                help_text=section.hint,
                required=False,
                widget=Textarea,
                max_length=5000,
            )
            self.fields[author_field(section.name)] = _author_choice_field(person_name)
        self.fields[author_field("actions")] = _author_choice_field(person_name)
        if person_name:
            self.fields[
                "person_present"
            ].label = f"Did {person_name} take part in writing or reviewing this version?"
        self.who_choices = [
            ("", "Choose who"),
            (ME, "Me (the person)"),
            ("key_worker", "My key worker"),
            (SOMEONE, "Someone else: name them below"),
            *((f"{SERVICE_PREFIX}{s.pk}", f"{s.name} ({s.organization.name})") for s in services),
        ]
        self.services = {str(s.pk): s for s in services}
        self.row_count = self._row_count(actions or [])
        for i in range(self.row_count):
            self._add_row(i)
        # The order of the page, so that the error summary lists problems in the same order.
        self.order_fields(
            [
                *(n for s in ABOUT_ME for n in (s.name, author_field(s.name))),
                *(f for f in self.fields if f.startswith("action_") and f != "action_rows"),
                author_field("actions"),
                *(n for s in SAFETY_PLAN for n in (s.name, author_field(s.name))),
                "person_present",
                "review_on",
                "change_note",
                "base_version",
                "action_rows",
            ]
        )
        if not self.is_bound:
            self.initial["action_rows"] = self.row_count
            for i, action in enumerate(actions or []):
                self.initial.update(self._row_initial(i, action))

    # --- action rows ---------------------------------------------------------------------------

    # Where the error summary sends the reader for a problem with the whole form (a stale edit
    # sends them to the other person's changes).
    non_field_href: str | None = None

    def error_summary_items(self) -> list[dict[str, str]]:
        items = super().error_summary_items()
        hidden = {f"#{self[name].id_for_label}" for name in ("base_version", "action_rows")}
        whole_form = {str(message) for message in self.non_field_errors()}
        for item in items:
            if self.non_field_href and item["text"] in whole_form:
                item["href"] = self.non_field_href
            elif item["href"] in hidden:
                item["href"] = "#maincontent"
        return items

    def _row_count(self, actions: list[dict[str, Any]]) -> int:
        if self.is_bound:
            try:
                count = int(self.data.get("action_rows", 0))
            except (TypeError, ValueError):
                count = 0
            return max(0, min(count, MOST_ACTION_ROWS))
        return min(max(len(actions) + BLANK_ACTION_ROWS, FEWEST_ACTION_ROWS), MOST_ACTION_ROWS)

    def _add_row(self, i: int) -> None:
        self.fields[f"action_{i}_what"] = forms.CharField(
            label="What will be done", required=False, max_length=500
        )
        self.fields[f"action_{i}_who"] = forms.ChoiceField(
            label="Who will do it",
            choices=self.who_choices,
            required=False,
            widget=Select,
            error_messages={"invalid_choice": "Choose who will do this from the list"},
        )
        self.fields[f"action_{i}_name"] = forms.CharField(
            label="Their name, if someone else",
            help_text="For example: Sam (my sister), or the housing officer at the council.",
            required=False,
            max_length=200,
        )

    def _row_initial(self, i: int, action: dict[str, Any]) -> dict[str, str]:
        who = action.get("who", "")
        service_id = str(action.get("service_id") or "")
        if who == ME:
            choice, name = ME, ""
        elif who == KEY_WORKER:
            choice, name = "key_worker", ""
        elif service_id in self.services:
            choice, name = f"{SERVICE_PREFIX}{service_id}", ""
        else:
            choice, name = SOMEONE, who
        return {
            f"action_{i}_what": action.get("what", ""),
            f"action_{i}_who": choice,
            f"action_{i}_name": name,
        }

    def action_fields(self) -> list[dict[str, forms.BoundField]]:
        """The rows, for the template: each one's three fields."""
        return [
            {part: self[f"action_{i}_{part}"] for part in ("what", "who", "name")}
            for i in range(self.row_count)
        ]

    def _clean_action(self, i: int, data: dict[str, Any]) -> dict[str, Any] | None:
        what = (data.get(f"action_{i}_what") or "").strip()
        who = data.get(f"action_{i}_who") or ""
        name = (data.get(f"action_{i}_name") or "").strip()
        if not (what or who or name):
            return None
        if not what:
            self.add_error(f"action_{i}_what", f"Say what will be done in action {i + 1}")
        if not who:
            self.add_error(f"action_{i}_who", f"Choose who will do action {i + 1}")
        elif who == SOMEONE and not name:
            self.add_error(f"action_{i}_name", f"Name who will do action {i + 1}")
        if not (what and who) or (who == SOMEONE and not name):
            return None
        if who == ME:
            return {"who": ME, "what": what}
        if who == "key_worker":
            return {"who": KEY_WORKER, "what": what}
        if who == SOMEONE:
            return {"who": name, "what": what}
        service = self.services[who.removeprefix(SERVICE_PREFIX)]
        return {"who": service.name, "service_id": str(service.pk), "what": what}

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        actions = [self._clean_action(i, data) for i in range(self.row_count)]
        data["actions"] = [a for a in actions if a]
        return data

    def section_authors(self) -> dict[str, forms.BoundField]:
        """Each section's "Who wrote this?" field, by section (and ``actions``), for the
        template."""
        return {name: self[author_field(name)] for name in AUTHORED_SECTIONS}

    def plan_fields(self) -> dict[str, Any]:
        """What ``save_plan`` takes, besides the episode, the base version and the user."""
        data = self.cleaned_data
        return {
            "actions": data["actions"],
            "review_on": data.get("review_on"),
            "change_note": data.get("change_note", ""),
            "authorship": {
                name: data[author_field(name)]
                for name in AUTHORED_SECTIONS
                if data.get(author_field(name))
            },
            "person_present": PRESENT.get(data.get("person_present") or "not_recorded"),
            **{s.name: data.get(s.name, "") for s in SECTIONS},
        }

    @classmethod
    def initial_from(cls, version: CarePlanVersion | None) -> dict[str, Any]:
        """The form for a new version, starting from ``version``: its words, and who wrote each
        section as that version recorded it. Whether the person took part is asked afresh for
        each version."""
        if version is None:
            return {"base_version": 0}
        return {
            "base_version": version.number,
            "review_on": version.review_on,
            **{s.name: getattr(version, s.name) for s in SECTIONS},
            **{
                author_field(name): who
                for name, who in (version.authorship or {}).items()
                if name in AUTHORED_SECTIONS and who in Authorship.values
            },
        }


class AgreementForm(NhsForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agreed_on = DateField(
        label="When did the person agree?",
        label_name="Date",
        help_text="For example, 15 3 2026",
        error_messages={"required": "Enter the date the person agreed"},
    )
    method = forms.ChoiceField(
        label="How did they agree?",
        choices=[(m.value, m.label) for m in AgreementMethod if m != AgreementMethod.PORTAL],
        widget=RadioSelect,
        error_messages={
            "required": "Choose how the person agreed",
            "invalid_choice": "Choose how the person agreed",
        },
    )


class _GoalChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return obj.text


class _OneGoalForm(NhsForm):
    """A form about one of the episode's open goals: named in the page's address when it
    comes from a goal's link (a hidden field), chosen from a list otherwise."""

    goal = _GoalChoice(
        Goal.objects.none(),
        label="Which goal?",
        empty_label=None,
        widget=RadioSelect,
        error_messages={
            "required": "Choose the goal",
            "invalid_choice": "Choose one of the person's current goals",
        },
    )

    def __init__(self, *args: Any, goals: QuerySet[Goal], fixed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["goal"].queryset = goals
        self.fixed = fixed
        if fixed:
            self.fields["goal"].widget = forms.HiddenInput()

    def error_summary_items(self) -> list[dict[str, str]]:
        items = super().error_summary_items()
        if self.fixed:  # the goal is named on the page, not a field the reader can go to
            hidden = f"#{self['goal'].id_for_label}"
            items = [
                {**i, "href": "#maincontent" if i["href"] == hidden else i["href"]} for i in items
            ]
        return items


def _score_field(*, required: bool, label: str, help_text: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=SCORE_CHOICES,
        coerce=int,
        required=required,
        empty_value=None,
        widget=RadioSelect,
        error_messages={"required": SCORE_ERROR, "invalid_choice": SCORE_ERROR},
    )


SCORE_HINT = "0 means not at all close to the goal, 10 means the goal is reached."
WORDED_BY_ERROR = "Choose whose words the goal is in from the list"


def worded_by_field() -> forms.ChoiceField:
    """Whose words a new goal is in (optional: blank when not recorded)."""
    return forms.ChoiceField(
        label="Whose words is the goal in?",
        choices=Authorship.choices,
        required=False,
        widget=RadioSelect,
        error_messages={"invalid_choice": WORDED_BY_ERROR},
    )


class GoalForm(NhsForm):
    text = forms.CharField(
        label="The goal, in the person's own words",
        help_text="Write it as they say it. For example: I want to feel able to go to the shops "
        "on my own.",
        widget=Textarea,
        max_length=1000,
        error_messages={"required": "Write the goal in the person's own words"},
    )
    worded_by = worded_by_field()
    first_rating = _score_field(
        required=False,
        label="How close is the person to this goal now? (optional)",
        help_text=SCORE_HINT,
    )


class RateGoalForm(_OneGoalForm):
    score = _score_field(
        required=True, label="How close is the person to this goal now?", help_text=SCORE_HINT
    )


END_REASONS = {
    "reached": "Reached",
    "changed": "Changed for a new goal",
    "not_wanted": "No longer wanted",
    "other": "Another reason",
}


class EndGoalForm(_OneGoalForm):
    because = forms.ChoiceField(
        label="Why does the goal end?",
        choices=[
            ("reached", "The person reached it"),
            ("changed", "The person changed it for a new goal"),
            ("not_wanted", "The person no longer wants it"),
            ("other", "Another reason"),
        ],
        widget=RadioSelect,
        error_messages={
            "required": "Choose why the goal ends",
            "invalid_choice": "Choose why the goal ends",
        },
    )
    detail = forms.CharField(
        label="More about why (optional)", required=False, max_length=150, widget=Textarea
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("because") == "other" and not (data.get("detail") or "").strip():
            self.add_error("detail", "Say why the goal ends")
        return data

    def reason(self) -> str:
        label = END_REASONS[self.cleaned_data["because"]]
        detail = (self.cleaned_data.get("detail") or "").strip()
        return f"{label}: {detail}" if detail else label


class NoteReadForm(NhsForm):
    note = forms.ModelChoiceField(
        PlanNote.objects.none(),
        widget=forms.HiddenInput,
        error_messages={
            "required": "Choose the note to mark as read",
            "invalid_choice": "This note is already marked as read",
        },
    )
    return_to = forms.ChoiceField(
        choices=[("plan", "plan"), ("notes", "notes")], required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, notes: QuerySet[PlanNote], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].queryset = notes

    def error_summary_items(self) -> list[dict[str, str]]:
        # Its fields are hidden: the summary points at the notes themselves.
        return [{**item, "href": "#maincontent"} for item in super().error_summary_items()]


class CompareForm(NhsForm):
    old = forms.TypedChoiceField(label="Compare version", coerce=int, widget=Select)
    new = forms.TypedChoiceField(label="with version", coerce=int, widget=Select)

    def __init__(self, *args: Any, numbers: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(n), f"Version {n}") for n in numbers]
        for name in ("old", "new"):
            self.fields[name].choices = choices
            self.fields[name].error_messages["invalid_choice"] = "Choose a version from the list"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("old") is not None and data.get("old") == data.get("new"):
            self.add_error("new", "Choose two different versions to compare")
        return data
