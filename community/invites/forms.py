"""Invite forms: shape and length only; the services decide what may be granted."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional

from community.accounts.models import EMAIL_MAX_LENGTH
from community.forms import BaseForm, submission_token_field
from community.invites.models import (
    INVITE_DEFAULT_DAYS,
    INVITE_EMAILS_MAX,
    INVITE_MAX_DAYS,
    INVITE_MAX_USES,
)

# Room for the most addresses a form takes, with separators.
EMAILS_FIELD_MAX_LENGTH = (INVITE_EMAILS_MAX + 5) * (EMAIL_MAX_LENGTH + 2)


class SpaceInviteForm(BaseForm):
    """An invite into one space (the space's invites page)."""

    max_uses = IntegerField(
        "How many people may use it",
        default=1,
        validators=[Optional(), NumberRange(min=1, max=INVITE_MAX_USES)],
        description="For a link to share. Each address below gets its own invite, "
        "which works once.",
    )
    days = IntegerField(
        "Days it stays valid",
        default=INVITE_DEFAULT_DAYS,
        validators=[Optional(), NumberRange(min=1, max=INVITE_MAX_DAYS)],
    )
    emails = TextAreaField(
        "Or send it by e-mail to",
        validators=[Length(max=EMAILS_FIELD_MAX_LENGTH)],
        description=f"Up to {INVITE_EMAILS_MAX} addresses, separated by commas or new lines. "
        "Leave empty for a link to share.",
    )
    submission_token = submission_token_field()


class InviteForm(SpaceInviteForm):
    """An invite granting any mix of closed spaces, a group and employee status."""

    # Filled with what the viewer may grant; an id from elsewhere reaches the service,
    # which answers 404 or 403 rather than "not a valid choice".
    spaces = SelectMultipleField("Closed spaces", coerce=int, choices=[], validate_choice=False)
    group = SelectField("Group", choices=[], validate_choice=False)
    is_employee = BooleanField("Make them employees")


class SpaceSettingsForm(BaseForm):
    allows_member_invites = BooleanField("Members at trust level 2 and above may invite people")


class ButtonForm(BaseForm):
    """A button."""
