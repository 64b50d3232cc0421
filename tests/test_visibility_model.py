"""A stateful model of who may read what (SECURITY-PLAN check 4).

Hypothesis drives random sequences of what changes visibility — spaces created and
turned public, closed or employee-only; members added and removed; employee status
given and taken; topics posted, replied to and deleted — through the real services.
After every step, for every member and for a visitor, each listing (home, every
space's page, search) must show exactly the topics a plain model says they may
read, notifications must point only at those, hidden spaces must answer 404, and the
spaces' counters must equal a recount. The model is written here, apart from
``community.policy``, so it is a second opinion, not a copy.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from community.accounts import services as account_services
from community.accounts.models import AnonymousViewer, Role, User
from community.errors import NotFound
from community.extensions import db
from community.notifications import queries as notification_queries
from community.search.queries import search_posts
from community.spaces import queries as space_queries
from community.spaces import services as space_services
from community.spaces.models import Space, Visibility
from community.topics import queries as topic_queries
from community.topics import services as topic_services
from community.topics.models import Post, Topic
from tests import factories

READERS = 4
WORD = "statecanary"  # in every title and body, so one search finds every topic
# Runs per CI pass: SQLite is quick; each PostgreSQL run costs a few seconds of round
# trips. A nightly run sets HEARTH_MODEL_RUNS (SECURITY-PLAN: 200).
RUNS = {"sqlite": 20, "postgresql": 8}
STEPS = 25


@dataclass
class SpaceModel:
    id: int
    visibility: Visibility
    members: set[int] = field(default_factory=set)


@dataclass
class TopicModel:
    id: int
    space_id: int
    author_id: int
    is_deleted: bool = False


def _may_read(user: User | None, employees: set[int], space: SpaceModel) -> bool:
    """The rule as the product states it, for members who are not admins."""
    if space.visibility is Visibility.PUBLIC:
        return True
    if user is None:
        return False
    if space.visibility is Visibility.EMPLOYEE:
        return user.id in employees
    return user.id in space.members


def test_listings_search_and_notifications_match_the_model(database, world, report_figure):
    names = itertools.count(1)
    checked = {"runs": 0, "steps": 0}

    class Visibilities(RuleBasedStateMachine):
        spaces = Bundle("spaces")
        topics = Bundle("topics")

        def __init__(self) -> None:
            super().__init__()
            # Each run starts from the same database and leaves nothing behind.
            self.savepoint = database.begin_nested()
            self.admin = factories.make_user(username=f"modeladmin{next(names)}", role=Role.ADMIN)
            self.readers = [
                factories.make_user(username=f"modelreader{next(names)}") for _ in range(READERS)
            ]
            self.employees: set[int] = set()
            self.space_models: dict[int, SpaceModel] = {}
            self.topic_models: dict[int, TopicModel] = {}
            checked["runs"] += 1

        def teardown(self) -> None:
            db.session.rollback()
            self.savepoint.rollback()
            db.session.expire_all()

        # --- what changes visibility -------------------------------------------------

        @rule(target=spaces, visibility=st.sampled_from(Visibility))
        def create_space(self, visibility: Visibility) -> int:
            number = next(names)
            space = space_services.create_space(
                self.admin, name=f"Model space {number}", slug=f"model-{number}",
                visibility=visibility,
            )  # fmt: skip
            self.space_models[space.id] = SpaceModel(space.id, visibility)
            return space.id

        @rule(space_id=spaces, visibility=st.sampled_from(Visibility))
        def change_visibility(self, space_id: int, visibility: Visibility) -> None:
            space = db.session.get(Space, space_id)
            space_services.update_space(
                self.admin, space, name=space.name, slug=space.slug,
                description=space.description, visibility=visibility, is_listed=space.is_listed,
            )  # fmt: skip
            self.space_models[space_id].visibility = visibility

        @rule(space_id=spaces, reader=st.integers(0, READERS - 1), joins=st.booleans())
        def change_membership(self, space_id: int, reader: int, joins: bool) -> None:
            user = self.readers[reader]
            space = db.session.get(Space, space_id)
            if joins:
                space_services.add_member(self.admin, space, user)
                self.space_models[space_id].members.add(user.id)
            else:
                space_services.remove_member(self.admin, space, user)
                self.space_models[space_id].members.discard(user.id)

        @rule(reader=st.integers(0, READERS - 1), is_employee=st.booleans())
        def change_employee_status(self, reader: int, is_employee: bool) -> None:
            user = self.readers[reader]
            account_services.update_member(
                self.admin, user, role=user.role, is_employee=is_employee
            )
            (self.employees.add if is_employee else self.employees.discard)(user.id)

        @rule(target=topics, space_id=spaces, reader=st.integers(0, READERS - 1))
        def post_topic(self, space_id: int, reader: int) -> int:
            model = self.space_models[space_id]
            user = self.readers[reader]
            # A reader posts where they may; the admin posts everywhere else.
            author = user if _may_read(user, self.employees, model) else self.admin
            topic = topic_services.create_topic(
                author, db.session.get(Space, space_id),
                title=f"{WORD} topic {next(names)}", body=f"{WORD} opening words",
            )  # fmt: skip
            self.topic_models[topic.id] = TopicModel(topic.id, space_id, author.id)
            return topic.id

        @rule(topic_id=topics, reader=st.integers(0, READERS - 1))
        def reply(self, topic_id: int, reader: int) -> None:
            model = self.topic_models[topic_id]
            if model.is_deleted:
                return
            user = self.readers[reader]
            space = self.space_models[model.space_id]
            author = user if _may_read(user, self.employees, space) else self.admin
            topic_services.reply_to_topic(
                author, db.session.get(Topic, topic_id), body=f"{WORD} a reply"
            )

        @rule(topic_id=consumes(topics))
        def delete_topic(self, topic_id: int) -> None:
            first_post = db.session.scalar(
                select(Post).where(Post.topic_id == topic_id, Post.post_number == 1)
            )
            topic_services.delete_post(self.admin, first_post)
            self.topic_models[topic_id].is_deleted = True

        # --- what must hold after every step -------------------------------------------

        def _viewers(self) -> list[User | AnonymousViewer]:
            db.session.expire_all()
            return [AnonymousViewer(), *(db.session.get(User, u.id) for u in self.readers)]

        def _visible(self, viewer: User | AnonymousViewer) -> set[int]:
            user = viewer if viewer.is_authenticated else None
            return {
                topic.id
                for topic in self.topic_models.values()
                if not topic.is_deleted
                and _may_read(user, self.employees, self.space_models[topic.space_id])
            }

        @invariant()
        def listings_and_search_show_exactly_what_the_viewer_may_read(self) -> None:
            checked["steps"] += 1
            for viewer in self._viewers():
                visible = self._visible(viewer)
                home = {t.id for t in topic_queries.list_recent_topics(viewer, limit=500)}
                assert home & set(self.topic_models) == visible, ("home", viewer)
                found = search_posts(viewer, WORD, per_page=500)
                searched = {hit.post.topic_id for hit in found.hits}
                assert searched == visible, ("search", viewer)
                for space in self.space_models.values():
                    user = viewer if viewer.is_authenticated else None
                    row = db.session.get(Space, space.id)
                    if not _may_read(user, self.employees, space):
                        try:
                            space_queries.get_readable_space_or_404(viewer, row.slug)
                        except NotFound:
                            continue
                        raise AssertionError(("hidden space readable", viewer, space))
                    page = topic_queries.list_space_topics(viewer, row, after=None, per_page=500)
                    listed = {t.id for t in page.topics}
                    expected = {t for t in visible if self.topic_models[t].space_id == space.id}
                    assert listed == expected, ("space page", viewer, space)

        @invariant()
        def notifications_point_only_at_readable_topics(self) -> None:
            for viewer in self._viewers()[1:]:
                notes, _ = notification_queries.list_notifications(viewer, per_page=500)
                assert {n.topic_id for n in notes} <= self._visible(viewer), viewer
                unread = sum(1 for n in notes if not n.is_read)
                assert notification_queries.unread_count(viewer) == unread

        @invariant()
        def space_counters_equal_a_recount(self) -> None:
            for space_id in self.space_models:
                space = db.session.get(Space, space_id)
                live = select(Topic.id).where(
                    Topic.space_id == space_id, Topic.deleted_at.is_(None)
                )
                topics = db.session.scalar(select(func.count()).select_from(live.subquery()))
                posts = db.session.scalar(
                    select(func.count(Post.id)).where(
                        Post.topic_id.in_(live), Post.deleted_at.is_(None)
                    )
                )
                assert (space.topic_count, space.post_count) == (topics, posts), space.slug

    run_state_machine_as_test(
        Visibilities,
        settings=settings(
            max_examples=int(os.environ.get("HEARTH_MODEL_RUNS", RUNS[database.dialect.name])),
            stateful_step_count=STEPS,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
        ),
    )
    database_name = database.dialect.name
    report_figure(
        f"FIGURE visibility-model db={database_name} runs={checked['runs']} "
        f"steps={checked['steps']} viewers={READERS + 1} violations=0"
    )
