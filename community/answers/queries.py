"""Reads for questions and answers: answer order, votes, the respond queue, figures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, select
from sqlalchemy.orm import joinedload, selectinload

from community import policy
from community.accounts.models import Viewer
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.spaces.models import Space
from community.topics.models import Post, Topic, TopicKind

ANSWER_SORTS = ("votes", "oldest")
RESPOND_QUEUE_SIZE = 50
ANSWERED_WITHIN = timedelta(hours=24)


def list_answers(
    viewer: Viewer, topic: Topic, *, sort: str, page: int, per_page: int
) -> tuple[list[Post], bool]:
    """One page of a question's answers: the accepted one first, then by votes or time.

    Returns the posts and whether another page follows. The question itself (post 1)
    is not included.
    """
    policy.require_read_topic(viewer, topic)
    accepted_first = case((Post.id == topic.accepted_post_id, 0), else_=1)
    order = [accepted_first]
    if sort == "votes":
        order.append(Post.vote_count.desc())
    order.append(Post.post_number)
    statement = (
        select(Post)
        .where(Post.topic_id == topic.id, Post.post_number > 1)
        .options(selectinload(Post.author))
        .order_by(*order)
        .limit(per_page + 1)
        .offset((page - 1) * per_page)
    )
    posts = list(db.session.scalars(statement))
    return posts[:per_page], len(posts) > per_page


def voted_post_ids(viewer: Viewer, posts: list[Post]) -> frozenset[int]:
    """Which of these answers the viewer voted for, in one query."""
    if not viewer.is_authenticated or not posts:
        return frozenset()
    statement = select(AnswerVote.post_id).where(
        AnswerVote.user_id == viewer.id, AnswerVote.post_id.in_([post.id for post in posts])
    )
    return frozenset(db.session.scalars(statement))


def _open_questions_without_staff_reply(viewer: Viewer):
    return select(Topic).where(
        policy.visible_topics_clause(viewer),
        Topic.kind == TopicKind.QUESTION,
        Topic.first_staff_reply_at.is_(None),
        Topic.accepted_post_id.is_(None),
    )


def list_respond_queue(viewer: Viewer, *, limit: int = RESPOND_QUEUE_SIZE) -> list[Topic]:
    """Open questions no employee has replied to yet, oldest waiting first."""
    policy.require_use_respond_queue(viewer)
    statement = (
        _open_questions_without_staff_reply(viewer)
        .options(joinedload(Topic.space), joinedload(Topic.author))
        .order_by(Topic.created_at, Topic.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


@dataclass
class QuestionFigures:
    """Webcare figures over questions asked in a period, in spaces the viewer reads."""

    asked: int = 0
    answered_by_staff: int = 0
    median_first_staff_reply: timedelta | None = None
    p90_first_staff_reply: timedelta | None = None
    share_answered_within_24h: float | None = None
    share_solved: float | None = None
    per_week: dict[date, int] = field(default_factory=dict)


def question_figures(
    viewer: Viewer, *, since: datetime, until: datetime, space: Space | None = None
) -> QuestionFigures:
    """Figures for questions asked in [since, until).

    Rows are chosen in SQL with the viewer's permissions; the percentiles are
    computed here from the (created, first staff reply) pairs of that period.
    """
    conditions = [
        policy.visible_topics_clause(viewer),
        Topic.kind == TopicKind.QUESTION,
        Topic.created_at >= since,
        Topic.created_at < until,
    ]
    if space is not None:
        conditions.append(Topic.space_id == space.id)
    rows = db.session.execute(
        select(Topic.created_at, Topic.first_staff_reply_at, Topic.accepted_post_id).where(
            and_(*conditions)
        )
    ).all()
    figures = QuestionFigures(asked=len(rows))
    if not rows:
        return figures
    waits = sorted(
        reply_at - created_at for created_at, reply_at, _ in rows if reply_at is not None
    )
    figures.answered_by_staff = len(waits)
    if waits:
        seconds = [wait.total_seconds() for wait in waits]
        figures.median_first_staff_reply = timedelta(seconds=statistics.median(seconds))
        # statistics.quantiles needs two points; one wait is its own 90th percentile.
        p90 = (
            statistics.quantiles(seconds, n=10, method="inclusive")[-1]
            if len(seconds) > 1
            else seconds[0]
        )
        figures.p90_first_staff_reply = timedelta(seconds=p90)
    figures.share_answered_within_24h = sum(wait <= ANSWERED_WITHIN for wait in waits) / len(rows)
    figures.share_solved = sum(accepted is not None for *_, accepted in rows) / len(rows)
    for created_at, *_ in rows:
        week = (created_at - timedelta(days=created_at.weekday())).date()
        figures.per_week[week] = figures.per_week.get(week, 0) + 1
    figures.per_week = dict(sorted(figures.per_week.items()))
    return figures


def waited(topic: Topic) -> timedelta:
    return utcnow() - topic.created_at
