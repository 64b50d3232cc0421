"""Account forms: shape and length only; the services decide the rest."""

from __future__ import annotations

from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from community.accounts.models import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    Role,
)
from community.forms import BaseForm

_password_length = Length(max=PASSWORD_MAX_LENGTH)


class SignUpForm(BaseForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)])
    username = StringField("Username", validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH)])
    display_name = StringField(
        "Display name", validators=[DataRequired(), Length(max=DISPLAY_NAME_MAX_LENGTH)]
    )
    password = PasswordField("Password", validators=[DataRequired(), _password_length])


class SignInForm(BaseForm):
    login = StringField(
        "E-mail or username", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)]
    )
    password = PasswordField("Password", validators=[DataRequired(), _password_length])
    remember = BooleanField("Keep me signed in on this device")


class ResetRequestForm(BaseForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)])


class ResetPasswordForm(BaseForm):
    password = PasswordField("New password", validators=[DataRequired(), _password_length])


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired(), _password_length]
    )
    new_password = PasswordField("New password", validators=[DataRequired(), _password_length])


class ChangeEmailForm(BaseForm):
    new_email = EmailField("New e-mail", validators=[DataRequired(), Length(max=EMAIL_MAX_LENGTH)])
    password = PasswordField("Current password", validators=[DataRequired(), _password_length])


class DisplayNameForm(BaseForm):
    display_name = StringField(
        "Display name",
        # InputRequired, not DataRequired: a name of only spaces gets the service's
        # message, which says what is wanted.
        validators=[InputRequired(), Length(max=DISPLAY_NAME_MAX_LENGTH + 100)],
        description="Shown beside your posts instead of your username.",
    )


class ConfirmForm(BaseForm):
    """A button that turns a link from an e-mail into a POST."""


class MemberAdminForm(BaseForm):
    role = SelectField(
        "Role", choices=[SelectChoice(role.value, role.value.title()) for role in Role]
    )
    is_employee = BooleanField("Verified employee")
