"""Reading a member's notifications, under the member's current rights."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload

from community import policy
from community.accounts.models import Viewer
from community.extensions import db
from community.notifications.models import Notification
from community.topics.models import Topic

NOTIFICATIONS_PER_PAGE = 30


def _readable(viewer: Viewer) -> Select:
    # Readability is checked when shown, not only when sent: a member who left a
    # closed space or lost employee status no longer sees what was sent before.
    return (
        select(Notification)
        .join(Topic, Topic.id == Notification.topic_id)
        .where(Notification.user_id == viewer.id, policy.visible_topics_clause(viewer))
    )


def unread_count(viewer: Viewer) -> int:
    if not viewer.is_authenticated:
        return 0
    statement = _readable(viewer).where(Notification.read_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def list_notifications(
    viewer: Viewer, *, before_id: int | None = None, per_page: int = NOTIFICATIONS_PER_PAGE
) -> tuple[list[Notification], int | None]:
    """Newest first, a keyset page before ``before_id``; returns the next cursor."""
    statement = (
        _readable(viewer)
        .options(
            # Titles only: the topics' tags (selectin by default) are not shown here.
            contains_eager(Notification.topic).lazyload(Topic.tags),
            joinedload(Notification.actor),
            joinedload(Notification.post),
        )
        .order_by(Notification.id.desc())
        .limit(per_page + 1)
    )
    if before_id is not None:
        statement = statement.where(Notification.id < before_id)
    rows = list(db.session.scalars(statement).unique())
    if len(rows) <= per_page:
        return rows, None
    rows = rows[:per_page]
    return rows, rows[-1].id
