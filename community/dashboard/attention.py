""" "Needs attention": what staff should act on now, each item a link to act.

Each kind of item is one function from a scope and the rules to an ``AttentionGroup``
(one query: the first rows and, by a window count, how many there are in all), listed
in ``ATTENTION_SOURCES``. A new kind is one more function and one more line there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import contains_eager, joinedload, lazyload

from community import policy
from community.answers import queries as answer_queries
from community.dashboard.queries import Scope
from community.database import utcnow
from community.extensions import db
from community.ideas.models import CLOSED_STATUSES, Idea
from community.moderation.models import PostFlag
from community.spaces.models import JoinRequest, JoinRequestStatus, Space
from community.topics.models import Post, Topic

ITEMS_PER_GROUP = 10


@dataclass(frozen=True)
class AttentionRules:
    """When something needs attention; ``from_config`` reads the settings."""

    response_target: timedelta = timedelta(hours=24)
    idea_votes: int = 5
    join_request_age: timedelta = timedelta(days=3)

    @classmethod
    def from_config(cls, config: dict) -> AttentionRules:
        return cls(
            response_target=timedelta(hours=config["DASHBOARD_RESPONSE_TARGET_HOURS"]),
            idea_votes=config["DASHBOARD_IDEA_VOTES_ATTENTION"],
            join_request_age=timedelta(days=config["DASHBOARD_JOIN_REQUEST_DAYS"]),
        )


@dataclass(frozen=True)
class AttentionItem:
    title: str
    # Where to act: an endpoint and its values (the view builds the URL), and an
    # optional anchor on that page.
    endpoint: str
    values: dict[str, object]
    since: datetime
    note: str = ""
    anchor: str = ""


@dataclass(frozen=True)
class AttentionGroup:
    kind: str
    heading: str
    action: str  # the link's verb: "Answer", "Respond", "Review"
    items: list[AttentionItem] = field(default_factory=list)
    total: int = 0


def _first_rows(statement: Select, *, whole_rows: bool = False) -> tuple[list, int]:
    """The first ``ITEMS_PER_GROUP`` rows of ``statement`` and how many match in all:
    each row's first entity, or with ``whole_rows`` the row itself."""
    rows = db.session.execute(
        statement.add_columns(func.count().over().label("total")).limit(ITEMS_PER_GROUP)
    ).all()
    return [row if whole_rows else row[0] for row in rows], (rows[0].total if rows else 0)


def questions_waiting(scope: Scope, rules: AttentionRules) -> AttentionGroup:
    """Questions no one from the company answered within the response target."""
    asked_before = utcnow() - rules.response_target
    topics, total = _first_rows(
        answer_queries.open_questions_without_staff_reply(scope.viewer, space=scope.space)
        .where(Topic.created_at <= asked_before)
        .options(joinedload(Topic.space), lazyload(Topic.tags))
        .order_by(Topic.created_at, Topic.id)
    )
    hours = int(rules.response_target.total_seconds() // 3600)
    return AttentionGroup(
        kind="questions",
        heading=f"Questions waiting longer than {hours} hours for a staff reply",
        action="Answer",
        total=total,
        items=[
            AttentionItem(
                title=topic.title,
                endpoint="topics.show",
                values={"topic_id": topic.id},
                anchor="reply-heading",
                since=topic.created_at,
                note=f"in {topic.space.name}",
            )
            for topic in topics
        ],
    )


def ideas_without_response(scope: Scope, rules: AttentionRules) -> AttentionGroup:
    """Open ideas with many votes that staff have not answered yet."""
    statement = (
        select(Idea)
        .join(Topic, Topic.id == Idea.topic_id)
        .where(
            *scope.topics(),
            Idea.first_response_at.is_(None),
            Idea.merged_into_id.is_(None),
            Idea.status.not_in([status.value for status in CLOSED_STATUSES]),
            Idea.vote_count >= rules.idea_votes,
        )
        .options(joinedload(Idea.topic).joinedload(Topic.space), lazyload(Idea.topic, Topic.tags))
        .order_by(Idea.vote_count.desc(), Idea.created_at, Idea.topic_id)
    )
    ideas, total = _first_rows(statement)
    return AttentionGroup(
        kind="ideas",
        heading=f"Ideas with {rules.idea_votes} or more votes and no official response",
        action="Respond",
        total=total,
        items=[
            AttentionItem(
                title=idea.topic.title,
                endpoint="topics.show",
                values={"topic_id": idea.topic_id},
                since=idea.created_at,
                note=f"{idea.vote_count} votes in {idea.topic.space.name}",
            )
            for idea in ideas
        ],
    )


def join_requests_waiting(scope: Scope, rules: AttentionRules) -> AttentionGroup:
    """Requests to join a closed space that the viewer reviews, waiting for days."""
    asked_before = utcnow() - rules.join_request_age
    statement = (
        select(JoinRequest)
        .join(Space, Space.id == JoinRequest.space_id)
        .where(
            policy.reviewable_spaces_clause(scope.viewer),
            JoinRequest.status == JoinRequestStatus.PENDING,
            JoinRequest.created_at <= asked_before,
        )
        .options(joinedload(JoinRequest.space), joinedload(JoinRequest.user))
        .order_by(JoinRequest.created_at, JoinRequest.id)
    )
    if scope.space is not None:
        statement = statement.where(JoinRequest.space_id == scope.space.id)
    requests, total = _first_rows(statement)
    days = rules.join_request_age.days
    return AttentionGroup(
        kind="join_requests",
        heading=f"Join requests waiting more than {days} days",
        action="Review",
        total=total,
        items=[
            AttentionItem(
                title=f"{request.user.display_name} asked to join {request.space.name}",
                endpoint="spaces.join_requests",
                values={"slug": request.space.slug},
                since=request.created_at,
            )
            for request in requests
        ],
    )


def flagged_posts_waiting(scope: Scope, rules: AttentionRules) -> AttentionGroup:
    """Posts with open flags in the spaces the viewer moderates (they decide them in
    the review queue), the oldest flag first. A post hidden by its flags is still
    listed: waiting for a moderator is what makes it need attention."""
    open_flags = (
        select(
            PostFlag.post_id,
            func.min(PostFlag.created_at).label("first_flag"),
            func.count().label("flags"),
        )
        .where(PostFlag.resolved_at.is_(None))
        .group_by(PostFlag.post_id)
        .subquery()
    )
    statement = (
        select(Post, open_flags.c.first_flag, open_flags.c.flags)
        .join(open_flags, open_flags.c.post_id == Post.id)
        .join(Post.topic)
        .join(Topic.space)
        .where(
            Post.deleted_at.is_(None),
            Topic.deleted_at.is_(None),
            policy.moderated_spaces_clause(scope.viewer),
            *scope.spaces(),
        )
        .options(contains_eager(Post.topic).contains_eager(Topic.space))
        .order_by(open_flags.c.first_flag, Post.id)
    )
    rows, total = _first_rows(statement, whole_rows=True)
    return AttentionGroup(
        kind="flags",
        heading="Flagged posts waiting for a moderator",
        action="Review",
        total=total,
        items=[
            AttentionItem(
                title=post.topic.title,
                endpoint="review.index",
                values={},
                anchor=f"flagged-{post.id}",
                since=first_flag,
                note=f"{flags} flag{'s' if flags != 1 else ''} in {post.topic.space.name}",
            )
            for post, first_flag, flags, _total in rows
        ],
    )


# The kinds of item, in the order the list shows them.
ATTENTION_SOURCES: tuple[Callable[[Scope, AttentionRules], AttentionGroup], ...] = (
    questions_waiting,
    ideas_without_response,
    join_requests_waiting,
    flagged_posts_waiting,
)


def needs_attention(scope: Scope, rules: AttentionRules) -> list[AttentionGroup]:
    """Every kind of item, for staff; raises NotFound for anyone else."""
    policy.require_view_dashboard(scope.viewer)
    return [source(scope, rules) for source in ATTENTION_SOURCES]
