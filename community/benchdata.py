"""The standard benchmark data set: ``flask --app wsgi hearth seed-bench``.

A busy community of a given size, the same on SQLite and PostgreSQL for a given seed:
spaces of every kind (one large public space, "General", deep enough for page 500 of its
topic list), discussions, questions (staff replies, accepted answers, answer votes),
ideas (statuses, votes, some of them in the last days so "trending" has something to
rank), tags and closed-space memberships. One known member, ``bench`` (password
``BENCH_PASSWORD``), is an employee and a member of every closed space: the benchmark
signs in as them.

Rows go in with bulk INSERTs in batches (the services would take hours at this size);
the counters the pages read are set to match: space topic and post counts, topic post
counts and last-post fields, idea and answer vote counts, accepted answers. The search
index fills itself: the migrations' triggers index each post on both databases.

Post bodies are plain paragraphs of letters and spaces, so the HTML stored beside them
is exactly what ``community.markdown`` would render (a test checks a sample). Every
``MARKER_EVERY``-th post holds ``MARKER``, so a search for it has a known, bounded number
of hits whatever the size.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Table, bindparam, delete, func, insert, select, text, update

from community.accounts.models import Role, User
from community.answers.models import AnswerVote
from community.database import Base
from community.extensions import db
from community.ideas import services as idea_services
from community.ideas.models import Idea, IdeaStatus, IdeaStatusChange, IdeaVote
from community.spaces.models import IdeaBoard, Membership, Space, Visibility
from community.tags.models import Tag, topic_tags
from community.topics.models import Post, Topic, TopicKind

BENCH_USERNAME = "bench"
BENCH_PASSWORD = "hearth-bench-2026"  # noqa: S105 - a made-up data set's known login
BIG_SPACE_SLUG = "general"
# The big space holds this share of the topics: at 30 topics a page, 20,000 topics give
# it 506 pages, so "page 500" of its list exists.
BIG_SPACE_SHARE = 0.76
# Topic 1, in the big space, has exactly this many posts ("a topic with 100 posts").
LONG_TOPIC_POSTS = 100
MARKER = "zephyrine"
MARKER_EVERY = 4_000
TAG_COUNT = 60
EMPLOYEE_SHARE = 0.03
CLOSED_SPACE_MEMBERS = 300
# Of the spaces after the big one, in this order and proportion: public, closed, employee.
KIND_WEIGHTS = ((Visibility.PUBLIC, 9), (Visibility.CLOSED, 6), (Visibility.EMPLOYEE, 4))
KIND_CHOICES = (TopicKind.QUESTION, TopicKind.DISCUSSION, TopicKind.IDEA)
KIND_SHARES = (40, 45, 15)
IDEA_STATUSES = tuple(status for status in IdeaStatus if status is not IdeaStatus.DUPLICATE)
IDEA_STATUS_SHARES = (50, 15, 12, 8, 10, 5)
TRENDING_WINDOW_DAYS = 14
HISTORY_DAYS = 730
BATCH = 10_000
PROGRESS_EVERY = 50_000
DEFAULT_SEED = 42


def _table(target: type[Base] | Table) -> Table:
    # Core INSERTs: the ORM's bulk path adds nothing here and costs time per row.
    return target if isinstance(target, Table) else target.__table__


class SeedRefused(Exception):
    """The database has content and the caller did not say it may go."""


@dataclass(frozen=True)
class Sizes:
    spaces: int = 20
    topics: int = 20_000
    posts: int = 200_000
    members: int = 2_000

    def scaled(self, factor: int) -> Sizes:
        """Topics and posts times ``factor``; spaces and members stay (a deeper community)."""
        return Sizes(self.spaces, self.topics * factor, self.posts * factor, self.members)


@dataclass
class SeedReport:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@dataclass
class _TopicPlan:
    """What the topics pass decides, so the posts pass can stream without storing posts."""

    topic_id: int
    space_id: int
    kind: TopicKind
    author_id: int
    first_post_id: int
    replies: int
    started: datetime
    gap: timedelta
    staff_second: bool


def content_counts() -> dict[str, int]:
    """Rows in the tables that make a database "not empty" for ``seed-bench``."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) or 0
        for table in (User.__table__, Space.__table__, Topic.__table__, Post.__table__)
    }


def wipe_content() -> None:
    """Delete every row of every application table (``--force`` on a bench database)."""
    # Topics and posts point at each other: loosen that link before deleting either.
    db.session.execute(update(Topic).values(accepted_post_id=None))
    for table in reversed(Base.metadata.sorted_tables):
        db.session.execute(delete(table))
    db.session.commit()


# Syllables of the made-up words, and common English words that rank first (Zipf).
_SYLLABLE_TEXT = "ka lo mi ne ra to su vi de po ar en is or um ba ce fi gu ho ju ly mo ni pe qu"
_COMMON_TEXT = (
    "the a to of and in is it that for on with this be you not are as have but can if "
    "or my we was so at what just do there from they will an about would like all one "
    "your get has more when some how update thanks problem works server version "
    "release issue question answer config page forum topic post"
)
_SYLLABLES = tuple(_SYLLABLE_TEXT.split())
_COMMON_WORDS = tuple(_COMMON_TEXT.split())


class _Words:
    """Zipf-distributed pseudo-words, like FlaskBB's peer seed, drawn from one RNG."""

    def __init__(self, rng: random.Random, size: int = 3_000) -> None:
        words = list(_COMMON_WORDS)
        seen = set(words)
        while len(words) < size:
            word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4)))
            if word not in seen and word != MARKER:
                seen.add(word)
                words.append(word)
        self.words = words
        weights = [1.0 / (rank + 1) for rank in range(size)]
        total = sum(weights)
        running, self.cumulative = 0.0, []
        for weight in weights:
            running += weight / total
            self.cumulative.append(running)
        self.rng = rng

    def sentence(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def paragraphs(self, *, with_marker: bool) -> list[str]:
        paragraphs = [
            " ".join(self.sentence(self.rng.randint(15, 60))) for _ in range(self.rng.randint(1, 3))
        ]
        if with_marker:
            paragraphs[0] = f"{paragraphs[0]} {MARKER}"
        return paragraphs


def post_body(paragraphs: list[str]) -> tuple[str, str]:
    """The Markdown source and the HTML ``community.markdown`` renders for it."""
    return "\n\n".join(paragraphs), "\n".join(f"<p>{text}</p>" for text in paragraphs) + "\n"


def seed_bench(
    sizes: Sizes,
    *,
    force: bool = False,
    is_production: bool = False,
    seed: int = DEFAULT_SEED,
    password_hash: str,
    progress: Callable[[str], None] = lambda line: None,
    now: datetime | None = None,
) -> SeedReport:
    """Fill the database with the benchmark data set.

    Raises SeedRefused when the database has content, unless ``force`` (then it is
    wiped first, and ``progress`` says what went); a production database with content
    is always refused.
    """
    if sizes.topics < 2 or sizes.spaces < 4 or sizes.members < 10:
        raise ValueError("seed-bench needs at least 4 spaces, 2 topics and 10 members")
    if sizes.posts < sizes.topics + LONG_TOPIC_POSTS:
        raise ValueError("seed-bench needs at least one post per topic plus the long topic")
    clock = time.monotonic()
    existing = {name: count for name, count in content_counts().items() if count}
    if existing:
        listed = ", ".join(f"{count:,} {name}" for name, count in existing.items())
        if is_production:
            raise SeedRefused(f"This is a production database with content ({listed}).")
        if not force:
            raise SeedRefused(f"The database has content ({listed}); --force deletes it.")
        progress(f"deleting what is there: {listed}")
        wipe_content()
    # Made-up data: a seeded, repeatable generator, no secrets drawn.
    rng = random.Random(seed)  # noqa: S311
    seeder = _Seeder(sizes, rng, now or datetime.now(UTC), progress, clock)
    report = seeder.run(password_hash)
    report.seconds = time.monotonic() - clock
    return report


class _Seeder:
    def __init__(
        self,
        sizes: Sizes,
        rng: random.Random,
        now: datetime,
        progress: Callable[[str], None],
        clock: float,
    ) -> None:
        self.sizes, self.rng, self.now, self.clock = sizes, rng, now, clock
        self.say = progress
        self.words = _Words(rng)
        self.report = SeedReport()

    def tell(self, what: str, count: int) -> None:
        self.report.counts[what] = count
        self.say(f"{what} {count:,} ({time.monotonic() - self.clock:.1f} s)")

    def insert_rows(self, target: type[Base] | Table, rows: Iterator[dict] | list[dict]) -> int:
        """INSERT in batches (executemany); return how many rows went in."""
        total, batch = 0, []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                db.session.execute(insert(_table(target)), batch)
                total += len(batch)
                batch = []
                if total % PROGRESS_EVERY == 0:
                    self.say(f"  {total:,} ({time.monotonic() - self.clock:.1f} s)")
        if batch:
            db.session.execute(insert(_table(target)), batch)
            total += len(batch)
        return total

    def run(self, password_hash: str) -> SeedReport:
        self.members(password_hash)
        self.spaces()
        self.memberships_and_tags()
        plans = self.plan_topics()
        self.insert_topics(plans)
        self.insert_posts(plans)
        self.finish_topics(plans)
        self.ideas(plans)
        self.answer_votes(plans)
        # The trending sort's stored count of the last days' votes.
        idea_services.recount_recent_votes()
        db.session.commit()
        self.analyze()
        return self.report

    def analyze(self) -> None:
        """Give the query planners statistics, as a live database would have them.

        PostgreSQL's autovacuum would gather them within minutes; SQLite never does on its
        own, and without them it picks the space index for the home page's recent topics
        and sorts every topic (0.1 s a request at 200,000 posts instead of 1 ms).
        """
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        self.say(f"statistics gathered (ANALYZE) ({time.monotonic() - self.clock:.1f} s)")

    def moment(self, days_ago: float) -> datetime:
        return self.now - timedelta(days=days_ago)

    def members(self, password_hash: str) -> None:
        count = self.sizes.members
        employees = max(2, int(count * EMPLOYEE_SHARE))
        # Member 1 is the admin, 2 the bench member, then employees, then customers.
        self.employee_ids = list(range(1, employees + 1))
        self.customer_ids = list(range(employees + 1, count + 1))

        def rows() -> Iterator[dict]:
            for number in range(1, count + 1):
                username = BENCH_USERNAME if number == 2 else f"member{number}"
                yield {
                    "id": number,
                    "email": f"{username}@bench.example.com",
                    "username": username,
                    "username_lower": username,
                    "display_name": f"Bench Member {number}",
                    "password_hash": password_hash,
                    "role": Role.ADMIN if number == 1 else Role.MEMBER,
                    "is_employee": number <= employees,
                    "trust_level": 2,
                    "email_confirmed_at": self.moment(HISTORY_DAYS + 10),
                    "created_at": self.moment(HISTORY_DAYS + 10 - number * HISTORY_DAYS / count),
                }

        self.tell("members", self.insert_rows(User, rows()))

    def spaces(self) -> None:
        kinds = [Visibility.PUBLIC]
        weights = sum(weight for _kind, weight in KIND_WEIGHTS)
        for kind, weight in KIND_WEIGHTS:
            kinds += [kind] * max(1, round((self.sizes.spaces - 1) * weight / weights))
        kinds = kinds[: self.sizes.spaces]
        rows = []
        for number, kind in enumerate(kinds, start=1):
            slug = BIG_SPACE_SLUG if number == 1 else f"{kind}-{number}"
            rows.append(
                {
                    "id": number,
                    "slug": slug,
                    "name": "General" if number == 1 else f"{kind.title()} space {number}",
                    "description": f"The {kind} space number {number}.",
                    "visibility": kind,
                    "is_listed": True,
                    "accepts_join_requests": kind is Visibility.CLOSED,
                    "idea_board": IdeaBoard.ALONGSIDE,
                    "position": number,
                    "topic_count": 0,
                    "post_count": 0,
                    "created_at": self.moment(HISTORY_DAYS + 5),
                }
            )
        self.space_rows = rows
        self.tell("spaces", self.insert_rows(Space, rows))

    def memberships_and_tags(self) -> None:
        self.authors: dict[int, list[int]] = {}
        memberships = []
        for space in self.space_rows:
            if space["visibility"] is Visibility.EMPLOYEE:
                self.authors[space["id"]] = self.employee_ids
            elif space["visibility"] is Visibility.CLOSED:
                size = min(CLOSED_SPACE_MEMBERS, len(self.customer_ids))
                members = sorted({2, *self.rng.sample(self.customer_ids, size)})
                self.authors[space["id"]] = members
                memberships += [
                    {"space_id": space["id"], "user_id": user_id, "role": "member"}
                    for user_id in members
                ]
            else:
                self.authors[space["id"]] = self.employee_ids + self.customer_ids
        self.tell("memberships", self.insert_rows(Membership, memberships))
        tags = [{"id": number, "name": f"tag-{number}"} for number in range(1, TAG_COUNT + 1)]
        self.tell("tags", self.insert_rows(Tag, tags))

    def plan_topics(self) -> list[_TopicPlan]:
        """Decide each topic's space, kind, author, reply count and times."""
        sizes, rng = self.sizes, self.rng
        big = max(1, int(sizes.topics * BIG_SPACE_SHARE))
        others = [space["id"] for space in self.space_rows[1:]]
        # Replies beyond one post per topic and the long topic, spread with a skew.
        spare = sizes.posts - sizes.topics - (LONG_TOPIC_POSTS - 1)
        weights = [rng.expovariate(1.0) for _ in range(sizes.topics - 1)]
        scale = spare / sum(weights)
        replies = [int(weight * scale) for weight in weights]
        for index in rng.sample(range(len(replies)), spare - sum(replies)):
            replies[index] += 1  # the rounding remainder, so the total is exact
        replies.insert(0, LONG_TOPIC_POSTS - 1)
        plans, post_id = [], 1
        for topic_id in range(1, sizes.topics + 1):
            space_id = 1 if topic_id <= big else others[topic_id % len(others)]
            kind = (
                TopicKind.DISCUSSION
                if topic_id == 1
                else rng.choices(KIND_CHOICES, weights=KIND_SHARES)[0]
            )
            started = self.moment(HISTORY_DAYS * rng.random() ** 1.5 + 1)
            gap = timedelta(minutes=rng.expovariate(1 / 90))
            plans.append(
                _TopicPlan(
                    topic_id=topic_id,
                    space_id=space_id,
                    kind=kind,
                    author_id=rng.choice(self.authors[space_id]),
                    first_post_id=post_id,
                    replies=replies[topic_id - 1],
                    started=started,
                    gap=gap,
                    staff_second=kind is TopicKind.QUESTION and rng.random() < 0.7,
                )
            )
            post_id += replies[topic_id - 1] + 1
        return plans

    def insert_topics(self, plans: list[_TopicPlan]) -> None:
        counts = {space["id"]: [0, 0] for space in self.space_rows}

        def rows() -> Iterator[dict]:
            for plan in plans:
                counts[plan.space_id][0] += 1
                counts[plan.space_id][1] += plan.replies + 1
                yield {
                    "id": plan.topic_id,
                    "space_id": plan.space_id,
                    "author_id": plan.author_id,
                    "kind": plan.kind,
                    "title": " ".join(self.words.sentence(self.rng.randint(3, 9))).capitalize(),
                    "post_count": plan.replies + 1,
                    "last_post_number": plan.replies + 1,
                    "is_pinned": False,
                    "created_at": plan.started,
                    "last_posted_at": plan.started + plan.gap * plan.replies,
                    "first_staff_reply_at": (
                        plan.started + plan.gap if plan.staff_second and plan.replies else None
                    ),
                }

        self.tell("topics", self.insert_rows(Topic, rows()))
        tag_rows = [
            {"topic_id": plan.topic_id, "tag_id": tag_id}
            for plan in plans
            for tag_id in self.rng.sample(range(1, TAG_COUNT + 1), self.rng.randint(0, 3))
        ]
        self.tell("topic tags", self.insert_rows(topic_tags, tag_rows))
        db.session.execute(
            update(Space.__table__).where(Space.__table__.c.id == bindparam("space")),
            [
                {"space": space_id, "topic_count": topics, "post_count": posts}
                for space_id, (topics, posts) in counts.items()
            ],
        )

    def insert_posts(self, plans: list[_TopicPlan]) -> None:
        rng, words = self.rng, self.words

        def rows() -> Iterator[dict]:
            for plan in plans:
                authors = self.authors[plan.space_id]
                for number in range(1, plan.replies + 2):
                    post_id = plan.first_post_id + number - 1
                    if number == 1:
                        author = plan.author_id
                    elif number == 2 and plan.staff_second:
                        author = rng.choice(self.employee_ids)
                    else:
                        author = rng.choice(authors)
                    source, html = post_body(
                        words.paragraphs(with_marker=post_id % MARKER_EVERY == 0)
                    )
                    yield {
                        "id": post_id,
                        "topic_id": plan.topic_id,
                        "author_id": author,
                        "post_number": number,
                        "body_source": source,
                        "body_html": html,
                        "created_at": plan.started + plan.gap * (number - 1),
                        "revision_count": 0,
                        "is_wiki": False,
                        "vote_count": 0,
                    }

        self.tell("posts", self.insert_rows(Post, rows()))

    def finish_topics(self, plans: list[_TopicPlan]) -> None:
        """Last posters from the posts; accepted answers once both tables have rows."""
        last_post = (
            select(Post.author_id)
            .where(Post.topic_id == Topic.id, Post.post_number == Topic.last_post_number)
            .scalar_subquery()
        )
        db.session.execute(update(Topic).values(last_poster_id=last_post))
        accepted = [
            {
                "topic": plan.topic_id,
                "accepted_post_id": plan.first_post_id + self.rng.randint(1, plan.replies),
                "accepted_at": plan.started + plan.gap * plan.replies,
            }
            for plan in plans
            if plan.kind is TopicKind.QUESTION and plan.replies and self.rng.random() < 0.5
        ]
        if accepted:
            topics = Topic.__table__
            db.session.execute(update(topics).where(topics.c.id == bindparam("topic")), accepted)
        self.tell("accepted answers", len(accepted))

    def ideas(self, plans: list[_TopicPlan]) -> None:
        rng = self.rng
        ideas, changes, votes = [], [], []
        for plan in plans:
            if plan.kind is not TopicKind.IDEA:
                continue
            status = rng.choices(IDEA_STATUSES, weights=IDEA_STATUS_SHARES)[0]
            responded = plan.started + timedelta(days=3)
            voters = self.authors[plan.space_id]
            chosen = rng.sample(voters, min(len(voters), int(rng.expovariate(1 / 12))))
            # A third of the ideas were voted on lately: the trending sort ranks them.
            is_recent = rng.random() < 1 / 3
            for user_id in chosen:
                days_ago = (
                    rng.random() * TRENDING_WINDOW_DAYS
                    if is_recent
                    else rng.random() * (self.now - plan.started).days
                )
                votes.append(
                    {
                        "topic_id": plan.topic_id,
                        "user_id": user_id,
                        "created_at": max(plan.started, self.moment(days_ago)),
                    }
                )
            ideas.append(
                {
                    "topic_id": plan.topic_id,
                    "space_id": plan.space_id,
                    "status": status,
                    "vote_count": len(chosen),
                    "created_at": plan.started,
                    "status_changed_at": None if status is IdeaStatus.OPEN else responded,
                    "first_response_at": None if status is IdeaStatus.OPEN else responded,
                    "shipped_at": (
                        responded + timedelta(days=30) if status is IdeaStatus.SHIPPED else None
                    ),
                }
            )
            if status is not IdeaStatus.OPEN:
                changes.append(
                    {
                        "topic_id": plan.topic_id,
                        "actor_id": self.employee_ids[0],
                        "old_status": IdeaStatus.OPEN,
                        "new_status": status,
                        "response_source": "",
                        "response_html": "",
                        "created_at": responded,
                    }
                )
        self.tell("ideas", self.insert_rows(Idea, ideas))
        self.insert_rows(IdeaStatusChange, changes)
        self.tell("idea votes", self.insert_rows(IdeaVote, votes))

    def answer_votes(self, plans: list[_TopicPlan]) -> None:
        rng = self.rng
        votes, per_post = [], {}
        for plan in plans:
            if plan.kind is not TopicKind.QUESTION or not plan.replies:
                continue
            post_id = plan.first_post_id + rng.randint(1, plan.replies)
            authors = self.authors[plan.space_id]
            voters = rng.sample(authors, min(len(authors), rng.randint(0, 3)))
            for user_id in voters:
                votes.append({"post_id": post_id, "user_id": user_id, "created_at": plan.started})
            if voters:
                per_post[post_id] = len(voters)
        self.tell("answer votes", self.insert_rows(AnswerVote, votes))
        if per_post:
            db.session.execute(
                update(Post.__table__).where(Post.__table__.c.id == bindparam("post")),
                [{"post": post_id, "vote_count": count} for post_id, count in per_post.items()],
            )
