"""Reads of topics and posts for a viewer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Select, and_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from community import policy
from community.accounts.models import Viewer
from community.errors import NotFound
from community.extensions import db
from community.spaces.models import Space
from community.tags.models import Tag
from community.topics.models import Post, PostRevision, Topic, TopicKind

RECENT_TOPICS_ON_HOME = 20
# ASCII digits only ("١٢".isdigit() is true), and an id that fits SQLite's INTEGER.
_CURSOR_PATTERN = re.compile(r"(?P<micros>[0-9]{1,20})\.(?P<topic_id>[0-9]{1,18})")


@dataclass(frozen=True)
class TopicCursor:
    """A position in a topic list: the (last_posted_at, id) of the last row shown."""

    last_posted_at: datetime
    topic_id: int

    def encode(self) -> str:
        micros = int(self.last_posted_at.timestamp() * 1_000_000)
        return f"{micros}.{self.topic_id}"

    @classmethod
    def decode(cls, raw: str | None) -> TopicCursor | None:
        """The cursor, or None for a missing or malformed one (shown as page one)."""
        match = _CURSOR_PATTERN.fullmatch(raw or "")
        if match is None:
            return None
        try:
            moment = datetime.fromtimestamp(int(match["micros"]) / 1_000_000, tz=UTC)
        except (OverflowError, ValueError, OSError):
            return None
        return cls(moment, int(match["topic_id"]))


@dataclass(frozen=True)
class TopicPage:
    pinned: list[Topic]
    topics: list[Topic]
    next_cursor: TopicCursor | None


def _with_people(statement):  # noqa: ANN001 - a Select in, the same Select out
    return statement.options(joinedload(Topic.author), joinedload(Topic.last_poster))


# Filters of a space's topic list: what each keeps.
TOPIC_FILTERS = {
    "questions": Topic.kind == TopicKind.QUESTION,
    "solved": and_(Topic.kind == TopicKind.QUESTION, Topic.accepted_post_id.is_not(None)),
    "unsolved": and_(Topic.kind == TopicKind.QUESTION, Topic.accepted_post_id.is_(None)),
    "unanswered": Topic.post_count <= 1,
}


def list_space_topics(
    viewer: Viewer,
    space: Space,
    *,
    after: TopicCursor | None,
    per_page: int,
    show: str | None = None,
    tag_id: int | None = None,
) -> TopicPage:
    """A page of the space's topics: pinned ones on the first page, then by activity.

    ``show`` names one of TOPIC_FILTERS; ``tag_id`` keeps topics with that tag.
    Keyset pagination on (last_posted_at, id) keeps page 500 an index range scan,
    as cheap as page 1.
    """
    policy.require_read_space(viewer, space)
    visible = [Topic.space_id == space.id, policy.live_topics_clause()]
    if show in TOPIC_FILTERS:
        visible.append(TOPIC_FILTERS[show])
    if tag_id is not None:
        visible.append(Topic.tags.any(Tag.id == tag_id))
    pinned: list[Topic] = []
    if after is None:
        pinned = list(
            db.session.scalars(
                _with_people(select(Topic))
                .where(*visible, Topic.is_pinned.is_(True))
                .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
            )
        )
    topics, next_cursor = page_by_activity(
        _with_people(select(Topic)).where(*visible, Topic.is_pinned.is_(False)),
        after=after,
        per_page=per_page,
    )
    return TopicPage(pinned=pinned, topics=topics, next_cursor=next_cursor)


def page_by_activity(
    statement: Select, *, after: TopicCursor | None, per_page: int
) -> tuple[list[Topic], TopicCursor | None]:
    """One keyset page of a topic query, newest activity first, and the next cursor.

    Every topic list pages this way: (last_posted_at, id) makes the order total, so
    pages never overlap or skip, and the index turns a deep page into a range scan.
    """
    statement = statement.order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(per_page + 1)
    if after is not None:
        statement = statement.where(
            tuple_(Topic.last_posted_at, Topic.id) < tuple_(after.last_posted_at, after.topic_id)
        )
    topics = list(db.session.scalars(statement))
    if len(topics) <= per_page:
        return topics, None
    topics = topics[:per_page]
    return topics, TopicCursor(topics[-1].last_posted_at, topics[-1].id)


def list_recent_topics(viewer: Viewer, *, limit: int = RECENT_TOPICS_ON_HOME) -> list[Topic]:
    statement = (
        _with_people(select(Topic))
        .where(policy.visible_topics_clause(viewer))
        .options(joinedload(Topic.space))
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(statement))


def get_readable_topic_or_404(viewer: Viewer, topic_id: int) -> Topic:
    topic = db.session.get(Topic, topic_id, options=[joinedload(Topic.space)])
    if topic is None:
        raise NotFound
    policy.require_read_topic(viewer, topic)
    return topic


def get_readable_post_or_404(viewer: Viewer, post_id: int) -> Post:
    post = db.session.get(Post, post_id, options=[joinedload(Post.topic).joinedload(Topic.space)])
    if post is None:
        raise NotFound
    policy.require_read_post(viewer, post)
    return post


def list_topic_posts(viewer: Viewer, topic: Topic, *, page: int, per_page: int) -> list[Post]:
    """One page of a topic's posts by number; numbers are never reused, so a page is
    an exact range on the (topic_id, post_number) index."""
    policy.require_read_topic(viewer, topic)
    first = (page - 1) * per_page + 1
    statement = (
        select(Post)
        .where(
            Post.topic_id == topic.id,
            Post.post_number.between(first, first + per_page - 1),
            policy.topic_posts_clause(viewer, topic),
        )
        .options(selectinload(Post.author))
        .order_by(Post.post_number)
    )
    return list(db.session.scalars(statement))


def list_post_revisions(viewer: Viewer, post: Post) -> list[PostRevision]:
    policy.require_read_post(viewer, post)
    statement = (
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .options(selectinload(PostRevision.editor))
        .order_by(PostRevision.revision_number.desc())
    )
    return list(db.session.scalars(statement))
