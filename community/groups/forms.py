"""Group forms: shape and length only; the services decide the rest."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from community.accounts.models import USERNAME_MAX_LENGTH
from community.forms import BaseForm
from community.groups.models import (
    GROUP_DESCRIPTION_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    GROUP_REQUEST_MESSAGE_MAX_LENGTH,
    GROUP_REQUEST_NOTE_MAX_LENGTH,
)

# A little more than the limit, so that the service states it with the length typed.
_SLACK = 500


class GroupForm(BaseForm):
    name = StringField(
        "Name", validators=[DataRequired(), Length(max=GROUP_NAME_MAX_LENGTH + _SLACK)]
    )
    description = TextAreaField(
        "Description", validators=[Length(max=GROUP_DESCRIPTION_MAX_LENGTH + _SLACK)]
    )
    accepts_requests = BooleanField(
        "Members may ask to join (the group's owners decide)",
        description="Signed-in members then see the group's name and description.",
    )


class AddGroupMemberForm(BaseForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH)])


class GrantSpaceForm(BaseForm):
    space = IntegerField("Closed space", validators=[InputRequired("Choose a space.")])


class GroupRequestForm(BaseForm):
    message = TextAreaField(
        "Why would you like to join?",
        validators=[Length(max=GROUP_REQUEST_MESSAGE_MAX_LENGTH + _SLACK)],
        description="Optional. The group's owners read it.",
    )


class DecideGroupRequestForm(BaseForm):
    note = TextAreaField(
        "Note to the member (optional)",
        validators=[Length(max=GROUP_REQUEST_NOTE_MAX_LENGTH + _SLACK)],
    )


class OwnerForm(BaseForm):
    """Make a member an owner (``value=on``) or not (``value=off``)."""

    value = StringField(validators=[DataRequired()])


class ButtonForm(BaseForm):
    """A button."""
