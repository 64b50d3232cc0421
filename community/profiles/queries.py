"""Reading profiles for a viewer: the member, the fields they may see, the activity."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select, tuple_
from sqlalchemy.orm import contains_eager, lazyload

from community import policy
from community.accounts.models import AnonymousViewer, StandInViewer, User, Viewer
from community.database import utcnow
from community.errors import NotFound
from community.extensions import db
from community.profiles.models import (
    BUILT_IN_FIELDS,
    DataExport,
    FieldVisibility,
    Profile,
    ProfileAvatar,
    ProfileField,
    ProfileFieldKind,
    ProfileFieldValue,
)
from community.topics.models import Post, Topic, TopicKind
from community.topics.queries import TopicCursor

ACTIVITY_PER_PAGE = 20


class ViewAs(enum.StrEnum):
    """Whom "view my profile as…" shows the profile to."""

    ANONYMOUS = "anonymous"
    MEMBER = "member"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {"anonymous": "a visitor", "member": "a member", "staff": "staff"}[self.value]

    def viewer(self) -> Viewer:
        if self is ViewAs.ANONYMOUS:
            return AnonymousViewer()
        return StandInViewer(is_employee=self is ViewAs.STAFF)


# --- the member -----------------------------------------------------------------------


def get_member_or_404(viewer: Viewer, username: str) -> User:
    """The member called ``username``, if they exist for this viewer."""
    member = db.session.scalar(
        select(User).where(
            User.username_lower == (username or "").lower(), policy.visible_members_clause(viewer)
        )
    )
    if member is None:
        raise NotFound
    return member


def is_member_visible(viewer: Viewer, member: User) -> bool:
    return (
        db.session.scalar(
            select(User.id).where(User.id == member.id, policy.visible_members_clause(viewer))
        )
        is not None
    )


@dataclass(frozen=True)
class ShownField:
    label: str
    value: str
    visibility: FieldVisibility
    is_url: bool = False


@dataclass(frozen=True)
class ProfileView:
    """A profile as one viewer may see it: only the parts they may, nothing else."""

    member: User
    bio_html: str
    fields: list[ShownField]
    avatar: ProfileAvatar | None


def profile_for(viewer: Viewer, member: User) -> ProfileView:
    """What ``viewer`` may see of ``member``'s profile (three queries)."""
    profile = db.session.get(Profile, member.id) or Profile.blank(member.id)

    def shown(name: str) -> bool:
        return policy.can_see_profile_field(viewer, member.id, profile.visibility_of(name))

    fields = [
        ShownField(field.label, profile.value_of(field), profile.visibility_of(field.name),
                   field.is_url)
        for field in BUILT_IN_FIELDS
        if profile.value_of(field) and shown(field.name)
    ]  # fmt: skip
    answers = db.session.scalars(
        select(ProfileFieldValue)
        .join(ProfileField, ProfileField.id == ProfileFieldValue.field_id)
        .where(
            ProfileFieldValue.user_id == member.id,
            policy.visible_profile_fields_clause(
                viewer, ProfileFieldValue.user_id, ProfileFieldValue.visibility
            ),
        )
        .options(contains_eager(ProfileFieldValue.field))
        .order_by(ProfileField.position, ProfileField.id)
    )
    fields += [
        ShownField(answer.field.label, answer.value, answer.visibility,
                   answer.field.kind is ProfileFieldKind.URL)
        for answer in answers
    ]  # fmt: skip
    avatar = get_avatar(viewer, member, profile=profile)
    bio_html = profile.bio_html if profile.bio_source and shown("bio") else ""
    return ProfileView(member=member, bio_html=bio_html, fields=fields, avatar=avatar)


def get_avatar(
    viewer: Viewer, member: User, *, profile: Profile | None = None
) -> ProfileAvatar | None:
    """The member's avatar (metadata; the image loads on access), if the viewer may see it."""
    profile = profile or db.session.get(Profile, member.id) or Profile.blank(member.id)
    if not policy.can_see_profile_field(viewer, member.id, profile.visibility_of("avatar")):
        return None
    return db.session.get(ProfileAvatar, member.id)


def get_avatar_or_404(viewer: Viewer, username: str) -> ProfileAvatar:
    avatar = get_avatar(viewer, get_member_or_404(viewer, username))
    if avatar is None:
        raise NotFound
    return avatar


def own_profile(member: User) -> Profile:
    """The member's profile row for their edit form (a blank one before the first save)."""
    return db.session.get(Profile, member.id) or Profile.blank(member.id)


def own_answers(member: User) -> dict[int, ProfileFieldValue]:
    return {
        value.field_id: value
        for value in db.session.scalars(
            select(ProfileFieldValue).where(ProfileFieldValue.user_id == member.id)
        )
    }


# --- custom fields ------------------------------------------------------------------------


def list_profile_fields() -> list[ProfileField]:
    """Every admin-defined field, in the order forms and pages show them."""
    return list(
        db.session.scalars(select(ProfileField).order_by(ProfileField.position, ProfileField.id))
    )


def list_signup_fields() -> list[ProfileField]:
    return [field for field in list_profile_fields() if field.is_required]


def get_profile_field_or_404(viewer: Viewer, field_id: int) -> ProfileField:
    policy.require_manage_profile_fields(viewer)
    definition = db.session.get(ProfileField, field_id)
    if definition is None:
        raise NotFound
    return definition


# --- activity -------------------------------------------------------------------------


ACTIVITY_FILTERS = {
    "topics": and_(Post.post_number == 1, Topic.kind != TopicKind.IDEA),
    "replies": Post.post_number > 1,
    "ideas": and_(Post.post_number == 1, Topic.kind == TopicKind.IDEA),
}


@dataclass(frozen=True)
class ActivityCursor:
    """A position in a member's activity: the (created_at, id) of the last post shown."""

    created_at: datetime
    post_id: int

    def encode(self) -> str:
        return TopicCursor(self.created_at, self.post_id).encode()

    @classmethod
    def decode(cls, raw: str | None) -> ActivityCursor | None:
        # The same "<microseconds>.<id>" text the topic lists page with.
        position = TopicCursor.decode(raw)
        return None if position is None else cls(position.last_posted_at, position.topic_id)


@dataclass(frozen=True)
class ActivityPage:
    posts: list[Post]
    next_cursor: ActivityCursor | None


def list_activity(
    viewers: tuple[Viewer, ...],
    member: User,
    *,
    show: str | None = None,
    after: ActivityCursor | None = None,
    per_page: int = ACTIVITY_PER_PAGE,
) -> ActivityPage:
    """The member's posts, newest first, that every one of ``viewers`` may read.

    One viewer for a profile page; two for "view as", where the stand-in and the
    member must both be able to read a post (a member who left a space does not
    see its titles again through a stand-in). One query, a keyset page.
    """
    statement = (
        select(Post)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == member.id, policy.live_posts_clause())
        .where(*(policy.visible_topics_clause(viewer) for viewer in viewers))
        .options(
            contains_eager(Post.topic).joinedload(Topic.space),
            contains_eager(Post.topic).joinedload(Topic.idea),
            contains_eager(Post.topic).lazyload(Topic.tags),
            lazyload(Post.author),
        )
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(per_page + 1)
    )
    if show in ACTIVITY_FILTERS:
        statement = statement.where(ACTIVITY_FILTERS[show])
    if after is not None:
        statement = statement.where(
            tuple_(Post.created_at, Post.id) < tuple_(after.created_at, after.post_id)
        )
    posts = list(db.session.scalars(statement).unique())
    if len(posts) <= per_page:
        return ActivityPage(posts=posts, next_cursor=None)
    posts = posts[:per_page]
    return ActivityPage(posts=posts, next_cursor=ActivityCursor(posts[-1].created_at, posts[-1].id))


# --- exports ------------------------------------------------------------------------------


def list_exports(viewer: User) -> list[DataExport]:
    """The member's archives whose links still work, newest first (without the bytes)."""
    return list(
        db.session.scalars(
            select(DataExport)
            .where(DataExport.user_id == viewer.id, DataExport.expires_at > utcnow())
            .order_by(DataExport.id.desc())
        )
    )


def get_export_or_404(viewer: Viewer, token: str) -> DataExport:
    """The viewer's own, unexpired archive; anything else answers 404."""
    if not viewer.is_authenticated or not token:
        raise NotFound
    data_export = db.session.scalar(
        select(DataExport).where(DataExport.token == token, DataExport.user_id == viewer.id)
    )
    if data_export is None or data_export.is_expired:
        raise NotFound
    return data_export
