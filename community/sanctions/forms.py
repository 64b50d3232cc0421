"""Forms of the member moderation page: shape and length only."""

from __future__ import annotations

from wtforms import DateField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from community.forms import BaseForm, submission_token_field
from community.sanctions.models import SANCTION_REASON_MAX_LENGTH
from community.sanctions.services import Period

# The service states the length limit with the length typed; the form only stops
# absurd bodies.
_SLACK = 1000


class WarnForm(BaseForm):
    message = TextAreaField(
        "Message to the member",
        validators=[
            InputRequired("Write the message: the member is shown it."),
            Length(max=SANCTION_REASON_MAX_LENGTH + _SLACK),
        ],
    )
    submission_token = submission_token_field()


class SanctionForm(BaseForm):
    """Silence or suspend: a reason, and for how long."""

    reason = TextAreaField(
        "Reason (shown to the member)",
        validators=[
            InputRequired("Write a reason: the member is shown it."),
            Length(max=SANCTION_REASON_MAX_LENGTH + _SLACK),
        ],
    )
    period = RadioField(
        "For how long",
        choices=[SelectChoice(period.value, period.label) for period in Period],
        default=Period.WEEK.value,
        validators=[InputRequired("Choose for how long.")],
    )
    until = DateField("Ends on (UTC), for “until a date”", validators=[Optional()])
    submission_token = submission_token_field()


class LiftForm(BaseForm):
    """Lift a silence or suspension now: nothing but the CSRF token."""
