"""Rows of the member's archive: one function per file, each a query or two.

Every function takes the member and returns plain dicts of JSON values. Where the
member can no longer read a topic its title and space come back empty (the CASE
in ``_title``): the row stays, as the member's own data, without what others wrote.
``community.profiles.export`` lists them in its registry.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    case,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import aliased

from community import policy
from community.accounts.models import SignIn, User
from community.answers.models import AnswerVote
from community.dashboard.models import SummarySubscription
from community.extensions import db
from community.groups.models import Group, GroupMember, GroupRequest
from community.ideas.models import Idea, IdeaNote, IdeaStatusChange, IdeaVote
from community.invites.models import Invite, InviteUse, invite_spaces
from community.moderation.models import AuditEntry, AuditTarget, PostFlag, SignupApproval
from community.notifications.models import (
    EmailPreference,
    Notification,
    OutgoingMail,
    SpaceWatch,
    TopicRead,
    TopicWatch,
)
from community.onboarding.models import MemberOnboarding, OnboardingSettings
from community.profiles.models import (
    BUILT_IN_FIELDS,
    DataExport,
    FieldVisibility,
    Profile,
    ProfileAvatar,
    ProfileFieldValue,
)
from community.sanctions.models import Sanction
from community.spaces.models import (
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Space,
)
from community.tags.models import Tag
from community.topics.models import Post, PostRevision, Topic
from community.trust.models import MemberStats, MemberVisit

Row = dict[str, Any]
# The avatar's file in the archive, by the type it was re-encoded as.
AVATAR_NAMES = {"image/png": "avatar.png", "image/jpeg": "avatar.jpg"}


# --- what the member may still read -----------------------------------------------


def _title(member: User) -> ColumnElement[str | None]:
    """The topic's title where the member can still read the topic, else NULL."""
    return case((policy.visible_topics_clause(member), Topic.title), else_=None)


def _space(member: User) -> ColumnElement[str | None]:
    return case((policy.visible_topics_clause(member), Space.name), else_=None)


def _readable_space(member: User) -> ColumnElement[str | None]:
    return case((policy.readable_spaces_clause(member), Space.name), else_=None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _url(topic_id: int, title: str | None) -> str | None:
    if title is None:
        return None
    return f"{current_app.config['BASE_URL'].rstrip('/')}/t/{topic_id}"


def _fetch(statement: Any) -> list[Row]:
    """Plain dicts of a Core statement's rows, times as ISO 8601 strings."""
    return [
        {key: _iso(value) if isinstance(value, datetime) else value for key, value in row.items()}
        for row in db.session.execute(statement).mappings()
    ]


def account(member: User) -> list[Row]:
    return [
        {
            "id": member.id,
            "username": member.username,
            "display_name": member.display_name,
            "email": member.email,
            "email_confirmed_at": _iso(member.email_confirmed_at),
            "role": member.role.value,
            "is_employee": member.is_employee,
            "trust_level": member.trust_level,
            "created_at": _iso(member.created_at),
            "last_seen_at": _iso(member.last_seen_at),
        }
    ]


def profile(member: User) -> list[Row]:
    profile = db.session.get(Profile, member.id) or Profile.blank(member.id)
    avatar = db.session.get(ProfileAvatar, member.id)
    rows: list[Row] = [
        {"field": "display_name", "label": "Display name", "value": member.display_name,
         "visibility": FieldVisibility.EVERYONE.value},
        {"field": "bio", "label": "About me (Markdown)", "value": profile.bio_source or "",
         "visibility": profile.visibility_of("bio").value},
    ]  # fmt: skip
    for field in BUILT_IN_FIELDS:
        rows.append(
            {
                "field": field.name,
                "label": field.label,
                "value": profile.value_of(field),
                "visibility": profile.visibility_of(field.name).value,
            }
        )
    rows.append(
        {
            "field": "avatar",
            "label": "Avatar",
            "value": AVATAR_NAMES.get(avatar.content_type, "") if avatar else "",
            "visibility": profile.visibility_of("avatar").value,
        }
    )
    values = db.session.scalars(
        select(ProfileFieldValue).where(ProfileFieldValue.user_id == member.id)
    )
    for value in values:
        rows.append(
            {
                "field": value.field.form_name,
                "label": value.field.label,
                "value": value.value,
                "visibility": value.visibility.value,
            }
        )
    return rows


def topics(member: User) -> list[Row]:
    statement = (
        select(
            Topic.id,
            Topic.kind,
            _title(member).label("title"),
            _space(member).label("space"),
            Topic.created_at,
            (Topic.deleted_at.is_not(None)).label("is_deleted"),
        )
        .join(Space, Space.id == Topic.space_id)
        .where(Topic.author_id == member.id)
        .order_by(Topic.id)
    )
    rows = _fetch(statement)
    for row in rows:
        row["url"] = _url(row["id"], row["title"])
    return rows


def posts(member: User) -> list[Row]:
    """Every post with its Markdown and its earlier versions: two queries in all."""
    visible = policy.visible_topics_clause(member)
    revisions: dict[int, list[Row]] = {}
    revision_rows = db.session.execute(
        select(
            PostRevision.post_id,
            PostRevision.revision_number,
            case((visible, PostRevision.title), else_=None).label("title"),
            PostRevision.body_source,
            PostRevision.created_at,
            (PostRevision.editor_id == member.id).label("edited_by_me"),
        )
        .join(Post, Post.id == PostRevision.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == member.id)
        .order_by(PostRevision.post_id, PostRevision.revision_number)
    )
    for row in revision_rows:
        revisions.setdefault(row.post_id, []).append(
            {
                "revision_number": row.revision_number,
                "title": row.title,
                "body_markdown": row.body_source,
                "created_at": _iso(row.created_at),
                "edited_by_me": bool(row.edited_by_me),
            }
        )
    statement = (
        select(
            Post.id,
            Post.topic_id,
            _title(member).label("topic_title"),
            Post.post_number,
            Post.body_source.label("body_markdown"),
            Post.created_at,
            Post.edited_at,
            Post.deleted_at,
            Post.is_wiki,
            Post.review_state,
            Post.review_reason.label("rejection_reason"),
        )
        .join(Topic, Topic.id == Post.topic_id)
        .where(Post.author_id == member.id)
        .order_by(Post.id)
    )
    rows = _fetch(statement)
    for row in rows:
        row["revisions"] = revisions.get(row["id"], [])
    return rows


def signup_approval(member: User) -> list[Row]:
    return _fetch(
        select(
            SignupApproval.status,
            SignupApproval.created_at,
            SignupApproval.decided_at,
            SignupApproval.reason,
        ).where(SignupApproval.user_id == member.id)
    )


def flags(member: User) -> list[Row]:
    """Flags the member raised (the post's text is not theirs: its number only)."""
    return _fetch(
        select(
            PostFlag.post_id,
            Post.topic_id,
            _title(member).label("title"),
            PostFlag.reason,
            PostFlag.note,
            PostFlag.created_at,
            PostFlag.resolved_at,
            PostFlag.outcome,
        )
        .join(Post, Post.id == PostFlag.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(PostFlag.flagger_id == member.id)
        .order_by(PostFlag.id)
    )


def ideas(member: User) -> list[Row]:
    return _fetch(
        select(
            Idea.topic_id,
            _title(member).label("title"),
            Idea.status,
            Idea.vote_count,
            Idea.created_at,
        )
        .join(Topic, Topic.id == Idea.topic_id)
        .where(Topic.author_id == member.id)
        .order_by(Idea.topic_id)
    )


def idea_votes(member: User) -> list[Row]:
    return _fetch(
        select(IdeaVote.topic_id, _title(member).label("title"), IdeaVote.created_at)
        .join(Topic, Topic.id == IdeaVote.topic_id)
        .where(IdeaVote.user_id == member.id)
        .order_by(IdeaVote.id)
    )


def answer_votes(member: User) -> list[Row]:
    return _fetch(
        select(
            AnswerVote.post_id, Post.topic_id, _title(member).label("title"), AnswerVote.created_at
        )
        .join(Post, Post.id == AnswerVote.post_id)
        .join(Topic, Topic.id == Post.topic_id)
        .where(AnswerVote.user_id == member.id)
        .order_by(AnswerVote.id)
    )


def accepted_answers(member: User) -> list[Row]:
    return _fetch(
        select(Post.id.label("post_id"), Topic.id.label("topic_id"),
               _title(member).label("title"), Topic.accepted_at)
        .join(Topic, Topic.accepted_post_id == Post.id)
        .where(Post.author_id == member.id)
        .order_by(Post.id)
    )  # fmt: skip


def memberships(member: User) -> list[Row]:
    return _fetch(
        select(
            Membership.space_id,
            _readable_space(member).label("space"),
            Membership.role,
            Membership.created_at,
        )
        .join(Space, Space.id == Membership.space_id)
        .where(Membership.user_id == member.id)
        .order_by(Membership.id)
    )


def join_requests(member: User) -> list[Row]:
    return _fetch(
        select(
            JoinRequest.id,
            case((policy.listed_spaces_clause(member), Space.name), else_=None).label("space"),
            JoinRequest.message,
            JoinRequest.status,
            JoinRequest.created_at,
            JoinRequest.decided_at,
            JoinRequest.note.label("note_from_staff"),
        )
        .join(Space, Space.id == JoinRequest.space_id)
        .where(JoinRequest.user_id == member.id)
        .order_by(JoinRequest.id)
    )


def _invite_spaces(member: User, invite_ids: Any) -> dict[int, list[str]]:
    """The names of each invite's spaces that the member may still read."""
    names: dict[int, list[str]] = {}
    for invite_id, name in db.session.execute(
        select(invite_spaces.c.invite_id, Space.name)
        .join(Space, Space.id == invite_spaces.c.space_id)
        .where(invite_spaces.c.invite_id.in_(invite_ids), policy.readable_spaces_clause(member))
        .order_by(Space.name)
    ):
        names.setdefault(invite_id, []).append(name)
    return names


def invites_sent(member: User) -> list[Row]:
    mine = select(Invite.id).where(Invite.created_by_id == member.id)
    uses: dict[int, list[str | None]] = {}
    for invite_id, used_at in db.session.execute(
        select(InviteUse.invite_id, InviteUse.used_at)
        .where(InviteUse.invite_id.in_(mine))
        .order_by(InviteUse.id)
    ):
        uses.setdefault(invite_id, []).append(_iso(used_at))
    spaces = _invite_spaces(member, mine)
    rows = _fetch(
        select(
            Invite.id,
            Invite.grants_employee,
            (Invite.email != "").label("was_mailed"),
            Invite.max_uses,
            Invite.use_count,
            Invite.created_at,
            Invite.expires_at,
            Invite.revoked_at,
        )
        .where(Invite.created_by_id == member.id)
        .order_by(Invite.id)
    )
    for row in rows:
        row["spaces"] = spaces.get(row["id"], [])
        # When each use happened; who joined, and whom it was mailed to, is theirs.
        row["used_at"] = uses.get(row["id"], [])
    return rows


def invites_used(member: User) -> list[Row]:
    used = select(InviteUse.invite_id).where(InviteUse.user_id == member.id)
    spaces = _invite_spaces(member, used)
    rows = _fetch(
        select(InviteUse.invite_id, InviteUse.used_at)
        .where(InviteUse.user_id == member.id)
        .order_by(InviteUse.id)
    )
    for row in rows:
        row["spaces"] = spaces.get(row["invite_id"], [])
    return rows


def _group_name(member: User) -> ColumnElement[str | None]:
    return case((policy.visible_groups_clause(member), Group.name), else_=None)


def groups(member: User) -> list[Row]:
    return _fetch(
        select(_group_name(member).label("group"), GroupMember.is_owner, GroupMember.created_at)
        .join(Group, Group.id == GroupMember.group_id)
        .where(GroupMember.user_id == member.id)
        .order_by(GroupMember.id)
    )


def group_requests(member: User) -> list[Row]:
    return _fetch(
        select(
            GroupRequest.id,
            _group_name(member).label("group"),
            GroupRequest.message,
            GroupRequest.status,
            GroupRequest.created_at,
            GroupRequest.decided_at,
            GroupRequest.note.label("note_from_staff"),
        )
        .join(Group, Group.id == GroupRequest.group_id)
        .where(GroupRequest.user_id == member.id)
        .order_by(GroupRequest.id)
    )


def onboarding(member: User) -> list[Row]:
    return _fetch(
        select(
            MemberOnboarding.first_signed_in_at,
            MemberOnboarding.guidelines_read_at,
            MemberOnboarding.welcomed_at,
        ).where(MemberOnboarding.user_id == member.id)
    )


def notifications(member: User) -> list[Row]:
    return _fetch(
        select(
            Notification.id,
            Notification.kind,
            Notification.topic_id,
            _title(member).label("title"),
            Notification.detail,
            Notification.created_at,
            Notification.read_at,
        )
        # Outer: a notification about a space or for the member alone has no topic.
        .outerjoin(Topic, Topic.id == Notification.topic_id)
        .where(Notification.user_id == member.id)
        .order_by(Notification.id)
    )


def watches(member: User) -> list[Row]:
    return _fetch(
        select(TopicWatch.topic_id, _title(member).label("title"), TopicWatch.level,
               TopicWatch.created_at)
        .join(Topic, Topic.id == TopicWatch.topic_id)
        .where(TopicWatch.user_id == member.id)
        .order_by(TopicWatch.id)
    )  # fmt: skip


def space_watches(member: User) -> list[Row]:
    return _fetch(
        select(SpaceWatch.space_id, _readable_space(member).label("space"), SpaceWatch.level,
               SpaceWatch.created_at)
        .join(Space, Space.id == SpaceWatch.space_id)
        .where(SpaceWatch.user_id == member.id)
        .order_by(SpaceWatch.id)
    )  # fmt: skip


def topic_reads(member: User) -> list[Row]:
    return _fetch(
        select(TopicRead.topic_id, _title(member).label("title"),
               TopicRead.last_read_post_number, TopicRead.updated_at)
        .join(Topic, Topic.id == TopicRead.topic_id)
        .where(TopicRead.user_id == member.id)
        .order_by(TopicRead.id)
    )  # fmt: skip


def email_preferences(member: User) -> list[Row]:
    return _fetch(
        select(EmailPreference.kind, EmailPreference.frequency, EmailPreference.updated_at)
        .where(EmailPreference.user_id == member.id)
        .order_by(EmailPreference.id)
    )


def mail(member: User) -> list[Row]:
    # What was written to them, not how: bodies of notification mail are composed at
    # sending from what they could read then, and are not kept for every kind.
    return _fetch(
        select(OutgoingMail.purpose, OutgoingMail.subject, OutgoingMail.status,
               OutgoingMail.created_at, OutgoingMail.sent_at)
        .where(OutgoingMail.user_id == member.id)
        .order_by(OutgoingMail.id)
    )  # fmt: skip


def summary_subscriptions(member: User) -> list[Row]:
    return _fetch(
        select(SummarySubscription.created_at, SummarySubscription.last_sent_week).where(
            SummarySubscription.user_id == member.id
        )
    )


def sign_ins(member: User) -> list[Row]:
    return _fetch(
        select(SignIn.created_at, SignIn.ip_address, SignIn.user_agent)
        .where(SignIn.user_id == member.id)
        .order_by(SignIn.id)
    )


def idea_responses(member: User) -> list[Row]:
    return _fetch(
        select(
            IdeaStatusChange.topic_id,
            _title(member).label("title"),
            IdeaStatusChange.old_status,
            IdeaStatusChange.new_status,
            IdeaStatusChange.response_source.label("response_markdown"),
            IdeaStatusChange.created_at,
        )
        .join(Topic, Topic.id == IdeaStatusChange.topic_id)
        .where(IdeaStatusChange.actor_id == member.id)
        .order_by(IdeaStatusChange.id)
    )


def idea_notes(member: User) -> list[Row]:
    return _fetch(
        select(IdeaNote.topic_id, _title(member).label("title"),
               IdeaNote.body_source.label("body_markdown"), IdeaNote.created_at)
        .join(Topic, Topic.id == IdeaNote.topic_id)
        .where(IdeaNote.author_id == member.id)
        .order_by(IdeaNote.id)
    )  # fmt: skip


def edits_of_others(member: User) -> list[Row]:
    author = aliased(Post)
    return _fetch(
        select(PostRevision.post_id, PostRevision.revision_number, PostRevision.created_at)
        .join(author, author.id == PostRevision.post_id)
        .where(
            PostRevision.editor_id == member.id,
            or_(author.author_id.is_(None), author.author_id != member.id),
        )
        .order_by(PostRevision.id)
    )


def tags_created(member: User) -> list[Row]:
    return _fetch(
        select(Tag.name, Tag.created_at).where(Tag.created_by_id == member.id).order_by(Tag.id)
    )


def moderation_actions(member: User) -> list[Row]:
    """What the member did as staff: audited actions, deleted posts, decided requests."""
    # Plain strings: the three parts name actions the same way, as the audit log does.
    audited = select(
        type_coerce(AuditEntry.action, String).label("action"),
        type_coerce(AuditEntry.target_type, String).label("target_type"),
        AuditEntry.target_id.label("target_id"),
        AuditEntry.created_at.label("created_at"),
    ).where(AuditEntry.actor_id == member.id)
    deleted = select(
        literal("post:delete", String), literal("post", String), Post.id, Post.deleted_at
    ).where(Post.deleted_by_id == member.id, Post.deleted_at.is_not(None))
    decided = select(
        case(
            (JoinRequest.status == JoinRequestStatus.APPROVED, "join_request:approve"),
            else_="join_request:decline",
        ),
        literal("join_request", String),
        JoinRequest.id,
        JoinRequest.decided_at,
    ).where(JoinRequest.decided_by_id == member.id, JoinRequest.decided_at.is_not(None))
    decided_groups = select(
        case(
            (GroupRequest.status == JoinRequestStatus.APPROVED, "group_request:approve"),
            else_="group_request:decline",
        ),
        literal("group_request", String),
        GroupRequest.id,
        GroupRequest.decided_at,
    ).where(GroupRequest.decided_by_id == member.id, GroupRequest.decided_at.is_not(None))
    welcomed = select(
        literal("member:welcome", String),
        literal("member", String),
        MemberOnboarding.user_id,
        MemberOnboarding.welcomed_at,
    ).where(MemberOnboarding.welcomed_by_id == member.id, MemberOnboarding.welcomed_at.is_not(None))
    settings = select(
        literal("onboarding:settings", String),
        literal(None, String),
        literal(None, Integer),
        OnboardingSettings.updated_at,
    ).where(OnboardingSettings.updated_by_id == member.id)
    everything = union_all(audited, deleted, decided, decided_groups, welcomed, settings).subquery()
    return _fetch(select(everything).order_by(everything.c.created_at, everything.c.target_id))


def moderation_about_me(member: User) -> list[Row]:
    rows = _fetch(
        select(AuditEntry.action, AuditEntry.reason, AuditEntry.detail, AuditEntry.created_at)
        .where(AuditEntry.target_type == AuditTarget.MEMBER, AuditEntry.target_id == member.id)
        .order_by(AuditEntry.id)
    )
    for row in rows:
        row["by"] = "staff"  # who acted is the moderator's data, not the member's
    return rows


def sanctions(member: User) -> list[Row]:
    """Warnings, silences and suspensions the member was given; who gave them is the
    moderator's data (as in moderation_about_me)."""
    return _fetch(
        select(type_coerce(Sanction.kind, String).label("kind"), Sanction.reason,
               Sanction.created_at, Sanction.ends_at, Sanction.lifted_at)
        .where(Sanction.user_id == member.id)
        .order_by(Sanction.id)
    )  # fmt: skip


def visits(member: User) -> list[Row]:
    return [
        {"day": day.isoformat()}
        for day in db.session.scalars(
            select(MemberVisit.day)
            .where(MemberVisit.user_id == member.id)
            .order_by(MemberVisit.day)
        )
    ]


def reading_stats(member: User) -> list[Row]:
    return _fetch(
        select(MemberStats.reading_seconds, MemberStats.last_read_report_at,
               MemberStats.regular_since, MemberStats.is_level_set_by_hand)
        .where(MemberStats.user_id == member.id)
    )  # fmt: skip


def exports(member: User) -> list[Row]:
    return _fetch(
        select(DataExport.created_at, DataExport.expires_at, DataExport.size_bytes)
        .where(DataExport.user_id == member.id)
        .order_by(DataExport.id)
    )
