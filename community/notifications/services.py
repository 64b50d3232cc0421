"""Telling members what happened: notifications and watch levels.

Recipients are chosen in SQL with ``policy.space_readers_clause``, so a member who
may not read a topic is never notified of it; and the pages that show notifications
filter them again with the reader's clause, so losing access to a space later hides
what was already sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlalchemy import Integer, String, and_, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.notifications.models import (
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from community.topics.models import Post, Topic

log = logging.getLogger(__name__)


# --- watching ------------------------------------------------------------------------


def watch_level(user: User, topic: Topic) -> WatchLevel:
    if not user.is_authenticated:
        return WatchLevel.NORMAL
    level = db.session.scalar(
        select(TopicWatch.level).where(
            TopicWatch.topic_id == topic.id, TopicWatch.user_id == user.id
        )
    )
    return level or WatchLevel.NORMAL


def set_watch_level(actor: User, topic: Topic, level: WatchLevel) -> WatchLevel:
    """The member's own choice for a topic: replaces any level set before."""
    policy.require_watch_topic(actor, topic)
    updated = db.session.execute(
        update(TopicWatch)
        .where(TopicWatch.topic_id == topic.id, TopicWatch.user_id == actor.id)
        .values(level=level)
    ).rowcount
    if not updated:
        _insert_watch(topic.id, actor.id, level)
    db.session.commit()
    log.info("topic.watch user_id=%s topic_id=%s level=%s", actor.id, topic.id, level)
    return level


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


# --- sending -------------------------------------------------------------------------


def notify_watchers(
    topic: Topic,
    kind: NotificationKind,
    *,
    actor: User | None,
    post: Post | None = None,
    detail: str = "",
    levels: Iterable[WatchLevel] = (WatchLevel.WATCHING,),
    also_user_ids: Iterable[int] = (),
) -> int:
    """Notify the topic's watchers at ``levels`` (and ``also_user_ids`` unless they
    muted the topic) who may read it, except the actor. One INSERT ... SELECT; no
    commit: the notification lands in the transaction of the event it reports."""
    watchers = select(TopicWatch.user_id).where(
        TopicWatch.topic_id == topic.id, TopicWatch.level.in_(list(levels))
    )
    muted = select(TopicWatch.user_id).where(
        TopicWatch.topic_id == topic.id, TopicWatch.level == WatchLevel.MUTED
    )
    wanted = [User.id.in_(watchers)]
    extra = sorted(set(also_user_ids))
    if extra:
        wanted.append(and_(User.id.in_(extra), User.id.not_in(muted)))
    recipients = select(
        User.id,
        # Typed, so PostgreSQL knows what each bound value is inside a SELECT list.
        literal(kind.value, String),
        literal(topic.id, Integer),
        literal(post.id if post is not None else None, Integer),
        literal(actor.id if actor is not None else None, Integer),
        literal(detail, String),
        literal(utcnow(), Notification.created_at.type),
    ).where(or_(*wanted), policy.space_readers_clause(topic.space))
    if actor is not None:
        recipients = recipients.where(User.id != actor.id)
    count = db.session.execute(
        insert(Notification).from_select(
            ["user_id", "kind", "topic_id", "post_id", "actor_id", "detail", "created_at"],
            recipients,
        )
    ).rowcount
    log.info("notification.sent kind=%s topic_id=%s recipients=%s", kind, topic.id, count)
    return count


def notify_reply(actor: User, topic: Topic, post: Post) -> None:
    """A new post: its topic's author hears of it, watchers of the topic too."""
    notify_watchers(
        topic,
        NotificationKind.WATCHED_POST,
        actor=actor,
        post=post,
        levels=(WatchLevel.WATCHING,),
    )
    author_id = topic.author_id
    if author_id is None or author_id == actor.id:
        return
    already_told = select(Notification.id).where(
        Notification.user_id == author_id, Notification.post_id == post.id
    )
    if db.session.scalar(already_told) is None:
        notify_watchers(
            topic,
            NotificationKind.REPLY,
            actor=actor,
            post=post,
            levels=(),
            also_user_ids=(author_id,),
        )


def notify_answer_accepted(actor: User, topic: Topic, post: Post) -> None:
    if post.author_id is None or post.author_id == actor.id:
        return
    notify_watchers(
        topic,
        NotificationKind.ANSWER_ACCEPTED,
        actor=actor,
        post=post,
        levels=(),
        also_user_ids=(post.author_id,),
    )


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
