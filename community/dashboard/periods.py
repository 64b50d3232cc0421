"""The days a dashboard covers: a range of whole UTC days, four weeks unless chosen."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from community.figures import monday_of, months_between, weeks_between

DEFAULT_DAYS = 28
# Two years, a leap day included.
MAX_DAYS = 731


@dataclass(frozen=True)
class Period:
    """The days from ``first_day`` to ``last_day``, both included (UTC)."""

    first_day: date
    last_day: date

    @classmethod
    def default(cls, today: date) -> Period:
        """The last four weeks, today included."""
        return cls(today - timedelta(days=DEFAULT_DAYS - 1), today)

    @classmethod
    def week_before(cls, today: date) -> Period:
        """The last whole week (Monday to Sunday) before the one ``today`` is in."""
        monday = monday_of(today) - timedelta(days=7)
        return cls(monday, monday + timedelta(days=6))

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first_day, time.min, tzinfo=UTC)

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return datetime.combine(self.last_day + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    @property
    def weeks(self) -> list[date]:
        """The Monday of every week with a day in the period (the first and last may
        be partial)."""
        return weeks_between(self.first_day, self.last_day)

    @property
    def months(self) -> list[str]:
        return months_between(self.first_day, self.last_day)

    @property
    def label(self) -> str:
        return f"{self.first_day:%-d %b %Y} to {self.last_day:%-d %b %Y}"


class PeriodRefused(ValueError):
    """The days asked for make no range: ``field`` says which input, ``message`` why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def choose_period(first_day: date | None, last_day: date | None, *, today: date) -> Period:
    """The period from the two days a viewer gave; either may be missing.

    A missing last day is today; a missing first day is four weeks before the last.
    Raises PeriodRefused for a range that ends after today or before it starts, or is
    longer than two years.
    """
    last_day = last_day or today
    if last_day > today:
        raise PeriodRefused("until", "The last day is after today.")
    if first_day is None:
        if last_day - date.min < timedelta(days=DEFAULT_DAYS):
            raise PeriodRefused("since", "Give the first day too.")
        first_day = last_day - timedelta(days=DEFAULT_DAYS - 1)
    if last_day < first_day:
        raise PeriodRefused("until", "The last day comes before the first.")
    period = Period(first_day, last_day)
    if period.days > MAX_DAYS:
        raise PeriodRefused(
            "since", f"A range is at most two years ({MAX_DAYS} days); this one has {period.days}."
        )
    return period
