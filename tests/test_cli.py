"""The `flask hearth demo` command: a living community, safe to run twice."""

from __future__ import annotations

from sqlalchemy import func, select

from community.demo_content import DEMO_GROUPS, DEMO_IDEAS, DEMO_SPACES, DEMO_TOPICS, DEMO_USERS
from community.extensions import db
from community.groups.models import Group, GroupRequest, SpaceGroup
from community.ideas.models import Idea, IdeaStatus, IdeaVote
from community.moderation.models import AuditEntry
from community.onboarding.queries import get_settings
from community.spaces.models import JoinRequest, Space
from community.topics.models import Post, Topic, TopicKind


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
    assert _count(Topic) == len(DEMO_TOPICS) + len(DEMO_IDEAS)
    everything = DEMO_TOPICS + DEMO_IDEAS
    assert _count(Post) == len(everything) + sum(len(t.get("replies", [])) for t in everything)
    assert db.session.scalar(select(func.count()).select_from(Idea)) == len(DEMO_IDEAS)
    assert _count(JoinRequest) == 1


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

    for space in db.session.scalars(select(Space)):
        topics = db.session.scalar(select(func.count(Topic.id)).where(Topic.space_id == space.id))
        posts = db.session.scalar(
            select(func.count(Post.id))
            .join(Topic, Post.topic_id == Topic.id)
            .where(Topic.space_id == space.id)
        )
        assert (space.topic_count, space.post_count) == (topics, posts), space.slug
    for topic in db.session.scalars(select(Topic)):
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
