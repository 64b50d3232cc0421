"""Topics, posts and post revisions."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow
from community.spaces.models import Space
from community.tags.models import Tag, topic_tags

TITLE_MIN_LENGTH = 5
TITLE_MAX_LENGTH = 200
BODY_MAX_LENGTH = 30_000


class TopicKind(enum.StrEnum):
    DISCUSSION = "discussion"
    QUESTION = "question"
    IDEA = "idea"


class ReviewState(enum.StrEnum):
    """Who may read a post (and, through its first post, a topic) besides its author
    and the moderators of its space: everyone only while it is published."""

    PUBLISHED = "published"
    # A level-0 member's post in a space that approves new members' posts.
    PENDING = "pending"
    # Enough trusted members flagged it; a moderator has the last word.
    HIDDEN = "hidden"
    # A moderator refused it; its author reads it with the reason.
    REJECTED = "rejected"


REVIEW_REASON_MAX_LENGTH = 2_000


class Topic(Base):
    __tablename__ = "topics"
    __table_args__ = (
        # The space's topic list: pinned first, then by last activity; the id breaks
        # ties so keyset pagination ("after this row") is exact and stays an index
        # range scan however deep the page.
        Index("ix_topics_space_listing", "space_id", "is_pinned", "last_posted_at", "id"),
        # The home page's recent activity across the spaces a viewer may read.
        Index("ix_topics_last_posted_at_id", "last_posted_at", "id"),
        # The respond queue: open questions without a staff reply, oldest first.
        Index("ix_topics_respond_queue", "kind", "first_staff_reply_at", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    space_id: Mapped[int] = mapped_column(ForeignKey("spaces.id", ondelete="CASCADE"))
    # Nullable so that a deleted member's topics can stay under "former member".
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[TopicKind] = mapped_column(StrEnumType(TopicKind), default=TopicKind.DISCUSSION)
    title: Mapped[str] = mapped_column(String(TITLE_MAX_LENGTH))
    # Posts in the topic, the first one included; maintained with atomic updates.
    post_count: Mapped[int] = mapped_column(Integer, default=0)
    # The highest post number handed out; never decreases, so numbers stay unique.
    last_post_number: Mapped[int] = mapped_column(Integer, default=0)
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_poster_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Questions: the reply the asker (or staff) accepted, and when; a question with
    # one is "solved" in every list. use_alter: topics and posts point at each other.
    accepted_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", use_alter=True)
    )
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When an employee first replied: the respond queue and the webcare figures.
    first_staff_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Always its first post's state, so that every topic list filters on one column.
    review_state: Mapped[ReviewState] = mapped_column(
        StrEnumType(ReviewState), default=ReviewState.PUBLISHED, server_default="published"
    )

    space: Mapped[Space] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_poster_id])
    # Loaded with one extra query per list (selectin), never one per topic.
    tags: Mapped[list[Tag]] = relationship(secondary=topic_tags, order_by=Tag.name, lazy="selectin")

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_published(self) -> bool:
        return self.review_state is ReviewState.PUBLISHED

    @property
    def is_question(self) -> bool:
        return self.kind is TopicKind.QUESTION

    @property
    def is_solved(self) -> bool:
        return self.accepted_post_id is not None

    @property
    def reply_count(self) -> int:
        return max(self.post_count - 1, 0)


SUBMISSION_TOKEN_MAX_LENGTH = 64


class Post(Base):
    __tablename__ = "posts"
    __table_args__ = (
        UniqueConstraint("topic_id", "post_number"),
        # A double-clicked submit sends the form's token twice; the second insert
        # fails here and the member is taken to the post the first one made.
        UniqueConstraint("author_id", "submission_token"),
        # The dashboard counts a period's posts topic by topic: this index holds every
        # column those counts read, so they never touch the rows (with their bodies).
        Index(
            "ix_posts_topic_created",
            "topic_id",
            "created_at",
            "author_id",
            "deleted_at",
            "post_number",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    post_number: Mapped[int] = mapped_column(Integer)
    body_source: Mapped[str] = mapped_column(Text)
    # Rendered and sanitised once at write time by community.markdown; pages print it.
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revision_count: Mapped[int] = mapped_column(Integer, default=0)
    # A wiki post is edited by everyone who may post in its space (revisions say who).
    is_wiki: Mapped[bool] = mapped_column(Boolean, default=False)
    # Votes on answers (community.answers); changed with atomic updates only.
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submission_token: Mapped[str | None] = mapped_column(String(SUBMISSION_TOKEN_MAX_LENGTH))
    review_state: Mapped[ReviewState] = mapped_column(
        StrEnumType(ReviewState), default=ReviewState.PUBLISHED, server_default="published"
    )
    # A moderator's reason for rejecting the post, shown to its author.
    review_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_first(self) -> bool:
        return self.post_number == 1

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_published(self) -> bool:
        return self.review_state is ReviewState.PUBLISHED


class PostRevision(Base):
    """The text of a post (and its topic's title, for first posts) before an edit."""

    __tablename__ = "post_revisions"
    __table_args__ = (UniqueConstraint("post_id", "revision_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    revision_number: Mapped[int] = mapped_column(Integer)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX_LENGTH))
    body_source: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User | None] = relationship()
