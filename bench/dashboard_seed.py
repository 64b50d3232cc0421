"""Make a data set for timing the community health dashboard: 200,000 posts.

    export DATABASE_URL=sqlite:////tmp/hearth-bench.db
    .venv/bin/flask --app wsgi db upgrade && .venv/bin/python -m bench.dashboard_seed

A stand-in for the project's standard data set (``seed-bench``, being written on
another branch): two years of a busy community in 24 spaces of every kind, with
questions and staff replies, discussions, ideas with votes and status timelines,
answer votes, tags, invites and join requests. Rows go in with bulk INSERTs (the
services would take hours); counters are set to match. The database must be empty
and migrated (``flask db upgrade``); the script refuses one that has users.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select

from community import create_app
from community.accounts.models import Role, User
from community.answers.models import AnswerVote
from community.extensions import db
from community.ideas.models import Idea, IdeaStatus, IdeaStatusChange, IdeaVote
from community.invites.models import Invite, InviteUse, invite_spaces
from community.spaces.models import (
    IdeaBoard,
    JoinRequest,
    JoinRequestStatus,
    Membership,
    Space,
    Visibility,
)
from community.tags.models import Tag, topic_tags
from community.topics.models import Post, Topic, TopicKind

POSTS = 200_000
USERS = 5_000
EMPLOYEES = 60
TOPICS = 20_000
DAYS = 730
SPACES = [("public", 12), ("closed", 8), ("employee", 4)]
TAGS = 60
BATCH = 5_000
NOW = datetime.now(UTC)
random.seed(20_26)


def moment(days_ago: float) -> datetime:
    return NOW - timedelta(days=days_ago)


def insert_rows(model: object, rows: list[dict]) -> None:
    for start in range(0, len(rows), BATCH):
        db.session.execute(insert(model), rows[start : start + BATCH])


def seed() -> None:
    clock = time.monotonic()
    if db.session.scalar(select(func.count(User.id))):
        raise SystemExit("The database has users already: seed an empty, migrated one.")

    users = [
        {
            "id": number,
            "email": f"bench{number}@example.com",
            "username": f"bench{number}",
            "username_lower": f"bench{number}",
            "display_name": f"Bench Member {number}",
            "password_hash": "x",
            "role": Role.ADMIN if number == 1 else Role.MEMBER,
            "is_employee": number <= EMPLOYEES,
            "email_confirmed_at": moment(DAYS + 10),
            "created_at": moment(DAYS + 10 - number * DAYS / USERS),
        }
        for number in range(1, USERS + 1)
    ]
    insert_rows(User, users)
    print(f"users {len(users)}", flush=True)

    spaces, number = [], 0
    for kind, count in SPACES:
        for index in range(count):
            number += 1
            spaces.append(
                {
                    "id": number,
                    "slug": f"{kind}-{index}",
                    "name": f"{kind.title()} space {index}",
                    "description": "",
                    "visibility": Visibility(kind),
                    "is_listed": True,
                    "accepts_join_requests": kind == "closed",
                    "idea_board": IdeaBoard.ALONGSIDE,
                    "position": number,
                    "topic_count": 0,
                    "post_count": 0,
                }
            )
    insert_rows(Space, spaces)
    closed_ids = [space["id"] for space in spaces if space["visibility"] is Visibility.CLOSED]
    members = {
        space_id: random.sample(range(EMPLOYEES + 1, USERS + 1), 300) for space_id in closed_ids
    }
    # The first employees are members of a few closed spaces, the rest of none.
    for space_id in closed_ids[:3]:
        members[space_id] += list(range(2, 12))
    insert_rows(
        Membership,
        [
            {"space_id": space_id, "user_id": user_id, "role": "member"}
            for space_id, user_ids in members.items()
            for user_id in user_ids
        ],
    )
    insert_rows(Tag, [{"id": number, "name": f"tag-{number}"} for number in range(1, TAGS + 1)])

    def authors_for(space: dict) -> list[int]:
        if space["visibility"] is Visibility.EMPLOYEE:
            return list(range(1, EMPLOYEES + 1))
        if space["visibility"] is Visibility.CLOSED:
            return members[space["id"]]
        return list(range(1, USERS + 1))

    topics, posts, ideas, changes, tag_rows, accepted_posts = [], [], [], [], [], []
    replies_left = POSTS - TOPICS
    post_id = 0
    for topic_id in range(1, TOPICS + 1):
        space = random.choice(spaces)
        authors = authors_for(space)
        kind = random.choices(
            [TopicKind.QUESTION, TopicKind.DISCUSSION, TopicKind.IDEA], weights=[40, 45, 15]
        )[0]
        # More activity lately: a growing community.
        started = moment(DAYS * random.random() ** 1.5)
        replies = min(replies_left, int(random.expovariate(1 / 10)))
        replies_left -= replies
        times = sorted(
            started + timedelta(hours=random.expovariate(1 / 20)) for _ in range(replies)
        )
        last = times[-1] if times else started
        first_staff = None
        for number, posted in enumerate([started, *times], start=1):
            post_id += 1
            author = random.choice(authors)
            if number == 2 and kind is TopicKind.QUESTION and random.random() < 0.7:
                author = random.randint(2, EMPLOYEES)
                first_staff = posted
            posts.append(
                {
                    "id": post_id, "topic_id": topic_id, "author_id": author,
                    "post_number": number, "body_source": f"Post {post_id} about lights.",
                    "body_html": f"<p>Post {post_id} about lights.</p>", "created_at": posted,
                    "revision_count": 0, "is_wiki": False, "vote_count": 0,
                }
            )  # fmt: skip
        accepted = None
        if kind is TopicKind.QUESTION and replies and random.random() < 0.5:
            accepted = post_id - random.randint(0, replies - 1)
        topics.append(
            {
                "id": topic_id, "space_id": space["id"],
                "author_id": posts[-replies - 1]["author_id"],
                "kind": kind, "title": f"Topic {topic_id} about the hub", "post_count": replies + 1,
                "last_post_number": replies + 1, "is_pinned": False, "created_at": started,
                "last_posted_at": last, "first_staff_reply_at": first_staff,
                "accepted_at": last if accepted else None,
            }
        )  # fmt: skip
        if accepted:
            accepted_posts.append({"topic_id": topic_id, "accepted": accepted})
        space["topic_count"] += 1
        space["post_count"] += replies + 1
        for tag_id in random.sample(range(1, TAGS + 1), random.randint(0, 3)):
            tag_rows.append({"topic_id": topic_id, "tag_id": tag_id})
        if kind is TopicKind.IDEA:
            status = random.choices(list(IdeaStatus)[:6], weights=[50, 15, 12, 8, 10, 5])[0]
            responded = status is not IdeaStatus.OPEN
            ideas.append(
                {
                    "topic_id": topic_id, "space_id": space["id"], "status": status,
                    "vote_count": 0, "created_at": started,
                    "first_response_at": started + timedelta(days=3) if responded else None,
                    "shipped_at": (
                        started + timedelta(days=40) if status is IdeaStatus.SHIPPED else None
                    ),
                }
            )  # fmt: skip
            if responded:
                changes.append(
                    {
                        "topic_id": topic_id, "actor_id": 2, "old_status": IdeaStatus.OPEN,
                        "new_status": status, "response_source": "", "response_html": "",
                        "created_at": started + timedelta(days=3),
                    }
                )  # fmt: skip
    insert_rows(Topic, topics)
    print(f"topics {len(topics)}", flush=True)
    insert_rows(Post, posts)
    print(f"posts {len(posts)}", flush=True)
    # Topics and posts point at each other: accepted answers once both exist.
    for row in accepted_posts:
        db.session.execute(
            Topic.__table__.update()
            .where(Topic.id == row["topic_id"])
            .values(accepted_post_id=row["accepted"])
        )
    db.session.execute(topic_tags.insert(), tag_rows)
    insert_rows(Idea, ideas)
    insert_rows(IdeaStatusChange, changes)
    votes, seen = [], set()
    for idea in ideas:
        for _ in range(int(random.expovariate(1 / 8))):
            user_id = random.randint(1, USERS)
            if (idea["topic_id"], user_id) not in seen:
                seen.add((idea["topic_id"], user_id))
                votes.append(
                    {
                        "topic_id": idea["topic_id"], "user_id": user_id,
                        "created_at": idea["created_at"] + timedelta(days=random.random() * 30),
                    }
                )  # fmt: skip
    insert_rows(IdeaVote, votes)
    db.session.execute(
        Idea.__table__.update().values(
            vote_count=select(func.count(IdeaVote.id))
            .where(IdeaVote.topic_id == Idea.topic_id)
            .scalar_subquery()
        )
    )
    answer_votes, seen = [], set()
    for post in random.sample(posts, 20_000):
        if post["post_number"] > 1:
            user_id = random.randint(1, USERS)
            if (post["id"], user_id) not in seen and user_id != post["author_id"]:
                seen.add((post["id"], user_id))
                answer_votes.append(
                    {"post_id": post["id"], "user_id": user_id, "created_at": post["created_at"]}
                )
    insert_rows(AnswerVote, answer_votes)
    for space in spaces:
        db.session.execute(
            Space.__table__.update()
            .where(Space.id == space["id"])
            .values(topic_count=space["topic_count"], post_count=space["post_count"])
        )
    invites, uses, requests, invite_targets = [], [], [], []
    for number in range(1, 401):
        space_id = random.choice(closed_ids)
        made = moment(random.random() * DAYS)
        invite_targets.append(({"id": number}, space_id))
        invites.append(
            {
                "id": number, "token_hash": f"{number:064d}",
                "created_by_id": 2, "max_uses": 5, "use_count": 0,
                "expires_at": made + timedelta(days=7), "created_at": made,
            }
        )  # fmt: skip
        for user_id in random.sample(range(EMPLOYEES + 1, USERS + 1), random.randint(0, 3)):
            uses.append(
                {"invite_id": number, "user_id": user_id, "used_at": made + timedelta(days=1)}
            )
    for number in range(1, 1_201):
        asked = moment(random.random() * DAYS)
        decided = asked + timedelta(hours=random.expovariate(1 / 40))
        pending = decided > NOW or number % 50 == 0
        requests.append(
            {
                "space_id": random.choice(closed_ids), "user_id": EMPLOYEES + number,
                "message": "", "note": "", "created_at": asked,
                "status": JoinRequestStatus.PENDING if pending else JoinRequestStatus.APPROVED,
                "decided_at": None if pending else decided,
            }
        )  # fmt: skip
    insert_rows(Invite, invites)
    db.session.execute(
        invite_spaces.insert(),
        [{"invite_id": row["id"], "space_id": space_id} for row, space_id in invite_targets],
    )
    insert_rows(InviteUse, uses)
    insert_rows(JoinRequest, requests)
    db.session.commit()
    print(
        f"seeded posts={len(posts)} topics={len(topics)} ideas={len(ideas)} "
        f"idea_votes={len(votes)} answer_votes={len(answer_votes)} "
        f"seconds={time.monotonic() - clock:.0f}",
        flush=True,
    )


if __name__ == "__main__":
    with create_app().app_context():
        seed()
