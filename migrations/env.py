"""Alembic environment for Flask-Migrate: the app's engine and metadata."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config

# Keep the application's loggers alive when migrations run inside it (tests, CLI).
fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate_extension = current_app.extensions["migrate"]
engine = migrate_extension.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)
target_metadata = migrate_extension.db.metadata


def run_migrations_offline():
    """Emit SQL to stdout instead of running it (``flask db upgrade --sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        **migrate_extension.configure_args,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        # `flask db migrate` with no model changes writes no empty revision.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    configure_args = dict(migrate_extension.configure_args)
    configure_args.setdefault("process_revision_directives", process_revision_directives)
    with engine.connect() as connection:
        _set_sqlite_foreign_keys(connection, enabled=False)
        try:
            context.configure(
                connection=connection, target_metadata=target_metadata, **configure_args
            )
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if connection.in_transaction():
                connection.commit()
            _set_sqlite_foreign_keys(connection, enabled=True)


def _set_sqlite_foreign_keys(connection, *, enabled):
    """Switch SQLite's foreign keys off while migrations run, and back on after.

    Batch mode rebuilds a table on SQLite (copy, DROP, rename), and with foreign keys
    on, the DROP deletes every row that refers to the table through ON DELETE
    CASCADE: rebuilding ``spaces`` emptied ``memberships``. Alembic's documentation
    asks for them off during batch operations. The PRAGMA only works outside a
    transaction, so it goes to the driver's connection (in autocommit mode, see
    community.database) before the migrations begin one; afterwards every foreign
    key is checked, and the pooled connection gets its foreign keys back.
    """
    if connection.dialect.name != "sqlite":
        return
    driver = connection.connection.driver_connection
    driver.execute(f"PRAGMA foreign_keys = {'ON' if enabled else 'OFF'}")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != int(enabled):
        raise RuntimeError("could not switch SQLite's foreign keys; is a transaction open?")
    if enabled:
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"migrations left rows that break foreign keys: {broken[:10]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
