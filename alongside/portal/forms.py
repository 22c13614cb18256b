from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

from alongside.accounts.models import User
from alongside.core.forms import (
    CheckboxInput,
    DateField,
    NhsForm,
    PasswordInput,
    RadioSelect,
    Textarea,
)
from alongside.people.models import Person
from alongside.portal import services

NOTE_LIMIT = 2000
GBO_QUESTION = "How close are you to reaching this goal?"
SCORES = [
    (0, "0 – not at all"),
    *[(n, str(n)) for n in range(1, 10)],
    (10, "10 – I have reached it"),
]


class InvitationForm(NhsForm):
    """Make a new invitation link (and, if the person has an email address, email it too)."""

    email = forms.BooleanField(required=False, widget=CheckboxInput())

    def __init__(self, *args: object, person: Person, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = f"Also email the link to {person.email}"


class DateOfBirthForm(NhsForm):
    date_of_birth = DateField(
        label="What is your date of birth?",
        label_name="Date of birth",
        help_text="For example, 15 3 1984",
        error_messages={"required": "Enter your date of birth"},
    )


class AccountForm(NhsForm):
    """The username and password the person chooses for their portal account."""

    username = forms.CharField(
        label="Choose a username",
        help_text="You will use this to sign in. Letters, numbers and @ . + - _ only",
        max_length=150,
        error_messages={"required": "Enter a username"},
    )
    password = forms.CharField(
        label="Choose a password",
        help_text="12 characters or more. 3 random words make a strong password that is easy "
        "to remember",
        widget=PasswordInput(),
        strip=False,
        error_messages={"required": "Enter a password"},
    )
    password_again = forms.CharField(
        label="Enter the password again",
        widget=PasswordInput(),
        strip=False,
        error_messages={"required": "Enter your password again"},
    )

    def __init__(self, *args: object, person: Person, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.person = person

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip()

    def clean(self) -> dict:
        data = super().clean()
        username, password = data.get("username"), data.get("password")
        if password and data.get("password_again") and password != data["password_again"]:
            self.add_error("password_again", "Passwords do not match. Enter the same one twice")
        if username and password:
            try:
                services.check_account_details(
                    person=self.person, username=username, password=password
                )
            except ValidationError as error:
                self.add_validation_error(error)
        return data


class NewPasswordForm(NhsForm):
    """The new password the person chooses for the account they have, from a care team's link."""

    password = forms.CharField(
        label="Choose a new password",
        help_text="12 characters or more. 3 random words make a strong password that is easy "
        "to remember",
        widget=PasswordInput(),
        strip=False,
        error_messages={"required": "Enter a password"},
    )
    password_again = forms.CharField(
        label="Enter the password again",
        widget=PasswordInput(),
        strip=False,
        error_messages={"required": "Enter your password again"},
    )

    def __init__(self, *args: object, account: User, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self) -> dict:
        data = super().clean()
        password = data.get("password")
        if password and data.get("password_again") and password != data["password_again"]:
            self.add_error("password_again", "Passwords do not match. Enter the same one twice")
        elif password:
            try:
                services.check_new_password(account=self.account, password=password)
            except ValidationError as error:
                self.add_validation_error(error)
        return data


class CodeRequestForm(NhsForm):
    identifier = forms.CharField(
        label="Your username or email address",
        max_length=254,
        error_messages={"required": "Enter your username or email address"},
    )


class SignInCodeForm(NhsForm):
    code = forms.CharField(
        label="Sign-in code",
        help_text="The 6-digit code in the email we sent you",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from the email"},
    )

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError("Sign-in code must be 6 numbers", code="format")
        return code

    def wrong_code(self) -> None:
        self.add_error(
            "code",
            ValidationError(
                "Sign-in code is not correct. Check the newest email from Alongside",
                code="wrong_code",
            ),
        )


class RateGoalForm(NhsForm):
    score = forms.TypedChoiceField(
        label=GBO_QUESTION,
        help_text="0 means not at all. 10 means you have reached your goal",
        choices=SCORES,
        coerce=int,
        widget=RadioSelect,
        error_messages={
            "required": "Choose a number from 0 to 10",
            "invalid_choice": "Choose a number from 0 to 10",
        },
    )


class PlanNoteForm(NhsForm):
    text = forms.CharField(
        label="What would you like to talk about next time?",
        help_text="Your key worker will read this before your next conversation",
        widget=Textarea(),
        error_messages={"required": "Write what you would like to talk about"},
    )
    urgent = forms.BooleanField(
        label="This is urgent: I need my care team to know soon",
        help_text="Your key worker sees an urgent note on their home page straight away, and "
        "someone else in the team does if they cannot act on it",
        required=False,
        widget=CheckboxInput(),
    )

    def clean_text(self) -> str:
        text = self.cleaned_data["text"].strip()
        if not text:
            raise ValidationError("Write what you would like to talk about")
        if len(text) > NOTE_LIMIT:
            raise ValidationError(f"Your note must be {NOTE_LIMIT:,} characters or fewer")
        return text
