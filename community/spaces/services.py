"""Creating and changing spaces and their memberships (admins)."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.notifications import services as notifications
from community.notifications.models import NotificationKind
from community.spaces.models import (
    IDEA_VOTE_BUDGET_MAX,
    INVITE_DEFAULT_DAYS,
    INVITE_MAX_DAYS,
    INVITE_MAX_USES,
    JOIN_MESSAGE_MAX_LENGTH,
    JOIN_NOTE_MAX_LENGTH,
    SPACE_DESCRIPTION_MAX_LENGTH,
    SPACE_NAME_MAX_LENGTH,
    SPACE_SLUG_MAX_LENGTH,
    SPACE_SLUG_PATTERN,
    IdeaBoard,
    Invite,
    InviteUse,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipRole,
    Space,
    Visibility,
)

log = logging.getLogger(__name__)

# Tokens are 32 characters; anything much longer is not one of ours.
INVITE_TOKEN_MAX_LENGTH = 64

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
    accepts_join_requests: bool = False,
    idea_board: IdeaBoard = IdeaBoard.OFF,
    idea_vote_budget: int | None = None,
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
        accepts_join_requests=accepts_join_requests,
        idea_board=IdeaBoard(idea_board),
        idea_vote_budget=_check_vote_budget(idea_vote_budget),
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
    accepts_join_requests: bool = False,
    idea_board: IdeaBoard | None = None,
    idea_vote_budget: int | None = None,
) -> Space:
    """Change a space's settings; ``idea_board`` None keeps the current one."""
    policy.require_manage_spaces(actor)
    name, slug, description = _check_space_fields(name=name, slug=slug, description=description)
    space.name = name
    space.slug = slug
    space.description = description
    space.visibility = Visibility(visibility)
    space.is_listed = is_listed
    space.accepts_join_requests = accepts_join_requests
    if idea_board is not None:
        space.idea_board = IdeaBoard(idea_board)
    space.idea_vote_budget = _check_vote_budget(idea_vote_budget)
    _commit_slug(space)
    log.info("space.updated actor_id=%s space_id=%s visibility=%s", actor.id, space.id, visibility)
    return space


def _check_vote_budget(budget: int | None) -> int | None:
    if budget is not None and not 1 <= budget <= IDEA_VOTE_BUDGET_MAX:
        raise ValidationFailed(
            "idea_vote_budget", f"A vote budget is between 1 and {IDEA_VOTE_BUDGET_MAX}."
        )
    return budget


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


# --- join requests ------------------------------------------------------------


def request_to_join(actor: User, space: Space, *, message: str) -> JoinRequest:
    """Ask to join a closed space; raises ValidationFailed, NotFound, Forbidden."""
    policy.require_request_to_join(actor, space)
    message = (message or "").strip()
    if len(message) > JOIN_MESSAGE_MAX_LENGTH:
        raise ValidationFailed(
            "message", f"A message has at most {JOIN_MESSAGE_MAX_LENGTH} characters."
        )
    join_request = JoinRequest(space_id=space.id, user_id=actor.id, message=message)
    db.session.add(join_request)
    try:
        db.session.commit()
    except IntegrityError as error:  # the unique index on pending requests
        db.session.rollback()
        raise ValidationFailed(
            "message", "You have already asked to join; the moderators will answer soon."
        ) from error
    log.info("space.join_requested user_id=%s space_id=%s", actor.id, space.id)
    return join_request


def decide_join_request(
    actor: User, join_request: JoinRequest, *, is_approved: bool, note: str = ""
) -> JoinRequest:
    """Approve (adding the membership) or decline a pending request, and tell the
    requester. Deciding a request that is no longer pending changes nothing."""
    policy.require_review_join_requests(actor, join_request.space)
    note = (note or "").strip()
    if len(note) > JOIN_NOTE_MAX_LENGTH:
        raise ValidationFailed("note", f"A note has at most {JOIN_NOTE_MAX_LENGTH} characters.")
    # Only a pending row changes: a double-clicked approval acts once.
    decided = db.session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == join_request.id, JoinRequest.status == JoinRequestStatus.PENDING)
        .values(
            status=JoinRequestStatus.APPROVED if is_approved else JoinRequestStatus.DECLINED,
            decided_at=utcnow(),
            decided_by_id=actor.id,
            note=note,
        )
    ).rowcount
    if not decided:
        db.session.rollback()
        return join_request
    space, member = join_request.space, join_request.user
    if is_approved and space.id not in member.member_space_ids:
        db.session.add(Membership(space_id=space.id, user_id=member.id))
        db.session.flush()
        db.session.expire(member, ["memberships"])
    # The requester hears of it in-app (and by e-mail, as they choose), in this
    # transaction; the moderators' note is written to them alone.
    notifications.notify_member(
        member,
        NotificationKind.JOIN_APPROVED if is_approved else NotificationKind.JOIN_DECLINED,
        actor=actor,
        space=space,
        detail=note,
    )
    db.session.commit()
    db.session.refresh(join_request)
    log.info(
        "space.join_decided actor_id=%s request_id=%s approved=%s",
        actor.id, join_request.id, is_approved,
    )  # fmt: skip
    return join_request


# --- invites --------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(
    actor: User, space: Space, *, max_uses: int = 1, days: int = INVITE_DEFAULT_DAYS
) -> tuple[Invite, str]:
    """Make an invite link; returns the invite and its token, which is shown once."""
    policy.require_invite_to_space(actor, space)
    if not 1 <= max_uses <= INVITE_MAX_USES:
        raise ValidationFailed("max_uses", f"An invite works 1 to {INVITE_MAX_USES} times.")
    if not 1 <= days <= INVITE_MAX_DAYS:
        raise ValidationFailed("days", f"An invite lasts 1 to {INVITE_MAX_DAYS} days.")
    # 192 random bits: not guessable, so the link itself is the credential.
    token = secrets.token_urlsafe(24)
    invite = Invite(
        token_hash=_token_hash(token),
        space_id=space.id,
        created_by_id=actor.id,
        max_uses=max_uses,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invite)
    db.session.commit()
    log.info(
        "space.invite_created actor_id=%s space_id=%s invite_id=%s max_uses=%s days=%s",
        actor.id, space.id, invite.id, max_uses, days,
    )  # fmt: skip
    return invite, token


def find_invite(token: str) -> Invite | None:
    if not token or len(token) > INVITE_TOKEN_MAX_LENGTH:
        return None
    return db.session.scalar(select(Invite).where(Invite.token_hash == _token_hash(token)))


def invite_problem(invite: Invite) -> str | None:
    """Why the invite no longer works, in words for the person holding it."""
    if invite.is_revoked:
        return "This invite was withdrawn by the person who made it."
    if invite.is_expired:
        return "This invite has expired. Ask the person who sent it for a new one."
    if invite.is_used_up:
        return "This invite has been used as many times as it allows."
    return None


def accept_invite(actor: User, invite: Invite) -> Space:
    """Join the invite's space; raises ValidationFailed when the invite no longer works."""
    space = invite.space
    if policy.can_read_space(actor, space):
        return space  # already in: nothing to use up
    problem = invite_problem(invite)
    if problem:
        raise ValidationFailed(None, problem)
    # Counted with a condition, so concurrent uses never exceed max_uses.
    used = db.session.execute(
        update(Invite)
        .where(
            Invite.id == invite.id,
            Invite.use_count < Invite.max_uses,
            Invite.revoked_at.is_(None),
            Invite.expires_at > utcnow(),
        )
        .values(use_count=Invite.use_count + 1)
    ).rowcount
    if not used:
        db.session.rollback()
        raise ValidationFailed(None, "This invite has been used as many times as it allows.")
    db.session.add(Membership(space_id=space.id, user_id=actor.id))
    db.session.add(InviteUse(invite_id=invite.id, user_id=actor.id))
    db.session.commit()
    db.session.expire(actor, ["memberships"])
    log.info("space.invite_used user_id=%s space_id=%s invite_id=%s", actor.id, space.id, invite.id)
    return space


def revoke_invite(actor: User, invite: Invite) -> Invite:
    policy.require_invite_to_space(actor, invite.space)
    if invite.revoked_at is None:
        invite.revoked_at = utcnow()
        db.session.commit()
        log.info("space.invite_revoked actor_id=%s invite_id=%s", actor.id, invite.id)
    return invite
