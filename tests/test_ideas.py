"""Idea boards: posting, voting, statuses with official responses, merging, lists,
the roadmap, internal notes, followers and the figures the dashboard will use.

Who may do what per persona and space kind is in ``test_policy`` (IDEA_STAFF,
IDEA_NOTES) and walked over HTTP by the leak matrix; these tests check the rules.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select

from community.accounts.models import User
from community.database import utcnow
from community.errors import ValidationFailed
from community.extensions import db
from community.ideas import queries as idea_queries
from community.ideas import services as idea_services
from community.ideas.models import TRENDING_DAYS, Idea, IdeaStatus, IdeaStatusChange, IdeaVote
from community.notifications.models import (
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from community.spaces import services as space_services
from community.spaces.models import IdeaBoard, Space, Visibility
from community.topics.models import Topic, TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from, make_test_app


@pytest.fixture
def board(world) -> Space:
    space = world.spaces["public"]
    space.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    return space


def make_idea(space: Space, author: User, title: str | None = None, **kwargs) -> Topic:
    return factories.make_topic(space, author=author, kind=TopicKind.IDEA, title=title, **kwargs)


def stored_count(topic: Topic) -> int:
    db.session.expire_all()
    return db.session.get(Idea, topic.id).vote_count


def vote_rows(topic: Topic) -> int:
    return db.session.scalar(select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == topic.id))


def notifications_of(user: User, kind: NotificationKind | None = None) -> list[Notification]:
    statement = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        statement = statement.where(Notification.kind == kind)
    return list(db.session.scalars(statement))


def vote(client, topic: Topic, value: str = "on", **extra):
    page = client.get(f"/t/{topic.id}")
    return client.post(
        f"/t/{topic.id}/idea-vote",
        data={"value": value, "csrf_token": csrf_token_from(page.text), **extra.pop("data", {})},
        **extra,
    )


# --- posting --------------------------------------------------------------------------


def test_new_idea_starts_open_with_its_authors_vote_and_follow(board, world):
    author = world.user("member")
    idea = make_idea(board, author, title="Dark mode for the app")

    row = db.session.get(Idea, idea.id)
    assert row.status is IdeaStatus.OPEN
    assert row.vote_count == 1 == vote_rows(idea)
    assert row.space_id == board.id
    watch = db.session.scalar(select(TopicWatch).where(TopicWatch.topic_id == idea.id))
    assert (watch.user_id, watch.level) == (author.id, WatchLevel.WATCHING)


def test_space_without_ideas_refuses_an_idea_and_offers_no_idea_kind(world, client_as):
    space = world.spaces["public"]  # ideas are off by default
    with pytest.raises(ValidationFailed, match="does not take ideas"):
        make_idea(space, world.user("member"))
    client = client_as("member")
    page = client.get("/s/town-square/new").text
    assert 'value="idea"' not in page
    response = client.post(
        "/s/town-square/new",
        data={
            "kind": "idea",
            "title": "An idea where none belong",
            "body": "Text",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 422
    assert "An idea where none belong" in response.text  # the member's text is kept
    assert db.session.scalar(select(func.count(Idea.topic_id))) == 0


def test_idea_only_board_offers_ideas_alone(world, client_as):
    space = world.spaces["public"]
    space.idea_board = IdeaBoard.ONLY
    db.session.commit()
    page = client_as("member").get("/s/town-square/new").text
    assert "<h1>New idea</h1>" in page
    assert 'value="idea"' in page
    assert 'value="discussion"' not in page
    assert 'value="question"' not in page
    with pytest.raises(ValidationFailed):
        factories.make_topic(space, author=world.user("member"))


def test_posting_an_idea_through_the_form(board, client_as):
    client = client_as("member")
    page = client.get("/s/town-square/new?kind=idea").text
    response = client.post(
        "/s/town-square/new",
        data={
            "kind": "idea",
            "title": "Export invoices as CSV",
            "body": "So accounting can **import** them.",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    topic = db.session.scalar(select(Topic).where(Topic.title == "Export invoices as CSV"))
    assert topic.kind is TopicKind.IDEA
    assert topic.idea.vote_count == 1
    shown = client.get(f"/t/{topic.id}").text
    assert "<strong>import</strong>" in shown
    assert 'aria-pressed="true"' in shown  # the author's own vote


def test_similar_ideas_are_suggested_while_typing_a_title(board, world, client_as):
    make_idea(board, world.user("admin"), title="Export invoices as spreadsheet")
    hidden = factories.make_space(
        visibility=Visibility.CLOSED, idea_board=IdeaBoard.ALONGSIDE, slug="partners"
    )
    make_idea(hidden, world.user("admin"), title="Export invoices for partners secretly")
    page = client_as("member").get("/s/town-square/new?kind=idea&title=export+invoices").text
    assert "Ideas like yours" in page
    assert "Export invoices as spreadsheet" in page
    assert "secretly" not in page  # a board the member cannot read


# --- voting -----------------------------------------------------------------------------


def test_vote_toggles_and_a_repeated_vote_counts_once(board, world):
    idea = make_idea(board, world.user("admin"))
    member = world.user("member")
    assert idea_services.set_idea_vote(member, idea, is_voted=True) == 2
    assert idea_services.set_idea_vote(member, idea, is_voted=True) == 2
    assert idea_services.set_idea_vote(member, idea, is_voted=False) == 1
    assert idea_services.set_idea_vote(member, idea, is_voted=False) == 1
    assert stored_count(idea) == vote_rows(idea) == 1


def test_author_can_take_back_their_automatic_vote(board, world):
    author = world.user("member")
    idea = make_idea(board, author)
    assert idea_services.set_idea_vote(author, idea, is_voted=False) == 0
    assert vote_rows(idea) == 0


def test_voting_follows_the_idea_unless_the_member_chose_a_level(board, world):
    idea = make_idea(board, world.user("admin"))
    follower, muter = world.user("member"), world.user("employee")
    db.session.add(TopicWatch(topic_id=idea.id, user_id=muter.id, level=WatchLevel.MUTED))
    db.session.commit()
    idea_services.set_idea_vote(follower, idea, is_voted=True)
    idea_services.set_idea_vote(muter, idea, is_voted=True)
    levels = dict(
        db.session.execute(
            select(TopicWatch.user_id, TopicWatch.level).where(TopicWatch.topic_id == idea.id)
        ).all()
    )
    assert levels[follower.id] is WatchLevel.WATCHING
    assert levels[muter.id] is WatchLevel.MUTED


def test_vote_without_javascript_redirects_back_to_the_page_it_came_from(board, world, client_as):
    idea = make_idea(board, world.user("admin"))
    client = client_as("member")
    response = vote(client, idea, data={"next": "/s/town-square/ideas?sort=new"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/s/town-square/ideas?sort=new"
    assert stored_count(idea) == 2
    # Somewhere off the site is not a place to go back to.
    response = vote(client, idea, "off", data={"next": "https://evil.example/"})
    assert response.headers["Location"] == f"/t/{idea.id}"


def test_vote_with_javascript_answers_json(board, world, client_as):
    idea = make_idea(board, world.user("admin"))
    response = vote(client_as("member"), idea, headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.get_json() == {"voted": True, "count": 2, "votes_left": None}


def test_vote_with_a_value_other_than_on_or_off_is_a_400(board, world, client_as):
    idea = make_idea(board, world.user("admin"))
    assert vote(client_as("member"), idea, "maybe").status_code == 400
    assert stored_count(idea) == 1


def test_closed_idea_refuses_votes_with_409_and_a_message(board, world, client_as):
    idea = make_idea(board, world.user("admin"))
    idea_services.set_idea_status(world.user("employee"), idea, status=IdeaStatus.SHIPPED)
    client = client_as("member")
    response = vote(client, idea)
    assert response.status_code == 409
    assert "This idea is shipped" in response.text
    as_json = vote(client, idea, headers={"Accept": "application/json"})
    assert as_json.status_code == 409
    assert "shipped" in as_json.get_json()["error"]
    # Taking a vote back from a closed idea is refused too: its tally is final.
    with pytest.raises(idea_services.VoteRefused):
        idea_services.set_idea_vote(world.user("admin"), idea, is_voted=False)
    assert stored_count(idea) == 1


def test_vote_budget_refuses_the_vote_over_it_and_says_how_to_free_one(world, client_as):
    space = world.spaces["public"]
    space.idea_board, space.idea_vote_budget = IdeaBoard.ALONGSIDE, 2
    db.session.commit()
    admin, member = world.user("admin"), world.user("member")
    ideas = [make_idea(space, admin, title=f"Budget idea {n}") for n in range(3)]
    idea_services.set_idea_vote(member, ideas[0], is_voted=True)
    idea_services.set_idea_vote(member, ideas[1], is_voted=True)
    assert idea_services.votes_left(member, space) == 0

    response = vote(client_as("member"), ideas[2])
    assert response.status_code == 409
    assert "used all 2 of your votes" in response.text
    assert "Take your vote back" in response.text
    assert stored_count(ideas[2]) == 1

    # A shipped idea gives its votes back to the budget.
    idea_services.set_idea_status(world.user("employee"), ideas[0], status=IdeaStatus.SHIPPED)
    assert idea_services.votes_left(member, space) == 1
    assert idea_services.set_idea_vote(member, ideas[2], is_voted=True) == 2


def test_votes_on_an_unreadable_idea_are_404_and_change_nothing(world, client_as):
    closed = world.spaces["closed"]
    closed.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    idea = make_idea(closed, world.user("admin"))
    assert vote(client_as("member"), idea).status_code == 404
    assert stored_count(idea) == 1


def test_concurrent_votes_and_unvotes_keep_the_count_equal_to_the_rows(database_url):
    """Many members vote and take votes back at once, each in its own connection;
    the stored count must equal the vote rows afterwards."""
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrency is PostgreSQL's to prove; SQLite serialises writers")
    app = make_test_app(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12})
    voters = 24
    with app.app_context():
        admin = factories.make_user(username="concurrency-admin")
        space = factories.make_space(slug="concurrency-board", idea_board=IdeaBoard.ALONGSIDE)
        members = [factories.make_user(username=f"concurrent{n}") for n in range(voters)]
        idea_id = make_idea(space, admin, title="Concurrent votes").id
        member_ids = [member.id for member in members]
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker(worker_number: int) -> None:
        moves = random.Random(worker_number)  # noqa: S311 - reproducible moves, not secrets
        try:
            barrier.wait()
            with app.app_context():
                topic = db.session.get(Topic, idea_id)
                for _ in range(30):
                    member = db.session.get(User, moves.choice(member_ids))
                    idea_services.set_idea_vote(member, topic, is_voted=moves.random() < 0.6)
        except BaseException as error:  # reported below, with the thread's traceback lost
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        with app.app_context():
            rows = db.session.scalar(
                select(func.count(IdeaVote.id)).where(IdeaVote.topic_id == idea_id)
            )
            stored = db.session.get(Idea, idea_id).vote_count
            assert stored == rows
            assert 1 < rows <= voters + 1  # the votes really happened
    finally:
        with app.app_context():
            db.session.execute(delete(Space).where(Space.slug == "concurrency-board"))
            db.session.execute(delete(User).where(User.username.like("concurren%")))
            db.session.commit()
            db.engine.dispose()


# --- statuses and official responses ----------------------------------------------------


def test_staff_set_status_with_an_official_response_shown_at_the_top(board, world, client_as):
    idea = make_idea(board, world.user("member"), title="Offline mode")
    client = client_as("employee")
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/status",
        data={
            "status": "planned",
            "response": "We will build this in **Q3**.",
            "csrf_token": csrf_token_from(page),
        },
    )
    assert response.status_code == 302
    row = db.session.get(Idea, idea.id)
    assert row.status is IdeaStatus.PLANNED
    assert row.first_response_at is not None
    assert row.status_changed_at is not None
    shown = client_as("anonymous").get(f"/t/{idea.id}").text
    assert "Official response" in shown
    assert "<strong>Q3</strong>" in shown
    assert shown.index("Official response") < shown.index('class="posts"')
    assert "moved it from open to planned" in shown


def test_every_status_change_is_kept_as_a_timeline(board, world):
    idea = make_idea(board, world.user("member"))
    employee = world.user("employee")
    idea_services.set_idea_status(employee, idea, status=IdeaStatus.UNDER_REVIEW)
    idea_services.set_idea_status(employee, idea, status=IdeaStatus.PLANNED, response="Soon.")
    idea_services.set_idea_status(employee, idea, status=IdeaStatus.PLANNED, response="Sooner.")
    idea_services.set_idea_status(employee, idea, status=IdeaStatus.SHIPPED)

    changes = idea_queries.timeline(idea)
    assert [(c.old_status.value, c.new_status.value) for c in changes] == [
        ("open", "under_review"),
        ("under_review", "planned"),
        ("planned", "planned"),
        ("planned", "shipped"),
    ]
    assert idea_queries.official_response(changes).response_source == "Sooner."
    row = db.session.get(Idea, idea.id)
    assert row.shipped_at == changes[-1].created_at
    assert row.first_response_at == changes[0].created_at


def test_same_status_without_a_response_is_refused_beside_the_field(board, world, client_as):
    idea = make_idea(board, world.user("member"))
    client = client_as("employee")
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/status",
        data={"status": "open", "response": "", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 422
    assert "The idea is open already" in response.text
    assert idea_queries.timeline(idea) == []


def test_duplicate_is_not_a_status_staff_can_pick(board, world, client_as):
    idea = make_idea(board, world.user("member"))
    with pytest.raises(ValidationFailed):
        idea_services.set_idea_status(world.user("employee"), idea, status=IdeaStatus.DUPLICATE)
    client = client_as("employee")
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/status", data={"status": "duplicate", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 422
    assert db.session.get(Idea, idea.id).status is IdeaStatus.OPEN


def test_members_cannot_change_status_403_and_nothing_changes(board, world, client_as):
    idea = make_idea(board, world.user("member"))
    client = client_as("member")  # the author, even
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/status", data={"status": "shipped", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 403
    assert db.session.get(Idea, idea.id).status is IdeaStatus.OPEN
    assert "Staff: status, response, merge" not in page


def test_followers_are_told_of_status_changes_and_the_actor_is_not(board, world):
    author, voter, employee = (
        world.user("member"),
        world.user("closed_member"),
        world.user("employee"),
    )
    idea = make_idea(board, author)
    idea_services.set_idea_vote(voter, idea, is_voted=True)
    idea_services.set_idea_vote(employee, idea, is_voted=True)
    idea_services.set_idea_status(employee, idea, status=IdeaStatus.PLANNED, response="Yes.")

    for follower in (author, voter):
        told = notifications_of(follower, NotificationKind.IDEA_STATUS)
        assert [(n.topic_id, n.detail) for n in told] == [(idea.id, "planned")]
    assert notifications_of(employee) == []


def test_nobody_is_told_about_an_idea_they_can_no_longer_read(world, client_as):
    closed = world.spaces["closed"]
    closed.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    admin, member = world.user("admin"), world.user("closed_member")
    idea = make_idea(closed, admin, title="Partner portal single sign-on")
    idea_services.set_idea_vote(member, idea, is_voted=True)
    idea_services.set_idea_status(admin, idea, status=IdeaStatus.UNDER_REVIEW)
    assert len(notifications_of(member)) == 1

    space_services.remove_member(admin, closed, member)
    idea_services.set_idea_status(admin, idea, status=IdeaStatus.PLANNED)

    assert len(notifications_of(member)) == 1  # nothing new was sent
    page = client_as("closed_member").get("/notifications").text
    assert "Partner portal" not in page  # and what was sent before is hidden now
    assert 'class="count-badge"' not in page


# --- merging -------------------------------------------------------------------------------


def test_merge_moves_votes_without_double_counting_and_links_the_duplicate(board, world):
    admin, employee = world.user("admin"), world.user("employee")
    a_voters = [factories.make_user() for _ in range(3)]
    both = a_voters[0]
    source = make_idea(board, admin, title="Dark theme please")
    target = make_idea(board, admin, title="Dark mode")
    for voter in a_voters:
        idea_services.set_idea_vote(voter, source, is_voted=True)
    idea_services.set_idea_vote(both, target, is_voted=True)
    # source: admin + 3; target: admin + both.
    idea_services.merge_idea(employee, source, target)

    assert stored_count(target) == vote_rows(target) == 4  # admin, 3 voters, once each
    assert stored_count(source) == vote_rows(source) == 0
    row = db.session.get(Idea, source.id)
    assert row.status is IdeaStatus.DUPLICATE
    assert row.merged_into_id == target.id
    watchers = set(
        db.session.scalars(
            select(TopicWatch.user_id).where(
                TopicWatch.topic_id == target.id, TopicWatch.level == WatchLevel.WATCHING
            )
        )
    )
    assert {voter.id for voter in a_voters} <= watchers
    for voter in a_voters:
        assert [n.kind for n in notifications_of(voter)] == [NotificationKind.IDEA_MERGED]


def test_merged_idea_shows_where_it_went_and_keeps_its_replies(board, world, client_as):
    admin = world.user("admin")
    source = make_idea(board, admin, title="Dark theme please")
    factories.make_reply(source, author=world.user("member"), body="Yes, my eyes hurt.")
    target = make_idea(board, admin, title="Dark mode")
    client = client_as("employee")
    page = client.get(f"/t/{source.id}").text
    response = client.post(
        f"/t/{source.id}/merge",
        data={"target": f"http://localhost/t/{target.id}", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/t/{target.id}"
    shown = client_as("anonymous").get(f"/t/{source.id}").text
    assert "This idea was merged into" in shown
    assert f'href="/t/{target.id}"' in shown
    assert "Yes, my eyes hurt." in shown
    assert "voting closed" in shown


@pytest.mark.parametrize(
    ("target_of", "message"),
    [
        ("itself", "cannot be merged into itself"),
        ("merged", "was itself merged into another idea"),
        ("discussion", "no idea with that number"),
        ("nonsense", "Give the idea"),
    ],
)
def test_merge_refusals_say_why_and_change_nothing(board, world, client_as, target_of, message):
    admin = world.user("admin")
    source = make_idea(board, admin, title="Source idea")
    other = make_idea(board, admin, title="Other idea")
    merged = make_idea(board, admin, title="Merged idea")
    idea_services.merge_idea(admin, merged, other)
    discussion = factories.make_topic(board, author=admin)
    reference = {
        "itself": str(source.id),
        "merged": f"/t/{merged.id}",
        "discussion": str(discussion.id),
        "nonsense": "the other one",
    }[target_of]
    client = client_as("employee")
    page = client.get(f"/t/{source.id}").text
    response = client.post(
        f"/t/{source.id}/merge", data={"target": reference, "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 422
    assert message in response.text
    assert db.session.get(Idea, source.id).merged_into_id is None
    assert stored_count(source) == 1


def test_merge_across_spaces_needs_every_voter_to_read_the_target(board, world):
    admin = world.user("admin")
    closed = world.spaces["closed"]
    closed.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    source = make_idea(board, admin, title="Public idea")
    idea_services.set_idea_vote(world.user("member"), source, is_voted=True)  # not in closed
    target = make_idea(closed, admin, title="Partner idea")

    with pytest.raises(ValidationFailed, match="1 voter of this idea cannot read Inner Circle"):
        idea_services.merge_idea(admin, source, target)
    assert db.session.get(Idea, source.id).merged_into_id is None

    # The other way round every voter (admin, a closed member) reads the public board.
    idea_services.set_idea_vote(world.user("closed_member"), target, is_voted=True)
    idea_services.merge_idea(admin, target, source)
    assert stored_count(source) == 3


# --- lists and the roadmap -----------------------------------------------------------------


def _ordered_titles(client, url: str) -> list[str]:
    page = client.get(url).text
    return [line.split(">")[1].split("<")[0] for line in page.split('class="topic-title"')[1:]]


def test_board_sorts_by_top_trending_newest_and_recently_updated(board, world, client_as):
    admin = world.user("admin")
    voters = [factories.make_user() for _ in range(3)]
    old_popular = make_idea(board, admin, title="Old popular")
    recent = make_idea(board, admin, title="Recently voted")
    newest = make_idea(board, admin, title="Newest idea")
    for voter in voters:
        idea_services.set_idea_vote(voter, old_popular, is_voted=True)
    idea_services.set_idea_vote(voters[0], recent, is_voted=True)
    # Old popular's votes are from last month: trending counts the last 14 days only.
    db.session.execute(
        IdeaVote.__table__.update()
        .where(IdeaVote.topic_id == old_popular.id)
        .values(created_at=datetime.now(UTC) - timedelta(days=30))
    )
    db.session.commit()
    factories.make_reply(recent, author=admin, body="A comment makes it recently updated.")
    client = client_as("anonymous")
    assert _ordered_titles(client, "/s/town-square/ideas") == [
        "Old popular", "Recently voted", "Newest idea"
    ]  # fmt: skip
    # Votes that aged out leave the trending count when it is recounted (the mail
    # worker does so hourly).
    idea_services.recount_recent_votes()
    db.session.commit()
    assert _ordered_titles(client, "/s/town-square/ideas?sort=trending")[0] == "Recently voted"
    assert _ordered_titles(client, "/s/town-square/ideas?sort=new")[0] == "Newest idea"
    assert _ordered_titles(client, "/s/town-square/ideas?sort=updated")[0] == "Recently voted"
    assert newest.idea.vote_count == 1


def _recent(topic):
    db.session.refresh(topic.idea, ["recent_vote_count"])
    return topic.idea.recent_vote_count


def _age_votes(topic, days):
    db.session.execute(
        IdeaVote.__table__.update()
        .where(IdeaVote.topic_id == topic.id)
        .values(created_at=datetime.now(UTC) - timedelta(days=days))
    )
    db.session.commit()


def test_trending_count_follows_votes_and_recounts_drop_aged_ones(board, world):
    admin = world.user("admin")
    idea = make_idea(board, admin, title="Counted lately")
    other = make_idea(board, admin, title="Untouched")
    voters = [factories.make_user(username=f"trend{n}") for n in range(3)]
    for voter in voters:
        idea_services.set_idea_vote(voter, idea, is_voted=True)
    assert _recent(idea) == 4  # the author's own vote and three more, at once
    _age_votes(idea, 20)
    # Taking back an old vote counts again: the old ones were never recent.
    idea_services.set_idea_vote(voters[0], idea, is_voted=False)
    assert (idea.idea.vote_count, _recent(idea)) == (3, 0)
    idea_services.set_idea_vote(voters[0], idea, is_voted=True)
    assert _recent(idea) == 1
    # Rows written in bulk (no service) join the count at the next recount; aged
    # votes leave it; ideas with nothing recent are left alone.
    _age_votes(idea, 15)
    db.session.add(IdeaVote(topic_id=other.id, user_id=voters[1].id, created_at=utcnow()))
    db.session.commit()
    updated = idea_services.recount_recent_votes()
    db.session.commit()
    assert updated == 2
    assert (_recent(idea), _recent(other)) == (0, 2)  # its author's vote and the bulk one
    # The window is TRENDING_DAYS.
    _age_votes(other, TRENDING_DAYS - 1)
    idea_services.recount_recent_votes()
    db.session.commit()
    assert _recent(other) == 2


def test_merging_recounts_the_trending_votes_once_per_member(board, world):
    admin = world.user("admin")
    source = make_idea(board, admin, title="Duplicate one")
    target = make_idea(board, admin, title="Original one")
    both, only_source = factories.make_user(username="both"), factories.make_user(username="src")
    for voter in (both, only_source):
        idea_services.set_idea_vote(voter, source, is_voted=True)
    idea_services.set_idea_vote(both, target, is_voted=True)

    idea_services.merge_idea(world.user("employee"), source, target)

    # admin, both and src; nobody twice.
    assert (target.idea.vote_count, _recent(target)) == (3, 3)
    assert _recent(source) == 0


def test_refresh_trending_command_recounts(app, board, world):
    idea = make_idea(board, world.user("admin"), title="Aging idea")
    _age_votes(idea, 30)
    result = app.test_cli_runner().invoke(args=["hearth", "refresh-trending"])
    assert result.exit_code == 0, result.output
    assert "Trending votes recounted for 1 ideas." in result.output
    assert _recent(idea) == 0


def test_board_filters_by_status_and_tag_and_hides_merged_ideas(board, world, client_as):
    admin, employee = world.user("admin"), world.user("employee")
    planned = make_idea(board, admin, title="Planned idea", tags="mobile")
    make_idea(board, admin, title="Open idea")
    merged = make_idea(board, admin, title="Merged away")
    idea_services.set_idea_status(employee, planned, status=IdeaStatus.PLANNED)
    idea_services.merge_idea(employee, merged, planned)
    client = client_as("anonymous")

    assert _ordered_titles(client, "/s/town-square/ideas?status=planned") == ["Planned idea"]
    assert _ordered_titles(client, "/s/town-square/ideas?tag=mobile") == ["Planned idea"]
    assert "Merged away" not in _ordered_titles(client, "/s/town-square/ideas")
    assert _ordered_titles(client, "/s/town-square/ideas?status=duplicate") == ["Merged away"]
    # Unknown sorts and statuses fall back to the defaults rather than failing.
    assert client.get("/s/town-square/ideas?sort=%00&status=bogus&page=-4").status_code == 200


def test_board_of_a_space_without_ideas_is_404(world, client_as):
    assert client_as("admin").get("/s/town-square/ideas").status_code == 404


BOARD_MAX_QUERIES = 7


def test_roadmap_shows_planned_in_progress_and_recently_shipped_that_the_viewer_reads(
    world, client_as
):
    admin = world.user("admin")
    for kind, space in world.spaces.items():
        space.idea_board = IdeaBoard.ALONGSIDE
        db.session.commit()
        for status in (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.SHIPPED):
            idea = make_idea(space, admin, title=f"Roadmap {kind} {status.value}")
            idea_services.set_idea_status(admin, idea, status=status)
    long_shipped = make_idea(world.spaces["public"], admin, title="Roadmap shipped long ago")
    idea_services.set_idea_status(admin, long_shipped, status=IdeaStatus.SHIPPED)
    long_shipped.idea.shipped_at = datetime.now(UTC) - timedelta(days=200)
    db.session.commit()

    page = client_as("member").get("/roadmap").text
    for status in ("planned", "in_progress", "shipped"):
        assert f"Roadmap public {status}" in page
        assert f"Roadmap closed {status}" not in page
        assert f"Roadmap employee {status}" not in page
    assert "shipped long ago" not in page
    assert page.index("Roadmap public planned") < page.index("Roadmap public in_progress")
    staff_page = client_as("employee").get("/roadmap").text
    assert "Roadmap employee planned" in staff_page
    assert "Roadmap closed planned" not in staff_page


# --- internal notes ----------------------------------------------------------------------


def test_internal_notes_are_seen_by_employees_only(board, world, client_as):
    idea = make_idea(board, world.user("member"))
    client = client_as("employee")
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/notes",
        data={"body": "Costly: needs the sync rewrite first.", "csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 302
    assert "sync rewrite" in client.get(f"/t/{idea.id}").text
    for persona in ("anonymous", "member", "moderator", "space_moderator"):
        shown = client_as(persona).get(f"/t/{idea.id}").text
        assert "sync rewrite" not in shown, persona
        assert "Internal notes" not in shown, persona
    search = client_as("member").get("/search?q=rewrite").text
    assert "sync rewrite" not in search


def test_empty_note_is_refused_beside_the_field(board, world, client_as):
    idea = make_idea(board, world.user("member"))
    client = client_as("employee")
    page = client.get(f"/t/{idea.id}").text
    response = client.post(
        f"/t/{idea.id}/notes", data={"body": "   ", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 422
    assert "Write the note first." in response.text


# --- figures -----------------------------------------------------------------------------


def test_idea_figures_match_a_hand_count(world):
    admin, employee = world.user("admin"), world.user("employee")
    public, closed = world.spaces["public"], world.spaces["closed"]
    for space in (public, closed):
        space.idea_board = IdeaBoard.ALONGSIDE
    db.session.commit()
    october = datetime(2026, 10, 5, 12, tzinfo=UTC)
    november = datetime(2026, 11, 2, 12, tzinfo=UTC)
    shipped_idea = make_idea(public, admin, title="Shipped in November")
    planned_idea = make_idea(public, admin, title="Planned in October")
    open_idea = make_idea(public, admin, title="Still open")
    hidden = make_idea(closed, admin, title="Closed board idea")
    idea_services.set_idea_vote(employee, shipped_idea, is_voted=True)
    # Put the ideas in time: posted, first response, shipped.
    rows = {idea.id: db.session.get(Idea, idea.id) for idea in (shipped_idea, planned_idea)}
    rows[shipped_idea.id].created_at = october
    rows[shipped_idea.id].first_response_at = october + timedelta(days=2)
    rows[shipped_idea.id].shipped_at = october + timedelta(days=30)
    rows[shipped_idea.id].status = IdeaStatus.SHIPPED
    rows[planned_idea.id].created_at = october + timedelta(days=1)
    rows[planned_idea.id].first_response_at = october + timedelta(days=5)
    rows[planned_idea.id].status = IdeaStatus.PLANNED
    db.session.get(Idea, open_idea.id).created_at = november
    db.session.get(Idea, hidden.id).created_at = november
    db.session.execute(
        IdeaVote.__table__.update()
        .where(IdeaVote.topic_id.in_([shipped_idea.id, planned_idea.id]))
        .values(created_at=october + timedelta(days=3))
    )
    db.session.execute(
        IdeaVote.__table__.update()
        .where(IdeaVote.topic_id.in_([open_idea.id, hidden.id]))
        .values(created_at=november)
    )
    db.session.commit()

    figures = idea_queries.idea_figures(
        world.user("member"),
        start=datetime(2026, 10, 1, tzinfo=UTC),
        end=datetime(2026, 12, 1, tzinfo=UTC),
    )
    # The member does not read the closed board: its idea and vote are not counted.
    assert figures.ideas_per_month == {"2026-10": 2, "2026-11": 1}
    # October: shipped idea (admin + employee) and planned idea (admin); November: open.
    assert figures.votes_per_month == {"2026-10": 3, "2026-11": 1}
    assert figures.ideas_per_status == {"shipped": 1, "planned": 1, "open": 1}
    assert figures.median_days_to_first_response == pytest.approx((2 + 4) / 2)
    assert figures.median_days_to_shipped == pytest.approx(30)
    admin_figures = idea_queries.idea_figures(
        admin, start=datetime(2026, 10, 1, tzinfo=UTC), end=datetime(2026, 12, 1, tzinfo=UTC)
    )
    assert admin_figures.ideas_per_month == {"2026-10": 2, "2026-11": 2}


def test_status_change_records_who_and_what(board, world):
    idea = make_idea(board, world.user("member"))
    change = idea_services.set_idea_status(
        world.user("employee"), idea, status=IdeaStatus.DECLINED, response="Not for us."
    )
    stored = db.session.get(IdeaStatusChange, change.id)
    assert stored.actor_id == world.user("employee").id
    assert (stored.old_status, stored.new_status) == (IdeaStatus.OPEN, IdeaStatus.DECLINED)
    assert stored.response_html.strip() == "<p>Not for us.</p>"


# --- query budgets of the boards the benchmark reads (bench/run.py) -------------------------

# Board, signed in: the member, their memberships, the space, the page of ideas (topics
# and authors joined in), their tags, the member's votes among them, the header's unread
# notifications. Sorted by recent votes it reads the same: the recent counts are a grouped
# subquery joined in, not a query per idea. Signed out, the member's queries go.
# Roadmap: the member, their memberships, each of the three columns with its tags (six),
# their votes among them; the header reads the unread count from the member query.
ROADMAP_MAX_QUERIES = 9


@pytest.mark.parametrize("persona", ["anonymous", "member"])
@pytest.mark.parametrize("query", ["", "?sort=trending"])  # "" sorts by top
def test_board_query_count_is_the_same_for_5_and_30_ideas_when_sorted(
    board, world, client_as, database, query, persona
):
    client = client_as(persona)
    voter = world.user("member")
    path = f"/s/town-square/ideas{query}"

    def add(count: int) -> None:
        for _ in range(count):
            idea = make_idea(board, factories.make_user(), tags=None)
            idea_services.set_idea_vote(voter, idea, is_voted=True)

    def measure() -> list[str]:
        client.get(path)
        with count_queries(database) as statements:
            page = client.get(path)
        assert page.status_code == 200
        return list(statements)

    add(5)
    few = measure()
    add(25)  # a full page of 30
    many = measure()
    assert len(few) == len(many), "\n---\n".join(many)
    assert len(many) <= BOARD_MAX_QUERIES, "\n---\n".join(many)


def test_roadmap_query_count_is_the_same_for_5_and_30_ideas_a_column(
    board, world, client_as, database
):
    client = client_as("member")
    admin = world.user("admin")

    def add(count: int) -> None:
        for _ in range(count):
            for status in (IdeaStatus.PLANNED, IdeaStatus.IN_PROGRESS, IdeaStatus.SHIPPED):
                idea = make_idea(board, factories.make_user(), tags=None)
                idea_services.set_idea_status(admin, idea, status=status)

    def measure() -> list[str]:
        client.get("/roadmap")
        with count_queries(database) as statements:
            assert client.get("/roadmap").status_code == 200
        return list(statements)

    add(5)
    few = measure()
    add(25)
    many = measure()
    assert len(few) == len(many), "\n---\n".join(many)
    assert len(many) <= ROADMAP_MAX_QUERIES, "\n---\n".join(many)
