"""Changing groups: the groups themselves, their members and owners, requests to join
them, and the closed spaces they open. Every change writes its audit row."""

from __future__ import annotations

import logging

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.errors import Forbidden, ValidationFailed
from community.extensions import db
from community.groups.models import (
    GROUP_DESCRIPTION_MAX_LENGTH,
    GROUP_NAME_MAX_LENGTH,
    GROUP_REQUEST_MESSAGE_MAX_LENGTH,
    GROUP_REQUEST_NOTE_MAX_LENGTH,
    Group,
    GroupMember,
    GroupRequest,
    SpaceGroup,
)
from community.mail import external_url, send_mail
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.spaces.models import JoinRequestStatus, Space, Visibility
from community.spaces.services import decide_pending_request

log = logging.getLogger(__name__)


def _check_group_fields(*, name: str, description: str) -> tuple[str, str]:
    name = " ".join((name or "").split())
    description = (description or "").strip()
    if not name:
        raise ValidationFailed("name", "Give the group a name.")
    if len(name) > GROUP_NAME_MAX_LENGTH:
        raise ValidationFailed("name", f"A name has at most {GROUP_NAME_MAX_LENGTH} characters.")
    if len(description) > GROUP_DESCRIPTION_MAX_LENGTH:
        raise ValidationFailed(
            "description",
            f"A description has at most {GROUP_DESCRIPTION_MAX_LENGTH} characters.",
        )
    return name, description


def _flush_name() -> None:
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed("name", "Another group already has that name.") from error


def _audit_group(actor: User, action: AuditAction, group: Group, **fields: object) -> None:
    record_audit(actor, action, target_type=AuditTarget.GROUP, target_id=group.id, **fields)


def _audit_member(
    actor: User, action: AuditAction, group: Group, member: User, detail: str = ""
) -> None:
    """A change to who is in a group names the member as its target, as a space's
    membership changes do; the group goes in the detail."""
    record_audit(
        actor,
        action,
        target_type=AuditTarget.MEMBER,
        target_id=member.id,
        detail=f"group={group.id}" + (f" {detail}" if detail else ""),
    )


def _forget_groups(member: User) -> None:
    """Reload the member's groups and the spaces they open at the next check."""
    db.session.expire(member, ["group_memberships", "group_space_grants"])


# --- groups ---------------------------------------------------------------------


def create_group(
    actor: User, *, name: str, description: str = "", accepts_requests: bool = False
) -> Group:
    """Create a group; raises ValidationFailed (a taken name included)."""
    policy.require_manage_groups(actor)
    name, description = _check_group_fields(name=name, description=description)
    group = Group(
        name=name,
        name_lower=name.lower(),
        description=description,
        accepts_requests=accepts_requests,
    )
    db.session.add(group)
    _flush_name()
    _audit_group(actor, AuditAction.GROUP_CREATE, group)
    db.session.commit()
    log.info("group.created actor_id=%s group_id=%s", actor.id, group.id)
    return group


def update_group(
    actor: User, group: Group, *, name: str, description: str, accepts_requests: bool
) -> Group:
    policy.require_manage_groups(actor)
    name, description = _check_group_fields(name=name, description=description)
    changes = []
    if name != group.name:
        changes.append("name:changed")
    if description != group.description:
        changes.append("description:changed")
    if accepts_requests is not group.accepts_requests:
        changes.append(f"accepts_requests:{group.accepts_requests}->{accepts_requests}")
    group.name, group.name_lower = name, name.lower()
    group.description = description
    group.accepts_requests = accepts_requests
    _flush_name()
    if changes:
        _audit_group(actor, AuditAction.GROUP_UPDATE, group, detail=",".join(changes))
    db.session.commit()
    log.info("group.updated actor_id=%s group_id=%s changes=%s", actor.id, group.id, changes)
    return group


def delete_group(actor: User, group: Group) -> None:
    """Delete a group: its members lose the spaces it opened (direct members keep theirs)."""
    policy.require_manage_groups(actor)
    _audit_group(actor, AuditAction.GROUP_DELETE, group)
    group_id = group.id
    db.session.delete(group)
    db.session.commit()
    log.info("group.deleted actor_id=%s group_id=%s", actor.id, group_id)


# --- members and owners -----------------------------------------------------------


def add_group_member(actor: User, group: Group, member: User) -> GroupMember:
    """Add a member (owners and admins); raises ValidationFailed if they are in already."""
    policy.require_manage_group_members(actor, group)
    group_member = GroupMember(group_id=group.id, user_id=member.id)
    db.session.add(group_member)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed(
            "username", f"{member.username} is in {group.name} already."
        ) from error
    _audit_member(actor, AuditAction.GROUP_MEMBER_ADD, group, member)
    db.session.commit()
    _forget_groups(member)
    log.info("group.member_added actor_id=%s group_id=%s user_id=%s", actor.id, group.id, member.id)
    return group_member


def remove_group_member(actor: User, group: Group, member: User) -> None:
    """Take a member out; only admins take out an owner. Removing twice changes nothing."""
    policy.require_manage_group_members(actor, group)
    if group.id in member.owned_group_ids and not policy.can_manage_groups(actor):
        raise Forbidden
    removed = db.session.execute(
        delete(GroupMember).where(
            GroupMember.group_id == group.id, GroupMember.user_id == member.id
        )
    ).rowcount
    if removed:
        _audit_member(actor, AuditAction.GROUP_MEMBER_REMOVE, group, member)
    db.session.commit()
    _forget_groups(member)
    if removed:
        log.info(
            "group.member_removed actor_id=%s group_id=%s user_id=%s",
            actor.id, group.id, member.id,
        )  # fmt: skip


def set_group_owner(actor: User, group: Group, member: User, *, is_owner: bool) -> GroupMember:
    """Make a member of the group an owner, or not (admins); raises ValidationFailed
    for someone outside the group."""
    policy.require_manage_groups(actor)
    group_member = next((m for m in member.group_memberships if m.group_id == group.id), None)
    if group_member is None:
        raise ValidationFailed(None, f"{member.username} is not in {group.name}.")
    if group_member.is_owner is not is_owner:
        _audit_member(
            actor, AuditAction.GROUP_OWNER, group, member, f"{group_member.is_owner}->{is_owner}"
        )
        group_member.is_owner = is_owner
        db.session.commit()
        log.info(
            "group.owner actor_id=%s group_id=%s user_id=%s owner=%s",
            actor.id, group.id, member.id, is_owner,
        )  # fmt: skip
    return group_member


# --- the spaces a group opens --------------------------------------------------------


def grant_space(actor: User, group: Group, space: Space) -> SpaceGroup:
    """Open a closed space to every member of the group; raises ValidationFailed."""
    policy.require_manage_groups(actor)
    if space.visibility is not Visibility.CLOSED:
        raise ValidationFailed(
            "space",
            "Only closed spaces are opened to groups: public spaces are open to everyone "
            "and employee spaces to staff.",
        )
    grant = SpaceGroup(space_id=space.id, group_id=group.id)
    db.session.add(grant)
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed("space", f"{group.name} opens {space.name} already.") from error
    _audit_group(actor, AuditAction.SPACE_GROUP_GRANT, group, space=space)
    db.session.commit()
    log.info(
        "group.space_granted actor_id=%s group_id=%s space_id=%s", actor.id, group.id, space.id
    )
    return grant


def revoke_space(actor: User, group: Group, space: Space) -> None:
    policy.require_manage_groups(actor)
    revoked = db.session.execute(
        delete(SpaceGroup).where(SpaceGroup.group_id == group.id, SpaceGroup.space_id == space.id)
    ).rowcount
    if revoked:
        _audit_group(actor, AuditAction.SPACE_GROUP_REVOKE, group, space=space)
    db.session.commit()
    if revoked:
        log.info(
            "group.space_revoked actor_id=%s group_id=%s space_id=%s",
            actor.id, group.id, space.id,
        )  # fmt: skip


# --- requests to join -----------------------------------------------------------------


def request_group_membership(actor: User, group: Group, *, message: str) -> GroupRequest:
    """Ask a group's owners to be let in; raises ValidationFailed, NotFound, Forbidden."""
    policy.require_request_group_membership(actor, group)
    message = (message or "").strip()
    if len(message) > GROUP_REQUEST_MESSAGE_MAX_LENGTH:
        raise ValidationFailed(
            "message", f"A message has at most {GROUP_REQUEST_MESSAGE_MAX_LENGTH} characters."
        )
    group_request = GroupRequest(group_id=group.id, user_id=actor.id, message=message)
    db.session.add(group_request)
    try:
        db.session.commit()
    except IntegrityError as error:  # the unique index on pending requests
        db.session.rollback()
        raise ValidationFailed(
            "message", "You have already asked to join; the group's owners will answer soon."
        ) from error
    log.info("group.requested user_id=%s group_id=%s", actor.id, group.id)
    return group_request


def decide_group_request(
    actor: User, group_request: GroupRequest, *, is_approved: bool, note: str = ""
) -> GroupRequest:
    """Approve (adding the member) or decline a pending request, and tell the
    requester. Deciding a request that is no longer pending changes nothing."""
    group = group_request.group
    policy.require_manage_group_members(actor, group)
    note = (note or "").strip()
    if len(note) > GROUP_REQUEST_NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "note", f"A note has at most {GROUP_REQUEST_NOTE_MAX_LENGTH} characters."
        )
    decided = decide_pending_request(
        GroupRequest, group_request.id, actor=actor, is_approved=is_approved, note=note
    )
    if not decided:
        db.session.rollback()
        return group_request
    member = group_request.user
    if is_approved and group.id not in member.group_ids:
        db.session.add(GroupMember(group_id=group.id, user_id=member.id))
    record_audit(
        actor,
        AuditAction.GROUP_REQUEST_APPROVE if is_approved else AuditAction.GROUP_REQUEST_DECLINE,
        target_type=AuditTarget.GROUP_REQUEST,
        target_id=group_request.id,
        reason=note,
        detail=f"group={group.id}",
    )
    db.session.commit()
    db.session.refresh(group_request)
    _forget_groups(member)
    log.info(
        "group.request_decided actor_id=%s request_id=%s approved=%s",
        actor.id, group_request.id, is_approved,
    )  # fmt: skip
    _tell_requester(group_request)
    return group_request


def _tell_requester(group_request: GroupRequest) -> None:
    group = group_request.group
    if group_request.status is JoinRequestStatus.APPROVED:
        subject = f"You are now in {group.name}"
        body = (
            f"Your request to join the group {group.name} was approved:\n\n"
            f"{external_url('groups.show', group_id=group.id)}"
        )
    else:
        subject = f"Your request to join {group.name}"
        body = f"The owners of {group.name} declined your request to join."
    if group_request.note:
        body += f"\n\nTheir note:\n{group_request.note}"
    send_mail(group_request.user.email, subject, body)
