"""Profile forms: shape and length only; the services decide the rest.

Admin-defined fields are not known when this module loads, so ``with_custom_fields``
makes a form class per request with one field (and, on the profile form, one
visibility menu) for each of them.
"""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    Field,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from community.accounts.models import DISPLAY_NAME_MAX_LENGTH, PASSWORD_MAX_LENGTH
from community.forms import BaseForm
from community.profiles.models import (
    BIO_MAX_LENGTH,
    BUILT_IN_FIELDS,
    FIELD_HINT_MAX_LENGTH,
    FIELD_LABEL_MAX_LENGTH,
    FIELD_VALUE_MAX_LENGTH,
    FieldVisibility,
    ProfileField,
    ProfileFieldKind,
)
from community.profiles.services import REASON_MAX_LENGTH

VISIBILITY_CHOICES = [SelectChoice(choice.value, choice.label) for choice in FieldVisibility]
# Forms take a little more than the limits so the services can say what the limit is.
_SLACK = 100


def _visibility(label: str) -> SelectField:
    return SelectField(label, choices=VISIBILITY_CHOICES, validators=[Optional()])


def _password() -> PasswordField:
    return PasswordField(
        "Your password", validators=[DataRequired(), Length(max=PASSWORD_MAX_LENGTH)]
    )


class ProfileForm(BaseForm):
    display_name = StringField(
        "Display name", validators=[DataRequired(), Length(max=DISPLAY_NAME_MAX_LENGTH + _SLACK)]
    )
    bio = TextAreaField("About me", validators=[Length(max=BIO_MAX_LENGTH + _SLACK)])
    bio_visibility = _visibility("Who sees “About me”")
    avatar_visibility = _visibility("Who sees your avatar")


for _field in BUILT_IN_FIELDS:
    setattr(
        ProfileForm,
        _field.name,
        StringField(_field.label, validators=[Length(max=_field.max_length + _SLACK)]),
    )
    setattr(ProfileForm, f"{_field.name}_visibility", _visibility(f"Who sees {_field.label}"))


def _custom_field(definition: ProfileField, *, is_signup: bool) -> Field:
    description = definition.hint
    validators = [Length(max=FIELD_VALUE_MAX_LENGTH + _SLACK)]
    if definition.kind is ProfileFieldKind.CHOICE:
        choices = [SelectChoice("", "—")] if not (is_signup and definition.is_required) else []
        choices += [SelectChoice(option, option) for option in definition.choices]
        # The service checks the value is one of the options, with a message.
        return SelectField(
            definition.label, choices=choices, description=description, validate_choice=False
        )
    return StringField(definition.label, description=description, validators=validators)


def with_custom_fields(
    base: type[BaseForm], definitions: list[ProfileField], *, is_signup: bool = False
) -> type[BaseForm]:
    """``base`` plus a field for each admin-defined one (and its visibility, on profiles)."""
    attributes: dict[str, Field] = {}
    for definition in definitions:
        attributes[definition.form_name] = _custom_field(definition, is_signup=is_signup)
        if not is_signup:
            attributes[f"{definition.form_name}_visibility"] = _visibility(
                f"Who sees {definition.label}"
            )
    return type(base.__name__, (base,), attributes)


class AvatarForm(BaseForm):
    # No type or size validators: the bytes decide, in community.profiles.avatars.
    avatar = FileField("Picture")


class ExportForm(BaseForm):
    password = _password()


POST_CHOICES = [
    SelectChoice("keep", "Keep my posts, shown as by “former member”"),
    SelectChoice("remove", "Remove my posts too (topics others replied to keep their replies)"),
]


class DeleteAccountForm(BaseForm):
    posts = RadioField("My posts", choices=POST_CHOICES, default="keep")
    password = _password()


class AdminDeleteMemberForm(BaseForm):
    posts = RadioField("Their posts", choices=POST_CHOICES, default="keep")
    reason = TextAreaField(
        "Reason (kept in the audit log)",
        validators=[DataRequired(), Length(max=REASON_MAX_LENGTH + _SLACK)],
    )
    password = _password()


class ProfileFieldForm(BaseForm):
    label = StringField(
        "Name", validators=[DataRequired(), Length(max=FIELD_LABEL_MAX_LENGTH + _SLACK)]
    )
    hint = StringField("Hint", validators=[Length(max=FIELD_HINT_MAX_LENGTH + _SLACK)])
    kind = SelectField(
        "Kind",
        choices=[SelectChoice(kind.value, kind.label) for kind in ProfileFieldKind],
        validate_choice=False,
    )
    options = TextAreaField("Options (for a choice: one per line)")
    is_required = BooleanField("Ask for it at sign-up (required)")
    default_visibility = SelectField(
        "Who sees it, until the member chooses",
        choices=VISIBILITY_CHOICES,
        default=FieldVisibility.MEMBERS.value,
        validate_choice=False,
    )


class ConfirmForm(BaseForm):
    """A button that posts (remove the avatar, delete a field)."""
