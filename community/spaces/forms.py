"""Space administration forms."""

from __future__ import annotations

from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from community.accounts.models import USERNAME_MAX_LENGTH
from community.forms import BaseForm
from community.spaces.models import (
    IDEA_VOTE_BUDGET_MAX,
    JOIN_MESSAGE_MAX_LENGTH,
    JOIN_NOTE_MAX_LENGTH,
    SPACE_DESCRIPTION_MAX_LENGTH,
    SPACE_NAME_MAX_LENGTH,
    SPACE_SLUG_MAX_LENGTH,
    IdeaBoard,
    MembershipRole,
    Visibility,
)

VISIBILITY_CHOICES = [
    SelectChoice(Visibility.PUBLIC.value, "Public: anyone can read; confirmed members post"),
    SelectChoice(Visibility.CLOSED.value, "Closed: only its members read and post"),
    SelectChoice(Visibility.EMPLOYEE.value, "Employee: staff only"),
]


class SpaceForm(BaseForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=SPACE_NAME_MAX_LENGTH)])
    slug = StringField(
        "Address (slug)", validators=[DataRequired(), Length(max=SPACE_SLUG_MAX_LENGTH)]
    )
    description = TextAreaField(
        "Description", validators=[Length(max=SPACE_DESCRIPTION_MAX_LENGTH)]
    )
    visibility = SelectField("Who can read it", choices=VISIBILITY_CHOICES)
    is_listed = BooleanField("List it in the directory (closed spaces: name and description only)")
    accepts_join_requests = BooleanField("Members may ask to join (closed, listed spaces)")
    approves_new_member_posts = BooleanField(
        "Approve new members' posts (trust level 0 posts wait in the review queue)"
    )
    idea_board = SelectField(
        "Ideas",
        choices=[
            SelectChoice(IdeaBoard.OFF.value, "No ideas: discussions and questions"),
            SelectChoice(IdeaBoard.ALONGSIDE.value, "Ideas beside discussions and questions"),
            SelectChoice(IdeaBoard.ONLY.value, "An idea board: ideas only"),
        ],
        default=IdeaBoard.OFF.value,
    )
    idea_vote_budget = IntegerField(
        "Votes per member on the idea board",
        validators=[
            Optional(),
            NumberRange(min=1, max=IDEA_VOTE_BUDGET_MAX, message="Between 1 and %(max)s."),
        ],
        description="Leave empty for no limit. Votes on shipped, declined or merged "
        "ideas come back.",
    )


class AddMemberForm(BaseForm):
    username = StringField("Username", validators=[DataRequired(), Length(max=USERNAME_MAX_LENGTH)])
    role = SelectField(
        "Role in this space",
        choices=[
            SelectChoice(MembershipRole.MEMBER.value, "Member"),
            SelectChoice(MembershipRole.MODERATOR.value, "Moderator"),
        ],
    )


class JoinRequestForm(BaseForm):
    message = TextAreaField(
        "Why would you like to join?",
        validators=[Length(max=JOIN_MESSAGE_MAX_LENGTH + 500)],
        description="Optional. The space's moderators read it.",
    )


class DecideJoinRequestForm(BaseForm):
    note = TextAreaField(
        "Note to the member (optional)", validators=[Length(max=JOIN_NOTE_MAX_LENGTH + 500)]
    )


class RemoveMemberForm(BaseForm):
    """A button."""
