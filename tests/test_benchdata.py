"""``hearth seed-bench``: the benchmark data set, on a tiny size, on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from community import benchdata
from community.accounts.models import User
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.ideas.models import TRENDING_DAYS, Idea, IdeaVote
from community.markdown import render_markdown
from community.spaces.models import Membership, Space, Visibility
from community.topics.models import Post, Topic, TopicKind
from tests import factories

# Enough posts for one search marker (every MARKER_EVERY-th post) and a long topic.
TINY = ["--spaces", "6", "--topics", "300", "--posts", "4500", "--members", "60"]


def seed(app, *options):
    # The command runs inside the test's app context and connection: its commit lands
    # in a SAVEPOINT that the test's rollback removes (see tests/test_accounts.py).
    return app.test_cli_runner().invoke(args=["hearth", "seed-bench", *TINY, *options])


def scalar(statement: str, **parameters: object) -> int:
    return db.session.scalar(text(statement), parameters)


def test_seed_bench_fills_an_empty_database_with_consistent_counters(app, database):
    result = seed(app)

    assert result.exit_code == 0, result.output
    assert "posts 4,500" in result.output  # progress, table by table
    assert db.session.scalar(select(func.count(Post.id))) == 4500
    assert db.session.scalar(select(func.count(Topic.id))) == 300
    assert db.session.scalar(select(func.count(User.id))) == 60
    # Space counters against the rows.
    assert not scalar(
        """SELECT count(*) FROM spaces WHERE topic_count != (
               SELECT count(*) FROM topics WHERE topics.space_id = spaces.id)
           OR post_count != (
               SELECT count(*) FROM posts JOIN topics ON topics.id = posts.topic_id
               WHERE topics.space_id = spaces.id)"""
    )
    # Topic counters and last-post fields against their posts.
    assert not scalar(
        """SELECT count(*) FROM topics WHERE
               post_count != (SELECT count(*) FROM posts WHERE posts.topic_id = topics.id)
            OR last_post_number != (
               SELECT max(post_number) FROM posts WHERE posts.topic_id = topics.id)
            OR last_posted_at != (
               SELECT max(created_at) FROM posts WHERE posts.topic_id = topics.id)
            OR last_poster_id != (
               SELECT author_id FROM posts WHERE posts.topic_id = topics.id
               AND posts.post_number = topics.last_post_number)
            OR author_id != (
               SELECT author_id FROM posts WHERE posts.topic_id = topics.id
               AND posts.post_number = 1)"""
    )
    # Post numbers run 1..n without gaps in every topic.
    assert not scalar(
        """SELECT count(*) FROM topics WHERE last_post_number != (
               SELECT count(DISTINCT post_number) FROM posts WHERE posts.topic_id = topics.id)"""
    )
    assert not scalar(
        """SELECT count(*) FROM ideas WHERE vote_count != (
               SELECT count(*) FROM idea_votes WHERE idea_votes.topic_id = ideas.topic_id)"""
    )
    # The trending sort's stored count: some ideas were voted on lately.
    assert scalar("SELECT count(*) FROM ideas WHERE recent_vote_count > 0")
    since = utcnow() - timedelta(days=TRENDING_DAYS)
    assert scalar("SELECT sum(recent_vote_count) FROM ideas") == db.session.scalar(
        select(func.count(IdeaVote.id)).where(IdeaVote.created_at >= since)
    )
    assert not scalar(
        """SELECT count(*) FROM posts WHERE vote_count != (
               SELECT count(*) FROM answer_votes WHERE answer_votes.post_id = posts.id)"""
    )
    # An accepted answer is a reply in its own question.
    assert not scalar(
        """SELECT count(*) FROM topics JOIN posts ON posts.id = topics.accepted_post_id
           WHERE posts.topic_id != topics.id OR posts.post_number = 1
              OR topics.kind != 'question'"""
    )
    accepted = select(func.count(Topic.id)).where(Topic.accepted_post_id.is_not(None))
    assert db.session.scalar(accepted)
    assert db.session.scalar(select(func.count(AnswerVote.id)))
    assert db.session.scalar(select(func.count(IdeaVote.id)))


def test_seed_bench_makes_every_kind_of_space_topic_and_the_pages_the_bench_reads(app, database):
    assert seed(app).exit_code == 0

    kinds = set(db.session.scalars(select(Space.visibility)))
    assert kinds == set(Visibility)
    assert set(db.session.scalars(select(Topic.kind).distinct())) == set(TopicKind)
    assert len(set(db.session.scalars(select(Idea.status).distinct()))) >= 3
    big = db.session.scalar(select(Space).where(Space.slug == benchdata.BIG_SPACE_SLUG))
    assert big.visibility is Visibility.PUBLIC
    assert big.topic_count == int(300 * benchdata.BIG_SPACE_SHARE)
    assert db.session.get(Topic, 1).post_count == benchdata.LONG_TOPIC_POSTS
    bench = db.session.scalar(select(User).where(User.username == benchdata.BENCH_USERNAME))
    assert bench.is_employee
    closed = set(db.session.scalars(select(Space.id).where(Space.visibility == "closed")))
    member_of = set(
        db.session.scalars(select(Membership.space_id).where(Membership.user_id == bench.id))
    )
    assert closed
    assert closed <= member_of


def test_seed_bench_posts_are_in_the_search_index_and_the_marker_is_found(
    app, database, database_url
):
    assert seed(app).exit_code == 0

    expected = 4500 // benchdata.MARKER_EVERY
    if database_url.startswith("sqlite"):
        found = scalar(
            "SELECT count(*) FROM post_search WHERE post_search MATCH :word",
            word=benchdata.MARKER,
        )
        indexed = scalar("SELECT count(*) FROM post_search")
    else:
        found = scalar(
            "SELECT count(*) FROM post_search WHERE document @@ to_tsquery('english', :word)",
            word=benchdata.MARKER,
        )
        indexed = scalar("SELECT count(*) FROM post_search")
    assert found == expected
    assert indexed == 4500


def test_seed_bench_stores_the_html_markdown_renders(app, database):
    assert seed(app).exit_code == 0

    for post in db.session.scalars(select(Post).order_by(Post.id).limit(40)):
        assert post.body_html == render_markdown(post.body_source)


def test_seed_bench_refuses_a_database_with_content_without_force(app, database):
    factories.make_user(username="already-here")

    result = seed(app)

    assert result.exit_code != 0
    assert "has content" in result.output
    assert "--force" in result.output
    assert db.session.scalar(select(func.count(Topic.id))) == 0
    assert db.session.scalar(select(User.username)) == "already-here"


def test_seed_bench_with_force_replaces_the_content_and_is_repeatable(app, database):
    assert seed(app).exit_code == 0
    titles = list(db.session.scalars(select(Topic.title).order_by(Topic.id).limit(20)))

    result = seed(app, "--force")

    assert result.exit_code == 0, result.output
    assert "deleting what is there" in result.output
    assert db.session.scalar(select(func.count(Post.id))) == 4500
    assert list(db.session.scalars(select(Topic.title).order_by(Topic.id).limit(20))) == titles


def test_seed_bench_never_touches_a_production_database_with_content(database):
    factories.make_user(username="a-real-member")

    with pytest.raises(benchdata.SeedRefused, match="production"):
        benchdata.seed_bench(
            benchdata.Sizes(spaces=6, topics=300, posts=4500, members=60),
            force=True,
            is_production=True,
            password_hash="x",
        )

    assert db.session.scalar(select(User.username)) == "a-real-member"


def test_seed_bench_scale_multiplies_topics_and_posts():
    sizes = benchdata.Sizes().scaled(10)

    assert (sizes.topics, sizes.posts, sizes.members) == (200_000, 2_000_000, 2_000)
