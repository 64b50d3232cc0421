"""The audit log: one row for every moderator and admin action.

Rows are written by the service that acts, in the same transaction as the change, so
an action and its record land together or not at all. Nothing in the application
updates or deletes them; the admin page only reads.

A row names its target by type and id, never by a copy of its name or text: the log
holds no personal data of its own, so erasing a member (GDPR art. 17) leaves nothing
of theirs here beyond the id, which the page shows as "former member".
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow
from community.spaces.models import Space
from community.topics.models import Post

REASON_MAX_LENGTH = 2_000
DETAIL_MAX_LENGTH = 500
# Room for "domain:verb" values.
ACTION_MAX_LENGTH = 40


class AuditAction(enum.StrEnum):
    """What was done, as ``domain:verb``; the value is what the log stores."""

    # Members and roles
    MEMBER_ROLE = "member:role"
    MEMBER_EMPLOYEE = "member:employee"
    MEMBER_TRUST_LEVEL = "member:trust_level"
    MEMBER_WARN = "member:warn"
    MEMBER_SILENCE = "member:silence"
    MEMBER_UNSILENCE = "member:unsilence"
    MEMBER_SUSPEND = "member:suspend"
    MEMBER_UNSUSPEND = "member:unsuspend"
    MEMBER_APPROVE = "member:approve"
    MEMBER_REJECT = "member:reject"
    MEMBER_DELETE = "member:delete"
    MEMBER_WELCOME = "member:welcome"
    # Spaces, memberships and groups
    SPACE_CREATE = "space:create"
    SPACE_UPDATE = "space:update"
    SPACE_MEMBER_ADD = "space:member_add"
    SPACE_MEMBER_REMOVE = "space:member_remove"
    SPACE_MEMBER_ROLE = "space:member_role"
    SPACE_GROUP_GRANT = "space:group_grant"
    SPACE_GROUP_REVOKE = "space:group_revoke"
    GROUP_CREATE = "group:create"
    GROUP_UPDATE = "group:update"
    GROUP_DELETE = "group:delete"
    GROUP_MEMBER_ADD = "group:member_add"
    GROUP_MEMBER_REMOVE = "group:member_remove"
    GROUP_OWNER = "group:owner"
    GROUP_REQUEST_APPROVE = "group:request_approve"
    GROUP_REQUEST_DECLINE = "group:request_decline"
    # Onboarding
    INVITE_CREATE = "invite:create"
    INVITE_WITHDRAW = "invite:withdraw"
    JOIN_REQUEST_APPROVE = "join_request:approve"
    JOIN_REQUEST_DECLINE = "join_request:decline"
    SITE_GUIDELINES = "site:guidelines"
    SITE_WELCOME_SPACE = "site:welcome_space"
    # Content
    TOPIC_PIN = "topic:pin"
    TOPIC_UNPIN = "topic:unpin"
    TOPIC_LOCK = "topic:lock"
    TOPIC_UNLOCK = "topic:unlock"
    TOPIC_DELETE = "topic:delete"
    POST_DELETE = "post:delete"
    POST_EDIT = "post:edit"
    POST_WIKI = "post:wiki"
    POST_APPROVE = "post:approve"
    POST_REJECT = "post:reject"
    FLAG_AGREE = "flag:agree"
    FLAG_DISAGREE = "flag:disagree"
    FLAG_DEFER = "flag:defer"
    TAG_CREATE = "tag:create"
    IDEA_STATUS = "idea:status"
    IDEA_MERGE = "idea:merge"

    @property
    def label(self) -> str:
        domain, verb = self.value.split(":")
        return f"{domain.replace('_', ' ')}: {verb.replace('_', ' ')}"


class AuditTarget(enum.StrEnum):
    """The kind of object an entry is about; with ``target_id`` it names one row."""

    MEMBER = "member"
    SPACE = "space"
    GROUP = "group"
    INVITE = "invite"
    JOIN_REQUEST = "join_request"
    GROUP_REQUEST = "group_request"
    TOPIC = "topic"
    POST = "post"
    FLAG = "flag"
    TAG = "tag"


class AuditEntry(Base):
    __tablename__ = "audit_entries"
    __table_args__ = (
        # The admin page: newest first, filtered by action, actor, target or space.
        Index("ix_audit_entries_action_id", "action", "id"),
        Index("ix_audit_entries_actor_id", "actor_id", "id"),
        Index("ix_audit_entries_target", "target_type", "target_id", "id"),
        Index("ix_audit_entries_space_id", "space_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SET NULL, not CASCADE: deleting a moderator's account keeps what they did.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[AuditAction] = mapped_column(StrEnumType(AuditAction, length=ACTION_MAX_LENGTH))
    target_type: Mapped[AuditTarget | None] = mapped_column(StrEnumType(AuditTarget))
    # Not a foreign key: the target may be of any kind, and may be deleted later.
    target_id: Mapped[int | None] = mapped_column(Integer)
    # The space the action happened in, when there is one: space moderators and the
    # space filter read it.
    space_id: Mapped[int | None] = mapped_column(ForeignKey("spaces.id", ondelete="SET NULL"))
    # The moderator's reason, as they wrote it.
    reason: Mapped[str] = mapped_column(Text, default="")
    # A short machine value (``"member->moderator"``, ``"until=2026-12-08"``), never a
    # copy of member content.
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    space: Mapped[Space | None] = relationship()


# --- sign-up approval --------------------------------------------------------------


class SignupStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SignupApproval(Base):
    """A sign-up made while the site requires approval (``REQUIRE_SIGNUP_APPROVAL``):
    the account cannot sign in until a moderator approves it. No row: no approval
    was ever needed."""

    __tablename__ = "signup_approvals"
    __table_args__ = (Index("ix_signup_approvals_status", "status", "created_at"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    status: Mapped[SignupStatus] = mapped_column(
        StrEnumType(SignupStatus), default=SignupStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A rejection's reason, sent to the person and shown when they try to sign in.
    reason: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User] = relationship(foreign_keys=[user_id])


# --- flags ---------------------------------------------------------------------------

FLAG_NOTE_MAX_LENGTH = 1_000


class FlagReason(enum.StrEnum):
    SPAM = "spam"
    INAPPROPRIATE = "inappropriate"
    OFF_TOPIC = "off_topic"
    # Needs a note: the moderator cannot guess what "something else" is.
    SOMETHING_ELSE = "something_else"

    @property
    def label(self) -> str:
        return FLAG_REASON_LABELS[self]


FLAG_REASON_LABELS = {
    FlagReason.SPAM: "Spam",
    FlagReason.INAPPROPRIATE: "Inappropriate",
    FlagReason.OFF_TOPIC: "Off-topic",
    FlagReason.SOMETHING_ELSE: "Something else",
}


class FlagOutcome(enum.StrEnum):
    """What the moderator decided about a post's open flags."""

    AGREED = "agreed"  # the post stays hidden
    DISAGREED = "disagreed"  # the post is shown again
    DEFERRED = "deferred"  # closed without a decision; the post is shown again


class PostFlag(Base):
    """One member's flag on one post, open until a moderator decides."""

    __tablename__ = "post_flags"
    __table_args__ = (
        # One flag per member per post: a double submission flags once.
        UniqueConstraint("post_id", "flagger_id"),
        # The review queue: posts with open flags.
        Index("ix_post_flags_open", "resolved_at", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    # Erasing a member erases their flags (the registry in community.profiles).
    flagger_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[FlagReason] = mapped_column(StrEnumType(FlagReason))
    # For the moderators only; never shown to the post's author or other members.
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[FlagOutcome | None] = mapped_column(StrEnumType(FlagOutcome))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    post: Mapped[Post] = relationship()
    flagger: Mapped[User] = relationship(foreign_keys=[flagger_id])

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
