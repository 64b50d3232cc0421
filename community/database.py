"""The declarative base, column types and engine settings shared by every domain."""

from __future__ import annotations

import enum
import threading
from datetime import UTC, datetime
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import MetaData, String, event
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool
from sqlalchemy.types import DateTime, TypeDecorator

# Named constraints let Alembic's batch mode on SQLite alter them, and keep names
# identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    PostgreSQL keeps the offset in ``timestamptz``; SQLite keeps no offset, so values
    are normalised to UTC on the way in and marked UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class StrEnumType(TypeDecorator):
    """Store a ``StrEnum`` as its string value in a plain VARCHAR (20 by default).

    Raises ValueError when a value of the enum is longer than the column, so a new
    member that does not fit fails at import rather than on PostgreSQL at write time
    (SQLite would store it silently).
    """

    impl = String(20)
    cache_ok = True

    def __init__(
        self, enum_class: type[enum.StrEnum], *args: Any, length: int = 20, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        too_long = [member.value for member in enum_class if len(member.value) > length]
        if too_long:
            raise ValueError(f"{enum_class.__name__} values longer than {length}: {too_long}")
        self.impl = String(length)
        self.enum_class = enum_class

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return self.enum_class(value).value

    def process_result_value(self, value: str | None, dialect: Dialect) -> enum.StrEnum | None:
        if value is None:
            return None
        return self.enum_class(value)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection: Any, connection_record: Any) -> None:
    """Turn on WAL and foreign keys for every SQLite connection (its busy timeout
    comes from ``SQLITE_BUSY_TIMEOUT_SECONDS``, passed as pysqlite's ``timeout``).

    pysqlite's own transaction handling is switched off (``isolation_level = None``)
    and SQLAlchemy emits BEGIN itself (see ``_begin_sqlite``): this is SQLAlchemy's
    documented recipe, needed for SAVEPOINT to work, which the tests rely on.
    """
    if type(dbapi_connection).__module__ != "sqlite3":
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Writers of this process queue here before asking SQLite for its write lock. SQLite's
# busy handler sleeps and retries, so under a burst a waiter can lose the lock to
# newcomers again and again until its timeout (the 2,000-vote test saw 15 of them
# starve for 30 s); a lock hands over to one waiter at a time instead. Writers in
# other processes still meet at SQLite's lock, within the busy timeout.
_sqlite_writers = threading.Lock()
_HOLDS_WRITE_LOCK = "hearth_holds_sqlite_write_lock"


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection: Any) -> None:
    if connection.dialect.name != "sqlite":
        return
    # A request that changes state takes SQLite's write lock when its transaction
    # begins. A deferred transaction that reads first and writes later cannot wait
    # for the lock (WAL answers "database is locked" at once when another writer got
    # in between), while one that asks up front waits up to the busy timeout.
    # Reads stay deferred, so pages never queue behind each other.
    if has_request_context() and request.method not in SAFE_METHODS:
        timeout = current_app.config["SQLITE_BUSY_TIMEOUT_SECONDS"]
        # Past the wait, BEGIN IMMEDIATE tries on its own and reports the busy lock.
        if _sqlite_writers.acquire(timeout=timeout):
            connection.info[_HOLDS_WRITE_LOCK] = True
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        connection.exec_driver_sql("BEGIN")


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _end_sqlite_write(connection: Any) -> None:
    _release_write_lock(connection.info)


@event.listens_for(Pool, "checkin")
def _release_on_checkin(dbapi_connection: Any, connection_record: Any) -> None:
    # However a transaction ended (a pool reset rolls back without the events above),
    # a connection back in the pool holds no place in the queue.
    if connection_record is not None:
        _release_write_lock(connection_record.info)


def _release_write_lock(info: dict) -> None:
    if info.pop(_HOLDS_WRITE_LOCK, False):
        _sqlite_writers.release()


def render_migration_type(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    """Write our column types into migrations as the plain SQLAlchemy types they store.

    Migrations then never import application code, which may change after they run.
    """
    if type_ != "type":
        return False
    if isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if isinstance(obj, StrEnumType):
        return f"sa.String(length={obj.impl.length})"
    return False
