"""How the dashboard, its e-mail and its export write durations, shares and days."""

from __future__ import annotations

from datetime import timedelta

from community.figures import SECONDS_PER_DAY, SECONDS_PER_HOUR

NOTHING = "—"
TWO_DAYS = 2 * SECONDS_PER_DAY


def duration(value: timedelta | None) -> str:
    """``45 min``, ``5 h 20 min``, ``3 d 4 h``; a dash for no value."""
    if value is None:
        return NOTHING
    seconds = max(int(value.total_seconds()), 0)
    if seconds < SECONDS_PER_HOUR:
        return f"{seconds // 60} min"
    if seconds < TWO_DAYS:
        hours, rest = divmod(seconds, SECONDS_PER_HOUR)
        return f"{hours} h {rest // 60} min" if rest >= 60 else f"{hours} h"
    days, rest = divmod(seconds, SECONDS_PER_DAY)
    return f"{days} d {rest // SECONDS_PER_HOUR} h"


def days(value: float | None) -> str:
    if value is None:
        return NOTHING
    return f"{value:.1f} days"


def percent(value: float | None) -> str:
    if value is None:
        return NOTHING
    return f"{round(value * 100)}%"


def hours(value: timedelta | None) -> float | None:
    """Hours as a number (for the export and the charts), to two decimals."""
    return None if value is None else round(value.total_seconds() / SECONDS_PER_HOUR, 2)
