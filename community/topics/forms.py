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


KIND_CHOICES = {
    TopicKind.DISCUSSION: "Discussion: talk something over",
    TopicKind.QUESTION: "Question: ask for an answer",
    TopicKind.IDEA: "Idea: suggest something for others to vote on",
}


class TopicForm(BaseForm):
    kind = SelectField(
        "Type",
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_CHOICES.items()],
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


def offer_kinds(form: TopicForm, kinds: tuple[TopicKind, ...]) -> None:
    """Offer only the kinds the space takes (an idea board: ideas alone)."""
    form.kind.choices = [SelectChoice(kind.value, KIND_CHOICES[kind]) for kind in kinds]
    if not form.is_submitted() and form.kind.data not in kinds:
        form.kind.data = kinds[0].value


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
