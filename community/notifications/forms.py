"""Notification and watching buttons."""

from __future__ import annotations

from wtforms import SelectField
from wtforms.fields.choices import SelectChoice

from community.forms import BaseForm
from community.notifications.models import WatchLevel

WATCH_DESCRIPTIONS = {
    WatchLevel.WATCHING: "Watching: tell me of every post",
    WatchLevel.TRACKING: "Tracking: tell me of replies to me",
    WatchLevel.NORMAL: "Normal: tell me of replies to me",
    WatchLevel.MUTED: "Muted: tell me nothing",
}


class MarkReadForm(BaseForm):
    """A button."""


class WatchForm(BaseForm):
    level = SelectField(
        "Notifications for this topic",
        choices=[SelectChoice(level.value, WATCH_DESCRIPTIONS[level]) for level in WatchLevel],
    )
