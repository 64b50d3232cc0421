"""The community's onboarding settings and each member's progress through onboarding.

The checklist is read from real state wherever it exists (a confirmed address, a
post in the welcome space, an invite used); this table keeps only what leaves no
other trace: the first sign-in, reading the guidelines, a moderator's welcome.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, UTCDateTime, utcnow
from community.spaces.models import Space

GUIDELINES_MAX_LENGTH = 30_000
WELCOME_NOTE_MAX_LENGTH = 1_000
# The one row of settings.
SETTINGS_ID = 1


class OnboardingSettings(Base):
    """Admins' choices: the guidelines text and the space where newcomers say hello."""

    __tablename__ = "onboarding_settings"
    __table_args__ = (CheckConstraint(f"id = {SETTINGS_ID}", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=SETTINGS_ID)
    welcome_space_id: Mapped[int | None] = mapped_column(
        ForeignKey("spaces.id", ondelete="SET NULL")
    )
    # Markdown as the admin wrote it, and the sanitised HTML rendered once at save.
    guidelines_source: Mapped[str] = mapped_column(Text, default="")
    guidelines_html: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    welcome_space: Mapped[Space | None] = relationship()


class MemberOnboarding(Base):
    """One member's onboarding moments; erased with the member."""

    __tablename__ = "member_onboarding"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    first_signed_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    guidelines_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A moderator's welcome message: when, and by whom (kept if they leave).
    welcomed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    welcomed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    welcomed_by: Mapped[User | None] = relationship(foreign_keys=[welcomed_by_id])
