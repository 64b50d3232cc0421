"""The figures trust levels are earned from, each one query over indexed columns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import distinct, func, or_, select

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


def days_visited(member: User, *, since: datetime | None = None) -> int:
    query = select(func.count()).where(MemberVisit.user_id == member.id)
    if since is not None:
        query = query.where(MemberVisit.day >= since.date())
    return db.session.scalar(query) or 0


def topics_entered(member: User) -> int:
    return db.session.scalar(select(func.count()).where(TopicRead.user_id == member.id)) or 0


def posts_read(member: User) -> int:
    """The highest post seen in each topic, summed (positions are clamped to the
    topic's posts when written, so nothing counts twice or beyond what exists)."""
    total = db.session.scalar(
        select(func.sum(TopicRead.last_read_post_number)).where(TopicRead.user_id == member.id)
    )
    return int(total or 0)


def reading_seconds(member: User) -> int:
    seconds = db.session.scalar(
        select(MemberStats.reading_seconds).where(MemberStats.user_id == member.id)
    )
    return seconds or 0


def topics_replied(member: User, *, since: datetime | None = None) -> int:
    """Distinct topics the member replied in (their own post, not the first)."""
    query = select(func.count(distinct(Post.topic_id))).where(
        Post.author_id == member.id, Post.post_number > 1, Post.deleted_at.is_(None)
    )
    if since is not None:
        query = query.where(Post.created_at >= since)
    return db.session.scalar(query) or 0


def likes_given(member: User) -> int:
    """Hearth has no likes: votes for answers and for ideas stand in for them."""
    answers = select(func.count()).where(AnswerVote.user_id == member.id).scalar_subquery()
    ideas = select(func.count()).where(IdeaVote.user_id == member.id).scalar_subquery()
    return db.session.scalar(select(answers + ideas)) or 0


def likes_received(member: User) -> int:
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
    return db.session.scalar(select(answers + ideas)) or 0


def flagged_posts_count(member: User, *, since: datetime) -> int:
    """The member's posts that others flagged since ``since``, the flags a moderator
    turned down (disagreed) left out: the one place the regular level's "no more than
    N posts flagged" reads. Flags still open count, as Discourse's do."""
    return (
        db.session.scalar(
            select(func.count(distinct(PostFlag.post_id)))
            .join(Post, Post.id == PostFlag.post_id)
            .where(
                Post.author_id == member.id,
                PostFlag.created_at >= since,
                or_(PostFlag.outcome.is_(None), PostFlag.outcome != FlagOutcome.DISAGREED),
            )
        )
        or 0
    )


def regular_window_start(thresholds: Thresholds, *, now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=thresholds.regular_window_days)


def trust_stats(member: User, thresholds: Thresholds | None = None) -> TrustStats:
    """Every figure at once, for the staff's view of a member and the full evaluation."""
    thresholds = thresholds or Thresholds.from_config()
    since = regular_window_start(thresholds)
    return TrustStats(
        days_visited=days_visited(member),
        topics_entered=topics_entered(member),
        posts_read=posts_read(member),
        reading_minutes=reading_seconds(member) // 60,
        topics_replied=topics_replied(member),
        likes_given=likes_given(member),
        likes_received=likes_received(member),
        recent_days_visited=days_visited(member, since=since),
        recent_topics_replied=topics_replied(member, since=since),
        recent_posts_flagged=flagged_posts_count(member, since=since),
    )


def get_member_stats(member: User) -> MemberStats | None:
    return db.session.get(MemberStats, member.id)
