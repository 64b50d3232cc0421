"""Load the demo community (``flask --app wsgi hearth demo``).

The content lives in ``demo_content``; this module turns it into rows through the
same services members use, then spreads the activity over past weeks so that lists
look like a living community.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select, update

from community.accounts.models import Role, TrustLevel, User
from community.accounts.services import hash_password
from community.database import utcnow
from community.demo_content import (
    DEMO_GROUP_REQUESTS,
    DEMO_GROUPS,
    DEMO_GUIDELINES,
    DEMO_IDEA_BOARDS,
    DEMO_IDEAS,
    DEMO_INVITES,
    DEMO_MEMBERSHIPS,
    DEMO_PASSWORD,
    DEMO_PROFILE_FIELDS,
    DEMO_PROFILES,
    DEMO_SPACE_WATCHES,
    DEMO_SPACES,
    DEMO_TAGS,
    DEMO_TOPICS,
    DEMO_USERS,
    DEMO_WELCOME_SPACE,
)
from community.extensions import db
from community.groups import services as group_services
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaStatus, IdeaStatusChange, IdeaVote
from community.invites.models import Invite, InviteUse
from community.moderation import review_services
from community.notifications import services as notification_services
from community.notifications.models import MailStatus, Notification, OutgoingMail, WatchLevel
from community.onboarding import services as onboarding_services
from community.onboarding.models import MemberOnboarding
from community.profiles import services as profile_services
from community.profiles.models import FieldAnswer, FieldVisibility, ProfileFieldKind
from community.spaces.models import (
    IdeaBoard,
    JoinRequest,
    Membership,
    MembershipRole,
    Space,
    Visibility,
)
from community.tags.models import Tag
from community.topics import services as topic_services
from community.topics.models import Post, Topic, TopicKind
from community.trust import limits

__all__ = ["DEMO_PASSWORD", "DEMO_USERS", "load_demo_data"]

# The demo's recent weeks reach this far back; each topic gets its own day in them.
# The Product Help history (entries with an "age") reaches back about six months.
HISTORY_DAYS = 60
AGE_STRIDE = 7
MEMBERS_SINCE_DAYS = 200
REPLY_GAP_HOURS = 3
QUESTION_SPACES = frozenset({"product-help"})
JOINABLE_SPACES = ("partner-network", "customer-council")
# Notifications of the last days stay unread, so the header shows a count.
RECENT_UNREAD_DAYS = 10


def load_demo_data(*, progress: Callable[[str], object] = lambda message: None) -> bool:
    """Create the demo users, spaces and topics; False when they already exist."""
    with limits.posting_limits_off():
        return _load_demo_data(progress)


def _load_demo_data(progress: Callable[[str], object]) -> bool:
    first_username = DEMO_USERS[0][0]
    if db.session.scalar(select(User).where(User.username_lower == first_username.lower())):
        return False

    now = utcnow()
    password_hash = hash_password(DEMO_PASSWORD)
    users: dict[str, User] = {}
    for username, display_name, email, role, is_employee, _note in DEMO_USERS:
        users[username] = User(
            email=email.lower(),
            username=username,
            username_lower=username.lower(),
            display_name=display_name,
            password_hash=password_hash,
            role=Role(role),
            is_employee=is_employee,
            # Demo and test employees are made so by an admin, not by their domain.
            is_employee_set_by_admin=is_employee,
            email_confirmed_at=now - timedelta(days=MEMBERS_SINCE_DAYS),
            created_at=now - timedelta(days=MEMBERS_SINCE_DAYS),
        )
    db.session.add_all(users.values())
    db.session.flush()
    # The demo members have been here for months: their first sign-in is long past.
    for user in users.values():
        db.session.add(MemberOnboarding(user_id=user.id, first_signed_in_at=user.created_at))
    progress(f"  {len(users)} members")

    spaces: dict[str, Space] = {}
    for position, (slug, name, visibility, description, is_listed) in enumerate(DEMO_SPACES):
        spaces[slug] = Space(
            slug=slug,
            name=name,
            visibility=Visibility(visibility),
            description=description,
            is_listed=is_listed,
            position=position,
        )
    db.session.add_all(spaces.values())
    for slug, username, role in DEMO_MEMBERSHIPS:
        db.session.add(
            Membership(space=spaces[slug], user=users[username], role=MembershipRole(role))
        )
    # The closed spaces take requests; one waits in the Customer Council's queue.
    for slug in JOINABLE_SPACES:
        spaces[slug].accepts_join_requests = True
    for slug, board, budget in DEMO_IDEA_BOARDS:
        spaces[slug].idea_board = IdeaBoard(board)
        spaces[slug].idea_vote_budget = budget
    db.session.add(
        JoinRequest(
            space=spaces["customer-council"],
            user=users["sam"],
            message="I run Lumen with Home Assistant in three flats and would love to help "
            "shape the roadmap.",
            # Four days: long enough to stand on the dashboard's "needs attention".
            created_at=now - timedelta(days=4),
        )
    )
    for slug, username, days_ago, joined in DEMO_INVITES:
        invite = Invite(
            # A hash of a token nobody has: the old link shows in the list, unusable.
            token_hash=secrets.token_hex(32),
            spaces=[spaces[slug]],
            created_by=users[username],
            max_uses=len(joined),
            use_count=len(joined),
            created_at=now - timedelta(days=days_ago),
            expires_at=now - timedelta(days=days_ago - 7),
        )
        db.session.add(invite)
        for offset, member in enumerate(joined, start=1):
            db.session.add(
                InviteUse(
                    invite=invite,
                    user=users[member],
                    used_at=now - timedelta(days=days_ago - offset),
                )
            )
    db.session.add_all(Tag(name=name) for name in DEMO_TAGS)
    db.session.commit()
    progress(f"  {len(spaces)} spaces, {len(DEMO_MEMBERSHIPS)} memberships")
    _load_groups(users, spaces)
    progress(f"  {len(DEMO_GROUPS)} groups")
    onboarding_services.update_onboarding_settings(
        users["ada"], guidelines=DEMO_GUIDELINES, welcome_space=spaces[DEMO_WELCOME_SPACE]
    )
    progress("  guidelines and the welcome space")

    count = len(DEMO_TOPICS)
    for index, entry in enumerate(DEMO_TOPICS):
        # Interleave the spaces over time (a stride coprime with the count visits
        # every slot once), so each space has recent and older conversations.
        slot = (index * AGE_STRIDE) % count
        age_days = HISTORY_DAYS * (count - slot) / count
        _load_topic(entry, users, spaces, age_days=age_days)
        progress(f"  topic {index + 1}/{len(DEMO_TOPICS)}: {entry['title'][:60]}")
    ideas: dict[str, int] = {}
    for index, entry in enumerate(DEMO_IDEAS):
        ideas[entry["title"]] = _load_idea(entry, users, spaces, ideas)
        progress(f"  idea {index + 1}/{len(DEMO_IDEAS)}: {entry['title'][:60]}")
    # The votes were moved into the past: the trending counts follow them.
    idea_services.recount_recent_votes()
    db.session.commit()
    for slug, username, level in DEMO_SPACE_WATCHES:
        notification_services.set_space_watch_level(
            users[username], spaces[slug], WatchLevel(level)
        )
    _load_moderation(users, spaces, now, password_hash)
    progress("  trust levels, a partner's first post waiting for approval, a flagged reply")
    _settle_notifications(now)
    progress(f"  {len(DEMO_SPACE_WATCHES)} space watch levels; notifications of the history")
    _load_profiles(users)
    progress(f"  {len(DEMO_PROFILES)} profiles, {len(DEMO_PROFILE_FIELDS)} profile fields")
    return True


def _load_groups(users: dict[str, User], spaces: dict[str, Space]) -> None:
    """Groups through the services, as an admin would make them (each step audited)."""
    admin = users["ada"]
    groups = {}
    for name, description, accepts_requests, owners, members, opened in DEMO_GROUPS:
        group = group_services.create_group(
            admin, name=name, description=description, accepts_requests=accepts_requests
        )
        for username in owners + members:
            group_services.add_group_member(admin, group, users[username])
        for username in owners:
            group_services.set_group_owner(admin, group, users[username], is_owner=True)
        for slug in opened:
            group_services.grant_space(admin, group, spaces[slug])
        groups[name] = group
    for name, username, message in DEMO_GROUP_REQUESTS:
        group_services.request_group_membership(users[username], groups[name], message=message)


def _load_moderation(
    users: dict[str, User], spaces: dict[str, Space], now: datetime, password_hash: str
) -> None:
    """What a moderator finds in the review queue: the Partner Network approves new
    members' posts and a newly invited installer's first topic waits there; a reply in
    Product Help carries two flags (one short of hiding it)."""
    # Months of reading and posting: the demo's members have earned trust level 2
    # (they post at once everywhere and may flag and invite); the admin leads.
    for user in users.values():
        user.trust_level = TrustLevel.LEADER if user.is_admin else TrustLevel.MEMBER
    partners = spaces["partner-network"]
    partners.approves_new_member_posts = True
    newcomer = _newcomer("lena", "Lena Fischer", now, password_hash)
    spammer = _newcomer("halfpricehubs", "Half Price Hubs", now, password_hash)
    db.session.add(Membership(space=partners, user=newcomer, role=MembershipRole.MEMBER))
    db.session.commit()
    users.update({newcomer.username: newcomer, spammer.username: spammer})
    topic_services.create_topic(
        newcomer,
        partners,
        title="Provisioning forty hubs for a new office building",
        body="Hello from a new installer! Is there a way to enroll many hubs at once "
        "with the same Wi-Fi settings, or do I set each one up in the app?",
    )
    first_question = db.session.scalars(
        select(Topic).where(Topic.space_id == spaces["product-help"].id).order_by(Topic.id)
    ).first()
    spam = topic_services.reply_to_topic(
        spammer,
        first_question,
        body="Cheap replacement hubs, half price, message me for the link.",
    )
    for flagger, note in (("jules", ""), ("sam", "Looks like an ad, not an answer.")):
        review_services.flag_post(users[flagger], spam, reason="spam", note=note)


def _newcomer(username: str, display_name: str, now: datetime, password_hash: str) -> User:
    """A member who signed up yesterday (trust level 0) and has signed in once."""
    user = User(
        email=f"{username}@example.org",
        username=username,
        username_lower=username,
        display_name=display_name,
        password_hash=password_hash,
        email_confirmed_at=now - timedelta(days=1),
        created_at=now - timedelta(days=1),
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(MemberOnboarding(user_id=user.id, first_signed_in_at=user.created_at))
    return user


def _settle_notifications(now: datetime) -> None:
    """The demo's history happened weeks ago: its notifications are dated with the
    posts they report, all but the last few read, and none of it is e-mailed (the
    mail it queued is set aside, so `make run` prints only new mail)."""
    db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.status == MailStatus.QUEUED)
        .values(status=MailStatus.SKIPPED, last_error="demo history: not mailed")
    )
    for notification in db.session.scalars(
        select(Notification).where(Notification.post_id.is_not(None))
    ):
        notification.created_at = notification.post.created_at
    recent = now - timedelta(days=RECENT_UNREAD_DAYS)
    db.session.execute(
        update(Notification).where(Notification.created_at < recent).values(read_at=recent)
    )
    db.session.commit()


def _load_profiles(users: dict[str, User]) -> None:
    fields = {}
    for label, kind, choices, is_required, shown_to in DEMO_PROFILE_FIELDS:
        fields[label] = profile_services.create_profile_field(
            users["ada"],
            label=label,
            kind=ProfileFieldKind(kind),
            choices=choices,
            is_required=is_required,
            default_visibility=FieldVisibility(shown_to),
        )
    for username, entry in DEMO_PROFILES.items():
        member = users[username]
        profile_services.update_profile(
            member,
            display_name=member.display_name,
            bio=entry["bio"],
            fields=entry["fields"],
            visibility={name: FieldVisibility(v) for name, v in entry["visibility"].items()},
            answers={
                fields[label].id: FieldAnswer(value, fields[label].default_visibility)
                for label, value in entry["answers"].items()
            },
        )


def _load_idea(
    entry: dict, users: dict[str, User], spaces: dict[str, Space], ideas: dict[str, int]
) -> int:
    """Post an idea through the services, then move its moments into the past: votes
    over its first weeks, each status change on its day, replies after posting."""
    topic = topic_services.create_topic(
        users[entry["author"]],
        spaces[entry["space"]],
        title=entry["title"],
        body=entry["body"],
        kind=TopicKind.IDEA,
    )
    for username, body in entry.get("replies", []):
        topic_services.reply_to_topic(users[username], topic, body=body)
    for username in entry["voters"]:
        idea_services.set_idea_vote(users[username], topic, is_voted=True)
    for _days_after, username, status, response in entry["history"]:
        idea_services.set_idea_status(
            users[username], topic, status=IdeaStatus(status), response=response
        )
    if entry.get("merge_into"):
        target = db.session.get(type(topic), ideas[entry["merge_into"]])
        idea_services.merge_idea(users["tom"], topic, target)

    posted = utcnow() - timedelta(days=entry["age"])
    idea = db.session.get(Idea, topic.id)
    idea.created_at = topic.created_at = topic.last_posted_at = posted
    _backdate(topic.id, 1, posted)
    for number in range(2, topic.last_post_number + 1):
        _backdate(topic.id, number, posted + timedelta(hours=5 * number))
    votes = db.session.scalars(select(IdeaVote).where(IdeaVote.topic_id == topic.id))
    for offset, vote in enumerate(votes):
        vote.created_at = posted + timedelta(days=min(offset * 2, entry["age"]))
    changes = list(
        db.session.scalars(
            select(IdeaStatusChange)
            .where(IdeaStatusChange.topic_id == topic.id)
            .order_by(IdeaStatusChange.id)
        )
    )
    # Staff steps on their days; a merge happens a few days after posting.
    steps = [step[0] for step in entry["history"]] + [min(3, entry["age"])]
    for change, days_after in zip(changes, steps, strict=False):
        change.created_at = posted + timedelta(days=days_after)
        if change.new_status is IdeaStatus.SHIPPED:
            idea.shipped_at = change.created_at
    if changes:
        idea.first_response_at = changes[0].created_at
        idea.status_changed_at = changes[-1].created_at
    db.session.commit()
    return topic.id


def _load_topic(
    entry: dict, users: dict[str, User], spaces: dict[str, Space], *, age_days: float
) -> None:
    space = spaces[entry["space"]]
    author = users[entry["author"]]
    # Support threads are questions; the rest are discussions.
    is_question = entry["space"] in QUESTION_SPACES and not entry.get("pinned")
    topic = topic_services.create_topic(
        author,
        space,
        title=entry["title"],
        body=entry["body"],
        kind=TopicKind.QUESTION if is_question else TopicKind.DISCUSSION,
        tags=entry.get("tags"),
    )
    # The history's entries say how old they are and how long the first reply took.
    started = utcnow() - timedelta(days=entry.get("age", age_days))
    moment = started
    _backdate(topic.id, 1, moment)
    staff_answer: Post | None = None
    first_replies: dict[str, Post] = {}
    for number, (username, body, *quoting) in enumerate(entry.get("replies", []), start=2):
        if quoting:
            quoted = db.session.scalar(
                select(Post).where(Post.topic_id == topic.id, Post.post_number == quoting[0])
            )
            body = topic_services.quote_markdown(quoted) + body
        post = topic_services.reply_to_topic(users[username], topic, body=body)
        first_replies.setdefault(username, post)
        if "first_reply_hours" in entry:
            hours = entry["first_reply_hours"] if number == 2 else REPLY_GAP_HOURS
            moment = moment + timedelta(hours=hours)
        else:
            # Replies follow within hours, the first ones faster: a responsive community.
            moment = moment + timedelta(hours=1.5 * number, minutes=7 * number)
        _backdate(topic.id, number, moment)
        if users[username].is_employee and staff_answer is None and users[username] != author:
            staff_answer = post
            topic.first_staff_reply_at = moment
    topic.created_at = started
    topic.last_posted_at = moment
    if entry.get("pinned"):
        topic.is_pinned = True
    if entry.get("locked"):
        topic.locked_at = moment
    # The asker accepts the answer the entry names or, when they came back to say it
    # worked, the staff answer.
    replies = entry.get("replies", [])
    accepted = staff_answer
    if "accepted" in entry:
        accepted = first_replies.get(entry["accepted"]) if entry["accepted"] else None
    elif not (replies and replies[-1][0] == entry["author"]):
        accepted = None
    if is_question and accepted is not None:
        topic.accepted_post_id = accepted.id
        topic.accepted_at = moment
    db.session.commit()


def _backdate(topic_id: int, post_number: int, moment: datetime) -> None:
    post = db.session.scalar(
        select(Post).where(Post.topic_id == topic_id, Post.post_number == post_number)
    )
    if post is not None:
        post.created_at = moment
