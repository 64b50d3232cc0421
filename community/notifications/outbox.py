"""The e-mail outbox: messages queued with their event, sent by a worker.

Every message is a row of ``mail_outbox``, written in the transaction of the event
it reports (so a rolled-back event sends nothing and a committed one cannot lose
its mail), and sent by ``flask hearth send-mail``:

1. due digests become rows (one per member and frequency, holding only a range of
   notification ids);
2. a batch of due rows is claimed (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so two
   workers never take the same row; SQLite has one writer at a time anyway) and
   marked ``sending``;
3. each is written at that moment (``messages.compose``: for the member's current
   address, from what they may still read) and handed to the transport; then marked
   ``sent``, ``skipped`` (nothing left they may read), or queued again with a
   growing delay after a failure, until MAIL_MAX_ATTEMPTS.

A worker that dies between the transport's "accepted" and marking the row leaves it
``sending``; after MAIL_CLAIM_LEASE_SECONDS another worker takes it again. That is
the only way a message goes twice, and it carries the same Message-ID both times.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, exists, func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError

from community import mail
from community.accounts.models import User
from community.database import utcnow, writing_transactions
from community.extensions import db
from community.notifications import messages
from community.notifications.models import (
    DIGEST_FREQUENCIES,
    MAIL_ERROR_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
    DigestMark,
    EmailFrequency,
    MailPurpose,
    MailStatus,
    Notification,
    OutgoingMail,
)
from community.notifications.queries import frequency_clause

log = logging.getLogger(__name__)

DIGEST_PERIODS = {EmailFrequency.DAILY: timedelta(days=1), EmailFrequency.WEEKLY: timedelta(days=7)}
RETRY_GROWTH = 4  # each failure waits four times longer than the one before
RETRY_MAX_DELAY = timedelta(hours=12)


# --- queueing ------------------------------------------------------------------------


def queue_mail(to: str, subject: str, body: str, *, user: User | None = None) -> OutgoingMail:
    """Queue an account message (confirmation, reset, e-mail change), written now.

    One address per message, always (ValueError otherwise). No commit: the message
    goes out only if the caller's transaction commits.
    """
    row = OutgoingMail(
        purpose=MailPurpose.ACCOUNT,
        user_id=user.id if user is not None else None,
        to_address=mail.check_single_address(to),
        subject=mail.one_line(subject)[:SUBJECT_MAX_LENGTH],
        body=body,
        status=MailStatus.QUEUED,
        attempts=0,
        next_attempt_at=utcnow(),
        created_at=utcnow(),
        last_error="",
    )
    # Not flushed here: the caller's own changes reach the database (and their
    # constraints) at its commit, where it expects them.
    db.session.add(row)
    log.info("mail.queued purpose=account user_id=%s", row.user_id)
    return row


def queue_notification_mail(notification_ids: Iterable[int]) -> int:
    """Queue an e-mail for each of these notifications whose recipient wants its kind
    at once and has a confirmed address. One INSERT ... SELECT; no commit."""
    ids = sorted(set(notification_ids))
    if not ids:
        return 0
    now = utcnow()
    chosen = (
        select(
            literal(MailPurpose.NOTIFICATION.value),
            Notification.user_id,
            Notification.id,
            literal(MailStatus.QUEUED.value),
            literal(0),
            literal(now, OutgoingMail.next_attempt_at.type),
            literal(""),
            literal(now, OutgoingMail.created_at.type),
        )
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.id.in_(ids),
            User.email_confirmed_at.is_not(None),
            frequency_clause() == EmailFrequency.IMMEDIATELY.value,
        )
    )
    return db.session.execute(
        insert(OutgoingMail).from_select(
            [
                "purpose",
                "user_id",
                "notification_id",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "created_at",
            ],
            chosen,
        )
    ).rowcount


# --- digests ---------------------------------------------------------------------------


def schedule_digests(now: datetime) -> int:
    """Queue a digest for every member whose daily (weekly) news has waited a day (a
    week) since their last digest. A row holds only the range of notifications; what
    goes in is decided when it is sent. Commits."""
    queued = 0
    for frequency in DIGEST_FREQUENCIES:
        period = DIGEST_PERIODS[frequency]
        mark = select(DigestMark).where(DigestMark.frequency == frequency).subquery()
        after = func.coalesce(mark.c.last_notification_id, 0)
        statement = (
            select(Notification.user_id, func.max(Notification.id), after)
            .join(User, User.id == Notification.user_id)
            .outerjoin(mark, mark.c.user_id == Notification.user_id)
            .where(
                Notification.id > after,
                Notification.read_at.is_(None),
                User.email_confirmed_at.is_not(None),
                frequency_clause() == frequency.value,
                ~exists().where(OutgoingMail.notification_id == Notification.id),
                or_(mark.c.sent_at.is_(None), mark.c.sent_at <= now - period),
            )
            .group_by(Notification.user_id, after)
            .having(func.min(Notification.created_at) <= now - period)
        )
        for user_id, until_id, after_id in db.session.execute(statement).all():
            db.session.add(
                OutgoingMail(
                    purpose=MailPurpose.DIGEST,
                    user_id=user_id,
                    digest_frequency=frequency,
                    digest_after_id=after_id,
                    digest_until_id=until_id,
                    status=MailStatus.QUEUED,
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                    last_error="",
                )
            )
            _move_mark(user_id, frequency, until_id, now)
            queued += 1
            log.info("mail.digest_queued user_id=%s frequency=%s", user_id, frequency)
    db.session.commit()
    return queued


def _move_mark(user_id: int, frequency: EmailFrequency, until_id: int, now: datetime) -> None:
    values = {"last_notification_id": until_id, "sent_at": now}
    moved = db.session.execute(
        update(DigestMark)
        .where(DigestMark.user_id == user_id, DigestMark.frequency == frequency)
        .values(**values)
    ).rowcount
    if not moved:
        try:
            with db.session.begin_nested():
                db.session.execute(
                    insert(DigestMark).values(user_id=user_id, frequency=frequency, **values)
                )
        except IntegrityError:
            db.session.execute(
                update(DigestMark)
                .where(DigestMark.user_id == user_id, DigestMark.frequency == frequency)
                .values(**values)
            )


# --- delivering ------------------------------------------------------------------------


@dataclass
class DeliveryReport:
    digests: int = 0
    sent: int = 0
    skipped: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.skipped + self.retrying + self.failed

    def summary(self) -> str:
        return (
            f"sent={self.sent} skipped={self.skipped} retrying={self.retrying} "
            f"failed={self.failed} digests={self.digests}"
        )


def deliver_outbox(
    *, now: datetime | None = None, progress: Callable[[str], object] | None = None
) -> DeliveryReport:
    """Send everything due: schedule digests, then claim and send batches until none
    is left. Returns what happened; one log line per message."""
    now = now or utcnow()
    with writing_transactions():
        report = DeliveryReport(digests=schedule_digests(now))
        while True:
            claimed = _claim(now)
            if not claimed:
                break
            for row_id in claimed:
                _deliver_one(row_id, now, report)
            if progress is not None:
                progress(f"mail: {report.summary()}")
    return report


def pending_count() -> int:
    return db.session.scalar(
        select(func.count(OutgoingMail.id)).where(
            OutgoingMail.status.in_([MailStatus.QUEUED, MailStatus.SENDING])
        )
    )


def _claim(now: datetime) -> list[int]:
    config = current_app.config
    stale = now - timedelta(seconds=config["MAIL_CLAIM_LEASE_SECONDS"])
    due = (
        select(OutgoingMail.id)
        .where(
            or_(
                and_(OutgoingMail.status == MailStatus.QUEUED, OutgoingMail.next_attempt_at <= now),
                # A worker that died mid-send: its lease ran out.
                and_(OutgoingMail.status == MailStatus.SENDING, OutgoingMail.claimed_at < stale),
            )
        )
        .order_by(OutgoingMail.id)
        .limit(config["MAIL_BATCH_SIZE"])
        # PostgreSQL: rows another worker holds are skipped, not waited for. SQLite
        # has no row locks (SQLAlchemy leaves the clause out); one writer at a time.
        .with_for_update(skip_locked=True)
    )
    claimed = db.session.scalars(
        update(OutgoingMail)
        .where(OutgoingMail.id.in_(due))
        .values(status=MailStatus.SENDING, claimed_at=now)
        .returning(OutgoingMail.id),
        execution_options={"synchronize_session": False},
    ).all()
    db.session.commit()
    return sorted(claimed)


def _deliver_one(row_id: int, now: datetime, report: DeliveryReport) -> None:
    row = db.session.get(OutgoingMail, row_id)
    try:
        # Links in mail are built for BASE_URL; the worker serves no request, so it
        # lends url_for one for that address.
        with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
            message = messages.compose(row)
        if message is None:
            _finish(row, MailStatus.SKIPPED, now)
            report.skipped += 1
            log.info("mail.skipped id=%s purpose=%s reason=nothing-readable", row.id, row.purpose)
            return
        # No transaction stays open while the SMTP server takes its time: on SQLite
        # it would hold the write lock that the web app's requests wait for.
        db.session.commit()
        mail.deliver(message)
    except Exception as error:  # any failure (SMTP, a bug in one row) is logged and retried
        db.session.rollback()
        row = db.session.get(OutgoingMail, row_id)
        _retry(row, error, now, report)
        return
    _finish(row, MailStatus.SENT, now)
    report.sent += 1
    log.info(
        "mail.sent id=%s purpose=%s attempts=%s backend=%s",
        row.id, row.purpose, row.attempts, current_app.config["MAIL_BACKEND"],
    )  # fmt: skip


def _finish(row: OutgoingMail, status: MailStatus, now: datetime) -> None:
    row.status = status
    row.attempts = row.attempts + 1
    row.sent_at = now if status is MailStatus.SENT else None
    if row.purpose is MailPurpose.ACCOUNT and status is MailStatus.SENT:
        row.body = ""  # its links (reset, confirmation) are not kept once delivered
    db.session.commit()


def _retry(row: OutgoingMail, error: Exception, now: datetime, report: DeliveryReport) -> None:
    config = current_app.config
    row.attempts = row.attempts + 1
    row.last_error = f"{type(error).__name__}: {error}"[:MAIL_ERROR_MAX_LENGTH]
    if row.attempts >= config["MAIL_MAX_ATTEMPTS"]:
        row.status = MailStatus.FAILED
        report.failed += 1
        log.error("mail.failed id=%s attempts=%s error=%r", row.id, row.attempts, row.last_error)
    else:
        delay = timedelta(seconds=config["MAIL_RETRY_SECONDS"] * RETRY_GROWTH ** (row.attempts - 1))
        row.status = MailStatus.QUEUED
        row.next_attempt_at = now + min(delay, RETRY_MAX_DELAY)
        report.retrying += 1
        log.warning(
            "mail.retry id=%s attempts=%s next_attempt_at=%s error=%r",
            row.id, row.attempts, row.next_attempt_at.isoformat(), row.last_error,
        )  # fmt: skip
    db.session.commit()
