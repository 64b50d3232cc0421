"""Account operations: every change to a member's account goes through here."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import timedelta

from email_validator import EmailNotValidError, validate_email
from flask import current_app, url_for
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from community import policy
from community.accounts import tokens
from community.accounts.models import (
    DISPLAY_NAME_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
    IP_ADDRESS_MAX_LENGTH,
    PASSWORD_MAX_LENGTH,
    PASSWORD_MIN_DISTINCT_CHARACTERS,
    PASSWORD_MIN_GUESSES_LOG10,
    PASSWORD_MIN_LENGTH,
    SIGN_IN_HISTORY_DAYS,
    USER_AGENT_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    USERNAME_PATTERN,
    Role,
    SignIn,
    User,
)
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget, SignupApproval, SignupStatus
from community.notifications.outbox import queue_mail
from community.profiles.models import FieldAnswer, ProfileFieldValue

log = logging.getLogger(__name__)
# zxcvbn raises on longer input (its own guard against slow matching).
ZXCVBN_MAX_LENGTH = 72

# Checked against when no account matches, so that a wrong address costs the same
# time as a wrong password and timing does not tell which addresses exist.
_DUMMY_PASSWORD_HASH: dict[str, str] = {}


# --- validation ---------------------------------------------------------------


def normalize_email(raw: str, *, field: str = "email") -> str:
    """The address in its canonical, lower-cased form; raises ValidationFailed."""
    raw = (raw or "").strip()
    if len(raw) > EMAIL_MAX_LENGTH:
        raise ValidationFailed(
            field, f"An e-mail address has at most {EMAIL_MAX_LENGTH} characters."
        )
    try:
        valid = validate_email(raw, check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationFailed(field, f"That is not a valid e-mail address: {error}") from error
    return valid.normalized.lower()


def check_username(username: str) -> str:
    username = (username or "").strip()
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise ValidationFailed(
            "username",
            f"A username has {USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters.",
        )
    if not re.fullmatch(USERNAME_PATTERN, username):
        raise ValidationFailed(
            "username",
            "Use letters, digits, dots, dashes and underscores, starting with a letter or digit.",
        )
    return username


def check_display_name(display_name: str) -> str:
    display_name = " ".join((display_name or "").split())
    if not display_name:
        raise ValidationFailed("display_name", "Tell us the name to show beside your posts.")
    if len(display_name) > DISPLAY_NAME_MAX_LENGTH:
        raise ValidationFailed(
            "display_name", f"A display name has at most {DISPLAY_NAME_MAX_LENGTH} characters."
        )
    return display_name


def check_password_strength(
    password: str, *, field: str = "password", username: str = "", email: str = ""
) -> None:
    """Refuse passwords that are short or trivially guessable; raises ValidationFailed."""
    if len(password) < PASSWORD_MIN_LENGTH:
        raise ValidationFailed(
            field, f"Use at least {PASSWORD_MIN_LENGTH} characters; a few words make a good one."
        )
    if len(password) > PASSWORD_MAX_LENGTH:
        raise ValidationFailed(field, f"Use at most {PASSWORD_MAX_LENGTH} characters.")
    lowered = password.lower()
    if len(set(lowered)) < PASSWORD_MIN_DISTINCT_CHARACTERS:
        raise ValidationFailed(
            field,
            f"Use at least {PASSWORD_MIN_DISTINCT_CHARACTERS} different characters; "
            "this one repeats too few to be safe.",
        )
    personal_words = [word for word in (username.lower(), email.lower().split("@")[0]) if word]
    for personal in personal_words:
        if len(personal) >= 3 and personal in lowered:
            raise ValidationFailed(field, "Your password must not contain your username or e-mail.")
    # zxcvbn refuses to score more than its max_length; a passphrase whose first
    # characters are hard to guess is hard to guess.
    estimate = zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=personal_words)
    if estimate["guesses_log10"] < PASSWORD_MIN_GUESSES_LOG10:
        warning = estimate["feedback"].get("warning") or "It is among the most common passwords."
        raise ValidationFailed(
            field,
            f"This password is too easy to guess. {warning.rstrip('.')}. "
            "A few unrelated words make a strong one.",
        )


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _DUMMY_PASSWORD_HASH:
        _DUMMY_PASSWORD_HASH[method] = generate_password_hash("not-a-password", method=method)
    return _DUMMY_PASSWORD_HASH[method]


# --- queries used by sign-in and the services ---------------------------------


def find_user_by_login(login: str) -> User | None:
    """The member whose e-mail or username is ``login`` (case-insensitive)."""
    login = (login or "").strip().lower()
    if not login:
        return None
    column = User.email if "@" in login else User.username_lower
    return db.session.scalar(select(User).where(column == login))


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


# --- sign-up and confirmation -------------------------------------------------


def register_user(
    *,
    email: str,
    username: str,
    display_name: str,
    password: str,
    profile_answers: Mapping[int, FieldAnswer] | None = None,
) -> User | None:
    """Create an unconfirmed account and send its confirmation link.

    ``profile_answers`` are the sign-up's custom profile fields, checked already by
    ``profiles.services.check_signup_answers``; they are stored with the account.

    Returns the new member, or None when the address already has an account: then
    the owner of that address is told by e-mail instead, and the caller shows the
    same "check your inbox" page, so sign-up does not reveal who is registered.
    Raises ValidationFailed for bad input or a username that is taken.
    """
    email = normalize_email(email)
    username = check_username(username)
    display_name = check_display_name(display_name)
    check_password_strength(password, username=username, email=email)

    user = User(
        email=email,
        username=username,
        username_lower=username.lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        role=Role.MEMBER,
    )
    db.session.add(user)
    try:
        db.session.flush()
        if current_app.config["REQUIRE_SIGNUP_APPROVAL"]:
            # Into the review queue: no signing in until a moderator approves.
            db.session.add(SignupApproval(user_id=user.id, status=SignupStatus.PENDING))
        for field_id, answer in (profile_answers or {}).items():
            db.session.add(
                ProfileFieldValue(
                    field_id=field_id, user_id=user.id, value=answer.value,
                    visibility=answer.visibility,
                )
            )  # fmt: skip
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        # The constraint decided; this only picks the message. Not from the driver's
        # text, which on PostgreSQL quotes the address ("the.username@…" looked like
        # a username clash). Username first: when both clash, the answer must be the
        # one a new address would get, or it would reveal that this one is registered.
        if find_user_by_login(username) is not None:
            raise ValidationFailed("username", "That username is taken; try another.") from error
        _tell_owner_of_existing_account(email)
        db.session.commit()
        return None
    log.info("account.signup user_id=%s", user.id)
    send_confirmation(user)
    db.session.commit()
    return user


def _tell_owner_of_existing_account(email: str) -> None:
    queue_mail(
        email,
        "Someone tried to sign up with your address",
        "Someone (perhaps you) tried to create a Hearth account with this e-mail address,\n"
        "but it already has one. To get into it, reset your password:\n\n"
        f"{_external('accounts.reset_request')}\n\n"
        "If it was not you, you can ignore this message.",
        user=find_user_by_email(email),
    )


def send_confirmation(user: User) -> None:
    """Queue the confirmation link; the caller commits (the link goes out then)."""
    token = tokens.make_token(tokens.CONFIRM_EMAIL, {"uid": user.id, "email": user.email})
    queue_mail(
        user.email,
        "Confirm your e-mail address",
        f"Hello {user.display_name},\n\nconfirm your address to start posting:\n\n"
        f"{_external('accounts.confirm', token=token)}\n\n"
        "The link works for three days.",
        user=user,
    )


def resend_confirmation(user: User) -> None:
    """Send the confirmation link again (the member asked for it)."""
    send_confirmation(user)
    db.session.commit()
    log.info("account.confirmation_resent user_id=%s", user.id)


def confirm_email(token: str) -> User | None:
    """Confirm the address the token was sent to; None when the token is not valid."""
    payload = tokens.read_token(
        tokens.CONFIRM_EMAIL, token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"]
    )
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    # A token for an address the member has since changed is spent.
    if user is None or user.email != payload.get("email"):
        return None
    # So is one whose address is already confirmed: the view signs in whoever
    # holds the link, which must not stay a password-free way in for three days
    # (nor outlive a password change).
    if user.email_confirmed_at is not None:
        return None
    user.email_confirmed_at = utcnow()
    _derive_employee_from_address(user)
    db.session.commit()
    log.info("account.confirmed user_id=%s employee=%s", user.id, user.is_employee)
    return user


def _derive_employee_from_address(user: User) -> None:
    """Employee status follows a confirmed address on an employee domain, unless an
    admin decided it by hand: moving off the domain ends it, moving onto it starts it."""
    if user.is_employee_set_by_admin:
        return
    domain = user.email.rsplit("@", 1)[-1]
    was_employee = user.is_employee
    user.is_employee = domain in current_app.config["EMPLOYEE_EMAIL_DOMAINS"]
    if was_employee and not user.is_employee:
        log.info("account.employee_ended user_id=%s reason=address", user.id)


# --- sign-in ------------------------------------------------------------------


def authenticate(login: str, password: str) -> User | None:
    """The member if the credentials match, else None (same cost either way)."""
    user = find_user_by_login(login)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        log.info("account.login outcome=failure reason=credentials")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        log.info("account.login outcome=failure reason=credentials user_id=%s", user.id)
        return None
    log.info("account.login outcome=success user_id=%s", user.id)
    return user


def sign_in_refusal(user: User) -> str | None:
    """Why this member, who proved who they are, may not sign in yet: their sign-up
    waits for a moderator or was rejected. None when they may."""
    approval = db.session.get(SignupApproval, user.id)
    if approval is None or approval.status is SignupStatus.APPROVED:
        return None
    if approval.status is SignupStatus.PENDING:
        return (
            "A moderator approves every new account here, and yours waits for them. "
            "We will e-mail you when it is approved."
        )
    return f"A moderator did not approve your account. Their reason: {approval.reason}"


def record_sign_in(user: User, *, ip_address: str | None, user_agent: str | None) -> SignIn:
    """Keep this sign-in in the member's history, and forget the ones past retention."""
    now = utcnow()
    db.session.execute(
        delete(SignIn).where(
            SignIn.user_id == user.id,
            SignIn.created_at < now - timedelta(days=SIGN_IN_HISTORY_DAYS),
        )
    )
    sign_in = SignIn(
        user_id=user.id,
        created_at=now,
        ip_address=(ip_address or "")[:IP_ADDRESS_MAX_LENGTH],
        # Control characters would only garble the export; the rest is kept as sent.
        user_agent="".join(c for c in (user_agent or "") if c.isprintable())[
            :USER_AGENT_MAX_LENGTH
        ],
    )
    db.session.add(sign_in)
    db.session.commit()
    return sign_in


def end_all_sessions(user: User) -> None:
    """End every session and remember-me cookie of this member."""
    user.session_version = User.session_version + 1
    db.session.commit()
    log.info("account.sessions_ended user_id=%s", user.id)


# --- passwords ----------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an account; silent otherwise."""
    try:
        email = normalize_email(email)
    except ValidationFailed:
        return
    user = find_user_by_email(email)
    if user is None:
        return
    token = tokens.make_token(
        tokens.RESET_PASSWORD,
        {"uid": user.id, "pw": tokens.password_fingerprint(user.password_hash)},
    )
    queue_mail(
        user.email,
        "Reset your password",
        f"Hello {user.display_name},\n\nchoose a new password here:\n\n"
        f"{_external('accounts.reset_password', token=token)}\n\n"
        "The link works once, for one hour. If you did not ask, ignore this message.",
        user=user,
    )
    db.session.commit()
    log.info("account.reset_requested user_id=%s", user.id)


def user_for_reset_token(token: str) -> User | None:
    payload = tokens.read_token(
        tokens.RESET_PASSWORD, token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"]
    )
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None:
        return None
    if payload.get("pw") != tokens.password_fingerprint(user.password_hash):
        return None  # already used: the password it was bound to has changed
    return user


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; raises ValidationFailed."""
    user = user_for_reset_token(token)
    if user is None:
        raise ValidationFailed(None, "This reset link has expired or was already used.")
    check_password_strength(new_password, username=user.username, email=user.email)
    _set_password(user, new_password)
    # Whoever could read the mailbox has proven the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        _derive_employee_from_address(user)
    db.session.commit()
    log.info("account.password_reset user_id=%s", user.id)
    return user


def change_password(user: User, *, current_password: str, new_password: str) -> User:
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed("current_password", "That is not your current password.")
    check_password_strength(
        new_password, field="new_password", username=user.username, email=user.email
    )
    _set_password(user, new_password)
    db.session.commit()
    log.info("account.password_changed user_id=%s", user.id)
    return user


def _set_password(user: User, new_password: str) -> None:
    user.password_hash = hash_password(new_password)
    # A new password ends every other session, remember-me cookies included.
    user.session_version = User.session_version + 1


def change_display_name(user: User, *, display_name: str) -> User:
    """Set the name shown beside the member's posts; raises ValidationFailed."""
    user.display_name = check_display_name(display_name)
    db.session.commit()
    log.info("account.display_name_changed user_id=%s", user.id)
    return user


# --- e-mail change ------------------------------------------------------------


def request_email_change(user: User, *, password: str, new_email: str) -> str:
    """Send a confirmation link to the new address; returns the normalised address."""
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed("password", "That is not your current password.")
    new_email = normalize_email(new_email, field="new_email")
    if new_email == user.email:
        raise ValidationFailed("new_email", "That is already your address.")
    token = tokens.make_token(
        tokens.CHANGE_EMAIL, {"uid": user.id, "old": user.email, "new": new_email}
    )
    queue_mail(
        new_email,
        "Confirm your new e-mail address",
        f"Hello {user.display_name},\n\nconfirm this as your new Hearth address:\n\n"
        f"{_external('accounts.confirm_email_change', token=token)}\n\n"
        "The link works for three days.",
        user=user,
    )
    db.session.commit()
    log.info("account.email_change_requested user_id=%s", user.id)
    return new_email


def read_email_change_token(token: str) -> tuple[User, str] | None:
    payload = tokens.read_token(
        tokens.CHANGE_EMAIL, token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"]
    )
    if payload is None:
        return None
    user = db.session.get(User, payload.get("uid"))
    if user is None or user.email != payload.get("old"):
        return None
    return user, str(payload.get("new"))


def confirm_email_change(token: str) -> User:
    """Switch to the new address; raises ValidationFailed."""
    found = read_email_change_token(token)
    if found is None:
        raise ValidationFailed(None, "This link has expired or was already used.")
    user, new_email = found
    old_email = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    _derive_employee_from_address(user)
    # The old address hears of it in the same transaction: no change goes untold.
    queue_mail(
        old_email,
        "Your Hearth e-mail address was changed",
        f"Hello {user.display_name},\n\nyour account's address is now {new_email}.\n"
        "If you did not do this, reset your password at once.",
        user=user,
    )
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed(None, "That address now belongs to another account.") from error
    log.info("account.email_changed user_id=%s", user.id)
    return user


# --- administration -----------------------------------------------------------


def update_member(actor: User, member: User, *, role: Role, is_employee: bool) -> User:
    """Change a member's role and employee flag together; raises ValidationFailed."""
    policy.require_manage_members(actor)
    if member.id == actor.id and role is not Role.ADMIN:
        raise ValidationFailed("role", "You cannot remove your own admin role.")
    changes = {}
    if member.role is not role:
        changes["role"] = f"{member.role}->{role}"
        record_audit(
            actor,
            AuditAction.MEMBER_ROLE,
            target_type=AuditTarget.MEMBER,
            target_id=member.id,
            detail=changes["role"],
        )
        member.role = role
    if member.is_employee != is_employee:
        changes["is_employee"] = f"{member.is_employee}->{is_employee}"
        record_audit(
            actor,
            AuditAction.MEMBER_EMPLOYEE,
            target_type=AuditTarget.MEMBER,
            target_id=member.id,
            detail=changes["is_employee"],
        )
        member.is_employee = is_employee
        # The admin's choice stands over the address from now on: granted, it
        # survives a change of address; taken away, the domain does not restore it.
        member.is_employee_set_by_admin = True
    db.session.commit()
    log.info("admin.member_updated actor_id=%s user_id=%s changes=%s", actor.id, member.id, changes)
    return member


def create_admin(*, email: str, username: str, password: str, display_name: str = "") -> User:
    """Create a confirmed admin account (CLI); raises ValidationFailed."""
    email = normalize_email(email)
    username = check_username(username)
    check_password_strength(password, username=username, email=email)
    user = User(
        email=email,
        username=username,
        username_lower=username.lower(),
        display_name=check_display_name(display_name or username),
        password_hash=hash_password(password),
        role=Role.ADMIN,
        email_confirmed_at=utcnow(),
    )
    db.session.add(user)
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed(None, "An account with that e-mail or username exists.") from error
    return user


def _external(endpoint: str, **values: str) -> str:
    """An absolute link for e-mail, built on BASE_URL rather than the request's Host."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + url_for(endpoint, **values)
