"""Changing ideas: creating their row, votes, statuses, merges and internal notes.

Counters change with atomic UPDATEs in the transaction that changes the rows they
count, and the unique constraint on (idea, member) decides whether a vote exists,
so concurrent votes never count twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.ideas.models import (
    CLOSED_STATUSES,
    NOTE_MAX_LENGTH,
    RESPONSE_MAX_LENGTH,
    SETTABLE_STATUSES,
    TRENDING_DAYS,
    Idea,
    IdeaNote,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
)
from community.markdown import render_markdown
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.notifications import services as notifications
from community.notifications.models import NotificationKind
from community.spaces.models import Space
from community.topics.models import Topic, TopicKind

log = logging.getLogger(__name__)


class VoteRefused(Exception):
    """The idea cannot take this vote now (closed, or the member's budget is spent):
    a state of things, answered with 409 and this message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- creating --------------------------------------------------------------------------


def start_idea(author: User, topic: Topic) -> Idea:
    """Give a new idea topic its idea row; its author votes for it and follows it.

    Called by ``topics.services.create_topic`` inside its transaction (no commit).
    """
    idea = Idea(
        topic_id=topic.id,
        space_id=topic.space_id,
        status=IdeaStatus.OPEN,
        vote_count=1,
        recent_vote_count=1,
        created_at=topic.created_at,
    )
    db.session.add(idea)
    db.session.add(IdeaVote(topic_id=topic.id, user_id=author.id, created_at=topic.created_at))
    notifications.follow_unless_chosen(author.id, topic.id)
    return idea


# --- votes -------------------------------------------------------------------------------


def open_votes_on_board(user: User, space: Space) -> int:
    """Votes the member has on ideas of this board that still count against a budget."""
    return db.session.scalar(
        select(func.count(IdeaVote.id))
        .join(Idea, Idea.topic_id == IdeaVote.topic_id)
        .where(
            IdeaVote.user_id == user.id,
            Idea.space_id == space.id,
            Idea.status.not_in([status.value for status in CLOSED_STATUSES]),
        )
    )


def _recent_votes_of(topic_id: ColumnElement[int], *, now: datetime | None = None):
    """The votes of the last TRENDING_DAYS of the idea ``topic_id`` names (a
    correlated subquery, read by the (topic_id, created_at) index)."""
    since = (now or utcnow()) - timedelta(days=TRENDING_DAYS)
    return (
        select(func.count(IdeaVote.id))
        .where(IdeaVote.topic_id == topic_id, IdeaVote.created_at >= since)
        .scalar_subquery()
    )


def recount_recent_votes(
    topic_ids: Iterable[int] | None = None, *, now: datetime | None = None
) -> int:
    """Count the trending votes (``Idea.recent_vote_count``) again: of these ideas, or
    of every idea that has a count or a recent vote, so that votes older than
    TRENDING_DAYS leave the count and rows written in bulk join it. Returns the ideas
    updated. No commit: callers commit with their change."""
    now = now or utcnow()
    statement = update(Idea).values(recent_vote_count=_recent_votes_of(Idea.topic_id, now=now))
    if topic_ids is None:
        since = now - timedelta(days=TRENDING_DAYS)
        voted_lately = select(IdeaVote.topic_id).where(IdeaVote.created_at >= since)
        statement = statement.where(
            or_(Idea.recent_vote_count > 0, Idea.topic_id.in_(voted_lately))
        )
    else:
        statement = statement.where(Idea.topic_id.in_(list(topic_ids)))
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def set_idea_vote(actor: User, topic: Topic, *, is_voted: bool) -> int:
    """Vote for an idea or take the vote back; returns the idea's new count.

    Raises NotFound/Forbidden like policy, and VoteRefused for a closed idea or a
    vote over the board's budget. Setting a state (rather than flipping it) makes a
    repeated request harmless.
    """
    policy.require_vote_on_idea(actor, topic)
    idea = topic.idea
    if idea.is_closed:
        raise VoteRefused(
            f"This idea is {idea.status.label}, so its votes are final: it takes no new "
            "votes and keeps the ones it has."
        )
    if is_voted:
        _check_budget(actor, topic.space)
        try:
            with db.session.begin_nested():
                vote = {"topic_id": topic.id, "user_id": actor.id, "created_at": utcnow()}
                db.session.execute(insert(IdeaVote).values(**vote))
        except IntegrityError:
            pass  # voted already: nothing to count
        else:
            db.session.execute(
                update(Idea)
                .where(Idea.topic_id == topic.id)
                .values(
                    vote_count=Idea.vote_count + 1,
                    recent_vote_count=Idea.recent_vote_count + 1,
                )
            )
            notifications.follow_unless_chosen(actor.id, topic.id)
    else:
        removed = db.session.execute(
            delete(IdeaVote).where(IdeaVote.topic_id == topic.id, IdeaVote.user_id == actor.id)
        ).rowcount
        if removed:
            db.session.execute(
                update(Idea)
                .where(Idea.topic_id == topic.id)
                .values(
                    vote_count=Idea.vote_count - removed,
                    # The vote taken back may be older than the window: count again.
                    recent_vote_count=_recent_votes_of(Idea.topic_id),
                )
            )
    db.session.commit()
    db.session.refresh(idea, ["vote_count"])
    log.info(
        "idea.vote user_id=%s topic_id=%s voted=%s count=%s",
        actor.id, topic.id, is_voted, idea.vote_count,
    )  # fmt: skip
    return idea.vote_count


def _check_budget(actor: User, space: Space) -> None:
    budget = space.idea_vote_budget
    if budget is None:
        return
    used = open_votes_on_board(actor, space)
    if used >= budget:
        raise VoteRefused(
            f"You have used all {budget} of your votes on {space.name}. Take your vote "
            "back from an open idea to free one; votes also come back when an idea you "
            "voted for is shipped, declined or merged."
        )


def votes_left(user: User, space: Space) -> int | None:
    if space.idea_vote_budget is None or not user.is_authenticated:
        return None
    return max(space.idea_vote_budget - open_votes_on_board(user, space), 0)


# --- statuses ----------------------------------------------------------------------------


def set_idea_status(
    actor: User, topic: Topic, *, status: IdeaStatus, response: str = ""
) -> IdeaStatusChange:
    """Move an idea to a status, with an optional official response, as staff.

    Raises Forbidden for non-staff and ValidationFailed for a merged idea, a status
    staff cannot choose, or a change that changes nothing.
    """
    policy.require_set_idea_status(actor, topic)
    idea = topic.idea
    response = (response or "").strip()
    if idea.is_merged:
        raise ValidationFailed(None, "This idea was merged into another; change that one.")
    if status not in SETTABLE_STATUSES:
        raise ValidationFailed("status", "Choose one of the statuses in the list.")
    if len(response) > RESPONSE_MAX_LENGTH:
        raise ValidationFailed(
            "response",
            f"A response has at most {RESPONSE_MAX_LENGTH:,} characters; "
            f"this one has {len(response):,}.",
        )
    if status is idea.status and not response:
        raise ValidationFailed(
            "response",
            f"The idea is {status.label} already: write a response or pick another status.",
        )
    now = utcnow()
    change = IdeaStatusChange(
        topic_id=topic.id,
        actor_id=actor.id,
        old_status=idea.status,
        new_status=status,
        response_source=response,
        response_html=render_markdown(response) if response else "",
        created_at=now,
    )
    db.session.add(change)
    record_audit(
        actor,
        AuditAction.IDEA_STATUS,
        target_type=AuditTarget.TOPIC,
        target_id=topic.id,
        space=topic.space,
        detail=f"{idea.status}->{status}" + (" response" if response else ""),
    )
    is_new_status = status is not idea.status
    if is_new_status:
        idea.status = status
        idea.status_changed_at = now
    if idea.first_response_at is None:
        idea.first_response_at = now
    if status is IdeaStatus.SHIPPED and idea.shipped_at is None:
        idea.shipped_at = now
    db.session.flush()
    # Followers hear of a new status, or of a response that leaves the status as it was.
    notifications.notify_watchers(
        topic,
        NotificationKind.IDEA_STATUS if is_new_status else NotificationKind.IDEA_RESPONSE,
        actor=actor,
        detail=status.value,
    )
    db.session.commit()
    log.info(
        "idea.status user_id=%s topic_id=%s status=%s response=%s",
        actor.id, topic.id, status, bool(response),
    )  # fmt: skip
    return change


# --- merging -----------------------------------------------------------------------------


def merge_idea(actor: User, source: Topic, target: Topic) -> Idea:
    """Merge the idea ``source`` into ``target``: source becomes a duplicate that
    links to target, its votes and followers move there, its replies stay on it.

    The actor must be staff on both boards. Refused (ValidationFailed) into itself,
    into or from a merged idea, and into a space some of source's voters cannot
    read: their votes would count where they cannot follow them.
    """
    policy.require_set_idea_status(actor, source)
    if target.id == source.id:
        raise ValidationFailed("target", "An idea cannot be merged into itself.")
    if target.kind is not TopicKind.IDEA or not policy.can_read_topic(actor, target):
        raise ValidationFailed("target", "There is no idea with that number that you can see.")
    if not policy.can_set_idea_status(actor, target):
        raise ValidationFailed("target", "You do not answer for the board that idea is on.")
    if source.idea.is_merged:
        raise ValidationFailed(None, "This idea was merged already.")
    if target.idea.is_merged:
        raise ValidationFailed(
            "target",
            f"“{target.title}” was itself merged into another idea; merge into that one.",
        )
    if target.space_id != source.space_id:
        _check_voters_can_follow(source, target)
    now = utcnow()
    # Votes move without counting a member twice; then both counters are recounted
    # from the rows, in this transaction, which keeps them exact.
    target_voters = select(IdeaVote.user_id).where(IdeaVote.topic_id == target.id)
    db.session.execute(
        insert(IdeaVote).from_select(
            ["topic_id", "user_id", "created_at"],
            select(target.id, IdeaVote.user_id, IdeaVote.created_at).where(
                IdeaVote.topic_id == source.id, IdeaVote.user_id.not_in(target_voters)
            ),
        )
    )
    db.session.execute(delete(IdeaVote).where(IdeaVote.topic_id == source.id))
    for topic_id in (source.id, target.id):
        counted = select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == topic_id)
        db.session.execute(
            update(Idea)
            .where(Idea.topic_id == topic_id)
            .values(
                vote_count=counted.scalar_subquery(),
                recent_vote_count=_recent_votes_of(Idea.topic_id),
            )
        )
    notifications.copy_watchers(source.id, target.id)
    idea = source.idea
    db.session.add(
        IdeaStatusChange(
            topic_id=source.id,
            actor_id=actor.id,
            old_status=idea.status,
            new_status=IdeaStatus.DUPLICATE,
            merged_into_id=target.id,
            created_at=now,
        )
    )
    record_audit(
        actor,
        AuditAction.IDEA_MERGE,
        target_type=AuditTarget.TOPIC,
        target_id=source.id,
        space=source.space,
        detail=f"into={target.id}",
    )
    idea.status = IdeaStatus.DUPLICATE
    idea.status_changed_at = now
    idea.merged_into_id = target.id
    if idea.first_response_at is None:
        idea.first_response_at = now
    db.session.flush()
    notifications.notify_watchers(
        source, NotificationKind.IDEA_MERGED, actor=actor, detail=str(target.id)
    )
    db.session.commit()
    db.session.refresh(target.idea, ["vote_count"])
    log.info(
        "idea.merged user_id=%s topic_id=%s into=%s votes=%s",
        actor.id, source.id, target.id, target.idea.vote_count,
    )  # fmt: skip
    return idea


def _check_voters_can_follow(source: Topic, target: Topic) -> None:
    blocked = db.session.scalar(
        select(func.count(User.id)).where(
            User.id.in_(select(IdeaVote.user_id).where(IdeaVote.topic_id == source.id)),
            ~policy.space_readers_clause(target.space),
        )
    )
    if blocked:
        voters = "voter" if blocked == 1 else "voters"
        raise ValidationFailed(
            "target",
            f"{blocked} {voters} of this idea cannot read {target.space.name}, so their "
            "votes could not follow it there. Merge into an idea on a board they can read.",
        )


# --- internal notes ----------------------------------------------------------------------


def add_idea_note(actor: User, topic: Topic, *, body: str) -> IdeaNote:
    policy.require_write_idea_note(actor, topic)
    body = (body or "").strip()
    if not body:
        raise ValidationFailed("body", "Write the note first.")
    if len(body) > NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "body",
            f"A note has at most {NOTE_MAX_LENGTH:,} characters; this one has {len(body):,}.",
        )
    note = IdeaNote(
        topic_id=topic.id,
        author_id=actor.id,
        body_source=body,
        body_html=render_markdown(body),
        created_at=utcnow(),
    )
    db.session.add(note)
    db.session.commit()
    log.info("idea.note user_id=%s topic_id=%s note_id=%s", actor.id, topic.id, note.id)
    return note
