"""Topic and post forms."""

from __future__ import annotations

from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from community.forms import BaseForm
from community.topics.models import BODY_MAX_LENGTH, TITLE_MAX_LENGTH

# Forms accept a little more than the limit so that the service, not the browser
# or WTForms, states the limit with the length the member actually typed.
_SLACK = 1000


class TopicForm(BaseForm):
    title = StringField(
        "Title", validators=[InputRequired(), Length(max=TITLE_MAX_LENGTH + _SLACK)]
    )
    body = TextAreaField(
        "Message", validators=[InputRequired(), Length(max=BODY_MAX_LENGTH + _SLACK)]
    )


class ReplyForm(BaseForm):
    body = TextAreaField(
        "Your reply", validators=[InputRequired(), Length(max=BODY_MAX_LENGTH + _SLACK)]
    )


class EditPostForm(BaseForm):
    title = StringField("Title", validators=[Length(max=TITLE_MAX_LENGTH + _SLACK)])
    body = TextAreaField(
        "Message", validators=[InputRequired(), Length(max=BODY_MAX_LENGTH + _SLACK)]
    )


class ToggleForm(BaseForm):
    """Pin/unpin, lock/unlock: ``value`` is "on" or "off"."""

    value = HiddenField()


class DeleteForm(BaseForm):
    """A button."""
