"""Reading a member's notifications, watch news and mail choices, under their
current rights: every read filters with ``policy.visible_notifications_clause``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, or_, select, union_all
from sqlalchemy.orm import aliased, joinedload

from community import policy
from community.accounts.models import User, Viewer
from community.extensions import db
from community.notifications.models import (
    COUNTING_LEVELS,
    DEFAULT_FREQUENCIES,
    EmailFrequency,
    EmailPreference,
    Notification,
    NotificationKind,
    OutgoingMail,
    SpaceWatch,
    TopicRead,
    TopicWatch,
)
from community.spaces.models import Space
from community.topics.models import Post, Topic

NOTIFICATIONS_PER_PAGE = 30
DIGEST_MAX_ITEMS = 50
MENTION_SUGGESTIONS = 8
MENTION_QUERY_MAX_LENGTH = 30


def frequency_clause() -> ColumnElement[str]:
    """SQL over ``Notification``: how often its recipient wants its kind by e-mail."""
    chosen = (
        select(EmailPreference.frequency)
        .where(
            EmailPreference.user_id == Notification.user_id,
            EmailPreference.kind == Notification.kind,
        )
        .scalar_subquery()
    )
    default = case(
        {kind.value: frequency.value for kind, frequency in DEFAULT_FREQUENCIES.items()},
        value=Notification.kind,
        else_=EmailFrequency.IMMEDIATELY.value,
    )
    return func.coalesce(chosen, default)


def _readable(viewer: Viewer) -> Select:
    # Readability is checked when shown, not only when sent: a member who left a
    # closed space or lost employee status no longer sees what was sent before.
    return select(Notification).where(policy.visible_notifications_clause(viewer))


def _with_targets(statement: Select) -> Select:
    return statement.options(
        # Titles only: the topics' tags (selectin by default) are not shown here.
        joinedload(Notification.topic).lazyload(Topic.tags),
        joinedload(Notification.space),
        joinedload(Notification.actor),
        joinedload(Notification.post),
    )


def unread_count(viewer: Viewer) -> int:
    if not viewer.is_authenticated:
        return 0
    statement = _readable(viewer).where(Notification.read_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def list_notifications(
    viewer: Viewer, *, before_id: int | None = None, per_page: int = NOTIFICATIONS_PER_PAGE
) -> tuple[list[Notification], int | None]:
    """Newest first, a keyset page before ``before_id``; returns the next cursor."""
    statement = (
        _with_targets(_readable(viewer)).order_by(Notification.id.desc()).limit(per_page + 1)
    )
    if before_id is not None:
        statement = statement.where(Notification.id < before_id)
    rows = list(db.session.scalars(statement).unique())
    if len(rows) <= per_page:
        return rows, None
    rows = rows[:per_page]
    return rows, rows[-1].id


# --- e-mail ------------------------------------------------------------------------------


def get_mailable_notification(user: User, notification_id: int) -> Notification | None:
    """The notification, if its member may still see it, has not read it, and still
    wants its kind by e-mail at once."""
    statement = _with_targets(_readable(user)).where(
        Notification.id == notification_id,
        Notification.read_at.is_(None),
        frequency_clause() == EmailFrequency.IMMEDIATELY.value,
    )
    return db.session.scalars(statement).unique().one_or_none()


def list_digest_notifications(
    user: User, *, frequency: EmailFrequency, after_id: int, until_id: int
) -> list[Notification]:
    """What a digest holds when it is sent: the member's unread notifications in the
    range that they may still see and still want in this digest, and that were not
    mailed on their own."""
    statement = (
        _with_targets(_readable(user))
        .where(
            Notification.id > after_id,
            Notification.id <= until_id,
            Notification.read_at.is_(None),
            frequency_clause() == frequency.value,
            ~exists().where(OutgoingMail.notification_id == Notification.id),
        )
        .order_by(Notification.id)
        .limit(DIGEST_MAX_ITEMS)
    )
    return list(db.session.scalars(statement).unique())


def email_frequencies(user: User) -> dict[NotificationKind, EmailFrequency]:
    """How often each kind reaches the member by e-mail (their choice or the default)."""
    chosen = dict(
        db.session.execute(
            select(EmailPreference.kind, EmailPreference.frequency).where(
                EmailPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: chosen.get(kind, DEFAULT_FREQUENCIES[kind]) for kind in NotificationKind}


# --- news in topic and space lists ----------------------------------------------------------


@dataclass(frozen=True)
class TopicNews:
    """What a tracking (or watching) member sees beside a topic in lists."""

    unread: int = 0  # posts by others past their read position
    is_new: bool = False  # started since they began tracking, not opened yet


def _news_parts(viewer: User):  # a tuple of SQL pieces for the two queries below
    own = aliased(TopicWatch)
    of_space = aliased(SpaceWatch)
    read = aliased(TopicRead)
    joined = (
        select(Topic)
        .outerjoin(own, and_(own.topic_id == Topic.id, own.user_id == viewer.id))
        .outerjoin(
            of_space, and_(of_space.space_id == Topic.space_id, of_space.user_id == viewer.id)
        )
        .outerjoin(read, and_(read.topic_id == Topic.id, read.user_id == viewer.id))
    )
    level = func.coalesce(own.level, of_space.level)
    since = func.coalesce(own.created_at, of_space.created_at)
    unread_posts = and_(
        Post.topic_id == Topic.id,
        Post.post_number > read.last_read_post_number,
        policy.live_posts_clause(),
        or_(Post.author_id.is_(None), Post.author_id != viewer.id),
    )
    is_new = and_(
        read.id.is_(None),
        Topic.created_at >= since,
        or_(Topic.author_id.is_(None), Topic.author_id != viewer.id),
    )
    # Readable, not deleted: topic_news says it with policy's clause; space_news inside
    # _may_count, where the planner still reads watches first.
    counted = and_(
        Topic.deleted_at.is_(None),
        level.in_([level.value for level in COUNTING_LEVELS]),
        # Nothing can be new in a topic untouched since it was last read (or since
        # the member began tracking): an index range instead of a scan.
        Topic.last_posted_at >= func.coalesce(read.updated_at, since),
    )
    return joined, read, unread_posts, is_new, counted


def topic_news(viewer: Viewer, topics: list[Topic]) -> dict[int, TopicNews]:
    """News for the topics of one list page, in one query (a count per topic)."""
    if not viewer.is_authenticated or not topics:
        return {}
    joined, _read, unread_posts, is_new, counted = _news_parts(viewer)
    unread = select(func.count(Post.id)).where(unread_posts).scalar_subquery()
    statement = joined.with_only_columns(Topic.id, unread, is_new).where(
        Topic.id.in_(sorted({topic.id for topic in topics})),
        policy.visible_topics_clause(viewer),
        counted,
    )
    news = {}
    for topic_id, count, fresh in db.session.execute(statement):
        if count or fresh:
            news[topic_id] = TopicNews(unread=count or 0, is_new=bool(fresh))
    return news


def _may_count(viewer: User, space_ids: list[int]) -> ColumnElement[bool]:
    """Topics of these spaces that the member watches, or in them that they track or
    watch: the only ones whose level can count. Said this way (each branch holds the
    spaces, so no other condition on topics.space_id tempts the planner) SQLite reads the
    member's few watches by index, then topics by key, instead of every topic of the
    spaces (55 ms at 200,000 posts on the home page, for a member who tracks nothing).
    Readability is checked here too (the SQL twin of can_read_space, on the watches), so
    no condition on topics.space_id is left for the planner to prefer."""
    watched = aliased(Topic)
    in_tracked_space = aliased(Topic)
    readable = select(Space.id).where(policy.readable_spaces_clause(viewer))
    tracked_spaces = select(SpaceWatch.space_id).where(
        SpaceWatch.user_id == viewer.id,
        SpaceWatch.space_id.in_(space_ids),
        SpaceWatch.space_id.in_(readable),
        SpaceWatch.level.in_([level.value for level in COUNTING_LEVELS]),
    )
    candidates = union_all(
        select(in_tracked_space.id).where(in_tracked_space.space_id.in_(tracked_spaces)),
        select(TopicWatch.topic_id)
        .join(watched, watched.id == TopicWatch.topic_id)
        .where(
            TopicWatch.user_id == viewer.id,
            watched.space_id.in_(space_ids),
            watched.space_id.in_(readable),
        ),
    )
    return Topic.id.in_(candidates)


def space_news(viewer: Viewer, spaces: list[Space]) -> dict[int, int]:
    """How many topics have news for the viewer in each of these spaces (one query)."""
    if not viewer.is_authenticated or not spaces:
        return {}
    joined, read, unread_posts, is_new, counted = _news_parts(viewer)
    statement = (
        joined.with_only_columns(Topic.space_id, func.count(Topic.id))
        .where(
            _may_count(viewer, sorted({space.id for space in spaces})),
            counted,
            or_(and_(read.id.is_not(None), exists().where(unread_posts)), is_new),
        )
        .group_by(Topic.space_id)
    )
    return dict(db.session.execute(statement).all())


# --- mention autocomplete -------------------------------------------------------------------


def suggest_mentions(viewer: User, space: Space, prefix: str) -> list[User]:
    """Members whose username or display name starts with ``prefix`` who exist for the
    viewer (``policy.visible_members_clause``) and who may read ``space``, so a
    suggestion never names someone known only inside a space the viewer cannot read,
    and a mention of them always reaches them."""
    policy.require_read_space(viewer, space)
    prefix = "".join(ch for ch in (prefix or "").lower() if ch.isalnum() or ch in "_.-")
    prefix = prefix[:MENTION_QUERY_MAX_LENGTH]
    if not prefix:
        return []
    like = prefix.replace("_", r"\_") + "%"
    display = func.lower(User.display_name)
    statement = (
        select(User)
        .where(
            or_(
                User.username_lower.like(like, escape="\\"),
                display.like(like, escape="\\"),
                display.like("% " + like, escape="\\"),
            ),
            User.id != viewer.id,
            User.email_confirmed_at.is_not(None),
            policy.space_readers_clause(space),
            policy.visible_members_clause(viewer),
        )
        .order_by(User.username_lower)
        .limit(MENTION_SUGGESTIONS)
    )
    return list(db.session.scalars(statement))
