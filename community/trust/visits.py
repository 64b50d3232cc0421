"""Counting the days a member is active: one row per member and UTC day.

Its own module so the funnels every member write passes through (reading positions,
posting) can call it without importing the trust services, which read them.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from community.accounts.models import User
from community.database import utcnow
from community.extensions import db
from community.trust.models import MemberVisit


def record_visit(user: User) -> None:
    """Count today as a day the member visited; no commit (the caller's transaction
    holds it). One INSERT that does nothing when the day is counted already."""
    values = {"user_id": user.id, "day": utcnow().date()}
    dialect = db.session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        dialect_insert(MemberVisit)
        .values(values)
        .on_conflict_do_nothing(index_elements=["user_id", "day"])
    )
