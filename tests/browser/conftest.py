"""A live Hearth server and headless Chromium for end-to-end journeys.

The server runs in a thread on 127.0.0.1 and a free port, on its own database (a
fresh SQLite file, or a fresh PostgreSQL database next to TEST_DATABASE_URL's),
migrated like production. Chromium is Debian's, driven by Playwright.

Locally, a missing browser skips these tests with the install command; in CI
(CI=true) it fails them.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask
from werkzeug.serving import make_server

from community.extensions import db
from community.mail import outbox
from community.notifications.outbox import deliver_outbox
from tests.conftest import drop_postgresql_database, fresh_postgresql_database, make_test_app

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",  # the CI runs as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the machine has no network to reach
    "--disable-component-update",
    "--disable-sync",
]


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    message = f"{CHROMIUM} is missing: install it with `apt-get install chromium`"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@dataclass
class LiveServer:
    app: Flask
    url: str

    def mails_to(self, address: str) -> list:
        # Mail waits in the outbox table until the worker runs: run it once, here.
        with self.app.app_context():
            deliver_outbox()
        return [message for message in outbox(self.app) if message.to == address.lower()]

    def link_in_last_mail_to(self, address: str) -> str:
        body = self.mails_to(address)[-1].body
        match = re.search(r"https?://\S+", body)
        assert match, body
        # Links in mail use BASE_URL; point them at this server.
        return re.sub(r"^https?://[^/]+", self.url, match.group(0))


@pytest.fixture(scope="module")
def live_server(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    _require_chromium()
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.db'}"
    else:
        url = fresh_postgresql_database(database_url, "browser")
    # Errors render the friendly 500 page, as in production, instead of propagating.
    app = make_test_app(url, PROPAGATE_EXCEPTIONS=False)
    with app.app_context():
        flask_migrate.upgrade()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request is noise
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()
        if not database_url.startswith("sqlite"):
            drop_postgresql_database(database_url, url)


@pytest.fixture(scope="module")
def browser(live_server: LiveServer) -> Iterator[object]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - only when Chromium exists

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser context per test; a screenshot is kept when the test fails."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    console_errors: list[str] = []
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            console_errors.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"\nscreenshot of the failure: {path}")
    context.close()
    assert not console_errors, f"script errors or CSP violations: {console_errors}"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
