"""The audit log: moderator and admin actions leave one row each, in their transaction."""

from __future__ import annotations

import enum

import pytest
from sqlalchemy import select

from community.accounts import services as account_services
from community.accounts.models import Role
from community.database import StrEnumType
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import (
    REASON_MAX_LENGTH,
    AuditAction,
    AuditEntry,
    AuditTarget,
)


def _entries() -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_update_member_records_role_and_employee_changes_when_admin_changes_both(world):
    admin, member = world.user("admin"), world.user("member")

    account_services.update_member(admin, member, role=Role.MODERATOR, is_employee=True)

    entries = _entries()
    assert [(e.action, e.detail) for e in entries] == [
        (AuditAction.MEMBER_ROLE, "member->moderator"),
        (AuditAction.MEMBER_EMPLOYEE, "False->True"),
    ]
    assert all(e.actor_id == admin.id for e in entries)
    assert all((e.target_type, e.target_id) == (AuditTarget.MEMBER, member.id) for e in entries)


def test_update_member_records_nothing_when_nothing_changes(world):
    admin, member = world.user("admin"), world.user("member")

    account_services.update_member(admin, member, role=member.role, is_employee=False)

    assert _entries() == []


def test_update_member_records_nothing_when_the_change_is_refused(world):
    admin = world.user("admin")

    with pytest.raises(ValidationFailed):
        account_services.update_member(admin, admin, role=Role.MEMBER, is_employee=False)

    assert _entries() == []


def test_record_audit_keeps_the_reason_within_its_column(world):
    admin = world.user("admin")

    entry = record_audit(
        admin,
        AuditAction.SPACE_UPDATE,
        target_type=AuditTarget.SPACE,
        target_id=world.spaces["public"].id,
        space=world.spaces["public"],
        reason="  " + "x" * (REASON_MAX_LENGTH + 50),
    )
    db.session.commit()

    assert len(entry.reason) == REASON_MAX_LENGTH
    assert entry.space_id == world.spaces["public"].id
    assert entry.action.label == "space: update"


def test_every_audit_action_fits_its_column(world):
    admin = world.user("admin")
    for action in AuditAction:
        record_audit(admin, action)
    # PostgreSQL refuses a value longer than the column; SQLite would keep it.
    db.session.commit()

    assert {e.action for e in _entries()} == set(AuditAction)


def test_str_enum_type_refuses_an_enum_whose_values_do_not_fit():
    class Long(enum.StrEnum):
        FINE = "fine"
        TOO_LONG = "x" * 21

    with pytest.raises(ValueError, match="longer than 20"):
        StrEnumType(Long)
    assert StrEnumType(Long, length=21).impl.length == 21
