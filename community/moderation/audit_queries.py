"""Reading the audit log (admins): filtered, newest first, keyset-paginated.

A row names its target by type and id; the page shows the target as it is now,
read with one query per type of target on the page, so a page costs the same
number of queries whatever its size. A target that no longer exists shows as
"former member" (members) or "deleted".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from community import policy
from community.accounts.models import User, Viewer
from community.extensions import db
from community.groups.models import Group
from community.moderation.models import AuditAction, AuditEntry, AuditTarget
from community.spaces.models import Space
from community.tags.models import Tag
from community.topics.models import Post, Topic

AUDIT_ENTRIES_PER_PAGE = 50


@dataclass(frozen=True)
class AuditFilters:
    action: AuditAction | None = None
    actor_id: int | None = None
    target_type: AuditTarget | None = None
    target_id: int | None = None
    space_id: int | None = None
    since: date | None = None
    until: date | None = None


@dataclass(frozen=True)
class TargetView:
    """A target as the page shows it: a label and, while it exists, where it lives."""

    label: str
    endpoint: str | None = None
    values: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    targets: dict[tuple[AuditTarget, int], TargetView]
    # Pass as ``before`` for the next (older) page; None on the last one.
    next_cursor: int | None

    def target(self, entry: AuditEntry) -> TargetView | None:
        if entry.target_type is None or entry.target_id is None:
            return None
        return self.targets[(entry.target_type, entry.target_id)]


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def list_audit_entries(
    viewer: Viewer,
    filters: AuditFilters,
    *,
    before: int | None = None,
    per_page: int = AUDIT_ENTRIES_PER_PAGE,
) -> AuditPage:
    policy.require_read_audit_log(viewer)
    statement = (
        select(AuditEntry)
        .options(selectinload(AuditEntry.actor), selectinload(AuditEntry.space))
        .order_by(AuditEntry.id.desc())
        .limit(per_page + 1)
    )
    conditions = {
        AuditEntry.action: filters.action,
        AuditEntry.actor_id: filters.actor_id,
        AuditEntry.target_type: filters.target_type,
        AuditEntry.target_id: filters.target_id,
        AuditEntry.space_id: filters.space_id,
    }
    for column, value in conditions.items():
        if value is not None:
            statement = statement.where(column == value)
    if filters.since is not None:
        statement = statement.where(AuditEntry.created_at >= _start_of(filters.since))
    if filters.until is not None:
        statement = statement.where(
            AuditEntry.created_at < _start_of(filters.until + timedelta(days=1))
        )
    if before is not None:
        statement = statement.where(AuditEntry.id < before)
    entries = list(db.session.scalars(statement))
    next_cursor = entries[per_page - 1].id if len(entries) > per_page else None
    entries = entries[:per_page]
    return AuditPage(entries=entries, targets=_targets(entries), next_cursor=next_cursor)


def _targets(entries: list[AuditEntry]) -> dict[tuple[AuditTarget, int], TargetView]:
    wanted: dict[AuditTarget, set[int]] = {}
    for entry in entries:
        if entry.target_type is not None and entry.target_id is not None:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    views: dict[tuple[AuditTarget, int], TargetView] = {}
    for target_type, ids in wanted.items():
        found = _LOOKUPS.get(target_type, _numbered)(target_type, sorted(ids))
        for target_id in ids:
            missing = "former member" if target_type is AuditTarget.MEMBER else "deleted"
            views[(target_type, target_id)] = found.get(
                target_id,
                TargetView(f"{target_type.value.replace('_', ' ')} #{target_id} ({missing})"),
            )
    return views


def _members(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(
        select(User.id, User.display_name, User.username).where(User.id.in_(ids))
    )
    return {
        user_id: TargetView(f"{name} (@{username})", "accounts.admin_member", {"user_id": user_id})
        for user_id, name, username in rows
    }


def _spaces(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(select(Space.id, Space.name, Space.slug).where(Space.id.in_(ids)))
    return {
        space_id: TargetView(name, "spaces.show", {"slug": slug}) for space_id, name, slug in rows
    }


def _groups(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(select(Group.id, Group.name).where(Group.id.in_(ids)))
    return {
        group_id: TargetView(f"group {name}", "groups.show", {"group_id": group_id})
        for group_id, name in rows
    }


def _topics(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(select(Topic.id, Topic.title).where(Topic.id.in_(ids)))
    return {
        topic_id: TargetView(f"topic “{title}”", "topics.show", {"topic_id": topic_id})
        for topic_id, title in rows
    }


def _posts(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(
        select(Post.id, Post.topic_id, Post.post_number, Topic.title)
        .join(Topic, Post.topic_id == Topic.id)
        .where(Post.id.in_(ids))
    )
    return {
        post_id: TargetView(
            f"post #{number} in “{title}”",
            "topics.show",
            {"topic_id": topic_id, "_anchor": f"post-{number}"},
        )
        for post_id, topic_id, number, title in rows
    }


def _tags(_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    rows = db.session.execute(select(Tag.id, Tag.name).where(Tag.id.in_(ids)))
    return {tag_id: TargetView(f"tag {name}", "tags.show", {"name": name}) for tag_id, name in rows}


def _numbered(target_type: AuditTarget, ids: list[int]) -> dict[int, TargetView]:
    """Targets shown by number only (invites, requests, flags): no query."""
    label = target_type.value.replace("_", " ")
    return {target_id: TargetView(f"{label} #{target_id}") for target_id in ids}


_LOOKUPS = {
    AuditTarget.MEMBER: _members,
    AuditTarget.SPACE: _spaces,
    AuditTarget.GROUP: _groups,
    AuditTarget.TOPIC: _topics,
    AuditTarget.POST: _posts,
    AuditTarget.TAG: _tags,
}
