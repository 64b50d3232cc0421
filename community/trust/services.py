"""Earning trust levels: reading reports, automatic evaluation, levels set by hand.

Levels 0-3 follow what the member does (``config.TRUST_*``); level 4 (leader) is only
given by an admin, and a level an admin set by hand stays until an admin hands it
back to the automatic rules. Automatic changes are logged; changes by hand are
audited.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from community import policy
from community.accounts.models import TrustLevel, User
from community.database import utcnow
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.notifications import services as notification_services
from community.topics.models import Topic
from community.trust import queries
from community.trust.models import MemberStats
from community.trust.queries import Thresholds

log = logging.getLogger(__name__)

# Levels the rules give and take; LEADER is given by hand only.
AUTOMATIC_LEVELS = frozenset({TrustLevel.NEW, TrustLevel.BASIC, TrustLevel.MEMBER,
                              TrustLevel.REGULAR})  # fmt: skip
EVALUATION_BATCH_SIZE = 200


def _ensure_stats_row(member: User) -> None:
    dialect = db.session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        dialect_insert(MemberStats)
        .values(user_id=member.id, reading_seconds=0, is_level_set_by_hand=False)
        .on_conflict_do_nothing(index_elements=["user_id"])
    )


def record_reading(actor: User, topic: Topic, *, highest_post_number: int, seconds: int) -> int:
    """The topic page's report: the member saw posts up to ``highest_post_number`` and
    had the page visible ``seconds``. Returns the seconds credited. Raises NotFound.

    Both are clamped: the position to the topic's posts, the time to
    READING_REPORT_MAX_SECONDS and to the wall time since the member's last report,
    so a forged or replayed report earns nothing a reader could not.
    """
    policy.require_read_topic(actor, topic)
    now = utcnow()
    notification_services.mark_topic_read(actor, topic, highest_post_number)
    _ensure_stats_row(actor)
    # Locked, so two reports at once cannot both claim the same stretch of time.
    stats = db.session.scalar(
        select(MemberStats).where(MemberStats.user_id == actor.id).with_for_update()
    )
    credited = max(0, min(seconds, current_app.config["READING_REPORT_MAX_SECONDS"]))
    if stats.last_read_report_at is not None:
        elapsed = int((now - stats.last_read_report_at).total_seconds())
        credited = max(0, min(credited, elapsed))
    db.session.execute(
        update(MemberStats)
        .where(MemberStats.user_id == actor.id)
        .values(reading_seconds=MemberStats.reading_seconds + credited, last_read_report_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(stats)
    evaluate_member(actor, now=now)
    db.session.commit()
    return credited


# --- evaluation ------------------------------------------------------------------------


def _meets_basic(figure: Callable[[str], int], t: Thresholds) -> bool:
    return (
        figure("topics_entered") >= t.basic_topics_entered
        and figure("posts_read") >= t.basic_posts_read
        and figure("reading_minutes") >= t.basic_reading_minutes
    )


def _meets_member(figure: Callable[[str], int], t: Thresholds) -> bool:
    return (
        figure("days_visited") >= t.member_days_visited
        and figure("topics_entered") >= t.member_topics_entered
        and figure("posts_read") >= t.member_posts_read
        and figure("reading_minutes") >= t.member_reading_minutes
        and figure("topics_replied") >= t.member_topics_replied
        and figure("likes_given") >= t.member_likes_given
        and figure("likes_received") >= t.member_likes_received
    )


def _meets_regular(figure: Callable[[str], int], t: Thresholds) -> bool:
    return (
        figure("recent_days_visited") >= t.regular_days_visited
        and figure("recent_topics_replied") >= t.regular_topics_replied
        and figure("recent_posts_flagged") <= t.regular_max_posts_flagged
    )


def _figures(member: User, t: Thresholds, now: datetime) -> Callable[[str], int]:
    """Each figure queried when first asked for, once: a member short of level 1 costs
    the three queries level 1 needs, not all ten."""
    since = queries.regular_window_start(t, now=now)
    sources: dict[str, Callable[[], int]] = {
        "days_visited": lambda: queries.days_visited(member),
        "topics_entered": lambda: queries.topics_entered(member),
        "posts_read": lambda: queries.posts_read(member),
        "reading_minutes": lambda: queries.reading_seconds(member) // 60,
        "topics_replied": lambda: queries.topics_replied(member),
        "likes_given": lambda: queries.likes_given(member),
        "likes_received": lambda: queries.likes_received(member),
        "recent_days_visited": lambda: queries.days_visited(member, since=since),
        "recent_topics_replied": lambda: queries.topics_replied(member, since=since),
        "recent_posts_flagged": lambda: queries.flagged_posts_count(member, since=since),
    }
    return cache(lambda name: sources[name]())


def earned_level(
    member: User, *, thresholds: Thresholds, now: datetime, include_regular: bool
) -> TrustLevel:
    """The level the rules give the member now, from their current one: up as far as
    they qualify; a regular who no longer qualifies drops to member once they have
    held the level TRUST_REGULAR_KEEP_DAYS."""
    figure = _figures(member, thresholds, now)
    level = TrustLevel(member.trust_level)
    if level is TrustLevel.NEW and _meets_basic(figure, thresholds):
        level = TrustLevel.BASIC
    if level is TrustLevel.BASIC and _meets_member(figure, thresholds):
        level = TrustLevel.MEMBER
    if not include_regular:
        return level
    if level is TrustLevel.MEMBER and _meets_regular(figure, thresholds):
        return TrustLevel.REGULAR
    if level is TrustLevel.REGULAR and not _meets_regular(figure, thresholds):
        stats = queries.get_member_stats(member)
        since = stats.regular_since if stats is not None else None
        if since is None or now - since >= timedelta(days=thresholds.regular_keep_days):
            return TrustLevel.MEMBER
    return level


def evaluate_member(
    member: User,
    *,
    now: datetime | None = None,
    thresholds: Thresholds | None = None,
    include_regular: bool = False,
) -> TrustLevel | None:
    """Apply the rules to one member; the new level, or None if it stays. No commit.

    After a reading report only levels 1 and 2 are checked (cheap, and what changes
    minute by minute); ``include_regular`` adds level 3's window and its keep period,
    as ``flask hearth trust-levels`` does daily.
    """
    if member.trust_level not in AUTOMATIC_LEVELS:
        return None
    stats = queries.get_member_stats(member)
    if stats is not None and stats.is_level_set_by_hand:
        return None
    now = now or utcnow()
    thresholds = thresholds or Thresholds.from_config()
    level = earned_level(member, thresholds=thresholds, now=now, include_regular=include_regular)
    if level == member.trust_level:
        return None
    old = member.trust_level
    member.trust_level = level
    if level is TrustLevel.REGULAR:
        _ensure_stats_row(member)
        db.session.execute(
            update(MemberStats).where(MemberStats.user_id == member.id).values(regular_since=now)
        )
    log.info("trust.level_changed user_id=%s from=%s to=%s by=rules", member.id, old, int(level))
    return level


def evaluate_all(*, progress: Callable[[str], None] = lambda line: None) -> dict[int, int]:
    """Evaluate every member, level 3 included, a batch per transaction; returns how
    many moved to each level."""
    thresholds = Thresholds.from_config()
    now = utcnow()
    moved: dict[int, int] = {}
    last_id, seen = 0, 0
    total = db.session.scalar(select(db.func.count(User.id))) or 0
    while True:
        batch = list(
            db.session.scalars(
                select(User).where(User.id > last_id).order_by(User.id).limit(EVALUATION_BATCH_SIZE)
            )
        )
        if not batch:
            break
        for member in batch:
            level = evaluate_member(member, now=now, thresholds=thresholds, include_regular=True)
            if level is not None:
                moved[int(level)] = moved.get(int(level), 0) + 1
        db.session.commit()
        last_id = batch[-1].id
        seen += len(batch)
        progress(f"{seen}/{total} members evaluated, {sum(moved.values())} changed")
    return moved


# --- by hand --------------------------------------------------------------------------


def set_trust_level(actor: User, member: User, *, level: TrustLevel | None) -> User:
    """Set the member's level by hand (it then stays as set), or with ``level`` None
    hand it back to the rules (evaluated at once). Raises NotFound, Forbidden."""
    policy.require_set_trust_level(actor)
    _ensure_stats_row(member)
    old = member.trust_level
    db.session.execute(
        update(MemberStats)
        .where(MemberStats.user_id == member.id)
        .values(is_level_set_by_hand=level is not None)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    if level is None:
        if member.trust_level not in AUTOMATIC_LEVELS:
            member.trust_level = TrustLevel.REGULAR  # a leader handed back starts at 3
        evaluate_member(member, include_regular=True)
        detail = f"{old}->{member.trust_level} automatic"
    else:
        member.trust_level = level
        if level is TrustLevel.REGULAR:
            db.session.execute(
                update(MemberStats)
                .where(MemberStats.user_id == member.id)
                .values(regular_since=utcnow())
            )
        detail = f"{old}->{int(level)}"
    record_audit(
        actor, AuditAction.MEMBER_TRUST_LEVEL, target_type=AuditTarget.MEMBER,
        target_id=member.id, detail=detail,
    )  # fmt: skip
    db.session.commit()
    log.info("trust.level_set actor_id=%s user_id=%s %s", actor.id, member.id, detail)
    return member
