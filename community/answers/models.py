"""Votes on answers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from community.database import Base, UTCDateTime, utcnow


class AnswerVote(Base):
    """One member's vote for one answer; the unique constraint stops double votes."""

    __tablename__ = "answer_votes"
    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        # The dashboard's active members: a period's votes, found by their date.
        Index("ix_answer_votes_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
