"""Creating and changing spaces and their memberships (admins)."""

from __future__ import annotations

import logging
import re

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.notifications import services as notifications
from community.notifications.models import NotificationKind
from community.spaces.models import (
    IDEA_VOTE_BUDGET_MAX,
    JOIN_MESSAGE_MAX_LENGTH,
    JOIN_NOTE_MAX_LENGTH,
    SPACE_DESCRIPTION_MAX_LENGTH,
    SPACE_NAME_MAX_LENGTH,
    SPACE_SLUG_MAX_LENGTH,
    SPACE_SLUG_PATTERN,
    DecidedRequest,
    IdeaBoard,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    MembershipRole,
    Space,
    Visibility,
)

log = logging.getLogger(__name__)

# The settings a space's audit row names when they change (values, not texts).
AUDITED_SETTINGS = (
    "slug",
    "visibility",
    "is_listed",
    "accepts_join_requests",
    "approves_new_member_posts",
    "idea_board",
    "idea_vote_budget",
)

# Paths that a space slug would shadow if the URL layout ever flattened.
RESERVED_SLUGS = frozenset({"new", "admin", "edit", "login", "signup", "static"})


def _audit_space(actor: User, action: AuditAction, space: Space, detail: str) -> None:
    record_audit(
        actor, action, target_type=AuditTarget.SPACE, target_id=space.id, space=space, detail=detail
    )


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
    approves_new_member_posts: bool = False,
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
        approves_new_member_posts=approves_new_member_posts,
        idea_board=IdeaBoard(idea_board),
        idea_vote_budget=_check_vote_budget(idea_vote_budget),
    )
    db.session.add(space)
    _flush_slug(space)
    _audit_space(actor, AuditAction.SPACE_CREATE, space, f"visibility={space.visibility}")
    db.session.commit()
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
    approves_new_member_posts: bool | None = None,
    idea_board: IdeaBoard | None = None,
    idea_vote_budget: int | None = None,
) -> Space:
    """Change a space's settings; ``idea_board`` and ``approves_new_member_posts``
    None keep the current ones."""
    policy.require_manage_spaces(actor)
    name, slug, description = _check_space_fields(name=name, slug=slug, description=description)
    before = {setting: getattr(space, setting) for setting in AUDITED_SETTINGS}
    texts_before = (space.name, space.description)
    space.name = name
    space.slug = slug
    space.description = description
    space.visibility = Visibility(visibility)
    space.is_listed = is_listed
    space.accepts_join_requests = accepts_join_requests
    if approves_new_member_posts is not None:
        space.approves_new_member_posts = approves_new_member_posts
    if idea_board is not None:
        space.idea_board = IdeaBoard(idea_board)
    space.idea_vote_budget = _check_vote_budget(idea_vote_budget)
    changes = [
        f"{setting}:{old}->{getattr(space, setting)}"
        for setting, old in before.items()
        if getattr(space, setting) != old
    ]
    # Names and descriptions are recorded as changed, not copied.
    changes += [
        f"{label}:changed"
        for label, old, new in (
            ("name", texts_before[0], name),
            ("description", texts_before[1], description),
        )
        if old != new
    ]
    _flush_slug(space)
    if changes:
        _audit_space(actor, AuditAction.SPACE_UPDATE, space, ",".join(changes))
    db.session.commit()
    log.info("space.updated actor_id=%s space_id=%s visibility=%s", actor.id, space.id, visibility)
    return space


def _check_vote_budget(budget: int | None) -> int | None:
    if budget is not None and not 1 <= budget <= IDEA_VOTE_BUDGET_MAX:
        raise ValidationFailed(
            "idea_vote_budget", f"A vote budget is between 1 and {IDEA_VOTE_BUDGET_MAX}."
        )
    return budget


def _flush_slug(space: Space) -> None:
    try:
        db.session.flush()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed("slug", "Another space already uses that address.") from error


def set_member_invites(actor: User, space: Space, *, is_allowed: bool) -> Space:
    """Let members at trust level 2+ invite people into a closed space, or stop them."""
    policy.require_allow_member_invites(actor, space)
    if space.allows_member_invites is is_allowed:
        return space
    _audit_space(
        actor,
        AuditAction.SPACE_UPDATE,
        space,
        f"allows_member_invites:{space.allows_member_invites}->{is_allowed}",
    )
    space.allows_member_invites = is_allowed
    db.session.commit()
    log.info(
        "space.member_invites actor_id=%s space_id=%s allowed=%s", actor.id, space.id, is_allowed
    )
    return space


def add_member(
    actor: User, space: Space, member: User, *, role: MembershipRole = MembershipRole.MEMBER
) -> Membership:
    """Add a member (or change their role) in a space."""
    policy.require_manage_spaces(actor)
    membership = next((m for m in member.memberships if m.space_id == space.id), None)
    audit = {"target_type": AuditTarget.MEMBER, "target_id": member.id, "space": space}
    if membership is None:
        membership = Membership(space=space, user=member, role=role)
        db.session.add(membership)
        record_audit(actor, AuditAction.SPACE_MEMBER_ADD, detail=f"role={role}", **audit)
    elif membership.role is not role:
        record_audit(
            actor, AuditAction.SPACE_MEMBER_ROLE, detail=f"{membership.role}->{role}", **audit
        )
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
    removed = db.session.execute(
        delete(Membership).where(Membership.space_id == space.id, Membership.user_id == member.id)
    ).rowcount
    if removed:
        record_audit(
            actor,
            AuditAction.SPACE_MEMBER_REMOVE,
            target_type=AuditTarget.MEMBER,
            target_id=member.id,
            space=space,
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
    decided = decide_pending_request(
        JoinRequest, join_request.id, actor=actor, is_approved=is_approved, note=note
    )
    if not decided:
        db.session.rollback()
        return join_request
    space, member = join_request.space, join_request.user
    # A direct membership, even for someone who reads the space through a group: the
    # moderators let this person in, whatever becomes of the group.
    if is_approved and space.id not in {m.space_id for m in member.memberships}:
        db.session.add(Membership(space_id=space.id, user_id=member.id))
        db.session.flush()
        db.session.expire(member, ["memberships"])
    record_audit(
        actor,
        AuditAction.JOIN_REQUEST_APPROVE if is_approved else AuditAction.JOIN_REQUEST_DECLINE,
        target_type=AuditTarget.JOIN_REQUEST,
        target_id=join_request.id,
        space=space,
        reason=note,
    )
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


def decide_pending_request(
    request_model: type[DecidedRequest],
    request_id: int,
    *,
    actor: User,
    is_approved: bool,
    note: str,
) -> bool:
    """Mark a request to join (a space's or a group's) approved or declined, in the
    caller's transaction; False when it was no longer pending.

    Only a pending row changes: a double-clicked approval acts once.
    """
    decided = db.session.execute(
        update(request_model)
        .where(
            request_model.id == request_id,
            request_model.status == JoinRequestStatus.PENDING,
        )
        .values(
            status=JoinRequestStatus.APPROVED if is_approved else JoinRequestStatus.DECLINED,
            decided_at=utcnow(),
            decided_by_id=actor.id,
            note=note,
        )
    ).rowcount
    return bool(decided)
