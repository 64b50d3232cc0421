"""Keyword-only factory functions for the objects tests need.

Rows that carry invariants (topics, posts) are made through the services, so a test
never sees a state the application could not produce.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import select

from community.accounts.models import Role, User
from community.accounts.services import hash_password
from community.database import utcnow
from community.extensions import db
from community.groups.models import Group, GroupMember, SpaceGroup
from community.ideas.models import Idea, IdeaVote
from community.onboarding.models import MemberOnboarding
from community.spaces.models import IdeaBoard, Membership, MembershipRole, Space, Visibility
from community.tags.models import Tag
from community.topics import services as topic_services
from community.topics.models import Post, Topic, TopicKind

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_user(
    *,
    username: str | None = None,
    email: str | None = None,
    display_name: str | None = None,
    role: Role = Role.MEMBER,
    is_employee: bool = False,
    is_confirmed: bool = True,
    password: str = PASSWORD,
    has_signed_in: bool = True,
) -> User:
    """A member; ``has_signed_in`` False makes one whose next sign-in is their first
    (and shows them the welcome page)."""
    number = next(_sequence)
    username = username or f"user{number}"
    user = User(
        email=(email or f"{username}@example.com").lower(),
        username=username,
        username_lower=username.lower(),
        display_name=display_name or f"Display {username}",
        password_hash=hash_password(password),
        role=role,
        is_employee=is_employee,
        is_employee_set_by_admin=is_employee,  # as an admin would decide it
        email_confirmed_at=utcnow() if is_confirmed else None,
    )
    db.session.add(user)
    if has_signed_in:
        db.session.flush()
        db.session.add(MemberOnboarding(user_id=user.id, first_signed_in_at=utcnow()))
    db.session.commit()
    return user


def make_group(
    *,
    name: str | None = None,
    members: tuple[User, ...] = (),
    owners: tuple[User, ...] = (),
    spaces: tuple[Space, ...] = (),
    accepts_requests: bool = False,
) -> Group:
    """A group with members and owners, opening the given (closed) spaces."""
    name = name or f"Group {next(_sequence)}"
    group = Group(name=name, name_lower=name.lower(), accepts_requests=accepts_requests)
    db.session.add(group)
    db.session.flush()
    for user in members:
        db.session.add(GroupMember(group_id=group.id, user_id=user.id))
    for user in owners:
        db.session.add(GroupMember(group_id=group.id, user_id=user.id, is_owner=True))
    for space in spaces:
        db.session.add(SpaceGroup(group_id=group.id, space_id=space.id))
    db.session.commit()
    return group


def make_space(
    *,
    visibility: Visibility = Visibility.PUBLIC,
    slug: str | None = None,
    name: str | None = None,
    is_listed: bool = True,
    members: tuple[User, ...] = (),
    moderators: tuple[User, ...] = (),
    idea_board: IdeaBoard = IdeaBoard.OFF,
    idea_vote_budget: int | None = None,
) -> Space:
    number = next(_sequence)
    space = Space(
        slug=slug or f"space-{number}",
        name=name or f"Space {number}",
        description=f"About space {number}",
        visibility=visibility,
        is_listed=is_listed,
        idea_board=idea_board,
        idea_vote_budget=idea_vote_budget,
    )
    db.session.add(space)
    for user in members:
        db.session.add(Membership(space=space, user=user, role=MembershipRole.MEMBER))
    for user in moderators:
        db.session.add(Membership(space=space, user=user, role=MembershipRole.MODERATOR))
    db.session.commit()
    return space


def make_topic(
    space: Space,
    *,
    author: User,
    title: str | None = None,
    body: str = "The first post of this topic.",
    kind: TopicKind = TopicKind.DISCUSSION,
    tags: str | None = None,
) -> Topic:
    title = title or f"Topic number {next(_sequence)}"
    return topic_services.create_topic(author, space, title=title, body=body, kind=kind, tags=tags)


def make_reply(topic: Topic, *, author: User, body: str = "A reply.") -> Post:
    return topic_services.reply_to_topic(author, topic, body=body)


def first_post(topic: Topic) -> Post:
    return db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))


def set_topic_time(topic: Topic, moment: datetime) -> Topic:
    """Move a topic (its first post, and its idea row and votes) to ``moment``."""
    topic.created_at = topic.last_posted_at = moment
    first_post(topic).created_at = moment
    idea = db.session.get(Idea, topic.id)
    if idea is not None:
        idea.created_at = moment
        for vote in db.session.scalars(select(IdeaVote).where(IdeaVote.topic_id == topic.id)):
            vote.created_at = moment
    db.session.commit()
    return topic


def reply_at(topic: Topic, moment: datetime, *, author: User, body: str = "A reply.") -> Post:
    """A reply made through the service, then moved to ``moment`` (a staff reply moves
    the question's first staff reply with it)."""
    had_staff_reply = topic.first_staff_reply_at is not None
    post = make_reply(topic, author=author, body=body)
    post.created_at = moment
    if author.is_employee and not had_staff_reply and topic.first_staff_reply_at is not None:
        topic.first_staff_reply_at = moment
    db.session.commit()
    return post


def make_tags(*names: str) -> None:
    """Tags that members may then use (only staff create new ones)."""
    db.session.add_all(Tag(name=name) for name in names)
    db.session.commit()
