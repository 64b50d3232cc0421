"""Reads of accounts for a viewer."""

from __future__ import annotations

import time

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from community import policy
from community.accounts.models import User, Viewer
from community.errors import NotFound
from community.extensions import db

MEMBERS_PER_PAGE = 50
# "<id>:<session_version>:<signed in at>", as User.get_id writes it.
SESSION_ID_PARTS = 3


def load_user_for_session(session_id: str) -> User | None:
    """Flask-Login's user loader: ``"<id>:<session_version>:<signed in at>"`` -> User.

    None for a session that was ended (its version is not the member's current one:
    sign-out, password change, "sign out everywhere") and for a sign-in older than
    ``SESSION_ABSOLUTE_LIFETIME``, remember-me cookies included.
    """
    parts = session_id.split(":")
    if len(parts) != SESSION_ID_PARTS or not all(part.isdigit() for part in parts):
        return None
    user_id, version, signed_in_at = (int(part) for part in parts)
    age = time.time() - signed_in_at
    if age > current_app.config["SESSION_ABSOLUTE_LIFETIME"].total_seconds() or age < 0:
        return None
    # What policy asks of every viewer (spaces, direct and through groups; groups
    # owned) comes in the same query, so a page pays for it once.
    user = db.session.get(
        User,
        user_id,
        options=[
            joinedload(User.memberships),
            joinedload(User.group_memberships),
            joinedload(User.group_space_grants),
        ],
    )
    if user is None or user.session_version != version:
        return None
    # A suspension ends every open session at its next request, whatever its version.
    if not policy.can_sign_in(user):
        return None
    return user


def get_member_or_404(user_id: int) -> User:
    """A member by id: members are not hidden, their content is (policy decides that)."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound
    return user


def get_member_for_admin_or_404(viewer: Viewer, user_id: int) -> User:
    policy.require_manage_members(viewer)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound
    return user


def list_members_for_admin(viewer: Viewer, *, query: str = "", page: int = 1) -> list[User]:
    policy.require_manage_members(viewer)
    statement = select(User).order_by(User.username_lower)
    query = query.strip().lower()
    if query:
        like = f"%{query.replace('%', '').replace('_', '')}%"
        statement = statement.where((User.username_lower.like(like)) | (User.email.like(like)))
    offset = (max(page, 1) - 1) * MEMBERS_PER_PAGE
    return list(db.session.scalars(statement.limit(MEMBERS_PER_PAGE).offset(offset)))


def count_members() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
