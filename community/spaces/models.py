"""Spaces and memberships."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow

SPACE_NAME_MAX_LENGTH = 80
SPACE_SLUG_MAX_LENGTH = 60
SPACE_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
SPACE_DESCRIPTION_MAX_LENGTH = 2000


class Visibility(enum.StrEnum):
    PUBLIC = "public"
    CLOSED = "closed"
    EMPLOYEE = "employee"


JOIN_MESSAGE_MAX_LENGTH = 500
JOIN_NOTE_MAX_LENGTH = 500


class JoinRequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"


class IdeaBoard(enum.StrEnum):
    """Whether a space holds ideas, and beside what."""

    OFF = "off"  # discussions and questions only
    ALONGSIDE = "alongside"  # ideas beside discussions and questions
    ONLY = "only"  # an idea board: every new topic is an idea

    @property
    def has_ideas(self) -> bool:
        return self is not IdeaBoard.OFF


IDEA_VOTE_BUDGET_MAX = 1000


class MembershipRole(enum.StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"


class Space(Base):
    __tablename__ = "spaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(SPACE_SLUG_MAX_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(SPACE_NAME_MAX_LENGTH))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[Visibility] = mapped_column(StrEnumType(Visibility))
    # Closed spaces are listed by name to signed-in members so they can ask to
    # join; an unlisted one is known only to its members.
    is_listed: Mapped[bool] = mapped_column(Boolean, default=True)
    # A listed closed space may let signed-in members ask to join; its moderators
    # approve or decline each request.
    accepts_join_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    # Members at trust level 2 or more may invite people into this closed space; its
    # moderators switch it on (off by default).
    allows_member_invites: Mapped[bool] = mapped_column(Boolean, default=False)
    # Posts by trust-level-0 members wait in the review queue until a moderator
    # approves them.
    approves_new_member_posts: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    idea_board: Mapped[IdeaBoard] = mapped_column(StrEnumType(IdeaBoard), default=IdeaBoard.OFF)
    # Open votes a member may have on this board at once (None: no limit); votes
    # on shipped, declined and merged ideas return to the budget.
    idea_vote_budget: Mapped[int | None] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer, default=0)
    topic_count: Mapped[int] = mapped_column(Integer, default=0)
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="space", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Space {self.slug} {self.visibility}>"


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[MembershipRole] = mapped_column(
        StrEnumType(MembershipRole), default=MembershipRole.MEMBER
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship(back_populates="memberships")

    @property
    def is_moderator(self) -> bool:
        return self.role is MembershipRole.MODERATOR


class DecidedRequest:
    """What a request to join holds (a space's, a group's): who asks, their message,
    and the answer of whoever decides it. Mixed into each request's table."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JoinRequestStatus] = mapped_column(
        StrEnumType(JoinRequestStatus), default=JoinRequestStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_pending(self) -> bool:
        return self.status is JoinRequestStatus.PENDING


class JoinRequest(DecidedRequest, Base):
    """A member asking to join a closed space, and the moderators' answer."""

    __tablename__ = "join_requests"
    __table_args__ = (
        # One pending request per member and space; decided ones stay as history.
        Index(
            "uq_join_requests_pending",
            "space_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_join_requests_space_status", "space_id", "status", "created_at"),
    )

    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))

    space: Mapped[Space] = relationship()
    user: Mapped[User] = relationship(foreign_keys="JoinRequest.user_id")
