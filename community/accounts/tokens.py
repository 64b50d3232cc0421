"""Signed, expiring tokens for links sent by e-mail.

Each purpose has its own salt, so a token made for one cannot be used for another.
Single use comes from binding each token to state that its use changes: a reset
token carries a fingerprint of the password hash it will replace, an e-mail change
token the address it will replace.
"""

from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

CONFIRM_EMAIL = "confirm-email"
RESET_PASSWORD = "reset-password"  # noqa: S105 - a salt name, not a secret
CHANGE_EMAIL = "change-email"
UNSUBSCRIBE = "unsubscribe"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"hearth.{purpose}")


def make_token(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def read_token(purpose: str, token: str, *, max_age: int | None) -> dict[str, Any] | None:
    """The payload, or None for a forged, tampered, expired or malformed token.

    ``max_age=None`` accepts any age (unsubscribe links must work in old mail).
    """
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature:  # SignatureExpired is a subclass
        return None
    return payload if isinstance(payload, dict) else None


def password_fingerprint(password_hash: str) -> str:
    return hashlib.sha256(password_hash.encode()).hexdigest()[:20]


def email_fingerprint(email: str) -> str:
    """Binds a token to the address it was mailed to: it stops working once the
    account's address changes."""
    return hashlib.sha256(email.lower().encode()).hexdigest()[:20]
