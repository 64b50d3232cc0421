"""One way for tests to read e-mail: deliver the outbox, then look at what was sent.

Every message is queued in the outbox table with the event that caused it; the
``send-mail`` worker sends it. ``sent_mail`` runs one pass of that worker (on the
test's own transaction, memory backend) and returns every message delivered so far.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask

from community.mail import Message, outbox
from community.notifications.outbox import deliver_outbox


def sent_mail(app: Flask, *, now: datetime | None = None) -> list[Message]:
    """Deliver what is due (as ``flask hearth send-mail`` would) and return all sent."""
    deliver_outbox(now=now)
    return list(outbox(app))


def sent_to(app: Flask, address: str, *, now: datetime | None = None) -> list[Message]:
    return [message for message in sent_mail(app, now=now) if message.to == address.lower()]


def forget_mail(app: Flask) -> None:
    """Deliver what is queued and forget it: the next ``sent_mail`` shows only newer mail."""
    deliver_outbox()
    outbox(app).clear()
