"""Onboarding forms."""

from __future__ import annotations

from wtforms import SelectField, TextAreaField
from wtforms.validators import Length

from community.forms import BaseForm
from community.onboarding.models import GUIDELINES_MAX_LENGTH, WELCOME_NOTE_MAX_LENGTH

# A little more than the limit, so that the service states it with the length typed.
_SLACK = 1000


class OnboardingSettingsForm(BaseForm):
    guidelines = TextAreaField(
        "Community guidelines",
        validators=[Length(max=GUIDELINES_MAX_LENGTH + _SLACK)],
        description="Markdown. Newcomers are asked to read them; leave empty for none.",
    )
    # Filled with the public spaces; another id reaches the service, which refuses it.
    welcome_space = SelectField(
        "Welcome space",
        choices=[],
        validate_choice=False,
        description="Where newcomers introduce themselves: a public space.",
    )


class WelcomeForm(BaseForm):
    note = TextAreaField(
        "Personal note (optional)", validators=[Length(max=WELCOME_NOTE_MAX_LENGTH + _SLACK)]
    )


class ButtonForm(BaseForm):
    """A button."""
