"""The figures of the community health dashboard, for one viewer.

Every figure is counted in SQL over the spaces the viewer may read (and, when a space
is chosen, that one only): the scope's clauses go into every query, so a closed space
the viewer is not in adds nothing to any count, median or list. The webcare and
co-creation figures are the answers and ideas domains' own (``question_figures``,
``idea_figures``); this module adds the rest and puts them in four sections.

The number of queries is fixed: it grows with neither the rows nor the weeks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    case,
    distinct,
    exists,
    func,
    null,
    select,
    union_all,
)

from community import policy
from community.accounts.models import User, Viewer
from community.answers import queries as answer_queries
from community.answers.models import AnswerVote
from community.dashboard.models import SummarySubscription
from community.dashboard.periods import Period
from community.extensions import db
from community.figures import MEDIAN, SECONDS_PER_DAY, epoch_seconds, quantiles, share, week_start
from community.ideas import queries as idea_queries
from community.ideas.models import IdeaVote
from community.invites.models import Invite, InviteUse, invite_spaces
from community.spaces.models import JoinRequest, JoinRequestStatus, Space
from community.spaces.models import Visibility as SpaceKind
from community.tags.models import Tag, topic_tags
from community.topics.models import Post, Topic, TopicKind

TOP_CONTRIBUTORS = 10
BUSIEST_TAGS = 10
# A member "came back" with a post at least this long after their first one.
CAME_BACK_AFTER = timedelta(days=1)
KIND_ORDER = (SpaceKind.PUBLIC, SpaceKind.CLOSED, SpaceKind.EMPLOYEE)


@dataclass(frozen=True)
class Scope:
    """Whose figures, over which days, in which spaces."""

    viewer: Viewer
    period: Period
    space: Space | None = None

    def topics(self) -> list[ColumnElement[bool]]:
        """Topics counted: readable by the viewer, not deleted, in the chosen space."""
        clauses = [policy.visible_topics_clause(self.viewer)]
        if self.space is not None:
            clauses.append(Topic.space_id == self.space.id)
        return clauses

    def spaces(self) -> list[ColumnElement[bool]]:
        """Spaces counted (for invites and join requests, which belong to a space)."""
        clauses = [policy.readable_spaces_clause(self.viewer)]
        if self.space is not None:
            clauses.append(Space.id == self.space.id)
        return clauses

    def during(self, moment: ColumnElement) -> ColumnElement[bool]:
        return and_(moment >= self.period.start, moment < self.period.end)


def _monday(text: str) -> date:
    return date.fromisoformat(text)


# --- respond ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RespondSection:
    questions: answer_queries.QuestionFigures
    waiting: answer_queries.Waiting


def respond_section(scope: Scope) -> RespondSection:
    """Webcare: how fast the company answers questions. Four queries."""
    return RespondSection(
        questions=answer_queries.question_figures(
            scope.viewer, since=scope.period.start, until=scope.period.end, space=scope.space
        ),
        waiting=answer_queries.waiting_questions(scope.viewer, space=scope.space),
    )


# --- listen ----------------------------------------------------------------------------------


@dataclass
class ListenWeek:
    topics: dict[SpaceKind, int] = field(default_factory=dict)
    replies: dict[SpaceKind, int] = field(default_factory=dict)
    active_members: int = 0
    new_members: int = 0


@dataclass
class ListenSection:
    """Who talks, where, and whether newcomers stay."""

    kinds: list[SpaceKind]
    weeks: dict[date, ListenWeek]
    active_members: int
    new_members: int
    came_back: int
    busiest_tags: list[tuple[str, int]]

    @property
    def topics(self) -> int:
        return sum(sum(week.topics.values()) for week in self.weeks.values())

    @property
    def replies(self) -> int:
        return sum(sum(week.replies.values()) for week in self.weeks.values())

    @property
    def share_came_back(self) -> float | None:
        return share(self.came_back, self.new_members)


def _posts(scope: Scope) -> Select:
    """Live posts in topics the scope counts (joined to their topic)."""
    return (
        select()
        .select_from(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(*scope.topics(), policy.live_posts_clause())
    )


def _contributions(scope: Scope) -> Select:
    """(user, moment) of every post, idea vote and answer vote in the period.

    Votes are found by their date and then checked against the scope (a correlated
    EXISTS), so a short period reads only its own votes, not every post's.
    """
    posts = _posts(scope).add_columns(Post.author_id.label("user_id"), Post.created_at.label("at"))
    idea_votes = select(IdeaVote.user_id.label("user_id"), IdeaVote.created_at.label("at")).where(
        scope.during(IdeaVote.created_at),
        exists().where(Topic.id == IdeaVote.topic_id, *scope.topics()),
    )
    answer_votes = select(
        AnswerVote.user_id.label("user_id"), AnswerVote.created_at.label("at")
    ).where(
        scope.during(AnswerVote.created_at),
        exists().where(
            Post.id == AnswerVote.post_id,
            policy.live_posts_clause(),
            Topic.id == Post.topic_id,
            *scope.topics(),
        ),
    )
    return union_all(
        posts.where(scope.during(Post.created_at), Post.author_id.is_not(None)),
        idea_votes,
        answer_votes,
    )


@dataclass(frozen=True)
class PostsByKind:
    """New topics and replies per week, by kind of space (what the listen chart draws)."""

    kinds: list[SpaceKind]
    weeks: dict[date, ListenWeek]


def posts_by_kind(scope: Scope) -> PostsByKind:
    """Three queries."""
    weeks = {monday: ListenWeek() for monday in scope.period.weeks}
    kinds = sorted(
        db.session.scalars(select(Space.visibility).where(*scope.spaces()).distinct()),
        key=KIND_ORDER.index,
    )

    topic_week = week_start(Topic.created_at)
    for monday, kind, count in db.session.execute(
        select(topic_week, Space.visibility, func.count(Topic.id))
        .join(Space, Space.id == Topic.space_id)
        .where(*scope.topics(), scope.during(Topic.created_at))
        .group_by(topic_week, Space.visibility)
    ):
        weeks[_monday(monday)].topics[kind] = count

    post_week = week_start(Post.created_at)
    for monday, kind, count in db.session.execute(
        _posts(scope)
        .add_columns(post_week, Space.visibility, func.count(Post.id))
        .join(Space, Space.id == Topic.space_id)
        .where(Post.post_number > 1, scope.during(Post.created_at))
        .group_by(post_week, Space.visibility)
    ):
        weeks[_monday(monday)].replies[kind] = count
    return PostsByKind(kinds=kinds, weeks=weeks)


def listen_section(scope: Scope) -> ListenSection:
    """Posting and the members behind it. Seven queries."""
    posts = posts_by_kind(scope)
    weeks = posts.weeks

    # Members active in each week and in the whole period, from one pass over the
    # contributions (MATERIALIZED: both databases compute the CTE once).
    contributions = _contributions(scope).cte("contributions").prefix_with("MATERIALIZED")
    contribution_week = week_start(contributions.c.at)
    active_members = 0
    for monday, count in db.session.execute(
        union_all(
            select(contribution_week, func.count(distinct(contributions.c.user_id))).group_by(
                contribution_week
            ),
            select(null(), func.count(distinct(contributions.c.user_id))),
        )
    ):
        if monday is None:
            active_members = count
        else:
            weeks[_monday(monday)].active_members = count

    # Each author's first and last post in the scope, ever: a member is new in the
    # week of their first post, and came back if their last is a day or more later.
    authors = (
        _posts(scope)
        .add_columns(
            func.min(Post.created_at).label("first_at"), func.max(Post.created_at).label("last_at")
        )
        .where(Post.author_id.is_not(None))
        .group_by(Post.author_id)
        .having(scope.during(func.min(Post.created_at)))
        .subquery()
    )
    first_week = week_start(authors.c.first_at)
    stayed = epoch_seconds(authors.c.last_at) - epoch_seconds(authors.c.first_at)
    came_back = 0
    for monday, count, returned in db.session.execute(
        select(
            first_week,
            func.count(),
            func.sum(case((stayed >= CAME_BACK_AFTER.total_seconds(), 1), else_=0)),
        ).group_by(first_week)
    ):
        weeks[_monday(monday)].new_members = count
        came_back += int(returned)

    tag_posts = func.count(Post.id)
    busiest_tags = [
        (name, count)
        for name, count in db.session.execute(
            _posts(scope)
            .add_columns(Tag.name, tag_posts)
            .join(topic_tags, topic_tags.c.topic_id == Topic.id)
            .join(Tag, Tag.id == topic_tags.c.tag_id)
            .where(scope.during(Post.created_at))
            .group_by(Tag.id, Tag.name)
            .order_by(tag_posts.desc(), Tag.name)
            .limit(BUSIEST_TAGS)
        )
    ]
    return ListenSection(
        kinds=posts.kinds,
        weeks=weeks,
        active_members=active_members,
        new_members=sum(week.new_members for week in weeks.values()),
        came_back=came_back,
        busiest_tags=busiest_tags,
    )


# --- co-create -------------------------------------------------------------------------------


def cocreate_section(scope: Scope) -> idea_queries.IdeaFigures:
    """Ideas: how many, how far they get, how fast staff answer. Seven queries."""
    return idea_queries.idea_figures(
        scope.viewer, start=scope.period.start, end=scope.period.end, space=scope.space
    )


# --- community -------------------------------------------------------------------------------


@dataclass
class AcceptedWeek:
    by_members: int = 0
    by_staff: int = 0


@dataclass(frozen=True)
class Contributor:
    display_name: str
    username: str
    posts: int
    accepted_answers: int


@dataclass(frozen=True)
class JoinRequestFigures:
    asked: int
    approved: int
    declined: int
    pending: int
    median_days_to_decision: float | None


@dataclass
class CommunitySection:
    """How much the community carries itself, and who it grows through."""

    accepted: dict[date, AcceptedWeek]
    top_contributors: list[Contributor]
    invites_made: int
    invite_joins: int
    join_requests: JoinRequestFigures

    @property
    def accepted_by_members(self) -> int:
        return sum(week.by_members for week in self.accepted.values())

    @property
    def accepted_by_staff(self) -> int:
        return sum(week.by_staff for week in self.accepted.values())

    @property
    def share_accepted_by_members(self) -> float | None:
        return share(self.accepted_by_members, self.accepted_by_members + self.accepted_by_staff)


def accepted_by_week(scope: Scope) -> dict[date, AcceptedWeek]:
    """Answers accepted each week, written by members and by staff (the community
    chart). One query."""
    accepted = {monday: AcceptedWeek() for monday in scope.period.weeks}
    accepted_week = week_start(Topic.accepted_at)
    is_staff = func.coalesce(User.is_employee, False)
    for monday, by_staff, total in db.session.execute(
        select(accepted_week, func.sum(case((is_staff, 1), else_=0)), func.count())
        .select_from(Topic)
        .join(Post, Post.id == Topic.accepted_post_id)
        # A former member's answer is a member's answer: staff accounts are kept.
        .outerjoin(User, User.id == Post.author_id)
        .where(
            *scope.topics(),
            Topic.kind == TopicKind.QUESTION,
            policy.live_posts_clause(),
            scope.during(Topic.accepted_at),
        )
        .group_by(accepted_week)
    ):
        accepted[_monday(monday)] = AcceptedWeek(by_members=total - by_staff, by_staff=by_staff)
    return accepted


def community_section(scope: Scope) -> CommunitySection:
    """Self-sufficiency, contributors, invites and join requests. Five queries."""
    accepted = accepted_by_week(scope)
    posts = func.count(Post.id)
    accepted_answers = func.sum(case((Topic.accepted_post_id == Post.id, 1), else_=0))
    top_contributors = [
        Contributor(display_name, username, count, int(answers))
        for display_name, username, count, answers in db.session.execute(
            _posts(scope)
            .add_columns(User.display_name, User.username, posts, accepted_answers)
            .join(User, User.id == Post.author_id)
            # Ambassadors come from the community: staff are left out.
            .where(scope.during(Post.created_at), User.is_employee.is_(False))
            .group_by(User.id, User.display_name, User.username)
            .order_by(posts.desc(), accepted_answers.desc(), User.id)
            .limit(TOP_CONTRIBUTORS)
        )
    ]

    scope_spaces = select(Space.id).where(*scope.spaces())
    # Invites into the spaces counted: one that opens any of them (invites into the
    # community alone, a group or employee status belong to no space, and count nowhere).
    into_scope = exists().where(
        invite_spaces.c.invite_id == Invite.id, invite_spaces.c.space_id.in_(scope_spaces)
    )
    invites_made = (
        select(func.count(Invite.id))
        .where(into_scope, scope.during(Invite.created_at))
        .scalar_subquery()
    )
    invite_joins = (
        select(func.count(InviteUse.id))
        .join(Invite, Invite.id == InviteUse.invite_id)
        .where(into_scope, scope.during(InviteUse.used_at))
        .scalar_subquery()
    )
    made, joined = db.session.execute(select(invites_made, invite_joins)).one()

    return CommunitySection(
        accepted=accepted,
        top_contributors=top_contributors,
        invites_made=made,
        invite_joins=joined,
        join_requests=_join_request_figures(scope, scope_spaces),
    )


def _join_request_figures(scope: Scope, scope_spaces: Select) -> JoinRequestFigures:
    asked = [JoinRequest.space_id.in_(scope_spaces), scope.during(JoinRequest.created_at)]
    by_status = dict(
        db.session.execute(
            select(JoinRequest.status, func.count(JoinRequest.id))
            .where(*asked)
            .group_by(JoinRequest.status)
        ).all()
    )
    waits = select(
        (epoch_seconds(JoinRequest.decided_at) - epoch_seconds(JoinRequest.created_at)).label(
            "value"
        )
    ).where(*asked, JoinRequest.decided_at.is_not(None))
    median = quantiles(waits, (MEDIAN,)).get(None)
    return JoinRequestFigures(
        asked=sum(by_status.values()),
        approved=by_status.get(JoinRequestStatus.APPROVED, 0),
        declined=by_status.get(JoinRequestStatus.DECLINED, 0),
        pending=by_status.get(JoinRequestStatus.PENDING, 0),
        median_days_to_decision=median[MEDIAN] / SECONDS_PER_DAY if median else None,
    )


# --- the whole dashboard ---------------------------------------------------------------------

# What each section's chart draws: no more than it needs.
CHART_DATA: dict[str, Callable[[Scope], object]] = {
    "respond": lambda scope: answer_queries.question_figures(
        scope.viewer, since=scope.period.start, until=scope.period.end, space=scope.space
    ),
    "listen": posts_by_kind,
    "cocreate": lambda scope: idea_queries.ideas_per_month(
        scope.viewer, start=scope.period.start, end=scope.period.end, space=scope.space
    ),
    "community": accepted_by_week,
}


@dataclass(frozen=True)
class Dashboard:
    scope: Scope
    respond: RespondSection
    listen: ListenSection
    cocreate: idea_queries.IdeaFigures
    community: CommunitySection


def dashboard(scope: Scope) -> Dashboard:
    """Every section's figures for the scope; raises NotFound for non-staff."""
    policy.require_view_dashboard(scope.viewer)
    return Dashboard(
        scope=scope,
        respond=respond_section(scope),
        listen=listen_section(scope),
        cocreate=cocreate_section(scope),
        community=community_section(scope),
    )


def chart_data(scope: Scope, name: str) -> object:
    """What one section's chart draws; NotFound for non-staff."""
    policy.require_view_dashboard(scope.viewer)
    return CHART_DATA[name](scope)


def has_summary_subscription(viewer: Viewer) -> bool:
    if not viewer.is_authenticated:
        return False
    return db.session.get(SummarySubscription, viewer.id) is not None


def list_dashboard_spaces(viewer: Viewer) -> list[Space]:
    """The spaces the space filter offers: those the viewer reads."""
    policy.require_view_dashboard(viewer)
    return list(
        db.session.scalars(
            select(Space)
            .where(policy.readable_spaces_clause(viewer))
            .order_by(Space.position, Space.name)
        )
    )
