"""Reads of ideas for a viewer: boards, the roadmap, an idea's panel, and figures."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from community import policy
from community.accounts.models import Viewer
from community.database import utcnow
from community.extensions import db
from community.ideas.models import (
    Idea,
    IdeaNote,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
)
from community.spaces.models import Space
from community.tags.models import Tag
from community.topics.models import Topic

TRENDING_DAYS = 14
ROADMAP_SHIPPED_DAYS = 90
ROADMAP_COLUMN_SIZE = 30
MAX_BOARD_PAGE = 200

# How a board can be sorted, and what each sort orders by (ties: newest first).
BOARD_SORTS = ("top", "trending", "new", "updated")
# Statuses a board can be filtered by; "duplicate" shows merged ideas, which the
# other views leave out.
BOARD_STATUS_FILTERS = tuple(status.value for status in IdeaStatus)


@dataclass(frozen=True)
class BoardPage:
    ideas: list[Idea]
    page: int
    has_next: bool


def _visible_ideas(viewer: Viewer) -> Select:
    return (
        select(Idea)
        .join(Topic, Topic.id == Idea.topic_id)
        .where(policy.visible_topics_clause(viewer))
        .options(joinedload(Idea.topic).joinedload(Topic.author))
    )


def list_board(
    viewer: Viewer,
    space: Space,
    *,
    sort: str = "top",
    status: IdeaStatus | None = None,
    tag_id: int | None = None,
    page: int = 1,
    per_page: int = 30,
) -> BoardPage:
    """A page of a space's ideas. Merged ideas appear only under the duplicate filter.

    Pages are numbered: boards are ranked by votes, which change under the reader,
    so a keyset over a moving rank would skip or repeat ideas just the same.
    """
    policy.require_read_space(viewer, space)
    statement = _visible_ideas(viewer).where(Idea.space_id == space.id)
    if status is not None:
        statement = statement.where(Idea.status == status)
    else:
        statement = statement.where(Idea.merged_into_id.is_(None))
    if tag_id is not None:
        statement = statement.where(Topic.tags.any(Tag.id == tag_id))
    if sort == "trending":
        since = utcnow() - timedelta(days=TRENDING_DAYS)
        recent = (
            select(IdeaVote.topic_id, func.count(IdeaVote.id).label("recent_votes"))
            .where(IdeaVote.created_at >= since)
            .group_by(IdeaVote.topic_id)
            .subquery()
        )
        recent_votes = func.coalesce(recent.c.recent_votes, 0)
        statement = statement.outerjoin(recent, recent.c.topic_id == Idea.topic_id).order_by(
            recent_votes.desc(), Idea.vote_count.desc(), Idea.topic_id.desc()
        )
    elif sort == "new":
        statement = statement.order_by(Idea.created_at.desc(), Idea.topic_id.desc())
    elif sort == "updated":
        statement = statement.order_by(Topic.last_posted_at.desc(), Idea.topic_id.desc())
    else:
        statement = statement.order_by(Idea.vote_count.desc(), Idea.topic_id.desc())
    page = min(max(page, 1), MAX_BOARD_PAGE)
    rows = list(
        db.session.scalars(statement.limit(per_page + 1).offset((page - 1) * per_page)).unique()
    )
    return BoardPage(ideas=rows[:per_page], page=page, has_next=len(rows) > per_page)


def voted_topic_ids(viewer: Viewer, topic_ids: list[int]) -> frozenset[int]:
    """Which of these ideas the viewer voted for (one query for a whole list)."""
    if not viewer.is_authenticated or not topic_ids:
        return frozenset()
    return frozenset(
        db.session.scalars(
            select(IdeaVote.topic_id).where(
                IdeaVote.user_id == viewer.id, IdeaVote.topic_id.in_(topic_ids)
            )
        )
    )


@dataclass(frozen=True)
class Roadmap:
    columns: dict[IdeaStatus, list[Idea]] = field(default_factory=dict)


ROADMAP_STATUSES = (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.SHIPPED)


def roadmap(viewer: Viewer) -> Roadmap:
    """Planned, in-progress and recently shipped ideas on every board the viewer may
    read, most voted first; one query per column."""
    shipped_since = utcnow() - timedelta(days=ROADMAP_SHIPPED_DAYS)
    columns: dict[IdeaStatus, list[Idea]] = {}
    for status in ROADMAP_STATUSES:
        statement = _visible_ideas(viewer).where(Idea.status == status)
        if status is IdeaStatus.SHIPPED:
            statement = statement.where(Idea.shipped_at >= shipped_since).order_by(
                Idea.shipped_at.desc(), Idea.topic_id.desc()
            )
        else:
            statement = statement.order_by(Idea.vote_count.desc(), Idea.topic_id.desc())
        statement = statement.options(joinedload(Idea.topic).joinedload(Topic.space))
        columns[status] = list(db.session.scalars(statement.limit(ROADMAP_COLUMN_SIZE)).unique())
    return Roadmap(columns=columns)


# --- one idea ------------------------------------------------------------------------------


def timeline(topic: Topic) -> list[IdeaStatusChange]:
    return list(
        db.session.scalars(
            select(IdeaStatusChange)
            .where(IdeaStatusChange.topic_id == topic.id)
            .options(joinedload(IdeaStatusChange.actor), joinedload(IdeaStatusChange.merged_into))
            .order_by(IdeaStatusChange.created_at, IdeaStatusChange.id)
        )
    )


def official_response(changes: list[IdeaStatusChange]) -> IdeaStatusChange | None:
    """The latest change that carries a response: shown at the top of the idea."""
    for change in reversed(changes):
        if change.response_html:
            return change
    return None


def list_notes(viewer: Viewer, topic: Topic) -> list[IdeaNote]:
    if not policy.can_read_idea_notes(viewer, topic):
        return []
    return list(
        db.session.scalars(
            select(IdeaNote)
            .where(IdeaNote.topic_id == topic.id)
            .options(joinedload(IdeaNote.author))
            .order_by(IdeaNote.created_at, IdeaNote.id)
        )
    )


def has_voted(viewer: Viewer, topic: Topic) -> bool:
    return topic.id in voted_topic_ids(viewer, [topic.id])


# --- figures for the dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class IdeaFigures:
    ideas_per_month: dict[str, int]
    votes_per_month: dict[str, int]
    ideas_per_status: dict[str, int]
    median_days_to_first_response: float | None
    median_days_to_shipped: float | None


def _month(moment: datetime) -> str:
    return f"{moment.year:04d}-{moment.month:02d}"


def _days(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 86_400


def idea_figures(viewer: Viewer, *, start: datetime, end: datetime) -> IdeaFigures:
    """Co-creation counts over ideas posted in [start, end) on boards the viewer may
    read: ideas and votes per month (UTC), ideas per status, and the medians of days
    from posting to the first staff response and to shipping."""
    visible = policy.visible_topics_clause(viewer)
    ideas = db.session.execute(
        select(Idea.created_at, Idea.status, Idea.first_response_at, Idea.shipped_at)
        .join(Topic, Topic.id == Idea.topic_id)
        .where(visible, Idea.created_at >= start, Idea.created_at < end)
    ).all()
    vote_times = db.session.scalars(
        select(IdeaVote.created_at)
        .join(Topic, Topic.id == IdeaVote.topic_id)
        .where(visible, IdeaVote.created_at >= start, IdeaVote.created_at < end)
    ).all()
    to_response = [
        _days(row.created_at, row.first_response_at) for row in ideas if row.first_response_at
    ]
    to_shipped = [_days(row.created_at, row.shipped_at) for row in ideas if row.shipped_at]
    return IdeaFigures(
        ideas_per_month=dict(sorted(Counter(_month(row.created_at) for row in ideas).items())),
        votes_per_month=dict(sorted(Counter(_month(moment) for moment in vote_times).items())),
        ideas_per_status=dict(Counter(row.status.value for row in ideas)),
        median_days_to_first_response=statistics.median(to_response) if to_response else None,
        median_days_to_shipped=statistics.median(to_shipped) if to_shipped else None,
    )
