"""Turning what a member typed into tags."""

from __future__ import annotations

import logging
import re

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.tags.models import TAG_NAME_MAX_LENGTH, TAG_NAME_PATTERN, TAGS_PER_TOPIC, Tag

log = logging.getLogger(__name__)


def parse_tag_names(raw: str | None) -> list[str]:
    """Comma- or space-separated names, lower-cased, without repeats; raises ValidationFailed."""
    names: list[str] = []
    for name in re.split(r"[,\s]+", (raw or "").strip().lower()):
        name = name.strip("#")
        if not name or name in names:
            continue
        if len(name) > TAG_NAME_MAX_LENGTH or not re.fullmatch(TAG_NAME_PATTERN, name):
            raise ValidationFailed(
                "tags",
                f"“{name[:40]}” is not a tag name: use lower-case letters, digits and dashes, "
                f"at most {TAG_NAME_MAX_LENGTH}.",
            )
        names.append(name)
    if len(names) > TAGS_PER_TOPIC:
        raise ValidationFailed("tags", f"Use at most {TAGS_PER_TOPIC} tags.")
    return names


def resolve_tags(actor: User, names: list[str]) -> list[Tag]:
    """The tags with these names, creating missing ones if the actor may; does not commit.

    Raises ValidationFailed naming the first tag that does not exist when the actor
    may not create tags.
    """
    if not names:
        return []
    existing = {tag.name: tag for tag in db.session.scalars(select(Tag).where(Tag.name.in_(names)))}
    missing = [name for name in names if name not in existing]
    if missing and not policy.can_create_tag(actor):
        raise ValidationFailed(
            "tags", f"There is no tag “{missing[0]}” yet; staff create new tags."
        )
    for name in missing:
        existing[name] = _create_tag(actor, name)
    return [existing[name] for name in names]


def _create_tag(actor: User, name: str) -> Tag:
    # A savepoint: if someone created the same tag a moment ago, use theirs.
    try:
        with db.session.begin_nested():
            tag = Tag(name=name, created_by_id=actor.id)
            db.session.add(tag)
    except IntegrityError:
        return db.session.scalar(select(Tag).where(Tag.name == name))
    # New tags shape the vocabulary every space shares: a staff action, audited (the
    # row names the tag by id; the page reads its name).
    record_audit(actor, AuditAction.TAG_CREATE, target_type=AuditTarget.TAG, target_id=tag.id)
    log.info("tag.created user_id=%s tag=%s", actor.id, name)
    return tag
