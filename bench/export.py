"""How long a member with 10,000 posts waits for their data export.

Not a test (tests never assert timings): run it and read the figures.

    .venv/bin/python bench/export.py                      # a fresh SQLite file
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python bench/export.py                  # an empty PostgreSQL database

It migrates an empty database, writes one member's 10,000 posts (2,000 topics with
four replies each, a revision on every tenth post, votes and notifications) straight
into the tables, then times ``build_archive`` and the whole ``request_export``
service (the password check, the build and the row that stores it).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import flask_migrate
from sqlalchemy import insert

from community import create_app
from community.accounts.models import User
from community.accounts.services import hash_password
from community.database import utcnow
from community.extensions import db
from community.notifications.models import Notification
from community.profiles import export, services
from community.spaces.models import Space, Visibility
from community.topics.models import Post, PostRevision, Topic
from config import TestingConfig

TOPICS = 2_000
REPLIES_PER_TOPIC = 4
PASSWORD = "a benchmark's long passphrase"  # noqa: S105 - a throw-away account
BODY = "A post of ordinary length about bulbs, hubs and schedules. " * 6


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url is None:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    config = type("BenchConfig", (TestingConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade()
        member = seed()
        posts = TOPICS * (1 + REPLIES_PER_TOPIC)
        started = time.perf_counter()
        archive = export.build_archive(member)
        built = time.perf_counter() - started
        started = time.perf_counter()
        services.request_export(member, password=PASSWORD)
        requested = time.perf_counter() - started
        print(
            f"FIGURE export-bench db={db.engine.dialect.name} posts={posts} "
            f"build_seconds={built:.2f} request_seconds={requested:.2f} "
            f"zip_bytes={len(archive)}"
        )


def seed() -> User:
    now = utcnow()
    print("seeding ...", flush=True)
    member = User(
        email="bench@example.com", username="bench", username_lower="bench",
        display_name="Bench Marker", password_hash=hash_password(PASSWORD),
        email_confirmed_at=now,
    )  # fmt: skip
    space = Space(slug="bench", name="Bench", visibility=Visibility.PUBLIC)
    db.session.add_all([member, space])
    db.session.commit()
    topics = [
        {"space_id": space.id, "author_id": member.id, "kind": "discussion",
         "title": f"Benchmark topic {number}", "post_count": 1 + REPLIES_PER_TOPIC,
         "last_post_number": 1 + REPLIES_PER_TOPIC, "is_pinned": False,
         "created_at": now - timedelta(minutes=number), "last_posted_at": now}
        for number in range(TOPICS)
    ]  # fmt: skip
    db.session.execute(insert(Topic), topics)
    topic_ids = [row.id for row in db.session.query(Topic.id).order_by(Topic.id)]
    posts = [
        {"topic_id": topic_id, "author_id": member.id, "post_number": number,
         "body_source": BODY, "body_html": f"<p>{BODY}</p>", "created_at": now,
         "revision_count": 0, "is_wiki": False, "vote_count": 0}
        for topic_id in topic_ids
        for number in range(1, 2 + REPLIES_PER_TOPIC)
    ]  # fmt: skip
    db.session.execute(insert(Post), posts)
    post_ids = [row.id for row in db.session.query(Post.id).order_by(Post.id)]
    db.session.execute(
        insert(PostRevision),
        [{"post_id": post_id, "revision_number": 1, "editor_id": member.id,
          "body_source": "An earlier version.", "created_at": now}
         for post_id in post_ids[::10]],
    )  # fmt: skip
    db.session.execute(
        insert(Notification),
        [{"user_id": member.id, "kind": "reply", "topic_id": topic_id, "detail": "",
          "created_at": now} for topic_id in topic_ids[:1_000]],
    )  # fmt: skip
    db.session.commit()
    print(f"seeded {len(post_ids)} posts", flush=True)
    return member


if __name__ == "__main__":
    main()
