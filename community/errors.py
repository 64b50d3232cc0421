"""Errors that services raise and views turn into responses."""

from __future__ import annotations

from werkzeug.exceptions import Forbidden, NotFound

__all__ = ["Forbidden", "NotFound", "ValidationFailed"]


class ValidationFailed(Exception):
    """A service refused its input; ``field`` names the form field to show it beside."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
