"""Reads for questions and answers: answer order, votes, the respond queue, figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import joinedload, selectinload

from community import policy
from community.accounts.models import Viewer
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.figures import MEDIAN, P90, epoch_seconds, quantiles, share, week_start
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
        .where(
            Post.topic_id == topic.id,
            Post.post_number > 1,
            policy.topic_posts_clause(viewer, topic),
        )
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


def open_questions_without_staff_reply(viewer: Viewer, *, space: Space | None = None) -> Select:
    """Questions the viewer may read that wait for the company: no employee replied and
    no answer was accepted. The respond queue and the dashboard read this."""
    statement = select(Topic).where(
        policy.visible_topics_clause(viewer),
        Topic.kind == TopicKind.QUESTION,
        Topic.first_staff_reply_at.is_(None),
        Topic.accepted_post_id.is_(None),
    )
    if space is not None:
        statement = statement.where(Topic.space_id == space.id)
    return statement


def list_respond_queue(viewer: Viewer, *, limit: int = RESPOND_QUEUE_SIZE) -> list[Topic]:
    """Open questions no employee has replied to yet, oldest waiting first."""
    policy.require_use_respond_queue(viewer)
    statement = (
        open_questions_without_staff_reply(viewer)
        .options(joinedload(Topic.space), joinedload(Topic.author))
        .order_by(Topic.created_at, Topic.id)
        .limit(limit)
    )
    return list(db.session.scalars(statement))


@dataclass(frozen=True)
class Waiting:
    """Questions waiting for the company now, and since when the oldest waits."""

    count: int
    oldest_asked_at: datetime | None

    @property
    def oldest_wait(self) -> timedelta | None:
        return utcnow() - self.oldest_asked_at if self.oldest_asked_at else None


def waiting_questions(viewer: Viewer, *, space: Space | None = None) -> Waiting:
    waiting = open_questions_without_staff_reply(viewer, space=space).subquery()
    count, oldest = db.session.execute(select(func.count(), func.min(waiting.c.created_at))).one()
    return Waiting(count=count, oldest_asked_at=oldest)


@dataclass
class WeekOfQuestions:
    """The webcare figures of questions asked in one week."""

    asked: int = 0
    answered_by_staff: int = 0
    answered_within_24h: int = 0
    solved: int = 0
    median_first_staff_reply: timedelta | None = None
    p90_first_staff_reply: timedelta | None = None


@dataclass
class QuestionFigures(WeekOfQuestions):
    """Webcare figures over questions asked in a period, in spaces the viewer reads:
    those of a week, for the whole period, and more."""

    share_answered_within_24h: float | None = None
    share_solved: float | None = None
    # Questions asked per week (the Monday, UTC), and every figure per week.
    per_week: dict[date, int] = field(default_factory=dict)
    weeks: dict[date, WeekOfQuestions] = field(default_factory=dict)


def question_figures(
    viewer: Viewer, *, since: datetime, until: datetime, space: Space | None = None
) -> QuestionFigures:
    """Figures for questions asked in [since, until), per week and in all.

    Counted in SQL over the questions the viewer may read; the median and 90th
    percentile of the wait for a first staff reply come from ``figures.quantiles``
    (ordered positions in SQL). Three queries, whatever the number of questions.
    """
    conditions = [
        policy.visible_topics_clause(viewer),
        Topic.kind == TopicKind.QUESTION,
        Topic.created_at >= since,
        Topic.created_at < until,
    ]
    if space is not None:
        conditions.append(Topic.space_id == space.id)
    week = week_start(Topic.created_at)
    wait = epoch_seconds(Topic.first_staff_reply_at) - epoch_seconds(Topic.created_at)
    within = case((wait <= ANSWERED_WITHIN.total_seconds(), 1), else_=0)
    rows = db.session.execute(
        select(
            week.label("week"),
            func.count().label("asked"),
            func.count(Topic.first_staff_reply_at).label("answered"),
            func.coalesce(func.sum(within), 0).label("within"),
            func.count(Topic.accepted_post_id).label("solved"),
        )
        .where(and_(*conditions))
        .group_by(week)
        .order_by(week)
    ).all()
    figures = QuestionFigures()
    for row in rows:
        monday = date.fromisoformat(row.week)
        figures.weeks[monday] = WeekOfQuestions(
            asked=row.asked,
            answered_by_staff=row.answered,
            answered_within_24h=int(row.within),
            solved=row.solved,
        )
        figures.per_week[monday] = row.asked
    if not rows:
        return figures
    figures.asked = sum(week.asked for week in figures.weeks.values())
    figures.answered_by_staff = sum(week.answered_by_staff for week in figures.weeks.values())
    figures.answered_within_24h = sum(week.answered_within_24h for week in figures.weeks.values())
    figures.solved = sum(week.solved for week in figures.weeks.values())
    figures.share_answered_within_24h = share(figures.answered_within_24h, figures.asked)
    figures.share_solved = share(figures.solved, figures.asked)
    waits = select(wait.label("value")).where(
        and_(*conditions), Topic.first_staff_reply_at.is_not(None)
    )
    overall = quantiles(waits, (MEDIAN, P90)).get(None)
    if overall:
        figures.median_first_staff_reply = timedelta(seconds=overall[MEDIAN])
        figures.p90_first_staff_reply = timedelta(seconds=overall[P90])
    weekly = quantiles(waits.add_columns(week.label("bucket")), (MEDIAN, P90))
    for bucket, values in weekly.items():
        week_figures = figures.weeks[date.fromisoformat(bucket)]
        week_figures.median_first_staff_reply = timedelta(seconds=values[MEDIAN])
        week_figures.p90_first_staff_reply = timedelta(seconds=values[P90])
    return figures


def waited(topic: Topic) -> timedelta:
    return utcnow() - topic.created_at
