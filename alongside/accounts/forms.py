from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from alongside.core.forms import ErrorSummaryMixin, PasswordInput


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
