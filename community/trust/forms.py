"""The topic page's reading report and the admin's trust level form."""

from __future__ import annotations

from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from community.accounts.models import TrustLevel
from community.forms import BaseForm

# Larger numbers than these are clamped by the service anyway; the form only refuses
# what is not a report at all.
REPORT_MAX_POST_NUMBER = 10_000_000
REPORT_MAX_SECONDS = 24 * 3600
AUTOMATIC = "automatic"


class ReadingReportForm(BaseForm):
    highest_post_number = IntegerField(
        "Highest post seen",
        validators=[InputRequired(), NumberRange(min=0, max=REPORT_MAX_POST_NUMBER)],
    )
    seconds = IntegerField(
        "Seconds visible", validators=[InputRequired(), NumberRange(min=0, max=REPORT_MAX_SECONDS)]
    )


class TrustLevelForm(BaseForm):
    level = SelectField(
        "Trust level",
        choices=[
            SelectChoice(AUTOMATIC, "Automatic: follow the rules"),
            *(
                SelectChoice(str(int(lvl)), f"{int(lvl)} · {lvl.label}, by hand")
                for lvl in TrustLevel
            ),
        ],
        validators=[InputRequired()],
    )

    def chosen_level(self) -> TrustLevel | None:
        return None if self.level.data == AUTOMATIC else TrustLevel(int(self.level.data))
