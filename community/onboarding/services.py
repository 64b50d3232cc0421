"""Onboarding changes: first sign-ins, reading the guidelines, the admins' settings,
and moderators' welcome messages."""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from community import policy
from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.mail import external_url, send_mail
from community.markdown import render_markdown
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.onboarding import queries
from community.onboarding.models import (
    GUIDELINES_MAX_LENGTH,
    SETTINGS_ID,
    WELCOME_NOTE_MAX_LENGTH,
    MemberOnboarding,
    OnboardingSettings,
)
from community.spaces.models import Space, Visibility

log = logging.getLogger(__name__)


def _ensure_row(user: User) -> None:
    """The member's onboarding row exists after this (inserted in a savepoint, so a
    concurrent insert of the same row is harmless)."""
    try:
        with db.session.begin_nested():
            db.session.add(MemberOnboarding(user_id=user.id))
    except IntegrityError:
        pass


def _set_once(user: User, column: str, **values: object) -> bool:
    """Set ``column`` (and ``values``) if it is still empty; True when this call did.

    A conditional UPDATE: of two requests at once, or a double-clicked button, only
    one acts.
    """
    _ensure_row(user)
    changed = db.session.execute(
        update(MemberOnboarding)
        .where(
            MemberOnboarding.user_id == user.id,
            getattr(MemberOnboarding, column).is_(None),
        )
        .values({column: utcnow(), **values})
    ).rowcount
    return bool(changed)


def record_sign_in(user: User) -> bool:
    """Note a sign-in; True for the member's first, after which they see the welcome page."""
    is_first = _set_once(user, "first_signed_in_at")
    db.session.commit()
    if is_first:
        log.info("onboarding.first_sign_in user_id=%s", user.id)
    return is_first


def mark_guidelines_read(user: User) -> None:
    """The member says they have read the guidelines (once is enough)."""
    if _set_once(user, "guidelines_read_at"):
        log.info("onboarding.guidelines_read user_id=%s", user.id)
    db.session.commit()


def update_onboarding_settings(
    actor: User, *, guidelines: str, welcome_space: Space | None
) -> OnboardingSettings:
    """Save the guidelines (Markdown) and the welcome space; raises ValidationFailed."""
    policy.require_edit_onboarding(actor)
    guidelines = (guidelines or "").strip()
    if len(guidelines) > GUIDELINES_MAX_LENGTH:
        raise ValidationFailed(
            "guidelines",
            f"The guidelines have at most {GUIDELINES_MAX_LENGTH:,} characters; "
            f"these have {len(guidelines):,}.",
        )
    if welcome_space is not None and welcome_space.visibility is not Visibility.PUBLIC:
        raise ValidationFailed(
            "welcome_space", "Choose a public space: every newcomer must be able to post there."
        )
    settings = db.session.get(OnboardingSettings, SETTINGS_ID)
    if settings is None:
        settings = OnboardingSettings(id=SETTINGS_ID)
        db.session.add(settings)
    new_space_id = welcome_space.id if welcome_space is not None else None
    if guidelines != settings.guidelines_source:
        record_audit(actor, AuditAction.SITE_GUIDELINES, detail=f"length={len(guidelines)}")
        settings.guidelines_source = guidelines
        settings.guidelines_html = render_markdown(guidelines) if guidelines else ""
    if new_space_id != settings.welcome_space_id:
        record_audit(
            actor,
            AuditAction.SITE_WELCOME_SPACE,
            target_type=AuditTarget.SPACE if welcome_space is not None else None,
            target_id=new_space_id,
            space=welcome_space,
            detail=f"{settings.welcome_space_id}->{new_space_id}",
        )
        settings.welcome_space_id = new_space_id
    settings.updated_at = utcnow()
    settings.updated_by_id = actor.id
    db.session.commit()
    log.info("onboarding.settings actor_id=%s welcome_space_id=%s", actor.id, new_space_id)
    return settings


def send_welcome_message(actor: User, member: User, *, note: str = "") -> bool:
    """Mail a newcomer a moderator's welcome, once; False when someone already did.

    Raises NotFound for non-moderators and ValidationFailed for an address that is
    not confirmed (it may not be theirs) or a note that is too long.
    """
    policy.require_welcome_newcomers(actor)
    note = (note or "").strip()
    if len(note) > WELCOME_NOTE_MAX_LENGTH:
        raise ValidationFailed(
            "note", f"A note has at most {WELCOME_NOTE_MAX_LENGTH:,} characters."
        )
    if not member.is_confirmed:
        raise ValidationFailed(
            None, f"{member.display_name} has not confirmed their address yet; welcome them later."
        )
    if not _set_once(member, "welcomed_at", welcomed_by_id=actor.id):
        db.session.rollback()
        return False
    record_audit(
        actor, AuditAction.MEMBER_WELCOME, target_type=AuditTarget.MEMBER, target_id=member.id
    )
    db.session.commit()
    log.info("onboarding.welcomed actor_id=%s user_id=%s", actor.id, member.id)
    # By e-mail for now; with the in-app notifications outbox this becomes a
    # notification to the member as well.
    _mail_welcome(actor, member, note)
    return True


def _mail_welcome(actor: User, member: User, note: str) -> None:
    settings = queries.get_settings()
    lines = [
        f"Hello {member.display_name},",
        "",
        f"welcome to the community! I'm {actor.display_name}, one of the moderators.",
    ]
    if note:
        lines += ["", note]
    lines += ["", f"Your first steps are here: {external_url('onboarding.welcome')}"]
    if settings.guidelines_source:
        lines.append(f"Our guidelines: {external_url('onboarding.guidelines')}")
    if settings.welcome_space is not None:
        lines.append(
            "Say hello in "
            f"{settings.welcome_space.name}: "
            f"{external_url('spaces.show', slug=settings.welcome_space.slug)}"
        )
    send_mail(member.email, f"Welcome, {member.display_name}", "\n".join(lines))
