"""Reads of spaces for a viewer; every list is filtered by policy in SQL."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community import policy
from community.accounts.models import User, Viewer
from community.errors import NotFound
from community.extensions import db
from community.spaces.models import (
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Space,
    Visibility,
)


def _space_by_slug(slug: str) -> Space | None:
    return db.session.scalar(select(Space).where(Space.slug == slug))


def get_readable_space_or_404(viewer: Viewer, slug: str) -> Space:
    space = _space_by_slug(slug)
    if space is None:
        raise NotFound
    policy.require_read_space(viewer, space)
    return space


def get_listed_space_or_404(viewer: Viewer, slug: str) -> Space:
    """A space the viewer may at least see in the directory (name, how to join)."""
    space = _space_by_slug(slug)
    if space is None or not policy.can_see_space_listing(viewer, space):
        raise NotFound
    return space


def list_directory_spaces(viewer: Viewer) -> list[Space]:
    statement = (
        select(Space)
        .where(policy.listed_spaces_clause(viewer))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))


def list_postable_spaces(viewer: Viewer) -> list[Space]:
    if not viewer.is_authenticated or not viewer.is_confirmed:
        return []
    statement = (
        select(Space)
        .where(policy.readable_spaces_clause(viewer))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))


def get_space_for_admin_or_404(viewer: Viewer, slug: str) -> Space:
    policy.require_manage_spaces(viewer)
    space = _space_by_slug(slug)
    if space is None:
        raise NotFound
    return space


def list_spaces_for_admin(viewer: Viewer, *, visibility: Visibility | None = None) -> list[Space]:
    policy.require_manage_spaces(viewer)
    statement = select(Space).order_by(Space.position, Space.name)
    if visibility is not None:
        statement = statement.where(Space.visibility == visibility)
    return list(db.session.scalars(statement))


def get_space_by_id_for_admin_or_404(viewer: Viewer, space_id: int) -> Space:
    policy.require_manage_spaces(viewer)
    space = db.session.get(Space, space_id)
    if space is None:
        raise NotFound
    return space


def list_memberships_for_admin(viewer: Viewer, space: Space) -> list[Membership]:
    policy.require_manage_spaces(viewer)
    statement = (
        select(Membership)
        .join(User, Membership.user_id == User.id)
        .where(Membership.space_id == space.id)
        .options(selectinload(Membership.user))
        .order_by(User.username_lower)
    )
    return list(db.session.scalars(statement))


def get_membership_for_admin_or_404(viewer: Viewer, space: Space, user_id: int) -> Membership:
    policy.require_manage_spaces(viewer)
    membership = db.session.scalar(
        select(Membership).where(Membership.space_id == space.id, Membership.user_id == user_id)
    )
    if membership is None:
        raise NotFound
    return membership


def find_user_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_lower == username.strip().lower()))


def get_pending_join_request(viewer: Viewer, space: Space) -> JoinRequest | None:
    """The viewer's own pending request for this space, if any."""
    if not viewer.is_authenticated:
        return None
    return db.session.scalar(
        select(JoinRequest).where(
            JoinRequest.space_id == space.id,
            JoinRequest.user_id == viewer.id,
            JoinRequest.status == JoinRequestStatus.PENDING,
        )
    )


def list_pending_join_requests(viewer: Viewer, space: Space) -> list[JoinRequest]:
    """The space's queue, oldest first, for those who review it."""
    policy.require_review_join_requests(viewer, space)
    statement = (
        select(JoinRequest)
        .where(JoinRequest.space_id == space.id, JoinRequest.status == JoinRequestStatus.PENDING)
        .options(selectinload(JoinRequest.user))
        .order_by(JoinRequest.created_at, JoinRequest.id)
    )
    return list(db.session.scalars(statement))


def get_join_request_for_review_or_404(viewer: Viewer, request_id: int) -> JoinRequest:
    join_request = db.session.get(JoinRequest, request_id)
    if join_request is None:
        raise NotFound
    policy.require_review_join_requests(viewer, join_request.space)
    return join_request
