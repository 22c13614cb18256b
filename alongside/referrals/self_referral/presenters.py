"""Check your answers: every answer given, grouped as the pages asked them, each with a link to
change it that comes back to check-your-answers; and what the confirmation says happens next."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from alongside.core import formats
from alongside.organisations.models import Team
from alongside.referrals.models import ContactMethod, Urgency, describe_response_time
from alongside.referrals.self_referral import forms as f
from alongside.referrals.self_referral.steps import BY_SLUG, Checked

NOT_GIVEN = "Not given"


def _lines(values: list[str]) -> SafeString:
    """Each value on its own line, escaped; 'Not given' when there are none."""
    return format_html_join(mark_safe("<br>"), "{}", ((v,) for v in values or [NOT_GIVEN]))


def _text(value: str) -> SafeString:
    """Text as the person typed it, with its line breaks kept."""
    return _lines(value.strip().splitlines())


@dataclass
class Section:
    heading: str
    slug: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, key: str, value: SafeString) -> None:
        self.rows.append(
            {
                "key": {"text": key},
                "value": {"html": value},
                "actions": {
                    "items": [
                        {
                            "href": BY_SLUG[self.slug].url(returning=True),
                            "text": "Change",
                            "visuallyHiddenText": formats.mid_sentence(key),
                        }
                    ]
                },
            }
        )


def check_answers(checked: Checked) -> list[Section]:
    """The sections of the check-your-answers page, from pages that all passed their checks."""
    data = {slug: form.cleaned_data for slug, form in checked.forms.items()}

    about = Section("About you", "about-you")
    you = data["about-you"]
    about.add("Name", _text(f"{you['given_name']} {you['family_name']}"))
    about.add("What we should call you", _text(you["preferred_name"]))
    about.add("Date of birth", _text(formats.date(you["date_of_birth"])))

    where = Section("Where you live", "where-you-live")
    place = cast(f.WhereYouLiveForm, checked.forms["where-you-live"])
    where.add("Postcode", _text(data["where-you-live"]["postcode"] or f.NO_FIXED_ADDRESS))
    lines = [line for line in place.address.splitlines() if line != f.NO_FIXED_ADDRESS]
    where.add("Address", _lines(lines))

    contact = Section("How we contact you", "contact")
    ways = data["contact"]
    labels = dict(ContactMethod.choices)
    contact.add("Ways we can contact you", _lines([labels[m] for m in ways["contact_methods"]]))
    contact.add("Phone number", _text(ways["phone"]))
    contact.add("Email address", _text(ways["email"]))
    if ways.get("may_leave_message"):
        contact.add("Can we leave a message", _text(ways["may_leave_message"].capitalize()))
    contact.add("When or how not to contact you", _text(ways["contact_safety"]))

    going_on = Section("What is going on", "what-is-going-on")
    told = data["what-is-going-on"]
    going_on.add("What is going on for you", _text(told["concerns"]))
    going_on.add("What would help", _text(told["what_would_help"]))
    if "needs" in told:
        going_on.add("What you would like help with", _lines([t.name for t in told["needs"]]))

    safety = Section("Your safety", "your-safety")
    safe = data["your-safety"]
    answer = {"yes": "Yes", "no": "No"}.get(safe.get("self_harm_thoughts") or "", "Not answered")
    safety.add("Thoughts of harming yourself or ending your life", _text(answer))
    if safe.get("self_harm_thoughts") == "yes":
        now = {"yes": "Yes", "no": "No", "not_sure": "I'm not sure"}
        safety.add("Are you safe now", _text(now.get(safe.get("safe_now") or "", "Not answered")))

    needs = Section("Communication and access needs", "communication")
    comms = data["communication"]
    needs.add("Language", _text(comms["preferred_language"] or "English"))
    needs.add("Do you need an interpreter", _text(comms["interpreter_needed"].capitalize()))
    needs.add("Communication needs", _text(comms["communication_needs"]))
    needs.add("Access needs", _text(comms["access_needs"]))

    gp = Section("GP practice and NHS number", "gp")
    gp_fields = checked.forms["gp"].referral_fields()
    practice = gp_fields["gp_practice"]
    gp.add("GP practice", _text(practice.name if practice else gp_fields["gp_practice_name"]))
    gp.add("NHS number", _text(formats.nhs_number(gp_fields["nhs_number"], empty="")))

    consent = Section("Agreeing to be contacted", "consent")
    consent.add("Can we contact you about your request", _text("Yes"))

    return [about, where, contact, going_on, safety, needs, gp, consent]


@dataclass(frozen=True)
class NextSteps:
    """What happens after a self-referral is sent: the team that has it, how to reach that team
    (its own phone and email, or the service's when it has none), and how soon it aims to decide
    what happens next, for the urgency the answers gave."""

    team: str
    organisation: str
    phone: str
    email: str
    hours: str  # when the phone is answered: known for the service's own number only
    response: str  # "within 4 weeks"
    due: str  # "4 January 2027", or with the time for an urgent request
    urgent: bool

    @classmethod
    def after(cls, done: dict[str, Any], deployment: dict[str, Any]) -> NextSteps:
        """From what the session kept of the referral sent (``journey.finished``)."""
        team = (
            Team.objects.select_related("organisation").filter(pk=done["team"]).first()
            if done.get("team")
            else None
        )
        urgency = done.get("urgency") or (Urgency.URGENT if done.get("at_risk") else "routine")
        if urgency not in Urgency.values:
            urgency = Urgency.ROUTINE
        urgent = urgency != Urgency.ROUTINE
        due_at = dt.datetime.fromisoformat(done["due_at"]) if done.get("due_at") else None
        show = formats.datetime if urgent else formats.date
        phone = team.phone if team and team.phone else deployment["contact_phone"]
        return cls(
            team=team.name if team else "",
            organisation=team.organisation.name if team else "",
            phone=phone,
            email=team.email if team and team.email else deployment["contact_email"],
            hours="" if team and team.phone else deployment["contact_hours"],
            response=describe_response_time(urgency),
            due=show(due_at, empty="") if due_at else "",
            urgent=urgent,
        )

    @property
    def tel(self) -> str:
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")
