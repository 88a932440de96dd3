"""Forms for accounts and administration (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length

from tracker.services.accounts.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from tracker.services.errors import ServiceError
from tracker.web.forms.common import add_error, place_field_errors

ROLE_CHOICES = [
    SelectChoice("viewer", "Viewer: reads everything, changes nothing"),
    SelectChoice("editor", "Editor: records letters, responses and statuses"),
    SelectChoice("admin", "Admin: also manages users and settings"),
]
DELIVERY_CHOICES = [
    SelectChoice("immediate", "Immediately, one email per reminder"),
    SelectChoice("digest", "Once a day, a digest at 08:00 in my time zone"),
]


@cache
def timezone_choices() -> list[SelectChoice]:
    return [SelectChoice(name) for name in sorted(available_timezones())]


_TOO_SHORT = f"Use at least {MIN_PASSWORD_LENGTH} characters."
_TOO_LONG = f"Use at most {MAX_PASSWORD_LENGTH} characters."


def _new_password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, message=f"Use at least {MIN_PASSWORD_LENGTH} characters."
            ),
            Length(
                max=MAX_PASSWORD_LENGTH, message=f"Use at most {MAX_PASSWORD_LENGTH} characters."
            ),
        ],
    )


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])
    submit = SubmitField("Log in")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = _new_password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )
    submit = SubmitField("Change password")


class PreferencesForm(FlaskForm):
    timezone = SelectField("Time zone", choices=[], validate_choice=True)
    delivery = RadioField("Reminder emails", choices=DELIVERY_CHOICES)
    submit = SubmitField("Save preferences")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = timezone_choices()


class UserCreateForm(FlaskForm):
    email = EmailField(
        "Email", validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)]
    )
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    password = _new_password_field("Initial password")
    submit = SubmitField("Create user")


class UserEditForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES)
    active = BooleanField("Active (may log in)")
    version = HiddenField(validators=[InputRequired()])
    submit = SubmitField("Save user")


class PasswordResetForm(FlaskForm):
    password = _new_password_field("New password")
    submit = SubmitField("Set password and end their sessions")


class SecondFactorForm(FlaskForm):
    code = StringField(
        "Code from your authenticator app, or a recovery code",
        validators=[DataRequired(), Length(max=40)],
    )
    submit = SubmitField("Verify")


class EnrolForm(FlaskForm):
    code = StringField("Code the app shows", validators=[DataRequired(), Length(max=40)])
    submit = SubmitField("Turn on two-factor login")


class ReauthForm(FlaskForm):
    """A change that matters asks for the password again."""

    current_password = PasswordField(
        "Your password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    submit = SubmitField("Confirm")


class SecondFactorResetForm(FlaskForm):
    """Resetting a second factor hands the account to whoever holds the password: the
    admin confirms they checked who is asking."""

    checked = BooleanField(
        "I checked, in person or by a call I placed, that this request comes from them",
        validators=[DataRequired(message="Confirm that you checked who is asking.")],
    )
    submit = SubmitField("Reset their second factor")


SECOND_FACTOR_RULES = [
    SelectChoice("nobody", "Nobody: each user chooses"),
    SelectChoice("admins", "Admins"),
    SelectChoice("everyone", "Everyone"),
]


class SecondFactorRuleForm(FlaskForm):
    rule = SelectField("Who must use two-factor login", choices=SECOND_FACTOR_RULES)
    submit = SubmitField("Save")


class PasskeyAddForm(FlaskForm):
    """Filled by static/passkeys.js: the name and password typed, the credential made."""

    name = StringField(
        "Name of this passkey", validators=[DataRequired(), Length(max=80)], default="Passkey"
    )
    current_password = PasswordField(
        "Your password", validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)]
    )
    credential = HiddenField(validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField("Add a passkey")


class PasskeyRenameForm(FlaskForm):
    name = StringField("New name", validators=[DataRequired(), Length(max=80)])
    submit = SubmitField("Rename")


class PasskeyLoginForm(FlaskForm):
    credential = HiddenField(validators=[DataRequired(), Length(max=20_000)])
    submit = SubmitField("Use a passkey")


class ConfirmForm(FlaskForm):
    """A bare form for POST buttons: its only field is the CSRF token."""

    submit = SubmitField("Confirm")


__all__ = [
    "ConfirmForm",
    "EnrolForm",
    "LoginForm",
    "PasskeyAddForm",
    "PasskeyLoginForm",
    "PasskeyRenameForm",
    "PasswordChangeForm",
    "PasswordResetForm",
    "PreferencesForm",
    "ReauthForm",
    "SecondFactorForm",
    "SecondFactorResetForm",
    "SecondFactorRuleForm",
    "UserCreateForm",
    "UserEditForm",
]


def show_account_errors(form: FlaskForm, error: ServiceError, general_on: Field) -> None:
    """The accounts service's messages next to the inputs they name (its field names
    are the forms' own); a message naming no input goes next to `general_on`."""
    for message in place_field_errors(form, error):
        add_error(general_on, message)


class GroupForm(FlaskForm):
    """A group of staff (a partner organisation's people) and its members."""

    name = StringField("Name", validators=[Length(max=200)])
    member_ids = SelectMultipleField("Members", choices=[], validate_choice=False)
    submit = SubmitField("Save group")

    def __init__(self, *args, users=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.member_ids.choices = [
            SelectChoice(str(user.id), f"{user.name} ({user.email})") for user in users
        ]
