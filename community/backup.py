"""Online backups of the SQLite database, taken while the site keeps serving.

``VACUUM INTO`` writes a consistent copy from one read snapshot: writers carry on
(WAL), and unlike the page-by-page backup API it never starts over when a write
lands during the copy, so it ends. A time limit stops it all the same (SQLite's
progress handler aborts the statement), and the copy is checked with
``PRAGMA integrity_check`` before it is called a backup. PostgreSQL has its own
tools: ``pg_dump -Fc`` and ``pg_restore`` (docs/operations in README).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from community.extensions import db

log = logging.getLogger(__name__)

# How often (in SQLite virtual machine steps) the progress handler is asked.
_PROGRESS_STEPS = 50_000


class BackupRefused(Exception):
    """The backup cannot be taken; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size_bytes: int
    seconds: float
    integrity: str


def backup_sqlite(
    destination: Path,
    *,
    timeout_seconds: float,
    progress: Callable[[float], object] = lambda elapsed: None,
) -> BackupReport:
    """Copy the SQLite database to ``destination`` (a new file) and check the copy.

    Raises BackupRefused for another database, an existing destination, a copy that
    ran past ``timeout_seconds`` (the partial file is removed) or a copy that fails
    its integrity check.
    """
    if db.engine.dialect.name != "sqlite":
        raise BackupRefused(
            f"The database is {db.engine.dialect.name}: back it up with "
            "`pg_dump -Fc` and restore with `pg_restore --single-transaction`."
        )
    destination = destination.resolve()
    if destination.exists():
        raise BackupRefused(f"{destination} exists already; choose a new file name.")
    if not destination.parent.is_dir():
        raise BackupRefused(f"{destination.parent} is not a directory.")
    started = time.monotonic()
    last_report = [started]

    def keep_going() -> int:
        now = time.monotonic()
        if now - last_report[0] >= 1:
            last_report[0] = now
            progress(now - started)
        return int(now - started > timeout_seconds)  # non-zero aborts the statement

    raw = db.engine.raw_connection()
    try:
        connection = raw.driver_connection
        connection.set_progress_handler(keep_going, _PROGRESS_STEPS)
        try:
            # Autocommit (the engine's connect hook): VACUUM cannot run in a transaction.
            connection.execute("VACUUM INTO ?", (str(destination),))
        except sqlite3.OperationalError as error:
            destination.unlink(missing_ok=True)
            if "interrupted" in str(error):
                raise BackupRefused(
                    f"The copy took longer than {timeout_seconds:g} s and was stopped; "
                    "nothing was kept. Try again at a quieter time or allow longer."
                ) from error
            raise BackupRefused(f"SQLite could not write the copy: {error}") from error
        finally:
            connection.set_progress_handler(None, 0)
    finally:
        raw.close()
    integrity = _integrity_of(destination)
    if integrity != "ok":
        raise BackupRefused(f"The copy failed its integrity check: {integrity}")
    report = BackupReport(
        path=destination,
        size_bytes=destination.stat().st_size,
        seconds=time.monotonic() - started,
        integrity=integrity,
    )
    log.info(
        "backup.done path=%s bytes=%s seconds=%.2f", report.path, report.size_bytes, report.seconds
    )
    return report


def _integrity_of(path: Path) -> str:
    copy = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = copy.execute("PRAGMA integrity_check").fetchall()
    finally:
        copy.close()
    return "; ".join(row[0] for row in rows)
