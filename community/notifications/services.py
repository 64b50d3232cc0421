"""Telling members what happened: notifications, watch levels and read positions.

Recipients are chosen in SQL with ``policy.space_readers_clause``, so a member who
may not read a topic is never notified of it; the pages and e-mails that show
notifications filter them again with ``policy.visible_notifications_clause``, so
losing access to a space later hides what was already sent. Each notification's
e-mail (when the member wants it at once) is queued in the same transaction.

Other domains tell a member of something with ``notify_member``; posts notify
through ``notify_post``; ideas through ``notify_watchers``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    exists,
    func,
    insert,
    literal,
    select,
    tuple_,
    update,
)
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import NotFound, ValidationFailed
from community.extensions import db
from community.notifications import outbox
from community.notifications.models import (
    DETAIL_MAX_LENGTH,
    Notification,
    NotificationKind,
    SpaceWatch,
    TopicRead,
    TopicWatch,
    WatchLevel,
)
from community.spaces.models import Space
from community.topics.models import Post, Topic
from community.trust.visits import record_visit

log = logging.getLogger(__name__)


# --- watching ------------------------------------------------------------------------


def space_watch_level(user: User, space: Space) -> WatchLevel:
    if not user.is_authenticated:
        return WatchLevel.NORMAL
    level = db.session.scalar(
        select(SpaceWatch.level).where(
            SpaceWatch.space_id == space.id, SpaceWatch.user_id == user.id
        )
    )
    return level or WatchLevel.NORMAL


def watch_level(user: User, topic: Topic) -> WatchLevel:
    """The level that decides for this topic: its own, else its space's, else normal
    (one query)."""
    if not user.is_authenticated:
        return WatchLevel.NORMAL
    own = select(TopicWatch.level).where(
        TopicWatch.topic_id == topic.id, TopicWatch.user_id == user.id
    )
    of_space = select(SpaceWatch.level).where(
        SpaceWatch.space_id == topic.space_id, SpaceWatch.user_id == user.id
    )
    level = db.session.scalar(
        select(func.coalesce(own.scalar_subquery(), of_space.scalar_subquery()))
    )
    return WatchLevel(level) if level else WatchLevel.NORMAL


def set_watch_level(actor: User, topic: Topic, level: WatchLevel) -> WatchLevel:
    """The member's own choice for a topic: replaces any level set before."""
    policy.require_watch_topic(actor, topic)
    _upsert_level(TopicWatch, TopicWatch.topic_id, topic.id, actor.id, level)
    db.session.commit()
    log.info("topic.watch user_id=%s topic_id=%s level=%s", actor.id, topic.id, level)
    return level


def set_space_watch_level(actor: User, space: Space, level: WatchLevel) -> WatchLevel:
    """The member's level for every topic of the space without a level of its own."""
    policy.require_watch_space(actor, space)
    _upsert_level(SpaceWatch, SpaceWatch.space_id, space.id, actor.id, level)
    db.session.commit()
    log.info("space.watch user_id=%s space_id=%s level=%s", actor.id, space.id, level)
    return level


def _upsert_level(
    model: type[TopicWatch] | type[SpaceWatch],
    column: object,
    target_id: int,
    user_id: int,
    level: WatchLevel,
) -> None:
    updated = db.session.execute(
        update(model).where(column == target_id, model.user_id == user_id).values(level=level)
    ).rowcount
    if updated:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                insert(model).values(
                    {
                        column.key: target_id,
                        "user_id": user_id,
                        "level": level,
                        "created_at": utcnow(),
                    }
                )
            )
    except IntegrityError:
        # A concurrent request inserted it first: this choice is the later one.
        db.session.execute(
            update(model).where(column == target_id, model.user_id == user_id).values(level=level)
        )


def follow_unless_chosen(user_id: int, topic_id: int) -> None:
    """Start watching a topic the member acted in, unless they chose a level for it
    already (a member who muted an idea stays muted when they vote). No commit."""
    _insert_watch(topic_id, user_id, WatchLevel.WATCHING)


def _insert_watch(topic_id: int, user_id: int, level: WatchLevel) -> None:
    # A savepoint: losing the race to a concurrent insert must not undo the caller's
    # work in the same transaction.
    try:
        with db.session.begin_nested():
            db.session.execute(
                insert(TopicWatch).values(
                    topic_id=topic_id, user_id=user_id, level=level, created_at=utcnow()
                )
            )
    except IntegrityError:
        pass  # already watching at some level: keep it


def copy_watchers(from_topic_id: int, to_topic_id: int) -> int:
    """Followers of one topic follow another too (merging ideas). No commit."""
    already = select(TopicWatch.user_id).where(TopicWatch.topic_id == to_topic_id)
    rows = db.session.execute(
        select(TopicWatch.user_id).where(
            TopicWatch.topic_id == from_topic_id,
            TopicWatch.level == WatchLevel.WATCHING,
            TopicWatch.user_id.not_in(already),
        )
    ).scalars()
    user_ids = list(rows)
    for user_id in user_ids:
        _insert_watch(to_topic_id, user_id, WatchLevel.WATCHING)
    return len(user_ids)


def effective_level(topic: Topic) -> ColumnElement[str]:
    """SQL over ``User``: each member's level for the topic (its own, else its
    space's, else normal)."""
    own = (
        select(TopicWatch.level)
        .where(TopicWatch.topic_id == topic.id, TopicWatch.user_id == User.id)
        .scalar_subquery()
    )
    of_space = (
        select(SpaceWatch.level)
        .where(SpaceWatch.space_id == topic.space_id, SpaceWatch.user_id == User.id)
        .scalar_subquery()
    )
    return func.coalesce(own, of_space, WatchLevel.NORMAL.value)


# --- read positions ---------------------------------------------------------------------


def mark_topic_read(user: User, topic: Topic, post_number: int) -> None:
    """Move the member's read position forward to ``post_number`` (never back). No
    commit: replying records it in the reply's transaction. Every such write is also
    a day the member visited (``trust.visits``), with or without JavaScript."""
    record_visit(user)
    post_number = max(0, min(post_number, topic.last_post_number))
    now = utcnow()
    moved = db.session.execute(
        update(TopicRead)
        .where(TopicRead.topic_id == topic.id, TopicRead.user_id == user.id)
        .values(
            last_read_post_number=case(
                (TopicRead.last_read_post_number < post_number, post_number),
                else_=TopicRead.last_read_post_number,
            ),
            updated_at=now,
        )
    ).rowcount
    if moved:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(
                insert(TopicRead).values(
                    topic_id=topic.id,
                    user_id=user.id,
                    last_read_post_number=post_number,
                    updated_at=now,
                )
            )
    except IntegrityError:
        pass  # a concurrent request recorded a position; the next read moves it


def read_topic(actor: User, topic: Topic, *, up_to: int) -> None:
    """The member read the topic's posts up to ``up_to``: its count of new posts in
    lists goes down."""
    policy.require_watch_topic(actor, topic)
    mark_topic_read(actor, topic, up_to)
    db.session.commit()


# --- sending -------------------------------------------------------------------------


def _tell(
    kind: NotificationKind,
    topic: Topic,
    *,
    recipients: ColumnElement[bool],
    actor: User | None,
    post: Post | None = None,
    detail: str = "",
) -> int:
    """Notify every member ``recipients`` picks who may read the topic and has not
    muted it, except the actor, and queue the e-mails they want at once. One member
    hears of one post once. One INSERT ... SELECT; no commit: the notification lands
    in the transaction of the event it reports."""
    detail = detail[:DETAIL_MAX_LENGTH]
    chosen = select(
        User.id,
        # Typed, so PostgreSQL knows what each bound value is inside a SELECT list.
        literal(kind.value, String),
        literal(topic.id, Integer),
        literal(post.id if post is not None else None, Integer),
        literal(actor.id if actor is not None else None, Integer),
        literal(detail, String),
        literal(utcnow(), Notification.created_at.type),
    ).where(
        recipients,
        policy.space_readers_clause(topic.space),
        effective_level(topic) != WatchLevel.MUTED.value,
    )
    if actor is not None:
        chosen = chosen.where(User.id != actor.id)
    if post is not None:
        chosen = chosen.where(
            ~exists().where(Notification.post_id == post.id, Notification.user_id == User.id)
        )
    ids = list(
        db.session.scalars(
            insert(Notification)
            .from_select(
                ["user_id", "kind", "topic_id", "post_id", "actor_id", "detail", "created_at"],
                chosen,
            )
            .returning(Notification.id)
        )
    )
    outbox.queue_notification_mail(ids)
    log.info("notification.sent kind=%s topic_id=%s recipients=%s", kind, topic.id, len(ids))
    return len(ids)


def notify_watchers(
    topic: Topic,
    kind: NotificationKind,
    *,
    actor: User | None,
    post: Post | None = None,
    detail: str = "",
    levels: Iterable[WatchLevel] = (WatchLevel.WATCHING,),
) -> int:
    """Notify the topic's watchers at ``levels`` (the topic's own level, else the
    space's) who may read it, except the actor. No commit."""
    return _tell(
        kind,
        topic,
        recipients=effective_level(topic).in_([level.value for level in levels]),
        actor=actor,
        post=post,
        detail=detail,
    )


def _tell_users(
    kind: NotificationKind, topic: Topic, user_ids: Iterable[int], *, actor: User, post: Post
) -> int:
    user_ids = sorted(set(user_ids))
    if not user_ids:
        return 0
    return _tell(kind, topic, recipients=User.id.in_(user_ids), actor=actor, post=post)


def notify_post(
    actor: User,
    topic: Topic,
    post: Post,
    *,
    mentioned: Iterable[str] = (),
    quoted: Iterable[tuple[int, int]] = (),
) -> None:
    """A new post: tell, once each and in this order, the authors it quotes, the
    members it mentions, the topic's author (for a reply) and the watchers. No commit.
    """
    notify_post_edit(actor, topic, post, mentioned=mentioned, quoted=quoted)
    if not post.is_first and topic.author_id is not None:
        _tell_users(NotificationKind.REPLY, topic, [topic.author_id], actor=actor, post=post)
    notify_watchers(topic, NotificationKind.WATCHED_POST, actor=actor, post=post)


def notify_post_edit(
    actor: User,
    topic: Topic,
    post: Post,
    *,
    mentioned: Iterable[str] = (),
    quoted: Iterable[tuple[int, int]] = (),
) -> None:
    """Tell the authors a post quotes and the members it mentions (on an edit: those
    it newly quotes or mentions; nobody hears of one post twice). No commit."""
    _tell_users(
        NotificationKind.QUOTE, topic, quoted_authors(actor, quoted), actor=actor, post=post
    )
    _tell_users(NotificationKind.MENTION, topic, mentioned_ids(mentioned), actor=actor, post=post)


def mentioned_ids(usernames: Iterable[str]) -> list[int]:
    names = sorted({name.lower() for name in usernames})
    if not names:
        return []
    return list(db.session.scalars(select(User.id).where(User.username_lower.in_(names))))


def quoted_authors(actor: User, quoted: Iterable[tuple[int, int]]) -> list[int]:
    """Authors of the quoted posts the actor may read (a quote of something they
    cannot see tells nobody anything)."""
    pairs = sorted(set(quoted))
    if not pairs:
        return []
    statement = (
        select(Post.author_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(
            tuple_(Post.topic_id, Post.post_number).in_(pairs),
            policy.live_posts_clause(),
            Post.author_id.is_not(None),
            policy.visible_topics_clause(actor),
        )
    )
    return [author_id for author_id in db.session.scalars(statement) if author_id is not None]


def notify_answer_accepted(actor: User, topic: Topic, post: Post) -> None:
    if post.author_id is None or post.author_id == actor.id:
        return
    _tell(
        NotificationKind.ANSWER_ACCEPTED,
        topic,
        recipients=User.id == post.author_id,
        actor=actor,
        post=post,
    )


def notify_member(
    recipient: User,
    kind: NotificationKind,
    *,
    actor: User | None = None,
    space: Space | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    detail: str = "",
) -> Notification | None:
    """Tell one member of something; the one function other domains call.

    The notification points at a topic (shown while the recipient may read it), or
    else a space (shown while they may see its listing), or nothing (a message to
    them alone, such as a moderator's). ``detail`` is a short text for them (at most
    DETAIL_MAX_LENGTH characters), never content copied from a space. Nobody is told
    of what they may not see: then nothing happens and None comes back. The e-mail
    they want at once is queued. No commit: the caller commits with its event.
    """
    if topic is not None:
        space = topic.space
        allowed = policy.can_read_topic(recipient, topic) and not topic.is_deleted
    elif space is not None:
        allowed = policy.can_see_space_listing(recipient, space)
    else:
        allowed = recipient.is_authenticated
    if not allowed or (actor is not None and actor.id == recipient.id):
        log.info("notification.withheld kind=%s user_id=%s", kind, recipient.id)
        return None
    notification = Notification(
        user_id=recipient.id,
        kind=kind,
        topic_id=topic.id if topic is not None else None,
        space_id=space.id if space is not None and topic is None else None,
        post_id=post.id if post is not None else None,
        actor_id=actor.id if actor is not None else None,
        detail=(detail or "")[:DETAIL_MAX_LENGTH],
        created_at=utcnow(),
    )
    db.session.add(notification)
    db.session.flush()
    outbox.queue_notification_mail([notification.id])
    log.info("notification.sent kind=%s user_id=%s", kind, recipient.id)
    return notification


# --- reading -------------------------------------------------------------------------


def mark_read(viewer: User, notification_id: int) -> None:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != viewer.id:
        raise NotFound
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.commit()


def mark_all_read(viewer: User) -> int:
    count = db.session.execute(
        update(Notification)
        .where(Notification.user_id == viewer.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    ).rowcount
    db.session.commit()
    log.info("notification.all_read user_id=%s count=%s", viewer.id, count)
    return count


def check_level(value: str | None) -> WatchLevel:
    try:
        return WatchLevel(value)
    except ValueError:
        raise ValidationFailed("level", "Choose one of the levels in the list.") from None
