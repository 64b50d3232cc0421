"""One row per warning, silence or suspension a moderator gave a member.

The member's current state is kept on ``users`` (``silenced_until``,
``suspended_until``) so that policy answers "may they post?" and the session loader
answers "may they stay signed in?" without a query; these rows are the history the
moderation page shows and the member's export holds. A sanction ends by time alone:
every check compares its end with now, so no job has to lift it.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow

SANCTION_REASON_MAX_LENGTH = 2_000
SUBMISSION_TOKEN_MAX_LENGTH = 64  # as community.forms makes them


class SanctionKind(enum.StrEnum):
    WARNING = "warning"
    SILENCE = "silence"
    SUSPENSION = "suspension"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Sanction(Base):
    __tablename__ = "sanctions"
    __table_args__ = (
        # A second submit of the same form (a double click) finds the first row.
        UniqueConstraint("created_by_id", "submission_token"),
        Index("ix_sanctions_user_id_id", "user_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[SanctionKind] = mapped_column(StrEnumType(SanctionKind))
    # A warning's message, or why the member was silenced or suspended: shown to them.
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # SET NULL: a moderator's account going keeps what they did.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # When a silence or suspension ends (``accounts.models.INDEFINITELY`` for no end);
    # None for a warning.
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_token: Mapped[str | None] = mapped_column(String(SUBMISSION_TOKEN_MAX_LENGTH))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    lifted_by: Mapped[User | None] = relationship(foreign_keys=[lifted_by_id])

    @property
    def is_lifted(self) -> bool:
        return self.lifted_at is not None

    def is_in_force(self, now: datetime) -> bool:
        if self.kind is SanctionKind.WARNING or self.is_lifted or self.ends_at is None:
            return False
        return self.ends_at > now
