"""The dashboard's range and space filter (a GET form) and the summary opt-in."""

from __future__ import annotations

from datetime import date

from wtforms import DateField, HiddenField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, Optional

from community.dashboard.periods import Period, PeriodRefused, choose_period
from community.forms import BaseForm
from community.spaces.models import Space

UNPARSABLE_DAY = "Give the day as 2026-01-31."
SHOWING_DEFAULT = "The last four weeks are shown instead."


class RangeForm(BaseForm):
    """Which days and which space. It changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    since = DateField("From", validators=[Optional()], description="A day, as 2026-01-31")
    until = DateField("Until", validators=[Optional()], description="A day, as 2026-01-31")
    # Filled with the spaces the viewer reads; a slug from elsewhere is looked up and
    # answered with 404 when hidden, not refused as "not a valid choice".
    space = SelectField("Space", choices=[], validate_choice=False)

    def set_space_choices(self, spaces: list[Space]) -> None:
        self.space.choices = [
            SelectChoice("", "All spaces I read"),
            *(SelectChoice(space.slug, space.name) for space in spaces),
        ]

    def chosen_period(self, *, today: date) -> Period | None:
        """The period asked for, or None after putting the reason beside its field
        (an unparsable day, a reversed or too long range)."""
        self.validate()
        unparsable = [field for field in (self.since, self.until) if field.process_errors]
        for field in unparsable:
            field.errors = [f"{UNPARSABLE_DAY} {SHOWING_DEFAULT}"]
        if unparsable:
            return None
        try:
            return choose_period(self.since.data, self.until.data, today=today)
        except PeriodRefused as refused:
            getattr(self, refused.field).errors = [f"{refused.message} {SHOWING_DEFAULT}"]
            return None


class SummaryForm(BaseForm):
    """Ask for (``on``) or stop (``off``) the weekly summary e-mail."""

    value = HiddenField(validators=[AnyOf(["on", "off"])])
