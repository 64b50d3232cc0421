"""Who gets the weekly community health summary by e-mail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, UTCDateTime, utcnow


class SummarySubscription(Base):
    """A staff member who asked for the weekly summary; no row means no e-mail.

    ``last_sent_week`` (the Monday of the week last summarised to them) makes the
    weekly command safe to run twice: a week is sent to each subscriber once.
    """

    __tablename__ = "summary_subscriptions"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sent_week: Mapped[date | None] = mapped_column(Date)

    user: Mapped[User] = relationship()
