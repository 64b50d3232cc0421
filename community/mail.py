"""Outgoing e-mail: one message, one recipient, through a configured backend.

``MAIL_BACKEND`` chooses ``smtp`` (production), ``console`` (development: the message,
with its links, is printed and logged) or ``memory`` (tests read ``outbox(app)``).
"""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from flask import Flask, current_app

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str


def outbox(app: Flask) -> list[Message]:
    """Messages the memory backend has kept (tests only)."""
    return app.extensions.setdefault("hearth_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message to one address.

    A single recipient per message is deliberate: nothing one member is sent can be
    copied to another by a list-valued field.
    """
    if not isinstance(to, str) or "," in to or "\n" in to or "\r" in to:
        raise ValueError("send_mail takes exactly one address")
    # Header injection: subjects come partly from member input (titles).
    subject = " ".join(subject.split())
    message = Message(to=to, subject=subject, body=body)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox(current_app).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        _print_to_console(message)
    log.info("mail.sent backend=%s subject=%r", backend, subject)


def _print_to_console(message: Message) -> None:
    text = f"--- mail to {message.to}\nSubject: {message.subject}\n\n{message.body}\n---"
    # Printed rather than logged only, so the developer running `make run` sees the
    # confirmation link in the terminal.
    print(text, flush=True)


def _send_smtp(message: Message) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        smtp.send_message(email)


def external_url(endpoint: str, **values: object) -> str:
    """An absolute link for e-mail, built on BASE_URL rather than the request's Host
    (which a client chooses); works inside a request or outside one (a job, the CLI)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return base + adapter.build(endpoint, values)
