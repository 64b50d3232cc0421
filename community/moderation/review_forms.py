"""Forms of the review queue and of flagging: shape and length only; the services
state the rules."""

from __future__ import annotations

from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from community.forms import BaseForm
from community.moderation.models import FLAG_NOTE_MAX_LENGTH, FlagReason
from community.topics.models import BODY_MAX_LENGTH, REVIEW_REASON_MAX_LENGTH, TITLE_MAX_LENGTH

# A little more than the limits, so that the service states them with the length typed.
_SLACK = 1000


class FlagForm(BaseForm):
    # The service refuses a missing or unknown reason beside the field.
    reason = RadioField(
        "Why should a moderator look at this post?",
        choices=[SelectChoice(reason.value, reason.label) for reason in FlagReason],
        validate_choice=False,
    )
    note = TextAreaField(
        "A note for the moderators (needed for “something else”; only moderators read it)",
        validators=[Optional(), Length(max=FLAG_NOTE_MAX_LENGTH + _SLACK)],
    )


class ApproveForm(BaseForm):
    pass


class RejectForm(BaseForm):
    reason = TextAreaField(
        "Reason (sent to the author)",
        validators=[Optional(), Length(max=REVIEW_REASON_MAX_LENGTH + _SLACK)],
    )


class EditAndApproveForm(BaseForm):
    title = StringField("Title", validators=[Optional(), Length(max=TITLE_MAX_LENGTH + _SLACK)])
    body = TextAreaField("Post", validators=[Optional(), Length(max=BODY_MAX_LENGTH + _SLACK)])


class DecideFlagsForm(BaseForm):
    # The button pressed: agreed, disagreed or deferred (checked by the view).
    decision = StringField("Decision", validators=[Optional(), Length(max=20)])
