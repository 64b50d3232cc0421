"""Notification buttons, watch levels and e-mail choices."""

from __future__ import annotations

from wtforms import IntegerField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange

from community.forms import BaseForm
from community.notifications.models import EmailFrequency, NotificationKind, WatchLevel

WATCH_DESCRIPTIONS = {
    WatchLevel.WATCHING: "Watching: tell me of every post",
    WatchLevel.TRACKING: "Tracking: count new posts; tell me of mentions and replies to me",
    WatchLevel.NORMAL: "Normal: tell me of mentions and replies to me",
    WatchLevel.MUTED: "Muted: tell me nothing",
}
WATCH_CHOICES = [SelectChoice(level.value, WATCH_DESCRIPTIONS[level]) for level in WatchLevel]


class MarkReadForm(BaseForm):
    """A button."""


class WatchForm(BaseForm):
    level = SelectField("Notifications for this topic", choices=WATCH_CHOICES)


class SpaceWatchForm(BaseForm):
    level = SelectField("Notifications for this space", choices=WATCH_CHOICES)


class ReadTopicForm(BaseForm):
    up_to = IntegerField("Read up to post", validators=[NumberRange(min=0)])


class UnsubscribeForm(BaseForm):
    """The button on the unsubscribe page (a mail client's one-click POST sends
    ``List-Unsubscribe=One-Click`` instead, without a CSRF token)."""


FREQUENCY_CHOICES = [SelectChoice(f.value, f.label) for f in EmailFrequency]


class EmailPreferencesForm(BaseForm):
    """One choice per kind of event (fields added below, named by kind)."""

    def choices(self) -> dict[NotificationKind, EmailFrequency]:
        return {kind: EmailFrequency(getattr(self, kind.value).data) for kind in NotificationKind}


for _kind in NotificationKind:
    setattr(EmailPreferencesForm, _kind.value, SelectField(_kind.label, choices=FREQUENCY_CHOICES))
