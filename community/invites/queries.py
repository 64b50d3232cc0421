"""Reads of invites for a viewer."""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import selectinload

from community import policy
from community.accounts.models import User, Viewer
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.groups.models import Group
from community.invites.models import (
    INVITE_TOKEN_MAX_LENGTH,
    Invite,
    InviteUse,
    hash_token,
    invite_spaces,
)
from community.spaces.models import Space

# The invites page shows the latest ones; older invites have long expired.
INVITES_LISTED = 50


def _with_details(statement: Select[tuple[Invite]]) -> Select[tuple[Invite]]:
    return statement.options(
        selectinload(Invite.spaces),
        selectinload(Invite.group),
        selectinload(Invite.created_by),
        selectinload(Invite.uses).selectinload(InviteUse.user),
    )


def find_invite(token: str) -> Invite | None:
    """The invite a link's token names; None for a forged or mistyped one."""
    if not token or len(token) > INVITE_TOKEN_MAX_LENGTH:
        return None
    statement = select(Invite).where(Invite.token_hash == hash_token(token))
    return db.session.scalar(_with_details(statement))


def has_used(user: User, invite: Invite) -> bool:
    return bool(
        db.session.scalar(
            select(exists().where(InviteUse.invite_id == invite.id, InviteUse.user_id == user.id))
        )
    )


def has_everything_from(viewer: Viewer, invite: Invite) -> bool:
    """Whether using the invite would give the viewer nothing: they used it already,
    or hold every space, group and status it grants."""
    if not viewer.is_authenticated:
        return False
    if has_used(viewer, invite):
        return True
    if invite.grants_only_an_account:
        return False  # an invite to the community gives its first use (trust level 1)
    if not all(policy.can_read_space(viewer, space) for space in invite.spaces):
        return False
    if invite.group_id is not None and invite.group_id not in viewer.group_ids:
        return False
    return viewer.is_employee or not invite.grants_employee


def list_space_invites(viewer: Viewer, space: Space) -> list[Invite]:
    """Invites into a space, newest first: all of them for its moderators, one's own
    for a member who invites."""
    policy.require_invite_to_space(viewer, space)
    statement = (
        select(Invite)
        .join(invite_spaces, invite_spaces.c.invite_id == Invite.id)
        .where(invite_spaces.c.space_id == space.id)
        .order_by(Invite.created_at.desc(), Invite.id.desc())
        .limit(INVITES_LISTED)
    )
    if not policy.can_allow_member_invites(viewer, space):
        statement = statement.where(Invite.created_by_id == viewer.id)
    return list(db.session.scalars(_with_details(statement)))


def list_own_invites(viewer: Viewer) -> list[Invite]:
    """The invites the viewer made, newest first, with who joined through each."""
    if not viewer.is_authenticated:
        return []
    statement = (
        select(Invite)
        .where(Invite.created_by_id == viewer.id)
        .order_by(Invite.created_at.desc(), Invite.id.desc())
        .limit(INVITES_LISTED)
    )
    return list(db.session.scalars(_with_details(statement)))


def list_invites_from_submission(viewer: Viewer, submission_token: str | None) -> list[Invite]:
    if not submission_token or not viewer.is_authenticated:
        return []
    statement = select(Invite).where(
        Invite.created_by_id == viewer.id, Invite.submission_token == submission_token
    )
    return list(db.session.scalars(_with_details(statement.order_by(Invite.id))))


def get_invite_for_withdrawal_or_404(viewer: Viewer, invite_id: int) -> Invite:
    invite = db.session.get(Invite, invite_id)
    if invite is None:
        raise NotFound
    policy.require_withdraw_invite(viewer, invite)
    return invite


def list_invitable_spaces(viewer: Viewer) -> list[Space]:
    """The closed spaces the viewer may invite people into, for the form's choices."""
    statement = (
        select(Space)
        .where(policy.invitable_spaces_clause(viewer))
        .order_by(Space.position, Space.name)
    )
    return list(db.session.scalars(statement))


def get_space_for_invite_or_404(viewer: Viewer, space_id: int) -> Space:
    """A space named in the invite form: hidden ones answer like missing ones."""
    space = db.session.get(Space, space_id)
    if space is None:
        raise NotFound
    policy.require_read_space(viewer, space)
    return space


def list_grantable_groups(viewer: Viewer) -> list[Group]:
    statement = (
        select(Group).where(policy.grantable_groups_clause(viewer)).order_by(Group.name_lower)
    )
    return list(db.session.scalars(statement))


def list_invites_waiting_for(user: User) -> list[Invite]:
    """Invites mailed to the member's confirmed address that still work and that they
    have not used: the welcome checklist names what they offer.

    Only for a confirmed address: anyone can sign up with someone else's.
    """
    if not user.is_confirmed:
        return []
    statement = select(Invite).where(
        Invite.email == user.email,
        Invite.revoked_at.is_(None),
        Invite.use_count < Invite.max_uses,
        Invite.expires_at > utcnow(),
        ~exists().where(InviteUse.invite_id == Invite.id, InviteUse.user_id == user.id),
    )
    return list(db.session.scalars(_with_details(statement.order_by(Invite.id))))
