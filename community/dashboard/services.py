"""The weekly summary: who asked for it, and sending it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.dashboard import attention, formats, queries
from community.dashboard.models import SummarySubscription
from community.dashboard.periods import Period
from community.extensions import db
from community.notifications.outbox import queue_mail

log = logging.getLogger(__name__)

# Tags and contributors named in the e-mail.
SUMMARY_TOP = 3


def set_summary_subscription(actor: User, *, is_subscribed: bool) -> bool:
    """Ask for the weekly summary e-mail or stop it; returns the new state.

    Setting a state (not flipping one) makes a repeated request harmless; the primary
    key decides whether the row exists. Raises NotFound for non-staff.
    """
    policy.require_view_dashboard(actor)
    if is_subscribed:
        try:
            with db.session.begin_nested():
                db.session.execute(insert(SummarySubscription).values(user_id=actor.id))
        except IntegrityError:
            pass  # asked already
    else:
        db.session.execute(
            delete(SummarySubscription).where(SummarySubscription.user_id == actor.id)
        )
    db.session.commit()
    log.info("dashboard.summary_subscription user_id=%s on=%s", actor.id, is_subscribed)
    return is_subscribed


@dataclass(frozen=True)
class SummaryRun:
    sent: int
    skipped: int


def send_weekly_summaries(
    *,
    today: date,
    dashboard_url: str,
    rules: attention.AttentionRules,
    progress: Callable[[str], object] = lambda message: None,
) -> SummaryRun:
    """Send last week's summary to every staff member who asked for it.

    Each summary is computed as its recipient (only the spaces they read) and goes
    into the outbox with the record of its week, in one transaction per recipient, so a
    second run (or a run after a failure part-way) queues nobody a week twice.
    Subscribers who are no longer staff are skipped.
    """
    period = Period.week_before(today)
    monday = period.first_day
    due = list(
        db.session.scalars(
            select(SummarySubscription)
            .join(User, User.id == SummarySubscription.user_id)
            .where(
                or_(
                    SummarySubscription.last_sent_week.is_(None),
                    SummarySubscription.last_sent_week < monday,
                )
            )
            .order_by(SummarySubscription.user_id)
        )
    )
    sent = skipped = 0
    for number, subscription in enumerate(due, start=1):
        user = subscription.user
        if not (policy.can_view_dashboard(user) and user.is_confirmed):
            skipped += 1
            log.info("dashboard.summary_skipped user_id=%s reason=not_staff", user.id)
            progress(f"  {number}/{len(due)} {user.username}: skipped (no longer staff)")
            continue
        body = summary_text(user, period, dashboard_url=dashboard_url, rules=rules)
        queue_mail(user.email, f"Community health, week of {monday:%-d %B %Y}", body, user=user)
        db.session.execute(
            update(SummarySubscription)
            .where(SummarySubscription.user_id == user.id)
            .values(last_sent_week=monday)
        )
        db.session.commit()
        sent += 1
        log.info("dashboard.summary_sent user_id=%s week=%s", user.id, monday.isoformat())
        progress(f"  {number}/{len(due)} {user.username}: queued")
    return SummaryRun(sent=sent, skipped=skipped)


def summary_text(
    viewer: User, period: Period, *, dashboard_url: str, rules: attention.AttentionRules
) -> str:
    """The plain-text summary of ``period`` for ``viewer``: their figures only.

    Written here rather than in a template: it is text, not HTML, and templates
    escape everything (member names would arrive as ``&amp;``).
    """
    scope = queries.Scope(viewer=viewer, period=period)
    board = queries.dashboard(scope)
    groups = attention.needs_attention(scope, rules)
    questions, waiting = board.respond.questions, board.respond.waiting
    listen, ideas, community = board.listen, board.cocreate, board.community
    lines = [
        f"Community health, {period.label}",
        "Counted over the spaces you read.",
        "",
        "NEEDS ATTENTION",
        *(f"- {group.heading}: {group.total}" for group in groups),
        "",
        "RESPOND",
        f"- Questions asked: {questions.asked}",
        "- Median wait for a first staff reply: "
        f"{formats.duration(questions.median_first_staff_reply)} "
        f"(90th percentile {formats.duration(questions.p90_first_staff_reply)})",
        "- Answered by staff within 24 hours: "
        + formats.percent(questions.share_answered_within_24h),
        f"- Solved: {formats.percent(questions.share_solved)}",
        f"- Waiting for staff now: {waiting.count}"
        + (f" (the oldest for {formats.duration(waiting.oldest_wait)})" if waiting.count else ""),
        "",
        "LISTEN",
        f"- New topics: {listen.topics}; replies: {listen.replies}",
        f"- Active members: {listen.active_members}; new members: {listen.new_members}",
    ]
    if listen.busiest_tags:
        tags = ", ".join(f"{tag} ({posts})" for tag, posts in listen.busiest_tags[:SUMMARY_TOP])
        lines.append(f"- Busiest tags: {tags}")
    lines += [
        "",
        "CO-CREATE",
        f"- Ideas posted: {ideas.posted}; shipped: {sum(ideas.shipped_per_month.values())}",
        f"- With an official response: {formats.percent(ideas.share_with_response)}",
        "",
        "COMMUNITY",
        "- Accepted answers written by members: "
        + formats.percent(community.share_accepted_by_members),
        f"- Joined through an invite: {community.invite_joins}; "
        f"join requests: {community.join_requests.asked}",
    ]
    if community.top_contributors:
        people = ", ".join(
            f"{person.display_name} ({person.posts} posts)"
            for person in community.top_contributors[:SUMMARY_TOP]
        )
        lines.append(f"- Top contributors: {people}")
    lines += [
        "",
        f"The whole dashboard: {dashboard_url}",
        "You get this because you asked for it on the dashboard; the same button there stops it.",
    ]
    return "\n".join(lines) + "\n"
