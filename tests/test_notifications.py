"""In-app notifications and topic watch levels.

Who is told: the topic's author of replies (unless muted), watchers of every post,
the answerer when their answer is accepted, followers of ideas (``test_ideas``).
Never the actor, never someone who may not read the topic, at sending or showing.
"""

from __future__ import annotations

from sqlalchemy import select

from community.accounts import services as account_services
from community.answers import services as answer_services
from community.extensions import db
from community.notifications import queries as notification_queries
from community.notifications.models import Notification, NotificationKind, TopicWatch, WatchLevel
from community.topics.models import TopicKind
from tests import factories
from tests.conftest import count_queries, csrf_token_from


def kinds_for(user) -> list[NotificationKind]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def set_level(topic, user, level: WatchLevel) -> None:
    db.session.add(TopicWatch(topic_id=topic.id, user_id=user.id, level=level))
    db.session.commit()


def test_a_reply_notifies_the_topics_author_and_not_the_replier(world):
    author, replier = world.user("member"), world.user("closed_member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    post = factories.make_reply(topic, author=replier)
    factories.make_reply(topic, author=author)  # replying in one's own topic: no news

    notification = db.session.scalar(select(Notification).where(Notification.user_id == author.id))
    assert notification.kind is NotificationKind.REPLY
    assert (notification.topic_id, notification.post_id) == (topic.id, post.id)
    assert notification.actor_id == replier.id
    assert kinds_for(replier) == []


def test_watchers_hear_of_every_post_and_muted_authors_of_none(world):
    author, watcher, replier = (
        world.user("member"), world.user("employee"), world.user("closed_member")
    )  # fmt: skip
    topic = factories.make_topic(world.spaces["public"], author=author)
    set_level(topic, watcher, WatchLevel.WATCHING)
    set_level(topic, author, WatchLevel.MUTED)
    factories.make_reply(topic, author=replier)

    assert kinds_for(watcher) == [NotificationKind.WATCHED_POST]
    assert kinds_for(author) == []


def test_an_author_who_watches_is_told_once_per_reply(world):
    author = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    set_level(topic, author, WatchLevel.WATCHING)
    factories.make_reply(topic, author=world.user("admin"))
    assert kinds_for(author) == [NotificationKind.WATCHED_POST]


def test_watchers_who_cannot_read_the_space_are_not_told(world):
    closed = world.spaces["closed"]
    outsider = world.user("member")
    topic = factories.make_topic(closed, author=world.user("admin"))
    # A row left from when the outsider was a member.
    set_level(topic, outsider, WatchLevel.WATCHING)
    factories.make_reply(topic, author=world.user("closed_member"))
    assert kinds_for(outsider) == []


def test_accepted_answer_notifies_its_author(world):
    asker, answerer = world.user("member"), world.user("closed_member")
    question = factories.make_topic(world.spaces["public"], author=asker, kind=TopicKind.QUESTION)
    answer = factories.make_reply(question, author=answerer)
    answer_services.accept_answer(asker, question, answer)
    answer_services.accept_answer(asker, question, answer)  # again: no second notice
    assert kinds_for(answerer) == [NotificationKind.ANSWER_ACCEPTED]


def test_header_shows_the_unread_count_and_marking_read_clears_it(world, client_as):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=member, title="My topic here")
    factories.make_reply(topic, author=world.user("admin"))
    factories.make_reply(topic, author=world.user("employee"))
    client = client_as("member")

    page = client.get("/").text
    assert 'aria-label="2 unread"' in page
    listing = client.get("/notifications").text
    assert listing.count("replied to <strong>My topic here</strong>") == 2

    first = db.session.scalar(select(Notification.id).where(Notification.user_id == member.id))
    response = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": csrf_token_from(listing)},
        headers={"Accept": "application/json"},
    )
    assert response.get_json() == {"unread": 1}
    client.post("/notifications/read", data={"csrf_token": csrf_token_from(listing)})
    assert "unread" not in client.get("/").text.split("</header>")[0]


def test_nobody_marks_someone_elses_notification(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("member"))
    factories.make_reply(topic, author=world.user("admin"))
    theirs = db.session.scalar(
        select(Notification).where(Notification.user_id == world.user("member").id)
    )
    client = client_as("employee")
    page = client.get("/notifications").text
    response = client.post(
        f"/notifications/{theirs.id}/read", data={"csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.read_at is None


def test_losing_employee_status_hides_employee_space_notifications(world, client_as):
    employee = world.user("employee")
    topic = factories.make_topic(
        world.spaces["employee"], author=employee, title="Salary bands for next year"
    )
    factories.make_reply(topic, author=world.user("admin"))
    assert notification_queries.unread_count(employee) == 1

    account_services.update_member(
        world.user("admin"), employee, role=employee.role, is_employee=False
    )
    assert notification_queries.unread_count(employee) == 0
    page = client_as("employee").get("/notifications").text
    assert "Salary bands" not in page


def test_watch_level_form_sets_the_level_for_the_topic(world, client_as):
    topic = factories.make_topic(world.spaces["public"], author=world.user("admin"))
    client = client_as("member")
    page = client.get(f"/t/{topic.id}").text
    assert 'name="level"' in page
    response = client.post(
        f"/t/{topic.id}/watch", data={"level": "watching", "csrf_token": csrf_token_from(page)}
    )
    assert response.status_code == 302
    response = client.post(
        f"/t/{topic.id}/watch", data={"level": "muted", "csrf_token": csrf_token_from(page)}
    )
    levels = list(
        db.session.scalars(select(TopicWatch.level).where(TopicWatch.topic_id == topic.id))
    )
    assert levels == [WatchLevel.MUTED]
    bad = client.post(
        f"/t/{topic.id}/watch", data={"level": "loud", "csrf_token": csrf_token_from(page)}
    )
    assert bad.status_code == 400


def test_notifications_page_query_count_is_the_same_for_5_and_25(world, client_as, database):
    member = world.user("member")
    topic = factories.make_topic(world.spaces["public"], author=member)
    client = client_as("member")

    def measure(replies: int) -> list[str]:
        for _ in range(replies):
            factories.make_reply(topic, author=factories.make_user())
        client.get("/notifications")
        with count_queries(database) as statements:
            assert client.get("/notifications").status_code == 200
        return list(statements)

    few, many = measure(5), measure(20)
    assert len(few) == len(many), "\n---\n".join(many)
    # Member, memberships, the header's count, the page (topic, actor, post joined in).
    assert len(many) <= 4, "\n---\n".join(many)


def test_notification_links_to_the_page_of_a_reply_deep_in_a_topic(
    app, world, client_as, monkeypatch
):
    monkeypatch.setitem(app.config, "POSTS_PER_PAGE", 2)
    author, replier = world.user("member"), world.user("closed_member")
    topic = factories.make_topic(world.spaces["public"], author=author)
    for _ in range(4):
        factories.make_reply(topic, author=replier)  # posts 2..5: post 5 is on page 3

    page = client_as("member").get("/notifications")

    assert f'href="/t/{topic.id}?page=3#post-5"' in page.text
    assert f'href="/t/{topic.id}#post-2"' in page.text
