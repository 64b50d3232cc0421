"""``GET /healthz``: what a load balancer sees when the database is up or down."""

from __future__ import annotations

import time

import pytest
from flask import Flask

from community.extensions import db
from tests.conftest import make_test_app

# Nothing listens on port 1 of the loopback interface, so connecting is refused at
# once: deterministic, and no packet leaves the machine.
UNREACHABLE_DATABASE_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
FAIL_FAST_SECONDS = 5


@pytest.fixture
def unreachable_app():
    broken = make_test_app(UNREACHABLE_DATABASE_URL)
    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_healthz_reports_ok_when_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_reports_error_when_database_is_unreachable(unreachable_app: Flask, caplog):
    started = time.monotonic()
    response = unreachable_app.test_client().get("/healthz")
    assert time.monotonic() - started < FAIL_FAST_SECONDS
    assert response.status_code == 503
    # Only the verdict: no driver message, host or port for the caller to read.
    assert response.get_json() == {"status": "error", "database": "error"}
    assert "health.database outcome=error" in caplog.text
