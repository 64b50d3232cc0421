"""Friendly error pages: a message a person can act on, never a stack trace."""

from __future__ import annotations

import logging
import secrets

from flask import Flask, g, render_template, request
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from community.extensions import db, login_manager

log = logging.getLogger(__name__)


def _http_error(error: HTTPException) -> ResponseReturnValue:
    code = error.code or 500
    if code in (403, 404):
        # Denied and hidden objects are security events (SECURITY-PLAN §7 check 33).
        log.info("http.denied status=%s method=%s path=%s", code, request.method, request.path)
    headers = {}
    valid_methods = getattr(error, "valid_methods", None)
    if valid_methods:
        headers["Allow"] = ", ".join(valid_methods)
    return render_template("errors/error.html", code=code), code, headers


def _csrf_error(error: CSRFError) -> ResponseReturnValue:
    log.info(
        "http.csrf_failed method=%s path=%s reason=%r",
        request.method,
        request.path,
        error.description,
    )
    return render_template("errors/error.html", code=400, csrf=True), 400


def _server_error(error: InternalServerError) -> ResponseReturnValue:
    # The id ties what the member sees to the log line with the traceback.
    error_id = secrets.token_hex(6)
    original = getattr(error, "original_exception", None) or error
    log.error("http.error error_id=%s path=%s", error_id, request.path, exc_info=original)
    db.session.rollback()
    return render_template("errors/error.html", code=500, error_id=error_id), 500


# Seconds a member is asked to wait after SQLite's write lock stayed taken too long.
BUSY_RETRY_AFTER = 2


def _database_error(error: OperationalError) -> ResponseReturnValue:
    """A SQLite write that waited out the busy timeout is a busy site, not a bug:
    503 with Retry-After, nothing written. Any other database error is a 500."""
    db.session.rollback()
    if "database is locked" not in str(error.orig):
        return _server_error(InternalServerError(original_exception=error))
    log.warning("db.busy method=%s path=%s", request.method, request.path)
    # Nothing after this may ask the database again (it would wait out the same lock):
    # the rest of the request sees a visitor, and the page reads no member.
    g._login_user = login_manager.anonymous_user()
    page = render_template("errors/busy.html")
    headers = {"Retry-After": str(BUSY_RETRY_AFTER), "Cache-Control": "no-store"}
    return page, 503, headers


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(OperationalError, _database_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _server_error)
