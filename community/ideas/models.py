"""Ideas, their votes, their status timeline and employees' internal notes.

An idea is a topic of kind ``idea`` (its first post is the description, replies are
the public discussion) plus one ``ideas`` row that holds what only ideas have. The
row lives beside ``topics`` rather than in it so that lists of ideas read a narrow
table with its own indexes, and so that discussions carry no idea columns.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow
from community.topics.models import Topic

RESPONSE_MAX_LENGTH = 10_000
NOTE_MAX_LENGTH = 10_000


class IdeaStatus(enum.StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SHIPPED = "shipped"
    DECLINED = "declined"
    # Set by merging only, never chosen from the status menu.
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")

    @property
    def is_closed(self) -> bool:
        """Closed ideas take no votes, and their votes return to the voters' budget."""
        return self in CLOSED_STATUSES


# The trending sort counts the votes of this many days.
TRENDING_DAYS = 14

CLOSED_STATUSES = frozenset({IdeaStatus.SHIPPED, IdeaStatus.DECLINED, IdeaStatus.DUPLICATE})
# What staff pick from; duplicate comes from a merge.
SETTABLE_STATUSES = tuple(status for status in IdeaStatus if status is not IdeaStatus.DUPLICATE)


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = (
        # Board sorted by top votes and the roadmap's columns, per space.
        Index("ix_ideas_space_votes", "space_id", "vote_count", "topic_id"),
        Index("ix_ideas_status_votes", "status", "vote_count", "topic_id"),
        # Board sorted by trending: an index range like top's.
        Index("ix_ideas_space_trending", "space_id", "recent_vote_count", "vote_count", "topic_id"),
    )

    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True
    )
    # A copy of the topic's space: board lists filter ideas without joining topics.
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    status: Mapped[IdeaStatus] = mapped_column(StrEnumType(IdeaStatus), default=IdeaStatus.OPEN)
    # Rows in idea_votes; changed with atomic updates only.
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    # Votes of the last TRENDING_DAYS, the trending sort: a new vote adds one at once;
    # votes ageing out leave it when ``services.recount_recent_votes`` runs (the mail
    # worker's loop does every RECENT_VOTES_REFRESH_SECONDS, ``hearth refresh-trending``
    # on demand). Stored, because counting every board's recent votes per request does
    # not scale (2,000,000 posts: 2.4 req/s).
    recent_vote_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first official response from staff, and when the idea shipped: the
    # co-creation figures of the dashboard.
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Loading ideas loads their topics in the same query; ``topic.idea`` is the way back.
    topic: Mapped[Topic] = relationship(
        foreign_keys=[topic_id],
        backref=backref("idea", uselist=False),
        lazy="joined",
        innerjoin=True,
    )
    merged_into: Mapped[Topic | None] = relationship(foreign_keys=[merged_into_id])

    @property
    def is_closed(self) -> bool:
        return self.status.is_closed

    @property
    def is_merged(self) -> bool:
        return self.merged_into_id is not None


class IdeaVote(Base):
    """One member's vote for one idea; the unique constraint stops double votes."""

    __tablename__ = "idea_votes"
    __table_args__ = (
        UniqueConstraint("topic_id", "user_id"),
        # Trending: votes per idea over the last days.
        Index("ix_idea_votes_topic_created", "topic_id", "created_at"),
        # The dashboard's active members: a period's votes, found by their date.
        Index("ix_idea_votes_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("ideas.topic_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaStatusChange(Base):
    """One step of an idea's timeline: a status change, an official response, or both."""

    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.topic_id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    old_status: Mapped[IdeaStatus] = mapped_column(StrEnumType(IdeaStatus))
    new_status: Mapped[IdeaStatus] = mapped_column(StrEnumType(IdeaStatus))
    response_source: Mapped[str] = mapped_column(Text, default="")
    response_html: Mapped[str] = mapped_column(Text, default="")
    # Set when the change is a merge: where the idea went.
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship()
    merged_into: Mapped[Topic | None] = relationship()


class IdeaNote(Base):
    """An employee's internal note on an idea: seen by employees (and admins) only."""

    __tablename__ = "idea_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("ideas.topic_id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body_source: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
