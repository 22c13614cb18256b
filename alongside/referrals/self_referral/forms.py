"""The self-referral's question pages, one form a page.

Each form checks its own page, including answers that contradict each other on that page (a phone
call chosen but no phone number given). ``referral_fields()`` turns a page's answers into the
arguments ``services.submit_self_referral`` takes, so that the view only joins them up.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from alongside.core.forms import (
    DATE_PARTS,
    CheckboxInput,
    CheckboxSelectMultiple,
    DateField,
    DateInput,
    NhsForm,
    RadioSelect,
    TelInput,
    Textarea,
)
from alongside.core.validators import normalise_nhs_number, normalise_postcode
from alongside.directory.queries import needs_terms
from alongside.organisations.models import Organisation, OrganisationKind
from alongside.people.models import EARLIEST_BIRTH_DATE
from alongside.referrals.models import ContactMethod
from alongside.referrals.self_referral.journey import Answers

#: The youngest age the service is for: community mental health services for adults.
MINIMUM_AGE = 18
LONG_TEXT = 5_000
SHORT_TEXT = 2_000
YES_NO = [("yes", "Yes"), ("no", "No")]
NO_FIXED_ADDRESS = "No fixed address"


def _long_text(
    label: str, name: str, *, required: bool = False, limit: int = LONG_TEXT, **kwargs: Any
) -> forms.CharField:
    """A box for the person's own words; ``name`` is what its length message calls it."""
    messages = {"max_length": f"{name} must be {limit:,} characters or fewer"}
    messages.update(kwargs.pop("error_messages", {}))
    return forms.CharField(
        label=label,
        required=required,
        max_length=limit,
        widget=Textarea(attrs={"rows": 5}),
        error_messages=messages,
        **kwargs,
    )


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, in a year that has none
        return day.replace(year=day.year - years, day=28)


class StepForm(NhsForm):
    """One page of the journey. Its answers are kept in the session as submitted."""

    def full_clean(self) -> None:
        """Check the page; then list its errors in the order of its fields, as the error
        summary should, whichever check found them."""
        super().full_clean()
        if self._errors:
            order = {name: index for index, name in enumerate(self.fields)}
            self._errors = type(self._errors)(
                sorted(self._errors.items(), key=lambda item: order.get(item[0], -1))
            )

    def answers(self) -> Answers:
        """The submitted values of this page's fields (the date's three boxes each)."""
        kept: Answers = {}
        for name, field in self.fields.items():
            keys = (
                [f"{name}-{part}" for part in DATE_PARTS]
                if isinstance(field.widget, DateInput)
                else [name]
            )
            for key in keys:
                kept[key] = [str(value) for value in self.data.getlist(key)]
        return kept

    def referral_fields(self) -> dict[str, Any]:
        """This page's answers as ``submit_self_referral`` takes them."""
        return dict(self.cleaned_data)


class AboutYouForm(StepForm):
    given_name = forms.CharField(
        label="First name",
        max_length=100,
        error_messages={
            "required": "Enter your first name",
            "max_length": "First name must be 100 characters or fewer",
        },
    )
    family_name = forms.CharField(
        label="Last name",
        max_length=100,
        error_messages={
            "required": "Enter your last name",
            "max_length": "Last name must be 100 characters or fewer",
        },
    )
    preferred_name = forms.CharField(
        label="What would you like us to call you? (optional)",
        required=False,
        max_length=100,
        help_text="If it is different from your first name",
        error_messages={
            "max_length": "The name we should call you must be 100 characters or fewer"
        },
    )
    date_of_birth = DateField(
        label="Date of birth",
        label_name="Date of birth",
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter your date of birth"},
    )

    def clean_date_of_birth(self) -> dt.date:
        born = self.cleaned_data["date_of_birth"]
        today = timezone.localdate()
        if born > today:
            raise ValidationError("Date of birth must be in the past", code="future_date")
        if born < EARLIEST_BIRTH_DATE:
            raise ValidationError("Date of birth must be after 1900", code="too_early")
        if born > _years_before(today, MINIMUM_AGE):
            raise ValidationError(
                f"You must be {MINIMUM_AGE} or over to use this service", code="under_age"
            )
        return born

    @property
    def under_age(self) -> bool:
        return self.has_error("date_of_birth", code="under_age")


class WhereYouLiveForm(StepForm):
    postcode = forms.CharField(
        label="Postcode",
        required=False,
        max_length=10,
        help_text="For example, LS1 4AP",
        error_messages={"max_length": "Enter a full UK postcode, like LS1 4AP"},
    )
    no_fixed_address = forms.BooleanField(
        label="I do not have a fixed address", required=False, widget=CheckboxInput
    )
    address_line_1 = forms.CharField(
        label="Address line 1 (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Address line 1 must be 200 characters or fewer"},
    )
    address_line_2 = forms.CharField(
        label="Address line 2 (optional)",
        required=False,
        max_length=200,
        error_messages={"max_length": "Address line 2 must be 200 characters or fewer"},
    )
    town = forms.CharField(
        label="Town or city (optional)",
        required=False,
        max_length=100,
        error_messages={"max_length": "Town or city must be 100 characters or fewer"},
    )

    def clean_postcode(self) -> str:
        value = self.cleaned_data["postcode"].strip()
        if not value:
            if not self["no_fixed_address"].data:
                raise ValidationError(
                    "Enter your postcode, or select 'I do not have a fixed address'"
                )
            return ""
        return normalise_postcode(value)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("address_line_1") and (data.get("address_line_2") or data.get("town")):
            self.add_error(
                "address_line_1", "Enter address line 1, usually the building and street"
            )
        return data

    @property
    def address(self) -> str:
        lines = [
            self.cleaned_data.get(name, "").strip()
            for name in ("address_line_1", "address_line_2", "town")
        ]
        given = "\n".join(line for line in lines if line)
        if not given and self.cleaned_data.get("no_fixed_address"):
            return NO_FIXED_ADDRESS
        return given

    @property
    def has_postal_address(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("address_line_1") and data.get("postcode"))

    def referral_fields(self) -> dict[str, Any]:
        return {"postcode": self.cleaned_data["postcode"], "address": self.address}


_PHONE = re.compile(r"^\+?[\d\s()-]+$")


class ContactForm(StepForm):
    contact_methods = forms.MultipleChoiceField(
        label="How can we contact you?",
        help_text="Select all that apply",
        choices=ContactMethod.choices,
        widget=CheckboxSelectMultiple,
        error_messages={"required": "Select at least one way we can contact you"},
    )
    phone = forms.CharField(
        label="Phone number",
        required=False,
        max_length=30,
        widget=TelInput,
        help_text="Needed for a phone call or a text message. For example, 07700 900 982",
        error_messages={"max_length": "Phone number must be 30 characters or fewer"},
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        help_text="Needed for an email",
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    may_leave_message = forms.ChoiceField(
        label="Can we leave a message if you do not answer?",
        required=False,
        help_text="A voicemail or a text saying who we are and asking you to call us back",
        choices=YES_NO,
        widget=RadioSelect,
    )
    contact_safety = _long_text(
        "Is there a time or a way we should not contact you? (optional)",
        "When or how not to contact you",
        limit=SHORT_TEXT,
        help_text=(
            "For example, do not call before 10am, or do not send letters because someone else "
            "opens your post"
        ),
    )

    def __init__(self, *args: Any, has_postal_address: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.has_postal_address = has_postal_address

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        digits = re.sub(r"\D", "", value)
        if value and (not _PHONE.match(value) or not 10 <= len(digits) <= 15):
            raise ValidationError(
                "Enter a phone number, like 01632 960 001, 07700 900 982 or +44 808 157 0192"
            )
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        methods = set(data.get("contact_methods") or ())
        by_phone = methods & {ContactMethod.PHONE, ContactMethod.TEXT}
        if by_phone and "phone" in data and not data["phone"]:
            self.add_error(
                "phone", "Enter your phone number, or choose another way for us to contact you"
            )
        if ContactMethod.EMAIL in methods and "email" in data and not data["email"]:
            self.add_error(
                "email", "Enter your email address, or choose another way for us to contact you"
            )
        if ContactMethod.LETTER in methods and not self.has_postal_address:
            self.add_error(
                "contact_methods",
                "To get letters, enter your address and postcode on the 'Where do you live?' "
                "page, or choose another way for us to contact you",
            )
        if by_phone and not data.get("may_leave_message"):
            self.add_error("may_leave_message", "Select yes if we can leave you a message")
        return data

    def referral_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "contact_methods": list(data["contact_methods"]),
            "phone": data["phone"],
            "email": data["email"],
            "may_leave_message": data.get("may_leave_message") == "yes",
            "contact_safety": data["contact_safety"].strip(),
        }


class NeedsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.name


class WhatIsGoingOnForm(StepForm):
    concerns = _long_text(
        "Tell us what is happening and how it is affecting you",
        "What is going on",
        required=True,
        help_text="Use your own words. You can write as much or as little as you like",
        error_messages={
            "required": "Tell us what is going on for you",
        },
    )
    what_would_help = _long_text(
        "What do you think would help? (optional)",
        "What would help",
        help_text="For example, someone to talk to, help with money worries, or meeting people",
    )
    needs = NeedsField(
        label="What would you like help with? (optional)",
        help_text="Select all that apply",
        required=False,
        queryset=needs_terms(),
        widget=CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Select from the list",
            "invalid_pk_value": "Select from the list",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["needs"].queryset = needs_terms()
        if not self.fields["needs"].queryset.exists():
            del self.fields["needs"]

    def referral_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "concerns": data["concerns"].strip(),
            "what_would_help": data["what_would_help"].strip(),
            "needs": list(data.get("needs") or ()),
        }


class YourSafetyForm(StepForm):
    """The one question about risk, asked as NHS self-referral services ask it, with "Are you
    safe now?" after it. Left unanswered, it is asked again once, gently; then it may be
    skipped (``asked_again`` remembers that it was asked)."""

    self_harm_thoughts = forms.ChoiceField(
        label="Have you had thoughts of harming yourself or of ending your life?",
        help_text="Many people have thoughts like these when things are hard. Telling us helps "
        "us know how soon to get in touch. You will not be judged",
        required=False,
        choices=YES_NO,
        widget=RadioSelect,
    )
    safe_now = forms.ChoiceField(
        label="Are you safe now?",
        help_text="If you said yes above",
        required=False,
        choices=[("yes", "Yes"), ("no", "No"), ("not_sure", "I'm not sure")],
        widget=RadioSelect,
    )
    asked_again = forms.BooleanField(required=False, widget=forms.HiddenInput)

    #: True when the question was left unanswered the first time: the page asks again, kindly,
    #: and lets the person carry on without answering.
    asking_again = False

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("self_harm_thoughts") and not data.get("asked_again"):
            self.asking_again = True
            raise ValidationError(
                "You did not answer the question about your safety. You do not have to, but it "
                "helps us know how soon to contact you. Answer it, or select Continue to carry "
                "on without answering",
                code="ask_again",
            )
        return data

    def referral_fields(self) -> dict[str, Any]:
        thoughts = self.cleaned_data.get("self_harm_thoughts") or ""
        return {
            "self_harm_thoughts": thoughts,
            "safe_now": (self.cleaned_data.get("safe_now") or "") if thoughts == "yes" else "",
        }


class CommunicationForm(StepForm):
    preferred_language = forms.CharField(
        label="What language would you like us to use? (optional)",
        required=False,
        max_length=60,
        help_text="Leave this empty for English",
        error_messages={"max_length": "Language must be 60 characters or fewer"},
    )
    interpreter_needed = forms.ChoiceField(
        label="Do you need an interpreter?",
        help_text="Including a British Sign Language (BSL) interpreter",
        choices=YES_NO,
        widget=RadioSelect,
        error_messages={"required": "Select yes if you need an interpreter"},
    )
    communication_needs = _long_text(
        "Do you have any communication needs? (optional)",
        "Communication needs",
        limit=SHORT_TEXT,
        help_text=(
            "For example, easy read, large print, or you would like someone with you when we talk"
        ),
    )
    access_needs = _long_text(
        "Do you have any access needs? (optional)",
        "Access needs",
        limit=SHORT_TEXT,
        help_text="For example, step-free access, a quiet place to wait, or appointments at "
        "certain times of day",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("interpreter_needed") == "yes" and not data.get("preferred_language"):
            self.add_error(
                "preferred_language",
                "Enter the language you need an interpreter for, like Polish or British Sign "
                "Language",
            )
        return data

    def referral_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "preferred_language": data["preferred_language"].strip(),
            "interpreter_needed": data["interpreter_needed"] == "yes",
            "communication_needs": data["communication_needs"].strip(),
            "access_needs": data["access_needs"].strip(),
        }


def gp_practice_named(text: str) -> Organisation | None:
    """The GP practice with this name or ODS code, if it is one we know."""
    return (
        Organisation.objects.filter(kind=OrganisationKind.GP_PRACTICE)
        .filter(Q(name__iexact=text) | Q(ods_code__iexact=text))
        .order_by("name", "pk")
        .first()
    )


class GpForm(StepForm):
    gp_practice = forms.CharField(
        label="GP practice name (optional)",
        required=False,
        max_length=200,
        help_text="The GP surgery you are registered with, if you have one",
        error_messages={"max_length": "GP practice name must be 200 characters or fewer"},
    )
    nhs_number = forms.CharField(
        label="NHS number (optional)",
        required=False,
        max_length=20,
        help_text=(
            "A 10 digit number, like 999 123 4567. You can find it on letters from the NHS, on a "
            "prescription or in the NHS App. Leave it empty if you do not know it"
        ),
        error_messages={"max_length": "NHS number must be 10 numbers"},
    )

    def clean_nhs_number(self) -> str:
        value = self.cleaned_data["nhs_number"].strip()
        return normalise_nhs_number(value) if value else ""

    def referral_fields(self) -> dict[str, Any]:
        name = self.cleaned_data["gp_practice"].strip()
        practice = gp_practice_named(name) if name else None
        return {
            "gp_practice": practice,
            "gp_practice_name": "" if practice else name,
            "nhs_number": self.cleaned_data["nhs_number"],
        }


class ConsentForm(StepForm):
    consent_to_contact = forms.ChoiceField(
        label="Can we contact you about your request?",
        help_text="Only in the ways you chose, and only about your request for support",
        choices=YES_NO,
        widget=RadioSelect,
        error_messages={"required": "Select yes if we can contact you about your request"},
    )

    @property
    def consents(self) -> bool:
        return self.cleaned_data.get("consent_to_contact") == "yes"

    def referral_fields(self) -> dict[str, Any]:
        return {"consent_to_contact": self.consents}


class SendForm(NhsForm):
    """Check your answers: the one-time key, and a honeypot for automated form fillers.

    The honeypot is hidden from everyone (``hidden`` and ``aria-hidden`` on its form group, out of
    the tab order): a person never sees it, and anything that fills it in is not a person.
    """

    submission_key = forms.UUIDField(widget=forms.HiddenInput)
    website = forms.CharField(
        label="Leave this box empty", required=False, max_length=500, strip=False
    )

    @property
    def is_automated(self) -> bool:
        return bool(self.cleaned_data.get("website"))

    def error_summary_items(self) -> list[dict[str, str]]:
        """Errors here come from sending (the service), not from a field the person can see."""
        return [
            {"text": str(message), "href": "#send-request"}
            for errors in self.errors.values()
            for message in errors
        ]
