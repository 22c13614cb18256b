"""What referral pages show: rows for worklists, the referral's summary, its history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone

from alongside.core import formats
from alongside.referrals.models import (
    AWAITING_DECISION,
    Handover,
    Referral,
    State,
    Transition,
    Urgency,
)
from alongside.referrals.queries import days_waited
from alongside.referrals.services import TRANSITION_LABELS, allowed_transitions

#: The states a triage decision leaves a referral in.
DECISIONS = (State.ACCEPTED, State.SIGNPOSTED, State.DECLINED)

STATE_COLOURS = {
    State.RECEIVED: "blue",
    State.IN_TRIAGE: "aqua-green",
    State.FOR_MEETING: "purple",
    State.ACCEPTED: "green",
    State.SIGNPOSTED: "green",
    State.DECLINED: "orange",
    State.CLOSED: "grey",
}

# The pages that make each transition, in the order they are offered.
ACTIONS = [
    ("start_triage", "Start triage", "referrals:start-triage"),
    ("accept", "Accept to a team", "referrals:accept"),
    ("signpost", "Signpost with a warm handover", "referrals:signpost"),
    ("mark_for_meeting", "Take to the locality meeting", "referrals:for-meeting"),
    ("decline", "Decline, offering an alternative", "referrals:decline"),
    ("return_to_triage", "Bring back to triage", "referrals:return-to-triage"),
    ("close", "Close", "referrals:close"),
]


def state_tag(referral: Referral) -> dict[str, str]:
    return {
        "text": referral.get_state_display(),
        "classes": f"nhsuk-tag--{STATE_COLOURS[referral.state]}",
    }


URGENCY_TAG_COLOURS = {Urgency.EMERGENCY: "red", Urgency.URGENT: "orange"}


def urgency_tag(referral: Referral) -> dict[str, str] | None:
    colour = URGENCY_TAG_COLOURS.get(referral.urgency)
    if colour is None:
        return None
    return {"text": referral.get_urgency_display(), "classes": f"nhsuk-tag--{colour}"}


def _span(delta: dt.timedelta) -> str:
    minutes = int(abs(delta.total_seconds()) // 60)
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    days = hours // 24
    return f"{days} day{'s' if days != 1 else ''}"


def time_left(referral: Referral, now: dt.datetime | None = None) -> str:
    """How long until the triage decision is due ("5 hours left"), or how late it is."""
    if referral.due_at is None or referral.state not in AWAITING_DECISION:
        return ""
    left = referral.due_at - (now or timezone.now())
    if left.total_seconds() < 0:
        return f"Overdue by {_span(left)}"
    return f"{_span(left)} left"


@dataclass
class ReferralRow:
    referral: Referral
    today: dt.date

    @property
    def href(self) -> str:
        return reverse("referrals:referral", kwargs={"referral_id": self.referral.pk})

    @property
    def name(self) -> str:
        return self.referral.full_name

    @property
    def received(self) -> str:
        return formats.date(timezone.localtime(self.referral.received_at).date())

    @property
    def days_waited(self) -> int:
        return days_waited(self.referral.received_at, self.today)

    @property
    def urgent(self) -> bool:
        return self.referral.is_urgent

    @property
    def urgency_tag(self) -> dict[str, str] | None:
        """Urgent and emergency referrals carry a tag; routine ones none."""
        return urgency_tag(self.referral)

    @property
    def time_left(self) -> str:
        return time_left(self.referral)

    @property
    def source(self) -> str:
        return self.referral.get_source_display()

    @property
    def state(self) -> dict[str, str]:
        return state_tag(self.referral)

    @property
    def team(self) -> str:
        return self.referral.team.name

    @property
    def locality(self) -> str:
        return self.referral.locality.name if self.referral.locality_id else "Not known"


@dataclass
class FollowUpRow:
    handover: Handover
    today: dt.date

    @property
    def referral(self) -> ReferralRow:
        return ReferralRow(self.handover.referral, self.today)

    @property
    def destination(self) -> str:
        h = self.handover
        return h.service.name if h.service_id else h.team.name

    @property
    def due(self) -> str:
        return formats.date(self.handover.follow_up_on)

    @property
    def days_overdue(self) -> int:
        return (self.today - self.handover.follow_up_on).days

    @property
    def href(self) -> str:
        return reverse(
            "referrals:follow-up",
            kwargs={"referral_id": self.handover.referral_id, "handover_id": self.handover.pk},
        )


class ReferralPresenter:
    def __init__(self, referral: Referral, *, needs: list[Any]) -> None:
        self.referral = referral
        self.needs = needs

    @property
    def title(self) -> str:
        return f"Referral {self.referral.reference}"

    @property
    def state(self) -> dict[str, str]:
        return state_tag(self.referral)

    @property
    def days_waited(self) -> int:
        return days_waited(self.referral.received_at)

    def actions(self) -> list[dict[str, str]]:
        allowed = set(allowed_transitions(self.referral.state))
        if self.referral.state in (State.SIGNPOSTED, State.DECLINED):
            # These close through their follow-up, and come back to triage through it too.
            allowed -= {"close", "return_to_triage"}
        actions = [
            {"text": text, "href": reverse(name, kwargs={"referral_id": self.referral.pk})}
            for key, text, name in ACTIONS
            if key in allowed
        ]
        if self.referral.state in AWAITING_DECISION:
            actions.append(
                {
                    "text": "Change urgency",
                    "href": reverse(
                        "referrals:change-urgency", kwargs={"referral_id": self.referral.pk}
                    ),
                }
            )
        return actions

    @property
    def urgency_tag(self) -> dict[str, str] | None:
        return urgency_tag(self.referral)

    @property
    def urgency_callout(self) -> dict[str, str] | None:
        """For an urgent or emergency referral: why, and when the decision is due."""
        r = self.referral
        if not r.is_urgent:
            return None
        due = f"A triage decision is due {formats.datetime(r.due_at)}" if r.due_at else ""
        left = time_left(r)
        text = ". ".join(p for p in (r.urgency_reason, f"{due} ({left})" if left else due) if p)
        return {"heading": f"{r.get_urgency_display()} referral", "text": text + "."}

    def person_rows(self) -> list[dict[str, Any]]:
        r = self.referral
        contact = ", ".join(
            label
            for value, label in r._meta.get_field("contact_methods").base_field.choices
            if value in r.contact_methods
        )
        rows = [
            ("Name", r.full_name + (f" (prefers {r.preferred_name})" if r.preferred_name else "")),
            ("Date of birth", formats.date(r.date_of_birth)),
            ("NHS number", formats.nhs_number(r.nhs_number) if r.nhs_number else "Not given"),
            ("Postcode", r.postcode or "Not given"),
            ("Phone", r.phone or "Not given"),
            ("Email", r.email or "Not given"),
            ("How to contact", contact or "Not given"),
            ("Leave a message?", "Yes" if r.may_leave_message else "No"),
            ("When or how not to contact", r.contact_safety or "Nothing said"),
            (
                "Language",
                (r.preferred_language or "English")
                + (", needs an interpreter" if r.interpreter_needed else ""),
            ),
            ("Communication needs", r.communication_needs or "None given"),
            ("Access needs", r.access_needs or "None given"),
            (
                "GP practice",
                r.gp_practice.name if r.gp_practice_id else (r.gp_practice_name or "Not given"),
            ),
        ]
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]

    def wait_row(self) -> tuple[str, str]:
        """How long the referral waited: so far, while it waits for a decision; once decided,
        until the decision (or, closed with none, until it was closed)."""
        r = self.referral
        if r.state in AWAITING_DECISION:
            return ("Days waited", str(self.days_waited))
        ended = [t for t in r.transitions.all() if t.to_state in DECISIONS]
        closed = [t for t in r.transitions.all() if t.to_state == State.CLOSED]
        if ended or closed:
            when = (ended or closed)[0].at
            days = days_waited(r.received_at, timezone.localtime(when).date())
            waited = f"{days} day{'s' if days != 1 else ''}"
            if ended:
                return ("Waited for a decision", f"{waited}: decided on {formats.date(when)}")
            return ("Waited", f"{waited}: closed on {formats.date(when)} with no decision")
        return ("Waited for a decision", "Not recorded")

    def referral_rows(self) -> list[dict[str, Any]]:
        r = self.referral
        referrer = "The person themself"
        if r.referred_by_id:
            referrer = r.referred_by.display_name
            if r.referring_organisation_id:
                referrer += f", {r.referring_organisation.name}"
        rows = [
            ("Received", formats.datetime(r.received_at)),
            self.wait_row(),
            ("Source", r.get_source_display()),
            ("Referred by", referrer),
            ("Urgency", r.get_urgency_display()),
            ("Why", r.urgency_reason or "Not given"),
            ("Decision due", formats.datetime(r.due_at, empty="Not set")),
            ("What is going on", r.concerns),
            ("What would help", r.what_would_help or "Not given"),
            ("Needs", ", ".join(t.name for t in self.needs) or "None chosen"),
            ("Held by", f"{r.team.name} ({r.team.organisation.name})"),
            ("Locality", r.locality.name if r.locality_id else "Not known"),
        ]
        if r.source == "self":
            rows.append(
                (
                    "Thoughts of self-harm or ending their life",
                    r.get_self_harm_thoughts_display() or "Not answered",
                )
            )
            if r.self_harm_thoughts == "yes":
                rows.append(("Safe now", r.get_safe_now_display() or "Not answered"))
        if r.source != "self":
            rows.append(("Person agreed to the referral", "Yes" if r.person_agreed else "No"))
            rows.append(("What the person knows", r.person_knows or "Nothing recorded"))
        if r.onward_from_id:
            rows.append(("Handed over from", f"Referral {r.onward_from.reference}"))
        if r.rejection_reason:
            rows.append(("Declined because", r.get_rejection_reason_display()))
        if r.closure_reason:
            rows.append(("Closed because", r.get_closure_reason_display()))
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


@dataclass
class HistoryRow:
    transition: Transition

    @property
    def what(self) -> str:
        return TRANSITION_LABELS.get(self.transition.name, self.transition.name)

    @property
    def when(self) -> str:
        return formats.datetime(self.transition.at)

    @property
    def who(self) -> str:
        return self.transition.by.display_name if self.transition.by_id else "The person themself"

    @property
    def why(self) -> str:
        return self.transition.reason


@dataclass
class HandoverRow:
    handover: Handover

    @property
    def destination(self) -> str:
        h = self.handover
        if h.service_id:
            return f"{h.service.name} ({h.service.organization.name})"
        return f"{h.team.name} ({h.team.organisation.name})"

    @property
    def follow_up(self) -> str:
        return formats.date(self.handover.follow_up_on)

    @property
    def outcome(self) -> str:
        h = self.handover
        if not h.outcome:
            overdue = h.follow_up_on <= timezone.localdate()
            return "Due: record whether the person connected" if overdue else "Not yet due"
        return h.get_outcome_display() + (f" – {h.outcome_note}" if h.outcome_note else "")


# --- Matching a referral to a record -------------------------------------------------------------


def postcode_sector(postcode: str) -> str:
    """The outward code and sector of a postcode (``WY1 1AA`` gives ``WY1 1``): a district,
    not an address."""
    parts = postcode.upper().split()
    if len(parts) != 2 or not parts[1]:
        return ""
    return f"{parts[0]} {parts[1][0]}"


def _initials(*names: str) -> str:
    return " ".join(f"{name.strip()[0].upper()}." for name in names if name.strip())


def _agreement(person: Any, referral: Referral) -> tuple[list[str], list[str]]:
    """Which of the referral's identifiers agree with the record, and which differ."""
    checks = [
        (
            "NHS number",
            bool(referral.nhs_number and person.nhs_number),
            referral.nhs_number == person.nhs_number,
        ),
        (
            "name",
            True,
            (referral.given_name.strip().lower(), referral.family_name.strip().lower())
            == (person.given_name.strip().lower(), person.family_name.strip().lower()),
        ),
        ("date of birth", True, referral.date_of_birth == person.date_of_birth),
        (
            "postcode",
            bool(referral.postcode and person.postcode),
            referral.postcode.replace(" ", "").upper() == person.postcode.replace(" ", "").upper(),
        ),
    ]
    agree = [name for name, comparable, same in checks if comparable and same]
    differ = [name for name, comparable, same in checks if comparable and not same]
    return agree, differ


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def candidate_label(person: Any, referral: Referral) -> str:
    """A possible match for a referral, shown with the least needed to tell candidates apart
    and see a plain mismatch: the record's reference, initials, year of birth and postcode
    district, and which of the referral's identifiers agree with it. Never the record's NHS
    number, full date of birth, name or address: the triager compares with what the referral
    says and checks with the person (ADR-009)."""
    district = postcode_sector(person.postcode or "")
    parts = [
        f"Record {person.pk}: {_initials(person.given_name, person.family_name)}",
        f"born {person.date_of_birth.year}" if person.date_of_birth else "",
        f"postcode {district}" if district else "no postcode",
    ]
    label = ", ".join(p for p in parts if p)
    agree, differ = _agreement(person, referral)
    if agree:
        label += f". The referral's {_listed(agree)} {_verb('agree', agree)}"
    if differ:
        label += f"{';' if agree else '.'} its {_listed(differ)} {_verb('differ', differ)}"
    return label


def _verb(verb: str, subjects: list[str]) -> str:
    return f"{verb}s" if len(subjects) == 1 else verb
