"""Idea buttons and staff forms."""

from __future__ import annotations

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from community.forms import BaseForm
from community.ideas.models import NOTE_MAX_LENGTH, RESPONSE_MAX_LENGTH, SETTABLE_STATUSES

# A little over the limits, so the service states the limit with the real length.
_SLACK = 1000


class IdeaVoteForm(BaseForm):
    """``value`` is "on" to vote, "off" to take the vote back; ``next`` is the page
    to return to without JavaScript (a board, the roadmap or the idea)."""

    value = HiddenField()
    next = HiddenField()


class IdeaStatusForm(BaseForm):
    status = SelectField(
        "Status",
        choices=[
            SelectChoice(status.value, status.label.capitalize()) for status in SETTABLE_STATUSES
        ],
    )
    response = TextAreaField(
        "Official response",
        validators=[Length(max=RESPONSE_MAX_LENGTH + _SLACK)],
        description="Optional. Shown at the top of the idea and sent to its followers.",
    )


class MergeIdeaForm(BaseForm):
    target = StringField(
        "Merge into idea",
        validators=[InputRequired(message="Name the idea to merge into."), Length(max=500)],
        description="The idea's number or its address, for example /t/42.",
    )


class IdeaNoteForm(BaseForm):
    body = TextAreaField(
        "Internal note",
        # The reply form on the same page has a "body" too; labels need unique ids.
        id="note-body",
        validators=[
            InputRequired(message="Write the note first."),
            Length(max=NOTE_MAX_LENGTH + _SLACK),
        ],
        description="Only employees see internal notes.",
    )
