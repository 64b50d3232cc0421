"""``GET /healthz`` for load balancers and uptime checks."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from community.extensions import db

log = logging.getLogger(__name__)


def healthz() -> ResponseReturnValue:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.error("health.database outcome=error error=%s", type(error).__name__)
        return jsonify(status="error", database="error"), 503
    return jsonify(status="ok", database="ok")


def init_health(app: Flask) -> None:
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])
