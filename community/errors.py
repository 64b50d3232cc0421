"""Errors that services raise and views turn into responses."""

from __future__ import annotations

from werkzeug.exceptions import Forbidden, NotFound

__all__ = ["Forbidden", "NotFound", "TooSoon", "ValidationFailed"]


class ValidationFailed(Exception):
    """A service refused its input; ``field`` names the form field to show it beside."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class TooSoon(ValidationFailed):
    """A refusal that passes with time (a posting interval, a first-day cap): views
    answer 429 with ``Retry-After: retry_after`` seconds."""

    def __init__(self, field: str | None, message: str, *, retry_after: int) -> None:
        super().__init__(field, message)
        self.retry_after = max(1, retry_after)
