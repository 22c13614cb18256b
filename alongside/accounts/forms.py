from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.forms import PasswordChangeForm as DjangoPasswordChangeForm
from django.core.exceptions import ValidationError

from alongside.core.forms import ErrorSummaryMixin, NhsForm, PasswordInput


class SignInForm(ErrorSummaryMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask your organisation's administrator.",
    }

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["password"].widget = PasswordInput()
        self.fields["username"].widget = forms.TextInput()


class CodeForm(NhsForm):
    """A 6-digit code from an authenticator app; spaces and dashes are ignored."""

    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app",
        max_length=20,
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Security code must be 6 numbers", code="format")
        return code

    def wrong_code(self, *, wait: bool = False) -> None:
        message = (
            "Wait a few seconds, then enter the newest code from your authenticator app"
            if wait
            else "Security code is not correct. Enter the newest code from your authenticator app"
        )
        self.add_error("code", ValidationError(message, code="wrong_code"))


def _password_rule_message(error: ValidationError) -> str:
    """What each password rule (``AUTH_PASSWORD_VALIDATORS``) says when a password breaks it."""
    params = error.params or {}
    messages = {
        "password_too_short": (
            f"New password must be {params.get('min_length', 12)} characters or more"
        ),
        "password_too_similar": (
            "New password must not be like your username, name or email address"
        ),
        "password_too_common": (
            "New password is too common: it is on a list of passwords people often use. "
            "Choose a password that is harder to guess, such as 3 random words"
        ),
        "password_entirely_numeric": "New password must include letters, not only numbers",
    }
    return messages.get(error.code or "", " ".join(error.messages))


class PasswordChangeForm(ErrorSummaryMixin, DjangoPasswordChangeForm):
    """Django's change-password form, with the NHS.UK error messages and one line of rules."""

    error_messages = {
        "password_mismatch": "Passwords do not match. Enter the same new password twice",
        "password_incorrect": "Current password is not correct",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "old_password": ("Current password", "Enter your current password"),
            "new_password1": ("New password", "Enter a new password"),
            "new_password2": ("Confirm new password", "Enter your new password again"),
        }
        for name, (label, required) in labels.items():
            field = self.fields[name]
            field.label = label
            field.error_messages["required"] = required
            field.widget = PasswordInput()
        self.fields["new_password1"].help_text = password_rules()
        self.fields["new_password2"].help_text = ""

    def validate_password_for_user(self, user: Any, password_field_name: str = "") -> None:
        """Check the password rules, and show what is wrong beside the new password."""
        password = self.cleaned_data.get("new_password1")
        if not password:
            return
        try:
            password_validation.validate_password(password, user)
        except ValidationError as error:
            for message in dict.fromkeys(_password_rule_message(e) for e in error.error_list):
                self.add_error("new_password1", ValidationError(message))

    def old_password_was_wrong(self) -> bool:
        return self.has_error("old_password", code="password_incorrect")


def password_rules() -> str:
    length = 12
    for validator in password_validation.get_default_password_validators():
        length = getattr(validator, "min_length", length)
    return (
        f"Must be {length} characters or more, not only numbers, not a commonly used "
        "password and not like your username or name. 3 random words make a strong password"
    )
