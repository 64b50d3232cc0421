"""Notifications shown in the header, and who watches which topic."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow
from community.topics.models import Post, Topic

DETAIL_MAX_LENGTH = 200


class NotificationKind(enum.StrEnum):
    REPLY = "reply"  # a reply in a topic I started
    WATCHED_POST = "watched_post"  # a new post in a topic I watch
    ANSWER_ACCEPTED = "answer_accepted"
    IDEA_STATUS = "idea_status"  # a followed idea's status changed or was answered
    IDEA_MERGED = "idea_merged"  # a followed idea was merged into another


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the notifications page, newest first.
        Index("ix_notifications_user_read_id", "user_id", "read_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind))
    # Every notification points at a topic: what the recipient may read is decided
    # when the page is shown, so losing access to a space hides its notifications.
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A short machine value the text is built from (for example the new idea status),
    # never a copy of content: content is read through the topic, under policy.
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[Topic] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WatchLevel(enum.StrEnum):
    WATCHING = "watching"  # told of every post
    TRACKING = "tracking"  # told of replies to me; new posts counted
    NORMAL = "normal"  # told of replies to me
    MUTED = "muted"  # told of nothing

    @property
    def label(self) -> str:
        return self.value.capitalize()


class TopicWatch(Base):
    """A member's watch level for one topic; no row means normal.

    Following an idea is watching it: voting or replying starts that, unless the
    member chose a level for the topic already.
    """

    __tablename__ = "topic_watches"
    __table_args__ = (UniqueConstraint("topic_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[WatchLevel] = mapped_column(StrEnumType(WatchLevel))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
