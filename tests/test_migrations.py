"""The migrations build exactly the schema the models describe, and can be undone.

Alembic's autogenerate comparison is the oracle: after ``flask db upgrade`` on an
empty database it must find nothing to do. A model change without a migration, or
a migration edited by hand that drifted from the models, fails here.
"""

from __future__ import annotations

from collections.abc import Iterator

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask

from community.extensions import SEARCH_INDEX_TABLES, db, include_in_schema_comparison
from tests.conftest import make_test_app


def schema_differences(connection: sa.Connection) -> list:
    # The search index has no model (community.extensions.include_in_schema_comparison).
    context = MigrationContext.configure(
        connection,
        opts={
            "compare_type": True,
            "compare_server_default": False,
            "include_object": include_in_schema_comparison,
        },
    )
    return compare_metadata(context, db.metadata)


def assert_schema_matches_models(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        differences = schema_differences(connection)
    assert differences == [], "\n".join(str(difference) for difference in differences)


def application_tables(app: Flask) -> set[str]:
    with app.app_context(), db.engine.connect() as connection:
        tables = set(sa.inspect(connection).get_table_names())
    return tables - {"alembic_version"} - SEARCH_INDEX_TABLES


@pytest.fixture
def fresh_sqlite_app(tmp_path) -> Iterator[Flask]:
    fresh = make_test_app(f"sqlite:///{tmp_path / 'fresh.db'}")
    yield fresh
    with fresh.app_context():
        db.engine.dispose()


def test_migrations_match_models_when_upgraded_on_the_session_database(app):
    # The session's database was built by `flask db upgrade` (PostgreSQL too, when
    # TEST_DATABASE_URL is set); the tests' rolled-back transactions leave it as built.
    assert_schema_matches_models(app)


def test_migrations_match_models_when_upgraded_on_an_empty_sqlite_file(fresh_sqlite_app):
    assert application_tables(fresh_sqlite_app) == set()
    with fresh_sqlite_app.app_context():
        flask_migrate.upgrade()
    assert application_tables(fresh_sqlite_app) == set(db.metadata.tables)
    assert_schema_matches_models(fresh_sqlite_app)


def test_migrations_rebuild_schema_when_downgraded_to_base_and_upgraded(fresh_sqlite_app):
    with fresh_sqlite_app.app_context():
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="base")
    assert application_tables(fresh_sqlite_app) == set()
    with fresh_sqlite_app.app_context():
        flask_migrate.upgrade()
    assert_schema_matches_models(fresh_sqlite_app)


def test_migrations_have_a_single_head_when_listed(fresh_sqlite_app):
    # Two heads are two branches nobody merged: `flask db upgrade` would refuse them.
    with fresh_sqlite_app.app_context():
        config = fresh_sqlite_app.extensions["migrate"].migrate.get_config()
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_sqlite_connections_enforce_foreign_keys_and_use_wal_when_opened(fresh_sqlite_app):
    with fresh_sqlite_app.app_context(), db.engine.connect() as connection:
        foreign_keys = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
        journal_mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        busy_timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert foreign_keys == 1
    assert journal_mode == "wal"
    # Milliseconds; the setting is in seconds (a write waits this long for the lock).
    assert busy_timeout == fresh_sqlite_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"] * 1000


def test_sqlite_refuses_orphan_rows_when_foreign_key_is_violated(fresh_sqlite_app):
    # The pragma's effect, not only its value: a membership of nobody in nothing.
    with fresh_sqlite_app.app_context():
        flask_migrate.upgrade()
        with db.engine.connect() as connection, pytest.raises(sa.exc.IntegrityError):
            connection.execute(
                db.metadata.tables["memberships"]
                .insert()
                .values(space_id=999, user_id=999, role="member", created_at=sa.func.now())
            )


def test_migrations_keep_rows_that_refer_to_a_rebuilt_table_when_upgrading(fresh_sqlite_app):
    # Batch mode rebuilds ``spaces`` on SQLite (join requests, idea boards, member
    # invites); with foreign keys on, dropping the old table deleted its memberships.
    with fresh_sqlite_app.app_context():
        flask_migrate.upgrade(revision="1973d2d0097e")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO users (id, email, username, username_lower, display_name, "
                "password_hash, role, is_employee, session_version, created_at) VALUES "
                "(5, 'old@example.com', 'old', 'old', 'Old', 'x', 'member', 0, 1, '2026-01-01')",
                "INSERT INTO spaces (id, slug, name, description, visibility, is_listed, "
                "position, topic_count, post_count, created_at) "
                "VALUES (7, 'old', 'Old', '', 'closed', 1, 0, 0, 0, '2026-01-01')",
                "INSERT INTO memberships (space_id, user_id, role, created_at) "
                "VALUES (7, 5, 'member', '2026-01-01')",
            ):
                connection.execute(sa.text(statement))
        flask_migrate.upgrade()
        with db.engine.connect() as connection:
            memberships = connection.execute(sa.text("SELECT space_id, user_id FROM memberships"))
            assert memberships.all() == [(7, 5)]
            # The pooled connection enforces foreign keys again afterwards.
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
