"""The audit log's filter form, read from the query string."""

from __future__ import annotations

from wtforms import DateField, Field, IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from community.accounts.models import USERNAME_MAX_LENGTH
from community.forms import BaseForm
from community.moderation.models import AuditAction, AuditTarget
from community.spaces.models import Space

ID_MAX = 2**31 - 1


class AuditFilterForm(BaseForm):
    """Every field is an optional filter. A GET form changes nothing: no CSRF token."""

    class Meta:
        csrf = False

    action = SelectField(
        "Action",
        choices=[
            SelectChoice("", "Any action"),
            *(SelectChoice(action.value, action.label) for action in AuditAction),
        ],
        default="",
    )
    actor = StringField(
        "By", validators=[Optional(), Length(max=USERNAME_MAX_LENGTH)], description="A username"
    )
    target_type = SelectField(
        "Target",
        choices=[
            SelectChoice("", "Any target"),
            *(SelectChoice(target.value, target.value.replace("_", " ")) for target in AuditTarget),
        ],
        default="",
    )
    target_id = IntegerField(
        "Target number", validators=[Optional(), NumberRange(min=1, max=ID_MAX)]
    )
    # Filled with every space; an unknown slug is answered with 404.
    space = SelectField("Space", choices=[], validate_choice=False)
    since = DateField("From", validators=[Optional()], description="A day, as 2026-01-31")
    until = DateField("Until", validators=[Optional()], description="A day, as 2026-01-31")

    def set_space_choices(self, spaces: list[Space]) -> None:
        self.space.choices = [
            SelectChoice("", "Any space"),
            *(SelectChoice(space.slug, space.name) for space in spaces),
        ]

    def validate_until(self, field: Field) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The last day comes before the first.")

    def validate_target_id(self, field: Field) -> None:
        if field.data and not self.target_type.data:
            raise ValidationError("Choose what kind of target the number is.")
