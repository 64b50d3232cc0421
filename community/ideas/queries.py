"""Reads of ideas for a viewer: boards, the roadmap, an idea's panel, and figures."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, case, func, select
from sqlalchemy.orm import joinedload

from community import policy
from community.accounts.models import Viewer
from community.database import utcnow
from community.extensions import db
from community.figures import (
    MEDIAN,
    SECONDS_PER_DAY,
    epoch_seconds,
    month_start,
    quantiles,
    share,
)
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
    kept = [Idea.space_id == space.id]
    if status is not None:
        kept.append(Idea.status == status)
    else:
        kept.append(Idea.merged_into_id.is_(None))
    if tag_id is not None:
        kept.append(Topic.tags.any(Tag.id == tag_id))
    page = min(max(page, 1), MAX_BOARD_PAGE)
    statement = _visible_ideas(viewer).where(*kept)
    if sort == "trending":
        # Votes of the last TRENDING_DAYS, stored (see Idea.recent_vote_count), then all
        # votes: an index range on ix_ideas_space_trending, like top's.
        statement = statement.order_by(
            Idea.recent_vote_count.desc(), Idea.vote_count.desc(), Idea.topic_id.desc()
        )
    elif sort == "new":
        statement = statement.order_by(Idea.created_at.desc(), Idea.topic_id.desc())
    elif sort == "updated":
        statement = statement.order_by(Topic.last_posted_at.desc(), Idea.topic_id.desc())
    else:
        statement = statement.order_by(Idea.vote_count.desc(), Idea.topic_id.desc())
    statement = statement.limit(per_page + 1).offset((page - 1) * per_page)
    rows = list(db.session.scalars(statement).unique())
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

# The stages an idea goes through on its way to shipping, in order. Declined and
# duplicate ideas left the road; they are counted beside the funnel.
FUNNEL_STAGES = (
    IdeaStatus.OPEN,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
    IdeaStatus.SHIPPED,
)


@dataclass(frozen=True)
class IdeaFigures:
    ideas_per_month: dict[str, int]
    votes_per_month: dict[str, int]
    shipped_per_month: dict[str, int]
    ideas_per_status: dict[str, int]
    # Ideas (merged ones left out) that reached each stage or one after it.
    funnel: dict[IdeaStatus, int]
    with_response: int
    median_days_to_first_response: float | None
    median_days_to_shipped: float | None

    @property
    def posted(self) -> int:
        return sum(self.ideas_per_month.values())

    @property
    def share_with_response(self) -> float | None:
        return share(self.with_response, self.posted)


@dataclass(frozen=True)
class IdeasPerMonth:
    posted: dict[str, int]
    shipped: dict[str, int]


def _scope(viewer: Viewer, space: Space | None) -> list[ColumnElement[bool]]:
    scope = [policy.visible_topics_clause(viewer)]
    if space is not None:
        scope.append(Topic.space_id == space.id)
    return scope


def _ideas_per_month(
    scope: list[ColumnElement[bool]], *, start: datetime, end: datetime
) -> IdeasPerMonth:
    def per_month(moment: ColumnElement[datetime]) -> dict[str, int]:
        month = month_start(moment)
        statement = (
            select(month, func.count())
            .select_from(Idea)
            .join(Topic, Topic.id == Idea.topic_id)
            .where(*scope, moment >= start, moment < end)
            .group_by(month)
            .order_by(month)
        )
        return dict(db.session.execute(statement).all())

    return IdeasPerMonth(posted=per_month(Idea.created_at), shipped=per_month(Idea.shipped_at))


def ideas_per_month(
    viewer: Viewer, *, start: datetime, end: datetime, space: Space | None = None
) -> IdeasPerMonth:
    """Ideas posted and ideas shipped per month (UTC) in [start, end), on boards the
    viewer may read. Two queries."""
    return _ideas_per_month(_scope(viewer, space), start=start, end=end)


def _days(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / SECONDS_PER_DAY


def idea_figures(
    viewer: Viewer, *, start: datetime, end: datetime, space: Space | None = None
) -> IdeaFigures:
    """Co-creation figures over ideas posted in [start, end) on boards the viewer may
    read: ideas and votes per month (UTC), ideas shipped per month, ideas per status,
    the funnel of stages reached, how many got an official response, and the medians
    of days from posting to the first response and to shipping. Counted in SQL; the
    medians by ordered position (``figures.quantiles``). Seven queries."""
    scope = _scope(viewer, space)
    posted = [*scope, Idea.created_at >= start, Idea.created_at < end]

    posted_and_shipped = _ideas_per_month(scope, start=start, end=end)
    vote_month = month_start(IdeaVote.created_at)
    votes_per_month = dict(
        db.session.execute(
            select(vote_month, func.count(IdeaVote.id))
            .join(Topic, Topic.id == IdeaVote.topic_id)
            .where(*scope, IdeaVote.created_at >= start, IdeaVote.created_at < end)
            .group_by(vote_month)
            .order_by(vote_month)
        ).all()
    )
    status_rows = db.session.execute(
        select(Idea.status, func.count(), func.count(Idea.first_response_at))
        .join(Topic, Topic.id == Idea.topic_id)
        .where(*posted)
        .group_by(Idea.status)
    ).all()

    def median_days(moment: ColumnElement[datetime]) -> float | None:
        values = (
            select((epoch_seconds(moment) - epoch_seconds(Idea.created_at)).label("value"))
            .join(Topic, Topic.id == Idea.topic_id)
            .where(*posted, moment.is_not(None))
        )
        found = quantiles(values, (MEDIAN,)).get(None)
        return _days(found[MEDIAN]) if found else None

    return IdeaFigures(
        ideas_per_month=posted_and_shipped.posted,
        votes_per_month=votes_per_month,
        shipped_per_month=posted_and_shipped.shipped,
        ideas_per_status={status.value: count for status, count, _ in status_rows},
        funnel=_funnel(posted),
        with_response=sum(responded for *_, responded in status_rows),
        median_days_to_first_response=median_days(Idea.first_response_at),
        median_days_to_shipped=median_days(Idea.shipped_at),
    )


def _funnel(posted: list[ColumnElement[bool]]) -> dict[IdeaStatus, int]:
    """How many ideas reached each stage, from their status timelines: an idea planned
    and then declined reached "planned"; one shipped reached every stage."""
    rank = case(
        {stage.value: index for index, stage in enumerate(FUNNEL_STAGES)},
        value=IdeaStatusChange.new_status,
        else_=0,
    )
    furthest = (
        select(func.coalesce(func.max(rank), 0).label("stage"))
        .select_from(Idea)
        .join(Topic, Topic.id == Idea.topic_id)
        .outerjoin(IdeaStatusChange, IdeaStatusChange.topic_id == Idea.topic_id)
        .where(*posted, Idea.merged_into_id.is_(None))
        .group_by(Idea.topic_id)
        .subquery()
    )
    reached = dict(
        db.session.execute(select(furthest.c.stage, func.count()).group_by(furthest.c.stage)).all()
    )
    return {
        stage: sum(count for index, count in reached.items() if index >= position)
        for position, stage in enumerate(FUNNEL_STAGES)
    }
