"""What trust levels are earned from: days visited and time spent reading.

Topics entered and posts read come from ``topic_reads`` (one row per topic the
member opened, holding the highest post they saw), so they are never counted twice;
replies and votes come from their own tables. Only what nothing else keeps lives
here: one row per day a member was active, and their running reading time.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from community.database import Base, UTCDateTime


class MemberVisit(Base):
    """A day (UTC) on which the member did something: read with the page open,
    replied, posted or marked a topic read."""

    __tablename__ = "member_visits"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)


class MemberStats(Base):
    """The member's running totals and their trust level's bookkeeping."""

    __tablename__ = "member_stats"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    reading_seconds: Mapped[int] = mapped_column(Integer, default=0)
    # The last reading report: the next may not claim more time than has passed.
    last_read_report_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When they last reached level 3 (regular): they keep it at least
    # TRUST_REGULAR_KEEP_DAYS from then.
    regular_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # An admin set the level by hand: automatic evaluation leaves it alone.
    is_level_set_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)
