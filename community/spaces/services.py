"""Creating and changing spaces and their memberships (admins)."""

from __future__ import annotations

import logging
import re

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.errors import ValidationFailed
from community.extensions import db
from community.spaces.models import (
    SPACE_DESCRIPTION_MAX_LENGTH,
    SPACE_NAME_MAX_LENGTH,
    SPACE_SLUG_MAX_LENGTH,
    SPACE_SLUG_PATTERN,
    Membership,
    MembershipRole,
    Space,
    Visibility,
)

log = logging.getLogger(__name__)

# Paths that a space slug would shadow if the URL layout ever flattened.
RESERVED_SLUGS = frozenset({"new", "admin", "edit", "login", "signup", "static"})


def _check_space_fields(*, name: str, slug: str, description: str) -> tuple[str, str, str]:
    name = " ".join((name or "").split())
    slug = (slug or "").strip().lower()
    description = (description or "").strip()
    if not name:
        raise ValidationFailed("name", "Give the space a name.")
    if len(name) > SPACE_NAME_MAX_LENGTH:
        raise ValidationFailed("name", f"A name has at most {SPACE_NAME_MAX_LENGTH} characters.")
    if not slug or len(slug) > SPACE_SLUG_MAX_LENGTH or not re.fullmatch(SPACE_SLUG_PATTERN, slug):
        raise ValidationFailed(
            "slug",
            f"Use lower-case letters, digits and single dashes, at most {SPACE_SLUG_MAX_LENGTH}.",
        )
    if slug in RESERVED_SLUGS:
        raise ValidationFailed("slug", f"“{slug}” is reserved; choose another.")
    if len(description) > SPACE_DESCRIPTION_MAX_LENGTH:
        raise ValidationFailed(
            "description",
            f"A description has at most {SPACE_DESCRIPTION_MAX_LENGTH} characters.",
        )
    return name, slug, description


def create_space(
    actor: User,
    *,
    name: str,
    slug: str,
    description: str = "",
    visibility: Visibility,
    is_listed: bool = True,
) -> Space:
    """Create a space; raises ValidationFailed (a taken slug included)."""
    policy.require_manage_spaces(actor)
    name, slug, description = _check_space_fields(name=name, slug=slug, description=description)
    space = Space(
        name=name,
        slug=slug,
        description=description,
        visibility=Visibility(visibility),
        is_listed=is_listed,
    )
    db.session.add(space)
    _commit_slug(space)
    log.info("space.created actor_id=%s space_id=%s visibility=%s", actor.id, space.id, visibility)
    return space


def update_space(
    actor: User,
    space: Space,
    *,
    name: str,
    slug: str,
    description: str,
    visibility: Visibility,
    is_listed: bool,
) -> Space:
    policy.require_manage_spaces(actor)
    name, slug, description = _check_space_fields(name=name, slug=slug, description=description)
    space.name = name
    space.slug = slug
    space.description = description
    space.visibility = Visibility(visibility)
    space.is_listed = is_listed
    _commit_slug(space)
    log.info("space.updated actor_id=%s space_id=%s visibility=%s", actor.id, space.id, visibility)
    return space


def _commit_slug(space: Space) -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed("slug", "Another space already uses that address.") from error


def add_member(
    actor: User, space: Space, member: User, *, role: MembershipRole = MembershipRole.MEMBER
) -> Membership:
    """Add a member (or change their role) in a space."""
    policy.require_manage_spaces(actor)
    membership = next((m for m in member.memberships if m.space_id == space.id), None)
    if membership is None:
        membership = Membership(space=space, user=member, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    try:
        db.session.commit()
    except IntegrityError as error:  # a concurrent add of the same member
        db.session.rollback()
        raise ValidationFailed("username", "That member was just added.") from error
    log.info(
        "space.member_added actor_id=%s space_id=%s user_id=%s role=%s",
        actor.id, space.id, member.id, role,
    )  # fmt: skip
    return membership


def remove_member(actor: User, space: Space, member: User) -> None:
    policy.require_manage_spaces(actor)
    db.session.execute(
        delete(Membership).where(Membership.space_id == space.id, Membership.user_id == member.id)
    )
    db.session.commit()
    db.session.expire(member, ["memberships"])
    log.info(
        "space.member_removed actor_id=%s space_id=%s user_id=%s", actor.id, space.id, member.id
    )
