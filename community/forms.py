"""The form base class every domain's forms extend."""

from __future__ import annotations

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import Length, Optional

from community.errors import ValidationFailed

SUBMISSION_TOKEN_MAX_LENGTH = 64
# Hidden inputs are never the target of a label, and a page often holds several forms
# with the same hidden fields (csrf_token above all): without an id they cannot make
# the page's ids collide.
_HIDDEN_FIELD_TYPES = frozenset({"HiddenField", "CSRFTokenField"})


def submission_token_field() -> HiddenField:
    """A token made when the form is shown and sent back with it, so that a second
    submit of the same form (a double click, a retried request) is recognised."""
    return HiddenField(
        default=lambda: secrets.token_urlsafe(16),
        validators=[Optional(), Length(max=SUBMISSION_TOKEN_MAX_LENGTH)],
    )


class BaseForm(FlaskForm):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if field.type in _HIDDEN_FIELD_TYPES:
                field.render_kw = {**(field.render_kw or {}), "id": False}

    def add_error(self, error: ValidationFailed) -> None:
        """Show a service's refusal beside its field (or above the form)."""
        field = getattr(self, error.field, None) if error.field else None
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]
