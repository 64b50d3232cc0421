"""The `flask hearth demo` command: a living community, safe to run twice."""

from __future__ import annotations

from sqlalchemy import func, select

from community import policy
from community.accounts.models import TrustLevel, User
from community.demo_content import (
    DEMO_GROUPS,
    DEMO_IDEAS,
    DEMO_PROFILE_FIELDS,
    DEMO_PROFILES,
    DEMO_SPACE_WATCHES,
    DEMO_SPACES,
    DEMO_TOPICS,
    DEMO_USERS,
)
from community.extensions import db
from community.groups.models import Group, GroupRequest, SpaceGroup
from community.ideas.models import Idea, IdeaStatus, IdeaVote
from community.moderation import review_queries
from community.moderation.models import AuditEntry, PostFlag
from community.notifications.models import (
    MailStatus,
    Notification,
    NotificationKind,
    OutgoingMail,
    SpaceWatch,
)
from community.onboarding.queries import get_settings
from community.profiles.models import FieldVisibility, Profile, ProfileField
from community.spaces.models import JoinRequest, Space
from community.topics.models import Post, ReviewState, Topic, TopicKind


def _count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def test_demo_loads_the_community_and_prints_the_logins(app, database):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["hearth", "demo"])

    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    assert "hearth-demo-2026" in result.output
    for username, *_ in DEMO_USERS:
        assert username in result.output
    assert _count(Space) == len(DEMO_SPACES)
    # Besides the content: the newcomer's held topic, and the flagged spam reply.
    assert _count(Topic) == len(DEMO_TOPICS) + len(DEMO_IDEAS) + 1
    everything = DEMO_TOPICS + DEMO_IDEAS
    assert _count(Post) == (
        len(everything) + sum(len(t.get("replies", [])) for t in everything) + 2
    )
    assert db.session.scalar(select(func.count()).select_from(Idea)) == len(DEMO_IDEAS)
    assert _count(JoinRequest) == 1


def test_demo_gives_the_moderators_a_review_queue(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])

    held = db.session.scalar(select(Topic).where(Topic.review_state == ReviewState.PENDING))
    assert held.author.username == "lena"
    assert held.space.slug == "partner-network"
    assert held.space.approves_new_member_posts is True
    flags = list(db.session.scalars(select(PostFlag)))
    assert len(flags) == 2
    assert {flag.post.author.username for flag in flags} == {"halfpricehubs"}
    assert flags[0].post.review_state is ReviewState.PUBLISHED  # one flag short of hiding
    priya = db.session.scalar(select(User).where(User.username == "priya"))
    queue = review_queries.list_review_queue(priya)
    assert [post.topic_id for post in queue.pending] == [held.id]
    assert priya.trust_level == TrustLevel.MEMBER


def test_demo_twice_changes_nothing_the_second_time(app, database):
    runner = app.test_cli_runner()
    runner.invoke(args=["hearth", "demo"])
    before = (_count(Space), _count(Topic), _count(Post))

    result = runner.invoke(args=["hearth", "demo"])

    assert result.exit_code == 0
    assert "already present" in result.output
    assert (_count(Space), _count(Topic), _count(Post)) == before


def test_demo_counters_agree_with_the_rows_they_count(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])

    # Counters count what readers see: a post waiting for approval is not counted yet.
    live_topic, live_post = policy.live_topics_clause(), policy.live_posts_clause()
    for space in db.session.scalars(select(Space)):
        topics = db.session.scalar(
            select(func.count(Topic.id)).where(Topic.space_id == space.id, live_topic)
        )
        posts = db.session.scalar(
            select(func.count(Post.id))
            .join(Topic, Post.topic_id == Topic.id)
            .where(Topic.space_id == space.id, live_topic, live_post)
        )
        assert (space.topic_count, space.post_count) == (topics, posts), space.slug
    for topic in db.session.scalars(select(Topic).where(live_topic)):
        posts = db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic.id))
        assert topic.post_count == posts == topic.last_post_number


def test_demo_has_questions_with_staff_answers_and_one_waiting(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])
    questions = list(db.session.scalars(select(Topic).where(Topic.kind == TopicKind.QUESTION)))
    assert questions
    assert any(q.accepted_post_id for q in questions)
    assert any(q.first_staff_reply_at is None for q in questions)
    for question in questions:
        if question.first_staff_reply_at:
            assert question.first_staff_reply_at > question.created_at


def test_demo_ideas_have_votes_statuses_and_a_merge(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])
    ideas = list(db.session.scalars(select(Idea)))
    statuses = {idea.status for idea in ideas}
    assert {IdeaStatus.PLANNED, IdeaStatus.SHIPPED, IdeaStatus.DUPLICATE} <= statuses
    for idea in ideas:
        votes = db.session.scalar(
            select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == idea.topic_id)
        )
        assert idea.vote_count == votes, idea.topic.title
        if idea.status is IdeaStatus.SHIPPED:
            assert idea.first_response_at <= idea.shipped_at
            assert idea.created_at < idea.shipped_at
    merged = [idea for idea in ideas if idea.is_merged]
    assert merged
    assert all(idea.merged_into.idea.vote_count >= 1 for idea in merged)


def test_demo_has_groups_opening_closed_spaces_guidelines_and_a_welcome_space(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])

    groups = {group.name: group for group in db.session.scalars(select(Group))}
    assert set(groups) == {name for name, *_ in DEMO_GROUPS}
    opened = {
        (grant.group.name, grant.space.slug) for grant in db.session.scalars(select(SpaceGroup))
    }
    assert opened == {("Partners", "partner-network"), ("Customers", "customer-council")}
    assert db.session.scalar(select(func.count(GroupRequest.id))) == 1
    settings = get_settings()
    assert settings.welcome_space.slug == "welcome"
    assert "<strong>Be kind.</strong>" in settings.guidelines_html
    # Made through the services, so the audit log has a story to tell.
    assert db.session.scalar(select(func.count(AuditEntry.id))) >= len(DEMO_GROUPS) * 3


def test_demo_has_mentions_a_quote_and_unread_notifications_and_mails_none_of_it(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert {NotificationKind.MENTION, NotificationKind.QUOTE, NotificationKind.REPLY} <= kinds
    mentioned = db.session.scalar(select(Post).where(Post.body_source.like("%@olu%")))
    assert 'class="mention"' in mentioned.body_html
    unread = db.session.scalar(
        select(func.count(Notification.id)).where(Notification.read_at.is_(None))
    )
    assert unread > 0
    assert db.session.scalar(select(func.count(SpaceWatch.id))) == len(DEMO_SPACE_WATCHES)
    # The history is not mailed: `make run` prints only what happens from now on.
    queued = db.session.scalar(
        select(func.count(OutgoingMail.id)).where(OutgoingMail.status == MailStatus.QUEUED)
    )
    assert queued == 0


def test_demo_profiles_have_fields_some_of_them_hidden(app, database):
    app.test_cli_runner().invoke(args=["hearth", "demo"])
    assert _count(ProfileField) == len(DEMO_PROFILE_FIELDS)
    profiles = list(db.session.scalars(select(Profile)))
    assert len(profiles) == len(DEMO_PROFILES)
    hidden = {
        profile.visibility_of(name)
        for profile in profiles
        for name in ("company", "location", "bio")
    }
    assert {FieldVisibility.ONLY_ME, FieldVisibility.STAFF} <= hidden
    # A visitor sees sam's profile without what sam kept for staff or himself.
    page = app.test_client().get("/u/sam").text
    assert "Home Assistant tinkerer" in page
    assert "Whitaker Lettings" not in page
    assert "Headingley" not in page
