"""What a member tells the community about themselves, and what they take with them.

- ``Profile``: bio, company, job title, location, website, each with the visibility
  the member chose (the display name lives on ``users`` and is always shown: it
  stands beside every post);
- ``ProfileAvatar``: the picture, as re-encoded by ``community.profiles.avatars``;
- ``ProfileField`` and ``ProfileFieldValue``: fields an admin defines, and each
  member's answers, with their own visibility;
- ``DataExport``: a member's archive of their data (GDPR art. 15 and 20), kept for a
  short while behind a link only they can open.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from community.accounts.models import User
from community.database import Base, StrEnumType, UTCDateTime, utcnow

BIO_MAX_LENGTH = 2_000
SHORT_FIELD_MAX_LENGTH = 100
URL_MAX_LENGTH = 300
FIELD_LABEL_MAX_LENGTH = 60
FIELD_HINT_MAX_LENGTH = 200
FIELD_VALUE_MAX_LENGTH = 300
FIELD_CHOICES_MAX = 30
CUSTOM_FIELDS_MAX = 20


class FieldVisibility(enum.StrEnum):
    """Who sees one part of a profile; the member chooses per field."""

    EVERYONE = "everyone"
    MEMBERS = "members"  # signed-in members
    STAFF = "staff"  # employees, moderators and admins
    ONLY_ME = "only_me"

    @property
    def label(self) -> str:
        return {
            FieldVisibility.EVERYONE: "Everyone",
            FieldVisibility.MEMBERS: "Signed-in members",
            FieldVisibility.STAFF: "Staff only",
            FieldVisibility.ONLY_ME: "Only me",
        }[self]


@dataclass(frozen=True)
class BuiltInField:
    """One of the profile's own one-line fields (a column of ``profiles``)."""

    name: str
    label: str
    max_length: int
    default_visibility: FieldVisibility
    is_url: bool = False


# The one-line fields every profile has, in the order pages show them. Forms, pages,
# the export and erasure all read this list.
BUILT_IN_FIELDS = (
    BuiltInField("company", "Company", SHORT_FIELD_MAX_LENGTH, FieldVisibility.EVERYONE),
    BuiltInField("job_title", "Job title", SHORT_FIELD_MAX_LENGTH, FieldVisibility.EVERYONE),
    # Where someone lives is more personal than where they work.
    BuiltInField("location", "Location", SHORT_FIELD_MAX_LENGTH, FieldVisibility.MEMBERS),
    BuiltInField("website", "Website", URL_MAX_LENGTH, FieldVisibility.EVERYONE, is_url=True),
)


def _visibility_column(default: FieldVisibility) -> Mapped[FieldVisibility]:
    return mapped_column(StrEnumType(FieldVisibility), default=default)


class Profile(Base):
    """A member's profile; the row exists once they saved it (none: all empty)."""

    __tablename__ = "profiles"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # Markdown as written, and the HTML community.markdown rendered from it.
    bio_source: Mapped[str] = mapped_column(Text, default="")
    bio_html: Mapped[str] = mapped_column(Text, default="")
    bio_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.EVERYONE)
    company: Mapped[str] = mapped_column(String(SHORT_FIELD_MAX_LENGTH), default="")
    company_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.EVERYONE)
    job_title: Mapped[str] = mapped_column(String(SHORT_FIELD_MAX_LENGTH), default="")
    job_title_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.EVERYONE)
    location: Mapped[str] = mapped_column(String(SHORT_FIELD_MAX_LENGTH), default="")
    location_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.MEMBERS)
    website: Mapped[str] = mapped_column(String(URL_MAX_LENGTH), default="")
    website_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.EVERYONE)
    avatar_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.EVERYONE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    @classmethod
    def blank(cls, user_id: int) -> Profile:
        """A profile not saved yet: every field empty, each visibility its default."""
        profile = cls(
            user_id=user_id,
            bio_source="",
            bio_html="",
            bio_visibility=FieldVisibility.EVERYONE,
            avatar_visibility=FieldVisibility.EVERYONE,
        )
        for field in BUILT_IN_FIELDS:
            setattr(profile, field.name, "")
            setattr(profile, f"{field.name}_visibility", field.default_visibility)
        return profile

    def value_of(self, field: BuiltInField) -> str:
        return str(getattr(self, field.name) or "")

    def visibility_of(self, name: str) -> FieldVisibility:
        return FieldVisibility(getattr(self, f"{name}_visibility"))


AVATAR_CONTENT_TYPE_MAX_LENGTH = 20


class ProfileAvatar(Base):
    """The avatar as served: decoded, cropped and re-encoded (no metadata survives).

    In the database rather than on disk: every app server sees it, backups hold it
    beside the rows it belongs to, and erasing the member erases it.
    """

    __tablename__ = "profile_avatars"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    content_type: Mapped[str] = mapped_column(String(AVATAR_CONTENT_TYPE_MAX_LENGTH))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def version(self) -> str:
        """Changes with every new picture, so browsers may cache each one for long."""
        return str(int(self.updated_at.timestamp()))


class ProfileFieldKind(enum.StrEnum):
    TEXT = "text"
    CHOICE = "choice"
    URL = "url"

    @property
    def label(self) -> str:
        return {"text": "Text", "choice": "Choice from a list", "url": "Web address"}[self.value]


class ProfileField(Base):
    """A question an admin adds to every profile ("Which product do you use?")."""

    __tablename__ = "profile_fields"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(FIELD_LABEL_MAX_LENGTH), unique=True)
    hint: Mapped[str] = mapped_column(String(FIELD_HINT_MAX_LENGTH), default="")
    kind: Mapped[ProfileFieldKind] = mapped_column(StrEnumType(ProfileFieldKind))
    # For choice fields: the options, one per line, in the order the menu shows them.
    choices_text: Mapped[str] = mapped_column(Text, default="")
    # Required fields are asked for at sign-up; members who joined before keep
    # them empty until they fill them in.
    is_required: Mapped[bool] = mapped_column(Boolean, default=False)
    default_visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.MEMBERS)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def choices(self) -> list[str]:
        return [line.strip() for line in self.choices_text.splitlines() if line.strip()]

    @property
    def form_name(self) -> str:
        """The form field that carries this field's value."""
        return f"field_{self.id}"


class ProfileFieldValue(Base):
    """One member's answer to one admin-defined field."""

    __tablename__ = "profile_field_values"
    __table_args__ = (UniqueConstraint("field_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(ForeignKey("profile_fields.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    value: Mapped[str] = mapped_column(String(FIELD_VALUE_MAX_LENGTH))
    visibility: Mapped[FieldVisibility] = _visibility_column(FieldVisibility.MEMBERS)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    field: Mapped[ProfileField] = relationship(lazy="joined", innerjoin=True)


@dataclass(frozen=True)
class FieldAnswer:
    """What a member entered for one custom field, and who may see it."""

    value: str
    visibility: FieldVisibility


EXPORT_TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class DataExport(Base):
    """A member's archive: built on request, downloadable by them until it expires."""

    __tablename__ = "data_exports"
    __table_args__ = (Index("ix_data_exports_expires_at", "expires_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Unguessable, so links cannot be enumerated; a download also needs the owner's
    # session, so the token alone opens nothing.
    token: Mapped[str] = mapped_column(String(EXPORT_TOKEN_LENGTH), unique=True)
    archive: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    size_bytes: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= utcnow()

    @property
    def filename(self) -> str:
        return f"hearth-export-{self.created_at:%Y%m%d-%H%M%S}.zip"
