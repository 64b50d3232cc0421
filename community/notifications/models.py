"""Notifications, watch levels, read positions, e-mail preferences and the outbox."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import EMAIL_MAX_LENGTH, User
from community.database import Base, StrEnumType, UTCDateTime, utcnow
from community.spaces.models import Space
from community.topics.models import Post, Topic

# Room for a moderator's note to one member (join requests take 500 characters).
DETAIL_MAX_LENGTH = 500
SUBJECT_MAX_LENGTH = 300
MAIL_ERROR_MAX_LENGTH = 300


class NotificationKind(enum.StrEnum):
    # About a topic (and often one post in it): shown while the recipient may read it.
    REPLY = "reply"  # a reply in a topic I started
    WATCHED_POST = "watched_post"  # a new post (or topic) where I watch
    MENTION = "mention"  # someone wrote @me
    QUOTE = "quote"  # someone quoted a post of mine
    ANSWER_ACCEPTED = "answer_accepted"
    IDEA_STATUS = "idea_status"  # a followed idea's status changed
    IDEA_RESPONSE = "idea_response"  # staff answered a followed idea, status unchanged
    IDEA_MERGED = "idea_merged"  # a followed idea was merged into another
    # About a space: shown while the recipient may at least see the space's listing.
    JOIN_APPROVED = "join_approved"
    JOIN_DECLINED = "join_declined"
    INVITE = "invite"
    # About the recipient alone (no topic, no space): always theirs to see.
    MODERATOR_MESSAGE = "moderator_message"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    NotificationKind.REPLY: "Replies to my topics",
    NotificationKind.MENTION: "Mentions of me",
    NotificationKind.QUOTE: "Quotes of my posts",
    NotificationKind.WATCHED_POST: "New posts where I watch",
    NotificationKind.ANSWER_ACCEPTED: "My answer accepted",
    NotificationKind.IDEA_STATUS: "Status changes of ideas I follow",
    NotificationKind.IDEA_RESPONSE: "Official responses on ideas I follow",
    NotificationKind.IDEA_MERGED: "Ideas I follow merged into others",
    NotificationKind.JOIN_APPROVED: "My request to join a space approved",
    NotificationKind.JOIN_DECLINED: "My request to join a space declined",
    NotificationKind.INVITE: "Invitations to spaces",
    NotificationKind.MODERATOR_MESSAGE: "Messages from moderators",
}


class Notification(Base):
    __tablename__ = "notifications"
    __table_args__ = (
        # The header's unread count and the notifications page, newest first.
        Index("ix_notifications_user_read_id", "user_id", "read_at", "id"),
        # "Told about this post already?": one notification per member and post.
        Index("ix_notifications_post_user", "post_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind))
    # What a notification points at decides whether its recipient still sees it, at
    # every showing and every e-mail (policy.visible_notifications_clause): a topic
    # while they may read it, a space while they may see its listing, or nothing
    # (a message to them alone). Content is read through these, under policy.
    topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), index=True
    )
    space_id: Mapped[int | None] = mapped_column(
        ForeignKey("spaces.id", ondelete="CASCADE"), index=True
    )
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A short value the text is built from (the new idea status, a moderator's short
    # message to the recipient), never a copy of content from a space.
    detail: Mapped[str] = mapped_column(String(DETAIL_MAX_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[Topic | None] = relationship()
    space: Mapped[Space | None] = relationship()
    post: Mapped[Post | None] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class WatchLevel(enum.StrEnum):
    WATCHING = "watching"  # told of every post
    TRACKING = "tracking"  # new posts counted in lists; told of mentions and replies to me
    NORMAL = "normal"  # told of mentions and replies to me
    MUTED = "muted"  # told of nothing

    @property
    def label(self) -> str:
        return self.value.capitalize()


# Levels whose topics show a count of new posts in lists.
COUNTING_LEVELS = (WatchLevel.WATCHING, WatchLevel.TRACKING)


class TopicWatch(Base):
    """A member's watch level for one topic; no row means the space's level.

    Following an idea is watching it: voting or replying starts that, unless the
    member chose a level for the topic already.
    """

    __tablename__ = "topic_watches"
    __table_args__ = (UniqueConstraint("topic_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[WatchLevel] = mapped_column(StrEnumType(WatchLevel))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SpaceWatch(Base):
    """A member's watch level for every topic of a space that has no level of its own;
    no row means normal."""

    __tablename__ = "space_watches"
    __table_args__ = (UniqueConstraint("space_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    level: Mapped[WatchLevel] = mapped_column(StrEnumType(WatchLevel))
    # Topics started after this are "new" to the member until they read them.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TopicRead(Base):
    """How far a member has read a topic: the count of new posts in lists is the
    posts past this number. Written by POSTs only (reading a page writes nothing)."""

    __tablename__ = "topic_reads"
    __table_args__ = (UniqueConstraint("topic_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    last_read_post_number: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmailFrequency(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"

    @property
    def label(self) -> str:
        return FREQUENCY_LABELS[self]


FREQUENCY_LABELS = {
    EmailFrequency.IMMEDIATELY: "Right away",
    EmailFrequency.DAILY: "In a daily digest",
    EmailFrequency.WEEKLY: "In a weekly digest",
    EmailFrequency.NEVER: "Never",
}
DIGEST_FREQUENCIES = (EmailFrequency.DAILY, EmailFrequency.WEEKLY)
# What a member gets by e-mail until they choose: what is addressed to them at once,
# the chatter of watched topics once a day.
DEFAULT_FREQUENCIES = dict.fromkeys(NotificationKind, EmailFrequency.IMMEDIATELY) | {
    NotificationKind.WATCHED_POST: EmailFrequency.DAILY,
    NotificationKind.IDEA_MERGED: EmailFrequency.DAILY,
}


class EmailPreference(Base):
    """A member's choice of how often one kind of event reaches them by e-mail; no
    row means DEFAULT_FREQUENCIES."""

    __tablename__ = "email_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(StrEnumType(NotificationKind))
    frequency: Mapped[EmailFrequency] = mapped_column(StrEnumType(EmailFrequency))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestMark(Base):
    """How far a member's daily (or weekly) digest has reached: notifications after
    ``last_notification_id`` go into the next one."""

    __tablename__ = "digest_marks"
    __table_args__ = (UniqueConstraint("user_id", "frequency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    frequency: Mapped[EmailFrequency] = mapped_column(StrEnumType(EmailFrequency))
    last_notification_id: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailPurpose(enum.StrEnum):
    ACCOUNT = "account"  # confirmation, reset, e-mail change: written when queued
    NOTIFICATION = "notification"  # one notification, written when sent
    DIGEST = "digest"  # a range of notifications, written when sent


class MailStatus(enum.StrEnum):
    QUEUED = "queued"
    SENDING = "sending"  # claimed by a worker
    SENT = "sent"
    SKIPPED = "skipped"  # nothing left to say: the recipient may no longer read it
    FAILED = "failed"  # gave up after MAIL_MAX_ATTEMPTS


class OutgoingMail(Base):
    """One message to one member (or one address), queued in the transaction of the
    event it reports and sent by ``flask hearth send-mail``.

    Notification and digest mail keep only references: the text is written when the
    message is sent, for the member's address at that moment, from what they may
    still read then.
    """

    __tablename__ = "mail_outbox"
    __table_args__ = (
        # The worker's claim: due queued rows, oldest first.
        Index("ix_mail_outbox_status_next_attempt_at", "status", "next_attempt_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[MailPurpose] = mapped_column(StrEnumType(MailPurpose))
    # Unsent mail goes with its member (GDPR: no queue of theirs outlives them).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Account mail goes to the address it was written for (a new address being
    # confirmed, say); other mail to the member's address when it is sent.
    to_address: Mapped[str | None] = mapped_column(String(EMAIL_MAX_LENGTH))
    subject: Mapped[str | None] = mapped_column(String(SUBJECT_MAX_LENGTH))
    body: Mapped[str | None] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="CASCADE"), index=True
    )
    digest_frequency: Mapped[EmailFrequency | None] = mapped_column(StrEnumType(EmailFrequency))
    digest_after_id: Mapped[int | None] = mapped_column(Integer)
    digest_until_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[MailStatus] = mapped_column(StrEnumType(MailStatus), default=MailStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(String(MAIL_ERROR_MAX_LENGTH), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User | None] = relationship()
    notification: Mapped[Notification | None] = relationship()
