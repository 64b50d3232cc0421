"""Reads for onboarding: the settings, a member's checklist, and "new this week"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from community import policy
from community.accounts.models import User, Viewer
from community.database import utcnow
from community.extensions import db
from community.invites import queries as invite_queries
from community.invites.models import Invite, InviteUse, invite_spaces
from community.onboarding.models import SETTINGS_ID, MemberOnboarding, OnboardingSettings
from community.spaces.models import Space
from community.topics.models import Post, ReviewState, Topic

# "New this week": members who signed up this many days ago or less.
NEWCOMER_DAYS = 7
NEWCOMERS_PER_PAGE = 30
FIRST_POSTS_SHOWN = 3
# The header links to the checklist for this long after signing up.
GETTING_STARTED_DAYS = 14


def get_settings() -> OnboardingSettings:
    """The one settings row, or empty settings before an admin saved any."""
    settings = db.session.get(OnboardingSettings, SETTINGS_ID)
    if settings is None:
        settings = OnboardingSettings(id=SETTINGS_ID, guidelines_source="", guidelines_html="")
    return settings


def get_member_onboarding(user: User) -> MemberOnboarding | None:
    return db.session.get(MemberOnboarding, user.id)


def has_complete_profile(user: User) -> bool:
    """The checklist's "complete your profile" item, decided in one place.

    Member profiles are still to come; until then a profile is a display name of the
    member's own (not just their username). When profiles land, extend this with
    their fields (a bio, an avatar) and nothing else needs to change.
    """
    name = " ".join(user.display_name.split())
    return bool(name) and name.lower() != user.username.lower()


# --- the welcome checklist ------------------------------------------------------------


@dataclass(frozen=True)
class ChecklistItem:
    key: str
    label: str
    is_done: bool


@dataclass(frozen=True)
class Checklist:
    items: list[ChecklistItem]
    welcome_space: Space | None = None
    has_guidelines: bool = False
    # Invites mailed to the member that they have not used yet.
    waiting_invites: list[Invite] = field(default_factory=list)

    @property
    def done_count(self) -> int:
        return sum(item.is_done for item in self.items)

    @property
    def is_complete(self) -> bool:
        return all(item.is_done for item in self.items)


def _has_posted_in(user: User, space: Space) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(Post.author_id == user.id, Post.deleted_at.is_(None))
                .where(Post.topic_id == Topic.id, Topic.space_id == space.id)
                .where(Topic.deleted_at.is_(None))
            )
        )
    )


def _has_joined_through_invite(user: User) -> bool:
    """Whether the member used an invite that opened a space (directly or by a group)."""
    opens_a_space = or_(
        Invite.group_id.is_not(None),
        exists().where(invite_spaces.c.invite_id == Invite.id),
    )
    return bool(
        db.session.scalar(
            select(
                exists()
                .where(InviteUse.user_id == user.id, InviteUse.invite_id == Invite.id)
                .where(opens_a_space)
            )
        )
    )


def checklist_for(user: User) -> Checklist:
    """The member's checklist, read from what they have really done.

    Items that cannot apply are left out: the guidelines before an admin wrote any,
    the welcome space before one is chosen (or if the member may not read it), and
    the invited space for someone nobody invited.
    """
    settings = get_settings()
    onboarding = get_member_onboarding(user)
    items = [
        ChecklistItem("confirm_email", "Confirm your e-mail address", user.is_confirmed),
        ChecklistItem("profile", "Complete your profile", has_complete_profile(user)),
    ]
    has_guidelines = bool(settings.guidelines_source)
    if has_guidelines:
        has_read = onboarding is not None and onboarding.guidelines_read_at is not None
        items.append(ChecklistItem("guidelines", "Read the community guidelines", has_read))
    welcome_space = settings.welcome_space
    if welcome_space is not None and not policy.can_read_space(user, welcome_space):
        welcome_space = None
    if welcome_space is not None:
        items.append(
            ChecklistItem(
                "introduce",
                f"Introduce yourself in {welcome_space.name}",
                _has_posted_in(user, welcome_space),
            )
        )
    waiting = invite_queries.list_invites_waiting_for(user)
    has_joined = _has_joined_through_invite(user)
    if has_joined or waiting:
        items.append(ChecklistItem("invited_space", "Join a space you were invited to", has_joined))
    return Checklist(
        items=items,
        welcome_space=welcome_space,
        has_guidelines=has_guidelines,
        waiting_invites=waiting,
    )


def show_getting_started(viewer: Viewer) -> bool:
    """Whether the header links to the checklist: for a member's first weeks (no query)."""
    if not viewer.is_authenticated:
        return False
    return viewer.created_at > utcnow() - timedelta(days=GETTING_STARTED_DAYS)


# --- new this week ---------------------------------------------------------------------


@dataclass(frozen=True)
class FirstPost:
    post: Post
    has_reply: bool  # someone else has posted in the topic since


@dataclass(frozen=True)
class Newcomer:
    user: User
    onboarding: MemberOnboarding | None
    first_posts: list[FirstPost]

    @property
    def is_welcomed(self) -> bool:
        return self.onboarding is not None and self.onboarding.welcomed_at is not None


@dataclass(frozen=True)
class NewcomerPage:
    newcomers: list[Newcomer]
    # Pass as ``before`` for the next (older) page; None on the last one.
    next_cursor: int | None


def list_newcomers(
    viewer: Viewer, *, before: int | None = None, per_page: int = NEWCOMERS_PER_PAGE
) -> NewcomerPage:
    """Members who joined in the last week, newest first, with their first posts.

    Someone whose every post is in spaces the viewer may not read is left out: a
    partner network's newcomers are its own moderators' to welcome, and their names
    would tell outsiders who is in it. Three queries whatever the page's size:
    members with their onboarding rows, their first posts (ranked among the posts
    the viewer may read, so a hidden post is neither shown nor counted), and those
    posts' tags.
    """
    policy.require_welcome_newcomers(viewer)
    since = utcnow() - timedelta(days=NEWCOMER_DAYS)
    live_posts = and_(Post.author_id == User.id, policy.live_posts_clause())
    seen_post = (
        exists()
        .where(live_posts, Post.topic_id == Topic.id)
        .where(policy.visible_topics_clause(viewer))
    )
    statement = (
        select(User, MemberOnboarding)
        .outerjoin(MemberOnboarding, MemberOnboarding.user_id == User.id)
        .where(User.created_at >= since)
        .where(or_(~exists().where(live_posts), seen_post))
        .order_by(User.id.desc())
        .limit(per_page + 1)
    )
    if before is not None:
        statement = statement.where(User.id < before)
    rows = list(db.session.execute(statement))
    next_cursor = rows[per_page - 1][0].id if len(rows) > per_page else None
    rows = rows[:per_page]
    first_posts = _first_posts(viewer, [user.id for user, _onboarding in rows])
    newcomers = [
        Newcomer(user=user, onboarding=onboarding, first_posts=first_posts.get(user.id, []))
        for user, onboarding in rows
    ]
    return NewcomerPage(newcomers=newcomers, next_cursor=next_cursor)


def _first_posts(viewer: Viewer, user_ids: list[int]) -> dict[int, list[FirstPost]]:
    if not user_ids:
        return {}
    rank = (
        func.row_number()
        .over(partition_by=Post.author_id, order_by=(Post.created_at, Post.id))
        .label("rank")
    )
    ranked = (
        select(Post.id, rank)
        .join(Topic, Post.topic_id == Topic.id)
        .where(
            Post.author_id.in_(user_ids),
            policy.live_posts_clause(),
            policy.visible_topics_clause(viewer),
        )
        .subquery()
    )
    later = aliased(Post)
    has_reply = exists().where(
        later.topic_id == Post.topic_id,
        later.post_number > Post.post_number,
        later.deleted_at.is_(None),
        later.review_state == ReviewState.PUBLISHED,
        or_(later.author_id.is_(None), later.author_id != Post.author_id),
    )
    statement = (
        select(Post, has_reply.label("has_reply"))
        .join(ranked, and_(ranked.c.id == Post.id, ranked.c.rank <= FIRST_POSTS_SHOWN))
        .options(joinedload(Post.topic).joinedload(Topic.space))
        .order_by(Post.author_id, Post.created_at, Post.id)
    )
    found: dict[int, list[FirstPost]] = {}
    for post, replied in db.session.execute(statement):
        found.setdefault(post.author_id, []).append(FirstPost(post=post, has_reply=bool(replied)))
    return found
