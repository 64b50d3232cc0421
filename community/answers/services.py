"""Accepting answers and voting on them."""

from __future__ import annotations

import logging

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.answers.models import AnswerVote
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.notifications import services as notifications
from community.topics.models import Post, Topic

log = logging.getLogger(__name__)


def accept_answer(actor: User, topic: Topic, post: Post) -> Topic:
    """Mark ``post`` as the question's accepted answer (replacing any other).

    Raises NotFound for a post outside this topic, a deleted or unpublished one or
    the question itself, and Forbidden when the actor may not accept answers here.
    """
    policy.require_accept_answer(actor, topic)
    if post.topic_id != topic.id or post.is_first or post.is_deleted:
        raise NotFound
    if not post.is_published:
        # A held or hidden reply is no answer anyone else may read.
        raise NotFound
    is_new = topic.accepted_post_id != post.id
    topic.accepted_post_id = post.id
    topic.accepted_at = utcnow()
    if is_new:
        notifications.notify_answer_accepted(actor, topic, post)
    db.session.commit()
    log.info("answer.accepted user_id=%s topic_id=%s post_id=%s", actor.id, topic.id, post.id)
    return topic


def clear_accepted_answer(actor: User, topic: Topic) -> Topic:
    policy.require_accept_answer(actor, topic)
    topic.accepted_post_id = None
    topic.accepted_at = None
    db.session.commit()
    log.info("answer.cleared user_id=%s topic_id=%s", actor.id, topic.id)
    return topic


def set_answer_vote(actor: User, post: Post, *, is_voted: bool) -> int:
    """Vote for an answer or take the vote back; returns the answer's new count.

    Setting a state (rather than flipping it) makes a repeated request harmless.
    The row and the counter change in one transaction; the unique constraint
    decides whether a vote already exists, so concurrent requests never count twice.
    """
    policy.require_vote_on_answer(actor, post)
    if is_voted:
        try:
            db.session.execute(insert(AnswerVote).values(post_id=post.id, user_id=actor.id))
            db.session.execute(
                update(Post).where(Post.id == post.id).values(vote_count=Post.vote_count + 1)
            )
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # already voted: nothing to do
    else:
        removed = db.session.execute(
            delete(AnswerVote).where(AnswerVote.post_id == post.id, AnswerVote.user_id == actor.id)
        ).rowcount
        if removed:
            db.session.execute(
                update(Post).where(Post.id == post.id).values(vote_count=Post.vote_count - 1)
            )
        db.session.commit()
    db.session.refresh(post, ["vote_count"])
    log.info(
        "answer.vote user_id=%s post_id=%s voted=%s count=%s",
        actor.id, post.id, is_voted, post.vote_count,
    )  # fmt: skip
    return post.vote_count


def has_voted(actor: User, post: Post) -> bool:
    if not actor.is_authenticated:
        return False
    return (
        db.session.scalar(
            select(AnswerVote.id).where(
                AnswerVote.post_id == post.id, AnswerVote.user_id == actor.id
            )
        )
        is not None
    )
