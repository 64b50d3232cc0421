"""Groups, their members and owners, requests to join them, and the spaces they open.

A closed space lets in its direct members and the members of every group it grants
(``space_groups``). Group membership never makes anyone a moderator: moderation
stays with the space's own ``Membership`` rows.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, UTCDateTime, utcnow
from community.spaces.models import DecidedRequest, Space

GROUP_NAME_MAX_LENGTH = 60
GROUP_DESCRIPTION_MAX_LENGTH = 1000
GROUP_REQUEST_MESSAGE_MAX_LENGTH = 500
GROUP_REQUEST_NOTE_MAX_LENGTH = 500


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(GROUP_NAME_MAX_LENGTH))
    # Unique case-insensitively on every database, as usernames are.
    name_lower: Mapped[str] = mapped_column(String(GROUP_NAME_MAX_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Signed-in members may see the group and ask to join; its owners decide.
    accepts_requests: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list[GroupMember]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True
    )
    space_grants: Mapped[list[SpaceGroup]] = relationship(
        back_populates="group", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Group {self.name}>"


class GroupMember(Base):
    __tablename__ = "group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Owners add and remove members and answer requests to join.
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    group: Mapped[Group] = relationship(back_populates="members")
    user: Mapped[User] = relationship(back_populates="group_memberships")


class SpaceGroup(Base):
    """A closed space opened to every member of a group (reading and posting)."""

    __tablename__ = "space_groups"
    __table_args__ = (UniqueConstraint("space_id", "group_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    space: Mapped[Space] = relationship()
    group: Mapped[Group] = relationship(back_populates="space_grants")


class GroupRequest(DecidedRequest, Base):
    """A member asking to join a group, and the owners' answer."""

    __tablename__ = "group_requests"
    __table_args__ = (
        # One pending request per member and group; decided ones stay as history.
        Index(
            "uq_group_requests_pending",
            "group_id",
            "user_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_group_requests_group_status", "group_id", "status", "created_at"),
    )

    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))

    group: Mapped[Group] = relationship()
    user: Mapped[User] = relationship(foreign_keys="GroupRequest.user_id")
