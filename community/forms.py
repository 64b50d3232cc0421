"""The form base class every domain's forms extend."""

from __future__ import annotations

from flask_wtf import FlaskForm

from community.errors import ValidationFailed


class BaseForm(FlaskForm):
    def add_error(self, error: ValidationFailed) -> None:
        """Show a service's refusal beside its field (or above the form)."""
        field = getattr(self, error.field, None) if error.field else None
        if field is None:
            self.form_errors.append(error.message)
        else:
            field.errors = [*field.errors, error.message]
