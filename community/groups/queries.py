"""Reads of groups for a viewer; lists filter with policy's clauses in SQL."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from community import policy
from community.accounts.models import User, Viewer
from community.errors import NotFound
from community.extensions import db
from community.groups.models import Group, GroupMember, GroupRequest, SpaceGroup
from community.spaces.models import JoinRequestStatus, Space, Visibility


@dataclass(frozen=True)
class GroupRow:
    group: Group
    member_count: int


def get_visible_group_or_404(viewer: Viewer, group_id: int) -> Group:
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound
    policy.require_see_group(viewer, group)
    return group


def get_group_for_admin_or_404(viewer: Viewer, group_id: int) -> Group:
    policy.require_manage_groups(viewer)
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound
    return group


def list_visible_groups(viewer: Viewer) -> list[GroupRow]:
    """Groups the viewer may see, by name, with how many members each has."""
    member_count = (
        select(func.count(GroupMember.id)).where(GroupMember.group_id == Group.id).scalar_subquery()
    )
    statement = (
        select(Group, member_count)
        .where(policy.visible_groups_clause(viewer))
        .order_by(Group.name_lower)
    )
    return [GroupRow(group, count) for group, count in db.session.execute(statement)]


def list_group_members(viewer: Viewer, group: Group) -> list[GroupMember]:
    """Members, owners first; only for those who may see who is in the group."""
    if not policy.can_see_group_members(viewer, group):
        return []
    statement = (
        select(GroupMember)
        .join(User, GroupMember.user_id == User.id)
        .where(GroupMember.group_id == group.id)
        .options(selectinload(GroupMember.user))
        .order_by(GroupMember.is_owner.desc(), User.username_lower)
    )
    return list(db.session.scalars(statement))


def get_group_member_or_404(viewer: Viewer, group: Group, user_id: int) -> GroupMember:
    policy.require_manage_group_members(viewer, group)
    group_member = db.session.scalar(
        select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.user_id == user_id)
    )
    if group_member is None:
        raise NotFound
    return group_member


def list_granted_spaces(viewer: Viewer, group: Group) -> list[Space]:
    """The spaces a group opens, as far as the viewer may know of them: an unlisted
    space stays unnamed to those outside it."""
    statement = (
        select(Space)
        .join(SpaceGroup, SpaceGroup.space_id == Space.id)
        .where(SpaceGroup.group_id == group.id, policy.listed_spaces_clause(viewer))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))


def list_grantable_spaces(viewer: Viewer, group: Group) -> list[Space]:
    """Closed spaces the group does not open yet (admins)."""
    policy.require_manage_groups(viewer)
    granted = select(SpaceGroup.space_id).where(SpaceGroup.group_id == group.id)
    statement = (
        select(Space)
        .where(Space.visibility == Visibility.CLOSED, Space.id.not_in(granted))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))


def get_closed_space_for_admin_or_404(viewer: Viewer, space_id: int) -> Space:
    policy.require_manage_groups(viewer)
    space = db.session.get(Space, space_id)
    if space is None:
        raise NotFound
    return space


def list_groups_opening(viewer: Viewer, space: Space) -> list[Group]:
    """The groups a space is open to (the space's admin page)."""
    policy.require_manage_groups(viewer)
    statement = (
        select(Group)
        .join(SpaceGroup, SpaceGroup.group_id == Group.id)
        .where(SpaceGroup.space_id == space.id)
        .order_by(Group.name_lower)
    )
    return list(db.session.scalars(statement))


def get_pending_group_request(viewer: Viewer, group: Group) -> GroupRequest | None:
    """The viewer's own pending request to join this group, if any."""
    if not viewer.is_authenticated:
        return None
    return db.session.scalar(
        select(GroupRequest).where(
            GroupRequest.group_id == group.id,
            GroupRequest.user_id == viewer.id,
            GroupRequest.status == JoinRequestStatus.PENDING,
        )
    )


def list_pending_group_requests(viewer: Viewer, group: Group) -> list[GroupRequest]:
    """The group's queue, oldest first, for its owners and admins."""
    if not policy.can_manage_group_members(viewer, group):
        return []
    statement = (
        select(GroupRequest)
        .where(GroupRequest.group_id == group.id, GroupRequest.status == JoinRequestStatus.PENDING)
        .options(selectinload(GroupRequest.user))
        .order_by(GroupRequest.created_at, GroupRequest.id)
    )
    return list(db.session.scalars(statement))


def get_group_request_for_review_or_404(viewer: Viewer, request_id: int) -> GroupRequest:
    group_request = db.session.get(GroupRequest, request_id)
    if group_request is None:
        raise NotFound
    policy.require_manage_group_members(viewer, group_request.group)
    return group_request
