"""Accept and vote buttons."""

from __future__ import annotations

from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired

from community.forms import BaseForm


class AcceptForm(BaseForm):
    post_id = IntegerField(validators=[InputRequired()])


class ClearAcceptedForm(BaseForm):
    """A button."""


class VoteForm(BaseForm):
    """``value`` is "on" to vote, "off" to take the vote back."""

    value = HiddenField()
