"""The figures trust levels are earned from, each one query over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, distinct, func, or_, select
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import ScalarSelect

from community.accounts.models import User
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.ideas.models import IdeaVote
from community.moderation.models import FlagOutcome, PostFlag
from community.notifications.models import TopicRead
from community.topics.models import Post, Topic
from community.trust.models import MemberStats, MemberVisit


@dataclass(frozen=True)
class Thresholds:
    """The promotion settings (``config.TRUST_*``), read once per evaluation."""

    basic_topics_entered: int
    basic_posts_read: int
    basic_reading_minutes: int
    member_days_visited: int
    member_topics_entered: int
    member_posts_read: int
    member_reading_minutes: int
    member_topics_replied: int
    member_likes_given: int
    member_likes_received: int
    regular_window_days: int
    regular_days_visited: int
    regular_topics_replied: int
    regular_max_posts_flagged: int
    regular_keep_days: int

    @classmethod
    def from_config(cls) -> Thresholds:
        config = current_app.config
        return cls(
            **{name: int(config[f"TRUST_{name.upper()}"]) for name in cls.__dataclass_fields__}
        )


@dataclass(frozen=True)
class TrustStats:
    """What a member did, all time and over the regular level's window."""

    days_visited: int
    topics_entered: int
    posts_read: int
    reading_minutes: int
    topics_replied: int
    likes_given: int
    likes_received: int
    recent_days_visited: int
    recent_topics_replied: int
    recent_posts_flagged: int
    is_level_set_by_hand: bool = False


# Each figure is a scalar subquery, so the staff's view fetches all of them in one
# statement and the evaluation fetches only those it needs.


def _days_visited(member: User, since: datetime | None) -> ScalarSelect[int]:
    query = select(func.count()).where(MemberVisit.user_id == member.id)
    if since is not None:
        query = query.where(MemberVisit.day >= since.date())
    return query.scalar_subquery()


def _topics_entered(member: User) -> ScalarSelect[int]:
    return select(func.count()).where(TopicRead.user_id == member.id).scalar_subquery()


def _posts_read(member: User) -> ScalarSelect[int]:
    return (
        select(func.coalesce(func.sum(TopicRead.last_read_post_number), 0))
        .where(TopicRead.user_id == member.id)
        .scalar_subquery()
    )


def _reading_seconds(member: User) -> ScalarSelect[int]:
    return (
        select(func.coalesce(func.max(MemberStats.reading_seconds), 0))
        .where(MemberStats.user_id == member.id)
        .scalar_subquery()
    )


def _topics_replied(member: User, since: datetime | None) -> ScalarSelect[int]:
    query = select(func.count(distinct(Post.topic_id))).where(
        Post.author_id == member.id, Post.post_number > 1, Post.deleted_at.is_(None)
    )
    if since is not None:
        query = query.where(Post.created_at >= since)
    return query.scalar_subquery()


def _likes_given(member: User) -> ColumnElement[int]:
    """Hearth has no likes: votes for answers and for ideas stand in for them."""
    answers = select(func.count()).where(AnswerVote.user_id == member.id).scalar_subquery()
    ideas = select(func.count()).where(IdeaVote.user_id == member.id).scalar_subquery()
    return answers + ideas


def _likes_received(member: User) -> ColumnElement[int]:
    answers = (
        select(func.count())
        .select_from(AnswerVote)
        .join(Post, Post.id == AnswerVote.post_id)
        .where(Post.author_id == member.id)
        .scalar_subquery()
    )
    ideas = (
        select(func.count())
        .select_from(IdeaVote)
        .join(Topic, Topic.id == IdeaVote.topic_id)
        .where(Topic.author_id == member.id)
        .scalar_subquery()
    )
    return answers + ideas


def _value(column: ColumnElement[int]) -> int:
    return int(db.session.scalar(select(column)) or 0)


def days_visited(member: User, *, since: datetime | None = None) -> int:
    return _value(_days_visited(member, since))


def topics_entered(member: User) -> int:
    return _value(_topics_entered(member))


def posts_read(member: User) -> int:
    """The highest post seen in each topic, summed (positions are clamped to the
    topic's posts when written, so nothing counts twice or beyond what exists)."""
    return _value(_posts_read(member))


def reading_seconds(member: User) -> int:
    return _value(_reading_seconds(member))


def topics_replied(member: User, *, since: datetime | None = None) -> int:
    """Distinct topics the member replied in (their own post, not the first)."""
    return _value(_topics_replied(member, since))


def likes_given(member: User) -> int:
    return _value(_likes_given(member))


def likes_received(member: User) -> int:
    return _value(_likes_received(member))


def _posts_flagged(member: User, since: datetime) -> ScalarSelect:
    return (
        select(func.count(distinct(PostFlag.post_id)))
        .join(Post, Post.id == PostFlag.post_id)
        .where(
            Post.author_id == member.id,
            PostFlag.created_at >= since,
            or_(PostFlag.outcome.is_(None), PostFlag.outcome != FlagOutcome.DISAGREED),
        )
        .scalar_subquery()
    )


def flagged_posts_count(member: User, *, since: datetime) -> int:
    """The member's posts that others flagged since ``since``, the flags a moderator
    turned down (disagreed) left out: the one place the regular level's "no more than
    N posts flagged" reads. Flags still open count, as Discourse's do."""
    return _value(_posts_flagged(member, since))


def regular_window_start(thresholds: Thresholds, *, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=thresholds.regular_window_days)


def trust_stats(member: User, thresholds: Thresholds | None = None) -> TrustStats:
    """Every figure at once, in one statement, for the staff's view of a member."""
    thresholds = thresholds or Thresholds.from_config()
    since = regular_window_start(thresholds)
    by_hand = (
        select(func.coalesce(func.max(case((MemberStats.is_level_set_by_hand, 1), else_=0)), 0))
        .where(MemberStats.user_id == member.id)
        .scalar_subquery()
    )
    row = db.session.execute(
        select(
            _days_visited(member, None),
            _topics_entered(member),
            _posts_read(member),
            _reading_seconds(member),
            _topics_replied(member, None),
            _likes_given(member),
            _likes_received(member),
            _days_visited(member, since),
            _topics_replied(member, since),
            _posts_flagged(member, since),
            by_hand,
        )
    ).one()
    figures = [int(value or 0) for value in row]
    return TrustStats(
        days_visited=figures[0],
        topics_entered=figures[1],
        posts_read=figures[2],
        reading_minutes=figures[3] // 60,
        topics_replied=figures[4],
        likes_given=figures[5],
        likes_received=figures[6],
        recent_days_visited=figures[7],
        recent_topics_replied=figures[8],
        recent_posts_flagged=figures[9],
        is_level_set_by_hand=bool(figures[10]),
    )


def get_member_stats(member: User) -> MemberStats | None:
    return db.session.get(MemberStats, member.id)
