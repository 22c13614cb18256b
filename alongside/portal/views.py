"""The person's own pages, and the ways into them.

Designed for a phone first, in plain English. Every page about the person opens their own record
through the sharing module (``own_record``, basis: the person themself), so their own looks are
audited like anyone else's. Getting in: an invitation link from the care team (``invite``, then
``join``), a password (``accounts``) or a one-time code by email (``code_request``, ``code_enter``).
"""

from __future__ import annotations

import time as clock
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from alongside.accounts import lockout
from alongside.care import presenters as care_presenters
from alongside.care import queries as care_queries
from alongside.care import services as care_services
from alongside.care.forms import ContactPreferencesForm
from alongside.care.models import RatedBy
from alongside.care.presenters import PreferencesPresenter
from alongside.care.queries import contact_preferences
from alongside.core import formats
from alongside.core.access import public
from alongside.portal import measure_views, presenters, queries, services
from alongside.portal.forms import (
    AccountForm,
    CodeRequestForm,
    DateOfBirthForm,
    InvitationForm,
    NewPasswordForm,
    PlanNoteForm,
    RateGoalForm,
    SignInCodeForm,
)
from alongside.portal.models import MAX_WRONG_BIRTH_DATES, MAX_WRONG_CODES, PortalInvitation
from alongside.sharing import queries as sharing_queries
from alongside.sharing import services as sharing_services
from alongside.sharing import subject_access
from alongside.sharing.access import Access, client_address, no_person_data, own_record, person_data
from alongside.sharing.forms import PortalConsentForm, PortalSubjectAccessForm
from alongside.sharing.models import Action, ConsentMethod, Part, RequestChannel
from alongside.sharing.presenters import (
    RecordNavigation,
    access_rows,
    consent_rows,
    request_rows,
)
from alongside.sharing.views import json_download

PASSWORD_BACKEND = "django.contrib.auth.backends.ModelBackend"


_page = presenters.page


# --- The person's own pages --------------------------------------------------------------------


@own_record(Part.DETAILS)
def home(request: HttpRequest, access: Access) -> HttpResponse:
    person = access.person
    episode = queries.current_episode(person)
    context: dict[str, Any] = {"person": person, "episode": episode}
    if episode is not None:
        worker = queries.key_worker(episode)
        context.update(
            key_worker=presenters.key_worker_member(episode, worker),
            upcoming=[presenters.appointment(c) for c in queries.upcoming_contacts(person, 2)],
            unread_notes=queries.unread_notes(episode),
            reminders=measure_views.reminders(episode),
        )
    return render(request, "portal/home.jinja", _page("portal:home", **context))


@own_record(Part.PLAN)
def plan(request: HttpRequest, access: Access) -> HttpResponse:
    episode = queries.current_episode(access.person)
    version = queries.plan_version(episode) if episode else None
    shown = None
    if version is not None:
        shown = presenters.plan(version, queries.key_worker(episode))
    return render(request, "portal/plan.jinja", _page("portal:plan", episode=episode, plan=shown))


@own_record(Part.PLAN)
def goals(request: HttpRequest, access: Access) -> HttpResponse:
    episode = queries.current_episode(access.person)
    rows = [presenters.goal(g) for g in queries.goals(episode)] if episode else []
    return render(
        request,
        "portal/goals.jinja",
        _page(
            "portal:goals",
            episode=episode,
            current=[g for g in rows if not g.ended],
            finished=[g for g in rows if g.ended],
        ),
    )


@own_record(Part.OUTCOMES, action=Action.CHANGE)
def rate_goal(request: HttpRequest, access: Access) -> HttpResponse:
    """Rate one goal (``?goal=<id>``, one of the person's own); without one, choose a goal."""
    person = access.person
    wanted = request.GET.get("goal")
    if wanted is None:
        episode = queries.current_episode(person)
        rows = [presenters.goal(g) for g in queries.goals(episode)] if episode else []
        return render(
            request,
            "portal/choose_goal.jinja",
            _page("portal:goals", episode=episode, goals=[g for g in rows if not g.ended]),
        )
    goal = queries.open_goal(person, wanted)
    if goal is None:
        raise Http404("No such goal of yours")
    form = RateGoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            care_services.rate_goal(
                goal=goal,
                score=form.cleaned_data["score"],
                by=request.user,
                rated_by=RatedBy.PERSON,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request, f"Thank you. You rated this goal {form.cleaned_data['score']} out of 10"
            )
            return redirect("portal:goals")
    return render(
        request,
        "portal/rate_goal.jinja",
        _page(
            "portal:goals",
            goal=presenters.goal(goal),
            form=form,
            page_has_errors=bool(form.errors),
            back_link={"href": reverse("portal:goals")},
        ),
    )


@own_record(Part.CONTACTS)
def appointments(request: HttpRequest, access: Access) -> HttpResponse:
    person = access.person
    return render(
        request,
        "portal/appointments.jinja",
        _page(
            "portal:appointments",
            episode=queries.current_episode(person),
            upcoming=[presenters.appointment(c) for c in queries.upcoming_contacts(person)],
            past=[presenters.appointment(c) for c in queries.past_contacts(person)],
            discharged=any(
                e.ended_at is not None and e.discharge_summary
                for e in care_queries.episodes_of(person)[:1]
            ),
        ),
    )


@own_record(Part.CONTACTS)
def discharge_summary(request: HttpRequest, access: Access) -> HttpResponse:
    """The person's own discharge summary of their latest ended episode, to read and print."""
    ended = [e for e in care_queries.episodes_of(access.person) if e.ended_at is not None]
    if not ended or not ended[0].discharge_summary:  # newest first
        return render(request, "portal/no_discharge_summary.jinja", _page("portal:appointments"))
    episode = ended[0]
    return render(
        request,
        "care/discharge_summary.jinja",
        {
            "person": access.person,
            "summary": care_presenters.discharge_summary(episode),
            "episode": episode,
            "just_discharged": False,
            "for_person": True,
            "printed_at": timezone.now(),
            "back_href": reverse("portal:appointments"),
        },
    )


@own_record(Part.PLAN)
def care_team(request: HttpRequest, access: Access) -> HttpResponse:
    episode = queries.current_episode(access.person)
    members = []
    if episode is not None:
        members = presenters.care_team(
            episode, queries.key_worker(episode), queries.care_team_members(episode)
        )
    return render(
        request,
        "portal/care_team.jinja",
        _page("portal:care-team", episode=episode, members=members),
    )


@own_record(Part.PLAN, action=Action.CHANGE)
def notes(request: HttpRequest, access: Access) -> HttpResponse:
    """Things the person wants to talk about at their next conversation."""
    person = access.person
    episode = queries.current_episode(person)
    form = PlanNoteForm(request.POST if request.method == "POST" and episode else None)
    if request.method == "POST" and episode is not None and form.is_valid():
        try:
            note = care_services.add_person_note(
                episode=episode,
                text=form.cleaned_data["text"],
                urgent=form.cleaned_data.get("urgent", False),
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            if note.urgent:
                messages.success(
                    request,
                    "Your urgent note has been sent: your key worker will see it on their home "
                    "page straight away. If you need help now, call NHS 111 and choose option 2, "
                    "or 999 in an emergency.",
                )
            else:
                messages.success(request, "Your note has been added for your next conversation")
            return redirect("portal:notes")
    return render(
        request,
        "portal/notes.jinja",
        _page(
            "portal:notes",
            episode=episode,
            form=form,
            page_has_errors=bool(form.errors),
            notes=[presenters.note(n) for n in queries.plan_notes(person)],
        ),
    )


@own_record(Part.PLAN, action=Action.CHANGE)
def keeping_in_touch(request: HttpRequest, access: Access) -> HttpResponse:
    """The person says how they want to be in touch: the ways and times that suit them, whether
    someone may join them, and who they want involved. Their care team sees it beside the
    contact form. A change their care team made while this page was open is not overwritten."""
    person = access.person
    current = contact_preferences(person)
    form = ContactPreferencesForm(
        request.POST if request.method == "POST" else None,
        initial=ContactPreferencesForm.initial_from(current, seen_at=timezone.now()),
        person_name=None,
    )
    stale = False
    if request.method == "POST" and form.is_valid():
        try:
            care_services.set_contact_preferences(
                person=person, by=request.user, in_portal=True, **form.service_fields()
            )
        except care_services.StalePreferences:
            stale = True
            data = request.POST.copy()
            data["seen_at"] = timezone.now().isoformat()
            form = ContactPreferencesForm(data, person_name=None)
            form.is_valid()
            form.add_error(
                None,
                "This changed while you had the page open. Nothing you entered was saved: check "
                "what it says now, then save again.",
            )
            form.non_field_href = "#what-it-says-now"
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request, "Thank you. Your care team can now see how you want to be in touch"
            )
            return redirect("portal:keeping-in-touch")
    return render(
        request,
        "portal/keeping_in_touch.jinja",
        _page(
            "portal:care-team",
            form=form,
            stale=stale,
            preferences=PreferencesPresenter(current, person_name=None),
            page_has_errors=bool(form.errors),
        ),
    )


@own_record(Part.SHARING, action=Action.CHANGE)
def sharing(request: HttpRequest, access: Access) -> HttpResponse:
    person = access.person
    form = PortalConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            sharing_services.record_consent(
                person=person,
                organisation=form.cleaned_data["organisation"],
                parts=form.cleaned_data["parts"],
                method=ConsentMethod.PORTAL,
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request, f"You are now sharing with {form.cleaned_data['organisation'].name}"
            )
            return redirect("portal:sharing")
    consents = sharing_queries.consents_for(person)
    rows = consent_rows(consents, may_change=False, person_id=person.pk)
    return render(
        request,
        "portal/sharing.jinja",
        _page(
            "portal:sharing",
            person=person,
            rows=rows,
            open_consents=consents.filter(withdrawn_at__isnull=True),
            form=form,
            page_has_errors=bool(form.errors),
        ),
    )


@own_record(Part.SHARING, action=Action.CHANGE)
def stop_sharing(request: HttpRequest, access: Access, consent_id: int) -> HttpResponse:
    consent = get_object_or_404(
        sharing_queries.consents_for(access.person), pk=consent_id, withdrawn_at__isnull=True
    )
    if request.method == "POST":
        sharing_services.withdraw_consent(
            consent=consent, withdrawn_by=request.user, method=ConsentMethod.PORTAL
        )
        messages.success(request, f"You have stopped sharing with {consent.organisation.name}")
        return redirect("portal:sharing")
    return render(
        request,
        "portal/stop_sharing.jinja",
        _page("portal:sharing", consent=consent, back_link={"href": reverse("portal:sharing")}),
    )


@own_record(Part.AUDIT)
def who_has_looked(request: HttpRequest, access: Access) -> HttpResponse:
    rows = access_rows(sharing_queries.looks_at(access.person)[:200])
    return render(request, "portal/who_has_looked.jinja", _page("portal:who-has-looked", rows=rows))


# --- A copy of the person's record -------------------------------------------------------------


@own_record(Part.SHARING, action=Action.CHANGE)
def your_record(request: HttpRequest, access: Access) -> HttpResponse:
    """A copy of the record: what the portal shows, to download at once; or everything held,
    asked for here, reviewed by a privacy lead and then downloaded here once released."""
    person = access.person
    form = PortalSubjectAccessForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            made = sharing_services.ask_for_subject_access(
                person=person,
                recorded_by=request.user,
                channel=RequestChannel.PORTAL,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            messages.success(
                request,
                "Thank you. We have your request and will answer it by "
                f"{formats.date(made.due_on)}",
            )
            return redirect("portal:your-record")
    requests = list(sharing_queries.subject_access_requests_of(person))
    rows = request_rows(requests, download_route="portal:released-copy")
    return render(
        request,
        "portal/your_record.jinja",
        _page(
            "portal:your-record",
            form=form,
            rows=rows,
            waiting=any(r.is_open for r in requests),
            page_has_errors=bool(form.errors),
        ),
    )


@own_record(Part.DETAILS, action=Action.EXPORT)
def own_copy(request: HttpRequest, access: Access) -> HttpResponse:
    """What the portal shows the person, as a file, at once."""
    document = subject_access.own_copy(access.person)
    return json_download(document, f"my-record-{timezone.localdate():%Y-%m-%d}.json")


@own_record(Part.DETAILS, action=Action.EXPORT)
def released_copy(request: HttpRequest, access: Access, request_id: int) -> HttpResponse:
    """The copy of everything held, as the privacy lead reviewed and released it."""
    released = sharing_queries.released_request(access.person, request_id)
    if released is None:
        raise Http404("No copy of yours has been released with this number")
    document = subject_access.released_copy(released)
    return json_download(document, f"my-full-record-{released.released_at:%Y-%m-%d}.json")


# --- The care team invites the person ----------------------------------------------------------


@person_data(Part.SHARING, action=Action.CHANGE)
def invite(request: HttpRequest, access: Access) -> HttpResponse:
    """A key worker (or anyone in the person's care team) makes a single-use link for the person
    to set up their portal account, and sees the invitations still waiting."""
    person = access.person
    may_invite = queries.may_invite(request.user, person)
    form = InvitationForm(request.POST if request.method == "POST" else None, person=person)
    new_link = None
    if request.method == "POST" and may_invite:
        if "withdraw" in request.POST:
            wanted = request.POST["withdraw"]
            invitation = (
                queries.invitations(person).filter(pk=int(wanted)).first()
                if wanted.isdigit()
                else None
            )
            if invitation is not None and invitation.is_usable:
                services.withdraw_invitation(invitation=invitation, by=request.user)
                messages.success(request, "Invitation withdrawn: the link no longer works")
            return redirect("portal:invite", person_id=person.pk)
        if form.is_valid():
            try:
                made = services.create_invitation(person=person, by=request.user)
                link = request.build_absolute_uri(
                    reverse("portal:join-link", kwargs={"token": made.token})
                )
                if form.cleaned_data["email"] and person.email:
                    services.email_invitation(invitation=made.invitation, link=link)
            except ValidationError as error:
                form.add_validation_error(error)
            else:
                new_link = {
                    "href": link,
                    "expires": formats.datetime(made.invitation.expires_at),
                    "emailed": bool(form.cleaned_data["email"] and person.email),
                }
                form = InvitationForm(person=person)
    rows = [presenters.invitation_row(i) for i in queries.invitations(person)[:20]]
    return render(
        request,
        "portal/invite.jinja",
        {
            "person": person,
            "access": access,
            "record_nav": RecordNavigation(request.user, access),
            "back_link": {"href": reverse("people:list"), "text": "Back to people"},
            "may_invite": may_invite,
            "has_account": person.user_id is not None,
            "account_open": person.user_id is not None and person.user.is_active,
            "account_has_address": person.user_id is not None
            and bool(person.user.email or person.email),
            "has_episode": queries.current_episode(person) is not None,
            "form": form,
            "page_has_errors": bool(form.errors),
            "new_link": new_link,
            "outstanding": [r for r in rows if r.may_withdraw],
            "earlier": [r for r in rows if not r.may_withdraw],
        },
    )


# --- The person accepts the invitation ---------------------------------------------------------

JOIN_SESSION_KEY = "alongside_portal_join"


def _join_stopped(request: HttpRequest, invitation: PortalInvitation | None) -> HttpResponse:
    """The page for a link that does not work (unknown, expired, used or withdrawn)."""
    request.session.pop(JOIN_SESSION_KEY, None)
    status = invitation.status.value if invitation is not None else "unknown"
    return render(
        request,
        "portal/join_stopped.jinja",
        {
            "status": status,
            "too_many_tries": bool(
                invitation and invitation.wrong_birth_dates >= MAX_WRONG_BIRTH_DATES
            ),
        },
        status=404 if invitation is None else 410,
    )


def _join_blocked(request: HttpRequest, invitation: PortalInvitation) -> HttpResponse | None:
    """What stops a link being used, if anything, in the order it is told: someone is already
    signed in; the link is used, expired or withdrawn; the person has an account already."""
    if request.user.is_authenticated:
        if invitation.person.user_id == request.user.pk:
            return redirect("portal:home")
        return render(request, "portal/join_signed_in.jinja")
    if not invitation.is_usable:
        return _join_stopped(request, invitation)
    if invitation.person.user_id is not None and (
        invitation.for_account_id != invitation.person.user_id
    ):
        request.session.pop(JOIN_SESSION_KEY, None)
        return render(request, "portal/join_has_account.jinja")
    return None


@no_person_data
@public
@never_cache
def join_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation. The token moves into the session at once, so the pages that
    follow carry no secret in their address."""
    invitation = services.find_invitation(token)
    if invitation is None:
        return _join_stopped(request, None)
    blocked = _join_blocked(request, invitation)
    if blocked is not None:
        return blocked
    request.session[JOIN_SESSION_KEY] = {"invitation": invitation.pk, "born": False}
    return redirect("portal:join")


@no_person_data
@public
@never_cache
def join(request: HttpRequest) -> HttpResponse:
    """Confirm the date of birth, then choose a username and password."""
    state = request.session.get(JOIN_SESSION_KEY)
    invitation = None
    if state:
        invitation = (
            PortalInvitation.objects.select_related("person").filter(pk=state["invitation"]).first()
        )
    if invitation is None:
        return _join_stopped(request, None)
    blocked = _join_blocked(request, invitation)
    if blocked is not None:
        return blocked
    if not state.get("born"):
        return _confirm_birth_date(request, invitation, state)
    return _choose_account(request, invitation)


def _confirm_birth_date(
    request: HttpRequest, invitation: PortalInvitation, state: dict[str, Any]
) -> HttpResponse:
    form = DateOfBirthForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            right = services.check_birth_date(
                invitation=invitation, date_of_birth=form.cleaned_data["date_of_birth"]
            )
        except services.InvitationUnusable:
            right = False
        if right:
            request.session[JOIN_SESSION_KEY] = {**state, "born": True}
            return redirect("portal:join")
        invitation.refresh_from_db()
        if not invitation.is_usable:
            return _join_stopped(request, invitation)
        left = MAX_WRONG_BIRTH_DATES - invitation.wrong_birth_dates
        form.add_error(
            "date_of_birth",
            "The date of birth does not match the one your care team has for you. Check it and "
            f"try again ({left} {'try' if left == 1 else 'tries'} left)",
        )
    return render(
        request,
        "portal/join_birth_date.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "new_password": invitation.for_account_id is not None,
        },
    )


def _choose_new_password(request: HttpRequest, invitation: PortalInvitation) -> HttpResponse:
    account = invitation.for_account
    form = NewPasswordForm(request.POST if request.method == "POST" else None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.choose_new_password(
                invitation=invitation,
                password=form.cleaned_data["password"],
                ip_address=client_address(request),
            )
        except services.InvitationUnusable:
            invitation = PortalInvitation.objects.select_related("person").get(pk=invitation.pk)
            return _join_blocked(request, invitation) or _join_stopped(request, invitation)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            request.session.pop(JOIN_SESSION_KEY, None)
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, "Your new password is set. Welcome back")
            return redirect("portal:home")
    return render(
        request,
        "portal/join_new_password.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "name": invitation.person.preferred_name or invitation.person.given_name,
            "username": account.get_username(),
        },
    )


def _choose_account(request: HttpRequest, invitation: PortalInvitation) -> HttpResponse:
    if invitation.for_account_id is not None:
        return _choose_new_password(request, invitation)
    person = invitation.person
    form = AccountForm(request.POST if request.method == "POST" else None, person=person)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.accept_invitation(
                invitation=invitation,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                ip_address=client_address(request),
            )
        except (services.InvitationUnusable, services.AlreadyHasAccount):
            invitation = PortalInvitation.objects.select_related("person").get(pk=invitation.pk)
            return _join_blocked(request, invitation) or _join_stopped(request, invitation)
        except ValidationError as error:
            form.add_validation_error(error)
        else:
            request.session.pop(JOIN_SESSION_KEY, None)
            login(request, user, backend=PASSWORD_BACKEND)
            messages.success(request, "Your account is ready. Welcome to Alongside")
            return redirect("portal:home")
    return render(
        request,
        "portal/join_account.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "name": person.preferred_name or person.given_name,
        },
    )


# --- Signing in ---------------------------------------------------------------------------------


@no_person_data
@public
def sign_in_help(request: HttpRequest) -> HttpResponse:
    """How a person signs in to see their own care: a password, or a code by email."""
    if request.user.is_authenticated:
        return redirect("home")
    return render(request, "portal/sign_in.jinja")


CODE_SESSION_KEY = "alongside_portal_code"


@dataclass(frozen=True)
class _Who:
    """The name a code sign-in counts failures against (the lockout is per username)."""

    username: str

    def get_username(self) -> str:
        return self.username


@no_person_data
@public
@never_cache
def code_request(request: HttpRequest) -> HttpResponse:
    """Ask for a one-time code by email. The answer is the same whether or not an account
    matches, so the page never tells anyone who has an account."""
    if request.user.is_authenticated:
        return redirect("home")
    form = CodeRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        identifier = form.cleaned_data["identifier"].strip()
        user = services.portal_account(identifier)
        who = _Who(user.get_username() if user else identifier.lower())
        if lockout.is_locked_out(request, who):
            return lockout.locked_out(request)
        code = services.send_sign_in_code(user=user) if user else None
        expires = code.expires_at.timestamp() if code else clock.time() + services.CODE_MINUTES * 60
        request.session[CODE_SESSION_KEY] = {
            "code": code.pk if code else None,
            "who": who.username,
            "expires": expires,
            "wrong": 0,
        }
        return redirect("portal:sign-in-code-enter")
    return render(
        request,
        "portal/code_request.jinja",
        {"form": form, "page_has_errors": bool(form.errors)},
    )


@no_person_data
@public
@never_cache
def code_enter(request: HttpRequest) -> HttpResponse:
    """Enter the code from the email. 5 wrong codes make it void (and count towards the same
    lockout as wrong passwords); it expires after 10 minutes."""
    if request.user.is_authenticated:
        return redirect("home")
    pending = request.session.get(CODE_SESSION_KEY)
    if not pending:
        return redirect("portal:sign-in-code")
    who = _Who(pending["who"])
    form = SignInCodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if lockout.is_locked_out(request, who):
            return lockout.locked_out(request)
        user = None
        if clock.time() >= pending["expires"]:
            outcome = services.CodeCheck.EXPIRED
        elif pending["code"] is None:
            outcome = services.CodeCheck.WRONG  # no account matched: every code is wrong
        else:
            result = services.check_sign_in_code(
                code_id=pending["code"], code=form.cleaned_data["code"]
            )
            outcome, user = result.outcome, result.user
        if outcome is services.CodeCheck.RIGHT and user is not None:
            request.session.pop(CODE_SESSION_KEY, None)
            login(request, user, backend=PASSWORD_BACKEND)
            lockout.reset_failures(request, user)
            return redirect("home")
        if outcome is services.CodeCheck.EXPIRED:
            request.session.pop(CODE_SESSION_KEY, None)
            return render(request, "portal/code_stopped.jinja", {"expired": True})
        # Wrong, or a code already used or replaced: all answered alike, so that the answers
        # never tell whether an account exists.
        pending["wrong"] += 1
        request.session[CODE_SESSION_KEY] = pending
        if lockout.record_failure(request, who):
            request.session.pop(CODE_SESSION_KEY, None)
            return lockout.locked_out(request)
        if pending["wrong"] >= MAX_WRONG_CODES:
            request.session.pop(CODE_SESSION_KEY, None)
            return render(request, "portal/code_stopped.jinja", {"expired": False})
        form.wrong_code()
    return render(
        request,
        "portal/code_enter.jinja",
        {
            "form": form,
            "page_has_errors": bool(form.errors),
            "minutes": services.CODE_MINUTES,
        },
    )
