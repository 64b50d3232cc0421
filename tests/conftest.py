"""Fixtures: an app per database, a rolled-back transaction per test, personas.

The schema comes from the migrations, once per database per session. Every test
then runs inside an outer transaction that is rolled back at its end; the code
under test commits to SAVEPOINTs inside it (``join_transaction_mode``).

The suite runs on SQLite, and again on PostgreSQL when ``TEST_DATABASE_URL`` is set:
the ``database_url`` fixture is parametrised, so each test id says which database.
"""

from __future__ import annotations

import contextvars
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession
from sqlalchemy.engine import make_url

from community import create_app
from community.accounts.models import Role, User
from community.extensions import db
from community.mail import outbox
from community.ratelimit import limiter
from community.spaces.models import Space, Visibility
from config import TestingConfig
from tests import factories

DATABASES = ["sqlite"] + (["postgresql"] if os.environ.get("TEST_DATABASE_URL") else [])


def fresh_postgresql_database(url: str, suffix: str) -> str:
    """A new, empty database beside the one ``url`` names; returns its URL.

    Each test run gets its own (named after the process), so two runs on one server,
    a developer's and CI's, never drop each other's tables.
    """
    base = make_url(url)
    fresh = base.set(database=f"{base.database}_{suffix}")
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{fresh.database}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{fresh.database}"'))
    admin.dispose()
    return fresh.render_as_string(hide_password=False)


def drop_postgresql_database(url: str, fresh_url: str) -> None:
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        name = make_url(fresh_url).database
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'hearth-test.db'}"
        return
    url = os.environ["TEST_DATABASE_URL"]
    fresh = fresh_postgresql_database(url, f"run{os.getpid()}")
    yield fresh
    drop_postgresql_database(url, fresh)


def make_test_app(database_url: str, **overrides: object) -> Flask:
    config = type(
        "TestConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": database_url, **overrides}
    )
    return create_app(config)


class IsolatedClient(FlaskClient):
    """A test client whose requests run in a fresh context, as in production.

    Without this, a request would reuse the app context the test pushed, sharing
    ``g`` (and so Flask-Login's cached user) and the test's database session.
    """

    def open(self, *args: object, **kwargs: object):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        # The request committed through its own session; read fresh state after it.
        db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    app = make_test_app(database_url)
    app.test_client_class = IsolatedClient
    with app.app_context():
        flask_migrate.upgrade()
    yield app
    with app.app_context():
        db.engine.dispose()  # close pooled connections before the interpreter does


@pytest.fixture
def limited_app(database, database_url):
    """Build an app with rate limits on; the one Limiter is reset around each test."""
    apps = []

    def build(**overrides):
        app = make_test_app(
            database_url,
            RATE_LIMITS_ENABLED=True,
            RATELIMIT_STORAGE_URI=overrides.pop("RATELIMIT_STORAGE_URI", "memory://"),
            **overrides,
        )
        app.test_client_class = IsolatedClient
        apps.append(app)
        limiter.reset()
        return app

    yield build
    limiter.reset()


class _ConnectionBoundSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy's session, but always on the test's connection."""

    def get_bind(self, *args: object, **kwargs: object) -> sa.Connection:
        return self.bind


@pytest.fixture
def database(app: Flask) -> Iterator[sa.Connection]:
    """Run the test in a transaction that is rolled back afterwards."""
    with app.app_context():
        connection = db.engine.connect()
    transaction = connection.begin()
    original_session = db.session
    db.session = db._make_scoped_session(
        {
            "class_": _ConnectionBoundSession,
            "bind": connection,
            "join_transaction_mode": "create_savepoint",
        }
    )
    context = app.app_context()
    context.push()
    outbox(app).clear()
    try:
        yield connection
    finally:
        db.session.remove()
        context.pop()
        db.session = original_session
        transaction.rollback()
        connection.close()


@pytest.fixture
def client(app: Flask, database: sa.Connection) -> FlaskClient:
    return app.test_client()


def page_with_csrf_token(client_: FlaskClient, url: str, **request: object) -> str:
    """The page at ``url``, or, for a signed-out visitor, whose pages open no session and
    so carry no token, the sign-in page: the token the browser would hold."""
    page = client_.get(url, **request).text
    if 'name="csrf_token"' in page or 'name="csrf-token"' in page:
        return page
    return client_.get("/login", **request).text


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


@pytest.fixture
def post_form(client: FlaskClient):
    """POST a form as a browser would: fetch a page for its CSRF token first."""

    def post(client_: FlaskClient, url: str, data: dict) -> object:
        page = page_with_csrf_token(client_, "/")
        return client_.post(url, data={**data, "csrf_token": csrf_token_from(page)})

    return post


def sign_in(client_: FlaskClient, user: User, *, password: str = factories.PASSWORD) -> None:
    page = client_.get("/login")
    response = client_.post(
        "/login",
        data={
            "login": user.username,
            "password": password,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 302, response.text


def refuse_sign_in(client_: FlaskClient, user: User) -> object:
    """Try to sign in as a suspended member: refused (403), the client stays a visitor."""
    page = client_.get("/login")
    response = client_.post(
        "/login",
        data={
            "login": user.username,
            "password": factories.PASSWORD,
            "csrf_token": csrf_token_from(page.text),
        },
    )
    assert response.status_code == 403, response.text
    return response


# --- personas -------------------------------------------------------------------


@dataclass
class World:
    """Users of every role and a space of every kind; the closed space is open to
    the group "Partners", whose one member is the ``group_member`` persona."""

    users: dict[str, User | None]
    spaces: dict[str, Space]

    def user(self, persona: str) -> User | None:
        return self.users[persona]


PERSONAS = (
    "anonymous",
    "unconfirmed",
    "member",
    "closed_member",
    # Reads the closed space only through a group the space grants.
    "group_member",
    "employee",
    "space_moderator",
    "moderator",
    "admin",
    # A member under a silence in force: reads as "member" does, posts nothing.
    "silenced",
    # A member under a suspension in force: cannot sign in, so a visitor everywhere.
    "suspended",
)
# Who each persona's requests are answered as: a suspended member has no session.
SIGNED_OUT_PERSONAS = frozenset({"anonymous", "suspended"})
SPACE_KINDS = ("public", "closed", "employee")


@pytest.fixture
def world(database: sa.Connection) -> World:
    users: dict[str, User | None] = {
        "anonymous": None,
        "unconfirmed": factories.make_user(username="unconfirmed", is_confirmed=False),
        "member": factories.make_user(username="member"),
        "closed_member": factories.make_user(username="closedmember"),
        "group_member": factories.make_user(username="groupmember"),
        "employee": factories.make_user(username="employee", is_employee=True),
        "space_moderator": factories.make_user(username="spacemod"),
        "moderator": factories.make_user(username="moderator", role=Role.MODERATOR),
        "admin": factories.make_user(username="admin", role=Role.ADMIN),
        "silenced": factories.make_user(username="silenced"),
        "suspended": factories.make_user(username="suspended"),
    }
    # Their state set directly (the sanctions tests go through the services): the
    # world queues no mail and writes no notification of its own.
    a_week = datetime.now(UTC) + timedelta(days=7)
    users["silenced"].silenced_until = a_week
    users["suspended"].suspended_until = a_week
    spaces = {
        "public": factories.make_space(
            visibility=Visibility.PUBLIC, slug="town-square", name="Town Square",
            moderators=(users["space_moderator"],),
        ),
        "closed": factories.make_space(
            visibility=Visibility.CLOSED, slug="inner-circle", name="Inner Circle",
            members=(users["closed_member"],), moderators=(users["space_moderator"],),
        ),
        "employee": factories.make_space(
            visibility=Visibility.EMPLOYEE, slug="staff-lounge", name="Staff Lounge",
        ),
    }  # fmt: skip
    factories.make_group(
        name="Partners", members=(users["group_member"],), spaces=(spaces["closed"],)
    )
    return World(users=users, spaces=spaces)


@pytest.fixture
def client_as(app: Flask, world: World):
    """A signed-in client for a persona (anonymous: a client with no session)."""

    def make(persona: str) -> FlaskClient:
        new_client = app.test_client()
        user = world.user(persona)
        if persona == "suspended":
            refuse_sign_in(new_client, user)
        elif user is not None:
            sign_in(new_client, user)
        return new_client

    return make


@contextmanager
def count_queries(connection: sa.Connection) -> Iterator[list[str]]:
    """Collect the SQL statements run on ``connection`` inside the block."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            statements.append(statement)

    sa.event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(connection, "before_cursor_execute", record)


# --- figures for the CI log ---------------------------------------------------------

_browser_results: dict[str, dict[str, int]] = {}
_figures: list[str] = []


@pytest.fixture
def report_figure():
    """Print a ``FIGURE ...`` line in the terminal summary, where CI logs keep it."""
    return _figures.append


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "tests/browser/test_journey" not in report.nodeid or report.when != "call":
        return
    database = "postgresql" if "[postgresql" in report.nodeid else "sqlite"
    counts = _browser_results.setdefault(database, {"journeys": 0, "passed": 0})
    counts["journeys"] += 1
    counts["passed"] += int(report.passed)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for line in _figures:
        terminalreporter.write_line(line)
    for database, counts in sorted(_browser_results.items()):
        terminalreporter.write_line(
            f"FIGURE browser-journeys db={database} journeys={counts['journeys']} "
            f"passed={counts['passed']}"
        )
