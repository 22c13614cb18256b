"""Signing in (password, then a code when two-factor sign-in applies), out, and the account page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from alongside.accounts import lockout, two_factor
from alongside.accounts.forms import CodeForm, PasswordChangeForm, SignInForm
from alongside.accounts.two_factor import Step, step_url
from alongside.core.access import PUBLIC, no_person_data, requires
from alongside.organisations.permissions import Permission


def next_url(request: HttpRequest, default: str = "home") -> str:
    """Where to go after this step: the ``next`` given, if it is on this site."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(default)


class SignInView(auth_views.LoginView):
    no_person_data = True
    permission = PUBLIC
    template_name = "accounts/sign_in.jinja"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form: SignInForm) -> HttpResponse:
        response = super().form_valid(form)
        user = self.request.user
        step = two_factor.next_step(user, self.request.session)
        if step is Step.NONE:
            lockout.reset_failures(self.request, user)
            return response
        return redirect(step_url(step, self.get_redirect_url() or None))

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["session_minutes"] = settings.SESSION_COOKIE_AGE // 60
        return context


class SignOutView(auth_views.LogoutView):
    no_person_data = True
    permission = PUBLIC


@no_person_data
@requires(Permission.USE_ACCOUNT)
@never_cache
def two_factor_code(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: the code from the user's authenticator app."""
    user = request.user
    after = next_url(request)
    if two_factor.next_step(user) is not Step.ENTER_CODE:
        return redirect(after)
    if lockout.is_locked_out(request, user):
        return lockout.locked_out(request)
    device = two_factor.confirmed_device(user)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if two_factor.is_throttled(device):
            form.wrong_code(wait=True)
        elif two_factor.check_code(request, device, form.cleaned_data["code"]):
            lockout.reset_failures(request, user)
            return redirect(after)
        else:
            form.wrong_code()
            if lockout.record_failure(request, user):
                return lockout.locked_out(request)
    return render(
        request,
        "accounts/two_factor_code.jinja",
        {"form": form, "next": after, "page_has_errors": bool(form.errors)},
    )


@no_person_data
@requires(Permission.USE_ACCOUNT)
@never_cache
def two_factor_set_up(request: HttpRequest) -> HttpResponse:
    """Set up (or replace) an authenticator app: scan the QR code, then enter a first code."""
    user = request.user
    after = next_url(request, default="accounts:account")
    if two_factor.next_step(user) is Step.ENTER_CODE:
        # A device exists: only its code may let this session change it.
        return redirect(step_url(Step.ENTER_CODE, request.get_full_path()))
    key = two_factor.pending_key(request.session)
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if two_factor.confirm_device(request, form.cleaned_data["code"]):
            lockout.reset_failures(request, user)
            messages.success(request, "Two-factor sign-in is set up")
            return redirect(after)
        form.wrong_code()
    uri = two_factor.setup_uri(user, key)
    return render(
        request,
        "accounts/two_factor_set_up.jinja",
        {
            "form": form,
            "next": after,
            "page_has_errors": bool(form.errors),
            "qr_code": two_factor.qr_code_data_uri(uri),
            "secret": two_factor.secret_for_typing(key),
            "replacing": two_factor.confirmed_device(user) is not None,
            "required": two_factor.required(),
        },
    )


@no_person_data
@requires(Permission.USE_ACCOUNT)
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The signed-in user's own account: two-factor sign-in and password."""
    return render(
        request,
        "accounts/account.jinja",
        {
            "device": two_factor.confirmed_device(request.user),
            "required": two_factor.required(),
            "session_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


class PasswordChangeView(auth_views.PasswordChangeView):
    no_person_data = True
    permission = frozenset({Permission.USE_ACCOUNT})
    template_name = "accounts/password_change.jinja"
    form_class = PasswordChangeForm
    success_url = reverse_lazy("accounts:account")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, "Your password has been changed")
        return response

    def form_invalid(self, form: PasswordChangeForm) -> HttpResponse:
        # Guessing the current password here counts towards the same lockout as signing in.
        if form.old_password_was_wrong() and lockout.record_failure(
            self.request, self.request.user
        ):
            return lockout.locked_out(self.request)
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_has_errors"] = bool(context["form"].errors)
        context["back_link"] = {"href": reverse("accounts:account")}
        return context


@no_person_data
def admin_sign_in(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin site's sign-in page: Alongside's own, so the same two-factor rules apply."""
    wanted = next_url(request, default="admin:index")
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return redirect(wanted)
        raise PermissionDenied
    return redirect_to_login(wanted)


@no_person_data
def admin_password_change(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin site's change-password page: Alongside's own, with its rules and lockout."""
    return redirect("accounts:password-change")
