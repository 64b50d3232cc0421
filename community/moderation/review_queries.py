"""Reads for the review queue: held posts and flagged posts in the spaces the viewer
moderates, and the posts its actions are about."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from community import policy
from community.accounts.models import User, Viewer
from community.errors import NotFound
from community.extensions import db
from community.moderation.models import PostFlag, SignupApproval, SignupStatus
from community.spaces.models import Space
from community.topics.models import Post, ReviewState, Topic

# The queue shows the oldest items first, this many of each kind; deciding them
# brings the next ones up.
QUEUE_PAGE_SIZE = 50


@dataclass(frozen=True)
class FlaggedPost:
    post: Post
    flags: list[PostFlag]  # the open ones, oldest first


@dataclass(frozen=True)
class ReviewQueue:
    pending: list[Post]
    flagged: list[FlaggedPost]
    # Sign-ups waiting for approval: only for those who review them (else empty).
    signups: list[SignupApproval]

    @property
    def is_empty(self) -> bool:
        return not self.pending and not self.flagged and not self.signups


def _in_moderated_spaces(viewer: Viewer):
    moderated = select(Space.id).where(policy.moderated_spaces_clause(viewer))
    return [Topic.deleted_at.is_(None), Post.deleted_at.is_(None), Topic.space_id.in_(moderated)]


def _with_context(statement):  # noqa: ANN001 - a Select in, the same Select out
    return statement.options(
        joinedload(Post.topic).joinedload(Topic.space), joinedload(Post.author)
    )


def list_review_queue(viewer: Viewer, *, limit: int = QUEUE_PAGE_SIZE) -> ReviewQueue:
    """Posts waiting for approval and posts with open flags, in the spaces the viewer
    moderates (a space moderator sees their spaces only). Four queries whatever the
    queue's length. Raises NotFound for members who may not use the queue."""
    policy.require_use_review_queue(viewer)
    pending = list(
        db.session.scalars(
            _with_context(select(Post))
            .join(Topic, Topic.id == Post.topic_id)
            .where(Post.review_state == ReviewState.PENDING, *_in_moderated_spaces(viewer))
            .order_by(Post.created_at, Post.id)
            .limit(limit)
        )
    )
    first_flag = func.min(PostFlag.created_at).label("first_flag")
    flagged_ids = (
        select(PostFlag.post_id)
        .join(Post, Post.id == PostFlag.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(PostFlag.resolved_at.is_(None), *_in_moderated_spaces(viewer))
        .group_by(PostFlag.post_id)
        .order_by(first_flag, PostFlag.post_id)
        .limit(limit)
    )
    ids = list(db.session.scalars(flagged_ids))
    flagged: list[FlaggedPost] = []
    if ids:
        posts = {
            post.id: post
            for post in db.session.scalars(_with_context(select(Post)).where(Post.id.in_(ids)))
        }
        flags: dict[int, list[PostFlag]] = {post_id: [] for post_id in ids}
        for flag in db.session.scalars(
            select(PostFlag)
            .where(PostFlag.post_id.in_(ids), PostFlag.resolved_at.is_(None))
            .options(selectinload(PostFlag.flagger))
            .order_by(PostFlag.created_at, PostFlag.id)
        ):
            flags[flag.post_id].append(flag)
        flagged = [FlaggedPost(post=posts[post_id], flags=flags[post_id]) for post_id in ids]
    return ReviewQueue(pending=pending, flagged=flagged, signups=_pending_signups(viewer, limit))


def _pending_signups(viewer: Viewer, limit: int) -> list[SignupApproval]:
    if not policy.can_review_signups(viewer):
        return []
    return list(
        db.session.scalars(
            select(SignupApproval)
            .where(SignupApproval.status == SignupStatus.PENDING)
            .options(joinedload(SignupApproval.user))
            .order_by(SignupApproval.created_at, SignupApproval.user_id)
            .limit(limit)
        )
    )


def get_pending_signup_or_404(viewer: Viewer, user_id: int) -> SignupApproval:
    """A sign-up the viewer may decide; NotFound for non-reviewers and for accounts
    that needed no approval (a decided one is returned: deciding again does nothing)."""
    policy.require_review_signups(viewer)
    approval = db.session.get(SignupApproval, user_id, options=[joinedload(SignupApproval.user)])
    if approval is None or db.session.get(User, user_id) is None:
        raise NotFound
    return approval


def count_review_items(viewer: Viewer) -> int:
    """Items in the viewer's queue (for the header): one query; 0 for non-reviewers."""
    if not policy.can_use_review_queue(viewer):
        return 0
    scope = _in_moderated_spaces(viewer)
    pending = (
        select(func.count(Post.id))
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.review_state == ReviewState.PENDING, *scope)
        .scalar_subquery()
    )
    flagged = (
        select(func.count(func.distinct(PostFlag.post_id)))
        .join(Post, Post.id == PostFlag.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(PostFlag.resolved_at.is_(None), *scope)
        .scalar_subquery()
    )
    return db.session.scalar(select(pending + flagged)) or 0


def _get_post(post_id: int) -> Post:
    post = db.session.get(Post, post_id, options=[joinedload(Post.topic).joinedload(Topic.space)])
    if post is None:
        raise NotFound
    return post


def get_post_or_404(viewer: Viewer, post_id: int) -> Post:
    """A post the viewer may read (the actions then check their own right)."""
    post = _get_post(post_id)
    policy.require_read_post(viewer, post)
    return post


def get_reviewable_post_or_404(viewer: Viewer, post_id: int) -> Post:
    """A post the viewer reviews: NotFound if its space is hidden from them,
    Forbidden if they may not review it."""
    post = _get_post(post_id)
    policy.require_review_post(viewer, post)
    return post
