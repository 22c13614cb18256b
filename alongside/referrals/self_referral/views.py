"""The public self-referral: a person asks for mental health support without signing in.

The pages follow the NHS.UK question-page pattern: a start page, one topic a page, check your
answers, and a confirmation with the referral's reference. Answers are kept in the session
(``journey``) until the referral is sent. Sending is safe to repeat: the journey's one-time
``submission_key`` goes to ``submit_self_referral``, which gives the same referral for the same key.

Nothing here reaches anyone's record: the answers belong to the visitor, and there is no record
until triage makes one, so every view declares ``no_person_data``. No page is cached by the
browser, so answers cannot be read back from its history on a shared computer.

Abuse protection, without CAPTCHAs: a honeypot field on check-your-answers, hidden from sight and
from assistive technology (anything that fills it gets a neutral "We could not send your request"
page, and nothing is saved); and a rate limit per address (``limits``), over which the person gets
a 429 page with the numbers to call instead.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache

from alongside.core.access import no_person_data, public
from alongside.referrals import services
from alongside.referrals.self_referral import limits, steps
from alongside.referrals.self_referral.forms import MINIMUM_AGE, SendForm
from alongside.referrals.self_referral.journey import Journey, finished
from alongside.referrals.self_referral.presenters import NextSteps, check_answers
from alongside.sharing.access import client_address

logger = logging.getLogger(__name__)

View = Callable[..., HttpResponse]


def journey_page(view: View) -> View:
    """Never cached; and a database failure gives the 'problem with the service' page (503),
    with the answers still in the session so that trying again works."""

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (OperationalError, InterfaceError):
            logger.exception("Self-referral: the database failed")
            return render(
                request,
                "referrals/self/problem.jinja",
                {"retry_href": request.get_full_path()},
                status=503,
            )

    return wrapped


def _context(**extra: Any) -> dict[str, Any]:
    return {"minimum_age": MINIMUM_AGE, **extra}


@no_person_data
@public
@journey_page
def start(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "referrals/self/start.jinja",
        _context(
            first_href=steps.STEPS[0].url(),
            kept_minutes=settings.SESSION_COOKIE_AGE // 60,
            back_link={"href": reverse("home"), "text": "Back"},
        ),
    )


@no_person_data
@public
@journey_page
def question(request: HttpRequest, step: str) -> HttpResponse:
    """One question page: show the answers given so far, keep new ones, go on."""
    page = steps.BY_SLUG[step]
    returning = request.GET.get("return") == "check"
    if request.method == "POST":
        # The journey, and its one-time key, start with the first answer given.
        journey = Journey.begin(request.session)
        form = steps.form_for(page, journey, request.POST)
        if form.is_valid():
            journey.save(page.slug, form.answers())
            return redirect(steps.next_url(page, form, returning=returning))
    else:
        form = steps.form_for(page, Journey.current(request.session))
    return render(
        request,
        page.template,
        _context(
            form=form,
            step=page,
            action=page.url(returning=returning),
            back_link={"href": steps.previous_url(page, returning=returning), "text": "Back"},
            # A question asked again gently is not an error (the page is not titled "Error").
            page_has_errors=bool(form.errors) and not getattr(form, "asking_again", False),
        ),
    )


@no_person_data
@public
@journey_page
def consent_needed(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "referrals/self/consent_needed.jinja",
        _context(back_link={"href": steps.BY_SLUG["consent"].url(), "text": "Back"}),
    )


@no_person_data
@public
@journey_page
def check(request: HttpRequest) -> HttpResponse:
    """Check your answers, and send them."""
    done = finished(request.session)
    if request.method == "POST" and done and request.POST.get("submission_key") == done["key"]:
        return redirect("self_referral:sent")  # sent already: a double click or a retry
    journey = Journey.current(request.session)
    if journey is None:
        return redirect("self_referral:sent" if done else "self_referral:start")
    checked = steps.check_all(journey)
    if checked.problem is not None:
        return redirect(checked.problem.url(returning=True))
    if not checked.consents:
        return redirect("self_referral:consent-needed")
    form = SendForm(
        request.POST if request.method == "POST" else None,
        initial={"submission_key": journey.key},
    )
    if request.method == "POST":
        if not form.is_valid() or form.cleaned_data["submission_key"] != journey.key:
            return redirect("self_referral:check")  # a page from an earlier journey
        if not limits.admit_attempt(client_address(request)):
            response = render(
                request,
                "referrals/self/too_many.jinja",
                _context(deployment=settings.ALONGSIDE_DEPLOYMENT),
                status=429,
            )
            response["Retry-After"] = str(int(limits.WINDOW.total_seconds()))
            return response
        if form.is_automated:
            return render(request, "referrals/self/not_sent.jinja", _context(), status=400)
        try:
            referral = services.submit_self_referral(
                submission_key=journey.key, **checked.referral_fields()
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            journey.finish(
                referral.reference,
                at_risk=referral.is_urgent,
                team_id=referral.team_id,
                urgency=referral.urgency,
                due_at=referral.due_at,
            )
            return redirect("self_referral:sent")
    return render(
        request,
        "referrals/self/check.jinja",
        _context(
            form=form,
            sections=check_answers(checked),
            back_link={"href": steps.STEPS[-1].url(), "text": "Back"},
            page_has_errors=bool(form.errors),
        ),
    )


@no_person_data
@public
@journey_page
def sent(request: HttpRequest) -> HttpResponse:
    done = finished(request.session)
    if done is None:
        return redirect("self_referral:start")
    return render(
        request,
        "referrals/self/sent.jinja",
        _context(
            reference=done["reference"],
            at_risk=bool(done.get("at_risk")),
            next_steps=NextSteps.after(done, settings.ALONGSIDE_DEPLOYMENT),
        ),
    )
