"""Making, using and withdrawing invites.

An invite never grants more than its creator may grant: policy checks every grant
when it is made, and again when it is used (a moderator who has since stepped down
no longer lets people in).
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import TrustLevel, User
from community.accounts.services import normalize_email
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.groups.models import Group, GroupMember
from community.invites import queries
from community.invites.models import (
    INVITE_DEFAULT_DAYS,
    INVITE_EMAILS_MAX,
    INVITE_MAX_DAYS,
    INVITE_MAX_USES,
    Invite,
    InviteUse,
    hash_token,
)
from community.mail import external_url, send_mail
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.spaces.models import Membership, Space

log = logging.getLogger(__name__)

# 192 random bits: not guessable, so the link itself is the credential.
TOKEN_BYTES = 24
USED_UP = "This invite has been used as many times as it allows."
NO_LONGER_GRANTABLE = (
    "This invite no longer works: the person who made it can no longer give what it "
    "offers. Ask them for a new one."
)


@dataclass(frozen=True)
class MadeInvites:
    """What a submitted invite form made: one link to share, or one invite per address."""

    invites: list[Invite]
    # The shareable link's token, shown once; None for e-mailed invites.
    link_token: str | None = None
    # The same form came back (a double click): nothing new was made or mailed.
    is_repeat: bool = False


def split_addresses(raw: str | None) -> list[str]:
    """What was typed, split at commas, semicolons, spaces and line ends, repeats dropped."""
    return list(dict.fromkeys(part for part in re.split(r"[\s,;]+", raw or "") if part))


def parse_addresses(raw: str | None) -> list[str]:
    """The normalised addresses typed; raises ValidationFailed naming the first bad one."""
    addresses: list[str] = []
    for part in split_addresses(raw):
        try:
            address = normalize_email(part, field="emails")
        except ValidationFailed as error:
            raise ValidationFailed("emails", f"“{part[:80]}” is not an e-mail address.") from error
        if address not in addresses:
            addresses.append(address)
    if len(addresses) > INVITE_EMAILS_MAX:
        raise ValidationFailed("emails", f"Invite at most {INVITE_EMAILS_MAX} addresses at once.")
    return addresses


def create_invites(
    actor: User,
    *,
    spaces: list[Space] | tuple[Space, ...] = (),
    group: Group | None = None,
    is_employee: bool = False,
    max_uses: int = 1,
    days: int = INVITE_DEFAULT_DAYS,
    emails: str = "",
    submission_token: str | None = None,
) -> MadeInvites:
    """Make an invite link, or mail one single-use invite to each address.

    Raises NotFound for a space or group the actor cannot see, Forbidden when the
    invite would grant more than they may (nothing is made), ValidationFailed for
    bad numbers or addresses.
    """
    spaces = list(dict.fromkeys(spaces))
    policy.require_grant_invite(actor, spaces=spaces, group=group, is_employee=is_employee)
    if not 1 <= max_uses <= INVITE_MAX_USES:
        raise ValidationFailed("max_uses", f"An invite works 1 to {INVITE_MAX_USES} times.")
    if not 1 <= days <= INVITE_MAX_DAYS:
        raise ValidationFailed("days", f"An invite lasts 1 to {INVITE_MAX_DAYS} days.")
    addresses = parse_addresses(emails)
    expires_at = utcnow() + timedelta(days=days)
    made: list[tuple[Invite, str]] = []
    for address in addresses or [""]:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        invite = Invite(
            token_hash=hash_token(token),
            created_by_id=actor.id,
            group_id=group.id if group is not None else None,
            grants_employee=is_employee,
            email=address,
            submission_token=submission_token or None,
            # Each address gets its own invite, which works once.
            max_uses=1 if address else max_uses,
            expires_at=expires_at,
            spaces=list(spaces),
        )
        db.session.add(invite)
        made.append((invite, token))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return _made_by_submission(actor, submission_token)
    for invite, _token in made:
        record_audit(
            actor,
            AuditAction.INVITE_CREATE,
            target_type=AuditTarget.INVITE,
            target_id=invite.id,
            space=spaces[0] if len(spaces) == 1 else None,
            detail=_grant_detail(invite, days),
        )
    db.session.commit()
    log.info(
        "invite.created actor_id=%s invites=%s spaces=%s group_id=%s employee=%s emailed=%s",
        actor.id, len(made), [space.id for space in spaces], invite.group_id, is_employee,
        bool(addresses),
    )  # fmt: skip
    for invite, token in made:
        if invite.email:
            _mail_invite(actor, invite, token)
    return MadeInvites(
        invites=[invite for invite, _token in made],
        link_token=None if addresses else made[0][1],
    )


def _made_by_submission(actor: User, submission_token: str | None) -> MadeInvites:
    # Only the submission constraint can have clashed (tokens are random), so the
    # earlier submit's invites exist; anything else is a real error.
    earlier = queries.list_invites_from_submission(actor, submission_token)
    if not earlier:
        raise RuntimeError("an invite insert failed on a constraint other than its submission")
    log.info("invite.resubmitted actor_id=%s invites=%s", actor.id, len(earlier))
    return MadeInvites(invites=earlier, is_repeat=True)


def _grant_detail(invite: Invite, days: int) -> str:
    """What an invite grants, as ids and numbers for the audit log."""
    parts = []
    if invite.spaces:
        parts.append("spaces=" + ",".join(str(space.id) for space in invite.spaces))
    if invite.group_id is not None:
        parts.append(f"group={invite.group_id}")
    if invite.grants_employee:
        parts.append("employee")
    parts.append(f"uses={invite.max_uses}")
    parts.append(f"days={days}")
    if invite.email:
        parts.append("emailed")
    return " ".join(parts)


def describe_grants(invite: Invite) -> str:
    """What accepting gives, in words: "Partner Network and the group Partners"."""
    things = [space.name for space in invite.spaces]
    if invite.group is not None:
        things.append(f"the group {invite.group.name}")
    if invite.grants_employee:
        things.append("the staff")
    if not things:
        return "the community"
    if len(things) == 1:
        return things[0]
    return ", ".join(things[:-1]) + " and " + things[-1]


def _mail_invite(actor: User, invite: Invite, token: str) -> None:
    what = describe_grants(invite)
    send_mail(
        invite.email,
        f"{actor.display_name} invited you to {what}",
        f"Hello,\n\n{actor.display_name} invited you to join {what} on Hearth.\n\n"
        "Open this link to accept (you can create an account there if you have none):\n\n"
        f"{external_url('invites.accept', token=token)}\n\n"
        f"The invitation works once, until {invite.expires_at:%-d %B %Y}. "
        "If you did not expect it, you can ignore this message.",
    )


def invite_problem(invite: Invite) -> str | None:
    """Why the invite no longer works, in words for the person holding it."""
    if invite.is_revoked:
        return "This invite was withdrawn by the person who made it."
    if invite.is_expired:
        return "This invite has expired. Ask the person who sent it for a new one."
    if invite.is_used_up:
        return USED_UP
    return None


def accept_invite(actor: User, invite: Invite) -> Invite:
    """Take what the invite grants; raises ValidationFailed when it no longer works.

    Using it counts once per person; someone who already holds everything it grants
    uses nothing up. Whoever uses one starts at trust level 1: the inviter vouched.
    """
    if queries.has_everything_from(actor, invite):
        return invite
    problem = invite_problem(invite)
    if problem:
        raise ValidationFailed(None, problem)
    creator = invite.created_by
    if creator is None or not policy.can_grant_invite(
        creator, spaces=invite.spaces, group=invite.group, is_employee=invite.grants_employee
    ):
        raise ValidationFailed(None, NO_LONGER_GRANTABLE)
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
        raise ValidationFailed(None, USED_UP)
    for space in invite.spaces:
        if not policy.can_read_space(actor, space):
            db.session.add(Membership(space_id=space.id, user_id=actor.id))
    if invite.group_id is not None and invite.group_id not in actor.group_ids:
        db.session.add(GroupMember(group_id=invite.group_id, user_id=actor.id))
    if invite.grants_employee and not actor.is_employee:
        record_audit(
            creator,
            AuditAction.MEMBER_EMPLOYEE,
            target_type=AuditTarget.MEMBER,
            target_id=actor.id,
            detail=f"False->True invite={invite.id}",
        )
        actor.is_employee = True
        # An admin's invite decided it: the member's address does not undo it.
        actor.is_employee_set_by_admin = True
    db.session.execute(
        update(User)
        .where(User.id == actor.id, User.trust_level < TrustLevel.BASIC)
        .values(trust_level=TrustLevel.BASIC)
    )
    db.session.add(InviteUse(invite_id=invite.id, user_id=actor.id))
    try:
        db.session.commit()
    except IntegrityError:
        # The same person's other request (a double click) used it a moment ago.
        db.session.rollback()
        return invite
    db.session.expire(actor, ["memberships", "group_memberships", "group_space_grants"])
    log.info("invite.used user_id=%s invite_id=%s", actor.id, invite.id)
    return invite


def withdraw_invite(actor: User, invite: Invite) -> Invite:
    """Stop an invite from working; withdrawing it twice changes nothing."""
    policy.require_withdraw_invite(actor, invite)
    withdrawn = db.session.execute(
        update(Invite)
        .where(Invite.id == invite.id, Invite.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    ).rowcount
    if withdrawn:
        record_audit(
            actor,
            AuditAction.INVITE_WITHDRAW,
            target_type=AuditTarget.INVITE,
            target_id=invite.id,
            space=invite.spaces[0] if len(invite.spaces) == 1 else None,
        )
    db.session.commit()
    db.session.refresh(invite)
    if withdrawn:
        log.info("invite.withdrawn actor_id=%s invite_id=%s", actor.id, invite.id)
    return invite
