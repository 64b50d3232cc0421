"""Writing the audit log: ``record_audit`` is called by every service that acts as a
moderator or admin, inside its transaction, before its commit."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from community.accounts.models import User
from community.database import utcnow
from community.extensions import db
from community.moderation.models import (
    DETAIL_MAX_LENGTH,
    REASON_MAX_LENGTH,
    AuditAction,
    AuditEntry,
    AuditTarget,
)
from community.spaces.models import Space

log = logging.getLogger(__name__)


def record_audit(
    actor: User,
    action: AuditAction,
    *,
    target_type: AuditTarget | None = None,
    target_id: int | None = None,
    space: Space | None = None,
    reason: str = "",
    detail: str = "",
) -> AuditEntry:
    """Add one audit row to the current transaction (the caller commits).

    ``detail`` is a short machine value, never member content; both texts are cut to
    their column limits rather than failing the action they record.
    """
    entry = AuditEntry(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        space_id=space.id if space is not None else None,
        reason=(reason or "").strip()[:REASON_MAX_LENGTH],
        detail=(detail or "")[:DETAIL_MAX_LENGTH],
        created_at=utcnow(),
    )
    db.session.add(entry)
    # One greppable line beside the row, for the operator's logs.
    log.info(
        "audit action=%s actor_id=%s target=%s:%s space_id=%s",
        action, actor.id, target_type, target_id, entry.space_id,
    )  # fmt: skip
    return entry


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit row."""


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_audit_rows(
    session: Session, flush_context: UOWTransaction, instances: object
) -> None:
    """Rows are added, never changed or deleted, by any code that goes through the
    ORM (deleting a member's account nulls ``actor_id`` in the database instead)."""
    for entry in session.deleted:
        if isinstance(entry, AuditEntry):
            raise AuditLogIsAppendOnly(f"audit entry {entry.id} cannot be deleted")
    for entry in session.dirty:
        if isinstance(entry, AuditEntry) and session.is_modified(entry):
            raise AuditLogIsAppendOnly(f"audit entry {entry.id} cannot be changed")
