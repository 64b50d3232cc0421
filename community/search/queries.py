"""Searching posts for a viewer: the text, permissions and filters in one query."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import contains_eager, joinedload

from community import policy
from community.accounts.models import User, Viewer
from community.extensions import db
from community.search.backends import backend_for
from community.spaces.models import Space
from community.tags.models import Tag
from community.topics.models import Post, Topic, TopicKind
from community.topics.queries import TOPIC_FILTERS

# Longer text is cut to this, and the page says so: a search is a few words, and a
# 10,000-character query would only cost the database time.
QUERY_MAX_LENGTH = 200
RESULTS_PER_PAGE = 20
# Pages are offsets; a deep offset makes the database rank every skipped row.
MAX_PAGE = 50
# Control characters (NUL among them, which PostgreSQL refuses in text) separate
# nothing a member meant to type.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class SearchHit:
    post: Post  # with its topic, the topic's space and the post's author loaded
    # An excerpt of the post with the matches between markdown.SNIPPET_START and
    # SNIPPET_STOP; templates show it through the ``snippet`` filter.
    snippet: str


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    page: int
    has_next: bool
    query: str  # the text searched, after cleaning and cutting
    is_truncated: bool

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def clean_query(text: str | None) -> str:
    """The member's text with control characters and runs of spaces made one space."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def search_posts(
    viewer: Viewer,
    query: str,
    *,
    space: Space | None = None,
    kind: TopicKind | None = None,
    solved: bool | None = None,
    author: str | None = None,
    tag: str | None = None,
    since: date | None = None,
    until: date | None = None,
    page: int = 1,
    per_page: int = RESULTS_PER_PAGE,
) -> SearchResults:
    """Posts matching ``query`` that the viewer may read, best first, one hit per post.

    Permissions are part of the WHERE clause (posts -> topics -> spaces and
    ``policy.visible_topics_clause``), so a hidden post is never fetched, a moved
    topic or a space that changed visibility is searched by its new rule at once,
    and pages are full. ``solved`` keeps solved (True) or unsolved (False)
    questions; ``author`` is a username and ``tag`` a tag name; ``since`` and
    ``until`` are inclusive days in UTC. Raises NotFound for a space the viewer may
    not read.
    """
    if space is not None:
        policy.require_read_space(viewer, space)
    text = clean_query(query)
    is_truncated = len(text) > QUERY_MAX_LENGTH
    text = text[:QUERY_MAX_LENGTH].strip()
    page = min(max(page, 1), MAX_PAGE)
    backend = backend_for(db.session.get_bind().dialect.name)
    match = backend.match(text) if text else None
    if match is None:
        return SearchResults(
            hits=[], page=page, has_next=False, query=text, is_truncated=is_truncated
        )
    filters = _filters(
        space=space, kind=kind, solved=solved, author=author, tag=tag, since=since, until=until
    )
    statement = (
        select(Post, match.snippet)
        .select_from(match.index)
        .join(Post, match.onclause)
        .join(Topic, Post.topic_id == Topic.id)
        .join(Space, Topic.space_id == Space.id)
        .where(
            match.condition,
            policy.live_posts_clause(),
            policy.visible_topics_clause(viewer),
            *filters,
        )
        .options(contains_eager(Post.topic).contains_eager(Topic.space), joinedload(Post.author))
        # Newer posts first among equals, so that pages never overlap.
        .order_by(match.order, Post.id.desc())
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    rows = db.session.execute(statement).all()
    hits = [SearchHit(post=post, snippet=snippet or "") for post, snippet in rows[:per_page]]
    return SearchResults(
        hits=hits,
        page=page,
        has_next=len(rows) > per_page,
        query=text,
        is_truncated=is_truncated,
    )


def _filters(
    *,
    space: Space | None,
    kind: TopicKind | None,
    solved: bool | None,
    author: str | None,
    tag: str | None,
    since: date | None,
    until: date | None,
) -> list[ColumnElement[bool]]:
    filters = []
    if space is not None:
        filters.append(Topic.space_id == space.id)
    if kind is not None:
        filters.append(Topic.kind == kind)
    if solved is not None:
        # The space list's own filters: one meaning of "solved" everywhere.
        filters.append(TOPIC_FILTERS["solved" if solved else "unsolved"])
    if author:
        authors = select(User.id).where(User.username_lower == author.strip().lower())
        filters.append(Post.author_id.in_(authors))
    if tag:
        filters.append(Topic.tags.any(Tag.name == tag.strip().lower()))
    if since is not None:
        filters.append(Post.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until is not None:
        # The end of the day, not the start of the next: 9999-12-31 has no next day.
        filters.append(Post.created_at <= datetime.combine(until, time.max, tzinfo=UTC))
    return filters


def list_searchable_spaces(viewer: Viewer) -> list[Space]:
    """The spaces the viewer may read: the choices of the search form's space filter."""
    statement = (
        select(Space)
        .where(policy.readable_spaces_clause(viewer))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))
