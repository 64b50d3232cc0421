"""Changing profiles, the fields admins define, exports and account deletion.

A member changes only their own profile, so these services take the member as the
actor; admins manage the custom fields and may delete a member's account (audited).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from community import policy
from community.accounts.models import Role, User
from community.accounts.services import check_display_name
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.markdown import render_markdown
from community.moderation.audit import record_audit
from community.moderation.models import AuditAction, AuditTarget
from community.profiles import avatars, erasure, export
from community.profiles.models import (
    BIO_MAX_LENGTH,
    BUILT_IN_FIELDS,
    CUSTOM_FIELDS_MAX,
    FIELD_CHOICES_MAX,
    FIELD_HINT_MAX_LENGTH,
    FIELD_LABEL_MAX_LENGTH,
    FIELD_VALUE_MAX_LENGTH,
    URL_MAX_LENGTH,
    DataExport,
    FieldAnswer,
    FieldVisibility,
    Profile,
    ProfileAvatar,
    ProfileField,
    ProfileFieldKind,
    ProfileFieldValue,
)

log = logging.getLogger(__name__)

REASON_MAX_LENGTH = 1_000


# --- checking what members type ---------------------------------------------------


def check_url(raw: str, *, field: str, max_length: int = URL_MAX_LENGTH) -> str:
    """An http(s) address with a host, or "" for none; raises ValidationFailed."""
    url = (raw or "").strip()
    if not url:
        return ""
    if len(url) > max_length:
        raise ValidationFailed(field, f"An address has at most {max_length} characters.")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValidationFailed(field, "Use a web address that starts with https:// or http://.")
    if any(character.isspace() for character in url):
        raise ValidationFailed(field, "A web address has no spaces.")
    return url


def _check_line(raw: str, *, field: str, label: str, max_length: int) -> str:
    value = " ".join((raw or "").split())
    if len(value) > max_length:
        raise ValidationFailed(
            field, f"{label} has at most {max_length} characters; this has {len(value)}."
        )
    return value


def check_answer(definition: ProfileField, raw: str) -> str:
    """A member's answer to a custom field, as it will be stored; raises ValidationFailed."""
    name = definition.form_name
    if definition.kind is ProfileFieldKind.URL:
        value = check_url(raw, field=name, max_length=FIELD_VALUE_MAX_LENGTH)
    else:
        value = _check_line(
            raw, field=name, label=definition.label, max_length=FIELD_VALUE_MAX_LENGTH
        )
    if definition.kind is ProfileFieldKind.CHOICE and value and value not in definition.choices:
        raise ValidationFailed(name, "Choose one of the options in the list.")
    return value


def check_signup_answers(
    definitions: list[ProfileField], raw: Mapping[str, str]
) -> dict[int, FieldAnswer]:
    """The answers to the fields asked at sign-up, each required one present.

    ``accounts.services.register_user`` stores them with the new account.
    """
    answers = {}
    for definition in definitions:
        value = check_answer(definition, raw.get(definition.form_name, ""))
        if definition.is_required and not value:
            raise ValidationFailed(definition.form_name, f"Tell us your {definition.label}.")
        if value:
            answers[definition.id] = FieldAnswer(value, definition.default_visibility)
    return answers


# --- the member's own profile -----------------------------------------------------


def _profile_of(member: User) -> Profile:
    profile = db.session.get(Profile, member.id)
    if profile is None:
        profile = Profile.blank(member.id)
        db.session.add(profile)
    return profile


def update_profile(
    actor: User,
    *,
    display_name: str,
    bio: str,
    fields: Mapping[str, str],
    visibility: Mapping[str, FieldVisibility],
    answers: Mapping[int, FieldAnswer],
) -> Profile:
    """Save the actor's profile; every value is checked before anything changes.

    ``fields`` holds the built-in one-line fields by name, ``visibility`` the choice
    for ``bio``, ``avatar`` and each of them, ``answers`` the custom fields by id.
    Raises ValidationFailed naming the field at fault.
    """
    display_name = check_display_name(display_name)
    bio = (bio or "").strip()
    if len(bio) > BIO_MAX_LENGTH:
        raise ValidationFailed(
            "bio", f"About me has at most {BIO_MAX_LENGTH:,} characters; this has {len(bio):,}."
        )
    values = {}
    for field in BUILT_IN_FIELDS:
        raw = fields.get(field.name, "")
        if field.is_url:
            values[field.name] = check_url(raw, field=field.name, max_length=field.max_length)
        else:
            values[field.name] = _check_line(
                raw, field=field.name, label=field.label, max_length=field.max_length
            )
    definitions = {d.id: d for d in db.session.scalars(select(ProfileField))}
    checked = {
        field_id: FieldAnswer(check_answer(definitions[field_id], answer.value), answer.visibility)
        for field_id, answer in answers.items()
        if field_id in definitions
    }

    actor.display_name = display_name
    profile = _profile_of(actor)
    profile.bio_source = bio
    profile.bio_html = render_markdown(bio) if bio else ""
    for name, value in values.items():
        setattr(profile, name, value)
    for name, choice in visibility.items():
        setattr(profile, f"{name}_visibility", FieldVisibility(choice))
    profile.updated_at = utcnow()
    _save_answers(actor, checked)
    db.session.commit()
    log.info("profile.updated user_id=%s", actor.id)
    return profile


def _save_answers(member: User, answers: Mapping[int, FieldAnswer]) -> None:
    existing = {
        value.field_id: value
        for value in db.session.scalars(
            select(ProfileFieldValue).where(ProfileFieldValue.user_id == member.id)
        )
    }
    for field_id, answer in answers.items():
        row = existing.get(field_id)
        if not answer.value:
            if row is not None:
                db.session.delete(row)
            continue
        if row is None:
            row = ProfileFieldValue(field_id=field_id, user_id=member.id)
            db.session.add(row)
        row.value = answer.value
        row.visibility = answer.visibility
        row.updated_at = utcnow()


def set_avatar(actor: User, *, data: bytes) -> ProfileAvatar:
    """Replace the actor's avatar with the picture in ``data``; raises ValidationFailed."""
    picture = avatars.reencode_avatar(data)
    _profile_of(actor)
    avatar = db.session.get(ProfileAvatar, actor.id)
    if avatar is None:
        avatar = ProfileAvatar(user_id=actor.id)
        db.session.add(avatar)
    avatar.image = picture.image
    avatar.content_type = picture.content_type
    avatar.width = picture.width
    avatar.height = picture.height
    avatar.updated_at = utcnow()
    db.session.commit()
    log.info("profile.avatar_set user_id=%s bytes=%s", actor.id, len(picture.image))
    return avatar


def remove_avatar(actor: User) -> None:
    db.session.execute(delete(ProfileAvatar).where(ProfileAvatar.user_id == actor.id))
    db.session.commit()
    log.info("profile.avatar_removed user_id=%s", actor.id)


# --- custom fields (admins) ---------------------------------------------------------


def _check_definition(
    *, label: str, hint: str, kind: ProfileFieldKind, choices: str
) -> tuple[str, str, str]:
    label = " ".join((label or "").split())
    if not label:
        raise ValidationFailed("label", "Name the field.")
    if len(label) > FIELD_LABEL_MAX_LENGTH:
        raise ValidationFailed("label", f"A name has at most {FIELD_LABEL_MAX_LENGTH} characters.")
    hint = " ".join((hint or "").split())
    if len(hint) > FIELD_HINT_MAX_LENGTH:
        raise ValidationFailed("hint", f"A hint has at most {FIELD_HINT_MAX_LENGTH} characters.")
    options = [line.strip() for line in (choices or "").splitlines() if line.strip()]
    if kind is ProfileFieldKind.CHOICE:
        if not options:
            raise ValidationFailed("choices", "List the options, one per line.")
        if len(options) > FIELD_CHOICES_MAX:
            raise ValidationFailed("choices", f"A field has at most {FIELD_CHOICES_MAX} options.")
        too_long = [option for option in options if len(option) > FIELD_VALUE_MAX_LENGTH]
        if too_long:
            raise ValidationFailed(
                "choices", f"An option has at most {FIELD_VALUE_MAX_LENGTH} characters."
            )
    else:
        options = []
    return label, hint, "\n".join(options)


def create_profile_field(
    actor: User,
    *,
    label: str,
    hint: str = "",
    kind: ProfileFieldKind,
    choices: str = "",
    is_required: bool = False,
    default_visibility: FieldVisibility = FieldVisibility.MEMBERS,
) -> ProfileField:
    """Add a field to every profile; raises ValidationFailed (a taken name included)."""
    policy.require_manage_profile_fields(actor)
    kind = ProfileFieldKind(kind)
    label, hint, choices = _check_definition(label=label, hint=hint, kind=kind, choices=choices)
    count = db.session.scalar(select(func.count(ProfileField.id))) or 0
    if count >= CUSTOM_FIELDS_MAX:
        raise ValidationFailed(None, f"A profile has at most {CUSTOM_FIELDS_MAX} custom fields.")
    definition = ProfileField(
        label=label,
        hint=hint,
        kind=kind,
        choices_text=choices,
        is_required=is_required,
        default_visibility=FieldVisibility(default_visibility),
        position=count,
    )
    db.session.add(definition)
    _commit_label()
    log.info("profile.field_created actor_id=%s field_id=%s", actor.id, definition.id)
    return definition


def update_profile_field(
    actor: User,
    definition: ProfileField,
    *,
    label: str,
    hint: str,
    choices: str,
    is_required: bool,
    default_visibility: FieldVisibility,
) -> ProfileField:
    """Rename a field or change its options; its kind stays (answers depend on it)."""
    policy.require_manage_profile_fields(actor)
    label, hint, choices = _check_definition(
        label=label, hint=hint, kind=definition.kind, choices=choices
    )
    definition.label = label
    definition.hint = hint
    definition.choices_text = choices
    definition.is_required = is_required
    definition.default_visibility = FieldVisibility(default_visibility)
    _commit_label()
    log.info("profile.field_updated actor_id=%s field_id=%s", actor.id, definition.id)
    return definition


def delete_profile_field(actor: User, definition: ProfileField) -> None:
    """Remove a field and every member's answer to it."""
    policy.require_manage_profile_fields(actor)
    db.session.delete(definition)
    db.session.commit()
    log.info("profile.field_deleted actor_id=%s field_id=%s", actor.id, definition.id)


def _commit_label() -> None:
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise ValidationFailed("label", "Another field already has that name.") from error


# --- export -------------------------------------------------------------------------


def _confirm_password(user: User, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed("password", "That is not your current password.")


def request_export(actor: User, *, password: str) -> DataExport:
    """Build the actor's archive now, after they confirm their password.

    Built in the request: a member with 10,000 posts gets theirs in seconds (see
    ``bench/export.py``), so no worker is needed. Expired archives, the member's
    and everyone's, are deleted on the way. Raises ValidationFailed.
    """
    _confirm_password(actor, password)
    now = utcnow()
    db.session.execute(delete(DataExport).where(DataExport.expires_at <= now))
    archive = export.build_archive(actor)
    data_export = DataExport(
        user_id=actor.id,
        token=secrets.token_urlsafe(32),
        archive=archive,
        size_bytes=len(archive),
        created_at=now,
        expires_at=now + timedelta(hours=current_app.config["EXPORT_LINK_HOURS"]),
    )
    db.session.add(data_export)
    db.session.commit()
    log.info("profile.export_built user_id=%s bytes=%s", actor.id, len(archive))
    return data_export


def purge_expired_exports() -> int:
    """Delete every archive whose link has expired; returns how many."""
    removed = db.session.execute(delete(DataExport).where(DataExport.expires_at <= utcnow()))
    db.session.commit()
    log.info("profile.exports_purged count=%s", removed.rowcount)
    return removed.rowcount


# --- deletion -----------------------------------------------------------------------


def delete_own_account(actor: User, *, password: str, remove_posts: bool) -> None:
    """Erase the actor's account (GDPR art. 17) after they confirm their password.

    Their posts stay under "former member" unless ``remove_posts``. Raises
    ValidationFailed for a wrong password or when the last admin would go.
    """
    _confirm_password(actor, password)
    _keep_an_admin(actor)
    member_id = actor.id
    erasure.erase_member(actor, remove_posts=remove_posts)
    db.session.commit()
    log.info("account.deleted user_id=%s by=self remove_posts=%s", member_id, remove_posts)


def delete_member(
    actor: User, member: User, *, password: str, reason: str, remove_posts: bool
) -> None:
    """An admin erases another member's account, with a reason for the audit log.

    The reason is kept, with the member's name, username and address taken out of
    it, so the log holds no personal data of theirs. Raises NotFound for non-admins
    and ValidationFailed for a wrong password, a missing reason or one's own account.
    """
    policy.require_manage_members(actor)
    if member.id == actor.id:
        raise ValidationFailed(None, "Delete your own account from your account settings.")
    _confirm_password(actor, password)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("reason", "Say why the account is being deleted.")
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationFailed("reason", f"A reason has at most {REASON_MAX_LENGTH} characters.")
    _keep_an_admin(member)
    member_id = member.id
    reason = erasure.redact(reason, erasure.identifiers_of(member))
    erasure.erase_member(member, remove_posts=remove_posts)
    record_audit(
        actor,
        AuditAction.MEMBER_DELETE,
        target_type=AuditTarget.MEMBER,
        target_id=member_id,
        reason=reason,
        detail=f"remove_posts={remove_posts}",
    )
    db.session.commit()
    log.info(
        "account.deleted user_id=%s by=admin actor_id=%s remove_posts=%s",
        member_id, actor.id, remove_posts,
    )  # fmt: skip


def _keep_an_admin(member: User) -> None:
    if member.role is not Role.ADMIN:
        return
    admins = db.session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN))
    if admins <= 1:
        raise ValidationFailed(
            None, "This is the only admin account: make another member an admin first."
        )
