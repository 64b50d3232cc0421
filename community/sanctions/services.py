"""Warning, silencing and suspending members, and lifting a silence or suspension.

Each action checks policy first, writes its row, the member's state, the audit entry
and the message to the member in one transaction. A form sent twice (a double click)
carries the same submission token, and the second finds the row the first made.
"""

from __future__ import annotations

import enum
import logging
from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import INDEFINITELY, User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.mail import external_url
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.notifications.models import DETAIL_MAX_LENGTH, Notification, NotificationKind
from community.notifications.outbox import queue_mail
from community.sanctions import queries
from community.sanctions.models import SANCTION_REASON_MAX_LENGTH, Sanction, SanctionKind

log = logging.getLogger(__name__)


class Period(enum.StrEnum):
    """How long a silence or suspension lasts, as the form offers it."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    UNTIL = "until"  # a date the moderator picks
    INDEFINITELY = "indefinitely"

    @property
    def label(self) -> str:
        return PERIOD_LABELS[self]


PERIOD_LABELS = {
    Period.DAY: "1 day",
    Period.WEEK: "1 week",
    Period.MONTH: "1 month (30 days)",
    Period.UNTIL: "Until a date",
    Period.INDEFINITELY: "Until lifted",
}
PERIOD_LENGTHS = {Period.DAY: 1, Period.WEEK: 7, Period.MONTH: 30}
# A chosen end date is at most this far ahead; beyond it, "until lifted" says it.
UNTIL_MAX_DAYS = 3 * 365


def sanction_end(period: Period, until: date | None, *, now: datetime | None = None) -> datetime:
    """When a sanction of ``period`` given now ends; raises ValidationFailed for a
    missing, past or too distant date."""
    now = now or utcnow()
    if period is Period.INDEFINITELY:
        return INDEFINITELY
    if period in PERIOD_LENGTHS:
        return now + timedelta(days=PERIOD_LENGTHS[period])
    if until is None:
        raise ValidationFailed("until", "Choose the date it ends.")
    if until <= now.date():
        raise ValidationFailed("until", "Choose a date after today.")
    # The end of the chosen day, in UTC, as the page says.
    ends_at = datetime.combine(until, time.max, tzinfo=now.tzinfo)
    if ends_at > now + timedelta(days=UNTIL_MAX_DAYS):
        raise ValidationFailed(
            "until", f"Choose a date within {UNTIL_MAX_DAYS // 365} years, or “until lifted”."
        )
    return ends_at


def describe_end(ends_at: datetime | None) -> str:
    if ends_at is None or ends_at >= INDEFINITELY:
        return "until a moderator lifts it"
    return f"until {ends_at:%d %B %Y, %H:%M} UTC"


def _check_reason(reason: str, *, field: str = "reason", what: str = "a reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(field, f"Write {what}: the member is shown it.")
    if len(reason) > SANCTION_REASON_MAX_LENGTH:
        raise ValidationFailed(
            field,
            f"At most {SANCTION_REASON_MAX_LENGTH:,} characters; this has {len(reason):,}.",
        )
    return reason


def _add_once(actor: User, sanction: Sanction) -> Sanction | None:
    """Insert the row; None if this form was already sent (the earlier row stands)."""
    db.session.add(sanction)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return None
    return sanction


def _earlier(actor: User, submission_token: str | None) -> Sanction:
    earlier = db.session.scalar(
        select(Sanction).where(
            Sanction.created_by_id == actor.id, Sanction.submission_token == submission_token
        )
    )
    if earlier is None:
        raise RuntimeError("a sanction insert failed on a constraint other than its token")
    log.info("sanction.resubmitted actor_id=%s sanction_id=%s", actor.id, earlier.id)
    return earlier


def _end_in_force(actor: User, member: User, kind: SanctionKind, *, keep: Sanction | None) -> None:
    """Mark every silence (or suspension) of the member still running as lifted now,
    but ``keep``: a new one replaces them, and lifting ends them all."""
    db.session.execute(
        update(Sanction)
        .where(
            queries.running_clause(member, kind),
            Sanction.id != (keep.id if keep is not None else -1),
        )
        .values(lifted_at=utcnow(), lifted_by_id=actor.id)
        .execution_options(synchronize_session="fetch")
    )


def _tell(member: User, actor: User, *, subject: str, body: str, in_app: str | None) -> None:
    """A private moderator message: a notification (for those who can still sign in)
    and an e-mail, both inside the caller's transaction."""
    if in_app is not None:
        db.session.add(
            Notification(
                user_id=member.id,
                kind=NotificationKind.MODERATOR_MESSAGE,
                actor_id=actor.id,
                detail=in_app[:DETAIL_MAX_LENGTH],
            )
        )
    queue_mail(member.email, subject, body, user=member)


def _audit(actor: User, action: AuditAction, member: User, *, reason: str = "", detail: str = ""):
    record_audit(
        actor, action, target_type=AuditTarget.MEMBER, target_id=member.id,
        reason=reason, detail=detail,
    )  # fmt: skip


def _until_detail(ends_at: datetime) -> str:
    return "until=indefinitely" if ends_at >= INDEFINITELY else f"until={ends_at.isoformat()}"


def _record(
    actor: User,
    member: User,
    kind: SanctionKind,
    *,
    reason: str,
    ends_at: datetime | None,
    submission_token: str | None,
) -> tuple[Sanction, bool]:
    """Check and insert the row: (the row, True), or (the row the first submit of
    this form made, False). A silence or suspension replaces the one in force."""
    policy.require_sanction_member(actor, member)
    if kind is SanctionKind.WARNING:
        reason = _check_reason(reason, field="message", what="the message")
    else:
        reason = _check_reason(reason)
    sanction = _add_once(
        actor,
        Sanction(user_id=member.id, kind=kind, reason=reason, created_by_id=actor.id,
                 created_at=utcnow(), ends_at=ends_at, submission_token=submission_token or None),
    )  # fmt: skip
    if sanction is None:
        return _earlier(actor, submission_token), False
    if kind is not SanctionKind.WARNING:
        _end_in_force(actor, member, kind, keep=sanction)
    return sanction, True


def warn_member(
    actor: User, member: User, *, message: str, submission_token: str | None = None
) -> Sanction:
    """Send the member a private warning; raises NotFound, Forbidden, ValidationFailed."""
    warning, is_new = _record(
        actor, member, SanctionKind.WARNING, reason=message, ends_at=None,
        submission_token=submission_token,
    )  # fmt: skip
    if not is_new:
        return warning
    _audit(actor, AuditAction.MEMBER_WARN, member, reason=warning.reason)
    _tell(
        member, actor,
        subject="A message from the moderators",
        body=f"Hello {member.display_name},\n\na moderator sent you this warning:\n\n"
        f"{warning.reason}\n\nYour notifications: {external_url('notifications.index')}",
        in_app=warning.reason,
    )  # fmt: skip
    db.session.commit()
    log.info("sanction.warned actor_id=%s user_id=%s", actor.id, member.id)
    return warning


def silence_member(
    actor: User,
    member: User,
    *,
    reason: str,
    ends_at: datetime,
    submission_token: str | None = None,
) -> Sanction:
    """Silence the member until ``ends_at``: they read, but post nothing. A silence
    given while another is in force replaces it. Raises NotFound, Forbidden,
    ValidationFailed."""
    silence, is_new = _record(
        actor, member, SanctionKind.SILENCE, reason=reason, ends_at=ends_at,
        submission_token=submission_token,
    )  # fmt: skip
    if not is_new:
        return silence
    member.silenced_until = ends_at
    _audit(
        actor, AuditAction.MEMBER_SILENCE, member, reason=silence.reason,
        detail=_until_detail(ends_at),
    )  # fmt: skip
    until = describe_end(ends_at)
    _tell(
        member, actor,
        subject="You cannot post for now",
        body=f"Hello {member.display_name},\n\na moderator silenced your account {until}. "
        f"You can still read, but not post, reply or vote.\n\nThe reason:\n\n{silence.reason}",
        in_app=f"You are silenced {until}: {silence.reason}",
    )  # fmt: skip
    db.session.commit()
    log.info("sanction.silenced actor_id=%s user_id=%s", actor.id, member.id)
    return silence


def suspend_member(
    actor: User,
    member: User,
    *,
    reason: str,
    ends_at: datetime,
    submission_token: str | None = None,
) -> Sanction:
    """Suspend the member until ``ends_at``: every session ends and sign-in is
    refused, showing the reason and the end. Raises NotFound, Forbidden,
    ValidationFailed."""
    suspension, is_new = _record(
        actor, member, SanctionKind.SUSPENSION, reason=reason, ends_at=ends_at,
        submission_token=submission_token,
    )  # fmt: skip
    if not is_new:
        return suspension
    member.suspended_until = ends_at
    # The session loader refuses a suspended member anyway; a new version also ends
    # remember-me cookies for good, so they sign in again once it is over.
    member.session_version = User.session_version + 1
    _audit(
        actor, AuditAction.MEMBER_SUSPEND, member, reason=suspension.reason,
        detail=_until_detail(ends_at),
    )  # fmt: skip
    _tell(
        member, actor,
        subject="Your account is suspended",
        body=f"Hello {member.display_name},\n\na moderator suspended your account "
        f"{describe_end(ends_at)}. You cannot sign in until then.\n\n"
        f"The reason:\n\n{suspension.reason}",
        in_app=None,  # they cannot sign in to read it
    )  # fmt: skip
    db.session.commit()
    log.info("sanction.suspended actor_id=%s user_id=%s", actor.id, member.id)
    return suspension


def _lift(actor: User, member: User, kind: SanctionKind) -> Sanction | None:
    policy.require_sanction_member(actor, member)
    in_force = queries.sanction_in_force(member, kind)
    if in_force is None:
        # Ended already, or lifted by a first submit of this form: nothing to do.
        return None
    _end_in_force(actor, member, kind, keep=None)
    if kind is SanctionKind.SILENCE:
        member.silenced_until = None
        action = AuditAction.MEMBER_UNSILENCE
    else:
        member.suspended_until = None
        action = AuditAction.MEMBER_UNSUSPEND
    _audit(actor, action, member, detail=f"sanction={in_force.id}")
    db.session.commit()
    log.info("sanction.lifted actor_id=%s user_id=%s kind=%s", actor.id, member.id, kind)
    return in_force


def lift_silence(actor: User, member: User) -> Sanction | None:
    """End the member's silence now; None when none is in force. Raises NotFound,
    Forbidden."""
    return _lift(actor, member, SanctionKind.SILENCE)


def lift_suspension(actor: User, member: User) -> Sanction | None:
    """End the member's suspension now; None when none is in force. Raises NotFound,
    Forbidden."""
    return _lift(actor, member, SanctionKind.SUSPENSION)
