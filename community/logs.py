"""Log lines: one event per line, ``key=value``, UTC, saying who and from where.

Every line carries the client address and the signed-in member's id when it is
written during a request (``-`` otherwise), so a security event — a failed sign-in,
a denied page, a CSRF failure, a rate-limit hit — says who, what, where and when
(SECURITY-PLAN check 33). Carriage returns and line feeds in a message (a requested
path can hold them) are escaped, so no request can write a line of its own.
"""

from __future__ import annotations

import logging
import time

from flask import g, has_request_context, request

LINE_FORMAT = (
    "%(asctime)s level=%(levelname)s logger=%(name)s ip=%(ip)s user_id=%(user_id)s %(message)s"
)
DATE_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
_UNKNOWN = "-"


class RequestContextFilter(logging.Filter):
    """Add ``ip`` and ``user_id`` to every record that passes through the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.ip = _UNKNOWN
        record.user_id = _UNKNOWN
        if has_request_context():
            record.ip = request.remote_addr or _UNKNOWN
            # Flask-Login keeps the member it loaded on g; asking current_user here
            # would load one (a query) from inside logging.
            user = g.get("_login_user")
            if user is not None and user.is_authenticated:
                record.user_id = user.id
        return True


class OneLineFormatter(logging.Formatter):
    """UTC timestamps, and CR/LF in the message written as ``\\r`` and ``\\n``."""

    converter = time.gmtime

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        return super().formatMessage(record).replace("\r", "\\r").replace("\n", "\\n")


def make_handler(stream: object | None = None) -> logging.Handler:
    """A stream handler (stderr by default) writing Hearth's log lines."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(OneLineFormatter(LINE_FORMAT, DATE_FORMAT))
    return handler
