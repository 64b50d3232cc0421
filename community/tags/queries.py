"""Tags as a viewer sees them: only through topics they may read."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community import policy
from community.accounts.models import Viewer
from community.errors import NotFound
from community.extensions import db
from community.tags.models import Tag, topic_tags
from community.topics.models import Topic
from community.topics.queries import TopicCursor, page_by_activity

TAGS_ON_INDEX = 200


@dataclass(frozen=True)
class TagCount:
    tag: Tag
    topic_count: int


def list_tags(viewer: Viewer) -> list[TagCount]:
    """Tags on at least one topic the viewer may read, busiest first.

    A tag used only in a closed space is not shown to outsiders: its name could say
    what the space is about.
    """
    statement = (
        select(Tag, func.count(Topic.id))
        .join(topic_tags, topic_tags.c.tag_id == Tag.id)
        .join(Topic, Topic.id == topic_tags.c.topic_id)
        .where(policy.visible_topics_clause(viewer))
        .group_by(Tag.id)
        .order_by(func.count(Topic.id).desc(), Tag.name)
        .limit(TAGS_ON_INDEX)
    )
    return [TagCount(tag, count) for tag, count in db.session.execute(statement)]


def get_visible_tag_or_404(viewer: Viewer, name: str) -> Tag:
    """The tag, if the viewer may read at least one topic it labels."""
    tag = db.session.scalar(select(Tag).where(Tag.name == name.lower()))
    if tag is None:
        raise NotFound
    visible = db.session.scalar(
        select(Topic.id)
        .join(topic_tags, topic_tags.c.topic_id == Topic.id)
        .where(topic_tags.c.tag_id == tag.id, policy.visible_topics_clause(viewer))
        .limit(1)
    )
    if visible is None:
        raise NotFound
    return tag


def list_tag_topics(
    viewer: Viewer, tag: Tag, *, after: TopicCursor | None, per_page: int
) -> tuple[list[Topic], TopicCursor | None]:
    """Topics with this tag in spaces the viewer reads, by last activity (keyset)."""
    statement = (
        select(Topic)
        .join(topic_tags, topic_tags.c.topic_id == Topic.id)
        .where(topic_tags.c.tag_id == tag.id, policy.visible_topics_clause(viewer))
        .options(joinedload(Topic.space), joinedload(Topic.author), joinedload(Topic.last_poster))
    )
    return page_by_activity(statement, after=after, per_page=per_page)
