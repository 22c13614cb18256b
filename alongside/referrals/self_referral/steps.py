"""The order of the self-referral's question pages, and checking them all before sending."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from alongside.referrals.self_referral import forms as f
from alongside.referrals.self_referral.journey import Journey

RETURN_TO_CHECK = "return=check"


@dataclass(frozen=True)
class Step:
    slug: str  # the page's address and URL name
    title: str  # its heading, and the start of its page title
    form: type[f.StepForm]

    @property
    def template(self) -> str:
        return f"referrals/self/{self.slug.replace('-', '_')}.jinja"

    def url(self, *, returning: bool = False) -> str:
        url = reverse(f"self_referral:{self.slug}")
        return f"{url}?{RETURN_TO_CHECK}" if returning else url


STEPS: tuple[Step, ...] = (
    Step("about-you", "About you", f.AboutYouForm),
    Step("where-you-live", "Where do you live?", f.WhereYouLiveForm),
    Step("contact", "How can we contact you safely?", f.ContactForm),
    Step("what-is-going-on", "What is going on for you?", f.WhatIsGoingOnForm),
    Step("your-safety", "Your safety", f.YourSafetyForm),
    Step("communication", "Communication and access needs", f.CommunicationForm),
    Step("gp", "Your GP practice and NHS number", f.GpForm),
    Step("consent", "Agreeing to be contacted", f.ConsentForm),
)
BY_SLUG = {step.slug: step for step in STEPS}


def form_for(step: Step, journey: Journey | None, data: Any = None) -> f.StepForm:
    """The step's form: bound to ``data``, or to the answers already given (so that going back
    shows them, with any problem they now have), or empty if the page was never answered."""
    kwargs: dict[str, Any] = {}
    if step.form is f.ContactForm:
        kwargs["has_postal_address"] = _has_postal_address(journey)
    if data is None and journey is not None:
        data = journey.answers(step.slug)
    return step.form(data, **kwargs)


def _has_postal_address(journey: Journey | None) -> bool:
    if journey is None:
        return False
    where = f.WhereYouLiveForm(journey.answers("where-you-live"))
    return where.is_bound and where.is_valid() and where.has_postal_address


def previous_url(step: Step, *, returning: bool = False) -> str:
    if returning:
        return reverse("self_referral:check")
    index = STEPS.index(step)
    return STEPS[index - 1].url() if index else reverse("self_referral:start")


def next_url(step: Step, form: f.StepForm, *, returning: bool = False) -> str:
    if isinstance(form, f.ConsentForm) and not form.consents:
        return reverse("self_referral:consent-needed")
    index = STEPS.index(step)
    if returning or index == len(STEPS) - 1:
        return reverse("self_referral:check")
    return STEPS[index + 1].url()


@dataclass(frozen=True)
class Checked:
    """Every page checked again: the forms, and the first page that needs the person's help."""

    forms: dict[str, f.StepForm]
    problem: Step | None
    consents: bool

    def referral_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for form in self.forms.values():
            fields.update(form.referral_fields())
        return fields


def check_all(journey: Journey) -> Checked:
    forms: dict[str, f.StepForm] = {}
    problem = None
    for step in STEPS:
        form = form_for(step, journey)
        forms[step.slug] = form
        if problem is None and not (form.is_bound and form.is_valid()):
            problem = step
    consent = forms["consent"]
    consents = consent.is_bound and consent.is_valid() and consent.consents
    return Checked(forms=forms, problem=problem, consents=consents)
