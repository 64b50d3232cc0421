"""The search form, read from the query string."""

from __future__ import annotations

from wtforms import DateField, Field, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from community.accounts.models import USERNAME_MAX_LENGTH
from community.forms import BaseForm
from community.spaces.models import Space
from community.tags.models import TAG_NAME_MAX_LENGTH
from community.topics.models import TopicKind

SOLVED_CHOICES = {"yes": True, "no": False}


class SearchForm(BaseForm):
    """Every field but ``q`` is an optional filter.

    A GET form changes nothing, so it carries no CSRF token. ``q`` has no length
    validator: longer text is cut and searched, and the page says so.
    """

    class Meta:
        csrf = False

    q = StringField("Search for", render_kw={"type": "search"})
    # Filled with the spaces the viewer reads; a slug from elsewhere is looked up
    # (and answered with 404 when hidden), not refused as "not a valid choice".
    space = SelectField("Space", choices=[], validate_choice=False)
    kind = SelectField(
        "Type",
        choices=[
            SelectChoice("", "Any type"),
            SelectChoice(TopicKind.DISCUSSION.value, "Discussions"),
            SelectChoice(TopicKind.QUESTION.value, "Questions"),
            SelectChoice(TopicKind.IDEA.value, "Ideas"),
        ],
        default="",
    )
    solved = SelectField(
        "Solved",
        choices=[
            SelectChoice("", "Solved or not"),
            SelectChoice("yes", "Solved questions"),
            SelectChoice("no", "Unsolved questions"),
        ],
        default="",
    )
    author = StringField(
        "Author", validators=[Optional(), Length(max=USERNAME_MAX_LENGTH)], description="A username"
    )
    tag = StringField("Tag", validators=[Optional(), Length(max=TAG_NAME_MAX_LENGTH)])
    # Rendered as <input type="date">; browsers without a date picker show the hint.
    since = DateField("From", validators=[Optional()], description="A day, as 2026-01-31")
    until = DateField("Until", validators=[Optional()], description="A day, as 2026-01-31")

    def set_space_choices(self, spaces: list[Space]) -> None:
        self.space.choices = [
            SelectChoice("", "All spaces"),
            *(SelectChoice(space.slug, space.name) for space in spaces),
        ]

    def validate_until(self, field: Field) -> None:
        if self.since.data and field.data and field.data < self.since.data:
            raise ValidationError("The last day comes before the first.")

    @property
    def kind_value(self) -> TopicKind | None:
        return TopicKind(self.kind.data) if self.kind.data else None

    @property
    def solved_value(self) -> bool | None:
        return SOLVED_CHOICES.get(self.solved.data or "")
