"""Topic and post forms."""

from __future__ import annotations

import secrets

from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from community.forms import BaseForm
from community.topics.models import (
    BODY_MAX_LENGTH,
    SUBMISSION_TOKEN_MAX_LENGTH,
    TITLE_MAX_LENGTH,
    TopicKind,
)

# Forms accept a little more than the limit so that the service, not the browser
# or WTForms, states the limit with the length the member actually typed.
_SLACK = 1000
TAGS_FIELD_MAX_LENGTH = 300


def _new_submission_token() -> str:
    return secrets.token_urlsafe(16)


def _submission_token_field() -> HiddenField:
    """Made when the form is shown and sent back with it: a second submit of the same
    form (a double click, a retried request) finds the post the first one made."""
    return HiddenField(
        default=_new_submission_token,
        validators=[Optional(), Length(max=SUBMISSION_TOKEN_MAX_LENGTH)],
    )


class TopicForm(BaseForm):
    kind = SelectField(
        "Type",
        choices=[
            SelectChoice(TopicKind.DISCUSSION.value, "Discussion: talk something over"),
            SelectChoice(TopicKind.QUESTION.value, "Question: ask for an answer"),
        ],
        default=TopicKind.DISCUSSION.value,
    )
    title = StringField(
        "Title",
        validators=[
            InputRequired(message="Give your topic a title."),
            Length(max=TITLE_MAX_LENGTH + _SLACK),
        ],
    )
    body = TextAreaField(
        "Message",
        validators=[
            InputRequired(message="Write something first."),
            Length(max=BODY_MAX_LENGTH + _SLACK),
        ],
    )
    tags = StringField(
        "Tags",
        validators=[Length(max=TAGS_FIELD_MAX_LENGTH)],
        description="Up to five, separated by commas: for example hub, firmware.",
    )
    submission_token = _submission_token_field()


class ReplyForm(BaseForm):
    body = TextAreaField(
        "Your reply",
        validators=[
            InputRequired(message="Write something first."),
            Length(max=BODY_MAX_LENGTH + _SLACK),
        ],
    )
    submission_token = _submission_token_field()


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
