"""Reads of sanctions for the moderation page, the sign-in page and the export."""

from __future__ import annotations

from sqlalchemy import and_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.elements import ColumnElement

from community import policy
from community.accounts.models import User, Viewer
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.sanctions.models import Sanction, SanctionKind


def get_member_to_moderate_or_404(viewer: Viewer, username: str) -> User:
    """A member's moderation page: for global moderators and admins, about a member
    they may know of (``policy.visible_members_clause``); raises NotFound otherwise."""
    policy.require_sanction_members(viewer)
    member = db.session.scalar(
        select(User).where(
            User.username_lower == (username or "").lower(),
            policy.visible_members_clause(viewer),
        )
    )
    if member is None:
        raise NotFound
    return member


def list_sanctions(member: User) -> list[Sanction]:
    """Every warning, silence and suspension of the member, newest first."""
    return list(
        db.session.scalars(
            select(Sanction)
            .where(Sanction.user_id == member.id)
            .options(selectinload(Sanction.created_by), selectinload(Sanction.lifted_by))
            .order_by(Sanction.id.desc())
        )
    )


def running_clause(member: User, kind: SanctionKind) -> ColumnElement[bool]:
    """A WHERE clause over ``Sanction``: the member's silences (or suspensions) that
    are neither lifted nor over."""
    return and_(
        Sanction.user_id == member.id,
        Sanction.kind == kind,
        Sanction.lifted_at.is_(None),
        Sanction.ends_at > utcnow(),
    )


def sanction_in_force(member: User, kind: SanctionKind) -> Sanction | None:
    """The silence or suspension the member is under now (the newest, should a second
    have replaced the first), or None."""
    return db.session.scalar(
        select(Sanction).where(running_clause(member, kind)).order_by(Sanction.id.desc()).limit(1)
    )
