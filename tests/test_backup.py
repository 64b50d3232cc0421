"""`flask hearth backup`: a consistent, checked SQLite copy taken under write load."""

from __future__ import annotations

import sqlite3
import threading

import flask_migrate
import pytest
from sqlalchemy import func, select

from community import create_app
from community.accounts.models import User
from community.backup import BackupRefused, backup_sqlite
from community.extensions import db
from community.spaces.models import Space
from community.topics import services as topic_services
from community.topics.models import Topic
from config import TestingConfig
from tests import factories
from tests.conftest import make_test_app

# The writer's bound, so a slow machine cannot make the test run on.
MAX_WRITES = 400
WRITES_BEFORE_THE_COPY = 20


def _sqlite_app(path):
    app = make_test_app(f"sqlite:///{path}")
    with app.app_context():
        flask_migrate.upgrade()
    return app


def test_backup_under_write_load_is_consistent_and_serves(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("the SQLite backup; PostgreSQL is refused (the test below)")
    app = _sqlite_app(tmp_path / "live.db")
    with app.app_context():
        author = factories.make_user(username="writer")
        space = factories.make_space(slug="busy")
        before = db.session.scalar(select(func.count(Topic.id)))
        author_id, space_id = author.id, space.id
    stop = threading.Event()
    written = []

    def writer() -> None:
        with app.app_context():
            author, space = db.session.get(User, author_id), db.session.get(Space, space_id)
            while not stop.is_set() and len(written) < MAX_WRITES:
                topic_services.create_topic(
                    author, space, title=f"Busy topic {len(written)}", body="Still writing."
                )
                written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while (
            len(written) < WRITES_BEFORE_THE_COPY
        ):  # the writer is under way before the copy starts
            threading.Event().wait(0.01)
        with app.app_context():
            report = backup_sqlite(tmp_path / "copy.db", timeout_seconds=60)
    finally:
        stop.set()
        thread.join()

    assert report.integrity == "ok"
    assert report.size_bytes > 0
    copy = sqlite3.connect(tmp_path / "copy.db")
    copied = copy.execute("SELECT count(*) FROM topics").fetchone()[0]
    posts = copy.execute("SELECT count(*) FROM posts").fetchone()[0]
    counted = copy.execute("SELECT topic_count FROM spaces WHERE slug = 'busy'").fetchone()[0]
    copy.close()
    assert before + WRITES_BEFORE_THE_COPY <= copied <= before + len(written)
    assert posts == copied  # one snapshot: every topic with its first post
    assert counted == copied - before  # and the counter written in the same moment
    # The copy is a working Hearth.
    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    served = create_app(type("Copy", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": copy_url}))
    assert served.test_client().get("/healthz").status_code == 200
    assert served.test_client().get("/s/busy").status_code == 200


def test_backup_refuses_an_existing_file_and_keeps_it(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    app = _sqlite_app(tmp_path / "live.db")
    existing = tmp_path / "taken.db"
    existing.write_bytes(b"keep me")

    with app.app_context(), pytest.raises(BackupRefused, match="exists already"):
        backup_sqlite(existing, timeout_seconds=60)

    assert existing.read_bytes() == b"keep me"


def test_backup_that_runs_past_its_time_is_stopped_and_leaves_nothing(tmp_path, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    app = _sqlite_app(tmp_path / "live.db")
    # Enough pages that the copy outlasts SQLite's first progress check.
    padding = sqlite3.connect(tmp_path / "live.db")
    padding.execute("CREATE TABLE padding (filler BLOB)")
    padding.execute(
        "INSERT INTO padding SELECT randomblob(100) FROM "
        "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) "
        "SELECT i FROM n)"
    )
    padding.commit()
    padding.close()

    with app.app_context(), pytest.raises(BackupRefused, match="longer than"):
        backup_sqlite(tmp_path / "slow.db", timeout_seconds=0)

    assert not (tmp_path / "slow.db").exists()


def test_backup_command_refuses_postgresql_and_names_its_tool(app, database_url, tmp_path):
    result = app.test_cli_runner().invoke(args=["hearth", "backup", str(tmp_path / "b.db")])

    if database_url.startswith("sqlite"):
        # The session's SQLite test database: the command works and says what it did.
        assert result.exit_code == 0, result.output
        assert "integrity ok" in result.output
    else:
        assert result.exit_code == 1
        assert "pg_dump -Fc" in result.output
        assert not (tmp_path / "b.db").exists()
