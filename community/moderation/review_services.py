"""The review queue's actions: approving and rejecting held posts, flagging posts and
deciding flags.

Each action checks policy before it changes anything, moves the post's review state
with a conditional UPDATE (so a double submission, or two moderators at once, act
once), writes its audit row and its notifications in the same transaction, and
commits.
"""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.mail import external_url
from community.moderation.audit import record_audit
from community.moderation.models import (
    FLAG_NOTE_MAX_LENGTH,
    AuditAction,
    AuditTarget,
    FlagOutcome,
    FlagReason,
    PostFlag,
    SignupApproval,
    SignupStatus,
)
from community.notifications import services as notifications
from community.notifications.models import NotificationKind
from community.notifications.outbox import queue_mail
from community.topics import services as topic_services
from community.topics.models import REVIEW_REASON_MAX_LENGTH, Post, ReviewState

log = logging.getLogger(__name__)

FLAG_AUDIT_ACTIONS = {
    FlagOutcome.AGREED: AuditAction.FLAG_AGREE,
    FlagOutcome.DISAGREED: AuditAction.FLAG_DISAGREE,
    FlagOutcome.DEFERRED: AuditAction.FLAG_DEFER,
}
# What each flagger is told (their own flag's outcome; never the post's text).
FLAG_OUTCOME_MESSAGES = {
    FlagOutcome.AGREED: "A moderator agreed with your flag on a post in {space}: the post "
    "stays hidden. Thank you for looking after the community.",
    FlagOutcome.DISAGREED: "A moderator reviewed the post in {space} you flagged and found "
    "nothing wrong with it: it is shown again.",
    FlagOutcome.DEFERRED: "A moderator reviewed the post in {space} you flagged and took no "
    "action for now.",
}


def _claim(post: Post, *, was: tuple[ReviewState, ...]) -> bool:
    """Lock the post's row for this decision: True if it is still in one of ``was``
    (a second submission, or another moderator, finds it moved on and does nothing).
    """
    claimed = db.session.execute(
        update(Post)
        .where(Post.id == post.id, Post.review_state.in_(was))
        .values(review_state=Post.review_state)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.refresh(post, ["review_state"])
    return claimed == 1


def _audit_post(actor: User, action: AuditAction, post: Post, *, reason: str = "") -> None:
    record_audit(
        actor,
        action,
        target_type=AuditTarget.POST,
        target_id=post.id,
        space=post.topic.space,
        reason=reason,
        detail="first_post" if post.is_first else "",
    )


# --- held posts --------------------------------------------------------------------------


def approve_post(actor: User, post: Post) -> bool:
    """Publish a pending post; raises NotFound or Forbidden. False when it was not
    pending any more (approved or rejected already): nothing happens then."""
    policy.require_review_post(actor, post)
    return _publish_pending(actor, post, event="post.approved")


def edit_and_approve_post(actor: User, post: Post, *, body: str, title: str | None = None) -> bool:
    """Correct a pending post (keeping a revision) and publish it, in one
    transaction; raises ValidationFailed (nothing changed), NotFound or Forbidden."""
    policy.require_review_post(actor, post)
    if post.review_state is not ReviewState.PENDING:
        return False
    topic_services.apply_edit(actor, post, body=body, title=title)
    return _publish_pending(actor, post, event="post.edited_and_approved")


def _publish_pending(actor: User, post: Post, *, event: str) -> bool:
    # Whatever the caller changed is undone too when the post moved on meanwhile.
    if not _claim(post, was=(ReviewState.PENDING,)):
        db.session.rollback()
        return False
    topic_services.publish_post(post)
    _audit_post(actor, AuditAction.POST_APPROVE, post)
    db.session.commit()
    log.info("%s actor_id=%s post_id=%s", event, actor.id, post.id)
    return True


def check_reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason", "Say why: the author reads the reason.")
    if len(reason) > REVIEW_REASON_MAX_LENGTH:
        raise ValidationFailed(
            "reason",
            f"A reason has at most {REVIEW_REASON_MAX_LENGTH:,} characters; "
            f"this one has {len(reason):,}.",
        )
    return reason


def reject_post(actor: User, post: Post, *, reason: str) -> bool:
    """Refuse a pending post; its author is told why (in-app and by e-mail) and still
    reads it with the reason. Raises ValidationFailed, NotFound or Forbidden; False
    when it was not pending any more."""
    policy.require_review_post(actor, post)
    reason = check_reason(reason)
    if not _claim(post, was=(ReviewState.PENDING,)):
        db.session.rollback()
        return False
    topic_services.reject_post(post, reason=reason)
    _audit_post(actor, AuditAction.POST_REJECT, post, reason=reason)
    if post.author is not None:
        notifications.notify_member(
            post.author,
            NotificationKind.MODERATOR_MESSAGE,
            actor=actor,
            detail=f"A moderator did not approve your post in {post.topic.space.name}. "
            f"Their reason: {reason}",
        )
    db.session.commit()
    log.info("post.rejected actor_id=%s post_id=%s", actor.id, post.id)
    return True


# --- sign-ups ------------------------------------------------------------------------------


def _decide_signup(
    actor: User, approval: SignupApproval, status: SignupStatus, *, reason: str = ""
) -> bool:
    policy.require_review_signups(actor)
    decided = db.session.execute(
        update(SignupApproval)
        .where(
            SignupApproval.user_id == approval.user_id,
            SignupApproval.status == SignupStatus.PENDING,
        )
        .values(status=status, decided_at=utcnow(), decided_by_id=actor.id, reason=reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if decided != 1:
        db.session.rollback()
        return False
    db.session.refresh(approval)
    return True


def approve_signup(actor: User, approval: SignupApproval) -> bool:
    """Let a waiting sign-up in; they are told by e-mail. False when it was decided
    already (nothing happens). Raises NotFound for non-reviewers."""
    if not _decide_signup(actor, approval, SignupStatus.APPROVED):
        return False
    member = approval.user
    record_audit(actor, AuditAction.MEMBER_APPROVE, target_type=AuditTarget.MEMBER,
                 target_id=member.id)  # fmt: skip
    queue_mail(
        member.email,
        "Your Hearth account is approved",
        f"Hello {member.display_name},\n\nA moderator approved your account: you can sign "
        f"in now.\n\n{external_url('accounts.login')}\n",
        user=member,
    )
    db.session.commit()
    log.info("signup.approved actor_id=%s user_id=%s", actor.id, member.id)
    return True


def reject_signup(actor: User, approval: SignupApproval, *, reason: str) -> bool:
    """Refuse a waiting sign-up with a reason, which they are sent. Raises
    ValidationFailed without a reason, NotFound for non-reviewers; False when it was
    decided already."""
    policy.require_review_signups(actor)
    reason = check_reason(reason)
    if not _decide_signup(actor, approval, SignupStatus.REJECTED, reason=reason):
        return False
    member = approval.user
    record_audit(actor, AuditAction.MEMBER_REJECT, target_type=AuditTarget.MEMBER,
                 target_id=member.id, reason=reason)  # fmt: skip
    queue_mail(
        member.email,
        "Your Hearth account was not approved",
        f"Hello {member.display_name},\n\nA moderator did not approve your account. "
        f"Their reason:\n\n{reason}\n",
        user=member,
    )
    db.session.commit()
    log.info("signup.rejected actor_id=%s user_id=%s", actor.id, member.id)
    return True


# --- flags ---------------------------------------------------------------------------------


def check_flag(reason: str | None, note: str | None) -> tuple[FlagReason, str]:
    try:
        flag_reason = FlagReason(reason or "")
    except ValueError:
        raise ValidationFailed("reason", "Choose why you flag this post.") from None
    note = (note or "").strip()
    if flag_reason is FlagReason.SOMETHING_ELSE and not note:
        raise ValidationFailed("note", "Tell the moderators what is wrong with it.")
    if len(note) > FLAG_NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "note", f"A note has at most {FLAG_NOTE_MAX_LENGTH:,} characters; this one has "
            f"{len(note):,}.",
        )  # fmt: skip
    return flag_reason, note


def count_open_flags(post: Post) -> int:
    return db.session.scalar(
        select(func.count(PostFlag.id)).where(
            PostFlag.post_id == post.id, PostFlag.resolved_at.is_(None)
        )
    )


def flag_post(actor: User, post: Post, *, reason: str, note: str = "") -> PostFlag:
    """Flag a post for the moderators; raises ValidationFailed, NotFound, Forbidden.

    One flag per member per post (the unique constraint decides; a second one returns
    the first). ``FLAGS_TO_HIDE`` open flags hide the post until a moderator decides:
    only members of ``FLAG_MIN_TRUST_LEVEL`` or more may flag at all.
    """
    policy.require_flag_post(actor, post)
    flag_reason, note = check_flag(reason, note)
    flag = PostFlag(
        post_id=post.id, flagger_id=actor.id, reason=flag_reason, note=note, created_at=utcnow()
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        existing = db.session.scalar(
            select(PostFlag).where(PostFlag.post_id == post.id, PostFlag.flagger_id == actor.id)
        )
        db.session.rollback()
        log.info("post.flag_repeated user_id=%s post_id=%s", actor.id, post.id)
        if existing is None:
            raise
        return existing
    if count_open_flags(post) >= current_app.config["FLAGS_TO_HIDE"] and _claim(
        post, was=(ReviewState.PUBLISHED,)
    ):
        topic_services.hide_post(post)
        log.info("post.hidden_by_flags post_id=%s", post.id)
    db.session.commit()
    log.info("post.flagged user_id=%s post_id=%s reason=%s", actor.id, post.id, flag_reason)
    return flag


def decide_flags(actor: User, post: Post, *, outcome: FlagOutcome) -> int:
    """Close the post's open flags: agree (the post stays hidden, or is hidden now),
    disagree or defer (a post they hid is shown again). Every flagger is told the
    outcome. Returns how many flags were closed: 0 for a repeated decision, which
    changes nothing. Raises NotFound or Forbidden."""
    policy.require_review_post(actor, post)
    now = utcnow()
    flaggers = list(
        db.session.scalars(
            update(PostFlag)
            .where(PostFlag.post_id == post.id, PostFlag.resolved_at.is_(None))
            .values(resolved_at=now, outcome=outcome, resolved_by_id=actor.id)
            .returning(PostFlag.flagger_id)
            .execution_options(synchronize_session=False)
        )
    )
    if not flaggers:
        db.session.rollback()
        return 0
    if outcome is FlagOutcome.AGREED:
        if _claim(post, was=(ReviewState.PUBLISHED,)):
            topic_services.hide_post(post)
    elif _claim(post, was=(ReviewState.HIDDEN,)):
        topic_services.publish_post(post)
    record_audit(
        actor,
        FLAG_AUDIT_ACTIONS[outcome],
        target_type=AuditTarget.POST,
        target_id=post.id,
        space=post.topic.space,
        detail=f"flags={len(flaggers)}",
    )
    message = FLAG_OUTCOME_MESSAGES[outcome].format(space=post.topic.space.name)
    for flagger in db.session.scalars(select(User).where(User.id.in_(sorted(flaggers)))):
        notifications.notify_member(
            flagger, NotificationKind.MODERATOR_MESSAGE, actor=actor, detail=message
        )
    db.session.commit()
    log.info(
        "post.flags_decided actor_id=%s post_id=%s outcome=%s flags=%s",
        actor.id, post.id, outcome, len(flaggers),
    )  # fmt: skip
    return len(flaggers)
