"""Concurrency through real requests (SECURITY-PLAN checks 22 and 23).

Threads send POSTs through the whole application — session, policy, service,
SQLite's write lock taken up front, PostgreSQL's row locks — and real commits, on
an app of their own; what they made is deleted afterwards. Sessions are prepared
directly (the sign-in form is tested elsewhere) and CSRF is off in this app only,
so the requests are all votes and posts.
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator

import flask_migrate
import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select

from community.accounts.models import Role, User
from community.extensions import db
from community.ideas.models import Idea, IdeaVote
from community.moderation.models import AuditAction, AuditEntry, PostFlag
from community.spaces.models import IdeaBoard, Space
from community.topics.models import Post, ReviewState, Topic, TopicKind
from tests import factories
from tests.conftest import make_test_app

THREADS = 50
VOTERS = 2000
FORMS = 40
# Each form is sent this many times, from as many threads at once.
RESUBMITS = 10
PREFIX = "concurrency"


@pytest.fixture
def busy_app(app: Flask, database_url: str) -> Iterator[Flask]:
    """An app of its own on the migrated test database (``app`` made the schema)."""
    busy = make_test_app(
        database_url,
        WTF_CSRF_ENABLED=False,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": THREADS, "pool_timeout": 60},
    )
    with busy.app_context():
        admin = factories.make_user(username=f"{PREFIX}-admin", role=Role.ADMIN)
        busy.config["test_space_id"] = factories.make_space(
            slug=f"{PREFIX}-board", idea_board=IdeaBoard.ALONGSIDE
        ).id
        busy.config["test_admin_id"] = admin.id
    yield busy
    with busy.app_context():
        db.session.execute(delete(Space).where(Space.slug == f"{PREFIX}-board"))
        db.session.execute(delete(User).where(User.username.like(f"{PREFIX}%")))
        db.session.commit()
        db.engine.dispose()


def _signed_in(app: Flask, user_id: int) -> object:
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = f"{user_id}:1:{int(time.time())}"
        session["_fresh"] = True
    return client


def _in_threads(jobs: list[Callable[[], int]]) -> tuple[Counter, float]:
    """Run the jobs from THREADS threads started together; count the statuses."""
    statuses: Counter = Counter()
    lock = threading.Lock()
    barrier = threading.Barrier(THREADS)

    def worker(share: list[Callable[[], int]]) -> None:
        barrier.wait()
        for job in share:
            try:
                status = job()
            except BaseException as error:  # counted, and the test fails on it
                status = f"error: {error!r}"
            with lock:
                statuses[status] += 1

    threads = [threading.Thread(target=worker, args=(jobs[n::THREADS],)) for n in range(THREADS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses, time.monotonic() - started


def test_two_thousand_members_vote_at_once_and_every_vote_counts_once(
    busy_app, database_url, report_figure
):
    with busy_app.app_context():
        admin = db.session.get(User, busy_app.config["test_admin_id"])
        space = db.session.get(Space, busy_app.config["test_space_id"])
        idea_id = factories.make_topic(space, author=admin, kind=TopicKind.IDEA).id
        hashed = admin.password_hash
        db.session.execute(
            insert(User),
            [
                {
                    "email": f"{PREFIX}{n}@example.com",
                    "username": f"{PREFIX}{n}",
                    "username_lower": f"{PREFIX}{n}",
                    "display_name": f"Voter {n}",
                    "password_hash": hashed,
                    "email_confirmed_at": admin.email_confirmed_at,
                }
                for n in range(VOTERS)
            ],
        )
        db.session.commit()
        voter_ids = db.session.scalars(
            select(User.id).where(User.username.like(f"{PREFIX}_%"), User.id != admin.id)
        ).all()
    assert len(voter_ids) == VOTERS
    clients = [_signed_in(busy_app, voter_id) for voter_id in voter_ids]
    path = f"/t/{idea_id}/idea-vote"

    statuses, seconds = _in_threads(
        [
            lambda client=client: client.post(path, data={"value": "on"}).status_code
            for client in clients
        ]
    )

    with busy_app.app_context():
        rows = db.session.scalar(
            select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == idea_id)
        )
        counter = db.session.get(Idea, idea_id).vote_count
        trending = db.session.get(Idea, idea_id).recent_vote_count
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    report_figure(
        f"FIGURE concurrent-votes db={database} threads={THREADS} votes={VOTERS} "
        f"rows={rows - 1} counter={counter - 1} lost={VOTERS - (rows - 1)} "
        f"errors={VOTERS - statuses[302]} seconds={seconds:.1f}"
    )
    assert statuses == Counter({302: VOTERS})
    assert rows == counter == VOTERS + 1  # and the author's own vote
    assert trending == counter  # every vote is of today: the trending count agrees


def test_a_write_that_waits_out_the_lock_gets_a_busy_page_and_changes_nothing(
    tmp_path, database_url
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's single write lock")
    path = tmp_path / "locked.db"
    app = make_test_app(
        f"sqlite:///{path}", SQLITE_BUSY_TIMEOUT_SECONDS=0.2, WTF_CSRF_ENABLED=False
    )
    with app.app_context():
        flask_migrate.upgrade()
        author = factories.make_user(username="waiting")
        topic = factories.make_topic(factories.make_space(), author=author)
        topic_id, author_id = topic.id, author.id
    client = _signed_in(app, author_id)
    holder = sqlite3.connect(path)
    holder.execute("BEGIN IMMEDIATE")  # another writer keeps the lock
    try:
        response = client.post(f"/t/{topic_id}/reply", data={"body": "Sent while busy."})
    finally:
        holder.rollback()
        holder.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "2"
    assert "Nothing was changed" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Post.id)).where(Post.topic_id == topic_id)) == 1
        db.engine.dispose()


def test_fifty_threads_resubmitting_the_same_forty_replies_make_forty_posts(
    busy_app, database_url, report_figure
):
    with busy_app.app_context():
        admin = db.session.get(User, busy_app.config["test_admin_id"])
        space = db.session.get(Space, busy_app.config["test_space_id"])
        topic_id = factories.make_topic(space, author=admin).id
        author_id = factories.make_user(username=f"{PREFIX}-replier").id
    client = _signed_in(busy_app, author_id)
    forms = [
        {"body": f"Reply number {n}, sent in a hurry.", "submission_token": secrets.token_hex(16)}
        for n in range(FORMS)
    ]
    path = f"/t/{topic_id}/reply"

    statuses, seconds = _in_threads(
        [
            lambda form=form: client.post(path, data=form).status_code
            for _ in range(RESUBMITS)
            for form in forms
        ]
    )

    with busy_app.app_context():
        posts = db.session.scalars(select(Post).where(Post.topic_id == topic_id)).all()
        topic = db.session.get(Topic, topic_id)
        space = db.session.get(Space, busy_app.config["test_space_id"])
        replies = [post for post in posts if post.post_number > 1]
        counters = (topic.post_count, topic.last_post_number, space.post_count)
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    attempts = FORMS * RESUBMITS
    report_figure(
        f"FIGURE double-submit-storm db={database} threads={THREADS} attempts={attempts} "
        f"rows={len(replies)} duplicates={len(replies) - FORMS} "
        f"5xx={sum(n for status, n in statuses.items() if str(status).startswith('5'))} "
        f"seconds={seconds:.1f}"
    )
    assert statuses == Counter({302: attempts})
    assert sorted(post.submission_token for post in replies) == sorted(
        form["submission_token"] for form in forms
    )
    assert sorted(post.post_number for post in posts) == list(range(1, FORMS + 2))
    assert counters == (FORMS + 1, FORMS + 1, FORMS + 1)


def test_approvals_and_flags_sent_at_once_act_once(busy_app, database_url, report_figure):
    """Each of 20 held posts approved 10 times at once, and one post flagged 10 times
    at once by each of 5 members: every approval a 302 and each post published once
    (one audit row, counted once); at most one flag per member, the post hidden once
    its third flag lands, and from then on a 404 to those who had not flagged it (a
    hidden post is not theirs to see)."""
    held_posts, flaggers = 20, 5
    with busy_app.app_context():
        space = db.session.get(Space, busy_app.config["test_space_id"])
        space.approves_new_member_posts = True
        db.session.commit()
        newcomer = factories.make_user(username=f"{PREFIX}-newcomer")
        post_ids = [
            factories.first_post(factories.make_topic(space, author=newcomer)).id
            for _ in range(held_posts)
        ]
        spammer = factories.make_user(username=f"{PREFIX}-spammer", trust_level=1)
        spam_id = factories.first_post(factories.make_topic(space, author=spammer)).id
        flagger_ids = [
            factories.make_user(username=f"{PREFIX}-flagger{n}", trust_level=1).id
            for n in range(flaggers)
        ]
        space_id = space.id
    moderator = _signed_in(busy_app, busy_app.config["test_admin_id"])
    flagging = [_signed_in(busy_app, flagger_id) for flagger_id in flagger_ids]

    def approve(post_id: int) -> tuple[str, int]:
        return "approve", moderator.post(f"/review/posts/{post_id}/approve").status_code

    def flag(client: object) -> tuple[str, int]:
        return "flag", client.post(f"/p/{spam_id}/flag", data={"reason": "spam"}).status_code

    statuses, seconds = _in_threads(
        [lambda post_id=post_id: approve(post_id) for _ in range(RESUBMITS) for post_id in post_ids]
        + [lambda client=client: flag(client) for _ in range(RESUBMITS) for client in flagging]
    )

    with busy_app.app_context():
        approvals = db.session.scalar(
            select(func.count(AuditEntry.id)).where(
                AuditEntry.action == AuditAction.POST_APPROVE, AuditEntry.space_id == space_id
            )
        )
        published = db.session.scalar(
            select(func.count(Post.id)).where(
                Post.id.in_(post_ids), Post.review_state == ReviewState.PUBLISHED
            )
        )
        flags = db.session.scalar(
            select(func.count(PostFlag.id)).where(PostFlag.post_id == spam_id)
        )
        spam_state = db.session.get(Post, spam_id).review_state
        topic_count = db.session.get(Space, space_id).topic_count
        # The log is append-only for the application; the test's own rows go by hand.
        db.session.execute(delete(AuditEntry.__table__).where(AuditEntry.space_id == space_id))
        db.session.commit()
    database = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    attempts = (held_posts + flaggers) * RESUBMITS
    server_errors = sum(n for (_, status), n in statuses.items() if str(status).startswith("5"))
    report_figure(
        f"FIGURE review-storm db={database} threads={THREADS} attempts={attempts} "
        f"approvals={approvals}/{held_posts} flags={flags} 5xx={server_errors} "
        f"seconds={seconds:.1f}"
    )
    assert statuses[("approve", 302)] == held_posts * RESUBMITS
    assert {status for kind, status in statuses if kind == "flag"} <= {302, 404}
    assert sum(statuses.values()) == attempts
    assert (approvals, published) == (held_posts, held_posts)
    # Three flags hide it; on PostgreSQL a fourth may land in the same instant.
    assert busy_app.config["FLAGS_TO_HIDE"] <= flags <= flaggers
    assert spam_state is ReviewState.HIDDEN
    # The held topics counted once each; the spam topic counted out when hidden.
    assert topic_count == held_posts
