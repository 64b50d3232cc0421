"""Handing one finished message to the mail transport: console, memory or SMTP.

Nothing calls this directly to send: every message is queued in the outbox table
(``community.notifications.outbox``) in the transaction of the event it reports, and
the ``send-mail`` worker hands it here. ``MAIL_BACKEND`` chooses ``smtp``
(production), ``console`` (development: the message, with its links, is printed) or
``memory`` (tests read ``outbox(app)``).
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
    # Extra headers (List-Unsubscribe, Message-ID), in order.
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)


def outbox(app: Flask) -> list[Message]:
    """Messages the memory backend has delivered (tests only)."""
    return app.extensions.setdefault("hearth_outbox", [])


def check_single_address(to: object) -> str:
    """One recipient per message, always: nothing one member is sent can be copied to
    another by a list-valued field. Raises ValueError otherwise."""
    if not isinstance(to, str) or not to or any(mark in to for mark in ",;\n\r"):
        raise ValueError("a message goes to exactly one address")
    return to


def one_line(subject: str) -> str:
    # Header injection: subjects come partly from member input (titles).
    return " ".join(subject.split())


def deliver(message: Message) -> None:
    """Hand the message to the configured transport; raises what SMTP raises."""
    check_single_address(message.to)
    backend = current_app.config["MAIL_BACKEND"]
    if backend == "memory":
        outbox(current_app).append(message)
    elif backend == "smtp":
        _send_smtp(message)
    else:
        _print_to_console(message)


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
    email["Subject"] = one_line(message.subject)
    for name, value in message.headers:
        email[name] = value
    email.set_content(message.body)
    timeout = config["MAIL_TIMEOUT_SECONDS"]
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=timeout) as smtp:
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
