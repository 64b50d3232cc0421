"""Members' e-mail choices: how often each kind of event reaches them, and the
one-click unsubscribe links that turn a kind (or a digest) off."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from community.accounts import tokens
from community.accounts.models import User
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.notifications import messages, queries
from community.notifications.models import (
    DIGEST_FREQUENCIES,
    EmailFrequency,
    EmailPreference,
    NotificationKind,
)

log = logging.getLogger(__name__)


def set_email_preferences(
    actor: User, choices: dict[NotificationKind, EmailFrequency]
) -> dict[NotificationKind, EmailFrequency]:
    """Save how often each kind of event reaches the member by e-mail."""
    if not actor.is_authenticated:
        raise NotFound
    now = utcnow()
    for kind, frequency in choices.items():
        _set_frequency(actor.id, NotificationKind(kind), EmailFrequency(frequency), now)
    db.session.commit()
    log.info("email.preferences user_id=%s kinds=%s", actor.id, len(choices))
    return choices


def _set_frequency(
    user_id: int, kind: NotificationKind, frequency: EmailFrequency, now: datetime
) -> None:
    where = (EmailPreference.user_id == user_id, EmailPreference.kind == kind)
    values = {"frequency": frequency, "updated_at": now}
    if db.session.execute(update(EmailPreference).where(*where).values(**values)).rowcount:
        return
    try:
        with db.session.begin_nested():
            db.session.execute(insert(EmailPreference).values(user_id=user_id, kind=kind, **values))
    except IntegrityError:
        db.session.execute(update(EmailPreference).where(*where).values(**values))


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The member and the kind of mail an unsubscribe link stops; None for a forged
    or tampered token, one for another purpose, or one mailed to an address the
    account no longer has."""
    payload = tokens.read_token(tokens.UNSUBSCRIBE, token, max_age=None)
    if payload is None or not isinstance(payload.get("uid"), int):
        return None
    key = payload.get("key")
    if key not in UNSUBSCRIBE_KEYS:
        return None
    user = db.session.get(User, payload["uid"])
    if user is None or payload.get("em") != tokens.email_fingerprint(user.email):
        return None
    return user, key


# What an unsubscribe link may stop: one kind, or everything in one digest.
UNSUBSCRIBE_KEYS = {kind.value: kind.label for kind in NotificationKind} | {
    messages.DIGEST_KEYS[frequency]: f"the {frequency.value} digest"
    for frequency in DIGEST_FREQUENCIES
}


def unsubscribe(user: User, key: str) -> list[NotificationKind]:
    """Stop the mail an unsubscribe link names; returns the kinds now set to never.

    The token is the authority (RFC 8058: the mail client posts without a session),
    so this takes the member the token names. Repeating it changes nothing.
    """
    if key in messages.DIGEST_KEYS.values():
        frequency = next(f for f, digest in messages.DIGEST_KEYS.items() if digest == key)
        current = queries.email_frequencies(user)
        kinds = [kind for kind, chosen in current.items() if chosen is frequency]
    else:
        kinds = [NotificationKind(key)]
    now = utcnow()
    for kind in kinds:
        _set_frequency(user.id, kind, EmailFrequency.NEVER, now)
    db.session.commit()
    log.info("email.unsubscribed user_id=%s key=%s kinds=%s", user.id, key, len(kinds))
    return kinds
