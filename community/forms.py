"""The form base class every domain's forms extend."""

from __future__ import annotations

from flask_wtf import FlaskForm

from community.errors import ValidationFailed

# Hidden inputs are never the target of a label, and a page often holds several forms
# with the same hidden fields (csrf_token above all): without an id they cannot make
# the page's ids collide.
_HIDDEN_FIELD_TYPES = frozenset({"HiddenField", "CSRFTokenField"})


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
