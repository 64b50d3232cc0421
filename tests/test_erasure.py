"""Deleting an account (GDPR art. 17; SECURITY-PLAN check 31).

A member with rows in every table that points at users is deleted; then every text
column of every table (walked from the metadata) and the search index are searched
for what identified them, and nothing is found. Their posts follow their choice,
others' content stays, every counter stays exact, and their sessions end.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from community.accounts.models import Role, User
from community.answers.models import AnswerVote
from community.database import utcnow
from community.extensions import db
from community.ideas.models import TRENDING_DAYS, Idea, IdeaVote
from community.invites.models import Invite, InviteUse
from community.moderation.models import AuditAction, AuditEntry
from community.profiles import erasure
from community.profiles import services as profile_services
from community.spaces.models import Space
from community.topics.models import Post, Topic
from tests import factories
from tests.conftest import csrf_token_from, page_with_csrf_token, sign_in
from tests.test_export import references_to_users


def test_erasure_registry_covers_every_reference_to_users(app, report_figure):
    references = references_to_users()
    report_figure(
        f"FIGURE erasure-registry references-to-users={len(references)} "
        f"covered={len(references & erasure.covered_references())}"
    )
    missing = references - erasure.covered_references()
    assert missing == set(), f"say in community/profiles/erasure.py what happens to: {missing}"
    assert erasure.covered_references() - references == set()


# --- the whole-database search -------------------------------------------------------


def text_columns() -> list[tuple[sa.Table, sa.Column]]:
    """Every column of every table that holds text (enums stored as text included)."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            column_type = column.type
            impl = getattr(column_type, "impl", column_type)
            if isinstance(column_type, sa.String | sa.Text) or isinstance(impl, sa.String):
                found.append((table, column))
    return found


def search_index_hits(connection: sa.Connection, needle: str) -> int:
    """Documents of the full-text index (both databases' tables) that hold ``needle``."""
    like = f"%{needle.lower()}%"
    if connection.dialect.name == "sqlite":
        hits = 0
        for statement in (
            "SELECT count(*) FROM post_search WHERE lower(title) LIKE :n OR lower(body) LIKE :n",
            # FTS5's own copy of the text, beside the index.
            "SELECT count(*) FROM post_search_content WHERE lower(c0) LIKE :n OR lower(c1) LIKE :n",
        ):
            hits += connection.execute(sa.text(statement), {"n": like}).scalar()
        return hits
    return connection.execute(
        sa.text(
            "SELECT count(*) FROM post_search WHERE lower(document::text) LIKE :n "
            "OR document @@ plainto_tsquery('english', :q)"
        ),
        {"n": like, "q": needle},
    ).scalar()


def whole_database_hits(connection: sa.Connection, needles: list[str]) -> list[str]:
    hits = []
    columns = text_columns()
    for needle in needles:
        like = f"%{needle.lower()}%"
        for table, column in columns:
            count = connection.execute(
                sa.select(func.count()).select_from(table).where(func.lower(column).like(like))
            ).scalar()
            if count:
                hits.append(f"{needle!r} in {table.name}.{column.name} ({count})")
        if search_index_hits(connection, needle):
            hits.append(f"{needle!r} in the search index")
    return hits


def needles_of(rich: factories.RichMember) -> list[str]:
    ids = rich.identifiers
    return [
        ids["email"], ids["username"], ids["display_name"], "Canarymember",
        ids["bio"], "BIOCANARY", ids["company"], ids["field"], ids["ip"], ids["user_agent"],
    ]  # fmt: skip


@pytest.fixture
def rich(world) -> factories.RichMember:
    return factories.make_rich_member(world)


@pytest.mark.parametrize("remove_posts", [False, True], ids=["keep-posts", "remove-posts"])
def test_no_personal_data_is_left_anywhere_after_deletion(
    rich, database, remove_posts, report_figure, caplog
):
    needles = needles_of(rich)
    # The control: before, the search finds every needle somewhere.
    before = whole_database_hits(database, needles)
    for needle in needles:
        assert any(hit.startswith(repr(needle)) for hit in before), needle

    with caplog.at_level(logging.INFO):
        profile_services.delete_own_account(
            rich.user, password=factories.RICH_PASSWORD, remove_posts=remove_posts
        )

    after = whole_database_hits(database, needles)
    report_figure(
        f"FIGURE erasure db={database.dialect.name} posts={'removed' if remove_posts else 'kept'} "
        f"tables={len(db.metadata.tables)} text-columns={len(text_columns())} "
        f"needles={len(needles)} residual-hits={len(after)}"
    )
    assert after == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "account.deleted" in logged
    assert [needle for needle in needles if needle.lower() in logged.lower()] == []


def test_kept_posts_stay_under_former_member_and_mentions_are_neutral(rich, world):
    member_id = rich.user.id
    profile_services.delete_own_account(
        rich.user, password=factories.RICH_PASSWORD, remove_posts=False
    )
    assert db.session.get(User, member_id) is None
    kept = db.session.scalar(
        select(Post).where(Post.body_source == "Thanks, that worked perfectly.")
    )
    assert kept.author_id is None
    assert (
        db.session.scalar(select(Topic).where(Topic.title == "Rich asks about dimmers")).author_id
        is None
    )
    db.session.refresh(rich.mention_by_other)
    assert rich.mention_by_other.body_source == "Good point @former-member!"
    assert "@former-member" in rich.mention_by_other.body_html
    db.session.refresh(rich.reply_by_other)
    assert rich.reply_by_other.author_id == world.user("member").id


def test_removed_posts_go_and_topics_others_replied_to_keep_the_replies(rich, world, database):
    assert search_index_hits(database, rich.own_hidden_text) > 0  # the control
    profile_services.delete_own_account(
        rich.user, password=factories.RICH_PASSWORD, remove_posts=True
    )
    bodies = set(db.session.scalars(select(Post.body_source)))
    assert "Thanks, that worked perfectly." not in bodies
    assert "A reply in someone else's topic." not in bodies
    assert not any(body.startswith("OWNHIDDENTEXT") for body in bodies)
    assert search_index_hits(database, rich.own_hidden_text) == 0
    # Their question had a reply from someone else: it stays, with the reply.
    question = db.session.scalar(select(Topic).where(Topic.title == "Rich asks about dimmers"))
    first = db.session.scalar(
        select(Post).where(Post.topic_id == question.id, Post.post_number == 1)
    )
    assert first.body_source == erasure.REMOVED_POST
    assert "Try the second dimmer setting." in bodies
    # Everything else that others wrote is untouched.
    assert "HIDDENREPLY by another" in bodies
    assert "I like it." in bodies


def test_removing_a_topic_nobody_answered_removes_it_whole(world):
    loner = factories.make_user(username="loner", password=factories.RICH_PASSWORD)
    topic = factories.make_topic(world.spaces["public"], author=loner, title="Nobody answered me")
    factories.make_reply(topic, author=loner, body="Bump.")
    topic_id = topic.id
    profile_services.delete_own_account(loner, password=factories.RICH_PASSWORD, remove_posts=True)
    assert db.session.get(Topic, topic_id) is None
    assert db.session.scalars(select(Post).where(Post.topic_id == topic_id)).all() == []


def _count(statement: sa.Select) -> int:
    return db.session.scalar(statement)


def counters_disagreeing() -> list[str]:
    """Every denormalised counter recounted from the rows it counts."""
    wrong = []
    live_topic = Topic.deleted_at.is_(None)
    for space in db.session.scalars(select(Space)):
        topics = _count(select(func.count(Topic.id)).where(Topic.space_id == space.id, live_topic))
        posts = _count(
            select(func.count(Post.id))
            .join(Topic, Topic.id == Post.topic_id)
            .where(Topic.space_id == space.id, live_topic, Post.deleted_at.is_(None))
        )
        if (space.topic_count, space.post_count) != (topics, posts):
            wrong.append(f"space {space.slug}: {space.topic_count, space.post_count}")
    for topic in db.session.scalars(select(Topic).where(live_topic)):
        posts = _count(
            select(func.count(Post.id)).where(Post.topic_id == topic.id, Post.deleted_at.is_(None))
        )
        if topic.post_count != posts:
            wrong.append(f"topic {topic.title}: {topic.post_count} != {posts}")
    for idea in db.session.scalars(select(Idea)):
        votes = _count(select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == idea.topic_id))
        if idea.vote_count != votes:
            wrong.append(f"idea {idea.topic_id}: {idea.vote_count} != {votes}")
        recent = _count(
            select(func.count(IdeaVote.id)).where(
                IdeaVote.topic_id == idea.topic_id,
                IdeaVote.created_at >= utcnow() - timedelta(days=TRENDING_DAYS),
            )
        )
        if idea.recent_vote_count != recent:
            wrong.append(f"idea {idea.topic_id} trending: {idea.recent_vote_count} != {recent}")
    for post in db.session.scalars(select(Post).where(Post.vote_count != 0)):
        votes = _count(select(func.count(AnswerVote.id)).where(AnswerVote.post_id == post.id))
        if post.vote_count != votes:
            wrong.append(f"post {post.id}: {post.vote_count} != {votes}")
    for invite in db.session.scalars(select(Invite)):
        uses = _count(select(func.count(InviteUse.id)).where(InviteUse.invite_id == invite.id))
        if invite.use_count != uses:
            wrong.append(f"invite {invite.id}: {invite.use_count} != {uses}")
    return wrong


@pytest.mark.parametrize("remove_posts", [False, True], ids=["keep-posts", "remove-posts"])
def test_every_counter_stays_exact(rich, remove_posts):
    assert counters_disagreeing() == []  # the recount agrees before
    idea_votes = db.session.scalar(select(func.sum(Idea.vote_count)))
    profile_services.delete_own_account(
        rich.user, password=factories.RICH_PASSWORD, remove_posts=remove_posts
    )
    db.session.expire_all()
    assert counters_disagreeing() == []
    # Their vote went, and the count with it (when their own idea stays, its votes do).
    assert db.session.scalar(select(func.sum(Idea.vote_count))) < idea_votes


def test_invites_they_made_stop_working(rich):
    invite_ids = list(
        db.session.scalars(select(Invite.id).where(Invite.created_by_id == rich.user.id))
    )
    profile_services.delete_own_account(
        rich.user, password=factories.RICH_PASSWORD, remove_posts=False
    )
    for invite_id in invite_ids:
        invite = db.session.get(Invite, invite_id)
        assert invite.is_revoked
        assert invite.created_by_id is None


# --- through the pages ------------------------------------------------------------------


def test_member_deletes_their_account_and_every_session_ends(app, world):
    member = factories.make_user(username="leaver", password=factories.RICH_PASSWORD)
    browser, other_device = app.test_client(), app.test_client()
    for client in (browser, other_device):
        sign_in(client, member, password=factories.RICH_PASSWORD)
    token = csrf_token_from(page_with_csrf_token(browser, "/account/delete"))
    stale_cookie = browser.get_cookie("session").value

    wrong = browser.post(
        "/account/delete", data={"csrf_token": token, "password": "nope nope nope"}
    )
    assert wrong.status_code == 422
    assert "not your current password" in wrong.text
    assert db.session.scalar(select(User).where(User.username == "leaver")) is not None

    response = browser.post(
        "/account/delete",
        data={"csrf_token": token, "password": factories.RICH_PASSWORD, "posts": "keep"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(User).where(User.username == "leaver")) is None
    assert other_device.get("/account").status_code == 302  # to sign-in: anonymous now
    browser.set_cookie("session", stale_cookie)
    assert browser.get("/account").status_code == 302


def test_admin_deletes_a_member_with_a_reason_kept_without_their_name(app, world, client_as):
    admin = client_as("admin")
    victim = factories.make_user(username="spammer", display_name="Sam Spammer",
                                 email="sam.spammer@example.com")  # fmt: skip
    victim_id = victim.id
    url = f"/admin/members/{victim_id}/delete"
    token = csrf_token_from(page_with_csrf_token(admin, url))

    no_reason = admin.post(url, data={"csrf_token": token, "password": factories.PASSWORD})
    assert no_reason.status_code == 422
    response = admin.post(url, data={
        "csrf_token": token, "password": factories.PASSWORD, "posts": "remove",
        "reason": "spammer (Sam Spammer, sam.spammer@example.com) posted ads all week",
    })  # fmt: skip
    assert response.status_code == 302
    assert db.session.get(User, victim_id) is None
    entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == AuditAction.MEMBER_DELETE)
    )
    assert entry.target_id == victim_id
    assert entry.actor_id == world.user("admin").id
    assert entry.detail == "remove_posts=True"
    assert entry.reason == (
        "[former member] ([former member], [former member]) posted ads all week"
    )


def test_admin_delete_page_is_404_to_everyone_else(client_as, world):
    url = f"/admin/members/{world.user('member').id}/delete"
    for persona in ("anonymous", "member", "moderator", "employee"):
        assert client_as(persona).get(url).status_code == 404


def test_the_last_admin_cannot_delete_their_own_account(world):
    admin = world.user("admin")
    with pytest.raises(profile_services.ValidationFailed, match="only admin"):
        profile_services.delete_own_account(admin, password=factories.PASSWORD, remove_posts=False)
    assert db.session.get(User, admin.id) is not None
    second = factories.make_user(username="secondadmin", role=Role.ADMIN)
    profile_services.delete_own_account(second, password=factories.PASSWORD, remove_posts=False)
    assert db.session.get(User, admin.id) is not None


def test_admins_delete_their_own_account_from_their_settings_not_the_admin_tools(world):
    admin = world.user("admin")
    with pytest.raises(profile_services.ValidationFailed, match="your account settings"):
        profile_services.delete_member(
            admin, admin, password=factories.PASSWORD, reason="testing", remove_posts=False
        )


def test_mention_pattern_matches_whole_usernames_only():
    pattern = erasure.mention_pattern("sam")
    assert pattern.sub("@x", "hi @sam, and @Sam. and (@sam)") == "hi @x, and @x. and (@x)"
    assert pattern.sub("@x", "@samuel @sam.jones @sam_ mail@sam.example") == (
        "@samuel @sam.jones @sam_ mail@sam.example"
    )
