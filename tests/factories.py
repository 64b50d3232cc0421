"""Keyword-only factory functions for the objects tests need.

Rows that carry invariants (topics, posts) are made through the services, so a test
never sees a state the application could not produce.
"""

from __future__ import annotations

import io
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import select

from community.accounts import services as account_services
from community.accounts.models import Role, User
from community.accounts.services import hash_password
from community.answers import services as answer_services
from community.dashboard import services as dashboard_services
from community.database import utcnow
from community.extensions import db
from community.groups import services as group_services
from community.groups.models import Group, GroupMember, SpaceGroup
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaStatus, IdeaVote
from community.invites import services as invite_services
from community.moderation import review_services
from community.moderation.audit import record_audit
from community.moderation.models import (
    AuditAction,
    AuditTarget,
    FlagOutcome,
    SignupApproval,
    SignupStatus,
)
from community.notifications import preferences as notification_preferences
from community.notifications import services as notification_services
from community.notifications.models import DigestMark, EmailFrequency, NotificationKind, WatchLevel
from community.onboarding import services as onboarding_services
from community.onboarding.models import MemberOnboarding
from community.profiles import services as profile_services
from community.profiles.models import FieldAnswer, FieldVisibility, ProfileFieldKind
from community.sanctions import services as sanction_services
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, Membership, MembershipRole, Space, Visibility
from community.tags.models import Tag
from community.topics import services as topic_services
from community.topics.models import Post, Topic, TopicKind
from community.trust import services as trust_services

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
    trust_level: int = 0,
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
        trust_level=trust_level,
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
    approves_new_member_posts: bool = False,
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
        approves_new_member_posts=approves_new_member_posts,
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


# --- a member who touched every table that points at users -----------------------------


@dataclass
class RichMember:
    """A member with rows in every table that references ``users``, and the strings
    that identify them (each distinctive, so a search for it finds only them)."""

    user: User
    closed_space: Space  # they posted here, then were removed from it
    hidden_title: str  # the title of a topic there, which they may no longer see
    hidden_reply: str  # another member's reply there
    own_hidden_text: str  # their own post there
    identifiers: dict[str, str]
    reply_by_other: Post  # in a topic of theirs, so it stays when they remove posts
    mention_by_other: Post  # another member's post that @mentions them


RICH_PASSWORD = "a rich member's long passphrase"
RICH_IP = "203.0.113.77"


def make_rich_member(world) -> RichMember:
    """Seed a member, through the services, into every table that points at users."""

    admin = world.user("admin")
    other = world.user("member")
    identifiers = {
        "username": "richcanary",
        "display_name": "Rica Canarymember",
        "email": "rica.canary.private@example.org",
        "bio": "BIOCANARY I grow tomatoes on a balcony",
        "company": "COMPANYCANARY Ltd",
        "field": "FIELDCANARY answer",
        "ip": RICH_IP,
        "user_agent": "CanaryBrowser/9.9",
    }
    rich = make_user(
        username=identifiers["username"], display_name=identifiers["display_name"],
        email=identifiers["email"], role=Role.MODERATOR, is_employee=True,
        password=RICH_PASSWORD, trust_level=1,
    )  # fmt: skip
    public = world.spaces["public"]
    public.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()

    # Profile, avatar, a custom field, sign-ins.
    field = profile_services.create_profile_field(
        admin, label="Favourite lamp", kind=ProfileFieldKind.TEXT
    )
    profile_services.update_profile(
        rich, display_name=identifiers["display_name"], bio=identifiers["bio"],
        fields={"company": identifiers["company"], "location": "Canaryville"},
        visibility={"company": FieldVisibility.STAFF},
        answers={field.id: FieldAnswer(identifiers["field"], FieldVisibility.MEMBERS)},
    )  # fmt: skip
    profile_services.set_avatar(rich, data=_png())
    account_services.record_sign_in(
        rich, ip_address=identifiers["ip"], user_agent=identifiers["user_agent"]
    )

    # Topics, replies, an edit of their own and of another's post, a tag, a watch.
    topic = make_topic(public, author=rich, title="Rich asks about dimmers",
                       kind=TopicKind.QUESTION, tags="dimmers")  # fmt: skip
    reply_by_other = make_reply(topic, author=other, body="Try the second dimmer setting.")
    own_reply = make_reply(topic, author=rich, body="Thanks, that worked.")
    topic_services.edit_post(rich, own_reply, body="Thanks, that worked perfectly.")
    others_topic = make_topic(public, author=other, title="Other asks about bulbs")
    others_post = db.session.scalar(
        select(Post).where(Post.topic_id == others_topic.id, Post.post_number == 1)
    )
    topic_services.edit_post(rich, others_post, body="Edited by a moderator for clarity.")
    make_reply(others_topic, author=rich, body="A reply in someone else's topic.")
    mention_by_other = make_reply(others_topic, author=other, body="Good point @richcanary!")
    spam = make_reply(others_topic, author=other, body="Buy cheap lamps")
    topic_services.delete_post(rich, spam)
    notification_services.set_watch_level(rich, others_topic, WatchLevel.WATCHING)
    # Flags: one they raised (with a note) and then decided as a moderator, and one
    # another member raised on their post, naming them.
    flagged = make_reply(others_topic, author=other, body="Cheap lamps, again")
    review_services.flag_post(rich, flagged, reason="something_else", note="A repeat advert")
    review_services.decide_flags(rich, flagged, outcome=FlagOutcome.DISAGREED)
    # Sign-up approval: theirs, decided by the admin, and one they decided.
    db.session.add(
        SignupApproval(user_id=rich.id, status=SignupStatus.APPROVED, decided_by_id=admin.id)
    )
    waiting = make_user(username="richapplicant")
    db.session.add(SignupApproval(user_id=waiting.id, status=SignupStatus.PENDING))
    db.session.commit()
    review_services.approve_signup(rich, db.session.get(SignupApproval, waiting.id))
    flagger = make_user(username="richflagger", trust_level=1)
    review_services.flag_post(
        flagger, own_reply, reason="something_else", note=f"{identifiers['username']} is rude"
    )
    # How they are told: a space they track, how far they read, a mail choice, a digest.
    notification_services.set_space_watch_level(rich, public, WatchLevel.TRACKING)
    notification_services.read_topic(rich, others_topic, up_to=2)
    notification_preferences.set_email_preferences(
        rich, {NotificationKind.REPLY: EmailFrequency.DAILY}
    )
    db.session.add(DigestMark(user_id=rich.id, frequency=EmailFrequency.DAILY))
    db.session.commit()
    dashboard_services.set_summary_subscription(rich, is_subscribed=True)

    # Votes: an answer vote and an idea vote; staff work on the idea.
    question = make_topic(public, author=other, title="Other's question", kind=TopicKind.QUESTION)
    answer = make_reply(question, author=admin, body="An answer by the admin.")
    answer_services.set_answer_vote(rich, answer, is_voted=True)
    answer_services.accept_answer(rich, topic, reply_by_other)
    idea = make_topic(public, author=other, title="An idea for dimmers", kind=TopicKind.IDEA)
    idea_services.set_idea_vote(rich, idea, is_voted=True)
    idea_services.set_idea_status(rich, idea, status=IdeaStatus.PLANNED, response="On it.")
    idea_services.add_idea_note(rich, idea, body="Internal: ship it in spring.")
    own_idea = make_topic(public, author=rich, title="Rich's own idea", kind=TopicKind.IDEA)
    make_reply(own_idea, author=other, body="I like it.")

    # Spaces: a closed space they moderate (invite made, request decided), one they
    # joined by invite, one they asked to join, and one they posted in and then left.
    moderated = make_space(visibility=Visibility.CLOSED, moderators=(rich,))
    moderated.accepts_join_requests = True
    db.session.commit()
    invite_services.create_invites(rich, spaces=[moderated], max_uses=3)
    asked = space_services.request_to_join(other, moderated, message="Let me in")
    space_services.decide_join_request(rich, asked, is_approved=True)
    # An invite mailed to their address, which they used.
    invited_to = make_space(visibility=Visibility.CLOSED)
    mailed = invite_services.create_invites(
        admin, spaces=[invited_to], emails=identifiers["email"]
    ).invites[0]
    invite_services.accept_invite(rich, mailed)
    # Groups: one they belong to and own (deciding a request), one they asked to join.
    owned = make_group(owners=(rich,), accepts_requests=True)
    group_asked = group_services.request_group_membership(other, owned, message="Add me")
    group_services.decide_group_request(rich, group_asked, is_approved=False, note="Not yet")
    wanted = make_group(accepts_requests=True)
    group_services.request_group_membership(rich, wanted, message="I would like in.")
    # Onboarding: their own first sign-in, a welcome they sent, the settings they saved.
    onboarding_services.record_sign_in(rich)
    onboarding_services.send_welcome_message(rich, other, note="Welcome aboard!")
    # Only admins save the settings; the row is marked as theirs directly, as if
    # they had been an admin then (the seed must touch every reference to users).
    settings = onboarding_services.update_onboarding_settings(
        admin, guidelines="Be kind.", welcome_space=None
    )
    settings.updated_by_id = rich.id
    db.session.commit()
    joinable = make_space(visibility=Visibility.CLOSED)
    joinable.accepts_join_requests = True
    db.session.commit()
    space_services.request_to_join(rich, joinable, message="I install Lumen for a living.")
    closed = world.spaces["closed"]
    space_services.add_member(admin, closed, rich)
    hidden = make_topic(closed, author=admin, title="HIDDENTITLE roadmap of the council")
    make_reply(hidden, author=rich, body="OWNHIDDENTEXT my view on the roadmap")
    make_reply(hidden, author=world.user("closed_member"), body="HIDDENREPLY by another")
    space_services.remove_member(admin, closed, rich)

    # Sanctions: an admin's warning to them (naming them), a silence they gave and
    # lifted; reading reports and the days they visited (reading counted one).
    sanction_services.warn_member(
        admin, rich, message=f"WARNCANARY {identifiers['display_name']}, mind the tone"
    )
    ends = utcnow() + timedelta(days=1)
    sanction_services.silence_member(rich, other, reason="Spam links", ends_at=ends)
    sanction_services.lift_silence(rich, other)
    trust_services.record_reading(rich, others_topic, highest_post_number=2, seconds=30)

    # Audit: what they did as staff, and an admin's note about them naming them.
    record_audit(rich, AuditAction.TOPIC_PIN, target_type=AuditTarget.TOPIC, target_id=topic.id)
    record_audit(
        admin, AuditAction.MEMBER_WARN, target_type=AuditTarget.MEMBER, target_id=rich.id,
        reason=f"Warned {identifiers['username']} ({identifiers['display_name']}) for tone",
    )  # fmt: skip
    db.session.commit()
    # An archive they asked for earlier.
    profile_services.request_export(rich, password=RICH_PASSWORD)
    return RichMember(
        user=rich,
        closed_space=closed,
        hidden_title="HIDDENTITLE",
        hidden_reply="HIDDENREPLY",
        own_hidden_text="OWNHIDDENTEXT",
        identifiers=identifiers,
        reply_by_other=reply_by_other,
        mention_by_other=mention_by_other,
    )


def _png() -> bytes:

    out = io.BytesIO()
    Image.new("RGB", (64, 64), color="gold").save(out, format="PNG")
    return out.getvalue()


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
