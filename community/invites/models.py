"""Invites and who used them.

An invite grants, to whoever uses it, membership of the closed spaces it names, of
a group, and employee status, in any combination; one that grants none of these
brings someone into the community (they start at trust level 1). Only a hash of the
token is kept: the link is shown once, to its creator, or mailed to one address, so
a copy of the database does not hand out memberships.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import EMAIL_MAX_LENGTH, User
from community.database import Base, UTCDateTime, utcnow
from community.groups.models import Group
from community.spaces.models import Space

INVITE_DEFAULT_DAYS = 7
INVITE_MAX_DAYS = 30
INVITE_MAX_USES = 100
# Addresses one form may invite at once (each gets its own single-use invite).
INVITE_EMAILS_MAX = 20
# Tokens are 32 characters; anything much longer is not one of ours.
INVITE_TOKEN_MAX_LENGTH = 64
SUBMISSION_TOKEN_MAX_LENGTH = 64


def hash_token(token: str) -> str:
    """What is stored of a token: its SHA-256, enough to find the invite by the link."""
    return hashlib.sha256(token.encode()).hexdigest()


invite_spaces = Table(
    "invite_spaces",
    Base.metadata,
    Column("invite_id", ForeignKey("invites.id", ondelete="CASCADE"), primary_key=True),
    Column("space_id", ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Invite(Base):
    __tablename__ = "invites"
    __table_args__ = (
        # The form that made an invite, per creator and address: a double-clicked
        # submit makes (and mails) nothing twice.
        UniqueConstraint("created_by_id", "submission_token", "email"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A deleted group leaves the invite granting the rest.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    grants_employee: Mapped[bool] = mapped_column(Boolean, default=False)
    # The address an e-mailed invite went to ("" for a link to share), so that the
    # inviter sees whom they invited.
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), default="")
    submission_token: Mapped[str | None] = mapped_column(String(SUBMISSION_TOKEN_MAX_LENGTH))
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    spaces: Mapped[list[Space]] = relationship(secondary=invite_spaces, order_by=Space.name)
    group: Mapped[Group | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    uses: Mapped[list[InviteUse]] = relationship(
        back_populates="invite", order_by="InviteUse.used_at"
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def is_used_up(self) -> bool:
        return self.use_count >= self.max_uses

    @property
    def is_usable(self) -> bool:
        return not (self.is_revoked or self.is_expired or self.is_used_up)

    @property
    def grants_only_an_account(self) -> bool:
        return not self.spaces and self.group_id is None and not self.grants_employee


class InviteUse(Base):
    """Who joined through an invite, and when: the inviter sees this list."""

    __tablename__ = "invite_uses"
    __table_args__ = (UniqueConstraint("invite_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invite_id: Mapped[int] = mapped_column(ForeignKey("invites.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invite: Mapped[Invite] = relationship(back_populates="uses")
    user: Mapped[User] = relationship()
